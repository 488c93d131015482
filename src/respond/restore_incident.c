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

#define HISTORY_WAIT_MS 5000   /* how long the history may lag the WAL before we go on */
#define WINDOW_EVENTS_MAX 100  /* events of the blind window listed in the incident */
#define PRIOR_MAX 20
#define SUBJECT_MAX 100        /* SNS's Subject limit */

/* Waits until the history has indexed every WAL record up to lsn; false after the bound. */
static bool history_reaches(ot_history *h, uint64_t lsn)
{
    struct timespec nap = {0, 20 * 1000000L};
    for (int waited = 0; h && waited < HISTORY_WAIT_MS; waited += 20) {
        if (ot_history_checkpoint(h) >= lsn)
            return true;
        nanosleep(&nap, NULL);
    }
    return h && ot_history_checkpoint(h) >= lsn;
}

/* ---- members copied from the record ---- */

static void copy_raw(ot_jw *w, const char *key, ot_json obj, const char *member)
{
    ot_json v;
    if (ot_json_get(obj, member, &v))
        return;
    ot_buf tmp;
    ot_buf_init(&tmp, 0);
    if (!ot_json_write(v, &tmp)) {
        ot_jw_key(w, key);
        ot_jw_raw(w, tmp.data, tmp.len);
    }
    ot_buf_free(&tmp);
}

static void write_actor(ot_jw *w, ot_json rec)
{
    ot_json id, ctx, attrs;
    ot_jw_key(w, "actor");
    ot_jw_obj(w);
    if (!ot_json_get(rec, "userIdentity", &id)) {
        static const char *const members[] = {"type", "arn", "principalId", "accountId",
                                              "accessKeyId", "userName"};
        for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
            copy_raw(w, members[i], id, members[i]);
        if (!ot_json_get(id, "sessionContext", &ctx)) {
            copy_raw(w, "sourceIdentity", ctx, "sourceIdentity");
            if (!ot_json_get(ctx, "attributes", &attrs)) {
                copy_raw(w, "mfaAuthenticated", attrs, "mfaAuthenticated");
                copy_raw(w, "sessionCreationDate", attrs, "creationDate");
            }
        }
    }
    copy_raw(w, "sourceIPAddress", rec, "sourceIPAddress");
    copy_raw(w, "userAgent", rec, "userAgent");
    ot_jw_end(w);
}

static void write_trigger(ot_jw *w, const rb_trigger *t)
{
    ot_jw_key(w, "trigger");
    ot_jw_obj(w);
    static const char *const members[] = {"eventID", "eventName", "eventSource", "eventTime",
                                          "awsRegion", "recipientAccountId", "requestID",
                                          "requestParameters"};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        copy_raw(w, members[i], t->root, members[i]);
    ot_jw_end(w);
}

static void write_human(ot_jw *w, const ot_human *h)
{
    ot_jw_key(w, "human");
    ot_jw_obj(w);
    ot_jw_kstr(w, "name", h->name);
    ot_jw_kstr(w, "how", ot_human_how_name(h->how));
    if (h->provider[0])
        ot_jw_kstr(w, "provider", h->provider);
    ot_jw_key(w, "chain");
    if (h->chain_json)
        ot_jw_raw(w, h->chain_json, strlen(h->chain_json));
    else
        ot_jw_raw(w, "[]", 2);
    ot_jw_end(w);
}

/* ---- the history: our StartLogging, the blind window ---- */

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

/* The eventID of our StartLogging, found in the history by its requestID; "" if not yet. */
static void start_event_id(ot_api *srv, const rb_restore_outcome *o, char out[64])
{
    out[0] = '\0';
    if (!o->start_request_id[0] || !history_reaches(srv->history, ot_wal_durable_lsn(srv->wal)))
        return;
    find_call f = {.event_id = ""};
    snprintf(f.needle, sizeof f.needle, "\"requestID\":\"%s\"", o->start_request_id);
    ot_history_query q = {.nattrs = 1, .start_ms = o->restored_ms - 2000, .end_ms = INT64_MAX,
                          .cat = OT_HCAT_MANAGEMENT, .limit = OT_HISTORY_MAX_PAGE};
    q.attrs[0].key = OT_HK_EVENT_NAME;
    q.attrs[0].value = "StartLogging";
    bool more;
    ot_history_cursor next;
    ot_history_query_run(srv->history, &q, match_request, &f, &more, &next);
    snprintf(out, 64, "%s", f.event_id);
}

