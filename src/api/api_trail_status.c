/* api_trail_status.c — StartLogging, StopLogging and GetTrailStatus.
 *
 * GetTrailStatus reports only what happened: a time member appears once its event took place
 * (delivery reports outcomes through ot_trail_note_delivery / _note_digest, the daemon's
 * notification hook through ot_trail_note_notification, the trail stream through logs.db's
 * feed outcome: LatestCloudWatchLogsDelivery*). The string twins
 * (TimeLoggingStarted, LatestDeliveryAttemptTime, ...) are "" when they do not apply, as AWS
 * and moto send them. */
#include <string.h>

#include "api/api_cloudtrail.h"
#include "api/audit.h"
#include "logs/logs.h"
#include "util/err.h"
#include "util/timeutil.h"

/* AWS puts a trail's StopLogging event in the trail's last log file. So when a logging trail
 * stops, its StopLogging is audited here, before the stop, and delivery seals the trail with
 * it while the trail still logs: the event is in a written file before the stop is committed,
 * and a crash at any point loses nothing of it. (A later state.db failure leaves that record
 * saying the call succeeded; the call still fails.) */
static void audit_stop_first(ct_ctx *c, const ot_trail *t, bool on)
{
    if (on || !t->logging)
        return;
    ot_resp ok = {.status = 200, .file_fd = -1};
    ot_buf_init(&ok.body, 0);
    c->audited = ot_audit_record(c->srv, c->req, &ok, "StopLogging") == 0;
    if (c->audited)
        ot_api_trail_changed(c->srv, t->arn);
}

static int set_logging(ct_ctx *c, bool on)
{
    ot_trail t;
    if (ct_trail_from_name(c, true, &t))
        return -1;
    audit_stop_first(c, &t, on);
    bool changed = false;
    int rc = ot_trail_set_logging(c->srv->trails, t.arn, on, ot_now_ms(), &changed);
    if (rc == OT_ENOTFOUND)
        return ct_trail_not_found(c, t.arn);
    if (rc)
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    /* Stopping flushes what delivery holds (what came after the StopLogging event, if any) and
     * writes the final digest. Starting makes delivery pick the trail up now, before this
     * call's own audit record is written, so the trail logs its StartLogging as AWS trails do. */
    if (!on || changed)
        ot_api_trail_changed(c->srv, t.arn);
    ct_ok(c);
    return 0;
}

int ct_start_logging(ct_ctx *c) { return set_logging(c, true); }
int ct_stop_logging(ct_ctx *c) { return set_logging(c, false); }

static void ktime_opt(ot_jw *w, const char *key, int64_t ms)
{
    if (ms > 0)
        ct_ktime(w, key, ms);
}

static void kstr_time(ot_jw *w, const char *key, int64_t ms)
{
    char iso[32] = "";
    if (ms > 0)
        ot_time_iso8601(ms, iso);
    ot_jw_kstr(w, key, iso);
}

int ct_get_trail_status(ct_ctx *c)
{
    ot_trail t;
    ot_trail_notification note;
    if (ct_trail_from_name(c, false, &t))
        return -1;
    ot_logs_feed_status cwl = {0};
    int rc = ot_trail_notification_get(c->srv->trails, t.arn, &note);
    if (!rc && c->srv->logs)
        rc = ot_logs_feed_status_get(c->srv->logs, t.arn, &cwl);
    if (rc)
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    ct_ok(c);
    ot_jw *w = &c->w;
    ot_jw_kbool(w, "IsLogging", t.logging);
    if (t.latest_delivery_error[0])
        ot_jw_kstr(w, "LatestDeliveryError", t.latest_delivery_error);
    if (note.error[0])
        ot_jw_kstr(w, "LatestNotificationError", note.error);
    ktime_opt(w, "LatestDeliveryTime", t.latest_delivery_ms);
    ktime_opt(w, "LatestNotificationTime", note.latest_ms);
    ktime_opt(w, "StartLoggingTime", t.start_logging_ms);
    ktime_opt(w, "StopLoggingTime", t.stop_logging_ms);
    if (cwl.error[0])
        ot_jw_kstr(w, "LatestCloudWatchLogsDeliveryError", cwl.error);
    ktime_opt(w, "LatestCloudWatchLogsDeliveryTime", cwl.latest_ms);
    ktime_opt(w, "LatestDigestDeliveryTime", t.latest_digest_delivery_ms);
    if (t.latest_digest_delivery_error[0])
        ot_jw_kstr(w, "LatestDigestDeliveryError", t.latest_digest_delivery_error);
    kstr_time(w, "LatestDeliveryAttemptTime", t.latest_delivery_attempt_ms);
    kstr_time(w, "LatestNotificationAttemptTime", note.attempt_ms);
    kstr_time(w, "LatestNotificationAttemptSucceeded", note.latest_ms);
    kstr_time(w, "LatestDeliveryAttemptSucceeded", t.latest_delivery_ms);
    kstr_time(w, "TimeLoggingStarted", t.start_logging_ms);
    kstr_time(w, "TimeLoggingStopped", t.stop_logging_ms);
    return 0;
}
