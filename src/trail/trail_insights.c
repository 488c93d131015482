/* trail_insights.c — a trail's Insights selectors in state.db.
 *
 *   trails.insight_selectors   the canonical InsightSelectors JSON array, NULL = Insights off
 *   trails.has_insight_selectors   kept in step with it (DescribeTrails, GetTrailStatus)
 *
 * The column lives on the trail's row, so deleting the trail deletes its selectors and a
 * trail created again under the same name starts without Insights, as on AWS. */
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"

int ot_trail_insights_schema(sqlite3 *sql)
{
    int has = ot_sql_has_column(sql, "trails", "insight_selectors");
    if (has < 0)
        return has;
    return has ? OT_OK : ot_sql_exec(sql, "ALTER TABLE trails ADD COLUMN insight_selectors TEXT");
}

static int store(ot_trail_db *db, const char *arn, const char *json)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "UPDATE trails SET insight_selectors=?2, has_insight_selectors=?3"
                            " WHERE arn=?1",
                            &st);
    if (rc)
        return rc;
    ot_sql_bind_text(st, 1, arn);
    ot_sql_bind_text(st, 2, json);
    sqlite3_bind_int(st, 3, json != NULL);
    rc = ot_sql_done(db->sql, st, "store insight selectors");
    return rc ? rc : sqlite3_changes(db->sql) ? OT_OK : OT_ENOTFOUND;
}

int ot_trail_insights_put(ot_trail_db *db, const char *trail_arn, const char *json)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : store(db, trail_arn, json));
}

int ot_trail_insights_get(ot_trail_db *db, const char *trail_arn, char **json)
{
    *json = NULL;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql, "SELECT insight_selectors FROM trails WHERE arn=?1", &st);
    if (!rc) {
        ot_sql_bind_text(st, 1, trail_arn);
        rc = ot_sql_step(db->sql, st, "read insight selectors");
        const unsigned char *text = rc == 1 ? sqlite3_column_text(st, 0) : NULL;
        if (text)
            rc = (*json = strdup((const char *)text)) ? OT_OK : OT_ENOMEM;
        else if (rc >= 0)
            rc = OT_ENOTFOUND; /* no such trail, or Insights off */
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}
