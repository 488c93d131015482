/* digest_db.c — the digest module's tables in state.db.
 *
 *   digest_key      signing keys: region, fingerprint, validity, public DER (digest_keys.c)
 *   digest_trail    per trail: digests active?, since when, and where they go (a snapshot, so a
 *                   deleted trail still gets its final digests)
 *   digest_chain    per (trail, account, region): the next digest's start time and the previous
 *                   digest (bucket, key, hash, signature) the next one names
 *   digest_log      delivered log files not yet in a committed digest; recorded by delivery in
 *                   the transaction that marks their seal done; claimed = in the pending digest
 *   digest_pending  a digest being written (the intent): its end time, key, bucket, object key
 *
 * A digest is: begin (claim rows + pending, one transaction), put, commit (chain moves on,
 * rows and pending deleted, one transaction). After a crash the pending row and its claimed
 * rows give back the very same digest. */
#include "digest/digest_int.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/sql.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS digest_key("
    " fingerprint TEXT PRIMARY KEY, region TEXT NOT NULL, valid_from_ms INTEGER NOT NULL,"
    " sign_until_ms INTEGER NOT NULL, valid_to_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " public_der BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS digest_key_region ON digest_key(region, valid_from_ms);"
    "CREATE TABLE IF NOT EXISTS digest_trail("
    " trail_arn TEXT PRIMARY KEY, active INTEGER NOT NULL, started_ms INTEGER NOT NULL,"
    " name TEXT NOT NULL, account_id TEXT NOT NULL, home_region TEXT NOT NULL,"
    " bucket TEXT NOT NULL, prefix TEXT NOT NULL, org_id TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS digest_chain("
    " trail_arn TEXT NOT NULL, account_id TEXT NOT NULL, region TEXT NOT NULL,"
    " active INTEGER NOT NULL, start_ms INTEGER NOT NULL, last_end_ms INTEGER NOT NULL,"
    " prev_bucket TEXT, prev_key TEXT, prev_hash TEXT, prev_sig TEXT,"
    " PRIMARY KEY(trail_arn, account_id, region));"
    "CREATE TABLE IF NOT EXISTS digest_log("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, trail_arn TEXT NOT NULL, account_id TEXT NOT NULL,"
    " region TEXT NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " oldest_ms INTEGER NOT NULL, newest_ms INTEGER NOT NULL, delivered_ms INTEGER NOT NULL,"
    " claimed INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS digest_log_chain ON digest_log(trail_arn, account_id, region,"
    " claimed);"
    "CREATE TABLE IF NOT EXISTS digest_pending("
    " trail_arn TEXT NOT NULL, account_id TEXT NOT NULL, region TEXT NOT NULL,"
    " end_ms INTEGER NOT NULL, fingerprint TEXT NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL,"
    " final INTEGER NOT NULL, PRIMARY KEY(trail_arn, account_id, region));";

int ot_digest_db_init(sqlite3 *db) { return ot_sql_exec(db, SCHEMA); }

/* Column maps: the order of the SELECTs below and of the INSERTs' parameters. */
static const ot_sql_col LOG_MAP[] = { /* digest_log from ?2: ?1 is the trail */
    OT_SQL_COL(ot_digest_logfile, account_id, 1), OT_SQL_COL(ot_digest_logfile, region, 2),
    OT_SQL_COL(ot_digest_logfile, bucket, 3),     OT_SQL_COL(ot_digest_logfile, key, 4),
    OT_SQL_COL(ot_digest_logfile, sha256_hex, 5), OT_SQL_COL(ot_digest_logfile, oldest_ms, 6),
    OT_SQL_COL(ot_digest_logfile, newest_ms, 7),
};
static const ot_sql_col TSTATE_MAP[] = { /* TRAIL_COLS */
    OT_SQL_COL(ot_digest_tstate, t.arn, 0),         OT_SQL_COL(ot_digest_tstate, active, 1),
    OT_SQL_COL(ot_digest_tstate, started_ms, 2),    OT_SQL_COL(ot_digest_tstate, t.name, 3),
    OT_SQL_COL(ot_digest_tstate, t.account_id, 4),  OT_SQL_COL(ot_digest_tstate, t.home_region, 5),
    OT_SQL_COL(ot_digest_tstate, t.bucket, 6),      OT_SQL_COL(ot_digest_tstate, t.prefix, 7),
    OT_SQL_COL(ot_digest_tstate, t.org_id, 8),
};
static const ot_sql_col CHAIN_MAP[] = { /* CHAIN_COLS */
    OT_SQL_COL(ot_digest_chain, trail_arn, 0),   OT_SQL_COL(ot_digest_chain, account_id, 1),
    OT_SQL_COL(ot_digest_chain, region, 2),      OT_SQL_COL(ot_digest_chain, active, 3),
    OT_SQL_COL(ot_digest_chain, start_ms, 4),    OT_SQL_COL(ot_digest_chain, last_end_ms, 5),
    OT_SQL_COL(ot_digest_chain, prev_bucket, 6), OT_SQL_COL(ot_digest_chain, prev_key, 7),
    OT_SQL_COL(ot_digest_chain, prev_hash, 8),   OT_SQL_COL(ot_digest_chain, prev_sig, 9),
};
static const ot_sql_col PENDING_MAP[] = { /* PENDING_COLS; the first three name the chain */
    OT_SQL_COL(ot_digest_pending, trail_arn, 0),   OT_SQL_COL(ot_digest_pending, account_id, 1),
    OT_SQL_COL(ot_digest_pending, region, 2),      OT_SQL_COL(ot_digest_pending, end_ms, 3),
    OT_SQL_COL(ot_digest_pending, fingerprint, 4), OT_SQL_COL(ot_digest_pending, bucket, 5),
    OT_SQL_COL(ot_digest_pending, key, 6),         OT_SQL_COL(ot_digest_pending, final, 7),
};
static const ot_sql_col ENTRY_MAP[] = {
    OT_SQL_COL(ot_digest_entry, bucket, 0),     OT_SQL_COL(ot_digest_entry, key, 1),
    OT_SQL_COL(ot_digest_entry, sha256_hex, 2), OT_SQL_COL(ot_digest_entry, oldest_ms, 3),
    OT_SQL_COL(ot_digest_entry, newest_ms, 4),
};
#define NCOLS(map) (sizeof map / sizeof *map)
#define PENDING_COLS "trail_arn, account_id, region, end_ms, fingerprint, bucket, key, final"

