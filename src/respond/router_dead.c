/* router_dead.c — the dead letters of router.db read back for `opentrail rules dead-letters`,
 * through a read-only handle while the server may be writing (router.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "respond/router.h"
#include "util/err.h"
#include "util/sql.h"

static const ot_sql_col DEAD_COLS[] = {
    OT_SQL_COL(ot_dead_letter, rule_arn, 0),   OT_SQL_COL(ot_dead_letter, target_id, 1),
    OT_SQL_COL(ot_dead_letter, target_arn, 2), OT_SQL_COL(ot_dead_letter, event_id, 3),
    OT_SQL_COL(ot_dead_letter, attempts, 4),   OT_SQL_COL(ot_dead_letter, first_ms, 5),
    OT_SQL_COL(ot_dead_letter, last_ms, 6),    OT_SQL_COL(ot_dead_letter, reason, 7),
};

static int read_rows(sqlite3 *db, size_t max, ot_dead_letter *rows, size_t *n)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "SELECT rule_arn, target_id, target_arn, event_id, attempts, "
                            "first_ms, failed_ms, reason FROM dead_letters "
                            "ORDER BY failed_ms DESC, id DESC LIMIT ?",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    while (*n < max && (rc = ot_sql_step(db, st, "read the dead letters")) == 1)
        ot_sql_read_cols(st, &rows[(*n)++], DEAD_COLS, sizeof DEAD_COLS / sizeof *DEAD_COLS);
    sqlite3_finalize(st);
    return rc < 0 || rc > 1 ? rc : OT_OK;
}

int ot_router_dead_letters(const char *data_dir, size_t max, ot_dead_letter **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/router.db", data_dir);
    struct stat sb;
    if (stat(path, &sb))
        return OT_ENOTFOUND;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        int rc = ot_sql_err(db, "open read-only");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 5000);
    ot_dead_letter *rows = max ? calloc(max, sizeof *rows) : NULL;
    int rc = max && !rows ? OT_ENOMEM : read_rows(db, max, rows, n);
    sqlite3_close(db);
    if (rc) {
        free(rows);
        *n = 0;
        return rc;
    }
    *out = rows;
    return OT_OK;
}
