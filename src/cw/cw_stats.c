/* cw_stats.c — GetMetricStatistics: the stored statistic sets of one metric merged into periods
 * aligned to the query's start (SQLite groups them; one row per period that has data). */
#include <stdlib.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/err.h"
#include "util/sql.h"

/* The period of a row is k = (ts - start) / period: an integer division, ts >= start. */
static const char STATS_SQL[] =
    "SELECT (ts_ms - ?2) / ?4 AS k, SUM(count), SUM(sum), MIN(min), MAX(max), MAX(unit)"
    " FROM datapoints WHERE metric_id=?1 AND ts_ms>=?2 AND ts_ms<?3"
    " AND (?5 IS NULL OR unit=?5) GROUP BY k ORDER BY k";

typedef struct stats_ctx {
    int64_t start_ms, period_ms;
} stats_ctx;

static _Thread_local stats_ctx tl_ctx; /* read_row has no context argument */

static void read_stats_row(sqlite3_stmt *st, void *row)
{
    ot_cw_stats *r = row;
    r->ts_ms = tl_ctx.start_ms + sqlite3_column_int64(st, 0) * tl_ctx.period_ms;
    r->count = sqlite3_column_double(st, 1);
    r->sum = sqlite3_column_double(st, 2);
    r->min = sqlite3_column_double(st, 3);
    r->max = sqlite3_column_double(st, 4);
    ot_sql_col_text(st, 5, r->unit, sizeof r->unit);
}

int cw_statistics_locked(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m,
                         int64_t start_ms, int64_t end_ms, int period_s, const char *unit,
                         ot_cw_stats **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (period_s <= 0 || end_ms < start_ms)
        return OT_EINVAL;
    int64_t id;
    int rc = cw_metric_id(cw, s, m, &id);
    if (rc == OT_ENOTFOUND)
        return OT_OK; /* no data is an empty answer, as CloudWatch gives */
    if (rc)
        return rc;
    sqlite3_stmt *st;
    rc = ot_sql_prepare(cw->db, STATS_SQL, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, start_ms);
    sqlite3_bind_int64(st, 3, end_ms);
    sqlite3_bind_int64(st, 4, period_s * 1000LL);
    rc = ot_sql_bind_text(st, 5, unit);
    tl_ctx = (stats_ctx){start_ms, period_s * 1000LL};
    if (!rc)
        rc = ot_sql_rows(cw->db, st, sizeof **out, read_stats_row, "cw statistics",
                         (void **)out, n);
    sqlite3_finalize(st);
    return rc;
}

int ot_cw_statistics(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m, int64_t start_ms,
                     int64_t end_ms, int period_s, const char *unit, ot_cw_stats **out,
                     size_t *n)
{
    pthread_mutex_lock(&cw->mu);
    int rc = cw_statistics_locked(cw, s, m, start_ms, end_ms, period_s, unit, out, n);
    pthread_mutex_unlock(&cw->mu);
    return rc;
}

int cw_stat_value(const ot_cw_stats *st, const char *statistic, double *v)
{
    if (!strcmp(statistic, "Sum"))
        *v = st->sum;
    else if (!strcmp(statistic, "SampleCount"))
        *v = st->count;
    else if (!strcmp(statistic, "Minimum"))
        *v = st->min;
    else if (!strcmp(statistic, "Maximum"))
        *v = st->max;
    else if (!strcmp(statistic, "Average"))
        *v = st->count > 0 ? st->sum / st->count : 0;
    else
        return OT_EINVAL;
    return OT_OK;
}