typedef struct window_list {
    ot_jw *w;
    const char *trigger_id;
    size_t n;
} window_list;

static int list_event(void *ctx, const ot_history_hit *hit)
{
    window_list *l = ctx;
    static const char own[] = "\"sourceIPAddress\":\"" OT_RESPONDER_SOURCE_IP "\"";
    if ((hit->event_id && !strcmp(hit->event_id, l->trigger_id)) ||
        memmem(hit->raw, hit->raw_len, own, sizeof own - 1))
        return 0; /* the trigger itself and our own calls are not what the trail missed */
    if (l->n == WINDOW_EVENTS_MAX)
        return 1;
    char when[32];
    ot_time_iso8601(hit->time_ms, when);
    ot_jw_obj(l->w);
    ot_jw_kstr(l->w, "eventTime", when);
    ot_jw_kstr(l->w, "eventSource", hit->event_source ? hit->event_source : "");
    ot_jw_kstr(l->w, "eventName", hit->event_name ? hit->event_name : "");
    ot_jw_kstr(l->w, "username", hit->username ? hit->username : "");
    ot_jw_kstr(l->w, "eventID", hit->event_id ? hit->event_id : "");
    ot_jw_end(l->w);
    l->n++;
    return 0;
}

/* The logging gap: from the trigger's eventTime to our restoring call (still open when the
 * runbook did not restore), with the management events the history holds for it. */
static void write_window(ot_jw *w, ot_api *srv, const rb_trigger *t, const rb_restore_outcome *o)
{
    ot_jw_key(w, "blindWindow");
    if (!strcmp(o->result, "no-action-needed") || !t->event_ms) {
        ot_jw_null(w);
        return;
    }
    bool open = !o->restored_ms;
    int64_t end = open ? ot_now_ms() : o->restored_ms;
    char start_s[32], end_s[32];
    ot_time_iso8601(t->event_ms, start_s);
    ot_time_iso8601(end, end_s);
    ot_jw_obj(w);
    ot_jw_kstr(w, "start", start_s);
    ot_jw_kstr(w, "end", open ? NULL : end_s);
    ot_jw_kint(w, "durationMs", end - t->event_ms);
    ot_jw_kbool(w, "open", open);
    ot_jw_key(w, "events");
    ot_jw_arr(w);
    window_list l = {.w = w, .trigger_id = t->ev->event_id};
    ot_history_query q = {.start_ms = t->event_ms, .end_ms = end, .cat = OT_HCAT_MANAGEMENT,
                          .limit = OT_HISTORY_MAX_PAGE};
    bool more = false;
    ot_history_cursor next;
    int rc = srv->history ? ot_history_query_run(srv->history, &q, list_event, &l, &more, &next)
                          : OT_OK;
    ot_jw_end(w);
    ot_jw_kbool(w, "eventsTruncated", rc == 1 || more);
    ot_jw_end(w);
}

/* ---- the record ---- */

static void write_action(ot_jw *w, const rb_restore_outcome *o, const char *start_id)
{
    ot_jw_key(w, "action");
    ot_jw_obj(w);
    ot_jw_kstr(w, "result", o->result);
    ot_jw_kstr(w, "steps", o->detail);
    ot_jw_key(w, "isLoggingBefore");
    o->logging_before < 0 ? ot_jw_null(w) : ot_jw_bool(w, o->logging_before);
    ot_jw_key(w, "isLoggingAfter");
    o->logging_after < 0 ? ot_jw_null(w) : ot_jw_bool(w, o->logging_after);
    ot_jw_kbool(w, "trailRecreated", o->recreated);
    ot_jw_kbool(w, "recordedManagementEvents", o->recorded_mgmt_before);
    ot_jw_kstr(w, "startLoggingEventId", start_id[0] ? start_id : NULL);
    if (o->restored_ms) {
        char at[32];
        ot_time_iso8601(o->restored_ms, at);
        ot_jw_kstr(w, "restoredAt", at);
    }
    ot_jw_end(w);
}

