/* deliver_db.c — delivery's own tables in state.db: seal intents, per-trail checkpoints and
 * the WAL floor.
 *
 *   deliver_intent      one row per seal: the WAL range (a, b], seal time, and the trail fields
 *                       that routing and key naming read, so a redo needs nothing else
 *   deliver_checkpoint  per trail: records <= lsn are sealed (inside some intent)
 *   deliver_state       'floor': records <= lsn are needed by no trail (WAL may release them)
 *   deliver_quarantine  log files that could not be written and are kept in the quarantine
 *                       directory instead (deliver_quarantine.c), one row per file
 *
 * A seal inserts its intent and moves the checkpoint in one transaction: a record is therefore
 * either in an intent or after the checkpoint, never both, never neither. */
#include "deliver/deliver_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"

#define DONE_KEEP_MS (24LL * 3600 * 1000) /* done intents are kept a day, for inspection */

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS deliver_intent("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, trail_arn TEXT NOT NULL,"
    " a INTEGER NOT NULL, b INTEGER NOT NULL, seal_ms INTEGER NOT NULL,"
    " account_id TEXT NOT NULL, home_region TEXT NOT NULL, bucket TEXT NOT NULL,"
    " prefix TEXT NOT NULL, org_id TEXT NOT NULL, organization INTEGER NOT NULL,"
    " multi_region INTEGER NOT NULL, include_global INTEGER NOT NULL,"
    " start_logging_ms INTEGER NOT NULL, channels TEXT NOT NULL,"
    " selectors_id INTEGER NOT NULL DEFAULT 0,"
    " done INTEGER NOT NULL DEFAULT 0, done_ms INTEGER);"
    "CREATE INDEX IF NOT EXISTS deliver_intent_pending ON deliver_intent(done, id);"
    "CREATE TABLE IF NOT EXISTS deliver_checkpoint("
    " trail_arn TEXT PRIMARY KEY, lsn INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS deliver_state(name TEXT PRIMARY KEY, lsn INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS deliver_quarantine("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, trail_arn TEXT NOT NULL, bucket TEXT NOT NULL,"
    " key TEXT NOT NULL, account_id TEXT NOT NULL, region TEXT NOT NULL,"
    " a INTEGER NOT NULL, b INTEGER NOT NULL, seal_ms INTEGER NOT NULL,"
    " events INTEGER NOT NULL, path TEXT NOT NULL, error TEXT NOT NULL,"
    " quarantined_ms INTEGER NOT NULL, sha256 TEXT NOT NULL, oldest_ms INTEGER NOT NULL,"
    " newest_ms INTEGER NOT NULL, delivered_ms INTEGER,"
    " UNIQUE(trail_arn, a, b, account_id, region));";

static int sql_err(sqlite3 *db, const char *what)
{
    ot_error("deliver: %s: %s", what, sqlite3_errmsg(db));
    return OT_EIO;
}

/* state.db files from before event selectors lack deliver_intent.selectors_id. */
static int migrate(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT selectors_id FROM deliver_intent LIMIT 0", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_finalize(st);
        return OT_OK;
    }
    return sqlite3_exec(db,
                        "ALTER TABLE deliver_intent ADD COLUMN selectors_id INTEGER NOT NULL"
                        " DEFAULT 0",
                        NULL, NULL, NULL) == SQLITE_OK
               ? OT_OK
               : sql_err(db, "migrate deliver_intent");
}

int ot_deliver_db_init(sqlite3 *db)
{
    if (sqlite3_exec(db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
        return sql_err(db, "schema");
    return migrate(db);
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? OT_OK : sql_err(db, sql);
}

/* Runs one prepared statement to completion and finalizes it. */
static int step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? OT_OK : sql_err(db, what);
    sqlite3_finalize(st);
    return rc;
}

static int set_checkpoint(sqlite3 *db, const char *arn, uint64_t lsn)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO deliver_checkpoint(trail_arn, lsn) VALUES(?1, ?2) "
                           "ON CONFLICT(trail_arn) DO UPDATE SET lsn = excluded.lsn",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, "prepare checkpoint");
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)lsn);
    return step_done(db, st, "set checkpoint");
}

static int insert_intent(sqlite3 *db, ot_deliver_intent *in)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO deliver_intent(trail_arn, a, b, seal_ms, account_id,"
                           " home_region, bucket, prefix, org_id, organization, multi_region,"
                           " include_global, start_logging_ms, channels, selectors_id)"
                           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, "prepare intent");
    const ot_trail *t = &in->snap;
    sqlite3_bind_text(st, 1, t->arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)in->a);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)in->b);
    sqlite3_bind_int64(st, 4, in->seal_ms);
    sqlite3_bind_text(st, 5, t->account_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, t->home_region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, t->bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, t->prefix, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, t->org_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 10, t->organization);
    sqlite3_bind_int(st, 11, t->multi_region);
    sqlite3_bind_int(st, 12, t->include_global);
    sqlite3_bind_int64(st, 13, t->start_logging_ms);
    sqlite3_bind_text(st, 14, in->channels ? in->channels : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 15, t->selectors_id);
    int rc = step_done(db, st, "insert intent");
    if (!rc)
        in->id = sqlite3_last_insert_rowid(db);
    return rc;
}

