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
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/sql.h"

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

/* state.db files from before event selectors lack deliver_intent.selectors_id. */
static int migrate(sqlite3 *db)
{
    int has = ot_sql_has_column(db, "deliver_intent", "selectors_id");
    if (has)
        return has < 0 ? has : OT_OK;
    return ot_sql_exec(db, "ALTER TABLE deliver_intent ADD COLUMN selectors_id INTEGER NOT NULL"
                           " DEFAULT 0");
}

int ot_deliver_db_init(sqlite3 *db)
{
    int rc = ot_sql_exec(db, SCHEMA);
    return rc ? rc : migrate(db);
}

static int set_checkpoint(sqlite3 *db, const char *arn, uint64_t lsn)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "INSERT INTO deliver_checkpoint(trail_arn, lsn) VALUES(?1, ?2) "
                            "ON CONFLICT(trail_arn) DO UPDATE SET lsn = excluded.lsn",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)lsn);
    return ot_sql_done(db, st, "set checkpoint");
}

/* An intent's columns but id and channels (a malloc'd string): result column i of the
 * pending query is parameter ?i of the INSERT. */
#define INTENT_COL(member, idx) OT_SQL_COL(ot_deliver_intent, member, idx)
static const ot_sql_col INTENT_COLS[] = {
    INTENT_COL(snap.arn, 1),              INTENT_COL(a, 2),
    INTENT_COL(b, 3),                     INTENT_COL(seal_ms, 4),
    INTENT_COL(snap.account_id, 5),       INTENT_COL(snap.home_region, 6),
    INTENT_COL(snap.bucket, 7),           INTENT_COL(snap.prefix, 8),
    INTENT_COL(snap.org_id, 9),           INTENT_COL(snap.organization, 10),
    INTENT_COL(snap.multi_region, 11),    INTENT_COL(snap.include_global, 12),
    INTENT_COL(snap.start_logging_ms, 13), INTENT_COL(snap.selectors_id, 15),
};
#define INTENT_CHANNELS 14

static int insert_intent(sqlite3 *db, ot_deliver_intent *in)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "INSERT INTO deliver_intent(trail_arn, a, b, seal_ms, account_id,"
                            " home_region, bucket, prefix, org_id, organization, multi_region,"
                            " include_global, start_logging_ms, channels, selectors_id)"
                            " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                            &st);
    if (rc)
        return rc;
    rc = ot_sql_bind_cols(st, 0, in, INTENT_COLS, sizeof INTENT_COLS / sizeof INTENT_COLS[0]);
    if (!rc)
        rc = ot_sql_bind_text(st, INTENT_CHANNELS, in->channels ? in->channels : "");
    if (rc) {
        sqlite3_finalize(st);
        return rc;
    }
    rc = ot_sql_done(db, st, "insert intent");
    if (!rc)
        in->id = sqlite3_last_insert_rowid(db);
    return rc;
}

int ot_deliver_db_seal(sqlite3 *db, ot_deliver_intent *in)
{
    int rc = ot_sql_begin(db);
    if (rc)
        return rc;
    rc = insert_intent(db, in);
    if (!rc)
        rc = set_checkpoint(db, in->snap.arn, in->b);
    return ot_sql_end(db, rc);
}

/* Runs a one-shot statement with ?1 = a and, when it has one, ?2 = b. */
static int run_ints(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    return ot_sql_done(db, st, sql);
}

int ot_deliver_db_done(sqlite3 *db, int64_t id, int64_t now_ms)
{
    int rc = run_ints(db, "UPDATE deliver_intent SET done = 1, done_ms = ?2 WHERE id = ?1", id,
                    now_ms);
    if (!rc)
        rc = run_ints(db, "DELETE FROM deliver_intent WHERE done = 1 AND done_ms < ?2",
                    0, now_ms - DONE_KEEP_MS);
    return rc;
}

int ot_deliver_db_drop(sqlite3 *db, int64_t id)
{
    return run_ints(db, "DELETE FROM deliver_intent WHERE id = ?1", id, 0);
}

/* Runs a SELECT without parameters and reads every row with read_row into a malloc'd array
 * of elem-byte rows; *out stays NULL on failure. */
static int select_rows(sqlite3 *db, const char *sql, size_t elem,
                       void (*read_row)(sqlite3_stmt *st, void *row), void **out, size_t *n)
{
    return ot_sql_select(db, sql, NULL, 0, elem, read_row, sql, out, n);
}

static void read_intent(sqlite3_stmt *st, void *row)
{
    ot_deliver_intent *in = row;
    in->id = sqlite3_column_int64(st, 0);
    ot_sql_read_cols(st, in, INTENT_COLS, sizeof INTENT_COLS / sizeof INTENT_COLS[0]);
    in->snap.logging = true;
    const unsigned char *ch = sqlite3_column_text(st, INTENT_CHANNELS);
    in->channels = strdup(ch ? (const char *)ch : ""); /* NULL (out of memory) is checked after */
}

int ot_deliver_db_pending(sqlite3 *db, ot_deliver_intent **out, size_t *n)
{
    int rc = select_rows(db,
                         "SELECT id, trail_arn, a, b, seal_ms, account_id, home_region, bucket,"
                         " prefix, org_id, organization, multi_region, include_global,"
                         " start_logging_ms, channels, selectors_id FROM deliver_intent"
                         " WHERE done = 0 ORDER BY id",
                         sizeof **out, read_intent, (void **)out, n);
    for (size_t i = 0; !rc && i < *n; i++)
        if (!(*out)[i].channels) {
            ot_deliver_intents_free(*out, *n);
            *out = NULL;
            *n = 0;
            rc = OT_ENOMEM;
        }
    return rc;
}

void ot_deliver_intents_free(ot_deliver_intent *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].channels);
    free(v);
}

