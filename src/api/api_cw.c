/* api_cw.c — the CloudWatch API's front: which of the three protocols a request speaks, its
 * operation, the decoding of its body into the request tree, the table of operations, and the
 * framing of answers and errors in that protocol.
 *
 * Errors: CloudWatch is an awsQueryCompatible service, so the CBOR and JSON errors carry the
 * model's error shape in __type ("com.amazonaws.cloudwatch#InvalidParameterValueException")
 * and the query error code in the x-amzn-query-error header ("InvalidParameterValue;Sender"),
 * which botocore turns back into the code a query client sees
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#aws-protocols-awsquerycompatible-trait). */
#include "api/api_cw_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/aws_error.h"
#include "util/err.h"
#include "util/gzip.h"
#include "util/jsonw.h"

#define ANSWER_MAX (8u << 20) /* a GetMetricData answer of 100,800 datapoints fits */
#define INFLATED_MAX (4u << 20) /* a gzip body inflated: 1000 data of 150 values fit */
#define ANSWER_SLACK (64u << 10) /* more than any one member: past ANSWER_MAX, nothing is lost
                                  * silently before the check at the end */

typedef struct cw_op {
    const char *name;
    void (*run)(ot_cw_call *c);
    bool data; /* CloudTrail logs it as a data event: kept out of the management trail */
} cw_op;

static const cw_op OPS[] = {
    {"PutMetricData", ot_cwapi_put_metric_data, true},
    {"ListMetrics", ot_cwapi_list_metrics, true},
    {"GetMetricStatistics", ot_cwapi_get_metric_statistics, true},
    {"GetMetricData", ot_cwapi_get_metric_data, true},
    {"PutMetricAlarm", ot_cwapi_put_metric_alarm, false},
    {"DescribeAlarms", ot_cwapi_describe_alarms, false},
    {"DescribeAlarmsForMetric", ot_cwapi_describe_alarms_for_metric, false},
    {"DeleteAlarms", ot_cwapi_delete_alarms, false},
    {"SetAlarmState", ot_cwapi_set_alarm_state, false},
    {"DescribeAlarmHistory", ot_cwapi_describe_alarm_history, false},
    {"EnableAlarmActions", ot_cwapi_enable_alarm_actions, false},
    {"DisableAlarmActions", ot_cwapi_disable_alarm_actions, false},
    {"ListTagsForResource", ot_cwapi_list_tags_for_resource, false},
    {"TagResource", ot_cwapi_tag_resource, false},
    {"UntagResource", ot_cwapi_untag_resource, false},
};

/* The model's error shapes (service-2.json) by query code: HTTP status and __type. */
typedef struct cw_error {
    const char *code;
    const char *shape;
    int status;
} cw_error;

static const cw_error ERRORS[] = {
    {"InvalidParameterValue", "InvalidParameterValueException", 400},
    {"MissingParameter", "MissingRequiredParameterException", 400},
    {"InvalidParameterCombination", "InvalidParameterCombinationException", 400},
    {"ResourceNotFound", "ResourceNotFound", 404},
    {"ResourceNotFoundException", "ResourceNotFoundException", 404},
    {"InvalidNextToken", "InvalidNextToken", 400},
    {"LimitExceeded", "LimitExceededFault", 400},
    {"InvalidFormat", "InvalidFormatFault", 400},
    {"InternalServiceError", "InternalServiceFault", 500},
    /* not in the model: the protocol's own */
    {"UnknownOperationException", "UnknownOperationException", 400},
    {"InvalidAction", "InvalidAction", 400},
    {"SerializationException", "SerializationException", 400},
    {"ServiceUnavailable", "ServiceUnavailable", 503},
};

static const cw_error *error_of(const char *code)
{
    const cw_error *internal = NULL;
    for (size_t i = 0; i < sizeof ERRORS / sizeof *ERRORS; i++) {
        if (!strcmp(ERRORS[i].code, code))
            return &ERRORS[i];
        if (!strcmp(ERRORS[i].code, "InternalServiceError"))
            internal = &ERRORS[i];
    }
    return internal; /* a code not in the table is a bug of ours: answer it as one */
}

