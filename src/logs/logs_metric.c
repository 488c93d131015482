/* logs_metric.c — a group's metric filters, stored as given (pattern and the transformations'
 * JSON); compiling and applying them is the API's and (later) the metrics emitter's work. */
#include <stdlib.h>
#include <string.h>

#include "logs/logs_int.h"
#include "util/err.h"
#include "util/sql.h"

int ot_logs_metric_put(ot_logs *l, const ot_logs_scope *s, const char *group, const char *name,
                       const char *pattern, const char *transformations, int64_t now_ms)
{
    int64_t gid;
    sqlite3_stmt *st;
    pthread_mutex_lock(&l->mu);
    int rc = logs_group_id(l, s, group, &gid);
    if (!rc)
        rc = ot_sql_prepare(l->db, "INSERT INTO metric_filters(group_id, name, pattern,"
                                   " transformations, created_ms) VALUES(?1, ?2, ?3, ?4, ?5)"
                                   " ON CONFLICT(group_id, name) DO UPDATE SET"
                                   " pattern=excluded.pattern,"
                                   " transformations=excluded.transformations", &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, gid);
        ot_sql_bind_text(st, 2, name);
        ot_sql_bind_text(st, 3, pattern);
        ot_sql_bind_text(st, 4, transformations);
        sqlite3_bind_int64(st, 5, now_ms);
        rc = ot_sql_done(l->db, st, "put metric filter");
    }
    atomic_fetch_add(&l->metric_generation, 1);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int ot_logs_metric_delete(ot_logs *l, const ot_logs_scope *s, const char *group,
                          const char *name, bool *filter_missing)
{
    int64_t gid;
    sqlite3_stmt *st;
    *filter_missing = false;
    pthread_mutex_lock(&l->mu);
    int rc = logs_group_id(l, s, group, &gid);
    if (!rc)
        rc = ot_sql_prepare(l->db, "DELETE FROM metric_filters WHERE group_id=?1 AND name=?2",
                            &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, gid);
        ot_sql_bind_text(st, 2, name);
        rc = ot_sql_done(l->db, st, "delete metric filter");
        if (!rc && sqlite3_changes(l->db) == 0) {
            *filter_missing = true;
            rc = OT_ENOTFOUND;
        }
    }
    atomic_fetch_add(&l->metric_generation, 1);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

static void read_filter(sqlite3_stmt *st, void *row)
{
    ot_log_metric_filter *f = row;
    ot_sql_col_text(st, 0, f->group, sizeof f->group);
    ot_sql_col_text(st, 1, f->name, sizeof f->name);
    const char *p = (const char *)sqlite3_column_text(st, 2);
    const char *t = (const char *)sqlite3_column_text(st, 3);
    f->pattern = strdup(p ? p : "");
    f->transformations = strdup(t ? t : "[]");
    f->created_ms = sqlite3_column_int64(st, 4);
}

static int bind_query(sqlite3_stmt *st, const ot_logs_scope *s, const ot_logs_metric_query *q)
{
    const char *text[] = {s->account, s->region, q->group, q->name_prefix, q->metric_name,
                          q->metric_namespace};
    for (int i = 0; i < 6; i++)
        if (ot_sql_bind_text(st, i + 1, text[i]))
            return OT_ENOMEM;
    sqlite3_bind_int(st, 7, q->limit);
    sqlite3_bind_int64(st, 8, q->offset);
    return 0;
}

static bool all_copied(const ot_log_metric_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!f[i].pattern || !f[i].transformations)
            return false;
    return true;
}

int ot_logs_metric_list(ot_logs *l, const ot_logs_scope *s, const ot_logs_metric_query *q,
                        ot_log_metric_filter **out, size_t *n)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_prepare(
        l->db,
        "SELECT g.name, m.name, m.pattern, m.transformations, m.created_ms"
        " FROM metric_filters m JOIN groups g ON g.id=m.group_id"
        " WHERE g.account=?1 AND g.region=?2 AND (?3 IS NULL OR g.name=?3)"
        " AND (?4 IS NULL OR substr(m.name, 1, length(?4))=?4)"
        " AND (?5 IS NULL OR json_extract(m.transformations, '$[0].metricName')=?5)"
        " AND (?6 IS NULL OR json_extract(m.transformations, '$[0].metricNamespace')=?6)"
        " ORDER BY g.name, m.name LIMIT ?7 OFFSET ?8", &st);
    if (!rc && !(rc = bind_query(st, s, q)))
        rc = ot_sql_rows(l->db, st, sizeof **out, read_filter, "list metric filters",
                         (void **)out, n);
    sqlite3_finalize(st); /* NULL when the prepare failed: a no-op */
    pthread_mutex_unlock(&l->mu);
    if (!rc && !all_copied(*out, *n)) {
        ot_logs_metric_free(*out, *n);
        *out = NULL;
        *n = 0;
        rc = OT_ENOMEM;
    }
    return rc;
}

uint64_t ot_logs_metric_generation(ot_logs *l)
{
    return atomic_load(&l->metric_generation);
}

void ot_logs_metric_free(ot_log_metric_filter *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++) {
        free(f[i].pattern);
        free(f[i].transformations);
    }
    free(f);
}
