/* fuzz_s3_policy.c — bucket policies (s3_policy.c): the checker on any bytes, and evaluation of
 * every document it accepts for a few requests (an account, a user, the CloudTrail service),
 * which must agree with the checker (an accepted document never fails to evaluate); and the
 * public-policy rule (s3_policy_public.c) on any bytes, which names a statement whenever it
 * calls a document public. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    const char *doc = (const char *)data;
    char why[160];
    if (ot_s3_policy_is_public(doc, size, why, sizeof why) && strnlen(why, sizeof why) == 0)
        abort();
    if (ot_s3_policy_check(doc, size, "logs-bucket", err, sizeof err) != 0)
        return 0;
    const ot_s3_access reqs[] = {
        {.account = "111111111111", .arn = "arn:aws:iam::111111111111:root",
         .action = "s3:GetObject", .bucket = "logs-bucket", .key = "AWSLogs/a/b", .key_len = 11},
        {.account = "222222222222", .arn = "arn:aws:iam::222222222222:user/alice",
         .action = "s3:ListBucket", .bucket = "logs-bucket"},
        {.service = OT_CLOUDTRAIL_SERVICE, .action = "s3:PutObject", .bucket = "logs-bucket",
         .key = "AWSLogs/999999999999/CloudTrail/x", .key_len = 33,
         .source_arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/t",
         .source_account = "999999999999", .acl = "bucket-owner-full-control"},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        ot_policy_result r = ot_s3_policy_eval(doc, size, &reqs[i]);
        if (r != OT_POLICY_NO_MATCH && r != OT_POLICY_ALLOW && r != OT_POLICY_DENY)
            abort();
    }
    return 0;
}
