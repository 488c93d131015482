/* logs_db.c — opening logs.db (schema, WAL journal, synchronous=FULL), the lookups the store's
 * files share, and the retention sweeper thread. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logs/logs_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"
#include "util/timeutil.h"

#define SWEEP_EVERY_MS (3600 * 1000LL)
#define DAY_MS (86400 * 1000LL)

/* Events carry their group too, so a group's time-ordered scan (FilterLogEvents) and a
 * stream's (GetLogEvents) each have an index. */
static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS groups("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, retention_days INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(account, region, name));"
    "CREATE TABLE IF NOT EXISTS streams("
    " id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, created_ms INTEGER NOT NULL, first_event_ms INTEGER NOT NULL DEFAULT 0,"
    " last_event_ms INTEGER NOT NULL DEFAULT 0, last_ingest_ms INTEGER NOT NULL DEFAULT 0,"
    " stored_bytes INTEGER NOT NULL DEFAULT 0, UNIQUE(group_id, name));"
    "CREATE TABLE IF NOT EXISTS events("
    " id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL"
    " REFERENCES streams(id) ON DELETE CASCADE, ts INTEGER NOT NULL, ingest_ms INTEGER NOT NULL,"
    " message TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_by_stream ON events(stream_id, ts, id);"
    "CREATE INDEX IF NOT EXISTS events_by_group ON events(group_id, ts, id);"
    "CREATE TABLE IF NOT EXISTS metric_filters("
    " group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE, name TEXT NOT NULL,"
    " pattern TEXT NOT NULL, transformations TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " PRIMARY KEY(group_id, name));"
    "PRAGMA user_version=1;";

int logs_one_int(ot_logs *l, sqlite3_stmt *st, int64_t *v, const char *what)
{
    int rc = ot_sql_step(l->db, st, what);
    if (rc == 1)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == 1 ? 0 : rc == 0 ? OT_ENOTFOUND : rc;
}

int logs_bind_scope(sqlite3_stmt *st, const ot_logs_scope *s, const char *third)
{
    return ot_sql_bind_text(st, 1, s->account) || ot_sql_bind_text(st, 2, s->region) ||
                   ot_sql_bind_text(st, 3, third)
               ? OT_ENOMEM
               : 0;
}

int logs_group_id(ot_logs *l, const ot_logs_scope *s, const char *name, int64_t *id)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(l->db, "SELECT id FROM groups WHERE account=?1 AND region=?2 AND name=?3",
                            &st);
    if (rc)
        return rc;
    logs_bind_scope(st, s, name);
    return logs_one_int(l, st, id, "log group");
}

int logs_stream_id(ot_logs *l, int64_t gid, const char *name, int64_t *id)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(l->db, "SELECT id FROM streams WHERE group_id=?1 AND name=?2", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, gid);
    ot_sql_bind_text(st, 2, name);
    return logs_one_int(l, st, id, "log stream");
}

int logs_stream_resolve(ot_logs *l, const ot_logs_scope *s, const char *group,
                        const char *stream, int64_t *gid, int64_t *sid, bool *stream_missing)
{
    if (stream_missing)
        *stream_missing = false;
    int rc = logs_group_id(l, s, group, gid);
    if (rc)
        return rc;
    rc = logs_stream_id(l, *gid, stream, sid);
    if (rc == OT_ENOTFOUND && stream_missing)
        *stream_missing = true;
    return rc;
}

/* The events of groups with a policy that are older than it: ?1 now, ?2 a day in ms. */
#define EXPIRED_EVENTS                                                                       \
    "SELECT e.id FROM groups g JOIN events e ON e.group_id=g.id WHERE g.retention_days>0"   \
    " AND e.ts < ?1 - g.retention_days*?2"

/* Only the streams of groups with a policy change: their sizes lose what expires (summed
 * before the delete, over the (stream, time) index), their first event is looked up again. */