static bool has_header(const ot_resp *resp, const char *name)
{
    for (size_t i = 0; i < resp->nheaders; i++)
        if (!strcasecmp(resp->headers[i].name, name))
            return true;
    return false;
}

/* The content type and, for CBOR, the smithy-protocol header (once: an answer that turns
 * into an error at its end comes here twice). */
static void protocol_headers(ot_cw_call *c)
{
    if (c->proto == OT_CW_PROTO_CBOR) {
        snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/cbor");
        if (!has_header(c->resp, "smithy-protocol"))
            ot_resp_header(c->resp, "smithy-protocol", "rpc-v2-cbor");
    } else if (c->proto == OT_CW_PROTO_JSON) {
        snprintf(c->resp->content_type, sizeof c->resp->content_type,
                 "application/x-amz-json-1.0");
    }
}

/* An error answer: e's status and codes (e->shape NULL: code as __type), in c's protocol. */
static void answer_error(ot_cw_call *c, const cw_error *e, const char *msg)
{
    char type[96], query[96];
    /* for the trail's errorCode (api/audit.c reads it from this header whatever the body) */
    ot_resp_header(c->resp, "X-Amzn-ErrorType", e->code);
    if (c->proto == OT_CW_PROTO_QUERY) {
        ot_aws_query_error(c->resp, c->req, e->status, e->code, "%s", msg);
        return;
    }
    snprintf(type, sizeof type, "com.amazonaws.cloudwatch#%s", e->shape ? e->shape : e->code);
    snprintf(query, sizeof query, "%s;%s", e->code, e->status >= 500 ? "Receiver" : "Sender");
    ot_resp_header(c->resp, "x-amzn-query-error", query);
    ot_buf_reset(&c->resp->body);
    ot_cww_init(&c->w, c->proto, &c->resp->body);
    ot_cww_map(&c->w, NULL);
    ot_cww_str(&c->w, "__type", type);
    ot_cww_str(&c->w, "message", msg);
    ot_cww_end(&c->w);
    c->resp->status = e->status;
    protocol_headers(c);
}

bool ot_cwapi_fail(ot_cw_call *c, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    answer_error(c, error_of(code), msg);
    return false;
}

void ot_cwapi_store_error(ot_cw_call *c, int rc, const char *not_found)
{
    if (rc == OT_ENOTFOUND)
        ot_cwapi_fail(c, "ResourceNotFound", "%s", not_found);
    else if (rc == OT_EINVAL)
        ot_cwapi_fail(c, "InvalidParameterValue", "The request holds an invalid value.");
    else if (rc == OT_ELIMIT)
        ot_cwapi_fail(c, "LimitExceeded", "The request exceeds a limit of this server.");
    else
        ot_cwapi_fail(c, "InternalServiceError", "Internal error (%s).", ot_strerror(rc));
}

void ot_cwapi_begin(ot_cw_call *c)
{
    ot_buf_reset(&c->resp->body);
    c->resp->body.max = ANSWER_MAX + ANSWER_SLACK;
    if (c->proto == OT_CW_PROTO_QUERY)
        ot_aws_query_begin(c->resp, c->op, OT_CW_XMLNS, true);
    c->resp->status = 200;
    protocol_headers(c);
    ot_cww_init(&c->w, c->proto, &c->resp->body);
    ot_cww_map(&c->w, NULL);
}

void ot_cwapi_end(ot_cw_call *c)
{
    ot_cww_end(&c->w);
    if (c->proto == OT_CW_PROTO_QUERY)
        ot_aws_query_end(c->resp, c->req->request_id, c->op, true);
    if (c->resp->body.len > ANSWER_MAX)
        ot_cwapi_fail(c, "LimitExceeded",
                      "The answer would exceed %u bytes: ask for fewer datapoints.", ANSWER_MAX);
}

