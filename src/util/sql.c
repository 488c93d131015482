/* sql.c — the SQLite helper layer (sql.h). */
#include "util/sql.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/vec.h"

int ot_sql_code(int sqlite_rc)
{
    switch (sqlite_rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return OT_OK;
    case SQLITE_CONSTRAINT: return OT_EEXIST;
    case SQLITE_NOMEM: return OT_ENOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return OT_ECORRUPT;
    case SQLITE_TOOBIG: return OT_ELIMIT;
    default: return OT_EIO;
    }
}

/* The database's file name without its directory, for log lines ("state.db"). */
static const char *db_name(sqlite3 *db)
{
    const char *path = db ? sqlite3_db_filename(db, "main") : NULL;
    if (!path || !*path)
        return "sqlite";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int ot_sql_err(sqlite3 *db, const char *what)
{
    int code = ot_sql_code(db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM);
    ot_error("%s: %s: %s", db_name(db), what, db ? sqlite3_errmsg(db) : "out of memory");
    return code ? code : OT_EIO;
}

int ot_sql_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return OT_OK;
    ot_error("%s: %s: %s", db_name(db), sql, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    int code = ot_sql_code(rc);
    return code ? code : OT_EIO;
}

int ot_sql_open_durable(const char *path, const char *what, const char *schema, sqlite3 **db)
{
    *db = NULL;
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        ot_error("%s: cannot open %s: %s", what, path,
                 *db ? sqlite3_errmsg(*db) : "out of memory");
        return OT_EIO;
    }
    sqlite3_busy_timeout(*db, 5000);
    int rc = ot_sql_exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                              " PRAGMA foreign_keys=ON;");
    return rc || !schema ? rc : ot_sql_exec(*db, schema);
}

int ot_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK ? OT_OK : ot_sql_err(db, sql);
}

int ot_sql_prepare_kept(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
               ? OT_OK
               : ot_sql_err(db, sql);
}

int ot_sql_has_column(sqlite3 *db, const char *table, const char *col)
{
    static const char Q[] = "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2";
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, Q, &st);
    if (rc)
        return rc;
    if (!(rc = ot_sql_bind_text(st, 1, table)) && !(rc = ot_sql_bind_text(st, 2, col)))
        rc = ot_sql_step(db, st, Q);
    sqlite3_finalize(st);
    return rc;
}

int ot_sql_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    int rc = s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
    return rc == SQLITE_OK ? OT_OK : OT_ENOMEM;
}

void ot_sql_col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    size_t n = s ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
}

void ot_sql_read_cols(sqlite3_stmt *st, void *row, const ot_sql_col *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ot_sql_col *c = &cols[i];
        char *m = (char *)row + c->off;
        switch (c->kind) {
        case OT_SQL_TEXT: ot_sql_col_text(st, c->idx, m, c->size); break;
        case OT_SQL_BOOL: *(bool *)m = sqlite3_column_int(st, c->idx) != 0; break;
        case OT_SQL_INT: *(int *)m = sqlite3_column_int(st, c->idx); break;
        case OT_SQL_INT64: *(int64_t *)m = sqlite3_column_int64(st, c->idx); break;
        }
    }
}

int ot_sql_bind_cols(sqlite3_stmt *st, int first, const void *row, const ot_sql_col *cols,
                     size_t n)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        const ot_sql_col *c = &cols[i];
        const char *m = (const char *)row + c->off;
        int p = first + c->idx;
        switch (c->kind) {
        case OT_SQL_TEXT:
            rc = sqlite3_bind_text(st, p, m, (int)strnlen(m, c->size), SQLITE_TRANSIENT);
            break;
        case OT_SQL_BOOL: rc = sqlite3_bind_int(st, p, *(const bool *)m); break;
        case OT_SQL_INT: rc = sqlite3_bind_int(st, p, *(const int *)m); break;
        case OT_SQL_INT64: rc = sqlite3_bind_int64(st, p, *(const int64_t *)m); break;
        }
    }
    return rc == SQLITE_OK ? OT_OK : OT_ENOMEM;
}

