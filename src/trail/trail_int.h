/* trail_int.h — private to src/trail: the state.db handle and its prepared-statement cache.
 *
 * Every statement is prepared once (SQLITE_PREPARE_PERSISTENT) on first use and reset after
 * each use, all under the one mutex that guards the connection. */
#ifndef OT_TRAIL_INT_H
#define OT_TRAIL_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "trail/trail.h"

enum ot_trail_stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
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
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK with db->mu held. */
int ot_trail_tx_begin(ot_trail_db *db);
int ot_trail_tx_end(ot_trail_db *db, int rc); /* commits if rc == 0, else rolls back; returns rc */

/* Binds a text parameter (SQLITE_TRANSIENT); NULL binds SQL NULL. */
int ot_trail_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Copies a text column into out (truncated to cap, always NUL-terminated); NULL gives "". */
void ot_trail_col_text(sqlite3_stmt *st, int col, char *out, size_t cap);

#endif
