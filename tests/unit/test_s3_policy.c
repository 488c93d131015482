/* test_s3_policy.c — bucket policies: what the checker refuses (with a reason naming it), and how
 * statements match principals, actions, resources and conditions (deny-by-default, Deny wins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/s3_policy.h"
#include "util/err.h"

#define BKT "logs-bucket"
#define TRAIL "arn:aws:cloudtrail:us-east-1:999999999999:trail/t"

static int check(const char *doc, const char *want_in_err)
{
    char err[512] = "";
    int rc = ot_s3_policy_check(doc, strlen(doc), BKT, err, sizeof err);
    if (want_in_err && !strstr(err, want_in_err))
        fail_msg("error \"%s\" does not mention \"%s\" for %s", err, want_in_err, doc);
    return rc;
}

static void test_policy__refused(void **state)
{
    static const char *const bad[][2] = {
        {"", "JSON"},
        {"[]", "object"},
        {"{}", "Statement"},
        {"{\"Statement\":[]}", "Statement"},
        {"{\"Version\":\"2020-01-01\",\"Statement\":{}}", "Version"},
        {"{\"Foo\":1,\"Statement\":{}}", "Foo"},
        /* a second Statement (or Effect) would silently replace the first: a Deny turned Allow */
        {"{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "\"},\"Statement\":{\"Effect\":\"Allow\","
         "\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::" BKT "\"}}",
         "Duplicate"},
        {"{\"Statement\":{\"Effect\":\"Deny\",\"Effect\":\"Allow\",\"Principal\":\"*\","
         "\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "Duplicate"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\"}}",
         "Resource"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"NotPrincipal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "NotPrincipal"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"x\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "principal"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"CanonicalUser\":\"x\"},"
         "\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "CanonicalUser"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::1:root\"},"
         "\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "principal"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"evil.example.com\"},"
         "\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "service"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"iam:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "action"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[],"
         "\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "Action"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "x/*\"}}", "resource"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::*\"}}", "resource"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":"
         "\"true\"}}}}", "Bool"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "\",\"Condition\":{\"StringEquals\":{\"aws:SourceIp\":"
         "\"1.2.3.4\"}}}}", "aws:SourceIp"},
        {"{\"Statement\":{\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"s3:*\","
         "\"Resource\":\"arn:aws:s3:::" BKT "\"}}", "Effect"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(check(bad[i][0], bad[i][1]), OT_EINVAL);
}

/* CloudTrail's documented bucket policy for a trail of account 999999999999. */
static const char ct_policy[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Sid\":\"AWSCloudTrailAclCheck\",\"Effect\":\"Allow\","
    "\"Principal\":{\"Service\":\"cloudtrail.amazonaws.com\"},\"Action\":\"s3:GetBucketAcl\","
    "\"Resource\":\"arn:aws:s3:::" BKT "\","
    "\"Condition\":{\"StringEquals\":{\"aws:SourceArn\":\"" TRAIL "\"}}},"
    "{\"Sid\":\"AWSCloudTrailWrite\",\"Effect\":\"Allow\","
    "\"Principal\":{\"Service\":\"cloudtrail.amazonaws.com\"},\"Action\":\"s3:PutObject\","
    "\"Resource\":\"arn:aws:s3:::" BKT "/AWSLogs/999999999999/*\","
    "\"Condition\":{\"StringEquals\":{\"s3:x-amz-acl\":\"bucket-owner-full-control\","
    "\"AWS:SourceArn\":\"" TRAIL "\"}}}]}";

static ot_policy_result eval(const char *doc, ot_s3_access a)
{
    a.bucket = BKT;
    if (a.key)
        a.key_len = strlen(a.key);
    return ot_s3_policy_eval(doc, strlen(doc), &a);
}

static void test_policy__cloudtrail_statements(void **state)
{
    assert_int_equal(check(ct_policy, NULL), 0);
    ot_s3_access ct = {.service = OT_CLOUDTRAIL_SERVICE, .source_arn = TRAIL,
                       .source_account = "999999999999"};
    ot_s3_access acl = ct, put = ct;
    acl.action = "s3:GetBucketAcl";
    put.action = "s3:PutObject", put.key = "AWSLogs/999999999999/CloudTrail/x";
    put.acl = "bucket-owner-full-control";
    assert_int_equal(eval(ct_policy, acl), OT_POLICY_ALLOW);
    assert_int_equal(eval(ct_policy, put), OT_POLICY_ALLOW);
    ot_s3_access v = put;
    v.acl = NULL; /* a condition key the request lacks does not match */
    assert_int_equal(eval(ct_policy, v), OT_POLICY_NO_MATCH);
    v = put, v.source_arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/other";
    assert_int_equal(eval(ct_policy, v), OT_POLICY_NO_MATCH);
    v = put, v.key = "AWSLogs/111111111111/CloudTrail/x";
    assert_int_equal(eval(ct_policy, v), OT_POLICY_NO_MATCH);
    v = put, v.service = NULL, v.account = "999999999999", v.arn = "arn:aws:iam::999999999999:root";
    assert_int_equal(eval(ct_policy, v), OT_POLICY_NO_MATCH); /* the account is not the service */
    v = acl, v.action = "s3:GetObject";
    assert_int_equal(eval(ct_policy, v), OT_POLICY_NO_MATCH);
}

static void test_policy__principals_actions_resources_deny(void **state)
{
    static const char doc[] =
        "{\"Statement\":["
        "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"111111111111\","
        "\"arn:aws:iam::222222222222:root\",\"arn:aws:iam::333333333333:user/alice\"]},"
        "\"Action\":[\"s3:Get*\",\"s3:List?ucket\"],"
        "\"Resource\":[\"arn:aws:s3:::" BKT "\",\"arn:aws:s3:::" BKT "/shared/*\"]},"
        "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
        "\"Resource\":\"arn:aws:s3:::" BKT "/shared/secret*\"}]}";
    assert_int_equal(check(doc, NULL), 0);
    ot_s3_access a = {.account = "111111111111", .arn = "arn:aws:iam::111111111111:user/x",
                      .action = "S3:GETOBJECT", .key = "shared/a.txt"};
    assert_int_equal(eval(doc, a), OT_POLICY_ALLOW);
    a.account = "222222222222";
    assert_int_equal(eval(doc, a), OT_POLICY_ALLOW);
    a.account = "333333333333"; /* only alice of that account */
    assert_int_equal(eval(doc, a), OT_POLICY_NO_MATCH);
    a.arn = "arn:aws:iam::333333333333:user/alice";
    assert_int_equal(eval(doc, a), OT_POLICY_ALLOW);
    a.key = "shared/secret.txt";
    assert_int_equal(eval(doc, a), OT_POLICY_DENY);
    a.key = "private/a.txt";
    assert_int_equal(eval(doc, a), OT_POLICY_NO_MATCH);
    a.key = NULL, a.action = "s3:ListBucket";
    assert_int_equal(eval(doc, a), OT_POLICY_ALLOW);
    a.action = "s3:PutObject", a.key = "shared/a.txt";
    assert_int_equal(eval(doc, a), OT_POLICY_NO_MATCH);
    a.account = "444444444444", a.arn = "arn:aws:iam::444444444444:root", a.action = "s3:GetObject";
    assert_int_equal(eval(doc, a), OT_POLICY_NO_MATCH);
    /* a document that does not check never allows */
    assert_int_equal(eval("{\"Statement\":", a), OT_POLICY_DENY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy__refused),
        cmocka_unit_test(test_policy__cloudtrail_statements),
        cmocka_unit_test(test_policy__principals_actions_resources_deny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
