/* api_s3.c — the embedded S3 REST API: path-style routing and S3-shaped errors.
 *
 * Requests address "/<bucket>/<key>" (path style; virtual-hosted "<bucket>.host" is not
 * supported). The operation is picked from the method, whether a key is present and the
 * subresource in the query; an unsupported subresource (?acl, ?uploads, ?tagging, ...) gets
 * NotImplemented rather than being silently treated as a plain GET or PUT. Before an operation
 * runs, the caller's account must own the bucket or be granted the operation's S3 action by the
 * bucket policy (s3_access.c); otherwise 403 AccessDenied. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/aws_error.h"
#include "api/s3_int.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"

void s3_error(s3_ctx *c, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ot_aws_xml_verror(c->resp, c->req, status, code, c->req->raw_path, fmt, ap);
    va_end(ap);
    if (c->head) { /* a HEAD response has no body: the status is all the client gets */
        ot_buf_reset(&c->resp->body);
        c->resp->content_type[0] = '\0';
    }
}

void s3_store_error(s3_ctx *c, int rc)
{
    switch (rc) {
    case OT_ENOTFOUND:
        if (c->key && ot_store_bucket_exists(c->srv->store, c->bucket) == 0)
            s3_error(c, 404, "NoSuchKey", "The specified key does not exist.");
        else
            s3_error(c, 404, "NoSuchBucket", "The specified bucket does not exist.");
        break;
    case OT_EEXIST:
        s3_error(c, 409, "KeyConflict", "The key conflicts with an existing key: this store "
                 "keeps objects as files, so an object \"a\" and a key \"a/...\" cannot both "
                 "exist.");
        break;
    case OT_ELIMIT:
        s3_error(c, 400, "KeyTooLongError", "A segment of the key between '/' is longer than "
                 "255 bytes, which this store cannot keep.");
        break;
    case OT_EINVAL:
        s3_error(c, 400, "InvalidArgument", "The request is not valid for this key.");
        break;
    default:
        ot_error("s3: store error %s on %s/%s", ot_strerror(rc), c->bucket, c->key ? c->key : "");
        s3_error(c, 500, "InternalError", "We encountered an internal error. Please try again.");
    }
}

void s3_malformed_xml(s3_ctx *c)
{
    s3_error(c, 400, "MalformedXML", "The XML you provided was not well-formed or did not "
             "validate against our published schema.");
}

bool s3_need_bucket(s3_ctx *c)
{
    int rc = ot_store_bucket_exists(c->srv->store, c->bucket);
    if (rc == 0)
        return true;
    s3_store_error(c, rc == OT_ENOTFOUND ? OT_ENOTFOUND : rc);
    return false;
}

bool s3_need_key(s3_ctx *c)
{
    if (c->key_len > S3_KEY_MAX) {
        s3_error(c, 400, "KeyTooLongError", "Your key is too long.");
        return false;
    }
    if (!ot_store_key_valid(c->key, c->key_len)) {
        s3_error(c, 400, "InvalidArgument", "Object key not supported: keys here must be valid "
                 "UTF-8 without NUL, must not start with '/' and must not contain empty, '.' "
                 "or '..' path segments.");
        return false;
    }
    return true;
}

/* Splits "/bucket/key" into c->bucket and c->key (both percent-decoded). */
static bool parse_path(s3_ctx *c)
{
    const char *p = c->req->raw_path;
    if (p[0] != '/') {
        s3_error(c, 400, "InvalidURI", "Couldn't parse the specified URI.");
        return false;
    }
    p++;
    const char *slash = strchr(p, '/');
    size_t blen = slash ? (size_t)(slash - p) : strlen(p);
    if (blen == 0)
        return true; /* service level: GET / */
    char name[256];
    if (blen >= sizeof name || ot_percent_decode(p, blen, name, sizeof name) < 0 ||
        !ot_store_bucket_name_valid(name)) {
        s3_error(c, 400, "InvalidBucketName", "The specified bucket is not valid.");
        return false;
    }
    memcpy(c->bucket, name, strlen(name) + 1);
    if (!slash || slash[1] == '\0')
        return true;
    const char *k = slash + 1;
    size_t klen = strlen(k);
    c->key = malloc(klen + 1);
    long n = c->key ? ot_percent_decode(k, klen, c->key, klen + 1) : -1;
    if (n < 0) {
        s3_error(c, 400, "InvalidURI", "Couldn't parse the specified URI.");
        return false;
    }
    c->key_len = (size_t)n;
    return true;
}

static bool has_param(const s3_ctx *c, const char *name)
{
    char v[8];
    int rc = ot_req_query(c->req, name, v, sizeof v);
    return rc == 0 || rc == OT_ELIMIT;
}

