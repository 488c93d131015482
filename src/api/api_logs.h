/* api_logs.h — private to the CloudWatch Logs handlers (api_logs*.c): AWS JSON 1.1, target
 * prefix Logs_20140328, served with the CloudTrail handlers' request reading (ct_ctx, ct_*).
 *
 * Handlers return 0 after a success and -1 after an error was written, as ct_op_fn does. */
#ifndef OT_API_LOGS_H
#define OT_API_LOGS_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api_cloudtrail.h"
#include "logs/logs.h"

/* What a name member must look like (the model's patterns). */
typedef enum {
    LG_GROUP,   /* [.\-_/#A-Za-z0-9]+ */
    LG_STREAM,  /* [^:*]*, as are filter names */
} lg_name_kind;

#define LG_DAY_MS (86400 * 1000LL)

/* The request's scope: the caller's account and region. */
ot_logs_scope lg_scope(const ct_ctx *c);

/* Reads a name member (1..512 characters of its kind). 1 if present, 0 if absent (an error when
 * required), -1 after writing InvalidParameterException. */
int lg_name(ct_ctx *c, const char *key, lg_name_kind kind, bool required, const char **out);

/* logGroupName or logGroupIdentifier (a name or an ARN of the caller's account), exactly one.
 * 0 and *name (the name part, in c's buffer), or -1 after an error. */
int lg_group_ref(ct_ctx *c, char *name, size_t cap);

/* An optional integer member within [lo, hi], *v keeps its default when absent. 0 or -1. */
int lg_int_in(ct_ctx *c, const char *key, int64_t lo, int64_t hi, int64_t *v);

/* An optional offset paging token ("nextToken"): 0 and *offset (0 when absent), or -1. */
int lg_offset_token(ct_ctx *c, int64_t *offset);
/* Writes "nextToken" when a page of `limit` left more (got > limit rows were read). */
void lg_next_offset(ct_ctx *c, int64_t offset, int limit, size_t got);

/* Answers a store error: OT_ENOTFOUND as the missing group's (or stream's, when
 * stream_missing) ResourceNotFoundException, anything else as ServiceUnavailableException.
 * Returns -1. */
int lg_store_fail(ct_ctx *c, int rc, bool stream_missing);

/* The group's ARN, with the ":*" AWS's `arn` member ends with when star. */
void lg_group_arn(const ct_ctx *c, const char *group, bool star, char *out, size_t cap);

/* ---- parsing helpers, exposed for the unit tests (api_logs_parse.c) ---- */

/* "f/<ts>/<id>" or "b/<ts>/<id>": 0 and the direction and cursor, or OT_EINVAL. */
int ot_logs_token_parse(const char *s, bool *backward, int64_t *ts, int64_t *id);
void ot_logs_token_format(char *out, size_t cap, bool backward, int64_t ts, int64_t id);
/* The describe operations' paging token "o/<offset>": 0 and *offset, or OT_EINVAL. */
int ot_logs_offset_parse(const char *s, int64_t *offset);

/* Whether retention `days` is one of the values PutRetentionPolicy accepts. */
bool ot_logs_retention_valid(int64_t days);

/* Calls fn(ctx, name, len) for each field a filter pattern names: each "$.selector" of a
 * JSON pattern, each named field of a space-delimited one (without the "$"). */
void ot_logs_pattern_fields(const char *pattern, void (*fn)(void *ctx, const char *name,
                                                            size_t len), void *ctx);

/* ---- the operations ---- */

int lg_create_log_group(ct_ctx *c);
int lg_delete_log_group(ct_ctx *c);
int lg_describe_log_groups(ct_ctx *c);
int lg_put_retention_policy(ct_ctx *c);
int lg_delete_retention_policy(ct_ctx *c);
int lg_create_log_stream(ct_ctx *c);
int lg_delete_log_stream(ct_ctx *c);
int lg_describe_log_streams(ct_ctx *c);
int lg_put_log_events(ct_ctx *c);
int lg_get_log_events(ct_ctx *c);
int lg_filter_log_events(ct_ctx *c);
int lg_put_metric_filter(ct_ctx *c);
int lg_describe_metric_filters(ct_ctx *c);
int lg_delete_metric_filter(ct_ctx *c);
int lg_test_metric_filter(ct_ctx *c);

#endif