static const char *const SWEEP[] = {
    "UPDATE streams SET stored_bytes=stored_bytes-(SELECT COALESCE(SUM(length(CAST(e.message"
    " AS BLOB))),0) FROM events e WHERE e.stream_id=streams.id AND e.ts < ?1 -"
    " (SELECT retention_days FROM groups WHERE id=streams.group_id)*?2)"
    " WHERE group_id IN (SELECT id FROM groups WHERE retention_days>0)",
    "DELETE FROM events WHERE id IN (" EXPIRED_EVENTS ")",
    "UPDATE streams SET first_event_ms=COALESCE((SELECT MIN(ts) FROM events WHERE"
    " stream_id=streams.id),0) WHERE group_id IN (SELECT id FROM groups WHERE"
    " retention_days>0)",
};

static int sweep_step(ot_logs *l, const char *sql, int64_t now_ms, int64_t *changed)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(l->db, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now_ms);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, DAY_MS);
    rc = ot_sql_done(l->db, st, "retention sweep");
    *changed = rc ? 0 : sqlite3_changes64(l->db);
    return rc;
}

int ot_logs_sweep(ot_logs *l, int64_t now_ms, int64_t *deleted)
{
    int64_t n = 0, changed = 0;
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_begin(l->db);
    for (size_t i = 0; !rc && i < sizeof SWEEP / sizeof *SWEEP; i++) {
        rc = sweep_step(l, SWEEP[i], now_ms, &changed);
        if (i == 1)
            n = changed;
    }
    rc = ot_sql_end(l->db, rc); /* COMMIT, or ROLLBACK of a failed step */
    pthread_mutex_unlock(&l->mu);
    if (rc)
        n = 0;
    if (n > 0)
        ot_info("logs: retention sweep deleted %lld events", (long long)n);
    if (deleted)
        *deleted = n;
    return rc;
}

static void *sweeper_main(void *arg)
{
    ot_logs *l = arg;
    pthread_mutex_lock(&l->stop_mu);
    while (!l->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += l->sweep_interval_ms / 1000;
        until.tv_nsec += (l->sweep_interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&l->stop_cv, &l->stop_mu, &until);
        if (l->stopping)
            break;
        pthread_mutex_unlock(&l->stop_mu);
        ot_logs_sweep(l, ot_now_ms(), NULL);
        pthread_mutex_lock(&l->stop_mu);
    }
    pthread_mutex_unlock(&l->stop_mu);
    return NULL;
}

static int db_open(const char *path, sqlite3 **db)
{
    int rc = ot_sql_open_durable(path, "logs.db", SCHEMA, db);
    return rc ? rc : logs_feed_schema(*db);
}

int ot_logs_open(const char *path, int64_t sweep_interval_ms, ot_logs **out)
{
    *out = NULL;
    ot_logs *l = calloc(1, sizeof *l);
    if (!l)
        return OT_ENOMEM;
    int rc = db_open(path, &l->db);
    if (rc) {
        sqlite3_close(l->db);
        free(l);
        return rc;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_mutex_init(&l->stop_mu, NULL);
    pthread_cond_init(&l->stop_cv, NULL);
    l->sweep_interval_ms = sweep_interval_ms > 0 ? sweep_interval_ms : SWEEP_EVERY_MS;
    l->sweeper_running = pthread_create(&l->sweeper, NULL, sweeper_main, l) == 0;
    if (!l->sweeper_running) {
        ot_logs_close(l);
        return OT_EIO;
    }
    *out = l;
    return 0;
}

void ot_logs_close(ot_logs *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->stop_mu);
    l->stopping = true;
    pthread_cond_signal(&l->stop_cv);
    pthread_mutex_unlock(&l->stop_mu);
    if (l->sweeper_running)
        pthread_join(l->sweeper, NULL);
    sqlite3_close(l->db);
    pthread_cond_destroy(&l->stop_cv);
    pthread_mutex_destroy(&l->stop_mu);
    pthread_mutex_destroy(&l->mu);
    free(l);
}
