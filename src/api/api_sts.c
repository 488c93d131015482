/* api_sts.c — STS GetCallerIdentity in the query protocol.
 *
 * A query-protocol call names its operation in the Action parameter and the API version in
 * Version, form-encoded in a POST body (what botocore sends) or in the query string of a GET.
 * The answer is XML in STS's namespace: <GetCallerIdentityResponse><GetCallerIdentityResult>
 * {Arn, UserId, Account}</GetCallerIdentityResult><ResponseMetadata><RequestId>
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). */
#include "api/api_sts.h"

#include <stdio.h>
#include <string.h>

#include "api/aws_error.h"
#include "util/err.h"

#define PARAM_MAX 128

/* Action and Version are names: anything else is refused before it reaches a message. */
static bool name_chars(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* A parameter from the POST body, else the query string: 0, OT_ENOTFOUND or OT_ELIMIT (too
 * long, a malformed escape, a NUL byte, or not a name). */
static int param(const ot_req *req, const char *name, char out[PARAM_MAX])
{
    int rc = OT_ENOTFOUND;
    if (!strcmp(req->method, "POST") && req->body_len)
        rc = ot_form_param(req->body, req->body_len, name, true, out, PARAM_MAX);
    if (rc == OT_ENOTFOUND) {
        const char *q = req->raw_query ? req->raw_query : "";
        rc = ot_form_param(q, strlen(q), name, true, out, PARAM_MAX);
    }
    if (rc == OT_OK && !name_chars(out))
        rc = OT_ELIMIT;
    return rc;
}

static void get_caller_identity(const ot_req *req, ot_resp *resp)
{
    const ot_principal *p = &req->principal;
    const char *members[][2] = {
        {"Arn", p->arn}, {"UserId", p->principal_id}, {"Account", p->account_id}};
    ot_aws_query_begin(resp, "GetCallerIdentity", OT_STS_XMLNS, true);
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        ot_buf_puts(&resp->body, "    ");
        ot_aws_xml_elem(&resp->body, members[i][0], members[i][1]);
        ot_buf_puts(&resp->body, "\n");
    }
    ot_aws_query_end(resp, req->request_id, "GetCallerIdentity", true);
}

void ot_sts_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation)
{
    (void)srv;
    *operation = NULL;
    char action[PARAM_MAX], version[PARAM_MAX];
    if (strcmp(req->method, "POST") && strcmp(req->method, "GET")) {
        ot_aws_query_error(resp, req, 400, "InvalidAction",
                           "STS is called with POST (or GET), not %.16s.", req->method);
        return;
    }
    int ra = param(req, "Action", action), rv = param(req, "Version", version);
    if (ra == OT_ELIMIT || rv == OT_ELIMIT) {
        ot_aws_query_error(resp, req, 400, "InvalidQueryParameter",
                           "The AWS query string is malformed or does not adhere to AWS "
                           "standards.");
        return;
    }
    if (ra == OT_ENOTFOUND) {
        ot_aws_query_error(resp, req, 400, "MissingAction", "Missing Action");
        return;
    }
    if (rv == OT_ENOTFOUND)
        snprintf(version, sizeof version, "NO_VERSION_SPECIFIED");
    if (strcmp(action, "GetCallerIdentity") || strcmp(version, OT_STS_VERSION)) {
        ot_aws_query_error(resp, req, 400, "InvalidAction",
                           "Could not find operation %s for version %s", action, version);
        return;
    }
    *operation = "GetCallerIdentity";
    get_caller_identity(req, resp);
}
