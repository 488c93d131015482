/* test_cis_pack.c — the CIS pack that `opentrail monitor cis` installs (cli/cis_pack.h): every
 * pattern compiles with the one filter compiler, every control trips on a realistic CloudTrail
 * record and stays quiet on its near misses (the precedence and missing-field traps of the
 * published patterns among them), the names are valid CloudWatch names, and the patterns are
 * the same text as the independent transcription the filter tests use (filter_cis.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cis_pack.h"
#include "filter/filter.h"
#include "filter_cis.h"

#define CONSOLE_LOGIN(ident, extra)                                                             \
    CT_EVENT(ident, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn", extra)
#define LOGIN_OK ",\"responseElements\":{\"ConsoleLogin\":\"Success\"}"
#define LOGIN_FAILED ",\"responseElements\":{\"ConsoleLogin\":\"Failure\"}"
#define MFA(yes_no) ",\"additionalEventData\":{\"LoginTo\":\"https://console.aws.amazon.com/\"," \
                    "\"MobileVersion\":\"No\",\"MFAUsed\":\"" yes_no "\"}"
/* A root record without eventType: not something CloudTrail writes, but the pattern's
 * `$.eventType != "AwsServiceEvent"` must then be false, as AWS evaluates != on a missing key */
#define ROOT_NO_EVENT_TYPE                                                                      \
    "{\"eventVersion\":\"1.08\",\"userIdentity\":" CT_ROOT ",\"eventTime\":\"2026-01-05T10:00:00Z" \
    "\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"awsRegion\":"        \
    "\"us-east-1\",\"sourceIPAddress\":\"203.0.113.7\"}"

typedef struct cis_case {
    const char *control;
    bool trips;
    const char *why;
    const char *event;
} cis_case;

