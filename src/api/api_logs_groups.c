/* api_logs_groups.c — log groups, their retention policies and their streams:
 * Create/Delete/DescribeLogGroups, Put/DeleteRetentionPolicy, Create/Delete/DescribeLogStreams. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_logs.h"
#include "util/err.h"
#include "util/timeutil.h"

#define DESCRIBE_LIMIT 50

int lg_create_log_group(ct_ctx *c)
{
    const char *name;
    if (lg_name(c, "logGroupName", LG_GROUP, true, &name) < 0)
        return -1;
    ot_logs_scope s = lg_scope(c);
    int rc = ot_logs_group_create(c->srv->logs, &s, name, ot_now_ms());
    if (rc == OT_EEXIST)
        return ct_fail(c, "ResourceAlreadyExistsException",
                       "The specified log group already exists");
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    return 0;
}

int lg_delete_log_group(ct_ctx *c)
{
    const char *name;
    if (lg_name(c, "logGroupName", LG_GROUP, true, &name) < 0)
        return -1;
    ot_logs_scope s = lg_scope(c);
    int rc = ot_logs_group_delete(c->srv->logs, &s, name);
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    return 0;
}

/* brief: only the members AWS shows when logGroupNamePattern was given. */
static void write_group(ct_ctx *c, const ot_log_group *g, bool brief)
{
    char arn[700];
    ot_jw *w = &c->w;
    ot_jw_obj(w);
    ot_jw_kstr(w, "logGroupName", g->name);
    ot_jw_kint(w, "creationTime", g->created_ms);
    lg_group_arn(c, g->name, true, arn, sizeof arn);
    ot_jw_kstr(w, "arn", arn);
    if (brief) {
        ot_jw_end(w);
        return;
    }
    if (g->retention_days > 0) {
        ot_jw_kint(w, "retentionInDays", g->retention_days);
    }
    ot_jw_kint(w, "metricFilterCount", g->metric_filters);
    ot_jw_kint(w, "storedBytes", g->stored_bytes);
    ot_jw_kstr(w, "logGroupClass", "STANDARD");
    lg_group_arn(c, g->name, false, arn, sizeof arn);
    ot_jw_kstr(w, "logGroupArn", arn);
    ot_jw_end(w);
}

int lg_describe_log_groups(ct_ctx *c)
{
    const char *prefix = NULL, *pattern = NULL;
    int64_t limit = DESCRIBE_LIMIT, offset;
    if (ct_str(c, c->in, "logGroupNamePrefix", &prefix) < 0 ||
        ct_str(c, c->in, "logGroupNamePattern", &pattern) < 0 ||
        lg_int_in(c, "limit", 1, DESCRIBE_LIMIT, &limit) < 0 || lg_offset_token(c, &offset) < 0)
        return -1;
    if (prefix && pattern)
        return ct_fail(c, "InvalidParameterException",
                       "LogGroup name prefix and LogGroup name pattern are mutually exclusive "
                       "parameters.");
    ot_logs_scope s = lg_scope(c);
    ot_log_group *groups = NULL;
    size_t n = 0;
    int rc = ot_logs_group_list(c->srv->logs, &s, prefix, pattern && *pattern ? pattern : NULL,
                                offset, (int)limit + 1, &groups, &n);
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    ot_jw_key(&c->w, "logGroups");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        write_group(c, &groups[i], pattern != NULL);
    ot_jw_end(&c->w);
    lg_next_offset(c, offset, (int)limit, n);
    free(groups);
    return 0;
}

static int set_retention(ct_ctx *c, bool put)
{
    const char *name;
    int64_t days = 0;
    if (lg_name(c, "logGroupName", LG_GROUP, true, &name) < 0)
        return -1;
    if (put) {
        int has = ct_int(c, c->in, "retentionInDays", &days);
        if (has < 0)
            return -1;
        if (has == 0 || !ot_logs_retention_valid(days))
            return ct_fail(c, "InvalidParameterException",
                           "1 validation error detected: Value '%" PRId64 "' at "
                           "'retentionInDays' failed to satisfy constraint: Member must satisfy "
                           "enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, "
                           "545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", days);
    }
    ot_logs_scope s = lg_scope(c);
    int rc = ot_logs_retention_set(c->srv->logs, &s, name, (int)days);
    if (rc)
        return lg_store_fail(c, rc, false);
    /* Enforced at once, not only at the next periodic sweep. */
    if (put && (rc = ot_logs_sweep(c->srv->logs, ot_now_ms(), NULL)))
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    return 0;
}

