/* trail_notify.c — the outcome of a trail's SNS notifications (GetTrailStatus
 * LatestNotification*), in a table of their own beside the trails, keyed by trail ARN. */
#include <stdio.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"

int ot_trail_notify_schema(sqlite3 *sql)
{
    return ot_sql_exec(sql, "CREATE TABLE IF NOT EXISTS trail_notifications ("
                            " trail_arn TEXT PRIMARY KEY, latest_ms INTEGER NOT NULL DEFAULT 0,"
                            " attempt_ms INTEGER NOT NULL DEFAULT 0,"
                            " error TEXT NOT NULL DEFAULT '');");
}

/* A success sets both times and clears the error; a failure sets the attempt and the error. */
static const char NOTE_SQL[] =
    "INSERT INTO trail_notifications (trail_arn, latest_ms, attempt_ms, error)"
    " VALUES (?1, CASE WHEN ?3 IS NULL THEN ?2 ELSE 0 END, ?2, COALESCE(?3, ''))"
    " ON CONFLICT (trail_arn) DO UPDATE SET attempt_ms=excluded.attempt_ms,"
    " latest_ms=CASE WHEN ?3 IS NULL THEN excluded.attempt_ms ELSE latest_ms END,"
    " error=excluded.error";

int ot_trail_note_notification(ot_trail_db *db, const char *trail_arn, int64_t attempt_ms,
                               const char *error)
{
    char ms[24];
    snprintf(ms, sizeof ms, "%lld", (long long)attempt_ms);
    const char *params[] = {trail_arn, ms, error};
    pthread_mutex_lock(&db->mu);
    int rc = ot_sql_exec_text(db->sql, NOTE_SQL, params, 3, "note notification");
    pthread_mutex_unlock(&db->mu);
    return rc;
}

static void read_note(sqlite3_stmt *st, void *row)
{
    ot_trail_notification *n = row;
    n->latest_ms = sqlite3_column_int64(st, 0);
    n->attempt_ms = sqlite3_column_int64(st, 1);
    ot_sql_col_text(st, 2, n->error, sizeof n->error);
}

int ot_trail_notification_get(ot_trail_db *db, const char *trail_arn, ot_trail_notification *out)
{
    const char *params[] = {trail_arn};
    pthread_mutex_lock(&db->mu);
    int rc = ot_sql_select_one(db->sql, "SELECT latest_ms, attempt_ms, error FROM"
                               " trail_notifications WHERE trail_arn=?1", params, 1,
                               sizeof *out, read_note, "read notification", out);
    pthread_mutex_unlock(&db->mu);
    if (rc == OT_ENOTFOUND) {
        memset(out, 0, sizeof *out);
        rc = OT_OK;
    }
    return rc;
}
