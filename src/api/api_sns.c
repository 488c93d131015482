/* api_sns.c — the SNS query protocol: routing by Action, parameters, and the XML answer and
 * error framing every SNS operation shares.
 *
 * A call is a form-encoded POST (what botocore and the aws CLI send) or a GET with the same
 * parameters in the query string; it names its operation in Action and the API version in
 * Version. Answers are <ActionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
 * <ActionResult>...</ActionResult><ResponseMetadata><RequestId>..</RequestId>
 * </ResponseMetadata></ActionResponse>
 * (https://docs.aws.amazon.com/sns/latest/api/CommonParameters.html). */
#include "api/api_sns_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/aws_error.h"
#include "api/cw_doc.h"
#include "util/err.h"

typedef struct sns_action {
    const char *name;
    void (*run)(ot_sns_call *c);
} sns_action;

static const sns_action ACTIONS[] = {
    {"CreateTopic", ot_snsapi_create_topic},
    {"DeleteTopic", ot_snsapi_delete_topic},
    {"ListTopics", ot_snsapi_list_topics},
    {"GetTopicAttributes", ot_snsapi_get_topic_attributes},
    {"SetTopicAttributes", ot_snsapi_set_topic_attributes},
    {"TagResource", ot_snsapi_tag_resource},
    {"UntagResource", ot_snsapi_untag_resource},
    {"ListTagsForResource", ot_snsapi_list_tags},
    {"Subscribe", ot_snsapi_subscribe},
    {"ConfirmSubscription", ot_snsapi_confirm_subscription},
    {"Unsubscribe", ot_snsapi_unsubscribe},
    {"ListSubscriptions", ot_snsapi_list_subscriptions},
    {"ListSubscriptionsByTopic", ot_snsapi_list_subscriptions_by_topic},
    {"GetSubscriptionAttributes", ot_snsapi_get_subscription_attributes},
    {"Publish", ot_snsapi_publish},
};

/* Where the parameters are: the form body of a POST, else the query string. */
static void param_source(const ot_req *req, const char **s, size_t *n, bool *form)
{
    bool body = !strcmp(req->method, "POST") && req->body_len;
    *s = body ? req->body : req->raw_query ? req->raw_query : "";
    *n = body ? req->body_len : strlen(*s);
    *form = body;
}

int ot_snsapi_param(const ot_sns_call *c, const char *name, char *out, size_t cap)
{
    const char *s;
    size_t n;
    bool form;
    param_source(c->req, &s, &n, &form);
    return ot_form_param(s, n, name, form, out, cap);
}

char *ot_snsapi_param_dup(const ot_sns_call *c, const char *name, int *rc)
{
    const char *s;
    size_t n;
    bool form;
    param_source(c->req, &s, &n, &form);
    char *out = malloc(n + 1); /* a decoded value is never longer than the whole source */
    if (!out) {
        *rc = OT_ENOMEM;
        return NULL;
    }
    *rc = ot_form_param(s, n, name, form, out, n + 1);
    if (*rc) {
        free(out);
        return NULL;
    }
    return out;
}

bool ot_snsapi_required(ot_sns_call *c, const char *name, char *out, size_t cap)
{
    if (ot_snsapi_param(c, name, out, cap) == OT_OK && out[0])
        return true;
    ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: %s", name);
    return false;
}

bool ot_snsapi_next_token(ot_sns_call *c, char *out, size_t cap)
{
    int rc = ot_snsapi_param(c, "NextToken", out, cap);
    if (rc == OT_ENOTFOUND)
        out[0] = '\0';
    else if (rc || !out[0]) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: NextToken");
        return false;
    }
    return true;
}

void ot_snsapi_error(ot_sns_call *c, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ot_aws_query_error_ns(c->resp, c->req, OT_SNS_XMLNS, status, code, "%s", msg);
}

void ot_snsapi_store_error(ot_sns_call *c, int rc, const char *not_found)
{
    if (rc == OT_ENOTFOUND)
        ot_snsapi_error(c, 404, "NotFound", "%s", not_found);
    else
        ot_snsapi_error(c, 500, "InternalError", "Internal error (%s)", ot_strerror(rc));
}

bool ot_snsapi_own(ot_sns_call *c, const char *account, const char *resource)
{
    if (!strcmp(account, c->req->principal.account_id))
        return true;
    ot_snsapi_error(c, 403, "AuthorizationError",
                    "User: %s is not authorized to perform: SNS:%s on resource: %s because no "
                    "resource-based policy allows the SNS:%s action",
                    c->req->principal.arn, c->action, resource, c->action);
    return false;
}

bool ot_snsapi_topic_arn(ot_sns_call *c, const char *param, char arn[OT_SNS_ARN_MAX])
{
    char account[16];
    if (!ot_snsapi_required(c, param, arn, OT_SNS_ARN_MAX))
        return false;
    if (ot_sns_topic_arn_parse(arn, NULL, account, NULL)) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: %s", param);
        return false;
    }
    return ot_snsapi_own(c, account, arn);
}

bool ot_snsapi_topic(ot_sns_call *c, const char *param, ot_sns_topic *t)
{
    char arn[OT_SNS_ARN_MAX];
    if (!ot_snsapi_topic_arn(c, param, arn))
        return false;
    int rc = ot_sns_topic_get(c->sns, arn, t);
    if (rc)
        ot_snsapi_store_error(c, rc, "Topic does not exist");
    return rc == OT_OK;
}

