/* restore_incident.c — the incident trail-restore writes (docs/runbooks.md "Incident records"):
 * who did it (and the human behind the principal), from where, what changed, what the runbook
 * did, the blind window with the events recorded in it, the earlier incidents of the same
 * human; then its publication to the runbook topic.
 *
 * The human is resolved after the trail is restored, never before: resolution searches the
 * event history, which indexes the WAL on its own thread, so we first wait (bounded) until
 * the history holds the trigger — and, for the eventID of our StartLogging, our own call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history/history.h"
#include "respond/respond_int.h"
#include "sns/sns.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "wal/wal.h"

#define WINDOW_EVENTS_MAX 100  /* events of the blind window listed in the incident */
#define SUBJECT_MAX 100        /* SNS's Subject limit */

/* ---- the history: our own call's event, the blind window ---- */

typedef struct find_call {
    char needle[80];   /* "requestID":"<id>" */
    char event_id[64];
} find_call;

static int match_request(void *ctx, const ot_history_hit *hit)
{
    find_call *f = ctx;
    if (!hit->event_id || !memmem(hit->raw, hit->raw_len, f->needle, strlen(f->needle)))
        return 0;
    snprintf(f->event_id, sizeof f->event_id, "%s", hit->event_id);
    return 1;
}

/* The eventID that audited our last changing call, found in the history by its requestID;
 * "" if none (or the history did not catch up in time). */
static void own_event_id(ot_api *srv, const rb_restore_outcome *o, char out[64])
{
    out[0] = '\0';
    if (!o->last_request_id[0] || !srv->history ||
        !rb_history_reaches(srv->history, ot_wal_durable_lsn(srv->wal)))
        return;
    find_call f = {.event_id = ""};
    snprintf(f.needle, sizeof f.needle, "\"requestID\":\"%s\"", o->last_request_id);
    ot_history_query q = {.nattrs = 1, .start_ms = o->restored_ms - 2000, .end_ms = INT64_MAX,
                          .cat = OT_HCAT_MANAGEMENT, .limit = OT_HISTORY_MAX_PAGE};
    q.attrs[0].key = OT_HK_EVENT_NAME;
    q.attrs[0].value = o->last_op;
    bool more;
    ot_history_cursor next;
    ot_history_query_run(srv->history, &q, match_request, &f, &more, &next);
    snprintf(out, 64, "%s", f.event_id);
}

typedef struct window_event {
    int64_t time_ms;
    char event_id[64], event_name[64], event_source[64], username[128];
} window_event;

typedef struct window_list {
    const char *trigger_id;
    window_event ev[WINDOW_EVENTS_MAX];
    size_t n, total;
} window_list;

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Collects the window's events, newest first as the history answers. */
static int collect_event(void *ctx, const ot_history_hit *hit)
{
    window_list *l = ctx;
    static const char own[] = "\"sourceIPAddress\":\"" OT_RESPONDER_SOURCE_IP "\"";
    if ((hit->event_id && !strcmp(hit->event_id, l->trigger_id)) ||
        memmem(hit->raw, hit->raw_len, own, sizeof own - 1))
        return 0; /* the trigger itself and our own calls are not what the trail missed */
    if (l->n < WINDOW_EVENTS_MAX) {
        window_event *e = &l->ev[l->n++];
        e->time_ms = hit->time_ms;
        copy_str(e->event_id, sizeof e->event_id, hit->event_id);
        copy_str(e->event_name, sizeof e->event_name, hit->event_name);
        copy_str(e->event_source, sizeof e->event_source, hit->event_source);
        copy_str(e->username, sizeof e->username, hit->username);
    }
    l->total++;
    return 0;
}

static void write_events(ot_jw *w, const window_list *l)
{
    ot_jw_key(w, "events");
    ot_jw_arr(w);
    for (size_t i = l->n; i-- > 0;) { /* oldest first */
        char when[32];
        ot_time_iso8601(l->ev[i].time_ms, when);
        ot_jw_obj(w);
        ot_jw_kstr(w, "eventID", l->ev[i].event_id);
        ot_jw_kstr(w, "eventTime", when);
        ot_jw_kstr(w, "eventName", l->ev[i].event_name);
        ot_jw_kstr(w, "eventSource", l->ev[i].event_source);
        ot_jw_kstr(w, "username", l->ev[i].username);
        ot_jw_end(w);
    }
    ot_jw_end(w);
    if (l->total > l->n)
        ot_jw_kint(w, "eventsTotal", (int64_t)l->total);
}

/* The logging gap: from the trigger's eventTime to our restoring call (to now when the
 * runbook did not restore), with the management events the history holds for it. */
