/* audit.c — build the CloudTrail record of one of our own API calls.
 *
 * cloudtrail.amazonaws.com calls are management events; requestParameters is the request body
 * and responseElements the response body (write calls only, as AWS does), both with member names
 * in lower camel case as CloudTrail writes them (Name -> name, S3BucketName -> s3BucketName).
 * S3 object operations are data events with bucketName/key parameters and S3 resources.
 * sts.amazonaws.com GetCallerIdentity is a read-only management event whose form-encoded
 * request leaves requestParameters null, as CloudTrail records it. */
#include "api/audit.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "event/event.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"
#include "wal/wal.h"

#define AUDIT_PARAMS_MAX (100 * 1024) /* CloudTrail caps requestParameters at 100 KB */

OT_COUNTER(m_recorded, "opentrail_audit_events_recorded_total",
           "Events recorded for calls to opentrail's own APIs (management and S3 data events).");

static bool op_read_only(const char *service, const char *op)
{
    static const char *prefixes[] = {"Get", "Describe", "List", "Lookup", "Head"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(op, prefixes[i], strlen(prefixes[i])))
            return true;
    /* EventBridge's TestEventPattern changes nothing: CloudTrail records it read-only. */
    return !strcmp(service, "events") && !strcmp(op, "TestEventPattern");
}

/* S3 calls on buckets are management events; calls on objects are data events. */
static bool s3_op_is_management(const char *op)
{
    static const char *ops[] = {"ListBuckets",        "CreateBucket",
                                "DeleteBucket",       "HeadBucket",
                                "GetBucketLocation",  "PutBucketPolicy",
                                "GetBucketPolicy",    "DeleteBucketPolicy",
                                "PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock",
                                "DeleteBucketPublicAccessBlock"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(op, ops[i]))
            return true;
    return false;
}

/* Writes a member with its key in lower camel case (Name -> name), its value likewise. */
static bool camel_member(ot_jw *w, const char *k, size_t kl, ot_json v, void *ctx)
{
    char key[256];
    ot_jw_key_copy(k, kl, key, sizeof key);
    key[0] = (char)tolower((unsigned char)key[0]);
    ot_jw_key(w, key);
    ot_jw_json(w, v, camel_member, ctx);
    return true;
}

/* Writes body (JSON text) camel-cased, or null if it is empty, not an object or too big. */
static void write_json_member(ot_jw *w, const char *key, const char *body, size_t len)
{
    ot_jw_key(w, key);
    if (!body || !len || len > AUDIT_PARAMS_MAX) {
        ot_jw_null(w);
        return;
    }
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    if (doc && ot_json_parse(doc, body, len, false, &root, NULL, 0) == OT_OK &&
        ot_json_typeof(root) == OT_JSON_OBJECT && ot_json_count(root) > 0)
        ot_jw_json(w, root, camel_member, NULL);
    else
        ot_jw_null(w);
    ot_json_doc_free(doc);
}

static void write_identity(ot_jw *w, const ot_principal *p)
{
    ot_jw_key(w, "userIdentity");
    ot_jw_obj(w);
    ot_jw_kstr(w, "type", p->type);
    ot_jw_kstr(w, "principalId", p->principal_id);
    ot_jw_kstr(w, "arn", p->arn);
    ot_jw_kstr(w, "accountId", p->account_id);
    ot_jw_kstr(w, "accessKeyId", p->access_key_id);
    if (p->user_name[0])
        ot_jw_kstr(w, "userName", p->user_name);
    ot_jw_end(w);
}

/* The bucket and key of a path-style S3 request, percent-decoded. */
static void s3_target(const ot_req *req, char *bucket, size_t bcap, char *key, size_t kcap)
{
    const char *p = req->raw_path[0] == '/' ? req->raw_path + 1 : req->raw_path;
    const char *slash = strchr(p, '/');
    size_t blen = slash ? (size_t)(slash - p) : strlen(p);
    if (ot_percent_decode(p, blen, bucket, bcap) < 0)
        bucket[0] = '\0';
    key[0] = '\0';
    if (slash && ot_percent_decode(slash + 1, strlen(slash + 1), key, kcap) < 0)
        key[0] = '\0';
}

/* The members of a JSON object (text), written as they are into the object being written: the
 * S3 handlers' additions to requestParameters (a bucket policy keeps its own key names). */