int lg_put_retention_policy(ct_ctx *c) { return set_retention(c, true); }
int lg_delete_retention_policy(ct_ctx *c) { return set_retention(c, false); }

/* Reads logGroupName and logStreamName, both required. 0 or -1. */
static int group_and_stream(ct_ctx *c, const char **group, const char **stream)
{
    if (lg_name(c, "logGroupName", LG_GROUP, true, group) < 0 ||
        lg_name(c, "logStreamName", LG_STREAM, true, stream) < 0)
        return -1;
    return 0;
}

int lg_create_log_stream(ct_ctx *c)
{
    const char *group, *stream;
    if (group_and_stream(c, &group, &stream) < 0)
        return -1;
    ot_logs_scope s = lg_scope(c);
    int rc = ot_logs_stream_create(c->srv->logs, &s, group, stream, ot_now_ms());
    if (rc == OT_EEXIST)
        return ct_fail(c, "ResourceAlreadyExistsException",
                       "The specified log stream already exists");
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    return 0;
}

int lg_delete_log_stream(ct_ctx *c)
{
    const char *group, *stream;
    if (group_and_stream(c, &group, &stream) < 0)
        return -1;
    ot_logs_scope s = lg_scope(c);
    bool stream_missing;
    int rc = ot_logs_stream_delete(c->srv->logs, &s, group, stream, &stream_missing);
    if (rc)
        return lg_store_fail(c, rc, stream_missing);
    ct_ok(c);
    return 0;
}

static void write_stream(ct_ctx *c, const char *group, const ot_log_stream *r)
{
    char arn[1200];
    ot_jw *w = &c->w;
    ot_jw_obj(w);
    ot_jw_kstr(w, "logStreamName", r->name);
    ot_jw_kint(w, "creationTime", r->created_ms);
    if (r->last_ingest_ms) {
        ot_jw_kint(w, "firstEventTimestamp", r->first_event_ms);
        ot_jw_kint(w, "lastEventTimestamp", r->last_event_ms);
        ot_jw_kint(w, "lastIngestionTime", r->last_ingest_ms);
    }
    lg_group_arn(c, group, false, arn, sizeof arn);
    size_t len = strlen(arn);
    snprintf(arn + len, sizeof arn - len, ":log-stream:%s", r->name);
    ot_jw_kstr(w, "arn", arn);
    ot_jw_kint(w, "storedBytes", r->stored_bytes);
    ot_jw_end(w);
}

/* orderBy: 0 and *by_last_event, or -1 for a value outside the enum. */
static int order_by(ct_ctx *c, bool *by_last_event)
{
    const char *order = NULL;
    *by_last_event = false;
    if (ct_str(c, c->in, "orderBy", &order) < 0)
        return -1;
    if (order && strcmp(order, "LogStreamName") && strcmp(order, "LastEventTime"))
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value '%.64s' at 'orderBy' failed to "
                       "satisfy constraint: Member must satisfy enum value set: "
                       "[LogStreamName, LastEventTime]", order);
    *by_last_event = order && !strcmp(order, "LastEventTime");
    return 0;
}

int lg_describe_log_streams(ct_ctx *c)
{
    char group[OT_LOGS_NAME_MAX + 1];
    int64_t limit = DESCRIBE_LIMIT;
    ot_logs_stream_query q = {0};
    if (lg_group_ref(c, group, sizeof group) < 0 ||
        lg_name(c, "logStreamNamePrefix", LG_STREAM, false, &q.prefix) < 0 ||
        order_by(c, &q.by_last_event) < 0 || ct_bool(c, c->in, "descending", &q.descending) < 0 ||
        lg_int_in(c, "limit", 1, DESCRIBE_LIMIT, &limit) < 0 || lg_offset_token(c, &q.offset) < 0)
        return -1;
    if (q.by_last_event && q.prefix)
        return ct_fail(c, "InvalidParameterException",
                       "Cannot order by LastEventTime with a logStreamNamePrefix.");
    q.limit = (int)limit + 1;
    ot_logs_scope s = lg_scope(c);
    ot_log_stream *streams = NULL;
    size_t n = 0;
    int rc = ot_logs_stream_list(c->srv->logs, &s, group, &q, &streams, &n);
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    ot_jw_key(&c->w, "logStreams");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        write_stream(c, group, &streams[i]);
    ot_jw_end(&c->w);
    lg_next_offset(c, q.offset, (int)limit, n);
    free(streams);
    return 0;
}