int ot_deliver_db_seal(sqlite3 *db, ot_deliver_intent *in)
{
    int rc = exec(db, "BEGIN IMMEDIATE");
    if (rc)
        return rc;
    rc = insert_intent(db, in);
    if (!rc)
        rc = set_checkpoint(db, in->snap.arn, in->b);
    if (!rc)
        rc = exec(db, "COMMIT");
    if (rc)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Binds ?1 = id and, when the statement has it, ?2 = arg. */
static int run_id(sqlite3 *db, const char *sql, int64_t id, int64_t arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, sql);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, arg);
    return step_done(db, st, sql);
}

int ot_deliver_db_done(sqlite3 *db, int64_t id, int64_t now_ms)
{
    int rc = run_id(db, "UPDATE deliver_intent SET done = 1, done_ms = ?2 WHERE id = ?1", id,
                    now_ms);
    if (!rc)
        rc = run_id(db, "DELETE FROM deliver_intent WHERE done = 1 AND done_ms < ?2",
                    0, now_ms - DONE_KEEP_MS);
    return rc;
}

int ot_deliver_db_drop(sqlite3 *db, int64_t id)
{
    return run_id(db, "DELETE FROM deliver_intent WHERE id = ?1", id, 0);
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", s ? (const char *)s : "");
}


typedef int (*row_fn)(sqlite3_stmt *st, void *row);

/* Runs a SELECT and reads every row with fn into a malloc'd array of elem-byte rows. On
 * failure the rows read so far go to undo (free() when NULL) and *out stays NULL. */
static int select_rows(sqlite3 *db, const char *sql, size_t elem, row_fn fn,
                       void (*undo)(void *, size_t), void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, sql);
    int rc = OT_OK, s = SQLITE_DONE;
    char *v = NULL;
    size_t cnt = 0;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char *nv = realloc(v, (cnt + 1) * elem);
        if (!nv) {
            rc = OT_ENOMEM;
            break;
        }
        v = nv;
        memset(v + cnt * elem, 0, elem);
        rc = fn(st, v + cnt++ * elem);
    }
    if (!rc && s != SQLITE_DONE)
        rc = sql_err(db, sql);
    sqlite3_finalize(st);
    if (rc) {
        if (undo)
            undo(v, cnt);
        else
            free(v);
        return rc;
    }
    *out = v;
    *n = cnt;
    return OT_OK;
}

static int read_intent(sqlite3_stmt *st, void *row)
{
    ot_deliver_intent *in = row;
    in->id = sqlite3_column_int64(st, 0);
    ot_trail *t = &in->snap;
    copy_col(st, 1, t->arn, sizeof t->arn);
    in->a = (uint64_t)sqlite3_column_int64(st, 2);
    in->b = (uint64_t)sqlite3_column_int64(st, 3);
    in->seal_ms = sqlite3_column_int64(st, 4);
    copy_col(st, 5, t->account_id, sizeof t->account_id);
    copy_col(st, 6, t->home_region, sizeof t->home_region);
    copy_col(st, 7, t->bucket, sizeof t->bucket);
    copy_col(st, 8, t->prefix, sizeof t->prefix);
    copy_col(st, 9, t->org_id, sizeof t->org_id);
    t->organization = sqlite3_column_int(st, 10);
    t->multi_region = sqlite3_column_int(st, 11);
    t->include_global = sqlite3_column_int(st, 12);
    t->start_logging_ms = sqlite3_column_int64(st, 13);
    t->logging = true;
    const unsigned char *ch = sqlite3_column_text(st, 14);
    in->channels = strdup(ch ? (const char *)ch : "");
    t->selectors_id = sqlite3_column_int64(st, 15);
    return in->channels ? OT_OK : OT_ENOMEM;
}

static void intents_undo(void *v, size_t n) { ot_deliver_intents_free(v, n); }

int ot_deliver_db_pending(sqlite3 *db, ot_deliver_intent **out, size_t *n)
{
    return select_rows(db,
                       "SELECT id, trail_arn, a, b, seal_ms, account_id, home_region, bucket,"
                       " prefix, org_id, organization, multi_region, include_global,"
                       " start_logging_ms, channels, selectors_id FROM deliver_intent"
                       " WHERE done = 0 ORDER BY id",
                       sizeof **out, read_intent, intents_undo, (void **)out, n);
}

void ot_deliver_intents_free(ot_deliver_intent *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].channels);
    free(v);
}

static int read_ckpt(sqlite3_stmt *st, void *row)
{
    ot_deliver_ckpt *c = row;
    copy_col(st, 0, c->trail_arn, sizeof c->trail_arn);
    c->lsn = (uint64_t)sqlite3_column_int64(st, 1);
    return OT_OK;
}

