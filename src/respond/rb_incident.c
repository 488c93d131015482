/* rb_incident.c — what every runbook's incident has in common (docs/runbooks.md "Incident
 * records"): the trigger and the actor copied from the record, the human behind it, the prior
 * incidents of that human, and storing the record, publishing it to the runbook topic and
 * recording the notifications sent. Each runbook writes its own members in between. */
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

#define HISTORY_WAIT_MS 5000   /* how long the history may lag the WAL before we go on */
#define PRIOR_MAX 20

/* Waits until the history has indexed every WAL record up to lsn; false after the bound. */
bool rb_history_reaches(ot_history *h, uint64_t lsn)
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

void rb_copy_raw(ot_jw *w, const char *key, ot_json obj, const char *member)
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

/* "true"/"false" (how sessionContext.attributes holds it) as a boolean. */
static void copy_bool(ot_jw *w, const char *key, ot_json obj, const char *member)
{
    const char *s;
    size_t n;
    bool b;
    if (!ot_json_get_str(obj, member, &s, &n))
        ot_jw_kbool(w, key, n == 4 && !memcmp(s, "true", 4));
    else if (!ot_json_get_bool(obj, member, &b))
        ot_jw_kbool(w, key, b);
}

static void write_human(ot_jw *w, const ot_human *h)
{
    ot_jw_key(w, "human");
    ot_jw_obj(w);
    ot_jw_kstr(w, "name", h->name);
    ot_jw_kstr(w, "how", ot_human_how_name(h->how));
    ot_jw_kstr(w, "provider", h->provider);
    ot_jw_key(w, "chain");
    if (h->chain_json)
        ot_jw_raw(w, h->chain_json, strlen(h->chain_json));
    else
        ot_jw_raw(w, "[]", 2);
    ot_jw_end(w);
}

void rb_write_actor(ot_jw *w, ot_json rec, const ot_human *h)
{
    ot_json id, ctx, attrs, issuer;
    ot_jw_key(w, "actor");
    ot_jw_obj(w);
    if (!ot_json_get(rec, "userIdentity", &id)) {
        static const char *const members[] = {"type", "arn", "principalId", "accessKeyId"};
        for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
            rb_copy_raw(w, members[i], id, members[i]);
        bool has_ctx = !ot_json_get(id, "sessionContext", &ctx);
        /* a role session names its role in sessionContext.sessionIssuer.userName */
        if (!ot_json_get(id, "userName", &issuer))
            rb_copy_raw(w, "userName", id, "userName");
        else if (has_ctx && !ot_json_get(ctx, "sessionIssuer", &issuer))
            rb_copy_raw(w, "userName", issuer, "userName");
        if (has_ctx && !ot_json_get(ctx, "attributes", &attrs)) {
            copy_bool(w, "mfaAuthenticated", attrs, "mfaAuthenticated");
            rb_copy_raw(w, "sessionCreationDate", attrs, "creationDate");
        }
    }
    rb_copy_raw(w, "sourceIPAddress", rec, "sourceIPAddress");
    rb_copy_raw(w, "userAgent", rec, "userAgent");
    write_human(w, h);
    ot_jw_end(w);
}

void rb_write_trigger(ot_jw *w, const rb_trigger *t)
{
    ot_jw_key(w, "trigger");
    ot_jw_obj(w);
    static const char *const members[] = {"eventID", "eventName", "eventTime", "eventSource",
                                          "awsRegion", "recipientAccountId"};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        rb_copy_raw(w, members[i], t->root, members[i]);
    ot_jw_end(w);
}

void rb_write_head(ot_jw *w, const rb_incident_head *hd, const rb_trigger *t, const ot_human *h)
{
    char created[32];
    ot_time_iso8601(hd->created_ms, created);
    ot_jw_obj(w);
    ot_jw_kstr(w, "runbook", hd->runbook);
    ot_jw_kstr(w, "status", hd->status);
    ot_jw_kstr(w, "title", hd->title);
    ot_jw_kstr(w, "createdAt", created);
    rb_write_trigger(w, t);
    rb_write_actor(w, t->root, h);
    ot_jw_key(w, "resource");
    ot_jw_obj(w);
    ot_jw_kstr(w, "type", hd->resource_type);
    ot_jw_kstr(w, "arn", hd->resource_arn);
    ot_jw_kstr(w, "name", hd->resource_name);
    ot_jw_end(w);
    ot_jw_kstr(w, "change", hd->change);
}

void rb_write_window_open(ot_jw *w, int64_t start_ms, int64_t end_ms)
{
    char start_s[32], end_s[32];
    ot_time_iso8601_ms(start_ms, start_s);
    ot_time_iso8601_ms(end_ms, end_s);
    ot_jw_key(w, "window");
    ot_jw_obj(w);
    ot_jw_kstr(w, "start", start_s);
    ot_jw_kstr(w, "end", end_s);
    ot_jw_key(w, "seconds");
    ot_jw_num(w, (double)(end_ms - start_ms) / 1000.0);
}

void rb_write_tail(ot_jw *w)
{
    ot_jw_key(w, "notifications"); /* filled by rb_incident_complete */
    ot_jw_arr(w);
    ot_jw_end(w);
    ot_jw_end(w);
}

/* The status of a stored incident ("" if unreadable). */
void rb_incident_status(ot_incident_db *db, const char *id, char *out, size_t cap)
{
    ot_incident inc;
    memset(&inc, 0, sizeof inc);
    out[0] = '\0';
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    const char *s;
    size_t n;
    if (doc && !ot_incident_get(db, id, &inc) &&
        !ot_json_parse(doc, inc.json, strlen(inc.json), false, &root, NULL, 0) &&
        !ot_json_get_str(root, "status", &s, &n))
        snprintf(out, cap, "%.*s", (int)n, s);
    ot_json_doc_free(doc);
    ot_incident_free(&inc);
}

