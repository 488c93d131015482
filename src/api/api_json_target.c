/* api_json_target.c — the operation of an AWS JSON 1.x request, named by its X-Amz-Target
 * header, looked up in a service's table of operations (CloudWatch Logs, EventBridge). */
#include <string.h>

#include "api/api_cloudtrail.h"
#include "api/aws_error.h"

const void *ct_op_by_target(const ot_req *req, ot_resp *resp, const char *prefix,
                            const void *ops, size_t n, size_t size)
{
    const char *target = ot_req_header(req, "x-amz-target");
    size_t plen = strlen(prefix);
    if (target && !strncmp(target, prefix, plen) && !strcmp(req->method, "POST"))
        for (size_t i = 0; i < n; i++) {
            const void *op = (const char *)ops + i * size;
            if (!strcmp(*(const char *const *)op, target + plen))
                return op;
        }
    ot_aws_json_error(resp, 400, "UnknownOperationException", "Unknown operation: %.200s %.200s",
                      req->method, target ? target : "(no X-Amz-Target)");
    return NULL;
}