void ot_cwapi_empty(ot_cw_call *c)
{
    if (c->proto != OT_CW_PROTO_QUERY) {
        ot_cwapi_begin(c);
        ot_cwapi_end(c);
        return;
    }
    ot_aws_query_begin(c->resp, c->op, OT_CW_XMLNS, false);
    ot_aws_query_end(c->resp, c->req->request_id, c->op, false);
}

/* ---- the protocol and operation of a request ---- */

/* A query call's parameters: a form-encoded POST body, else the query string (a GET). */
static bool is_form(const ot_req *req)
{
    const char *type = ot_req_header(req, "content-type");
    return !strcmp(req->method, "POST") && type &&
           !strncasecmp(type, "application/x-www-form-urlencoded", 33);
}

/* The protocol, and for CBOR and JSON the operation name into name[64] ("" if it names
 * none); a query call names it in its (maybe compressed) form: read after decoding. */
static ot_cw_proto protocol_of(const ot_req *req, char name[64])
{
    const char *smithy = ot_req_header(req, "smithy-protocol");
    const char *target = ot_req_header(req, "x-amz-target");
    name[0] = '\0';
    if (smithy || !strncmp(req->raw_path, "/service/", 9)) {
        if (!strncmp(req->raw_path, OT_CW_CBOR_PATH, sizeof OT_CW_CBOR_PATH - 1))
            snprintf(name, 64, "%s", req->raw_path + sizeof OT_CW_CBOR_PATH - 1);
        return OT_CW_PROTO_CBOR;
    }
    if (target) {
        if (!strncmp(target, OT_CW_TARGET_PREFIX, sizeof OT_CW_TARGET_PREFIX - 1))
            snprintf(name, 64, "%s", target + sizeof OT_CW_TARGET_PREFIX - 1);
        return OT_CW_PROTO_JSON;
    }
    return OT_CW_PROTO_QUERY;
}

/* A query call's Action and Version from its decoded form. */
static void query_action(const ot_cw_call *c, char name[64], const char **version)
{
    const char *action = NULL;
    *version = NULL;
    ot_cwd_str(ot_cwd_get(c->in, "Action"), &action);
    ot_cwd_str(ot_cwd_get(c->in, "Version"), version);
    snprintf(name, 64, "%s", action ? action : "");
}

static const cw_op *op_named(const char *name)
{
    for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++)
        if (!strcmp(OPS[i].name, name))
            return &OPS[i];
    return NULL;
}

/* Checks the request's framing for its protocol (version: a query call's Version); false
 * after answering the error. */
static bool framing_ok(ot_cw_call *c, const char *version)
{
    const ot_req *req = c->req;
    if (c->proto == OT_CW_PROTO_QUERY)
        return version && !strcmp(version, OT_CW_VERSION)
                   ? true
                   : ot_cwapi_fail(c, "InvalidAction",
                                   "Version must be " OT_CW_VERSION " for CloudWatch.");
    if (strcmp(req->method, "POST"))
        return ot_cwapi_fail(c, "SerializationException", "%s calls are POST requests.",
                             c->proto == OT_CW_PROTO_CBOR ? "rpc-v2-cbor" : "awsJson1_0");
    const char *smithy = ot_req_header(req, "smithy-protocol");
    if (c->proto == OT_CW_PROTO_CBOR && (!smithy || strcmp(smithy, "rpc-v2-cbor")))
        return ot_cwapi_fail(c, "SerializationException",
                             "The smithy-protocol header must be rpc-v2-cbor.");
    return true;
}

/* The request body, inflated into plain when it came gzip-compressed; false after answering
 * the error. */
