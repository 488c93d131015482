/* dispatch.c — the request pipeline shared by every service.
 *
 * The service comes from the SigV4 credential scope (.../<region>/<service>/aws4_request), so a
 * single AWS_ENDPOINT_URL serves every client. Errors before a service handler runs are sent in
 * the protocol the request looks like it speaks: query-protocol XML for STS and SNS (signed for
 * sts or sns, or an Action parameter at /), JSON for X-Amz-Target or /PutAuditEvents, S3 XML
 * otherwise.
 * The health probes (health.h), unsigned Prometheus scrapes (metrics_http.h) and SNS's
 * SubscribeURL (api_sns.h) are answered before authentication. */
#include "api/dispatch.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_cw.h"
#include "api/api_sns.h"
#include "api/api_sts.h"
#include "api/audit.h"
#include "api/aws_error.h"
#include "api/creds.h"
#include "api/health.h"
#include "api/metrics_http.h"
#include "api/sigv4.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#define UNKNOWN_SERVICE_FMT                                                                   \
    "opentrail does not serve '%s' (it serves cloudtrail, cloudtrail-data, events, logs, "    \
    "monitoring, s3, sns and sts on this endpoint)."

typedef struct service_route {
    const char *name;
    ot_service_fn fn;
    bool xml_errors;
} service_route;

static const service_route routes[] = {
    {"cloudtrail", ot_cloudtrail_handle, false},
    {"cloudtrail-data", ot_cloudtrail_data_handle, false},
    {"events", ot_api_events_handle, false},
    {"logs", ot_logs_handle, false},
    {"monitoring", ot_api_cw_handle, false},
    {"s3", ot_s3_handle, true},
    {"sns", ot_api_sns_handle, true},
    {"sts", ot_sts_handle, true},
};

/* The wire protocol of a request, which its errors must speak to be shown by the client. */
typedef enum err_protocol { PROTO_JSON, PROTO_S3_XML, PROTO_QUERY } err_protocol;

/* Guesses the protocol of a request that could not be routed by its signature. */
static bool looks_like_s3(const ot_req *req)
{
    return !ot_req_header(req, "x-amz-target") && strncmp(req->raw_path, "/PutAuditEvents", 15);
}

/* Whether the request is signed for service (header or presigned credential scope). */
static bool scoped_for(const ot_req *req, const char *service)
{
    char scope[48];
    snprintf(scope, sizeof scope, "/%s/aws4_request", service);
    const char *auth = ot_req_header(req, "authorization");
    char cred[256];
    if (auth)
        return strstr(auth, scope) != NULL;
    return ot_req_query(req, "X-Amz-Credential", cred, sizeof cred) == OT_OK && strstr(cred, scope);
}

/* A query-protocol call (STS, IAM, ...): an Action parameter at "/", in the query string or a
 * form-encoded POST body. No S3 operation is addressed that way. */
static bool looks_like_query(const ot_req *req)
{
    char action[8];
    const char *q = req->raw_query ? req->raw_query : "";
    const char *type = ot_req_header(req, "content-type");
    if (strcmp(req->raw_path, "/"))
        return false;
    if (ot_form_param(q, strlen(q), "Action", true, action, sizeof action) != OT_ENOTFOUND)
        return true;
    return !strcmp(req->method, "POST") && type && req->body &&
           !strncasecmp(type, "application/x-www-form-urlencoded", 33) &&
           ot_form_param(req->body, req->body_len, "Action", true, action, sizeof action) !=
               OT_ENOTFOUND;
}

static err_protocol request_protocol(const ot_req *req)
{
    if (scoped_for(req, "sts") || scoped_for(req, "sns"))
        return PROTO_QUERY;
    if (!looks_like_s3(req))
        return PROTO_JSON;
    return looks_like_query(req) ? PROTO_QUERY : PROTO_S3_XML;
}

static const char *scope_service(const ot_req *req)
{
    /* The credential scope is parsed properly by ot_sigv4_parse; this cheap scan only sizes
     * the body cap before the body is read. */
    const char *auth = ot_req_header(req, "authorization");
    if (auth && strstr(auth, "/s3/aws4_request"))
        return "s3";
    if (!auth && strstr(req->raw_query, "X-Amz-Credential") && looks_like_s3(req))
        return "s3";
    return "";
}

size_t ot_dispatch_body_cap(void *srv, const ot_req *req)
{
    return !strcmp(scope_service(req), "s3") ? OT_MAX_OBJECT_BODY : OT_MAX_JSON_BODY;
}