void rb_write_prior(ot_jw *w, ot_incident_db *db, const char *human, int64_t now)
{
    ot_incident *list = NULL;
    size_t n = 0;
    ot_jw_key(w, "prior");
    ot_jw_arr(w);
    if (human[0] && !ot_incident_prior(db, human, now, PRIOR_MAX, &list, &n))
        for (size_t i = 0; i < n; i++) {
            char created[32], status[32];
            ot_time_iso8601(list[i].created_ms, created);
            rb_incident_status(db, list[i].id, status, sizeof status);
            ot_jw_obj(w);
            ot_jw_kstr(w, "id", list[i].id);
            ot_jw_kstr(w, "runbook", list[i].runbook);
            ot_jw_kstr(w, "createdAt", created);
            ot_jw_kstr(w, "status", status);
            ot_jw_end(w);
        }
    ot_incident_list_free(list, n);
    ot_jw_end(w);
}

/* ---- storing and publishing ---- */

/* The stored record with its id in front and the notifications sent at the end (note: one
 * more notification's JSON object first, or NULL): body is a runbook's record, which ends in
 * RB_NO_NOTIFICATIONS. */
static int finish_json(const char *body, const char *id, const char *note, const char *topic,
                       const char *message_id, const char *error, ot_buf *out)
{
    size_t len = strlen(body), tail = strlen(RB_NO_NOTIFICATIONS);
    if (len < tail + 1 || strcmp(body + len - tail, RB_NO_NOTIFICATIONS))
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
    if (note && ot_buf_puts(out, note))
        return OT_ENOMEM;
    if (note && topic)
        ot_buf_putc(out, ',');
    if (topic) {
        ot_jw_init(&w, out);
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "type", "sns");
        ot_jw_kstr(&w, "target", topic);
        if (message_id)
            ot_jw_kstr(&w, "messageId", message_id);
        if (error)
            ot_jw_kstr(&w, "error", error);
        ot_jw_end(&w);
    }
    return ot_buf_puts(out, "]}") ? OT_ENOMEM : OT_OK;
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

int rb_incident_with_id(const char *body, const char *id, ot_buf *out)
{
    return finish_json(body, id, NULL, NULL, NULL, NULL, out);
}

int rb_incident_complete(ot_runbooks *rb, const char *runbook, const char *id,
                         const char *body, const char *subject, const char *note)
{
    const char *topic = rb->srv->cfg.runbook_topic[0] ? rb->srv->cfg.runbook_topic : NULL;
    ot_buf json;
    ot_buf_init(&json, 0);
    int rc = finish_json(body, id, note, NULL, NULL, NULL, &json);
    char message_id[37] = "";
    int prc = OT_OK;
    if (!rc && topic) {
        prc = publish(rb, topic, subject, &json, message_id);
        if (prc)
            ot_warn("%s: incident %s not published to %s: %s", runbook, id, topic,
                    ot_strerror(prc));
        rc = finish_json(body, id, note, topic, prc ? NULL : message_id,
                         prc ? ot_strerror(prc) : NULL, &json);
    }
    if (!rc)
        rc = ot_incident_update(rb->incidents, id, json.data);
    ot_buf_free(&json);
    return rc;
}

int rb_incident_complete_existing(ot_runbooks *rb, const char *runbook, const char *id,
                                  const char *subject)
{
    ot_incident old;
    memset(&old, 0, sizeof old);
    int rc = ot_incident_get(rb->incidents, id, &old);
    if (rc)
        return rc;
    if (strncmp(old.json, "{\"id\":", 6)) /* completed records start with their id */
        rc = rb_incident_complete(rb, runbook, id, old.json, subject, NULL);
    ot_incident_free(&old);
    return rc;
}


void rb_resolve_human(ot_runbooks *rb, const rb_trigger *t, const char *runbook, ot_human *h)
{
    ot_history *history = rb->srv->history;
    if (!rb_history_reaches(history, t->lsn))
        ot_warn("%s: the event history lags; the human behind %s may be unresolved", runbook,
                t->ev->event_id);
    memset(h, 0, sizeof *h);
    if (ot_human_resolve(history, t->record, t->len, h))
        h->how = OT_HUMAN_UNRESOLVED;
}

int rb_incident_put(ot_runbooks *rb, const char *runbook, const rb_trigger *t,
                    const ot_human *h, int64_t now, const char *json, ot_incident *inc)
{
    memset(inc, 0, sizeof *inc);
    snprintf(inc->runbook, sizeof inc->runbook, "%s", runbook);
    snprintf(inc->account, sizeof inc->account, "%s", t->account);
    snprintf(inc->region, sizeof inc->region, "%s", t->region);
    snprintf(inc->trigger_event_id, sizeof inc->trigger_event_id, "%s", t->ev->event_id);
    snprintf(inc->human, sizeof inc->human, "%s", h->name);
    inc->created_ms = now;
    inc->json = (char *)json; /* read only by ot_incident_put */
    int rc = ot_incident_put(rb->incidents, inc);
    inc->json = NULL;
    return rc;
}

int rb_incident_store(ot_runbooks *rb, const char *runbook, const rb_trigger *t,
                      const ot_human *h, int64_t now, const char *body, const char *subject,
                      char id[32])
{
    ot_incident inc;
    int rc = rb_incident_put(rb, runbook, t, h, now, body, &inc);
    if (rc == OT_EEXIST)
        rc = rb_incident_complete_existing(rb, runbook, inc.id, subject);
    else if (!rc)
        rc = rb_incident_complete(rb, runbook, inc.id, body, subject, NULL);
    snprintf(id, 32, "%s", inc.id);
    return rc;
}
