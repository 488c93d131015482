/* access_log.c — the access log line (access_log.h), written through util/log so it follows
 * --log-format and --log-level:
 *   ... info access src_ip=192.0.2.1 principal=arn:aws:iam::123456789012:user/admin
 *       service=cloudtrail operation=CreateTrail status=200 error_code=- bytes_in=52
 *       bytes_out=420 latency_ms=3 request_id=...
 * It is cheap: no allocation beyond the line itself; the error code is read from the answer
 * only when there is one. */
#include "api/access_log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

#define PATH_SHOWN 200 /* of a path, in the operation of a request no handler named */

/* The AWS error code of a failed answer: the X-Amzn-ErrorType header (JSON protocols) or the
 * <Code> of an XML error body (S3, STS). */
static void error_code(const ot_resp *resp, char *out, size_t cap)
{
    out[0] = '\0';
    if (resp->status < 300)
        return;
    for (size_t i = 0; i < resp->nheaders; i++)
        if (!strcasecmp(resp->headers[i].name, "X-Amzn-ErrorType")) {
            snprintf(out, cap, "%s", resp->headers[i].value);
            return;
        }
    const char *b = resp->body.data;
    const char *code = b && resp->file_fd < 0 ? strstr(b, "<Code>") : NULL;
    const char *end = code ? strstr(code, "</Code>") : NULL;
    if (end)
        snprintf(out, cap, "%.*s", (int)(end - code - 6), code + 6);
}

/* What was called: the handler's operation, else the X-Amz-Target operation, else method and
 * path. */
static const char *operation(const ot_req *req, char *buf, size_t cap)
{
    if (req->operation)
        return req->operation;
    const char *target = ot_req_header(req, "x-amz-target");
    const char *dot = target ? strrchr(target, '.') : NULL;
    if (dot && dot[1]) {
        snprintf(buf, cap, "%s", dot + 1);
        return buf;
    }
    snprintf(buf, cap, "%s %.*s", req->method ? req->method : "-", PATH_SHOWN,
             req->raw_path ? req->raw_path : "");
    return buf;
}

static uint64_t bytes_out(const ot_resp *resp)
{
    return resp->file_len ? resp->file_len : resp->body.len;
}

void ot_access_log(const ot_req *req, const ot_resp *resp, uint64_t bytes_in,
                   int64_t latency_ms)
{
    if (!ot_log_enabled(OT_LOG_INFO))
        return;
    char code[64], op[PATH_SHOWN + 16];
    error_code(resp, code, sizeof code);
    ot_log_field f[] = {
        {.key = "src_ip", .str = req->source_ip},
        {.key = "principal", .str = req->principal.arn},
        {.key = "service", .str = req->service},
        {.key = "operation", .str = operation(req, op, sizeof op)},
        {.key = "status", .num = resp->status},
        {.key = "error_code", .str = code},
        {.key = "bytes_in", .num = (int64_t)bytes_in},
        {.key = "bytes_out", .num = (int64_t)bytes_out(resp)},
        {.key = "latency_ms", .num = latency_ms},
        {.key = "request_id", .str = req->request_id},
    };
    ot_log_fields(OT_LOG_INFO, "access", f, sizeof f / sizeof f[0]);
}