static void auth_error(const ot_req *req, const ot_sigv4_error *e, ot_resp *resp)
{
    err_protocol proto = request_protocol(req);
    if (scoped_for(req, "monitoring")) /* CBOR, JSON or query: api_cw.c tells */
        ot_api_cw_early_error(req, resp, e->status, e->json_code, e->query_code,
                              e->query_message ? e->query_message : e->message);
    else if (proto == PROTO_QUERY)
        ot_aws_query_error(resp, req, e->status, e->query_code, "%s",
                           e->query_message ? e->query_message : e->message);
    else if (proto == PROTO_S3_XML)
        ot_aws_xml_error_detail(resp, req, e->xml_status ? e->xml_status : e->status,
                                e->xml_code, req->raw_path, e->xml_detail_name, e->xml_detail,
                                "%s", e->xml_message ? e->xml_message : e->message);
    else
        ot_aws_json_error(resp, e->status, e->json_code, "%s", e->message);
}

void ot_dispatch_too_large(void *srv, const ot_req *req, size_t cap, ot_resp *resp)
{
    err_protocol proto = request_protocol(req);
    char msg[96];
    snprintf(msg, sizeof msg, "Request body exceeds the maximum of %zu bytes.", cap);
    if (scoped_for(req, "monitoring"))
        ot_api_cw_early_error(req, resp, 413, "RequestEntityTooLargeException",
                              "RequestEntityTooLarge", msg);
    else if (proto == PROTO_QUERY)
        ot_aws_query_error(resp, req, 413, "RequestEntityTooLarge", "%s", msg);
    else if (proto == PROTO_S3_XML)
        ot_aws_xml_error(resp, req, 400, "EntityTooLarge", req->raw_path,
                         "Your proposed upload exceeds the maximum allowed size of %zu bytes.", cap);
    else
        ot_aws_json_error(resp, 413, "RequestEntityTooLargeException", "%s", msg);
}

/* Checks the signature and fills req->service, region and principal. */
static int authenticate(ot_api *srv, ot_req *req, ot_resp *resp)
{
    ot_sigv4_scope scope;
    ot_sigv4_error err;
    memset(&err, 0, sizeof err);
    if (ot_sigv4_parse(req, &scope, &err) != OT_OK) {
        auth_error(req, &err, resp);
        return OT_EINVAL;
    }
    char secret[256] = "";
    if (srv->cfg.any_credentials) {
        ot_creds_any_principal(scope.access_key, srv->cfg.account_id, &req->principal);
    } else if (ot_creds_lookup(srv->creds, scope.access_key, secret, sizeof secret,
                               &req->principal) != OT_OK) {
        ot_sigv4_error_unknown_key(&err);
        auth_error(req, &err, resp);
        return OT_EINVAL;
    }
    if (!srv->cfg.any_credentials &&
        ot_sigv4_verify(req, &scope, secret, ot_now_ms(), &err) != OT_OK) {
        ot_debug("auth failed: %s %s?%s: %s", req->method, req->raw_path, req->raw_query, err.message);
        auth_error(req, &err, resp);
        return OT_EINVAL;
    }
    snprintf(req->service, sizeof req->service, "%.31s", scope.service);
    snprintf(req->region, sizeof req->region, "%.31s",
             scope.region[0] ? scope.region : srv->cfg.default_region);
    return OT_OK;
}

static void unknown_service(const ot_req *req, ot_resp *resp)
{
    if (request_protocol(req) == PROTO_QUERY)
        ot_aws_query_error(resp, req, 400, "InvalidAction", UNKNOWN_SERVICE_FMT, req->service);
    else
        ot_aws_json_error(resp, 400, "UnknownServiceException", UNKNOWN_SERVICE_FMT,
                          req->service);
}

/* Runs the service handler of an authenticated request and audits the call. */
static void route_and_audit(ot_api *srv, ot_req *req, ot_resp *resp)
{
    const service_route *route = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (!strcmp(routes[i].name, req->service))
            route = &routes[i];
    if (!route) {
        unknown_service(req, resp);
        return;
    }
    const char *operation = NULL;
    route->fn(srv, req, resp, &operation);
    req->operation = operation;
    if (operation && !resp->skip_audit)
        ot_audit_record(srv, req, resp, operation);
}

void ot_dispatch(void *ctx, ot_req *req, ot_resp *resp)
{
    ot_api *srv = ctx;
    ot_resp_header(resp, "x-amzn-RequestId", req->request_id);
    ot_resp_header(resp, "x-amz-request-id", req->request_id);
    if (ot_health_answer(srv, req, resp) || ot_metrics_answer(srv, req, resp) ||
        ot_api_sns_public(srv, req, resp))
        return;
    if (authenticate(srv, req, resp) != OT_OK || ot_metrics_answer_signed(srv, req, resp))
        return;
    route_and_audit(srv, req, resp);
}

void ot_api_invoke(ot_api *srv, ot_req *req, ot_resp *resp)
{
    route_and_audit(srv, req, resp);
}

void ot_api_trail_changed(ot_api *srv, const char *trail_arn)
{
    if (srv->trail_changed)
        srv->trail_changed(srv->trail_changed_ctx, trail_arn);
}