/* ---- delivery's hook ---- */

int ot_digest_db_note_logs(sqlite3 *db, const char *trail_arn, const ot_digest_logfile *files,
                           size_t n, int64_t delivered_ms)
{
    int rc = ot_digest_db_init(db);
    sqlite3_stmt *st;
    if (rc || (rc = ot_sql_prepare(db,
                            "INSERT INTO digest_log(trail_arn, account_id, region, bucket, key,"
                            " sha256, oldest_ms, newest_ms, delivered_ms)"
                            " SELECT ?1,?2,?3,?4,?5,?6,?7,?8,?9 WHERE EXISTS(SELECT 1 FROM"
                            " digest_trail WHERE trail_arn = ?1 AND active = 1)",
                            &st)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++) {
        const ot_digest_logfile *f = &files[i];
        sqlite3_reset(st);
        ot_sql_bind_text(st, 1, trail_arn);
        ot_sql_bind_cols(st, 1, f, LOG_MAP, NCOLS(LOG_MAP));
        sqlite3_bind_int64(st, 9, delivered_ms);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ot_sql_err(db, "record log file");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- trails ---- */

#define TRAIL_COLS "trail_arn, active, started_ms, name, account_id, home_region, bucket, " \
                   "prefix, org_id"

static void read_tstate_row(sqlite3_stmt *st, void *row)
{
    ot_sql_read_cols(st, row, TSTATE_MAP, NCOLS(TSTATE_MAP));
}

int ot_digest_db_trail(sqlite3 *db, const char *arn, ot_digest_tstate *out)
{
    return ot_sql_select_one(db, "SELECT " TRAIL_COLS " FROM digest_trail WHERE trail_arn = ?1",
                             &arn, 1, sizeof *out, read_tstate_row, "read digest_trail", out);
}

int ot_digest_db_trails(sqlite3 *db, ot_digest_tstate **out, size_t *n)
{
    return ot_sql_select(db, "SELECT " TRAIL_COLS " FROM digest_trail ORDER BY trail_arn", NULL,
                         0, sizeof **out, read_tstate_row, "read digest_trail", (void **)out, n);
}

static int upsert_trail(sqlite3 *db, const ot_digest_trail *t, bool activate, int64_t started_ms)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                     "INSERT INTO digest_trail(" TRAIL_COLS ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"
                     " ON CONFLICT(trail_arn) DO UPDATE SET name = excluded.name,"
                     " account_id = excluded.account_id, home_region = excluded.home_region,"
                     " bucket = excluded.bucket, prefix = excluded.prefix, org_id = excluded.org_id,"
                     " active = CASE WHEN ?10 THEN 1 ELSE active END,"
                     " started_ms = CASE WHEN ?10 THEN excluded.started_ms ELSE started_ms END",
                     &st);
    if (rc)
        return rc;
    const ot_digest_tstate row = {.t = *t, .active = true, .started_ms = started_ms};
    ot_sql_bind_cols(st, 1, &row, TSTATE_MAP, NCOLS(TSTATE_MAP));
    sqlite3_bind_int(st, 10, activate);
    return ot_sql_done(db, st, "upsert digest_trail");
}

/* Starts (or restarts, previous = null) the chain of (trail, account, region) at start_ms;
 * a restarted chain never starts before the end of its last digest. */
static int start_chain(sqlite3 *db, const char *arn, const char *account, const char *region,
                       int64_t start_ms)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                     "INSERT INTO digest_chain(trail_arn, account_id, region, active, start_ms,"
                     " last_end_ms) VALUES(?1,?2,?3,1,?4,0)"
                     " ON CONFLICT(trail_arn, account_id, region) DO UPDATE SET active = 1,"
                     " start_ms = max(excluded.start_ms, last_end_ms), prev_bucket = NULL,"
                     " prev_key = NULL, prev_hash = NULL, prev_sig = NULL",
                     &st);
    if (rc)
        return rc;
    ot_sql_bind_text(st, 1, arn);
    ot_sql_bind_text(st, 2, account);
    ot_sql_bind_text(st, 3, region);
    sqlite3_bind_int64(st, 4, start_ms);
    return ot_sql_done(db, st, "start chain");
}

