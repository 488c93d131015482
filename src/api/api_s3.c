/* api_s3.c — the embedded S3 REST API: path-style routing and S3-shaped errors.
 *
 * Requests address "/<bucket>/<key>" (path style; virtual-hosted "<bucket>.host" is not
 * supported). The operation is picked from the method, whether a key is present and the
 * subresource in the query; an unsupported subresource (?acl, ?uploads, ?tagging, ...) gets
 * NotImplemented rather than being silently treated as a plain GET or PUT. */
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
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ot_aws_xml_error(c->resp, c->req, status, code, c->req->raw_path, "%s", msg);
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
static const char *const buckets_params[] = {"prefix", "max-buckets", "continuation-token",
                                             "bucket-region", NULL};

static void method_not_allowed(s3_ctx *c)
{
    s3_error(c, 405, "MethodNotAllowed",
             "The specified method is not allowed against this resource.");
}

static void route_bucket(s3_ctx *c, const char *m, const char **op)
{
    if (!strcmp(m, "GET") && has_param(c, "location")) {
        if (params_allowed(c, location_params))
            *op = "GetBucketLocation", s3_get_bucket_location(c);
    } else if (!strcmp(m, "GET")) {
        char lt[8] = "";
        ot_req_query(c->req, "list-type", lt, sizeof lt);
        bool v2 = !strcmp(lt, "2");
        if (!params_allowed(c, list_params))
            return;
        *op = v2 ? "ListObjectsV2" : "ListObjects";
        if (lt[0] && !v2)
            s3_error(c, 400, "InvalidArgument", "Invalid list-type: only 2 is supported.");
        else
            s3_list_objects(c, v2);
    } else if (!strcmp(m, "PUT")) {
        if (params_allowed(c, no_params))
            *op = "CreateBucket", s3_create_bucket(c);
    } else if (!strcmp(m, "HEAD")) {
        if (params_allowed(c, no_params))
            *op = "HeadBucket", s3_head_bucket(c);
    } else if (!strcmp(m, "DELETE")) {
        if (params_allowed(c, no_params))
            *op = "DeleteBucket", s3_delete_bucket(c);
    } else if (!strcmp(m, "POST") && has_param(c, "delete")) {
        if (params_allowed(c, delete_params))
            *op = "DeleteObjects", s3_delete_objects(c);
    } else if (!strcmp(m, "POST")) {
        if (params_allowed(c, no_params))
            method_not_allowed(c);
    } else {
        method_not_allowed(c);
    }
}

static void route_object(s3_ctx *c, const char *m, const char **op)
{
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
        if (params_allowed(c, get_params))
            *op = c->head ? "HeadObject" : "GetObject", s3_get_object(c);
    } else if (!strcmp(m, "PUT")) {
        if (!params_allowed(c, no_params))
            return;
        if (ot_req_header(c->req, "x-amz-copy-source"))
            s3_error(c, 501, "NotImplemented", "CopyObject is not implemented by this server.");
        else
            *op = "PutObject", s3_put_object(c);
    } else if (!strcmp(m, "DELETE")) {
        if (params_allowed(c, no_params))
            *op = "DeleteObject", s3_delete_object(c);
    } else if (!strcmp(m, "POST")) {
        if (params_allowed(c, no_params)) /* ?uploads, ?restore, ?select: NotImplemented */
            method_not_allowed(c);
    } else {
        method_not_allowed(c);
    }
}

void ot_s3_handle(ot_server *srv, const ot_req *req, ot_resp *resp, const char **operation)
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
    } else if (!c.key) {
        route_bucket(&c, req->method, operation);
    } else {
        route_object(&c, req->method, operation);
    }
out:
    free(c.key);
}