static const cis_case cases[] = {
    {"CloudWatch.1", true, "root API call", CT_EVENT(CT_ROOT, "iam.amazonaws.com", "CreateUser", "AwsApiCall", "")},
    {"CloudWatch.1", true, "root console sign-in", CONSOLE_LOGIN(CT_ROOT, MFA("Yes") LOGIN_OK)},
    {"CloudWatch.1", false, "root, but invoked by a service",
     CT_EVENT(CT_ROOT_BY_SERVICE, "iam.amazonaws.com", "CreateUser", "AwsApiCall", "")},
    {"CloudWatch.1", false, "root, but eventType AwsServiceEvent",
     CT_EVENT(CT_ROOT, "sts.amazonaws.com", "AssumeRole", "AwsServiceEvent", "")},
    {"CloudWatch.1", false, "root, no eventType at all (!= on a missing key)", ROOT_NO_EVENT_TYPE},
    {"CloudWatch.1", false, "an IAM user", CT_CALL("iam.amazonaws.com", "CreateUser", "")},

    {"CloudWatch.2", true, "AccessDenied", CT_CALL("s3.amazonaws.com", "GetObject", ",\"errorCode\":\"AccessDenied\"")},
    {"CloudWatch.2", true, "AccessDeniedException", CT_CALL("kms.amazonaws.com", "Decrypt", ",\"errorCode\":\"AccessDeniedException\"")},
    {"CloudWatch.2", true, "Client.UnauthorizedOperation", CT_CALL("ec2.amazonaws.com", "TerminateInstances", ",\"errorCode\":\"Client.UnauthorizedOperation\"")},
    {"CloudWatch.2", false, "AccessDenied not at the start", CT_CALL("s3.amazonaws.com", "GetObject", ",\"errorCode\":\"Client.AccessDenied\"")},
    {"CloudWatch.2", false, "UnauthorizedOperation not at the end", CT_CALL("ec2.amazonaws.com", "RunInstances", ",\"errorCode\":\"UnauthorizedOperationPending\"")},
    {"CloudWatch.2", false, "another error", CT_CALL("dynamodb.amazonaws.com", "PutItem", ",\"errorCode\":\"ThrottlingException\"")},
    {"CloudWatch.2", false, "no error", CT_CALL("s3.amazonaws.com", "GetObject", "")},

    {"CloudWatch.3", true, "IAM user signed in without MFA", CONSOLE_LOGIN(CT_IAMUSER, MFA("No") LOGIN_OK)},
    {"CloudWatch.3", false, "MFAUsed Yes", CONSOLE_LOGIN(CT_IAMUSER, MFA("Yes") LOGIN_OK)},
    {"CloudWatch.3", false, "the sign-in failed", CONSOLE_LOGIN(CT_IAMUSER, MFA("No") LOGIN_FAILED)},
    {"CloudWatch.3", false, "root, not an IAM user", CONSOLE_LOGIN(CT_ROOT, MFA("No") LOGIN_OK)},
    {"CloudWatch.3", false, "no MFAUsed field (!= on a missing key)", CONSOLE_LOGIN(CT_IAMUSER, LOGIN_OK)},

    {"CloudWatch.4", true, "PutUserPolicy", CT_CALL("iam.amazonaws.com", "PutUserPolicy", "")},
    {"CloudWatch.4", true, "AttachRolePolicy", CT_CALL("iam.amazonaws.com", "AttachRolePolicy", "")},
    {"CloudWatch.4", true, "CreatePolicyVersion", CT_CALL("iam.amazonaws.com", "CreatePolicyVersion", "")},
    {"CloudWatch.4", false, "GetPolicyVersion", CT_CALL("iam.amazonaws.com", "GetPolicyVersion", "")},
    {"CloudWatch.4", false, "PutRolePermissionsBoundary (not listed)", CT_CALL("iam.amazonaws.com", "PutRolePermissionsBoundary", "")},

    {"CloudWatch.5", true, "UpdateTrail", CT_CALL("cloudtrail.amazonaws.com", "UpdateTrail", "")},
    {"CloudWatch.5", true, "DeleteTrail", CT_CALL("cloudtrail.amazonaws.com", "DeleteTrail", "")},
    {"CloudWatch.5", false, "GetTrailStatus", CT_CALL("cloudtrail.amazonaws.com", "GetTrailStatus", "")},
    {"CloudWatch.5", false, "PutEventSelectors (not listed)", CT_CALL("cloudtrail.amazonaws.com", "PutEventSelectors", "")},

    {"CloudWatch.6", true, "failed authentication",
     CONSOLE_LOGIN(CT_IAMUSER, MFA("No") LOGIN_FAILED ",\"errorMessage\":\"Failed authentication\"")},
    {"CloudWatch.6", false, "a failure for another reason",
     CONSOLE_LOGIN(CT_IAMUSER, MFA("No") LOGIN_FAILED ",\"errorMessage\":\"No username found in supplied account\"")},
    {"CloudWatch.6", false, "a successful sign-in", CONSOLE_LOGIN(CT_IAMUSER, MFA("Yes") LOGIN_OK)},

    {"CloudWatch.7", true, "DisableKey", CT_CALL("kms.amazonaws.com", "DisableKey", "")},
    {"CloudWatch.7", true, "ScheduleKeyDeletion", CT_CALL("kms.amazonaws.com", "ScheduleKeyDeletion", "")},
    {"CloudWatch.7", false, "right event, wrong source", CT_CALL("payment-cryptography.amazonaws.com", "DisableKey", "")},
    {"CloudWatch.7", false, "right source, another event", CT_CALL("kms.amazonaws.com", "CancelKeyDeletion", "")},

    {"CloudWatch.8", true, "DeleteBucketCors", CT_CALL("s3.amazonaws.com", "DeleteBucketCors", "")},
    {"CloudWatch.8", true, "PutBucketAcl", CT_CALL("s3.amazonaws.com", "PutBucketAcl", "")},
    {"CloudWatch.8", false, "right event, wrong source", CT_CALL("s3-outposts.amazonaws.com", "PutBucketPolicy", "")},
    {"CloudWatch.8", false, "PutBucketTagging (not listed)", CT_CALL("s3.amazonaws.com", "PutBucketTagging", "")},

    {"CloudWatch.9", true, "PutDeliveryChannel", CT_CALL("config.amazonaws.com", "PutDeliveryChannel", "")},
    {"CloudWatch.9", false, "StartConfigurationRecorder", CT_CALL("config.amazonaws.com", "StartConfigurationRecorder", "")},
    {"CloudWatch.9", false, "right event, wrong source", CT_CALL("ec2.amazonaws.com", "PutDeliveryChannel", "")},

    {"CloudWatch.10", true, "RevokeSecurityGroupEgress", CT_CALL("ec2.amazonaws.com", "RevokeSecurityGroupEgress", "")},
    {"CloudWatch.10", false, "ModifySecurityGroupRules (CIS 5.0 only)", CT_CALL("ec2.amazonaws.com", "ModifySecurityGroupRules", "")},

    {"CloudWatch.11", true, "CreateNetworkAclEntry", CT_CALL("ec2.amazonaws.com", "CreateNetworkAclEntry", "")},
    {"CloudWatch.11", false, "DescribeNetworkAcls", CT_CALL("ec2.amazonaws.com", "DescribeNetworkAcls", "")},

    {"CloudWatch.12", true, "DeleteCustomerGateway", CT_CALL("ec2.amazonaws.com", "DeleteCustomerGateway", "")},
    {"CloudWatch.12", false, "CreateNatGateway (not listed)", CT_CALL("ec2.amazonaws.com", "CreateNatGateway", "")},

    {"CloudWatch.13", true, "CreateRoute", CT_CALL("ec2.amazonaws.com", "CreateRoute", "")},
    {"CloudWatch.13", false, "AssociateRouteTable (not listed)", CT_CALL("ec2.amazonaws.com", "AssociateRouteTable", "")},

    {"CloudWatch.14", true, "CreateVpc", CT_CALL("ec2.amazonaws.com", "CreateVpc", "")},
    {"CloudWatch.14", true, "RejectVpcPeeringConnection", CT_CALL("ec2.amazonaws.com", "RejectVpcPeeringConnection", "")},
    {"CloudWatch.14", false, "CreateVpcEndpoint (not listed)", CT_CALL("ec2.amazonaws.com", "CreateVpcEndpoint", "")},
};

