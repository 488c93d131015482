/* assume_role.c — STS AssumeRole for a role_arn profile, over the shared client (query
 * protocol, XML answer); see credsrc.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/credsrc.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "util/uri.h"

#define STS_API_VERSION "2011-06-15"

static int form_param(ot_buf *b, const char *name, const char *value)
{
    if (!value)
        return OT_OK;
    int rc = ot_buf_printf(b, "&%s=", name);
    return rc ? rc : ot_uri_encode(b, value, strlen(value), false);
}

static int assume_body(ot_buf *b, const ot_aws_assume_args *a)
{
    char session[64];
    snprintf(session, sizeof session, "opentrail-session-%lld", (long long)time(NULL));
    int rc = ot_buf_printf(b, "RoleArn=");
    if (!rc)
        rc = ot_uri_encode(b, a->role_arn, strlen(a->role_arn), false);
    if (!rc)
        rc = form_param(b, "RoleSessionName", a->session_name ? a->session_name : session);
    if (!rc)
        rc = form_param(b, "ExternalId", a->external_id);
    if (!rc)
        rc = form_param(b, "DurationSeconds", a->duration_s);
    return rc;
}

int ot_aws_sts_parse(ot_aws_creds *c, const char *xml, char *err, size_t errlen)
{
    char ak[sizeof c->access_key + 1], sk[sizeof c->secret_key + 1];
    char tok[sizeof c->session_token + 1], exp[64];
    const char *cr = xml ? strstr(xml, "<Credentials>") : NULL;
    memset(c, 0, sizeof *c);
    if (!cr || !ot_aws_xml_text(cr, "AccessKeyId", ak, sizeof ak) ||
        !ot_aws_xml_text(cr, "SecretAccessKey", sk, sizeof sk) ||
        !ot_aws_xml_text(cr, "SessionToken", tok, sizeof tok)) {
        snprintf(err, errlen, "AssumeRole: the answer has no Credentials "
                 "(AccessKeyId, SecretAccessKey, SessionToken)");
        return OT_EINVAL;
    }
    int rc = ot_aws_creds_set(c, "AssumeRole", ak, strlen(ak), sk, strlen(sk), tok, strlen(tok),
                              err, errlen);
    if (!rc && ot_aws_xml_text(cr, "Expiration", exp, sizeof exp) &&
        ot_time_parse_iso8601(exp, &c->expires_ms))
        c->expires_ms = 0;
    return rc;
}

int ot_aws_assume_role(ot_aws_creds *out, const ot_aws_creds *source,
                       const ot_aws_assume_args *a, char *err, size_t errlen)
{
    ot_aws_client sts;
    ot_aws_client_opts co = {.service = "sts", .protocol = OT_AWS_QUERY,
                             .api_version = STS_API_VERSION, .region = a->region,
                             .timeout_s = 60};
    ot_aws_client_setup(&sts, &co, source);
    ot_buf body;
    ot_aws_response resp;
    ot_buf_init(&body, 0);
    ot_aws_response_init(&resp, 1u << 20);
    int rc = assume_body(&body, a);
    ot_aws_request req = {.operation = "AssumeRole", .body = body.data, .body_len = body.len};
    if (!rc)
        rc = ot_aws_call(&sts, NULL, &req, &resp, err, errlen);
    if (!rc)
        rc = ot_aws_sts_parse(out, resp.body.data, err, errlen);
    if (!rc)
        snprintf(out->source, sizeof out->source, "AssumeRole %s at %s", a->role_arn,
                 sts.endpoint);
    ot_buf_free(&body);
    ot_aws_response_free(&resp);
    return rc;
}
