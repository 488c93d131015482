/* cw_actions.c — running the pending actions of state changes: each row is handed to the
 * action callback with no lock held, then deleted once it succeeded or failed for good (an
 * Action history item either way), or retried later with backoff when the callback says
 * OT_EAGAIN. A crash between the callback and the delete runs the action again: at least
 * once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/metrics.h"
#include "util/sql.h"

OT_COUNTER_L(m_actions, "opentrail_alarm_actions_total",
             "Alarm actions run (an SNS publish of the alarm message), by result: ok, or "
             "failed for good.",
             OT_LABELS("result"));

#define BATCH 32
#define RETRY_MAX_MS (300 * 1000LL)

typedef struct pending {
    int64_t id;
    char *account, *region, *alarm, *arn, *subject, *message;
    int64_t attempts;
} pending;

static void read_pending(sqlite3_stmt *st, void *row)
{
    pending *p = row;
    p->id = sqlite3_column_int64(st, 0);
    p->account = cw_col_dup(st, 1);
    p->region = cw_col_dup(st, 2);
    p->alarm = cw_col_dup(st, 3);
    p->arn = cw_col_dup(st, 4);
    p->subject = cw_col_dup(st, 5);
    p->message = cw_col_dup(st, 6);
    p->attempts = sqlite3_column_int64(st, 7);
}

static void free_pending(pending *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        char *strs[] = {p[i].account, p[i].region, p[i].alarm, p[i].arn, p[i].subject,
                        p[i].message};
        for (size_t j = 0; j < 6; j++)
            free(strs[j]);
    }
    free(p);
}

/* Up to BATCH rows due at now with id > after, oldest first. */
static int due_rows(ot_cw *cw, int64_t now_ms, int64_t after, pending **out, size_t *n)
{
    char now_s[24], after_s[24];
    snprintf(now_s, sizeof now_s, "%lld", (long long)now_ms);
    snprintf(after_s, sizeof after_s, "%lld", (long long)after);
    const char *p[] = {now_s, after_s};
    pthread_mutex_lock(&cw->mu);
    int rc = ot_sql_select(cw->db,
                           "SELECT id, account, region, alarm_name, action_arn, subject, message,"
                           " attempts FROM pending_actions WHERE next_ms<=CAST(?1 AS INTEGER)"
                           " AND id>CAST(?2 AS INTEGER) ORDER BY id LIMIT 32", /* BATCH */
                           p, 2, sizeof **out, read_pending, "cw pending actions", (void **)out,
                           n);
    pthread_mutex_unlock(&cw->mu);
    return rc;
}

typedef struct done_args {
    const pending *p;
    int result;
    int64_t now_ms;
} done_args;

static int retry_later(ot_cw *cw, const done_args *d)
{
    int64_t delay = 1000LL << (d->p->attempts < 9 ? d->p->attempts : 9);
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(cw->db,
                            "UPDATE pending_actions SET attempts=attempts+1, next_ms=?2"
                            " WHERE id=?1",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, d->p->id);
    sqlite3_bind_int64(st, 2, d->now_ms + (delay < RETRY_MAX_MS ? delay : RETRY_MAX_MS));
    return ot_sql_done(cw->db, st, "cw retry action");
}

static int action_history(ot_cw *cw, const done_args *d)
{
    bool ok = d->result == OT_OK;
    ot_buf data;
    ot_buf_init(&data, 0);
    ot_jw w;
    ot_jw_init(&w, &data);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "actionState", ok ? "Succeeded" : "Failed");
    ot_jw_kstr(&w, "notificationResource", d->p->arn);
    if (!ok)
        ot_jw_kstr(&w, "error", ot_strerror(d->result));
    ot_jw_end(&w);
    char summary[600];
    snprintf(summary, sizeof summary,
             ok ? "Successfully executed action %s" : "Failed to execute action %s", d->p->arn);
    ot_cw_scope s = {d->p->account, d->p->region};
    int rc = ot_jw_error(&w) ? OT_ENOMEM
                             : cw_history_add(cw, &s, d->p->alarm, "Action", summary,
                                              data.data, d->now_ms);
    ot_buf_free(&data);
    return rc;
}

static int finish_tx(ot_cw *cw, void *arg)
{
    done_args *d = arg;
    if (d->result == OT_EAGAIN)
        return retry_later(cw, d);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)d->p->id);
    const char *p[] = {id};
    int rc = ot_sql_exec_text(cw->db, "DELETE FROM pending_actions WHERE id=CAST(?1 AS INTEGER)",
                              p, 1, "cw action done");
    if (!rc && sqlite3_changes(cw->db) > 0) /* not when the alarm was deleted meanwhile */
        rc = action_history(cw, d);
    return rc;
}

/* An SNS action must name a topic of the alarm's own account and region: CloudWatch needs the
 * topic in the alarm's region, and another account's topic would need a topic policy letting
 * this account publish, which opentrail's topics do not have. Other ARNs go to the callback. */
static bool own_topic(const pending *p)
{
    static const char SNS[] = "arn:aws:sns:";
    if (strncmp(p->arn, SNS, sizeof SNS - 1))
        return true;
    char prefix[128];
    int n = snprintf(prefix, sizeof prefix, "%s%s:%s:", SNS, p->region, p->account);
    return n > 0 && (size_t)n < sizeof prefix && !strncmp(p->arn, prefix, (size_t)n);
}

static _Atomic(ot_metric_series *) m_ok, m_failed;

static ot_metric_series *result_series(bool ok)
{
    return ok ? ot_metric_cached(&m_actions, &m_ok, OT_VALUES("ok"))
              : ot_metric_cached(&m_actions, &m_failed, OT_VALUES("failed"));
}

void cw_actions_metrics_init(void)
{
    result_series(true); /* both series exist (at 0) before the first action */
    result_series(false);
}

static int run_one(ot_cw *cw, const pending *p, int64_t now_ms)
{
    int result = !own_topic(p) ? OT_EINVAL
                 : cw->action  ? cw->action(cw->action_ctx, p->arn, p->subject, p->message)
                               : OT_EINVAL;
    if (result != OT_EAGAIN)
        ot_series_inc(result_series(result == OT_OK));
    done_args d = {.p = p, .result = result, .now_ms = now_ms};
    return cw_tx(cw, finish_tx, &d);
}

int cw_actions_run(ot_cw *cw, int64_t now_ms)
{
    int64_t after = 0;
    for (;;) {
        pending *rows = NULL;
        size_t n = 0;
        int rc = due_rows(cw, now_ms, after, &rows, &n);
        for (size_t i = 0; !rc && i < n; i++) {
            rc = run_one(cw, &rows[i], now_ms);
            after = rows[i].id;
        }
        free_pending(rows, n);
        if (rc || n < BATCH)
            return rc;
    }
}

int ot_cw_run_actions(ot_cw *cw, int64_t now_ms)
{
    pthread_mutex_lock(&cw->run_mu);
    int rc = cw_actions_run(cw, now_ms);
    pthread_mutex_unlock(&cw->run_mu);
    return rc;
}