typedef struct activate_arg {
    const ot_digest_trail *t;
    int64_t started_ms;
} activate_arg;

static int activate_tx(sqlite3 *db, const void *p)
{
    const activate_arg *a = p;
    int rc = upsert_trail(db, a->t, true, a->started_ms);
    const char *arn = a->t->arn;
    if (!rc)
        rc = ot_sql_exec_text(db, "DELETE FROM digest_log WHERE trail_arn = ?1 AND claimed = 0",
                              &arn, 1, "drop stale log rows");
    if (!rc)
        rc = start_chain(db, a->t->arn, a->t->account_id, a->t->home_region, a->started_ms);
    return rc;
}

int ot_digest_db_activate(sqlite3 *db, const ot_digest_trail *t, int64_t started_ms)
{
    activate_arg a = {t, started_ms};
    return ot_sql_in_tx(db, activate_tx, &a);
}

int ot_digest_db_deactivate(sqlite3 *db, const char *arn)
{
    return ot_sql_exec_text(db, "UPDATE digest_trail SET active = 0 WHERE trail_arn = ?1", &arn,
                            1, "deactivate trail");
}

int ot_digest_db_update_trail(sqlite3 *db, const ot_digest_trail *t)
{
    return upsert_trail(db, t, false, 0);
}

/* ---- chains ---- */

#define CHAIN_COLS "trail_arn, account_id, region, active, start_ms, last_end_ms, prev_bucket, " \
                   "prev_key, prev_hash, prev_sig"

static void read_chain_row(sqlite3_stmt *st, void *row)
{
    ot_digest_chain *c = row;
    ot_sql_read_cols(st, c, CHAIN_MAP, NCOLS(CHAIN_MAP));
    c->has_prev = sqlite3_column_type(st, 7) != SQLITE_NULL;
}

int ot_digest_db_chains(sqlite3 *db, const char *arn, ot_digest_chain **out, size_t *n)
{
    return ot_sql_select(db,
                         "SELECT " CHAIN_COLS " FROM digest_chain WHERE (?1 IS NULL OR"
                         " trail_arn = ?1) ORDER BY trail_arn, account_id, region",
                         &arn, 1, sizeof **out, read_chain_row, "read chains", (void **)out, n);
}

int ot_digest_db_chain_get(sqlite3 *db, const char *arn, const char *account, const char *region,
                           ot_digest_chain *out)
{
    const char *key[] = {arn, account, region};
    return ot_sql_select_one(db,
                             "SELECT " CHAIN_COLS " FROM digest_chain WHERE trail_arn = ?1 AND"
                             " account_id = ?2 AND region = ?3",
                             key, 3, sizeof *out, read_chain_row, "read chain", out);
}

int ot_digest_db_open_new_chains(sqlite3 *db, const char *arn)
{
    return ot_sql_exec_text(db,
                     "INSERT INTO digest_chain(trail_arn, account_id, region, active, start_ms,"
                     " last_end_ms) SELECT DISTINCT l.trail_arn, l.account_id, l.region, 1,"
                     " t.started_ms, 0 FROM digest_log l JOIN digest_trail t ON"
                     " t.trail_arn = l.trail_arn WHERE l.claimed = 0 AND"
                     " (?1 IS NULL AND t.active = 1 OR l.trail_arn = ?1)"
                     " ON CONFLICT(trail_arn, account_id, region) DO UPDATE SET active = 1,"
                     " start_ms = max(excluded.start_ms, last_end_ms), prev_bucket = NULL,"
                     " prev_key = NULL, prev_hash = NULL, prev_sig = NULL"
                     " WHERE digest_chain.active = 0",
                     &arn, 1, "open chains");
}

