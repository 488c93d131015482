/* router_outbox.c — DATA-DIR/router.db: the rule router's WAL position, its outbox of
 * invocations still to deliver and its dead letters. synchronous=FULL: a committed row
 * survives kill -9 and power loss. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond/router_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS position(name TEXT PRIMARY KEY, lsn INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox("
    " id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, rule_arn TEXT NOT NULL,"
    " target_id TEXT NOT NULL, target_arn TEXT NOT NULL, payload TEXT NOT NULL,"
    " event_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, first_ms INTEGER NOT NULL,"
    " next_ms INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox(next_ms, id);"
    "CREATE TABLE IF NOT EXISTS dead_letters("
    " id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, rule_arn TEXT NOT NULL,"
    " target_id TEXT NOT NULL, target_arn TEXT NOT NULL, payload TEXT NOT NULL,"
    " attempts INTEGER NOT NULL, first_ms INTEGER NOT NULL, failed_ms INTEGER NOT NULL,"
    " reason TEXT NOT NULL);"
    "PRAGMA user_version=1;";

#define ENTRY_COLS "event_id, rule_arn, target_id, target_arn, payload"

void rt_entry_clear(rt_entry *e)
{
    free(e->target_arn);
    free(e->payload);
    e->target_arn = e->payload = NULL;
}

int rt_db_open(const char *path, rt_db *d)
{
    if (sqlite3_open_v2(path, &d->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        ot_error("router.db: cannot open %s: %s", path,
                 d->db ? sqlite3_errmsg(d->db) : "out of memory");
        sqlite3_close(d->db);
        d->db = NULL;
        return OT_EIO;
    }
    sqlite3_busy_timeout(d->db, 5000);
    int rc = ot_sql_exec(d->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    if (!rc)
        rc = ot_sql_exec(d->db, SCHEMA);
    if (rc) {
        sqlite3_close(d->db);
        d->db = NULL;
        return rc;
    }
    pthread_mutex_init(&d->mu, NULL);
    return 0;
}

void rt_db_close(rt_db *d)
{
    if (!d->db)
        return;
    sqlite3_close(d->db);
    d->db = NULL;
    pthread_mutex_destroy(&d->mu);
}

int rt_db_position(rt_db *d, uint64_t *lsn)
{
    sqlite3_stmt *st;
    *lsn = 0;
    pthread_mutex_lock(&d->mu);
    int rc = ot_sql_prepare(d->db, "SELECT lsn FROM position WHERE name='" OT_ROUTER_CURSOR
                                   "'", &st);
    if (!rc) {
        rc = ot_sql_step(d->db, st, "router position");
        if (rc == 1)
            *lsn = (uint64_t)sqlite3_column_int64(st, 0);
        rc = rc < 0 ? rc : 0;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

static int bind_entry(sqlite3_stmt *st, const rt_entry *e)
{
    return ot_sql_bind_text(st, 1, e->event_id) || ot_sql_bind_text(st, 2, e->rule_arn) ||
                   ot_sql_bind_text(st, 3, e->target_id) ||
                   ot_sql_bind_text(st, 4, e->target_arn) ||
                   ot_sql_bind_text(st, 5, e->payload ? e->payload : "")
               ? OT_ENOMEM
               : 0;
}

static int insert_outbox(sqlite3 *db, const rt_entry *e)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "INSERT INTO outbox(" ENTRY_COLS ", event_ms, attempts, first_ms,"
                            " next_ms) VALUES(?1,?2,?3,?4,?5,?6,0,?7,?7)",
                            &st);
    if (rc)
        return rc;
    if ((rc = bind_entry(st, e)) == 0) {
        sqlite3_bind_int64(st, 6, e->event_ms);
        sqlite3_bind_int64(st, 7, e->first_ms);
    }
    return rc ? (sqlite3_finalize(st), rc) : ot_sql_done(db, st, "outbox insert");
}

static int insert_dead(sqlite3 *db, const rt_entry *e, int64_t now_ms, const char *reason)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "INSERT INTO dead_letters(" ENTRY_COLS ", attempts, first_ms,"
                            " failed_ms, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                            &st);
    if (rc)
        return rc;
    if ((rc = bind_entry(st, e) || ot_sql_bind_text(st, 9, reason) ? OT_ENOMEM : 0) == 0) {
        sqlite3_bind_int64(st, 6, e->attempts);
        sqlite3_bind_int64(st, 7, e->first_ms);
        sqlite3_bind_int64(st, 8, now_ms);
    }
    return rc ? (sqlite3_finalize(st), rc) : ot_sql_done(db, st, "dead letter insert");
}

static int set_position(sqlite3 *db, uint64_t lsn)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, "INSERT OR REPLACE INTO position VALUES('" OT_ROUTER_CURSOR
                                "', ?1)", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)lsn);
    return ot_sql_done(db, st, "router position");
}

int rt_db_commit_batch(rt_db *d, uint64_t lsn, const rt_entry *ok, size_t nok,
                       const rt_entry *dead, size_t ndead)
{
    pthread_mutex_lock(&d->mu);
    int rc = ot_sql_begin(d->db);
    for (size_t i = 0; !rc && i < nok; i++)
        rc = insert_outbox(d->db, &ok[i]);
    for (size_t i = 0; !rc && i < ndead; i++)
        rc = insert_dead(d->db, &dead[i], dead[i].first_ms, dead[i].last_error);
    if (!rc)
        rc = set_position(d->db, lsn);
    rc = ot_sql_end(d->db, rc);
    pthread_mutex_unlock(&d->mu);
    return rc;
}

static void read_entry(sqlite3_stmt *st, void *row)
{
    rt_entry *e = row;
    e->id = sqlite3_column_int64(st, 0);
    ot_sql_col_text(st, 1, e->event_id, sizeof e->event_id);
    ot_sql_col_text(st, 2, e->rule_arn, sizeof e->rule_arn);
    ot_sql_col_text(st, 3, e->target_id, sizeof e->target_id);
    const unsigned char *arn = sqlite3_column_text(st, 4), *payload = sqlite3_column_text(st, 5);
    e->target_arn = strdup(arn ? (const char *)arn : "");
    e->payload = strdup(payload ? (const char *)payload : "");
    if (!e->target_arn || !e->payload)
        abort(); /* small internal allocations abort on OOM (STYLE) */
    e->event_ms = sqlite3_column_int64(st, 6);
    e->attempts = sqlite3_column_int64(st, 7);
    e->first_ms = sqlite3_column_int64(st, 8);
    e->next_ms = sqlite3_column_int64(st, 9);
    ot_sql_col_text(st, 10, e->last_error, sizeof e->last_error);
}