int ot_deliver_db_checkpoints(sqlite3 *db, ot_deliver_ckpt **out, size_t *n)
{
    return select_rows(db, "SELECT trail_arn, lsn FROM deliver_checkpoint", sizeof **out,
                       read_ckpt, NULL, (void **)out, n);
}

static int set_floor(sqlite3 *db, uint64_t floor)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO deliver_state(name, lsn) VALUES('floor', ?1) "
                           "ON CONFLICT(name) DO UPDATE SET lsn = excluded.lsn",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, "prepare floor");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)floor);
    return step_done(db, st, "set floor");
}

int ot_deliver_db_sync(sqlite3 *db, const ot_deliver_ckpt *v, size_t n, uint64_t floor)
{
    int rc = exec(db, "BEGIN IMMEDIATE");
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < n; i++)
        rc = set_checkpoint(db, v[i].trail_arn, v[i].lsn);
    if (!rc)
        rc = set_floor(db, floor);
    if (!rc)
        rc = exec(db, "COMMIT");
    if (rc)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int ot_deliver_db_floor(sqlite3 *db, uint64_t *floor)
{
    *floor = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT lsn FROM deliver_state WHERE name = 'floor'", -1, &st,
                           NULL) != SQLITE_OK)
        return sql_err(db, "prepare floor");
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *floor = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? OT_OK : sql_err(db, "read floor");
}

static int insert_qfile(sqlite3_stmt *st, const ot_deliver_qfile *q, int64_t now_ms)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, q->trail_arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, q->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, q->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, q->region, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)q->a);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)q->b);
    sqlite3_bind_int64(st, 8, q->seal_ms);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)q->events);
    sqlite3_bind_text(st, 10, q->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, q->error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, now_ms);
    sqlite3_bind_text(st, 13, q->sha256_hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 14, q->oldest_ms);
    sqlite3_bind_int64(st, 15, q->newest_ms);
    return sqlite3_step(st) == SQLITE_DONE ? OT_OK : OT_EIO;
}

int ot_deliver_db_quarantine(sqlite3 *db, const ot_deliver_qfile *v, size_t n, int64_t now_ms)
{
    if (n == 0)
        return OT_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO deliver_quarantine(trail_arn, bucket, key,"
                           " account_id, region, a, b, seal_ms, events, path, error,"
                           " quarantined_ms, sha256, oldest_ms, newest_ms)"
                           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_err(db, "prepare quarantine");
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = insert_qfile(st, &v[i], now_ms);
    if (rc)
        sql_err(db, "insert quarantine");
    sqlite3_finalize(st);
    return rc;
}

static int read_qcount(sqlite3_stmt *st, void *row)
{
    ot_deliver_qcount *c = row;
    copy_col(st, 0, c->trail_arn, sizeof c->trail_arn);
    c->files = (uint64_t)sqlite3_column_int64(st, 1);
    return OT_OK;
}

int ot_deliver_db_quarantine_counts(sqlite3 *db, ot_deliver_qcount **out, size_t *n)
{
    return select_rows(db,
                       "SELECT trail_arn, count(*) FROM deliver_quarantine"
                       " GROUP BY trail_arn ORDER BY trail_arn",
                       sizeof **out, read_qcount, NULL, (void **)out, n);
}

static int read_qfile(sqlite3_stmt *st, void *row)
{
    ot_deliver_qfile *q = row;
    q->id = sqlite3_column_int64(st, 0);
    copy_col(st, 1, q->trail_arn, sizeof q->trail_arn);
    copy_col(st, 2, q->bucket, sizeof q->bucket);
    copy_col(st, 3, q->key, sizeof q->key);
    copy_col(st, 4, q->account_id, sizeof q->account_id);
    copy_col(st, 5, q->region, sizeof q->region);
    q->a = (uint64_t)sqlite3_column_int64(st, 6);
    q->b = (uint64_t)sqlite3_column_int64(st, 7);
    q->seal_ms = sqlite3_column_int64(st, 8);
    q->events = (uint64_t)sqlite3_column_int64(st, 9);
    copy_col(st, 10, q->path, sizeof q->path);
    copy_col(st, 11, q->error, sizeof q->error);
    copy_col(st, 12, q->sha256_hex, sizeof q->sha256_hex);
    q->oldest_ms = sqlite3_column_int64(st, 13);
    q->newest_ms = sqlite3_column_int64(st, 14);
    return OT_OK;
}

int ot_deliver_db_quarantine_held(sqlite3 *db, ot_deliver_qfile **out, size_t *n)
{
    return select_rows(db,
                       "SELECT id, trail_arn, bucket, key, account_id, region, a, b, seal_ms,"
                       " events, path, error, sha256, oldest_ms, newest_ms"
                       " FROM deliver_quarantine WHERE delivered_ms IS NULL AND key <> ''"
                       " ORDER BY id",
                       sizeof **out, read_qfile, NULL, (void **)out, n);
}

int ot_deliver_db_quarantine_delivered(sqlite3 *db, int64_t id, int64_t now_ms)
{
    return run_id(db, "UPDATE deliver_quarantine SET delivered_ms = ?2 WHERE id = ?1", id,
                  now_ms);
}
