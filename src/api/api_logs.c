/* api_logs.c — the CloudWatch Logs API (AWS JSON 1.1, target prefix Logs_20140328): one table
 * of operations keyed by the X-Amz-Target suffix, and the member checks its handlers share.
 *
 * Every group, stream and filter belongs to the caller's account and the request's region, so
 * another account's resources answer exactly as missing ones do. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api_logs.h"
#include "api/aws_error.h"
#include "util/err.h"

#define LG_TARGET_PREFIX "Logs_20140328."

typedef struct lg_op {
    const char *name;
    ct_op_fn fn;
    bool event_data; /* reads or writes log events: not recorded as a management event */
} lg_op;

static const lg_op OPS[] = {
    {"CreateLogGroup", lg_create_log_group, false},
    {"DeleteLogGroup", lg_delete_log_group, false},
    {"DescribeLogGroups", lg_describe_log_groups, false},
    {"PutRetentionPolicy", lg_put_retention_policy, false},
    {"DeleteRetentionPolicy", lg_delete_retention_policy, false},
    {"CreateLogStream", lg_create_log_stream, false},
    {"DeleteLogStream", lg_delete_log_stream, false},
    {"DescribeLogStreams", lg_describe_log_streams, false},
    {"PutLogEvents", lg_put_log_events, true},
    {"GetLogEvents", lg_get_log_events, true},
    {"FilterLogEvents", lg_filter_log_events, true},
    {"PutMetricFilter", lg_put_metric_filter, false},
    {"DescribeMetricFilters", lg_describe_metric_filters, false},
    {"DeleteMetricFilter", lg_delete_metric_filter, false},
    {"TestMetricFilter", lg_test_metric_filter, false},
};

void ot_logs_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation)
{
    *operation = NULL;
    const lg_op *op = ct_op_by_target(req, resp, LG_TARGET_PREFIX, OPS, sizeof OPS / sizeof *OPS,
                                      sizeof *OPS);
    if (!op)
        return;
    if (!srv->logs) {
        ot_aws_json_error(resp, 503, "ServiceUnavailableException",
                          "The CloudWatch Logs store is not open.");
        return;
    }
    ct_ctx c = {.srv = srv, .req = req, .resp = resp, .region = req->region,
                .account = req->principal.account_id};
    *operation = op->name;
    ct_serve(&c, op->name, op->fn);
    /* CloudTrail does not record the log-event calls as management events; recording them
     * would also feed a trail that streams into a log group its own writes. */
    resp->skip_audit = op->event_data;
}

ot_logs_scope lg_scope(const ct_ctx *c)
{
    return (ot_logs_scope){.account = c->account, .region = c->region};
}

static bool name_char_ok(lg_name_kind kind, char ch)
{
    if (kind == LG_STREAM)
        return ch != ':' && ch != '*';
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           strchr(".-_/#", ch) != NULL;
}

/* AWS's validation message for a value outside the model's constraints. */
static int invalid(ct_ctx *c, const char *key, const char *value, const char *constraint)
{
    return ct_fail(c, "InvalidParameterException",
                   "1 validation error detected: Value '%.512s' at '%s' failed to satisfy "
                   "constraint: %s", value, key, constraint);
}

int lg_name(ct_ctx *c, const char *key, lg_name_kind kind, bool required, const char **out)
{
    *out = NULL;
    int rc = ct_str(c, c->in, key, out);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (required)
            return ct_fail(c, "InvalidParameterException",
                           "1 validation error detected: Value null at '%s' failed to satisfy "
                           "constraint: Member must not be null", key);
        return 0;
    }
    size_t len = strlen(*out);
    if (len < 1 || len > OT_LOGS_NAME_MAX)
        return invalid(c, key, *out, "Member must have length between 1 and 512");
    for (size_t i = 0; i < len; i++)
        if (!name_char_ok(kind, (*out)[i]))
            return invalid(c, key, *out,
                           kind == LG_GROUP
                               ? "Member must satisfy regular expression pattern: "
                                 "[\\.\\-_/#A-Za-z0-9]+"
                               : "Member must satisfy regular expression pattern: [^:*]*");
    return 1;
}

/* The group name inside an ARN arn:aws:logs:<region>:<account>:log-group:<name>[:*] of the
 * caller's account and region; NULL for any other ARN. */
static const char *arn_group(const ct_ctx *c, const char *arn, size_t *len)
{
    char head[160];
    snprintf(head, sizeof head, "arn:aws:logs:%s:%s:log-group:", c->region, c->account);
    if (strncmp(arn, head, strlen(head)))
        return NULL;
    const char *name = arn + strlen(head);
    *len = strlen(name);
    if (*len >= 2 && !strcmp(name + *len - 2, ":*"))
        *len -= 2;
    return name;
}

int lg_group_ref(ct_ctx *c, char *name, size_t cap)
{
    const char *byname, *ident = NULL;
    int has = lg_name(c, "logGroupName", LG_GROUP, false, &byname);
    if (has < 0 || ct_str(c, c->in, "logGroupIdentifier", &ident) < 0)
        return -1;
    if ((has > 0) == (ident != NULL))
        return ct_fail(c, "InvalidParameterException",
                       "Exactly one of logGroupName or logGroupIdentifier must be specified.");
    if (byname) {
        snprintf(name, cap, "%s", byname);
        return 0;
    }
    size_t len = strlen(ident);
    const char *inarn = strncmp(ident, "arn:", 4) ? ident : arn_group(c, ident, &len);
    if (!inarn || len == 0 || len >= cap)
        return ct_fail(c, "ResourceNotFoundException", "The specified log group does not exist.");
    memcpy(name, inarn, len);
    name[len] = '\0';
    return 0;
}

int lg_int_in(ct_ctx *c, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
    int64_t got;
    int rc = ct_int(c, c->in, key, &got);
    if (rc <= 0)
        return rc;
    if (got < lo || got > hi) {
        char value[32];
        snprintf(value, sizeof value, "%" PRId64, got);
        char why[96];
        snprintf(why, sizeof why, "Member must have value between %" PRId64 " and %" PRId64,
                 lo, hi);
        return invalid(c, key, value, why);
    }
    *v = got;
    return 0;
}

int lg_offset_token(ct_ctx *c, int64_t *offset)
{
    const char *tok = NULL;
    *offset = 0;
    if (ct_str(c, c->in, "nextToken", &tok) < 0)
        return -1;
    if (!tok)
        return 0;
    if (ot_logs_offset_parse(tok, offset))
        return ct_fail(c, "InvalidParameterException", "The specified nextToken is invalid.");
    return 0;
}

void lg_next_offset(ct_ctx *c, int64_t offset, int limit, size_t got)
{
    if (got <= (size_t)limit)
        return;
    char tok[40];
    snprintf(tok, sizeof tok, "o/%" PRId64, offset + limit);
    ot_jw_kstr(&c->w, "nextToken", tok);
}

int lg_store_fail(ct_ctx *c, int rc, bool stream_missing)
{
    if (rc == OT_ENOTFOUND)
        return ct_fail(c, "ResourceNotFoundException", stream_missing
                                                           ? "The specified log stream does not exist."
                                                           : "The specified log group does not exist.");
    return ct_fail(c, "ServiceUnavailableException", "The logs store failed: %s.",
                   ot_strerror(rc));
}

void lg_group_arn(const ct_ctx *c, const char *group, bool star, char *out, size_t cap)
{
    snprintf(out, cap, "arn:aws:logs:%s:%s:log-group:%s%s", c->region, c->account, group,
             star ? ":*" : "");
}