static void write_prior(ot_jw *w, ot_incident_db *db, const char *human, int64_t now)
{
    ot_incident *list = NULL;
    size_t n = 0;
    ot_jw_key(w, "priorIncidents");
    ot_jw_arr(w);
    if (human[0] && !ot_incident_prior(db, human, now, PRIOR_MAX, &list, &n))
        for (size_t i = 0; i < n; i++)
            ot_jw_str(w, list[i].id);
    ot_incident_list_free(list, n);
    ot_jw_end(w);
}

static int build(ot_runbooks *rb, const rb_trigger *t, const rb_restore_outcome *o,
                 const ot_human *h, const char *start_id, int64_t now, ot_buf *out)
{
    ot_jw w;
    char created[32];
    ot_time_iso8601(now, created);
    ot_buf_reset(out);
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "runbook", RB_TRAIL_RESTORE);
    ot_jw_kstr(&w, "mode", o->mode);
    ot_jw_kstr(&w, "createdAt", created);
    ot_jw_kstr(&w, "account", t->account);
    ot_jw_kstr(&w, "region", t->region);
    ot_jw_key(&w, "trail");
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "name", t->trail_name);
    ot_jw_kstr(&w, "arn", t->trail_arn);
    ot_jw_end(&w);
    write_trigger(&w, t);
    write_actor(&w, t->root);
    write_human(&w, h);
    ot_jw_kstr(&w, "change", o->change);
    write_action(&w, o, start_id);
    write_window(&w, rb->srv, t, o);
    write_prior(&w, rb->incidents, h->name, now);
    ot_jw_key(&w, "notifications"); /* filled by finish_json */
    ot_jw_arr(&w);
    ot_jw_end(&w);
    ot_jw_end(&w);
    return ot_jw_error(&w);
}

/* ---- storing and publishing ---- */

#define NO_NOTIFICATIONS "\"notifications\":[]}"

/* The stored record with its id in front and the notifications sent at the end: body is
 * build()'s output, which ends in NO_NOTIFICATIONS. */
static int finish_json(const char *body, const char *id, const char *topic,
                       const char *message_id, const char *error, ot_buf *out)
{
    size_t len = strlen(body), tail = strlen(NO_NOTIFICATIONS);
    if (len < tail + 1 || strcmp(body + len - tail, NO_NOTIFICATIONS))
        return OT_EINVAL;
    ot_buf_reset(out);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "id", id);
    ot_jw_end(&w);
    out->len--; /* reopen: the record's members follow */
    ot_buf_putc(out, ',');
    ot_buf_append(out, body + 1, len - 1 - (sizeof "[]}" - 1));
    ot_buf_putc(out, '[');
    if (topic) {
        ot_jw_init(&w, out);
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "topicArn", topic);
        if (message_id)
            ot_jw_kstr(&w, "messageId", message_id);
        if (error)
            ot_jw_kstr(&w, "error", error);
        ot_jw_end(&w);
    }
    return ot_buf_puts(out, "]}") ? OT_ENOMEM : OT_OK;
}

static void subject_of(const rb_trigger *t, const char *result, char out[SUBJECT_MAX + 1])
{
    const char *fmt = !strcmp(result, "restored")   ? "CloudTrail logging restarted for %s"
                      : !strcmp(result, "dry-run")  ? "CloudTrail logging not restarted (dry run) for %s"
                      : !strcmp(result, "failed")   ? "CloudTrail logging NOT restored for %s"
                                                    : "CloudTrail change on %s: no action needed";
    snprintf(out, SUBJECT_MAX + 1, fmt, t->trail_name);
}

/* Publishes the incident (Markdown; its JSON if it cannot be rendered) to the runbook topic.
 * 0 and the MessageId, or the error. */