/* True if every query parameter is in allowed (or is a presigned-URL / SDK bookkeeping one);
 * otherwise sends NotImplemented naming the first unsupported one. */
static bool params_allowed(s3_ctx *c, const char *const *allowed)
{
    const char *p = c->req->raw_query;
    while (*p) {
        size_t plen = strcspn(p, "&");
        size_t klen = strcspn(p, "=&");
        char key[128];
        bool ok = klen == 0;
        if (!ok && klen < sizeof key && ot_percent_decode(p, klen, key, sizeof key) >= 0) {
            ok = strncmp(key, "X-Amz-", 6) == 0 || strcmp(key, "x-id") == 0;
            for (size_t i = 0; allowed[i] && !ok; i++)
                ok = strcmp(key, allowed[i]) == 0;
        } else if (!ok) {
            snprintf(key, sizeof key, "%.*s", (int)(klen < 100 ? klen : 100), p);
        }
        if (!ok) {
            s3_error(c, 501, "NotImplemented", "The '%s' subresource or parameter is not "
                     "implemented by this server.", key);
            return false;
        }
        p += plen;
        if (*p == '&')
            p++;
    }
    return true;
}

static const char *const list_params[] = {
    "prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type",
    "continuation-token", "start-after", "fetch-owner", NULL};
static const char *const get_params[] = {
    "response-content-type", "response-content-language", "response-expires",
    "response-cache-control", "response-content-disposition", "response-content-encoding",
    NULL};
static const char *const no_params[] = {NULL};
static const char *const location_params[] = {"location", NULL};
static const char *const delete_params[] = {"delete", NULL};
static const char *const policy_params[] = {"policy", NULL};
static const char *const pab_params[] = {"publicAccessBlock", NULL};
static const char *const buckets_params[] = {"prefix", "max-buckets", "continuation-token",
                                             "bucket-region", NULL};

/* Who may run an operation (s3_access.c). */
typedef enum {
    AUTH_ACTION,  /* the bucket's owner or policy grants the action */
    AUTH_OWNER,   /* the bucket's owner only (policy operations) */
    AUTH_NONE,    /* CreateBucket: anyone; DeleteObjects: decided per key */
} s3_auth;

/* The operation a request names: its name for the audit trail, what it needs, and its handler.
 * fn is NULL when routing already answered (an unsupported parameter, a wrong method). */
typedef struct s3_route {
    const char *name;
    void (*fn)(s3_ctx *c);
    s3_auth auth;
    const char *action;
} s3_route;

static void method_not_allowed(s3_ctx *c)
{
    s3_error(c, 405, "MethodNotAllowed",
             "The specified method is not allowed against this resource.");
}

static void list_v1(s3_ctx *c) { s3_list_objects(c, false); }
static void list_v2(s3_ctx *c) { s3_list_objects(c, true); }
static void bad_list_type(s3_ctx *c)
{
    s3_error(c, 400, "InvalidArgument", "Invalid list-type: only 2 is supported.");
}

/* Fills r if params are allowed (NotImplemented sent otherwise). */
static void pick(s3_ctx *c, s3_route *r, const char *const *params, const char *name,
                 void (*fn)(s3_ctx *c), s3_auth auth, const char *action)
{
    if (params_allowed(c, params))
        *r = (s3_route){name, fn, auth, action};
}

/* ?publicAccessBlock: the operation names are CloudTrail's event names for them. */
static void route_pab(s3_ctx *c, const char *m, s3_route *r)
{
    if (!strcmp(m, "GET"))
        pick(c, r, pab_params, "GetBucketPublicAccessBlock", s3_get_public_access_block,
             AUTH_OWNER, NULL);
    else if (!strcmp(m, "PUT"))
        pick(c, r, pab_params, "PutBucketPublicAccessBlock", s3_put_public_access_block,
             AUTH_OWNER, NULL);
    else if (!strcmp(m, "DELETE"))
        pick(c, r, pab_params, "DeleteBucketPublicAccessBlock", s3_delete_public_access_block,
             AUTH_OWNER, NULL);
    else
        method_not_allowed(c);
}

