/* cw_transition.c — committing an alarm's new state: the alarm row, its StateUpdate history
 * item and, on a change with actions enabled, one pending action per ARN of the new state's
 * list (with the subject and message it will publish), all in one transaction, so a change
 * and the actions it owes survive kill -9 together. */
#include <stdio.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/sql.h"

typedef struct tx_args {
    const ot_cw_scope *s;
    const char *name;
    const cw_change *c;
    ot_buf buf;
    bool queued; /* actions were added */
} tx_args;

static int update_state(ot_cw *cw, const tx_args *t)
{
    const cw_change *c = t->c;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(cw->db,
                            "UPDATE alarms SET state=?4, state_reason=?5, state_reason_data=?6,"
                            " state_updated_ms=?7, state_transitioned_ms=CASE WHEN state<>?4"
                            " THEN ?7 ELSE state_transitioned_ms END"
                            " WHERE account=?1 AND region=?2 AND name=?3",
                            &st);
    if (rc)
        return rc;
    rc = cw_bind_scope(st, t->s) || ot_sql_bind_text(st, 3, t->name) ||
                 ot_sql_bind_text(st, 5, c->reason) || ot_sql_bind_text(st, 6, c->reason_data)
             ? OT_ENOMEM
             : OT_OK;
    sqlite3_bind_int(st, 4, c->state);
    sqlite3_bind_int64(st, 7, c->now_ms);
    if (rc) {
        sqlite3_finalize(st);
        return rc;
    }
    return ot_sql_done(cw->db, st, "cw alarm state");
}

static void state_json(ot_jw *w, const char *key, ot_cw_state st, const char *reason,
                       const char *data)
{
    ot_jw_key(w, key);
    ot_jw_obj(w);
    ot_jw_kstr(w, "stateValue", ot_cw_state_name(st));
    ot_jw_kstr(w, "stateReason", reason ? reason : "");
    if (data) {
        ot_jw_key(w, "stateReasonData");
        ot_jw_raw(w, data, strlen(data));
    }
    ot_jw_end(w);
}

/* HistoryData of a StateUpdate: {"version":"1.0","oldState":{...},"newState":{...}}. */
static int add_state_history(ot_cw *cw, tx_args *t, const ot_cw_alarm *a)
{
    const cw_change *c = t->c;
    ot_buf_reset(&t->buf);
    ot_jw w;
    ot_jw_init(&w, &t->buf);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "version", "1.0");
    state_json(&w, "oldState", a->state, a->state_reason, a->state_reason_data);
    state_json(&w, "newState", c->state, c->reason, c->reason_data);
    ot_jw_end(&w);
    if (ot_jw_error(&w))
        return OT_ENOMEM;
    char summary[96];
    snprintf(summary, sizeof summary, "Alarm updated from %s to %s", ot_cw_state_name(a->state),
             ot_cw_state_name(c->state));
    return cw_history_add(cw, t->s, t->name, "StateUpdate", summary, t->buf.data, c->now_ms);
}

static int queue_action(ot_cw *cw, const tx_args *t, const char *arn, const char *subject)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(cw->db,
                            "INSERT INTO pending_actions(account, region, alarm_name, action_arn,"
                            " subject, message) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                            &st);
    if (rc)
        return rc;
    if (cw_bind_scope(st, t->s) || ot_sql_bind_text(st, 3, t->name) ||
        ot_sql_bind_text(st, 4, arn) || ot_sql_bind_text(st, 5, subject) ||
        ot_sql_bind_text(st, 6, t->buf.data)) {
        sqlite3_finalize(st);
        return OT_ENOMEM;
    }
    return ot_sql_done(cw->db, st, "cw pending action");
}

/* The ARNs a change into state st runs. */
static void actions_of(const ot_cw_alarm *a, ot_cw_state st, char *const **arns, size_t *n)
{
    switch (st) {
    case OT_CW_OK:
        *arns = a->ok_actions, *n = a->n_ok_actions;
        break;
    case OT_CW_ALARM:
        *arns = a->alarm_actions, *n = a->n_alarm_actions;
        break;
    default:
        *arns = a->insufficient_actions, *n = a->n_insufficient_actions;
        break;
    }
}

static int queue_actions(ot_cw *cw, tx_args *t, const ot_cw_alarm *a)
{
    char *const *arns;
    size_t n;
    actions_of(a, t->c->state, &arns, &n);
    if (!a->actions_enabled || n == 0)
        return OT_OK;
    char subject[128];
    cw_message_subject(a, t->c->state, t->s->region, subject, sizeof subject);
    int rc = cw_message_json(a, t->s, a->state, t->c, &t->buf);
    for (size_t i = 0; !rc && i < n; i++)
        rc = queue_action(cw, t, arns[i], subject);
    t->queued = !rc;
    return rc;
}

static int transition_tx(ot_cw *cw, void *arg)
{
    tx_args *t = arg;
    ot_cw_alarm a;
    int rc = cw_alarm_get_locked(cw, t->s, t->name, &a);
    if (rc)
        return rc;
    bool changed = a.state != t->c->state;
    if (changed || t->c->always) {
        rc = update_state(cw, t);
        if (!rc)
            rc = add_state_history(cw, t, &a);
        if (!rc && changed)
            rc = queue_actions(cw, t, &a);
    }
    cw_alarm_clear(&a);
    return rc;
}

int cw_transition(ot_cw *cw, const ot_cw_scope *s, const char *name, const cw_change *c)
{
    tx_args t = {.s = s, .name = name, .c = c};
    ot_buf_init(&t.buf, 0);
    int rc = cw_tx(cw, transition_tx, &t);
    ot_buf_free(&t.buf);
    if (!rc && t.queued && cw->running)
        cw_thread_kick(cw);
    return rc;
}

/* StateReasonData is copied into history JSON as it is: it must be one JSON object. */
static bool json_object_ok(const char *s)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    char err[64];
    bool ok = doc && !ot_json_parse(doc, s, strlen(s), false, &root, err, sizeof err) &&
              ot_json_typeof(root) == OT_JSON_OBJECT;
    ot_json_doc_free(doc);
    return ok;
}

int ot_cw_alarm_set_state(ot_cw *cw, const ot_cw_scope *s, const char *name, ot_cw_state st,
                          const char *reason, const char *reason_data, int64_t now_ms)
{
    if ((unsigned)st > OT_CW_INSUFFICIENT_DATA || !reason ||
        (reason_data && !json_object_ok(reason_data)))
        return OT_EINVAL;
    cw_change c = {.state = st, .reason = reason, .reason_data = reason_data, .now_ms = now_ms,
                   .always = true};
    return cw_transition(cw, s, name, &c);
}