static void write_members(ot_jw *w, const char *obj)
{
    ot_json_doc *doc = obj ? ot_json_doc_new() : NULL;
    ot_json root, v;
    ot_json_iter it;
    const char *k;
    size_t kl;
    if (doc && ot_json_parse(doc, obj, strlen(obj), false, &root, NULL, 0) == OT_OK &&
        ot_json_object_iter(root, &it) == OT_OK) {
        while (ot_json_object_next(&it, &k, &kl, &v)) {
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)kl, k);
            ot_jw_key(w, key);
            ot_jw_begin_value(w);
            ot_json_write(v, w->b);
        }
    }
    ot_json_doc_free(doc);
}

static void write_s3_parts(ot_jw *w, const ot_req *req, const ot_resp *resp, bool data_event)
{
    char bucket[256], key[1100];
    s3_target(req, bucket, sizeof bucket, key, sizeof key);
    const char *host = ot_req_header(req, "host");
    ot_jw_key(w, "requestParameters");
    ot_jw_obj(w);
    if (bucket[0])
        ot_jw_kstr(w, "bucketName", bucket);
    ot_jw_kstr(w, "Host", host ? host : "");
    if (key[0])
        ot_jw_kstr(w, "key", key);
    write_members(w, resp->audit_params);
    ot_jw_end(w);
    ot_jw_key(w, "responseElements");
    ot_jw_null(w);
    ot_jw_key(w, "additionalEventData");
    ot_jw_obj(w);
    ot_jw_kint(w, "bytesTransferredIn", (int64_t)req->body_len);
    ot_jw_kint(w, "bytesTransferredOut",
               (int64_t)(resp->file_fd >= 0 ? resp->file_len : resp->body.len));
    ot_jw_end(w);
}

static void write_s3_resources(ot_jw *w, const ot_req *req, bool data_event)
{
    char bucket[256], key[1100];
    s3_target(req, bucket, sizeof bucket, key, sizeof key);
    if (!bucket[0])
        return;
    char arn[1400];
    ot_jw_key(w, "resources");
    ot_jw_arr(w);
    if (data_event && key[0]) {
        snprintf(arn, sizeof arn, "arn:aws:s3:::%s/%s", bucket, key);
        ot_jw_obj(w);
        ot_jw_kstr(w, "type", "AWS::S3::Object");
        ot_jw_kstr(w, "ARN", arn);
        ot_jw_end(w);
    }
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", bucket);
    ot_jw_obj(w);
    ot_jw_kstr(w, "accountId", req->principal.account_id);
    ot_jw_kstr(w, "type", "AWS::S3::Bucket");
    ot_jw_kstr(w, "ARN", arn);
    ot_jw_end(w);
    ot_jw_end(w);
}

/* The resources[] of an S3 record as routing facts (the same ARNs write_s3_resources writes). */
static size_t s3_resource_facts(const ot_req *req, bool data_event, char obj[1400],
                                char bkt[300], ot_event_resource res[2])
{
    char bucket[256], key[1100];
    s3_target(req, bucket, sizeof bucket, key, sizeof key);
    if (!bucket[0])
        return 0;
    size_t n = 0;
    if (data_event && key[0]) {
        snprintf(obj, 1400, "arn:aws:s3:::%s/%s", bucket, key);
        res[n++] = (ot_event_resource){"AWS::S3::Object", obj};
    }
    snprintf(bkt, 300, "arn:aws:s3:::%s", bucket);
    res[n++] = (ot_event_resource){"AWS::S3::Bucket", bkt};
    return n;
}

/* The error code and message of a failed call, from the JSON or XML error body. */
static void response_error(const ot_req *req, const ot_resp *resp, bool xml, char *code,
                           size_t ccap, char *msg, size_t mcap)
{
    code[0] = msg[0] = '\0';
    if (resp->status < 300)
        return;
    const char *body = resp->body.data ? resp->body.data : "";
    if (xml) {
        const char *c = strstr(body, "<Code>"), *m = strstr(body, "<Message>");
        if (c)
            sscanf(c + 6, "%127[^<]", code);
        if (m)
            sscanf(m + 9, "%511[^<]", msg);
        if (!code[0])
            snprintf(code, ccap, "%d", resp->status);
        return;
    }
    for (size_t i = 0; i < resp->nheaders; i++)
        if (!strcasecmp(resp->headers[i].name, "X-Amzn-ErrorType"))
            snprintf(code, ccap, "%s", resp->headers[i].value);
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    const char *s;
    size_t n;
    if (doc && ot_json_parse(doc, body, resp->body.len, false, &root, NULL, 0) == OT_OK &&
        ot_json_get_str(root, "message", &s, &n) == OT_OK)
        snprintf(msg, mcap, "%.*s", (int)n, s);
    ot_json_doc_free(doc);
}

