/* trail_int.h — private to src/trail: the state.db handle and its prepared-statement cache.
 *
 * Every statement is prepared once (SQLITE_PREPARE_PERSISTENT) on first use and reset after
 * each use, all under the one mutex that guards the connection. */
#ifndef OT_TRAIL_INT_H
#define OT_TRAIL_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "trail/trail.h"
#include "util/sql.h"

enum ot_trail_stmt {
    ST_TRAIL_INSERT,
    ST_TRAIL_UPDATE,
    ST_TRAIL_DELETE,
    ST_TRAIL_GET,
    ST_TRAIL_LIST_ACCOUNT,
    ST_TRAIL_LIST_LOGGING,
    ST_TRAIL_NAME_CLASH,
    ST_TRAIL_REGIONS,
    ST_TRAIL_COUNT_REGION,
    ST_TRAIL_SET_START,
    ST_TRAIL_SET_STOP,
    ST_TRAIL_NOTE_OK,
    ST_TRAIL_NOTE_FAIL,
    ST_TRAIL_NOTE_DIGEST,
    ST_ORG_GET,
    ST_ORG_PUT,
    ST_TAG_LIST,
    ST_TAG_COUNT,
    ST_TAG_EXISTS,
    ST_TAG_PUT,
    ST_TAG_DEL,
    ST_TAG_DEL_ALL,
    ST_RESOURCE_EXISTS,
    ST_CHAN_INSERT,
    ST_CHAN_GET,
    ST_CHAN_BY_NAME,
    ST_CHAN_COUNT,
    ST_CHAN_RENAME,
    ST_CHAN_DELETE,
    ST_CHAN_LIST,
    ST_CHAN_NOTE_OK,
    ST_CHAN_NOTE_FAIL,
    ST_DEST_INSERT,
    ST_DEST_LIST,
    ST_DEST_DELETE,
    ST__COUNT
};

struct ot_trail_db {
    sqlite3 *sql;
    pthread_mutex_t mu;
    sqlite3_stmt *stmts[ST__COUNT];
};

/* The cached statement, reset and with bindings cleared; NULL if it cannot be prepared
 * (logged). Call with db->mu held. */
sqlite3_stmt *ot_trail_stmt(ot_trail_db *db, enum ot_trail_stmt id);
/* Steps a statement that returns no rows (or ignores them), then resets it. 0 or OT_EIO. */
int ot_trail_exec(ot_trail_db *db, sqlite3_stmt *st);
/* Runs statement id with params[0..n) bound as text ?1..?n (NULL binds SQL NULL). */
int ot_trail_run(ot_trail_db *db, enum ot_trail_stmt id, const char *const *params, size_t n);
/* Reads every row of a cached statement (parameters bound) into a malloc'd array of elem-byte
 * rows (ot_sql_rows), then resets it. */
int ot_trail_rows(ot_trail_db *db, sqlite3_stmt *st, size_t elem,
                  void (*read_row)(sqlite3_stmt *st, void *row), void **out, size_t *n);
/* One integer (a COUNT) from a cached statement whose parameters are bound. */
int ot_trail_count(ot_trail_db *db, sqlite3_stmt *st, int64_t *v);
/* The same for statement id with text parameters a, b, c, d bound in order up to the first
 * NULL. */
int ot_trail_count_text(ot_trail_db *db, enum ot_trail_stmt id, const char *a, const char *b,
                        const char *c, const char *d, int64_t *v);
/* A write: takes db->mu and begins an IMMEDIATE transaction. Always pair with ot_trail_tx_end,
 * even when it fails:  rc = ot_trail_tx_begin(db); return ot_trail_tx_end(db, rc ? rc : f(db));
 */
int ot_trail_tx_begin(ot_trail_db *db);
/* Commits (rc == 0) or rolls back the transaction, if one was begun, then releases db->mu.
 * Returns rc, or the commit's error. */
int ot_trail_tx_end(ot_trail_db *db, int rc);

/* The deleted trails' configurations (trail_deleted.c): the table, and the copy that
 * ot_trail_delete makes inside its transaction (now_ms as decimal text). */
int ot_trail_deleted_schema(sqlite3 *sql);
int ot_trail_deleted_note(ot_trail_db *db, const char *arn, const char *now_ms);

#endif
