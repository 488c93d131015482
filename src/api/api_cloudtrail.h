/* api_cloudtrail.h — private to the CloudTrail control-plane handlers (api_cloudtrail.c,
 * api_trails.c, api_trail_status.c, api_tags.c, api_channels.c), whose request reading and
 * JSON answering the CloudWatch Logs handlers (api_logs*.c) share.
 *
 * Each handler reads the request body through the ct_* getters, which answer a wrong member
 * type with SerializationException, and writes either its result (ct_ok) or an AWS error
 * (ct_fail). Handlers return 0 after a success and -1 after an error was written. */
#ifndef OT_API_CLOUDTRAIL_H
#define OT_API_CLOUDTRAIL_H

#include <stdbool.h>

#include "api/api.h"
#include "trail/trail.h"
#include "util/json.h"
#include "util/jsonw.h"

typedef struct ct_ctx {
    ot_api *srv;
    const ot_req *req;
    ot_resp *resp;
    const char *region;   /* of the request (its credential scope) */
    const char *account;  /* of the caller */
    const char *op;       /* the operation's name (X-Amz-Target suffix) */
    bool audited;         /* the handler recorded the call itself (StopLogging) */
    ot_json in;           /* the request body, a JSON object */
    ot_jw w;              /* writes the success body into resp->body */
} ct_ctx;

typedef int (*ct_op_fn)(ct_ctx *c);

/* Runs handler fn for operation `name` of a JSON 1.1 service (CloudTrail, CloudWatch Logs):
 * parses the body into c->in, and answers SerializationException for a body that is not a
 * JSON object, or InternalFailure for a response that could not be built. */
void ct_serve(ct_ctx *c, const char *name, ct_op_fn fn);

/* The entry of ops (n entries of size bytes, each starting with its `const char *name`) that
 * the request's X-Amz-Target "<prefix><name>" names on a POST; NULL after writing
 * UnknownOperationException (api_json_target.c). */
const void *ct_op_by_target(const ot_req *req, ot_resp *resp, const char *prefix,
                            const void *ops, size_t n, size_t size);

/* Whether a CloudTrail operation only reads state (false for unknown names). */
bool ot_cloudtrail_read_only(const char *operation);

/* Writes an AWS error (HTTP 400) and returns -1. */
int ct_fail(ct_ctx *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Starts the success body: status 200 and an open JSON object the handler fills. */
void ct_ok(ct_ctx *c);

/* Member getters: 1 if present, 0 if absent or null, -1 after writing an error (wrong type:
 * SerializationException; a string with a NUL byte: InvalidParameterException). */
int ct_str(ct_ctx *c, ot_json obj, const char *key, const char **s);
int ct_bool(ct_ctx *c, ot_json obj, const char *key, bool *b);
int ct_int(ct_ctx *c, ot_json obj, const char *key, int64_t *v);
int ct_list(ct_ctx *c, ot_json obj, const char *key, ot_json *arr);
int ct_struct(ct_ctx *c, ot_json v, const char *what);  /* 0 if v is an object, else -1 */
int ct_elem_str(ct_ctx *c, ot_json v, const char *what, const char **s); /* 0 or -1 */

/* Resolves a trail name or ARN as seen from the request's region. Names resolve to the
 * current region's ARN; an ARN of another region reaches a multi-region trail's shadow.
 * for_write refuses shadows (InvalidHomeRegionException). 0, or -1 with the error written. */
int ct_trail_resolve(ct_ctx *c, const char *name_or_arn, bool for_write, ot_trail *out);
/* TrailNotFoundException, worded as AWS words it: "Unknown trail: <trail> for the user:
 * <account>", where <trail> is the name or ARN as the request gave it, except that
 * GetTrailStatus and GetEventSelectors name a trail given by name by its ARN in the request's
 * region. Returns -1. */
int ct_trail_not_found(ct_ctx *c, const char *given);
/* Whether a trail is visible in the request's region (its home, or a shadow there). */
bool ct_trail_visible(const ct_ctx *c, const ot_trail *t);
/* Required "Name" member resolved as above. */
int ct_trail_from_name(ct_ctx *c, bool for_write, ot_trail *out);

/* Parses TagsList (required or not) into tags (n entries, at most OT_TAGS_MAX_PER_RESOURCE).
 * 1 if present, 0 if absent, -1 after an error. *tags is malloc'd; free() it. */
int ct_tags_parse(ct_ctx *c, ot_json obj, const char *key, bool for_remove, ot_tag **tags,
                  size_t *n);
void ct_tags_write(ot_jw *w, const ot_tag *tags, size_t n);

/* Trail members as in Trail (full) or in CreateTrail/UpdateTrail responses. */
void ct_trail_members(ot_jw *w, const ot_trail *t, bool full);
/* Epoch-seconds timestamp member with millisecond precision. */
void ct_ktime(ot_jw *w, const char *key, int64_t ms);

int ct_create_trail(ct_ctx *c);
int ct_update_trail(ct_ctx *c);
int ct_delete_trail(ct_ctx *c);
int ct_describe_trails(ct_ctx *c);
int ct_get_trail(ct_ctx *c);
int ct_list_trails(ct_ctx *c);
int ct_start_logging(ct_ctx *c);
int ct_stop_logging(ct_ctx *c);
int ct_get_trail_status(ct_ctx *c);
int ct_add_tags(ct_ctx *c);
int ct_remove_tags(ct_ctx *c);
int ct_list_tags(ct_ctx *c);
int ct_create_channel(ct_ctx *c);
int ct_get_channel(ct_ctx *c);
int ct_list_channels(ct_ctx *c);
int ct_update_channel(ct_ctx *c);
int ct_delete_channel(ct_ctx *c);
int ct_list_public_keys(ct_ctx *c);
int ct_put_event_selectors(ct_ctx *c);
int ct_get_event_selectors(ct_ctx *c);
/* api_insights.c */
int ct_put_insight_selectors(ct_ctx *c);
int ct_get_insight_selectors(ct_ctx *c);

#endif