static void write_window(ot_jw *w, ot_api *srv, const rb_trigger *t, const rb_restore_outcome *o)
{
    if (!strcmp(o->status, "no-action-needed") || !t->event_ms)
        return;
    int64_t end = o->restored_ms ? o->restored_ms : ot_now_ms();
    rb_write_window_open(w, t->event_ms, end);
    window_list *l = calloc(1, sizeof *l);
    if (l && srv->history) {
        l->trigger_id = t->ev->event_id;
        ot_history_query q = {.start_ms = t->event_ms, .end_ms = end, .cat = OT_HCAT_MANAGEMENT,
                              .limit = OT_HISTORY_MAX_PAGE};
        bool more = false;
        ot_history_cursor next;
        ot_history_query_run(srv->history, &q, collect_event, l, &more, &next);
        write_events(w, l);
    }
    free(l);
    ot_jw_end(w);
}

/* ---- the record ---- */

static const char *logging_state(int logging)
{
    return logging < 0 ? "trail deleted" : logging ? "IsLogging=true" : "IsLogging=false";
}

static void write_action(ot_jw *w, const rb_restore_outcome *o, const char *own_id)
{
    char result[600];
    snprintf(result, sizeof result, "%s%s",
             !strcmp(o->status, "failed")            ? "failed: "
             : !strcmp(o->status, "restored")        ? "succeeded"
             : !strcmp(o->status, "dry-run")         ? "skipped"
                                                     : "not-needed",
             !strcmp(o->status, "failed") ? o->error : "");
    char before[64];
    snprintf(before, sizeof before, "%s%s", logging_state(o->logging_before),
             o->mgmt_before ? "" : "; no management events recorded");
    ot_jw_key(w, "action");
    ot_jw_obj(w);
    ot_jw_kstr(w, "taken", o->taken[0] ? o->taken : "none");
    ot_jw_kstr(w, "result", result);
    ot_jw_kstr(w, "before", before);
    ot_jw_kstr(w, "after", logging_state(o->logging_after));
    if (own_id[0])
        ot_jw_kstr(w, "eventID", own_id);
    ot_jw_kbool(w, "dryRun", o->dry_run);
    ot_jw_end(w);
}

static void write_details(ot_jw *w, const rb_restore_outcome *o)
{
    ot_jw_key(w, "details");
    ot_jw_obj(w);
    ot_jw_kstr(w, "steps", o->steps);
    ot_jw_kbool(w, "trailRecreated", o->recreated);
    ot_jw_kbool(w, "managementEventsRecorded", o->mgmt_before);
    if (o->selectors_restored >= 0)
        ot_jw_kint(w, "selectorsVersionRestored", o->selectors_restored);
    ot_jw_end(w);
}

static int build(ot_runbooks *rb, const rb_trigger *t, const rb_restore_outcome *o,
                 const ot_human *h, const char *own_id, const char *title, int64_t now,
                 ot_buf *out)
{
    ot_jw w;
    ot_buf_reset(out);
    ot_jw_init(&w, out);
    rb_incident_head head = {.runbook = RB_TRAIL_RESTORE, .status = o->status, .title = title,
                             .created_ms = now, .resource_type = "AWS::CloudTrail::Trail",
                             .resource_arn = t->trail_arn, .resource_name = t->trail_name,
                             .change = o->change};
    rb_write_head(&w, &head, t, h);
    write_action(&w, o, own_id);
    write_window(&w, rb->srv, t, o);
    rb_write_prior(&w, rb->incidents, h->name, now);
    write_details(&w, o);
    rb_write_tail(&w);
    return ot_jw_error(&w);
}

static void subject_of(const rb_trigger *t, const char *result, char out[SUBJECT_MAX + 1])
{
    const char *fmt = !strcmp(result, "restored")   ? "CloudTrail logging restarted for %s"
                      : !strcmp(result, "dry-run")  ? "CloudTrail logging not restarted (dry run) for %s"
                      : !strcmp(result, "failed")   ? "CloudTrail logging NOT restored for %s"
                                                    : "CloudTrail change on %s: no action needed";
    snprintf(out, SUBJECT_MAX + 1, fmt, t->trail_name);
}

int rb_restore_incident(ot_runbooks *rb, const rb_trigger *t, const rb_restore_outcome *o)
{
    ot_api *srv = rb->srv;
    ot_human h;
    rb_resolve_human(rb, t, RB_TRAIL_RESTORE, &h);
    char own_id[64], subject[SUBJECT_MAX + 1];
    own_event_id(srv, o, own_id);
    subject_of(t, o->status, subject);
    int64_t now = ot_now_ms();
    ot_buf body;
    ot_buf_init(&body, 0);
    int rc = build(rb, t, o, &h, own_id, subject, now, &body);
    char id[32] = "";
    if (!rc)
        rc = rb_incident_store(rb, RB_TRAIL_RESTORE, t, &h, now, body.data, subject, id);
    if (!rc)
        ot_info("trail-restore: incident %s for %s of %s (%s)", id, t->ev->event_name,
                t->trail_arn, o->status);
    ot_human_free(&h);
    ot_buf_free(&body);
    return rc;
}