static int publish(ot_runbooks *rb, const char *topic, const char *subject, const ot_buf *json,
                   char message_id[37])
{
    char *md = NULL;
    if (ot_incident_markdown(json->data, json->len, &md))
        md = NULL;
    ot_sns_message m = {.topic_arn = topic, .subject = subject, .message = md ? md : json->data};
    int rc = rb->srv->sns ? ot_sns_publish(rb->srv->sns, &m, message_id) : OT_ECLOSED;
    free(md);
    return rc;
}

/* Completes the stored record id (body: without id and notifications): publishes it when a
 * topic is set, then writes it again with both. */
static int complete(ot_runbooks *rb, const char *id, const char *body, const char *subject)
{
    const char *topic = rb->srv->cfg.runbook_topic[0] ? rb->srv->cfg.runbook_topic : NULL;
    ot_buf json;
    ot_buf_init(&json, 0);
    int rc = finish_json(body, id, NULL, NULL, NULL, &json);
    char message_id[37] = "";
    int prc = OT_OK;
    if (!rc && topic) {
        prc = publish(rb, topic, subject, &json, message_id);
        if (prc)
            ot_warn("trail-restore: incident %s not published to %s: %s", id, topic,
                    ot_strerror(prc));
        rc = finish_json(body, id, topic, prc ? NULL : message_id,
                         prc ? ot_strerror(prc) : NULL, &json);
    }
    if (!rc)
        rc = ot_incident_update(rb->incidents, id, json.data);
    ot_buf_free(&json);
    return rc;
}

/* A run after a crash: the incident of this trigger exists; it is completed if the crash came
 * before its publication was recorded. */
static int complete_existing(ot_runbooks *rb, const char *id, const char *subject)
{
    ot_incident old;
    memset(&old, 0, sizeof old);
    int rc = ot_incident_get(rb->incidents, id, &old);
    if (rc)
        return rc;
    if (strncmp(old.json, "{\"id\":", 6)) /* completed records start with their id */
        rc = complete(rb, id, old.json, subject);
    ot_incident_free(&old);
    return rc;
}

int rb_restore_incident(ot_runbooks *rb, const rb_trigger *t, const rb_restore_outcome *o)
{
    ot_api *srv = rb->srv;
    if (!history_reaches(srv->history, t->lsn))
        ot_warn("trail-restore: the event history lags; the human behind %s may be unresolved",
                t->ev->event_id);
    ot_human h;
    memset(&h, 0, sizeof h);
    if (ot_human_resolve(srv->history, t->record, t->len, &h))
        h.how = OT_HUMAN_UNRESOLVED;
    char start_id[64], subject[SUBJECT_MAX + 1];
    start_event_id(srv, o, start_id);
    subject_of(t, o->result, subject);
    int64_t now = ot_now_ms();
    ot_buf body;
    ot_buf_init(&body, 0);
    int rc = build(rb, t, o, &h, start_id, now, &body);
    ot_incident inc;
    memset(&inc, 0, sizeof inc);
    snprintf(inc.runbook, sizeof inc.runbook, RB_TRAIL_RESTORE);
    snprintf(inc.account, sizeof inc.account, "%s", t->account);
    snprintf(inc.region, sizeof inc.region, "%s", t->region);
    snprintf(inc.trigger_event_id, sizeof inc.trigger_event_id, "%s", t->ev->event_id);
    snprintf(inc.human, sizeof inc.human, "%s", h.name);
    inc.created_ms = now;
    inc.json = body.data;
    if (!rc)
        rc = ot_incident_put(rb->incidents, &inc);
    if (rc == OT_EEXIST)
        rc = complete_existing(rb, inc.id, subject);
    else if (!rc)
        rc = complete(rb, inc.id, body.data, subject);
    if (!rc)
        ot_info("trail-restore: incident %s for %s of %s (%s)", inc.id, t->ev->event_name,
                t->trail_arn, o->result);
    ot_human_free(&h);
    ot_buf_free(&body);
    return rc;
}