static void route_bucket(s3_ctx *c, const char *m, s3_route *r)
{
    bool policy = has_param(c, "policy");
    if (has_param(c, "publicAccessBlock")) {
        route_pab(c, m, r);
    } else if (!strcmp(m, "GET") && has_param(c, "location")) {
        pick(c, r, location_params, "GetBucketLocation", s3_get_bucket_location, AUTH_ACTION,
             "s3:GetBucketLocation");
    } else if (!strcmp(m, "GET") && policy) {
        pick(c, r, policy_params, "GetBucketPolicy", s3_get_bucket_policy, AUTH_OWNER, NULL);
    } else if (!strcmp(m, "GET")) {
        char lt[8] = "";
        ot_req_query(c->req, "list-type", lt, sizeof lt);
        bool v2 = !strcmp(lt, "2");
        pick(c, r, list_params, v2 ? "ListObjectsV2" : "ListObjects",
             lt[0] && !v2 ? bad_list_type : v2 ? list_v2 : list_v1, AUTH_ACTION, "s3:ListBucket");
    } else if (!strcmp(m, "PUT") && policy) {
        pick(c, r, policy_params, "PutBucketPolicy", s3_put_bucket_policy, AUTH_OWNER, NULL);
    } else if (!strcmp(m, "PUT")) {
        pick(c, r, no_params, "CreateBucket", s3_create_bucket, AUTH_NONE, NULL);
    } else if (!strcmp(m, "HEAD")) {
        pick(c, r, no_params, "HeadBucket", s3_head_bucket, AUTH_ACTION, "s3:ListBucket");
    } else if (!strcmp(m, "DELETE") && policy) {
        pick(c, r, policy_params, "DeleteBucketPolicy", s3_delete_bucket_policy, AUTH_OWNER,
             NULL);
    } else if (!strcmp(m, "DELETE")) {
        pick(c, r, no_params, "DeleteBucket", s3_delete_bucket, AUTH_ACTION, "s3:DeleteBucket");
    } else if (!strcmp(m, "POST") && has_param(c, "delete")) {
        pick(c, r, delete_params, "DeleteObjects", s3_delete_objects, AUTH_NONE, NULL);
    } else if (!strcmp(m, "POST")) {
        if (params_allowed(c, no_params))
            method_not_allowed(c);
    } else {
        method_not_allowed(c);
    }
}

static void not_implemented_copy(s3_ctx *c)
{
    s3_error(c, 501, "NotImplemented", "CopyObject is not implemented by this server.");
}

static void route_object(s3_ctx *c, const char *m, s3_route *r)
{
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
        pick(c, r, get_params, c->head ? "HeadObject" : "GetObject", s3_get_object, AUTH_ACTION,
             "s3:GetObject");
    } else if (!strcmp(m, "PUT") && ot_req_header(c->req, "x-amz-copy-source")) {
        if (params_allowed(c, no_params))
            not_implemented_copy(c);
    } else if (!strcmp(m, "PUT")) {
        pick(c, r, no_params, "PutObject", s3_put_object, AUTH_ACTION, "s3:PutObject");
    } else if (!strcmp(m, "DELETE")) {
        pick(c, r, no_params, "DeleteObject", s3_delete_object, AUTH_ACTION, "s3:DeleteObject");
    } else if (!strcmp(m, "POST")) {
        if (params_allowed(c, no_params)) /* ?uploads, ?restore, ?select: NotImplemented */
            method_not_allowed(c);
    } else {
        method_not_allowed(c);
    }
}

/* CloudTrail logs the subresource of a bucket configuration call as an empty parameter
 * ("policy": "", "publicAccessBlock": ""); a handler may replace this with more. */
static void audit_subresource(s3_ctx *c)
{
    const char *sub = has_param(c, "publicAccessBlock") ? "publicAccessBlock"
                      : has_param(c, "policy")          ? "policy"
                                                        : NULL;
    char obj[48];
    if (sub && !c->key && !c->resp->audit_params) {
        snprintf(obj, sizeof obj, "{\"%s\":\"\"}", sub);
        c->resp->audit_params = strdup(obj);
    }
}

/* Runs a routed operation if the caller may. */
static void run(s3_ctx *c, const s3_route *r)
{
    if (r->auth == AUTH_OWNER && !s3_is_owner(c))
        return;
    if (r->auth == AUTH_ACTION && !s3_authorize(c, r->action, c->key != NULL))
        return;
    if (r->fn == s3_put_object && s3_pab_refuses_acl(c))
        return;
    r->fn(c);
}

void ot_s3_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation)
{
    s3_ctx c = {.srv = srv, .req = req, .resp = resp, .head = !strcmp(req->method, "HEAD")};
    *operation = NULL;
    if (!srv->store) {
        s3_error(&c, 503, "ServiceUnavailable", "The object store is not open.");
        return;
    }
    if (!parse_path(&c))
        goto out;
    if (!c.bucket[0]) {
        if (strcmp(req->method, "GET"))
            method_not_allowed(&c);
        else if (params_allowed(&c, buckets_params))
            *operation = "ListBuckets", s3_list_buckets(&c);
    } else {
        s3_route r = {0};
        if (c.key)
            route_object(&c, req->method, &r);
        else
            route_bucket(&c, req->method, &r);
        *operation = r.name;
        audit_subresource(&c);
        if (r.fn)
            run(&c, &r);
    }
out:
    free(c.key);
}
