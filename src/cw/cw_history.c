/* cw_history.c — alarm history (DescribeAlarmHistory): ConfigurationUpdate, StateUpdate and
 * Action items, each with its summary and HistoryData JSON, kept until the alarm is deleted. */
#include <stdlib.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sql.h"

int cw_history_add(ot_cw *cw, const ot_cw_scope *s, const char *alarm, const char *item_type,
                   const char *summary, const char *data, int64_t ts_ms)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(cw->db,
                            "INSERT INTO history(account, region, alarm_name, item_type,"
                            " summary, data, ts_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            &st);
    if (rc)
        return rc;
    rc = cw_bind_scope(st, s) || ot_sql_bind_text(st, 3, alarm) ||
                 ot_sql_bind_text(st, 4, item_type) || ot_sql_bind_text(st, 5, summary) ||
                 ot_sql_bind_text(st, 6, data)
             ? OT_ENOMEM
             : OT_OK;
    sqlite3_bind_int64(st, 7, ts_ms);
    if (rc) {
        sqlite3_finalize(st);
        return rc;
    }
    return ot_sql_done(cw->db, st, "cw history");
}

static void read_history_row(sqlite3_stmt *st, void *row)
{
    ot_cw_history *h = row;
    h->alarm_name = cw_col_dup(st, 0);
    h->alarm_type = strdup("MetricAlarm");
    h->item_type = cw_col_dup(st, 1);
    h->summary = cw_col_dup(st, 2);
    h->data = cw_col_dup(st, 3);
    h->ts_ms = sqlite3_column_int64(st, 4);
}

/* Newest first unless oldest_first; ties (one transaction) in insertion order either way. */
static int history_sql(const ot_cw_history_query *q, ot_buf *sql)
{
    return ot_buf_printf(sql,
                         "SELECT alarm_name, item_type, summary, data, ts_ms FROM history"
                         " WHERE account=?1 AND region=?2 AND (?3 IS NULL OR alarm_name=?3)"
                         " AND (?4 IS NULL OR item_type=?4) AND ts_ms>=?5 AND ts_ms<?6"
                         " ORDER BY ts_ms %s, id %s LIMIT ?7 OFFSET ?8",
                         q->oldest_first ? "ASC" : "DESC", q->oldest_first ? "ASC" : "DESC")
               ? OT_ENOMEM
               : OT_OK;
}

static int history_bind(sqlite3_stmt *st, const ot_cw_scope *s, const ot_cw_history_query *q)
{
    int rc = cw_bind_scope(st, s) || ot_sql_bind_text(st, 3, q->alarm_name) ||
                     ot_sql_bind_text(st, 4, q->item_type)
                 ? OT_ENOMEM
                 : OT_OK;
    sqlite3_bind_int64(st, 5, q->start_ms > 0 ? q->start_ms : INT64_MIN);
    sqlite3_bind_int64(st, 6, q->end_ms > 0 ? q->end_ms : INT64_MAX);
    sqlite3_bind_int64(st, 7, q->limit > 0 ? q->limit : -1);
    sqlite3_bind_int64(st, 8, q->offset > 0 ? q->offset : 0);
    return rc;
}

int ot_cw_history_list(ot_cw *cw, const ot_cw_scope *s, const ot_cw_history_query *q,
                       ot_cw_history **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    ot_buf sql;
    ot_buf_init(&sql, 0);
    sqlite3_stmt *st = NULL;
    int rc = history_sql(q, &sql);
    pthread_mutex_lock(&cw->mu);
    if (!rc)
        rc = ot_sql_prepare(cw->db, sql.data, &st);
    if (!rc)
        rc = history_bind(st, s, q);
    if (!rc)
        rc = ot_sql_rows(cw->db, st, sizeof **out, read_history_row, "cw history",
                         (void **)out, n);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&cw->mu);
    ot_buf_free(&sql);
    return rc;
}

void ot_cw_history_free(ot_cw_history *h, size_t n)
{
    for (size_t i = 0; h && i < n; i++) {
        free(h[i].alarm_name);
        free(h[i].alarm_type);
        free(h[i].item_type);
        free(h[i].summary);
        free(h[i].data);
    }
    free(h);
}