static void read_ckpt(sqlite3_stmt *st, void *row)
{
    ot_deliver_ckpt *c = row;
    ot_sql_col_text(st, 0, c->trail_arn, sizeof c->trail_arn);
    c->lsn = (uint64_t)sqlite3_column_int64(st, 1);
}

int ot_deliver_db_checkpoints(sqlite3 *db, ot_deliver_ckpt **out, size_t *n)
{
    return select_rows(db, "SELECT trail_arn, lsn FROM deliver_checkpoint", sizeof **out,
                       read_ckpt, (void **)out, n);
}

static int set_floor(sqlite3 *db, uint64_t floor)
{
    return run_ints(db,
                  "INSERT INTO deliver_state(name, lsn) VALUES('floor', ?1) "
                  "ON CONFLICT(name) DO UPDATE SET lsn = excluded.lsn",
                  (int64_t)floor, 0);
}

int ot_deliver_db_sync(sqlite3 *db, const ot_deliver_ckpt *v, size_t n, uint64_t floor)
{
    int rc = ot_sql_begin(db);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < n; i++)
        rc = set_checkpoint(db, v[i].trail_arn, v[i].lsn);
    if (!rc)
        rc = set_floor(db, floor);
    return ot_sql_end(db, rc);
}

int ot_deliver_db_floor(sqlite3 *db, uint64_t *floor)
{
    *floor = 0;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, "SELECT lsn FROM deliver_state WHERE name = 'floor'", &st);
    if (rc)
        return rc;
    rc = ot_sql_step(db, st, "read floor");
    if (rc == 1)
        *floor = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc < 0 ? rc : OT_OK;
}

/* A quarantined file's columns: read as result columns 1..14 (after id), written as the
 * INSERT's parameters ?1..?14 (quarantined_ms is ?15). */
static const ot_sql_col QFILE_COLS[] = {
    OT_SQL_COL(ot_deliver_qfile, trail_arn, 1),   OT_SQL_COL(ot_deliver_qfile, bucket, 2),
    OT_SQL_COL(ot_deliver_qfile, key, 3),         OT_SQL_COL(ot_deliver_qfile, account_id, 4),
    OT_SQL_COL(ot_deliver_qfile, region, 5),      OT_SQL_COL(ot_deliver_qfile, a, 6),
    OT_SQL_COL(ot_deliver_qfile, b, 7),           OT_SQL_COL(ot_deliver_qfile, seal_ms, 8),
    OT_SQL_COL(ot_deliver_qfile, events, 9),      OT_SQL_COL(ot_deliver_qfile, path, 10),
    OT_SQL_COL(ot_deliver_qfile, error, 11),      OT_SQL_COL(ot_deliver_qfile, sha256_hex, 12),
    OT_SQL_COL(ot_deliver_qfile, oldest_ms, 13),  OT_SQL_COL(ot_deliver_qfile, newest_ms, 14),
};
#define NQFILE_COLS (sizeof QFILE_COLS / sizeof QFILE_COLS[0])

static int insert_qfile(sqlite3 *db, sqlite3_stmt *st, const ot_deliver_qfile *q,
                        int64_t now_ms)
{
    int rc = ot_sql_bind_cols(st, 0, q, QFILE_COLS, NQFILE_COLS);
    sqlite3_bind_int64(st, (int)NQFILE_COLS + 1, now_ms);
    return rc ? rc : ot_sql_run(db, st, "insert quarantine");
}

int ot_deliver_db_quarantine(sqlite3 *db, const ot_deliver_qfile *v, size_t n, int64_t now_ms)
{
    if (n == 0)
        return OT_OK;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "INSERT OR IGNORE INTO deliver_quarantine(trail_arn, bucket, key,"
                            " account_id, region, a, b, seal_ms, events, path, error,"
                            " sha256, oldest_ms, newest_ms, quarantined_ms)"
                            " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                            &st);
    for (size_t i = 0; !rc && i < n; i++)
        rc = insert_qfile(db, st, &v[i], now_ms);
    sqlite3_finalize(st);
    return rc;
}

static void read_qcount(sqlite3_stmt *st, void *row)
{
    ot_deliver_qcount *c = row;
    ot_sql_col_text(st, 0, c->trail_arn, sizeof c->trail_arn);
    c->files = (uint64_t)sqlite3_column_int64(st, 1);
}

int ot_deliver_db_quarantine_counts(sqlite3 *db, ot_deliver_qcount **out, size_t *n)
{
    return select_rows(db,
                       "SELECT trail_arn, count(*) FROM deliver_quarantine"
                       " GROUP BY trail_arn ORDER BY trail_arn",
                       sizeof **out, read_qcount, (void **)out, n);
}

static void read_qfile(sqlite3_stmt *st, void *row)
{
    ot_deliver_qfile *q = row;
    q->id = sqlite3_column_int64(st, 0);
    ot_sql_read_cols(st, q, QFILE_COLS, NQFILE_COLS);
}

int ot_deliver_db_quarantine_held(sqlite3 *db, ot_deliver_qfile **out, size_t *n)
{
    return select_rows(db,
                       "SELECT id, trail_arn, bucket, key, account_id, region, a, b, seal_ms,"
                       " events, path, error, sha256, oldest_ms, newest_ms"
                       " FROM deliver_quarantine WHERE delivered_ms IS NULL AND key <> ''"
                       " ORDER BY id",
                       sizeof **out, read_qfile, (void **)out, n);
}

int ot_deliver_db_quarantine_delivered(sqlite3 *db, int64_t id, int64_t now_ms)
{
    return run_ints(db, "UPDATE deliver_quarantine SET delivered_ms = ?2 WHERE id = ?1", id,
                  now_ms);
}
