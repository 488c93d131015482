/* cw_db.c — opening cloudwatch.db (schema, WAL journal, synchronous=FULL), the helpers every
 * table file uses, and the state names. */
#include <stdlib.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"

/* A metric is one row per (scope, namespace, name, canonical dimensions JSON); its dimensions
 * are also rows of metric_dims so ListMetrics can filter on them. Datapoints are statistic
 * sets merged per (metric, unit, resolution bucket). Alarms keep their definition, state and
 * the lists (actions, dimensions) as JSON. Pending actions are the outbox of state changes. */
static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS metrics("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
    " namespace TEXT NOT NULL, name TEXT NOT NULL, dims TEXT NOT NULL,"
    " last_ms INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(account, region, namespace, name, dims));"
    "CREATE TABLE IF NOT EXISTS metric_dims("
    " metric_id INTEGER NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(metric_id, name)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS metric_dims_by_name ON metric_dims(name, value);"
    "CREATE TABLE IF NOT EXISTS datapoints("
    " metric_id INTEGER NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,"
    " unit TEXT NOT NULL, ts_ms INTEGER NOT NULL, count REAL NOT NULL, sum REAL NOT NULL,"
    " min REAL NOT NULL, max REAL NOT NULL, PRIMARY KEY(metric_id, ts_ms, unit)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS alarms("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
    " arn TEXT NOT NULL, description TEXT, actions_enabled INTEGER NOT NULL,"
    " ok_actions TEXT NOT NULL, alarm_actions TEXT NOT NULL, insufficient_actions TEXT NOT NULL,"
    " namespace TEXT NOT NULL, metric_name TEXT NOT NULL, dims TEXT NOT NULL,"
    " statistic TEXT NOT NULL, unit TEXT, period_s INTEGER NOT NULL,"
    " evaluation_periods INTEGER NOT NULL, datapoints_to_alarm INTEGER NOT NULL,"
    " threshold REAL NOT NULL, comparison TEXT NOT NULL, treat_missing TEXT, tags_json TEXT,"
    " config_updated_ms INTEGER NOT NULL, state INTEGER NOT NULL, state_reason TEXT NOT NULL,"
    " state_reason_data TEXT, state_updated_ms INTEGER NOT NULL,"
    " state_transitioned_ms INTEGER NOT NULL, UNIQUE(account, region, name));"
    "CREATE TABLE IF NOT EXISTS history("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
    " alarm_name TEXT NOT NULL, item_type TEXT NOT NULL, summary TEXT NOT NULL,"
    " data TEXT NOT NULL, ts_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS history_by_alarm ON history(account, region, alarm_name, ts_ms);"
    "CREATE INDEX IF NOT EXISTS history_by_time ON history(account, region, ts_ms);"
    "CREATE TABLE IF NOT EXISTS pending_actions("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
    " alarm_name TEXT NOT NULL, action_arn TEXT NOT NULL, subject TEXT NOT NULL,"
    " message TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " next_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS pending_by_alarm ON pending_actions(account, region, alarm_name);"
    "PRAGMA user_version=1;";

int cw_tx(ot_cw *cw, int (*fn)(ot_cw *cw, void *arg), void *arg)
{
    pthread_mutex_lock(&cw->mu);
    int rc = ot_sql_begin(cw->db);
    if (!rc)
        rc = ot_sql_end(cw->db, fn(cw, arg));
    pthread_mutex_unlock(&cw->mu);
    return rc;
}

int cw_bind_scope(sqlite3_stmt *st, const ot_cw_scope *s)
{
    return ot_sql_bind_text(st, 1, s->account) || ot_sql_bind_text(st, 2, s->region)
               ? OT_ENOMEM
               : OT_OK;
}

char *cw_col_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? strdup((const char *)t) : NULL;
}

static int open_db(ot_cw *cw, const char *path)
{
    return ot_sql_open_durable(path, "cw", SCHEMA, &cw->db);
}

int ot_cw_open(const ot_cw_opts *opts, ot_cw **out)
{
    *out = NULL;
    if (!opts || !opts->path)
        return OT_EINVAL;
    ot_cw *cw = calloc(1, sizeof *cw);
    if (!cw)
        return OT_ENOMEM;
    pthread_mutex_init(&cw->mu, NULL);
    pthread_mutex_init(&cw->run_mu, NULL);
    pthread_mutex_init(&cw->wake_mu, NULL);
    pthread_cond_init(&cw->wake, NULL);
    cw->action = opts->action;
    cw->action_ctx = opts->action_ctx;
    cw->tick_ms = opts->tick_ms > 0 ? opts->tick_ms : 10000;
    cw_actions_metrics_init();
    int rc = open_db(cw, opts->path);
    if (!rc)
        rc = cw_metrics_prepare(cw);
    if (!rc && !opts->no_thread)
        rc = cw_thread_start(cw);
    if (rc) {
        ot_cw_close(cw);
        return rc;
    }
    *out = cw;
    return OT_OK;
}

void ot_cw_close(ot_cw *cw)
{
    if (!cw)
        return;
    cw_thread_stop(cw);
    cw_metrics_finalize(cw);
    sqlite3_close(cw->db);
    pthread_cond_destroy(&cw->wake);
    pthread_mutex_destroy(&cw->wake_mu);
    pthread_mutex_destroy(&cw->run_mu);
    pthread_mutex_destroy(&cw->mu);
    free(cw);
}

static const char *const STATE_NAMES[] = {"OK", "ALARM", "INSUFFICIENT_DATA"};

const char *ot_cw_state_name(ot_cw_state st)
{
    return (unsigned)st < 3 ? STATE_NAMES[st] : "INSUFFICIENT_DATA";
}

int ot_cw_state_parse(const char *name, ot_cw_state *out)
{
    for (int i = 0; name && i < 3; i++)
        if (!strcmp(name, STATE_NAMES[i])) {
            *out = (ot_cw_state)i;
            return OT_OK;
        }
    return OT_EINVAL;
}
