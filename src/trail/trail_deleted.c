/* trail_deleted.c — the last configuration of every deleted trail, so that the trail-restore
 * runbook (src/respond/) can make a deleted trail again as it was.
 *
 *   trails_deleted(arn, deleted_ms, config)   one row per ARN, the latest deletion
 *
 * config is one JSON object in CreateTrail's member names plus what CreateTrail cannot set:
 * {"Name","HomeRegion","S3BucketName","S3KeyPrefix","SnsTopicName","KmsKeyId",
 *  "CloudWatchLogsLogGroupArn","CloudWatchLogsRoleArn","IncludeGlobalServiceEvents",
 *  "IsMultiRegionTrail","EnableLogFileValidation","IsOrganizationTrail","IsLogging",
 *  "EventSelectors" (the canonical selectors object, null for the default ones),
 *  "InsightSelectors" (array or null), "TagsList" ([{"Key","Value"}])}.
 * It is written by SQLite's JSON functions inside the transaction that deletes the trail, so
 * no deletion can go unrecorded. */
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"

#define JBOOL(col) "json(CASE " col " WHEN 0 THEN 'false' ELSE 'true' END)"

int ot_trail_deleted_schema(sqlite3 *sql)
{
    return ot_sql_exec(sql, "CREATE TABLE IF NOT EXISTS trails_deleted ("
                            " arn TEXT PRIMARY KEY, deleted_ms INTEGER NOT NULL,"
                            " config TEXT NOT NULL);");
}

int ot_trail_deleted_note(ot_trail_db *db, const char *arn, const char *now_ms)
{
    const char *params[] = {arn, now_ms};
    return ot_sql_exec_text(
        db->sql,
        "INSERT OR REPLACE INTO trails_deleted (arn, deleted_ms, config)"
        " SELECT t.arn, CAST(?2 AS INTEGER), json_object("
        "  'Name', t.name, 'HomeRegion', t.home_region, 'S3BucketName', t.bucket,"
        "  'S3KeyPrefix', t.prefix, 'SnsTopicName', t.sns_topic_name, 'KmsKeyId', t.kms_key_id,"
        "  'CloudWatchLogsLogGroupArn', t.cw_log_group_arn,"
        "  'CloudWatchLogsRoleArn', t.cw_role_arn,"
        "  'IncludeGlobalServiceEvents', " JBOOL("t.include_global") ","
        "  'IsMultiRegionTrail', " JBOOL("t.multi_region") ","
        "  'EnableLogFileValidation', " JBOOL("t.log_validation") ","
        "  'IsOrganizationTrail', " JBOOL("t.organization") ","
        "  'IsLogging', " JBOOL("t.logging") ","
        "  'EventSelectors', (SELECT json(s.json) FROM trail_selectors s"
        "                     WHERE s.id = t.selectors_id),"
        "  'InsightSelectors', json(t.insight_selectors),"
        "  'TagsList', (SELECT json_group_array(json_object('Key', g.key, 'Value', g.value))"
        "               FROM tags g WHERE g.resource_arn = t.arn))"
        " FROM trails t WHERE t.arn = ?1",
        params, 2, "keep deleted trail");
}

typedef struct config_row {
    char *config;
} config_row;

static void read_config(sqlite3_stmt *st, void *row)
{
    const unsigned char *t = sqlite3_column_text(st, 0);
    ((config_row *)row)->config = t ? strdup((const char *)t) : NULL;
}

int ot_trail_deleted_get(ot_trail_db *db, const char *arn, char **config)
{
    *config = NULL;
    config_row row = {0};
    pthread_mutex_lock(&db->mu);
    int rc = ot_sql_select_one(db->sql, "SELECT config FROM trails_deleted WHERE arn=?1", &arn,
                               1, sizeof row, read_config, "read deleted trail", &row);
    pthread_mutex_unlock(&db->mu);
    if (!rc && !row.config)
        rc = OT_ENOMEM;
    *config = row.config;
    return rc;
}
