/* aws_error.c — error bodies in the shapes the AWS SDKs parse (spec/api.md §1.1, §1.4). */
#include "api/aws_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonw.h"

/* botocore reads `message` (JSON 1.1 falls back to `Message`) and, for rest-json, the
 * X-Amzn-ErrorType header: sending all three satisfies every SDK. */
void ot_aws_json_error(ot_resp *resp, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "application/x-amz-json-1.1");
    ot_resp_header(resp, "X-Amzn-ErrorType", code);
    ot_buf_reset(&resp->body);
    ot_jw w;
    ot_jw_init(&w, &resp->body);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "__type", code);
    ot_jw_kstr(&w, "message", msg);
    ot_jw_kstr(&w, "Message", msg);
    ot_jw_end(&w);
}

static void xml_escape(ot_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': ot_buf_puts(b, "&lt;"); break;
        case '>': ot_buf_puts(b, "&gt;"); break;
        case '&': ot_buf_puts(b, "&amp;"); break;
        case '"': ot_buf_puts(b, "&quot;"); break;
        case '\'': ot_buf_puts(b, "&apos;"); break;
        default: ot_buf_putc(b, *s);
        }
    }
}

void ot_aws_xml_error(ot_resp *resp, const ot_req *req, int status, const char *code,
                      const char *resource, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "application/xml");
    ot_buf_reset(&resp->body);
    ot_buf *b = &resp->body;
    ot_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
    xml_escape(b, code);
    ot_buf_puts(b, "</Code><Message>");
    xml_escape(b, msg);
    ot_buf_puts(b, "</Message>");
    if (resource && *resource) {
        ot_buf_puts(b, "<Resource>");
        xml_escape(b, resource);
        ot_buf_puts(b, "</Resource>");
    }
    ot_buf_puts(b, "<RequestId>");
    xml_escape(b, req ? req->request_id : "");
    ot_buf_puts(b, "</RequestId></Error>");
}
