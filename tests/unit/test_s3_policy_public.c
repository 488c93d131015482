/* test_s3_policy_public.c — when a bucket policy makes its bucket public (S3's rule, as
 * ot_s3_policy_is_public has it): an Allow to "*" or {"AWS": "*"} without a condition pinning a
 * restricting key to fixed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/s3_policy.h"

#define RES "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\""

static bool is_public(const char *statement)
{
    char doc[2048];
    snprintf(doc, sizeof doc, "{\"Version\":\"2012-10-17\",\"Statement\":[%s]}", statement);
    return ot_s3_policy_is_public(doc, strlen(doc), NULL, 0);
}

static void test_public__anyone_without_condition(void **state)
{
    (void)state;
    assert_true(is_public("{\"Effect\":\"Allow\",\"Principal\":\"*\"," RES "}"));
    assert_true(is_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"}," RES "}"));
    assert_true(is_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"111111111111\","
                          "\"*\"]}," RES "}"));
    /* a single statement object instead of a list */
    const char one[] = "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\"," RES "}}";
    assert_true(ot_s3_policy_is_public(one, strlen(one), NULL, 0));
    /* the second statement is the public one */
    assert_true(is_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111111111111\"}," RES
                          "},{\"Effect\":\"Allow\",\"Principal\":\"*\"," RES "}"));
}

static void test_public__not_public(void **state)
{
    (void)state;
    assert_false(is_public("{\"Effect\":\"Deny\",\"Principal\":\"*\"," RES "}"));
    assert_false(is_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111111111111\"}," RES
                           "}"));
    assert_false(is_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
                           "\"arn:aws:iam::111111111111:root\"}," RES "}"));
    assert_false(is_public("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                           "\"cloudtrail.amazonaws.com\"}," RES "}"));
    /* not a policy at all */
    assert_false(ot_s3_policy_is_public("{", 1, NULL, 0));
    assert_false(ot_s3_policy_is_public("[]", 2, NULL, 0));
    assert_false(ot_s3_policy_is_public("{}", 2, NULL, 0));
}

static void test_public__restricting_conditions(void **state)
{
    (void)state;
    static const char *const restricting[] = {
        "{\"IpAddress\":{\"aws:SourceIp\":\"192.0.2.0/24\"}}",
        "{\"StringEquals\":{\"aws:SourceVpc\":\"vpc-1a2b3c4d\"}}",
        "{\"StringEquals\":{\"aws:SourceVpce\":\"vpce-1a2b3c4d\"}}",
        "{\"StringEquals\":{\"aws:PrincipalOrgID\":[\"o-abc123\",\"o-def456\"]}}",
        "{\"StringEquals\":{\"aws:SourceAccount\":\"111111111111\"}}",
        "{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:cloudtrail:us-east-1:1:trail/t\"}}",
        "{\"ArnLike\":{\"aws:sourcearn\":\"arn:aws:cloudtrail:us-east-1:1:trail/t\"}}",
        /* one pinned key among others is enough (blocks are ANDed) */
        "{\"StringLike\":{\"s3:prefix\":\"*\"},\"StringEquals\":{\"aws:PrincipalAccount\":"
        "\"111111111111\"}}",
    };
    static const char *const not_restricting[] = {
        "{\"StringEquals\":{\"s3:x-amz-acl\":\"bucket-owner-full-control\"}}",
        "{\"StringLike\":{\"aws:SourceArn\":\"arn:aws:cloudtrail:*\"}}",  /* a wildcard */
        "{\"StringEquals\":{\"aws:SourceAccount\":\"*\"}}",
        "{\"IpAddress\":{\"aws:SourceIp\":\"0.0.0.0/0\"}}",               /* everyone */
        "{\"IpAddress\":{\"aws:SourceIp\":[\"192.0.2.0/24\",\"::/0\"]}}",
        "{\"NotIpAddress\":{\"aws:SourceIp\":\"192.0.2.0/24\"}}",           /* negated */
        "{\"StringNotEquals\":{\"aws:PrincipalOrgID\":\"o-abc123\"}}",
        "{\"StringEqualsIfExists\":{\"aws:SourceVpc\":\"vpc-1\"}}", /* passes without the key */
        "{\"StringEquals\":{\"aws:SourceVpc\":[]}}",
        "{\"Bool\":{\"aws:SecureTransport\":\"true\"}}",
        "{}",
    };
    char st[1024];
    for (size_t i = 0; i < sizeof restricting / sizeof restricting[0]; i++) {
        snprintf(st, sizeof st, "{\"Effect\":\"Allow\",\"Principal\":\"*\"," RES
                 ",\"Condition\":%s}", restricting[i]);
        if (is_public(st))
            fail_msg("public despite %s", restricting[i]);
    }
    for (size_t i = 0; i < sizeof not_restricting / sizeof not_restricting[0]; i++) {
        snprintf(st, sizeof st, "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"}," RES
                 ",\"Condition\":%s}", not_restricting[i]);
        if (!is_public(st))
            fail_msg("not public with %s", not_restricting[i]);
    }
}

static void test_public__names_the_statement(void **state)
{
    (void)state;
    char why[200];
    const char named[] = "{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\"," RES "},"
                         "{\"Sid\":\"OpenToAll\",\"Effect\":\"Allow\",\"Principal\":\"*\"," RES
                         "}]}";
    assert_true(ot_s3_policy_is_public(named, strlen(named), why, sizeof why));
    assert_non_null(strstr(why, "\"OpenToAll\""));
    const char anon[] = "{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\"," RES "},"
                        "{\"Effect\":\"Allow\",\"Principal\":\"*\"," RES "}]}";
    assert_true(ot_s3_policy_is_public(anon, strlen(anon), why, sizeof why));
    assert_non_null(strstr(why, "statement 2 "));
    assert_false(ot_s3_policy_is_public("{}", 2, why, sizeof why));
    assert_string_equal(why, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public__anyone_without_condition),
        cmocka_unit_test(test_public__not_public),
        cmocka_unit_test(test_public__restricting_conditions),
        cmocka_unit_test(test_public__names_the_statement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
