/* insights_series.c — the per-minute counts of insights.db read back as a metric, for
 * ListInsightsMetricData. The API opens the file read-only for each call (the reader thread
 * owns the writing connection; WAL mode lets both go on at once). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "insights/insights.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"

/* Per minute the largest count among the matching series (one per trail), then summed per
 * bucket. The trail owner is the account: an ARN arn:<partition>:cloudtrail:<region>:<account>:
 * trail/<name>. */
static const char SERIES_SQL[] =
    "SELECT (minute / ?10) * ?10 AS bucket, sum(calls) FROM ("
    " SELECT c.minute AS minute, max(c.n) AS calls FROM series s JOIN counts c ON c.series=s.id"
    " WHERE s.type=?1 AND s.account=?2 AND s.region=?3 AND s.source=?4 AND s.name=?5"
    " AND s.error=?6 AND s.trail LIKE '%:' || ?2 || ':trail/%' AND (?7 IS NULL OR s.trail=?7)"
    " AND c.minute>=?8 AND c.minute<?9 AND c.n>0 GROUP BY c.minute)"
    " GROUP BY bucket ORDER BY bucket LIMIT ?11";

static void read_point(sqlite3_stmt *st, void *row)
{
    ot_insights_point *p = row;
    p->minute = sqlite3_column_int64(st, 0);
    p->calls = (uint64_t)sqlite3_column_int64(st, 1);
}

static int bind_query(sqlite3_stmt *st, const ot_insights_query *q, size_t max)
{
    const char *text[] = {q->account, q->region, q->source, q->name, q->error, q->trail};
    const int at[] = {2, 3, 4, 5, 6, 7};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        if (text[i] && ot_sql_bind_text(st, at[i], text[i]))
            return OT_ENOMEM;
    sqlite3_bind_int(st, 1, (int)q->type);
    sqlite3_bind_int64(st, 8, q->from_minute);
    sqlite3_bind_int64(st, 9, q->to_minute);
    sqlite3_bind_int64(st, 10, q->period_min);
    sqlite3_bind_int64(st, 11, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    return OT_OK;
}

int ot_insights_series_read(const char *path, const ot_insights_query *q, size_t max,
                            ot_insights_point **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (q->period_min < 1 || !max || access(path, F_OK) != 0)
        return OT_OK; /* no Insights counted yet: no data */
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        ot_error("insights: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return OT_EIO;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st = NULL;
    int rc = ot_sql_prepare(db, SERIES_SQL, &st);
    if (!rc)
        rc = bind_query(st, q, max);
    if (!rc)
        rc = ot_sql_rows(db, st, sizeof **out, read_point, "read an insights series",
                         (void **)out, n);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