void ot_snsapi_begin(ot_sns_call *c, bool with_result)
{
    ot_aws_query_begin(c->resp, c->action, OT_SNS_XMLNS, with_result);
}

void ot_snsapi_end(ot_sns_call *c, bool with_result)
{
    ot_aws_query_end(c->resp, c->req->request_id, c->action, with_result);
}

void ot_snsapi_empty(ot_sns_call *c, bool with_result)
{
    ot_snsapi_begin(c, with_result);
    ot_snsapi_end(c, with_result);
}

void ot_snsapi_answer_one(ot_sns_call *c, const char *name, const char *value)
{
    ot_snsapi_begin(c, true);
    ot_buf_puts(&c->resp->body, "    ");
    ot_aws_xml_elem(&c->resp->body, name, value);
    ot_buf_puts(&c->resp->body, "\n");
    ot_snsapi_end(c, true);
}

void ot_snsapi_list_open(ot_sns_call *c, const char *name)
{
    ot_buf_printf(&c->resp->body, "    <%s>\n", name);
}

void ot_snsapi_list_close(ot_sns_call *c, const char *name, const char *next)
{
    ot_buf *b = &c->resp->body;
    ot_buf_printf(b, "    </%s>\n", name);
    if (next) {
        ot_buf_puts(b, "    ");
        ot_aws_xml_elem(b, "NextToken", next);
        ot_buf_puts(b, "\n");
    }
}

void ot_snsapi_entry(ot_sns_call *c, const char *key, const char *value)
{
    ot_buf *b = &c->resp->body;
    ot_buf_puts(b, "      <entry>");
    ot_aws_xml_elem(b, "key", key);
    ot_aws_xml_elem(b, "value", value);
    ot_buf_puts(b, "</entry>\n");
}

/* The signing certificate, for message verifiers (SigningCertURL). */
static void answer_cert(ot_api *srv, ot_resp *resp)
{
    resp->status = 200;
    snprintf(resp->content_type, sizeof resp->content_type, "application/x-pem-file");
    ot_buf_reset(&resp->body);
    ot_buf_puts(&resp->body, ot_sns_signing_cert(srv->sns));
}

bool ot_api_sns_public(ot_api *srv, const ot_req *req, ot_resp *resp)
{
    char action[32], cred[8];
    if (!srv->sns || strcmp(req->method, "GET") || ot_req_header(req, "authorization") ||
        ot_req_query(req, "X-Amz-Credential", cred, sizeof cred) != OT_ENOTFOUND)
        return false;
    if (!strcmp(req->raw_path, OT_SNS_CERT_PATH)) {
        answer_cert(srv, resp);
        return true;
    }
    if (strcmp(req->raw_path, "/") || ot_req_query(req, "Action", action, sizeof action))
        return false;
    bool confirm = !strcmp(action, "ConfirmSubscription");
    if (!confirm && strcmp(action, "Unsubscribe"))
        return false;
    ot_sns_call c = {srv, req, resp, srv->sns, confirm ? "ConfirmSubscription" : "Unsubscribe"};
    if (confirm)
        ot_snsapi_confirm_by_token(&c);
    else
        ot_snsapi_unsubscribe_by_url(&c);
    return true;
}

/* The call's parameters as CloudTrail records them (requestParameters): the form as a JSON
 * object, its lists and maps nested (api/cw_doc.h reads the query protocol's forms). */
static void record_params(ot_sns_call *c)
{
    const char *s;
    size_t n;
    bool form;
    param_source(c->req, &s, &n, &form);
    ot_cwd_doc *doc = NULL;
    if (ot_cwd_from_form(s, n, &doc, NULL) == OT_OK)
        c->resp->audit_params = ot_cwd_params_json(doc->root);
    ot_cwd_free(doc);
}

static const sns_action *find_action(const char *name)
{
    for (size_t i = 0; i < sizeof ACTIONS / sizeof ACTIONS[0]; i++)
        if (!strcmp(ACTIONS[i].name, name))
            return &ACTIONS[i];
    return NULL;
}

void ot_api_sns_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation)
{
    *operation = NULL;
    ot_sns_call c = {srv, req, resp, srv->sns, "SNS"};
    if (strcmp(req->method, "POST") && strcmp(req->method, "GET")) {
        ot_snsapi_error(&c, 400, "InvalidAction", "SNS is called with POST (or GET), not %.16s.",
                        req->method);
        return;
    }
    char action[64], version[32];
    int ra = ot_snsapi_param(&c, "Action", action, sizeof action);
    int rv = ot_snsapi_param(&c, "Version", version, sizeof version);
    if (ra == OT_ENOTFOUND) {
        ot_snsapi_error(&c, 400, "MissingAction", "Missing Action");
        return;
    }
    const sns_action *a = ra ? NULL : find_action(action);
    if (!a || rv == OT_ELIMIT || (rv == OT_OK && strcmp(version, OT_SNS_VERSION))) {
        ot_snsapi_error(&c, 400, "InvalidAction", "Could not find operation %.64s for version "
                        "%.32s", ra ? "" : action, rv ? "NO_VERSION_SPECIFIED" : version);
        return;
    }
    if (!srv->sns) { /* a server built without the component: never in `serve` */
        ot_snsapi_error(&c, 500, "InternalError", "SNS is not available on this server.");
        return;
    }
    c.action = a->name;
    *operation = a->name;
    record_params(&c);
    a->run(&c);
}
