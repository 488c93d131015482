/* bucket_invoke.c — bucket-policy-restore's S3 calls: a path-style S3 request made inside the
 * server as the responder, run by the real S3 handler and audited by it (ot_api_invoke). The
 * request's eventID is chosen here (ot_resp.audit_event_id), so the incident names the record
 * of each call without searching the history for it. */
#include <stdio.h>
#include <string.h>

#include "api/dispatch.h"
#include "respond/bucket_int.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"

/* The <Code> and <Message> of an S3 error body. */
static void read_error(const ot_resp *resp, rb_s3_call *call)
{
    const char *body = resp->body.data ? resp->body.data : "";
    const char *c = strstr(body, "<Code>"), *m = strstr(body, "<Message>");
    if (c)
        snprintf(call->error_code, sizeof call->error_code, "%.*s", (int)strcspn(c + 6, "<"),
                 c + 6);
    if (m)
        snprintf(call->error_message, sizeof call->error_message, "%.*s",
                 (int)strcspn(m + 9, "<"), m + 9);
    if (!call->error_code[0])
        snprintf(call->error_code, sizeof call->error_code, "HTTP %d", resp->status);
}

int rb_invoke_s3(ot_api *srv, const char *account, const char *region, const char *method,
                 const char *bucket, const char *subresource, const char *body,
                 rb_s3_call *call)
{
    memset(call, 0, sizeof *call);
    char path[80], agent[64];
    snprintf(path, sizeof path, "/%s", bucket);
    ot_buf in;
    ot_buf_init(&in, 0);
    if (ot_buf_reserve(&in, 1) || ot_buf_puts(&in, body ? body : "")) /* the handlers read OT_BUF_PAD bytes past it */
        return OT_ENOMEM;
    ot_req req = {.method = method, .raw_path = path, .raw_query = subresource,
                  .body = in.data, .body_len = in.len};
    rb_responder_request(&req, RB_BUCKET_RESTORE, account, region, "s3", agent);

    ot_resp resp;
    ot_resp_init(&resp);
    ot_uuid4(resp.audit_event_id);
    ot_api_invoke(srv, &req, &resp);
    memcpy(call->event_id, resp.audit_event_id, sizeof call->event_id);
    call->at_ms = req.received_ms;
    call->status = resp.status;
    if (resp.status >= 300)
        read_error(&resp, call);
    ot_resp_free(&resp);
    ot_buf_free(&in);
    return call->status >= 200 && call->status < 300 ? OT_OK : OT_EINVAL;
}