int rt_db_due(rt_db *d, int64_t now_ms, size_t max, rt_entry **out, size_t *n)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&d->mu);
    int rc = ot_sql_prepare(d->db,
                            "SELECT id, " ENTRY_COLS ", event_ms, attempts, first_ms, next_ms,"
                            " last_error FROM outbox WHERE next_ms <= ?1"
                            " ORDER BY next_ms, id LIMIT ?2",
                            &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, now_ms);
        sqlite3_bind_int64(st, 2, (int64_t)max);
        rc = ot_sql_rows(d->db, st, sizeof **out, read_entry, "outbox due", (void **)out, n);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

int rt_db_next(rt_db *d, int64_t *next_ms, int64_t *count)
{
    sqlite3_stmt *st;
    *next_ms = INT64_MAX;
    *count = 0;
    pthread_mutex_lock(&d->mu);
    int rc = ot_sql_prepare(d->db, "SELECT MIN(next_ms), COUNT(*) FROM outbox", &st);
    if (!rc) {
        rc = ot_sql_step(d->db, st, "outbox next");
        if (rc == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL)
            *next_ms = sqlite3_column_int64(st, 0);
        if (rc == 1)
            *count = sqlite3_column_int64(st, 1);
        rc = rc < 0 ? rc : 0;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

static int exec_id(rt_db *d, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&d->mu);
    int rc = ot_sql_prepare(d->db, sql, &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, id);
        rc = ot_sql_done(d->db, st, what);
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

int rt_db_delivered(rt_db *d, int64_t id)
{
    return exec_id(d, "DELETE FROM outbox WHERE id=?1", id, "outbox delete");
}

int rt_db_retry_later(rt_db *d, const rt_entry *e)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&d->mu);
    int rc = ot_sql_prepare(d->db,
                            "UPDATE outbox SET attempts=?2, next_ms=?3, last_error=?4 WHERE id=?1",
                            &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, e->id);
        sqlite3_bind_int64(st, 2, e->attempts);
        sqlite3_bind_int64(st, 3, e->next_ms);
        rc = ot_sql_bind_text(st, 4, e->last_error);
        rc = rc ? (sqlite3_finalize(st), rc) : ot_sql_done(d->db, st, "outbox retry");
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

int rt_db_dead(rt_db *d, const rt_entry *e, int64_t now_ms)
{
    pthread_mutex_lock(&d->mu);
    int rc = ot_sql_begin(d->db);
    if (!rc)
        rc = insert_dead(d->db, e, now_ms, e->last_error);
    if (!rc) {
        sqlite3_stmt *st;
        rc = ot_sql_prepare(d->db, "DELETE FROM outbox WHERE id=?1", &st);
        if (!rc) {
            sqlite3_bind_int64(st, 1, e->id);
            rc = ot_sql_done(d->db, st, "outbox delete");
        }
    }
    rc = ot_sql_end(d->db, rc);
    pthread_mutex_unlock(&d->mu);
    return rc;
}