static const ot_cis_control *control(const char *id)
{
    size_t n;
    const ot_cis_control *c = ot_cis_controls(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i].id, id))
            return &c[i];
    fail_msg("no control %s in the pack", id);
    return NULL;
}

static ot_filter *compile(const ot_cis_control *c)
{
    ot_filter *f = NULL;
    ot_filter_error e = {0};
    if (ot_filter_compile(c->pattern, strlen(c->pattern), &f, &e))
        fail_msg("%s: %s at column %d", c->id, e.message, e.column);
    return f;
}

/* Fourteen controls, CloudWatch.1 to .14 in order, each a JSON pattern within the limit. */
static void test_cis_pack__compiles(void **state)
{
    (void)state;
    size_t n;
    const ot_cis_control *c = ot_cis_controls(&n);
    assert_int_equal(n, 14);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "CloudWatch.%zu", i + 1);
        assert_string_equal(c[i].id, id);
        assert_true(strlen(c[i].pattern) <= OT_FILTER_MAX_PATTERN);
        ot_filter *f = compile(&c[i]);
        assert_int_equal(ot_filter_kind_of(f), OT_FILTER_JSON);
        ot_filter_free(f);
    }
}

/* Each case: the control trips on it, or stays quiet. Every control has both kinds. */
static void test_cis_pack__trips_and_near_misses(void **state)
{
    (void)state;
    ot_filter_fields *fx = ot_filter_fields_new();
    assert_non_null(fx);
    int trips[15] = {0}, misses[15] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const cis_case *k = &cases[i];
        const ot_cis_control *c = control(k->control);
        ot_filter *f = compile(c);
        bool hit = ot_filter_match(f, k->event, strlen(k->event), fx);
        if (hit != k->trips)
            fail_msg("%s (%s): %s", c->id, k->why, hit ? "tripped" : "did not trip");
        int num = atoi(c->id + strlen("CloudWatch."));
        (k->trips ? trips : misses)[num]++;
        ot_filter_free(f);
    }
    for (int i = 1; i <= 14; i++) {
        if (!trips[i] || !misses[i])
            fail_msg("CloudWatch.%d needs a tripping event and a near miss", i);
    }
    ot_filter_fields_free(fx);
}

/* An ordinary read by an IAM user trips none of them. */
static void test_cis_pack__quiet_on_ordinary_events(void **state)
{
    (void)state;
    static const char ordinary[] = CT_CALL("ec2.amazonaws.com", "DescribeInstances", "");
    ot_filter_fields *fx = ot_filter_fields_new();
    size_t n;
    const ot_cis_control *c = ot_cis_controls(&n);
    for (size_t i = 0; i < n; i++) {
        ot_filter *f = compile(&c[i]);
        if (ot_filter_match(f, ordinary, strlen(ordinary), fx))
            fail_msg("%s tripped on DescribeInstances", c[i].id);
        ot_filter_free(f);
    }
    ot_filter_fields_free(fx);
}

/* Names: unique, and valid as filter ([^:*]*), metric ([^:*$]*) and alarm names; the
 * thresholds CIS prescribes (3 for console sign-in failures, else 1). */
static void test_cis_pack__names_and_thresholds(void **state)
{
    (void)state;
    size_t n;
    const ot_cis_control *c = ot_cis_controls(&n);
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(c[i].name) > 0 && strlen(c[i].name) <= 255);
        assert_null(strpbrk(c[i].name, ":*$ "));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(c[i].name, c[j].name);
        assert_true(c[i].threshold == (strcmp(c[i].id, "CloudWatch.6") ? 1.0 : 3.0));
        assert_non_null(c[i].title);
        assert_true(!strncmp(c[i].cis, "CIS 1.2 ", 8));
    }
}

/* Two transcriptions of Security Hub's text, made apart, agree character for character. */
static void test_cis_pack__same_text_as_filter_tests(void **state)
{
    (void)state;
    size_t matched = 0;
    for (size_t i = 0; i < sizeof filter_cis_cases / sizeof filter_cis_cases[0]; i++) {
        const filter_cis_case *k = &filter_cis_cases[i];
        if (strncmp(k->control, "CloudWatch.", 11))
            continue;
        assert_string_equal(control(k->control)->pattern, k->pattern);
        matched++;
    }
    assert_int_equal(matched, 14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cis_pack__compiles),
        cmocka_unit_test(test_cis_pack__trips_and_near_misses),
        cmocka_unit_test(test_cis_pack__quiet_on_ordinary_events),
        cmocka_unit_test(test_cis_pack__names_and_thresholds),
        cmocka_unit_test(test_cis_pack__same_text_as_filter_tests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
