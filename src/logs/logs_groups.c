/* logs_groups.c — log groups: create, delete, read, list, retention. */
#include <stdlib.h>
#include <string.h>

#include "logs/logs_int.h"
#include "util/err.h"
#include "util/sql.h"

/* The columns every group read selects, in ot_log_group's order. */
#define GROUP_COLS                                                                         \
    "g.name, g.created_ms, g.retention_days,"                                              \
    " (SELECT COUNT(*) FROM metric_filters m WHERE m.group_id=g.id),"                      \
    " (SELECT COALESCE(SUM(stored_bytes),0) FROM streams s WHERE s.group_id=g.id)"

static void read_group(sqlite3_stmt *st, void *row)
{
    ot_log_group *g = row;
    ot_sql_col_text(st, 0, g->name, sizeof g->name);
    g->created_ms = sqlite3_column_int64(st, 1);
    g->retention_days = sqlite3_column_int(st, 2);
    g->metric_filters = sqlite3_column_int(st, 3);
    g->stored_bytes = sqlite3_column_int64(st, 4);
}

int ot_logs_group_create(ot_logs *l, const ot_logs_scope *s, const char *name, int64_t now_ms)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_prepare(l->db, "INSERT OR IGNORE INTO groups(account, region, name,"
                                   " created_ms) VALUES(?1, ?2, ?3, ?4)", &st);
    if (!rc) {
        logs_bind_scope(st, s, name);
        sqlite3_bind_int64(st, 4, now_ms);
        rc = ot_sql_done(l->db, st, "create log group");
    }
    if (!rc && sqlite3_changes(l->db) == 0)
        rc = OT_EEXIST;
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int ot_logs_group_delete(ot_logs *l, const ot_logs_scope *s, const char *name)
{
    const char *p[] = {s->account, s->region, name};
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_exec_text(l->db, "DELETE FROM groups WHERE account=?1 AND region=?2 AND"
                                     " name=?3", p, 3, "delete log group");
    if (!rc && sqlite3_changes(l->db) == 0)
        rc = OT_ENOTFOUND;
    atomic_fetch_add(&l->metric_generation, 1); /* its filters went with it */
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int ot_logs_group_get(ot_logs *l, const ot_logs_scope *s, const char *name, ot_log_group *out)
{
    const char *p[] = {s->account, s->region, name};
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_select_one(l->db, "SELECT " GROUP_COLS " FROM groups g WHERE g.account=?1"
                                      " AND g.region=?2 AND g.name=?3",
                               p, 3, sizeof *out, read_group, "log group", out);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int ot_logs_group_list(ot_logs *l, const ot_logs_scope *s, const char *prefix,
                       const char *pattern, int64_t offset, int limit, ot_log_group **out,
                       size_t *n)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_prepare(
        l->db,
        "SELECT " GROUP_COLS " FROM groups g WHERE g.account=?1 AND g.region=?2"
        " AND (?3 IS NULL OR substr(g.name, 1, length(?3))=?3)"
        " AND (?4 IS NULL OR instr(g.name, ?4)>0)"
        " ORDER BY g.name LIMIT ?5 OFFSET ?6", &st);
    if (!rc) {
        logs_bind_scope(st, s, prefix);
        ot_sql_bind_text(st, 4, pattern);
        sqlite3_bind_int(st, 5, limit);
        sqlite3_bind_int64(st, 6, offset);
        rc = ot_sql_rows(l->db, st, sizeof **out, read_group, "list log groups", (void **)out, n);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int ot_logs_retention_set(ot_logs *l, const ot_logs_scope *s, const char *group, int days)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_prepare(l->db, "UPDATE groups SET retention_days=?4 WHERE account=?1 AND"
                                   " region=?2 AND name=?3", &st);
    if (!rc) {
        logs_bind_scope(st, s, group);
        sqlite3_bind_int(st, 4, days);
        rc = ot_sql_done(l->db, st, "retention policy");
    }
    if (!rc && sqlite3_changes(l->db) == 0)
        rc = OT_ENOTFOUND;
    pthread_mutex_unlock(&l->mu);
    return rc;
}