int ot_sql_step(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        return 1;
    return s == SQLITE_DONE ? OT_OK : ot_sql_err(db, what);
}

int ot_sql_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? OT_OK : ot_sql_err(db, what);
    sqlite3_finalize(st);
    return rc;
}

int ot_sql_run(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
    int rc = ot_sql_step(db, st, what);
    sqlite3_reset(st);
    return rc < 0 ? rc : OT_OK;
}

int ot_sql_int64(sqlite3 *db, sqlite3_stmt *st, int64_t *v, const char *what)
{
    int rc = ot_sql_step(db, st, what);
    *v = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc == 0)
        ot_error("%s: %s: no row", db_name(db), what);
    return rc == 1 ? OT_OK : rc ? rc : OT_EIO;
}

int ot_sql_rows(sqlite3 *db, sqlite3_stmt *st, size_t elem,
                void (*read_row)(sqlite3_stmt *st, void *row), const char *what, void **out,
                size_t *n)
{
    char *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = ot_sql_step(db, st, what)) == 1) {
        if ((rc = ot_vec_grow(&v, &cap, len + 1, elem)))
            break;
        memset(v + len * elem, 0, elem);
        read_row(st, v + len++ * elem);
    }
    if (rc) {
        free(v);
        v = NULL;
        len = 0;
    }
    *out = v;
    *n = len;
    return rc;
}

/* Prepares sql and binds params as text ?1..?nparams. */
static int prepare_text(sqlite3 *db, const char *sql, const char *const *params, size_t nparams,
                        sqlite3_stmt **st)
{
    int rc = ot_sql_prepare(db, sql, st);
    for (size_t i = 0; !rc && i < nparams; i++)
        rc = ot_sql_bind_text(*st, (int)i + 1, params[i]);
    if (rc && *st) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    return rc;
}

int ot_sql_exec_text(sqlite3 *db, const char *sql, const char *const *params, size_t nparams,
                     const char *what)
{
    sqlite3_stmt *st;
    int rc = prepare_text(db, sql, params, nparams, &st);
    return rc ? rc : ot_sql_done(db, st, what);
}

int ot_sql_select(sqlite3 *db, const char *sql, const char *const *params, size_t nparams,
                  size_t elem, void (*read_row)(sqlite3_stmt *st, void *row), const char *what,
                  void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = prepare_text(db, sql, params, nparams, &st);
    if (rc)
        return rc;
    rc = ot_sql_rows(db, st, elem, read_row, what, out, n);
    sqlite3_finalize(st);
    return rc;
}

int ot_sql_select_one(sqlite3 *db, const char *sql, const char *const *params, size_t nparams,
                      size_t elem, void (*read_row)(sqlite3_stmt *st, void *row),
                      const char *what, void *row)
{
    sqlite3_stmt *st;
    int rc = prepare_text(db, sql, params, nparams, &st);
    if (rc)
        return rc;
    rc = ot_sql_step(db, st, what);
    if (rc == 1) {
        memset(row, 0, elem);
        read_row(st, row);
    }
    sqlite3_finalize(st);
    return rc == 1 ? OT_OK : rc ? rc : OT_ENOTFOUND;
}

int ot_sql_begin(sqlite3 *db) { return ot_sql_exec(db, "BEGIN IMMEDIATE"); }

int ot_sql_end(sqlite3 *db, int rc)
{
    if (rc == OT_OK && (rc = ot_sql_exec(db, "COMMIT")) == OT_OK)
        return OT_OK;
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int ot_sql_in_tx(sqlite3 *db, int (*fn)(sqlite3 *db, const void *arg), const void *arg)
{
    int rc = ot_sql_begin(db);
    return rc ? rc : ot_sql_end(db, fn(db, arg));
}