/* ---- one digest: begin, claimed rows, commit ---- */

/* ?1..?3: the chain a pending digest belongs to. */
static void bind_chain(sqlite3_stmt *st, const ot_digest_pending *p)
{
    ot_sql_bind_cols(st, 1, p, PENDING_MAP, 3);
}

static int begin_tx(sqlite3 *db, const void *arg)
{
    const ot_digest_pending *p = arg;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                     "UPDATE digest_log SET claimed = 1 WHERE trail_arn = ?1 AND account_id = ?2"
                     " AND region = ?3 AND claimed = 0 AND (?4 OR delivered_ms <= ?5)",
                     &st);
    if (rc)
        return rc;
    bind_chain(st, p);
    sqlite3_bind_int(st, 4, p->final);
    sqlite3_bind_int64(st, 5, p->end_ms);
    if ((rc = ot_sql_done(db, st, "claim log rows")) ||
        (rc = ot_sql_prepare(db,
                      "INSERT INTO digest_pending(" PENDING_COLS ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                      &st)))
        return rc;
    ot_sql_bind_cols(st, 1, p, PENDING_MAP, NCOLS(PENDING_MAP));
    return ot_sql_done(db, st, "insert pending digest");
}

int ot_digest_db_begin(sqlite3 *db, const ot_digest_pending *p)
{
    return ot_sql_in_tx(db, begin_tx, p);
}

static void read_pending_row(sqlite3_stmt *st, void *row)
{
    ot_sql_read_cols(st, row, PENDING_MAP, NCOLS(PENDING_MAP));
}

int ot_digest_db_pendings(sqlite3 *db, ot_digest_pending **out, size_t *n)
{
    return ot_sql_select(db,
                         "SELECT " PENDING_COLS " FROM digest_pending"
                         " ORDER BY trail_arn, account_id, region",
                         NULL, 0, sizeof **out, read_pending_row, "read pending digests",
                         (void **)out, n);
}

static void read_entry_row(sqlite3_stmt *st, void *row)
{
    ot_sql_read_cols(st, row, ENTRY_MAP, NCOLS(ENTRY_MAP));
}

int ot_digest_db_claimed(sqlite3 *db, const ot_digest_pending *p, ot_digest_entry **out,
                         size_t *n)
{
    const char *key[] = {p->trail_arn, p->account_id, p->region};
    return ot_sql_select(db,
                         "SELECT bucket, key, sha256, oldest_ms, newest_ms FROM digest_log WHERE"
                         " trail_arn = ?1 AND account_id = ?2 AND region = ?3 AND claimed = 1"
                         " ORDER BY id DESC",
                         key, 3, sizeof **out, read_entry_row, "read claimed rows", (void **)out,
                         n);
}

typedef struct commit_arg {
    const ot_digest_pending *p;
    const char *hash, *sig;
} commit_arg;

static int commit_tx(sqlite3 *db, const void *arg)
{
    const commit_arg *c = arg;
    const ot_digest_pending *p = c->p;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                     "UPDATE digest_chain SET start_ms = ?4, last_end_ms = ?4, prev_bucket = ?5,"
                     " prev_key = ?6, prev_hash = ?7, prev_sig = ?8,"
                     " active = CASE WHEN ?9 THEN 0 ELSE active END"
                     " WHERE trail_arn = ?1 AND account_id = ?2 AND region = ?3",
                     &st);
    if (rc)
        return rc;
    bind_chain(st, p);
    sqlite3_bind_int64(st, 4, p->end_ms);
    ot_sql_bind_text(st, 5, p->bucket);
    ot_sql_bind_text(st, 6, p->key);
    ot_sql_bind_text(st, 7, c->hash);
    ot_sql_bind_text(st, 8, c->sig);
    sqlite3_bind_int(st, 9, p->final);
    if ((rc = ot_sql_done(db, st, "advance chain")))
        return rc;
    static const char *const dels[] = {
        "DELETE FROM digest_log WHERE trail_arn = ?1 AND account_id = ?2 AND region = ?3"
        " AND claimed = 1",
        "DELETE FROM digest_pending WHERE trail_arn = ?1 AND account_id = ?2 AND region = ?3",
    };
    const char *key[] = {p->trail_arn, p->account_id, p->region};
    for (size_t i = 0; !rc && i < 2; i++)
        rc = ot_sql_exec_text(db, dels[i], key, 3, dels[i]);
    return rc;
}

int ot_digest_db_commit(sqlite3 *db, const ot_digest_pending *p, const char *hash,
                        const char *sig)
{
    commit_arg c = {p, hash, sig};
    return ot_sql_in_tx(db, commit_tx, &c);
}
