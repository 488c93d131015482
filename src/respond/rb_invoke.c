/* rb_invoke.c — the runbooks' API calls: a CloudTrail request made inside the server, as the
 * responder principal, run by the real handler and audited by it (api/dispatch.h
 * ot_api_invoke). No signature is involved: nothing leaves the process. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/dispatch.h"
#include "respond/respond_int.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/timeutil.h"

#define CT_TARGET "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
#define RESPONDER_ROLE_ID "AROAOPENTRAILRESPONDER"

void rb_responder_arn(const char *account, const char *runbook, char *out, size_t cap)
{
    snprintf(out, cap, "arn:aws:sts::%s:assumed-role/" OT_RESPONDER_ROLE "/%s", account,
             runbook);
}

bool rb_is_own_record(ot_json record)
{
    ot_json id;
    const char *arn, *ip;
    size_t arn_len, ip_len;
    static const char role[] = ":assumed-role/" OT_RESPONDER_ROLE "/";
    if (ot_json_get(record, "userIdentity", &id) ||
        ot_json_get_str(id, "arn", &arn, &arn_len) ||
        ot_json_get_str(record, "sourceIPAddress", &ip, &ip_len))
        return false;
    /* The address is what no caller can claim: a socket or a trusted proxy gives an IP. */
    return ip_len == strlen(OT_RESPONDER_SOURCE_IP) &&
           !memcmp(ip, OT_RESPONDER_SOURCE_IP, ip_len) && memmem(arn, arn_len, role,
                                                                  sizeof role - 1);
}

static void responder_principal(const char *account, const char *runbook, ot_principal *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->type, sizeof p->type, "AssumedRole");
    snprintf(p->account_id, sizeof p->account_id, "%s", account);
    rb_responder_arn(account, runbook, p->arn, sizeof p->arn);
    snprintf(p->principal_id, sizeof p->principal_id, RESPONDER_ROLE_ID ":%s", runbook);
}

void rb_responder_request(ot_req *req, const char *runbook, const char *account,
                          const char *region, const char *service, char agent[64])
{
    snprintf(agent, 64, OT_RESPONDER_USER_AGENT_PREFIX "%s", runbook);
    req->headers[req->nheaders++] = (ot_header){"user-agent", agent};
    snprintf(req->source_ip, sizeof req->source_ip, OT_RESPONDER_SOURCE_IP);
    ot_uuid4(req->request_id);
    snprintf(req->service, sizeof req->service, "%s", service);
    snprintf(req->region, sizeof req->region, "%s", region);
    responder_principal(account, runbook, &req->principal);
    req->received_ms = ot_now_ms();
}

static void read_answer(const ot_resp *resp, rb_call *call)
{
    call->status = resp->status;
    for (size_t i = 0; i < resp->nheaders; i++)
        if (!strcasecmp(resp->headers[i].name, "X-Amzn-ErrorType"))
            snprintf(call->error_code, sizeof call->error_code, "%s", resp->headers[i].value);
    if (!resp->body.len)
        return;
    call->doc = ot_json_doc_new();
    if (call->doc && ot_json_parse(call->doc, resp->body.data, resp->body.len, false, &call->out,
                                   NULL, 0)) {
        ot_json_doc_free(call->doc);
        call->doc = NULL;
    }
    const char *msg;
    size_t n;
    if (call->doc && resp->status >= 300 &&
        !ot_json_get_str(call->out, "message", &msg, &n))
        snprintf(call->error_message, sizeof call->error_message, "%.*s", (int)n, msg);
    if (resp->status >= 300 && !call->error_code[0])
        snprintf(call->error_code, sizeof call->error_code, "HTTP %d", resp->status);
}

int rb_invoke(ot_api *srv, const char *runbook, const char *account, const char *region,
              const char *op, const char *body, rb_call *call)
{
    memset(call, 0, sizeof *call);
    char target[128], agent[64];
    snprintf(target, sizeof target, CT_TARGET "%s", op);
    ot_buf in;
    ot_buf_init(&in, 0);
    if (ot_buf_puts(&in, body)) /* the handlers read OT_BUF_PAD bytes past the body */
        return OT_ENOMEM;
    ot_req req = {.method = "POST", .raw_path = "/", .raw_query = "", .body = in.data,
                  .body_len = in.len};
    req.headers[req.nheaders++] = (ot_header){"x-amz-target", target};
    req.headers[req.nheaders++] = (ot_header){"content-type", "application/x-amz-json-1.1"};
    rb_responder_request(&req, runbook, account, region, "cloudtrail", agent);

    ot_resp resp;
    ot_resp_init(&resp);
    ot_api_invoke(srv, &req, &resp);
    memcpy(call->request_id, req.request_id, sizeof call->request_id);
    call->at_ms = req.received_ms;
    read_answer(&resp, call);
    ot_resp_free(&resp);
    ot_buf_free(&in);
    return call->status >= 200 && call->status < 300 ? OT_OK : OT_EINVAL;
}

void rb_call_free(rb_call *call)
{
    ot_json_doc_free(call->doc);
    call->doc = NULL;
}