int ot_audit_record(ot_api *srv, const ot_req *req, const ot_resp *resp, const char *operation)
{
    bool s3 = !strcmp(req->service, "s3");
    bool xml = s3 || !strcmp(req->service, "sts") || /* their error bodies are XML */
               !strcmp(req->service, "sns");
    bool data_event = s3 && !s3_op_is_management(operation);
    bool read_only = op_read_only(req->service, operation);
    char source[64], event_id[37], when[32], code[128], msg[512];
    snprintf(source, sizeof source, "%s.amazonaws.com", s3 ? "s3" : req->service);
    if (resp->audit_event_id[0])
        snprintf(event_id, sizeof event_id, "%s", resp->audit_event_id);
    else
        ot_uuid4(event_id);
    ot_time_iso8601(req->received_ms, when);
    response_error(req, resp, xml, code, sizeof code, msg, sizeof msg);
    const char *ua = ot_req_header(req, "user-agent");

    ot_buf rec;
    ot_buf_init(&rec, 0);
    ot_jw w;
    ot_jw_init(&w, &rec);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "eventVersion", "1.11");
    write_identity(&w, &req->principal);
    ot_jw_kstr(&w, "eventTime", when);
    ot_jw_kstr(&w, "eventSource", source);
    ot_jw_kstr(&w, "eventName", operation);
    ot_jw_kstr(&w, "awsRegion", req->region);
    ot_jw_kstr(&w, "sourceIPAddress", req->source_ip);
    ot_jw_key(&w, "userAgent");
    ot_jw_strn(&w, ua ? ua : "", ua ? (strlen(ua) > 1024 ? 1024 : strlen(ua)) : 0);
    if (code[0]) {
        ot_jw_kstr(&w, "errorCode", code);
        ot_jw_kstr(&w, "errorMessage", msg);
    }
    if (s3) {
        write_s3_parts(&w, req, resp, data_event);
    } else {
        const char *params = resp->audit_params ? resp->audit_params : req->body;
        write_json_member(&w, "requestParameters", params,
                          resp->audit_params ? strlen(params) : req->body_len);
        bool respond = !read_only && !code[0];
        write_json_member(&w, "responseElements", respond ? resp->body.data : NULL,
                          respond ? resp->body.len : 0);
    }
    ot_jw_kstr(&w, "requestID", req->request_id);
    ot_jw_kstr(&w, "eventID", event_id);
    ot_jw_kbool(&w, "readOnly", read_only);
    if (s3)
        write_s3_resources(&w, req, data_event);
    ot_jw_kstr(&w, "eventType", "AwsApiCall");
    ot_jw_kbool(&w, "managementEvent", !data_event);
    ot_jw_kstr(&w, "recipientAccountId", req->principal.account_id);
    ot_jw_kstr(&w, "eventCategory", data_event ? "Data" : "Management");
    ot_jw_end(&w);

    int rc = ot_jw_error(&w);
    ot_buf payload;
    ot_buf_init(&payload, 0);
    char obj_arn[1400], bkt_arn[300];
    ot_event_resource res[2];
    size_t nres = s3 ? s3_resource_facts(req, data_event, obj_arn, bkt_arn, res) : 0;
    if (!rc) {
        ot_event ev = {.ingest_ms = ot_now_ms(),
                       .category = data_event ? OT_CAT_DATA : OT_CAT_MANAGEMENT,
                       .rw = read_only ? OT_RW_READ : OT_RW_WRITE,
                       .account_id = req->principal.account_id,
                       .region = req->region,
                       .event_source = source,
                       .event_name = operation,
                       .event_id = event_id,
                       .channel_arn = "",
                       .json = rec.data,
                       .json_len = rec.len,
                       .event_type = "AwsApiCall",
                       .user_arn = req->principal.arn,
                       .error_code = code,
                       .resources = res,
                       .nresources = nres};
        rc = ot_event_encode(&ev, &payload);
    }
    if (!rc) {
        const void *p = payload.data;
        size_t n = payload.len;
        uint64_t lsn;
        rc = ot_wal_append(srv->wal, &p, &n, 1, &lsn);
    }
    if (rc)
        ot_error("could not record %s %s: %s", source, operation, ot_strerror(rc));
    else
        ot_metric_inc(&m_recorded);
    ot_buf_free(&payload);
    ot_buf_free(&rec);
    return rc;
}
