/* trail_db.c — state.db: opening, schema, the prepared-statement cache and transactions.
 *
 * One SQLite connection in WAL mode, guarded by one mutex: control-plane calls are rare and
 * short, so a single writer keeps every check-then-write (limits, duplicates) atomic. */
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/log.h"

#define SCHEMA_VERSION "2" /* PRAGMA user_version; bump with a migration */

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS trails ("
    " arn TEXT PRIMARY KEY, name TEXT NOT NULL, account_id TEXT NOT NULL,"
    " home_region TEXT NOT NULL, bucket TEXT NOT NULL, prefix TEXT NOT NULL DEFAULT '',"
    " sns_topic_name TEXT NOT NULL DEFAULT '', kms_key_id TEXT NOT NULL DEFAULT '',"
    " cw_log_group_arn TEXT NOT NULL DEFAULT '', cw_role_arn TEXT NOT NULL DEFAULT '',"
    " include_global INTEGER NOT NULL, multi_region INTEGER NOT NULL,"
    " log_validation INTEGER NOT NULL, organization INTEGER NOT NULL,"
    " org_id TEXT NOT NULL DEFAULT '', has_custom_selectors INTEGER NOT NULL DEFAULT 0,"
    " has_insight_selectors INTEGER NOT NULL DEFAULT 0, logging INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL, start_logging_ms INTEGER NOT NULL DEFAULT 0,"
    " stop_logging_ms INTEGER NOT NULL DEFAULT 0, latest_delivery_ms INTEGER NOT NULL DEFAULT 0,"
    " latest_delivery_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    " latest_delivery_attempt_ok INTEGER NOT NULL DEFAULT 0,"
    " latest_delivery_error TEXT NOT NULL DEFAULT '',"
    " latest_digest_delivery_ms INTEGER NOT NULL DEFAULT 0,"
    " latest_digest_delivery_error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS trails_account ON trails(account_id, home_region, name);"
    "CREATE TABLE IF NOT EXISTS channels ("
    " arn TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL,"
    " account_id TEXT NOT NULL, region TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " ingest_success_ms INTEGER NOT NULL DEFAULT 0,"
    " ingest_success_event_id TEXT NOT NULL DEFAULT '',"
    " ingest_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    " ingest_attempt_event_id TEXT NOT NULL DEFAULT '',"
    " ingest_error_code TEXT NOT NULL DEFAULT '',"
    " UNIQUE (account_id, region, name));"
    "CREATE TABLE IF NOT EXISTS channel_destinations ("
    " channel_arn TEXT NOT NULL REFERENCES channels(arn) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL, type TEXT NOT NULL, location TEXT NOT NULL,"
    " PRIMARY KEY (channel_arn, pos));"
    "CREATE TABLE IF NOT EXISTS tags ("
    " resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT,"
    " PRIMARY KEY (resource_arn, key));"
    "CREATE TABLE IF NOT EXISTS accounts ("
    " account_id TEXT PRIMARY KEY, org_id TEXT NOT NULL);";

#define TRAIL_COLS                                                                        \
    "arn, name, account_id, home_region, bucket, prefix, sns_topic_name, kms_key_id,"     \
    " cw_log_group_arn, cw_role_arn, include_global, multi_region, log_validation,"       \
    " organization, org_id, has_custom_selectors, has_insight_selectors, logging,"        \
    " created_ms, start_logging_ms, stop_logging_ms, latest_delivery_ms,"                 \
    " latest_delivery_attempt_ms, latest_delivery_attempt_ok, latest_delivery_error,"     \
    " latest_digest_delivery_ms, latest_digest_delivery_error, selectors_id"

#define CHAN_COLS                                                                         \
    "arn, name, source, account_id, region, created_ms, ingest_success_ms,"               \
    " ingest_success_event_id, ingest_attempt_ms, ingest_attempt_event_id,"               \
    " ingest_error_code"

static const char *const SQL[ST__COUNT] = {
    [ST_TRAIL_INSERT] = "INSERT INTO trails (" TRAIL_COLS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,"
                        "?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,"
                        "?26,?27,?28)",
    /* ?13 (has_insight_selectors) is bound but not set: only PutInsightSelectors changes it
     * (trail_insights.c), so an UpdateTrail racing it cannot undo it. */
    [ST_TRAIL_UPDATE] = "UPDATE trails SET bucket=?1, prefix=?2, sns_topic_name=?3,"
                        " kms_key_id=?4, cw_log_group_arn=?5, cw_role_arn=?6,"
                        " include_global=?7, multi_region=?8, log_validation=?9,"
                        " organization=?10, org_id=?11, has_custom_selectors=?12"
                        " WHERE arn=?14",
    [ST_TRAIL_DELETE] = "DELETE FROM trails WHERE arn=?1",
    [ST_TRAIL_GET] = "SELECT " TRAIL_COLS " FROM trails WHERE arn=?1",
    [ST_TRAIL_LIST_ACCOUNT] = "SELECT " TRAIL_COLS " FROM trails WHERE account_id=?1"
                              " ORDER BY home_region, name",
    [ST_TRAIL_LIST_LOGGING] = "SELECT " TRAIL_COLS " FROM trails WHERE logging=1"
                              " ORDER BY account_id, home_region, name",
    [ST_TRAIL_NAME_CLASH] = "SELECT COUNT(*) FROM trails WHERE account_id=?1 AND name=?2"
                            " AND arn<>?5 AND (home_region=?3 OR multi_region=1 OR ?4)",
    [ST_TRAIL_REGIONS] = "SELECT DISTINCT home_region FROM trails WHERE account_id=?1",
    [ST_TRAIL_COUNT_REGION] = "SELECT COUNT(*) FROM trails WHERE account_id=?1 AND arn<>?3"
                              " AND (home_region=?2 OR multi_region=1)",
    [ST_TRAIL_SET_START] = "UPDATE trails SET logging=1, start_logging_ms=?2"
                           " WHERE arn=?1 AND logging=0",
    [ST_TRAIL_SET_STOP] = "UPDATE trails SET logging=0, stop_logging_ms=?2"
                          " WHERE arn=?1 AND logging=1",
    [ST_TRAIL_NOTE_OK] = "UPDATE trails SET latest_delivery_ms=?2,"
                         " latest_delivery_attempt_ms=?2, latest_delivery_attempt_ok=1,"
                         " latest_delivery_error='' WHERE arn=?1",
    [ST_TRAIL_NOTE_FAIL] = "UPDATE trails SET latest_delivery_attempt_ms=?2,"
                           " latest_delivery_attempt_ok=0, latest_delivery_error=?3"
                           " WHERE arn=?1",
    [ST_TRAIL_NOTE_DIGEST] = "UPDATE trails SET latest_digest_delivery_ms ="
                             " CASE WHEN ?3 IS NULL THEN ?2 ELSE latest_digest_delivery_ms END,"
                             " latest_digest_delivery_error=COALESCE(?3, '') WHERE arn=?1",
    [ST_ORG_GET] = "SELECT org_id FROM accounts WHERE account_id=?1",
    [ST_ORG_PUT] = "INSERT INTO accounts (account_id, org_id) VALUES (?1, ?2)",
    [ST_TAG_LIST] = "SELECT key, value FROM tags WHERE resource_arn=?1 ORDER BY key",
    [ST_TAG_COUNT] = "SELECT COUNT(*) FROM tags WHERE resource_arn=?1",
    [ST_TAG_EXISTS] = "SELECT COUNT(*) FROM tags WHERE resource_arn=?1 AND key=?2",
    [ST_TAG_PUT] = "INSERT INTO tags (resource_arn, key, value) VALUES (?1, ?2, ?3)"
                   " ON CONFLICT (resource_arn, key) DO UPDATE SET value=excluded.value",
    [ST_TAG_DEL] = "DELETE FROM tags WHERE resource_arn=?1 AND key=?2",
    [ST_TAG_DEL_ALL] = "DELETE FROM tags WHERE resource_arn=?1",
    [ST_RESOURCE_EXISTS] = "SELECT (SELECT COUNT(*) FROM trails WHERE arn=?1)"
                           " + (SELECT COUNT(*) FROM channels WHERE arn=?1)",
    [ST_CHAN_INSERT] = "INSERT INTO channels (arn, name, source, account_id, region,"
                       " created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_CHAN_GET] = "SELECT " CHAN_COLS " FROM channels WHERE arn=?1"
                    " OR substr(arn, instr(arn, ':channel/') + 9)=?1",
    [ST_CHAN_BY_NAME] = "SELECT COUNT(*) FROM channels WHERE account_id=?1 AND region=?2"
                        " AND name=?3 AND arn<>?4",
    [ST_CHAN_COUNT] = "SELECT COUNT(*) FROM channels WHERE account_id=?1 AND region=?2",
    [ST_CHAN_RENAME] = "UPDATE channels SET name=?2 WHERE arn=?1",
    [ST_CHAN_DELETE] = "DELETE FROM channels WHERE arn=?1",
    [ST_CHAN_LIST] = "SELECT " CHAN_COLS " FROM channels WHERE account_id=?1 AND region=?2"
                     " AND arn>?3 ORDER BY arn LIMIT ?4",
    [ST_CHAN_NOTE_OK] = "UPDATE channels SET ingest_success_ms=?2, ingest_success_event_id=?3,"
                        " ingest_attempt_ms=?2, ingest_attempt_event_id=?3,"
                        " ingest_error_code='' WHERE arn=?1",
    [ST_CHAN_NOTE_FAIL] = "UPDATE channels SET ingest_attempt_ms=?2,"
                          " ingest_attempt_event_id=?3, ingest_error_code=?4 WHERE arn=?1",
    [ST_DEST_INSERT] = "INSERT INTO channel_destinations (channel_arn, pos, type, location)"
                       " VALUES (?1, ?2, ?3, ?4)",
    [ST_DEST_LIST] = "SELECT type, location FROM channel_destinations WHERE channel_arn=?1"
                     " ORDER BY pos",
    [ST_DEST_DELETE] = "DELETE FROM channel_destinations WHERE channel_arn=?1",
};

sqlite3_stmt *ot_trail_stmt(ot_trail_db *db, enum ot_trail_stmt id)
{
    sqlite3_stmt *st = db->stmts[id];
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(db->sql, SQL[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
        SQLITE_OK) {
        ot_sql_err(db->sql, SQL[id]);
        return NULL;
    }
    db->stmts[id] = st;
    return st;
}

int ot_trail_exec(ot_trail_db *db, sqlite3_stmt *st)
{
    if (!st)
        return OT_EIO;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    /* a duplicate is an answer (OT_EEXIST), not a failure worth a log line */
    return rc == SQLITE_CONSTRAINT ? OT_EEXIST : ot_sql_err(db->sql, "step");
}

int ot_trail_run(ot_trail_db *db, enum ot_trail_stmt id, const char *const *params, size_t n)
{
    sqlite3_stmt *st = ot_trail_stmt(db, id);
    for (size_t i = 0; st && i < n; i++)
        ot_sql_bind_text(st, (int)i + 1, params[i]);
    return ot_trail_exec(db, st);
}

int ot_trail_tx_begin(ot_trail_db *db)
{
    pthread_mutex_lock(&db->mu);
    return ot_sql_begin(db->sql);
}

int ot_trail_tx_end(ot_trail_db *db, int rc)
{
    if (!sqlite3_get_autocommit(db->sql))
        rc = ot_sql_end(db->sql, rc);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int ot_trail_rows(ot_trail_db *db, sqlite3_stmt *st, size_t elem,
                  void (*read_row)(sqlite3_stmt *st, void *row), void **out, size_t *n)
{
    if (!st)
        return OT_EIO;
    int rc = ot_sql_rows(db->sql, st, elem, read_row, "read rows", out, n);
    sqlite3_reset(st);
    return rc;
}

int ot_trail_count(ot_trail_db *db, sqlite3_stmt *st, int64_t *v)
{
    *v = 0;
    return st ? ot_sql_int64(db->sql, st, v, "count") : OT_EIO;
}

int ot_trail_count_text(ot_trail_db *db, enum ot_trail_stmt id, const char *a, const char *b,
                        const char *c, const char *d, int64_t *v)
{
    sqlite3_stmt *st = ot_trail_stmt(db, id);
    const char *args[] = {a, b, c, d};
    for (int i = 0; st && i < 4 && args[i]; i++)
        ot_sql_bind_text(st, i + 1, args[i]);
    return ot_trail_count(db, st, v);
}

static int db_schema(sqlite3 *sql)
{
    int rc = ot_sql_exec(sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                              " PRAGMA foreign_keys=ON;");
    if (!rc)
        rc = ot_sql_exec(sql, SCHEMA);
    if (!rc)
        rc = ot_trail_selectors_schema(sql);
    if (!rc)
        rc = ot_trail_notify_schema(sql);
    if (!rc)
        rc = ot_trail_insights_schema(sql);
    if (!rc)
        rc = ot_trail_deleted_schema(sql);
    if (!rc)
        rc = ot_sql_exec(sql, "PRAGMA user_version=" SCHEMA_VERSION);
    return rc;
}

int ot_trail_db_open(const char *path, ot_trail_db **out)
{
    *out = NULL;
    ot_trail_db *db = calloc(1, sizeof *db);
    if (!db)
        return OT_ENOMEM;
    int rc = OT_EIO;
    if (sqlite3_open_v2(path, &db->sql,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        ot_error("state.db: cannot open %s: %s", path,
                 db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(db->sql, 5000);
    rc = db_schema(db->sql);
    if (rc)
        goto out;
    pthread_mutex_init(&db->mu, NULL);
    *out = db;
    return 0;
out:
    sqlite3_close(db->sql);
    free(db);
    return rc;
}

void ot_trail_db_close(ot_trail_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(db->stmts[i]);
    sqlite3_close(db->sql);
    pthread_mutex_destroy(&db->mu);
    free(db);
}

int ot_trail_db_with(ot_trail_db *db, int (*fn)(struct sqlite3 *sql, void *ctx), void *ctx)
{
    pthread_mutex_lock(&db->mu);
    int rc = fn(db->sql, ctx);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

/* Lowercase alphanumerics, as AWS organization ids have them. */
static void org_id_make(char out[40])
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char rnd[10];
    ot_random(rnd, sizeof rnd);
    memcpy(out, "o-", 2);
    for (size_t i = 0; i < sizeof rnd; i++)
        out[2 + i] = alnum[rnd[i] % (sizeof alnum - 1)];
    out[12] = '\0';
}

int ot_trail_org_id(ot_trail_db *db, const char *account, char out[40])
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_ORG_GET);
    if (!st)
        goto out;
    ot_sql_bind_text(st, 1, account);
    if (sqlite3_step(st) == SQLITE_ROW) {
        ot_sql_col_text(st, 0, out, 40);
        sqlite3_reset(st);
        rc = 0;
        goto out;
    }
    sqlite3_reset(st);
    org_id_make(out);
    st = ot_trail_stmt(db, ST_ORG_PUT);
    if (st) {
        ot_sql_bind_text(st, 1, account);
        ot_sql_bind_text(st, 2, out);
        rc = ot_trail_exec(db, st);
    }
out:
    pthread_mutex_unlock(&db->mu);
    return rc;
}