static bool body_of(ot_cw_call *c, ot_buf *plain, const char **body, size_t *len)
{
    const char *enc = ot_req_header(c->req, "content-encoding");
    *body = c->req->body ? c->req->body : "";
    *len = c->req->body_len;
    if (!enc || !strcasecmp(enc, "identity"))
        return true;
    if (strcasecmp(enc, "gzip"))
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The Content-Encoding %.32s is not supported (gzip is).", enc);
    int rc = ot_gunzip(*body, *len, INFLATED_MAX, plain);
    if (rc == OT_ELIMIT)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The request body inflates to more than %u bytes.", INFLATED_MAX);
    if (rc)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The request body is not valid gzip (Content-Encoding: gzip).");
    *body = plain->data ? plain->data : "";
    *len = plain->len;
    return true;
}

/* Decodes the body into *doc; false after answering the error. */
static bool decode(ot_cw_call *c, ot_cwd_doc **doc)
{
    const ot_req *req = c->req;
    char err[160] = "";
    const char *body;
    size_t len;
    ot_buf plain;
    ot_buf_init(&plain, INFLATED_MAX);
    if (!body_of(c, &plain, &body, &len)) {
        ot_buf_free(&plain);
        return false;
    }
    int rc;
    if (c->proto == OT_CW_PROTO_CBOR) {
        rc = ot_cwd_from_cbor((const uint8_t *)body, len, doc, err);
    } else if (c->proto == OT_CW_PROTO_JSON) {
        rc = ot_cwd_from_json(body, len, doc, err);
    } else {
        const char *q = req->raw_query ? req->raw_query : "";
        rc = is_form(req) ? ot_cwd_from_form(body, len, doc, err)
                          : ot_cwd_from_form(q, strlen(q), doc, err);
    }
    ot_buf_free(&plain);
    if (rc == OT_ENOMEM)
        return ot_cwapi_fail(c, "InternalServiceError", "Out of memory.");
    if (rc)
        return ot_cwapi_fail(c, c->proto == OT_CW_PROTO_QUERY ? "InvalidParameterValue"
                                                              : "SerializationException",
                             "The request body could not be read: %s.", err);
    c->in = (*doc)->root;
    /* CloudTrail records the call's parameters whatever the protocol (or a gzip body) */
    c->resp->audit_params = ot_cwd_params_json(c->in);
    return true;
}

static void unknown_operation(ot_cw_call *c, const char *name)
{
    if (c->proto == OT_CW_PROTO_QUERY)
        ot_cwapi_fail(c, "InvalidAction", "The action %.64s is not valid for this web service.",
                      name[0] ? name : "(none)");
    else
        ot_cwapi_fail(c, "UnknownOperationException",
                      "opentrail does not serve the CloudWatch operation %.64s.",
                      name[0] ? name : "(none)");
}

void ot_api_cw_early_error(const ot_req *req, ot_resp *resp, int status, const char *json_code,
                           const char *query_code, const char *message)
{
    char name[64];
    ot_cw_call c = {.req = req, .resp = resp};
    c.proto = protocol_of(req, name);
    cw_error e = {.code = c.proto == OT_CW_PROTO_QUERY ? query_code : json_code,
                  .status = status};
    answer_error(&c, &e, message);
}

void ot_api_cw_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation)
{
    char name[64];
    const char *version = NULL;
    ot_cwd_doc *doc = NULL;
    ot_cw_call c = {.srv = srv, .req = req, .resp = resp, .cw = srv ? srv->cw : NULL,
                    .scope = {.account = req->principal.account_id, .region = req->region}};
    c.proto = protocol_of(req, name);
    *operation = NULL;
    if (c.proto == OT_CW_PROTO_QUERY) {
        if (!decode(&c, &doc))
            return;
        query_action(&c, name, &version);
    }
    const cw_op *op = op_named(name);
    if (!op) {
        unknown_operation(&c, name);
        goto out;
    }
    c.op = op->name;
    *operation = op->name;
    resp->skip_audit = op->data;
    if (!framing_ok(&c, version))
        goto out;
    if (!c.cw) {
        ot_cwapi_fail(&c, "ServiceUnavailable", "The CloudWatch store is not open.");
        goto out;
    }
    if (doc || decode(&c, &doc))
        op->run(&c);
out:
    ot_cwd_free(doc);
}
