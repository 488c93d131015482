/* sql.h — the one helper layer over SQLite that every module's tables use.
 *
 * Every failure is logged once, as "<db file>: <what>: <sqlite message>", and returned as an
 * OT_E* code (ot_sql_code), so callers only pass a short `what` and propagate the code.
 * Statements are either one-shot (prepared, stepped, finalized: ot_sql_prepare + ot_sql_done)
 * or cached by the caller (stepped and reset: ot_sql_run). */
#ifndef OT_SQL_H
#define OT_SQL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The OT_E* code for an SQLite result code: a constraint is OT_EEXIST, out of memory
 * OT_ENOMEM, a damaged file OT_ECORRUPT, a too-big value OT_ELIMIT, anything else OT_EIO. */
int ot_sql_code(int sqlite_rc);

/* Logs the connection's last error with `what` and returns its OT_E* code. */
int ot_sql_err(sqlite3 *db, const char *what);

/* sqlite3_exec of sql (one or more statements, no rows wanted). 0 or OT_E* (logged). */
int ot_sql_exec(sqlite3 *db, const char *sql);

/* Opens (or creates) the database file at path the way every store of acknowledged state does:
 * one connection per handle (the caller serialises), WAL journal, synchronous=FULL so a commit
 * survives power loss, foreign keys on, a 5 s busy timeout for readers in other processes; then
 * runs schema (may be NULL). `what` names the store in the error logged on failure. On failure
 * *db may be set: the caller closes it (sqlite3_close(NULL) is harmless). */
int ot_sql_open_durable(const char *path, const char *what, const char *schema, sqlite3 **db);

/* Prepares one statement into *st (the caller finalizes it). 0 or OT_E* (logged). */
int ot_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);

/* The same with SQLITE_PREPARE_PERSISTENT, for a statement kept for the connection's life. */
int ot_sql_prepare_kept(sqlite3 *db, const char *sql, sqlite3_stmt **st);

/* 1 if table has a column named col, 0 if not (or no such table), OT_E* on error (logged).
 * For migrations that look at the schema a file was written with. */
int ot_sql_has_column(sqlite3 *db, const char *table, const char *col);

/* Binds a text parameter (copied); NULL binds SQL NULL. 0 or OT_ENOMEM. */
int ot_sql_bind_text(sqlite3_stmt *st, int idx, const char *s);

/* Copies a text column into out (truncated to cap - 1 bytes, always NUL-terminated); NULL
 * gives "". */
void ot_sql_col_text(sqlite3_stmt *st, int col, char *out, size_t cap);

/* ---- column maps: a struct read from a row or bound as parameters, declared once ---- */

typedef enum { OT_SQL_TEXT, OT_SQL_BOOL, OT_SQL_INT, OT_SQL_INT64 } ot_sql_kind;

typedef struct ot_sql_col {
    int idx;          /* the result column (0-based); as a parameter: first + idx */
    ot_sql_kind kind; /* a char array member is text (copied, truncated to its size) */
    size_t off, size;
} ot_sql_col;

/* One entry of a column map: column idx holds type's member. The kind follows the member's
 * declared type, so a map cannot disagree with its struct. A uint64_t (a WAL position, a
 * count) is stored as the int64 of the same bits, as sqlite3_bind_int64 casts it. */
#define OT_SQL_COL(type, member, idx)                                                        \
    {(idx),                                                                                \
     _Generic(((type *)0)->member, char *: OT_SQL_TEXT, bool: OT_SQL_BOOL, int: OT_SQL_INT, \
              int64_t: OT_SQL_INT64, uint64_t: OT_SQL_INT64),                              \
     offsetof(type, member), sizeof(((type *)0)->member)}

/* Copies the current row's columns into the members of row named by cols[0..n). */
void ot_sql_read_cols(sqlite3_stmt *st, void *row, const ot_sql_col *cols, size_t n);

/* Binds the members of row named by cols[0..n) to parameters first + idx. 0 or OT_ENOMEM. */
int ot_sql_bind_cols(sqlite3_stmt *st, int first, const void *row, const ot_sql_col *cols,
                     size_t n);

/* One step: 1 when a row is ready, 0 when the statement is done, OT_E* on error (logged). */
int ot_sql_step(sqlite3 *db, sqlite3_stmt *st, const char *what);

/* Steps a one-shot statement that returns no rows, then finalizes it (also on error). */
int ot_sql_done(sqlite3 *db, sqlite3_stmt *st, const char *what);

/* Steps a cached statement once (a row, if any, is ignored), then resets it. */
int ot_sql_run(sqlite3 *db, sqlite3_stmt *st, const char *what);

/* Steps a statement whose first row's first column is an integer (a COUNT) into *v, then
 * resets it. No row is OT_EIO (logged). */
int ot_sql_int64(sqlite3 *db, sqlite3_stmt *st, int64_t *v, const char *what);

/* Steps st to its end, appending each row to the malloc'd array *out (elem bytes each, zeroed
 * before read_row fills it); *n counts them. On error *out is freed and NULL. st is neither
 * reset nor finalized: its owner does that. */
int ot_sql_rows(sqlite3 *db, sqlite3_stmt *st, size_t elem,
                void (*read_row)(sqlite3_stmt *st, void *row), const char *what, void **out,
                size_t *n);

/* One-shot statements with text parameters: sql is prepared, params[0..nparams) are bound as
 * ?1.. (a NULL binds SQL NULL), and the statement is finalized before returning.
 * ot_sql_exec_text runs it to its end (no rows); ot_sql_select reads every row as
 * ot_sql_rows does. */
int ot_sql_exec_text(sqlite3 *db, const char *sql, const char *const *params, size_t nparams,
                     const char *what);
int ot_sql_select(sqlite3 *db, const char *sql, const char *const *params, size_t nparams,
                  size_t elem, void (*read_row)(sqlite3_stmt *st, void *row), const char *what,
                  void **out, size_t *n);

/* The same for a query of one row: read_row fills row (elem bytes, zeroed first) from the first
 * result; OT_ENOTFOUND when there is none. */
int ot_sql_select_one(sqlite3 *db, const char *sql, const char *const *params, size_t nparams,
                      size_t elem, void (*read_row)(sqlite3_stmt *st, void *row),
                      const char *what, void *row);

/* BEGIN IMMEDIATE. 0 or OT_E* (logged). */
int ot_sql_begin(sqlite3 *db);

/* Ends the transaction begun by ot_sql_begin: COMMIT when rc == 0, else (or when the commit
 * fails) ROLLBACK. Returns rc, or the commit's error. */
int ot_sql_end(sqlite3 *db, int rc);

/* Runs fn(db, arg) inside BEGIN IMMEDIATE .. COMMIT, rolled back when fn fails. */
int ot_sql_in_tx(sqlite3 *db, int (*fn)(sqlite3 *db, const void *arg), const void *arg);

#ifdef __cplusplus
}
#endif

#endif
