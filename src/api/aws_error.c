/* aws_error.c — error bodies in the shapes the AWS SDKs parse: awsJson1_1 and restJson1
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html, …/aws-restjson1-protocol.html)
 * and S3's XML (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
#include "api/aws_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonw.h"

/* botocore reads `message` (JSON 1.1 falls back to `Message`) and, for rest-json, the
 * X-Amzn-ErrorType header: sending all three satisfies every SDK. */
void ot_aws_json_error(ot_resp *resp, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ot_aws_json_verror(resp, status, code, fmt, ap);
    va_end(ap);
}

void ot_aws_json_verror(ot_resp *resp, int status, const char *code, const char *fmt,
                        va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
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

void ot_aws_xml_elem(ot_buf *b, const char *name, const char *value)
{
    ot_buf_printf(b, "<%s>", name);
    xml_escape(b, value);
    ot_buf_printf(b, "</%s>", name);
}

static void xml_error(ot_resp *resp, const ot_req *req, int status, const char *code,
                      const char *resource, const char *detail_name, const char *detail,
                      const char *msg)
{
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "application/xml");
    ot_buf_reset(&resp->body);
    ot_buf *b = &resp->body;
    ot_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    ot_aws_xml_elem(b, "Code", code);
    ot_aws_xml_elem(b, "Message", msg);
    if (detail_name)
        ot_aws_xml_elem(b, detail_name, detail ? detail : "");
    if (resource && *resource)
        ot_aws_xml_elem(b, "Resource", resource);
    ot_aws_xml_elem(b, "RequestId", req ? req->request_id : "");
    ot_buf_puts(b, "</Error>");
}

static void xml_error_v(ot_resp *resp, const ot_req *req, int status, const char *code,
                        const char *resource, const char *detail_name, const char *detail,
                        const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    xml_error(resp, req, status, code, resource, detail_name, detail, msg);
}

void ot_aws_xml_error(ot_resp *resp, const ot_req *req, int status, const char *code,
                      const char *resource, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ot_aws_xml_verror(resp, req, status, code, resource, fmt, ap);
    va_end(ap);
}

void ot_aws_xml_verror(ot_resp *resp, const ot_req *req, int status, const char *code,
                       const char *resource, const char *fmt, va_list ap)
{
    xml_error_v(resp, req, status, code, resource, NULL, NULL, fmt, ap);
}

void ot_aws_xml_error_detail(ot_resp *resp, const ot_req *req, int status, const char *code,
                             const char *resource, const char *detail_name,
                             const char *detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xml_error_v(resp, req, status, code, resource, detail_name, detail, fmt, ap);
    va_end(ap);
}

static void query_error_v(ot_resp *resp, const ot_req *req, const char *xmlns, int status,
                          const char *code, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "text/xml");
    ot_buf_reset(&resp->body);
    ot_buf *b = &resp->body;
    ot_buf_printf(b, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    ", xmlns);
    ot_aws_xml_elem(b, "Type", status >= 500 ? "Receiver" : "Sender");
    ot_buf_puts(b, "\n    ");
    ot_aws_xml_elem(b, "Code", code);
    ot_buf_puts(b, "\n    ");
    ot_aws_xml_elem(b, "Message", msg);
    ot_buf_puts(b, "\n  </Error>\n  ");
    ot_aws_xml_elem(b, "RequestId", req ? req->request_id : "");
    ot_buf_puts(b, "\n</ErrorResponse>\n");
}

void ot_aws_query_error(ot_resp *resp, const ot_req *req, int status, const char *code,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    query_error_v(resp, req, OT_STS_XMLNS, status, code, fmt, ap);
    va_end(ap);
}

void ot_aws_query_error_ns(ot_resp *resp, const ot_req *req, const char *xmlns, int status,
                           const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    query_error_v(resp, req, xmlns, status, code, fmt, ap);
    va_end(ap);
}

void ot_aws_query_begin(ot_resp *resp, const char *action, const char *xmlns, bool with_result)
{
    resp->status = 200;
    snprintf(resp->content_type, sizeof resp->content_type, "text/xml");
    ot_buf_reset(&resp->body);
    ot_buf_printf(&resp->body, "<%sResponse xmlns=\"%s\">\n", action, xmlns);
    if (with_result)
        ot_buf_printf(&resp->body, "  <%sResult>\n", action);
}

void ot_aws_query_end(ot_resp *resp, const char *request_id, const char *action,
                      bool with_result)
{
    ot_buf *b = &resp->body;
    if (with_result)
        ot_buf_printf(b, "  </%sResult>\n", action);
    ot_buf_puts(b, "  <ResponseMetadata>\n    ");
    ot_aws_xml_elem(b, "RequestId", request_id);
    ot_buf_printf(b, "\n  </ResponseMetadata>\n</%sResponse>\n", action);
}
