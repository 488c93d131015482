/* test_human.c — ot_human_resolve on CloudTrail records, with a real event history (history.db)
 * holding the STS events that issued the sessions: an IAM user, the root user, sourceIdentity,
 * an Identity Center session, one AssumeRole hop, a two-hop role chain, SAML federation, web
 * identity, another account, the ARN fallback, nothing found, the hop cap and a loop. The
 * userIdentity shapes are AWS's (cloudtrail-event-reference-user-identity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "history/history.h"
#include "incident/incident.h"
#include "util/err.h"

#define ACCT "111122223333"

typedef struct fixture {
    char dir[64];
    char path[128];
    ot_history *h;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "human");
    snprintf(f->path, sizeof f->path, "%s/history.db", f->dir);
    assert_int_equal(ot_history_open(f->path, NULL, &f->h), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_history_close(f->h);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

/* ---- record builders (each returns a static buffer of its own) ---- */

static const char *iam_user(const char *name)
{
    static char b[4][512];
    static int i;
    char *o = b[i++ % 4];
    snprintf(o, 512,
             "{\"type\":\"IAMUser\",\"principalId\":\"AIDAJ45Q7YFFAREXAMPLE\","
             "\"arn\":\"arn:aws:iam::" ACCT ":user/%s\",\"accountId\":\"" ACCT "\","
             "\"accessKeyId\":\"AKIAIOSFODNN7EXAMPLE\",\"userName\":\"%s\"}",
             name, name);
    return o;
}

/* An assumed-role session identity; source_identity may be NULL. */
static const char *session(const char *role, const char *sess, const char *key,
                           const char *created, const char *source_identity)
{
    static char b[4][1024];
    static int i;
    char *o = b[i++ % 4];
    char src[128] = "";
    if (source_identity)
        snprintf(src, sizeof src, "\"sourceIdentity\":\"%s\",", source_identity);
    snprintf(o, 1024,
             "{\"type\":\"AssumedRole\",\"principalId\":\"AROAIDPPEZS35WEXAMPLE:%s\","
             "\"arn\":\"arn:aws:sts::" ACCT ":assumed-role/%s/%s\",\"accountId\":\"" ACCT "\","
             "\"accessKeyId\":\"%s\",\"sessionContext\":{%s\"sessionIssuer\":{\"type\":\"Role\","
             "\"principalId\":\"AROAIDPPEZS35WEXAMPLE\",\"arn\":\"arn:aws:iam::" ACCT ":role/%s\","
             "\"accountId\":\"" ACCT "\",\"userName\":\"%s\"},\"webIdFederationData\":{},"
             "\"attributes\":{\"creationDate\":\"%s\",\"mfaAuthenticated\":\"false\"}}}",
             sess, role, sess, key, src, role, role, created);
    return o;
}

/* A CloudTrail record of eventName at time by caller (any STS response left out). */
static char *record(const char *id, const char *time, const char *name, const char *caller,
                    const char *response)
{
    static char b[4][4096];
    static int i;
    char *o = b[i++ % 4];
    int n = snprintf(o, 4096,
                     "{\"eventVersion\":\"1.08\",\"userIdentity\":%s,\"eventTime\":\"%s\","
                     "\"eventSource\":\"%s\",\"eventName\":\"%s\",\"awsRegion\":\"us-east-1\","
                     "\"sourceIPAddress\":\"203.0.113.5\",\"userAgent\":\"aws-cli/2.15.0\","
                     "\"requestParameters\":{},\"responseElements\":%s,\"requestID\":\"req-%s\","
                     "\"eventID\":\"%s\",\"readOnly\":%s,\"eventType\":\"AwsApiCall\","
                     "\"managementEvent\":true,\"recipientAccountId\":\"" ACCT "\","
                     "\"eventCategory\":\"Management\"}",
                     caller, time, response ? "sts.amazonaws.com" : "cloudtrail.amazonaws.com",
                     name, response ? response : "null", id, id, response ? "true" : "false");
    assert_true(n > 0 && n < 4096);
    return o;
}

/* Adds the STS event id (eventName name, at time, by caller) that issued key for the session
 * arn "arn:aws:sts::ACCT:assumed-role/<role>/<sess>". */
static void add_sts(ot_history *h, const char *id, const char *time, const char *name,
                    const char *caller, const char *key, const char *role, const char *sess)
{
    char resp[1024];
    snprintf(resp, sizeof resp,
             "{\"credentials\":{\"accessKeyId\":\"%s\",\"sessionToken\":\"token\","
             "\"expiration\":\"Dec 3, 2026, 11:00:00 AM\"},\"assumedRoleUser\":{"
             "\"assumedRoleId\":\"AROAIDPPEZS35WEXAMPLE:%s\","
             "\"arn\":\"arn:aws:sts::" ACCT ":assumed-role/%s/%s\"}}",
             key, sess, role, sess);
    const char *rec = record(id, time, name, caller, resp);
    int added;
    assert_int_equal(ot_history_begin(h), 0);
    assert_int_equal(ot_history_add(h, rec, strlen(rec), -1, false, &added), 0);
    assert_int_equal(ot_history_commit(h, 0), 0);
    assert_int_equal(added, 1);
}

static ot_human resolve(ot_history *h, const char *caller, const char *time)
{
    const char *rec = record("trigger", time, "StopLogging", caller, NULL);
    ot_human out;
    assert_int_equal(ot_human_resolve(h, rec, strlen(rec), &out), 0);
    assert_non_null(out.chain_json);
    return out;
}

static void expect(ot_human *got, ot_human_how how, const char *name, const char *provider,
                   const char *chain)
{
    assert_string_equal(ot_human_how_name(got->how), ot_human_how_name(how));
    assert_int_equal(got->how, how);
    assert_string_equal(got->name, name);
    assert_string_equal(got->provider, provider);
    assert_string_equal(got->chain_json, chain);
    ot_human_free(got);
    assert_null(got->chain_json);
}

/* ---- the rules that need no history ---- */

static void test_human__iam_user(void **state)
{
    fixture *f = *state;
    ot_human got = resolve(f->h, iam_user("alice"), "2026-12-03T10:00:00Z");
    expect(&got, OT_HUMAN_IAM_USER, "alice", "", "[]");
}

static void test_human__root(void **state)
{
    fixture *f = *state;
    ot_human got = resolve(f->h,
                           "{\"type\":\"Root\",\"principalId\":\"" ACCT "\",\"arn\":\"arn:aws:iam::"
                           ACCT ":root\",\"accountId\":\"" ACCT "\",\"accessKeyId\":\"ASIAROOT\"}",
                           "2026-12-03T10:00:00Z");
    expect(&got, OT_HUMAN_ROOT, "arn:aws:iam::" ACCT ":root", "", "[]");
    got = resolve(NULL, "{\"type\":\"Root\",\"accountId\":\"" ACCT "\"}", "2026-12-03T10:00:00Z");
    expect(&got, OT_HUMAN_ROOT, "arn:aws:iam::" ACCT ":root", "", "[]");
}

static void test_human__source_identity(void **state)
{
    fixture *f = *state;
    /* No STS event in the history: sourceIdentity alone names her. */
    ot_human got = resolve(f->h, session("Deploy", "ci-run-7", "ASIASRC", "2026-12-03T09:00:00Z",
                                         "carol@example.com"),
                           "2026-12-03T10:00:00Z");
    expect(&got, OT_HUMAN_SOURCE_IDENTITY, "carol@example.com", "", "[]");
}

static void test_human__identity_center(void **state)
{
    fixture *f = *state;
    ot_human got = resolve(f->h,
                           session("AWSReservedSSO_AdministratorAccess_0123456789abcdef",
                                   "dave@example.com", "ASIASSO", "2026-12-03T09:00:00Z", NULL),
                           "2026-12-03T10:00:00Z");
    expect(&got, OT_HUMAN_IDENTITY_CENTER, "dave@example.com", "", "[]");
    /* A role whose name merely contains the prefix is not Identity Center's. */
    got = resolve(f->h, session("MyAWSReservedSSO_Role", "dave", "ASIAX", "2026-12-03T09:00:00Z",
                                NULL),
                  "2026-12-03T10:00:00Z");
    expect(&got, OT_HUMAN_UNRESOLVED, "", "", "[]");
}

/* ---- correlation through the history ---- */

static void test_human__one_hop(void **state)
{
    fixture *f = *state;
    add_sts(f->h, "ev-bob", "2026-12-03T09:00:00Z", "AssumeRole", iam_user("bob"), "ASIAONE",
            "Deploy", "s1");
    /* A later session of the same name (another key), and the same key claimed after the
     * trigger: neither is the issuer. */
    add_sts(f->h, "ev-mallory", "2026-12-03T09:05:00Z", "AssumeRole", iam_user("mallory"),
            "ASIATWO", "Deploy", "s1");
    add_sts(f->h, "ev-eve", "2026-12-03T10:20:00Z", "AssumeRole", iam_user("eve"), "ASIAONE",
            "Deploy", "s1");
    ot_human got = resolve(f->h, session("Deploy", "s1", "ASIAONE", "2026-12-03T09:00:00Z", NULL),
                           "2026-12-03T10:10:00Z");
    expect(&got, OT_HUMAN_ASSUME_ROLE, "bob", "",
           "[{\"eventID\":\"ev-bob\",\"eventName\":\"AssumeRole\","
           "\"eventTime\":\"2026-12-03T09:00:00Z\","
           "\"arn\":\"arn:aws:sts::" ACCT ":assumed-role/Deploy/s1\",\"accessKeyId\":\"ASIAONE\","
           "\"callerType\":\"IAMUser\",\"callerArn\":\"arn:aws:iam::" ACCT ":user/bob\"}]");
}

static void test_human__two_hop_chain(void **state)
{
    fixture *f = *state;
    add_sts(f->h, "ev-a", "2026-12-03T08:00:00Z", "AssumeRole", iam_user("erin"), "ASIAA",
            "RoleA", "erin-a");
    add_sts(f->h, "ev-b", "2026-12-03T08:30:00Z", "AssumeRole",
            session("RoleA", "erin-a", "ASIAA", "2026-12-03T08:00:00Z", NULL), "ASIAB", "RoleB",
            "hop-b");
    ot_human got = resolve(f->h, session("RoleB", "hop-b", "ASIAB", "2026-12-03T08:30:00Z", NULL),
                           "2026-12-03T08:40:00Z");
    expect(&got, OT_HUMAN_ASSUME_ROLE, "erin", "",
           "[{\"eventID\":\"ev-b\",\"eventName\":\"AssumeRole\","
           "\"eventTime\":\"2026-12-03T08:30:00Z\","
           "\"arn\":\"arn:aws:sts::" ACCT ":assumed-role/RoleB/hop-b\",\"accessKeyId\":\"ASIAB\","
           "\"callerType\":\"AssumedRole\","
           "\"callerArn\":\"arn:aws:sts::" ACCT ":assumed-role/RoleA/erin-a\"},"
           "{\"eventID\":\"ev-a\",\"eventName\":\"AssumeRole\","
           "\"eventTime\":\"2026-12-03T08:00:00Z\","
           "\"arn\":\"arn:aws:sts::" ACCT ":assumed-role/RoleA/erin-a\",\"accessKeyId\":\"ASIAA\","
           "\"callerType\":\"IAMUser\",\"callerArn\":\"arn:aws:iam::" ACCT ":user/erin\"}]");
}

/* One STS event (event_name, by caller) issued the session that made the record: the human is
 * expected as how / name / provider; the result is returned for more checks. */
static ot_human through_one_event(ot_history *h, const char *event_name, const char *caller,
                                  ot_human_how how, const char *name, const char *provider)
{
    add_sts(h, "ev-1", "2026-12-03T09:00:00Z", event_name, caller, "ASIAFED", "Federated",
            "session-1");
    ot_human got = resolve(h, session("Federated", "session-1", "ASIAFED",
                                      "2026-12-03T09:00:00Z", NULL),
                           "2026-12-03T09:30:00Z");
    assert_int_equal(got.how, how);
    assert_string_equal(got.name, name);
    assert_string_equal(got.provider, provider);
    return got;
}

static void test_human__saml(void **state)
{
    fixture *f = *state;
    ot_human got = through_one_event(
        f->h, "AssumeRoleWithSAML",
        "{\"type\":\"SAMLUser\",\"principalId\":\"SampleUkh1i4+ExamplexL/jEvs=:frank@example.com\","
        "\"userName\":\"frank@example.com\",\"identityProvider\":\"bdGOnTesti4+ExamplexL/jEvs=\"}",
        OT_HUMAN_SAML, "frank@example.com", "bdGOnTesti4+ExamplexL/jEvs=");
    assert_non_null(strstr(got.chain_json, "\"eventName\":\"AssumeRoleWithSAML\""));
    assert_non_null(strstr(got.chain_json, "\"callerType\":\"SAMLUser\""));
    /* The SAML user has no ARN: the hop names its principal id. */
    assert_non_null(strstr(got.chain_json, "\"callerArn\":\"SampleUkh1i4+ExamplexL/jEvs=:frank"));
    ot_human_free(&got);
}

static void test_human__web_identity(void **state)
{
    fixture *f = *state;
    ot_human got = through_one_event(
        f->h, "AssumeRoleWithWebIdentity",
        "{\"type\":\"WebIdentityUser\",\"principalId\":"
        "\"accounts.google.com:app-id.apps.googleusercontent.com:108012345678901234567\","
        "\"userName\":\"108012345678901234567\",\"identityProvider\":\"accounts.google.com\"}",
        OT_HUMAN_WEB_IDENTITY, "108012345678901234567", "accounts.google.com");
    assert_non_null(strstr(got.chain_json, "\"eventName\":\"AssumeRoleWithWebIdentity\""));
    ot_human_free(&got);
}

static void test_human__other_account(void **state)
{
    fixture *f = *state;
    ot_human got = through_one_event(f->h, "AssumeRole",
                                     "{\"type\":\"AWSAccount\",\"principalId\":"
                                     "\"AIDAQRSTUVWXYZEXAMPLE\",\"accountId\":\"444455556666\"}",
                                     OT_HUMAN_OTHER_ACCOUNT, "444455556666", "");
    assert_non_null(strstr(got.chain_json, "\"callerArn\":\"AIDAQRSTUVWXYZEXAMPLE\""));
    ot_human_free(&got);
}

static void test_human__arn_fallback(void **state)
{
    fixture *f = *state;
    add_sts(f->h, "ev-g", "2026-12-03T09:00:00Z", "AssumeRole", iam_user("grace"), "ASIAG",
            "Ops", "grace-ops");
    /* The record carries no access key: the session's ARN finds the event. */
    ot_human got = resolve(f->h, session("Ops", "grace-ops", "", "2026-12-03T09:00:00Z", NULL),
                           "2026-12-03T09:30:00Z");
    assert_int_equal(got.how, OT_HUMAN_ASSUME_ROLE);
    assert_string_equal(got.name, "grace");
    ot_human_free(&got);
}

static void test_human__unresolved(void **state)
{
    fixture *f = *state;
    /* A failed AssumeRole issues nothing; no other event issued the key. */
    const char *failed = "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\","
                         "\"userName\":\"heidi\"},\"eventTime\":\"2026-12-03T09:00:00Z\","
                         "\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\","
                         "\"errorCode\":\"AccessDenied\",\"responseElements\":{\"credentials\":"
                         "{\"accessKeyId\":\"ASIANONE\"}},\"eventID\":\"ev-failed\","
                         "\"eventCategory\":\"Management\"}";
    int added;
    assert_int_equal(ot_history_begin(f->h), 0);
    assert_int_equal(ot_history_add(f->h, failed, strlen(failed), -1, false, &added), 0);
    assert_int_equal(ot_history_commit(f->h, 0), 0);
    ot_human got = resolve(f->h, session("Deploy", "nobody", "ASIANONE", "2026-12-03T09:00:00Z",
                                         NULL),
                           "2026-12-03T09:30:00Z");
    expect(&got, OT_HUMAN_UNRESOLVED, "", "", "[]");
    /* Without a history there is nothing to correlate. */
    got = resolve(NULL, session("Deploy", "nobody", "ASIANONE", "2026-12-03T09:00:00Z", NULL),
                  "2026-12-03T09:30:00Z");
    expect(&got, OT_HUMAN_UNRESOLVED, "", "", "[]");
    /* A service principal is nobody's session. */
    got = resolve(f->h, "{\"type\":\"AWSService\",\"invokedBy\":\"cloudtrail.amazonaws.com\"}",
                  "2026-12-03T09:30:00Z");
    expect(&got, OT_HUMAN_UNRESOLVED, "", "", "[]");

    ot_human bad;
    assert_int_equal(ot_human_resolve(f->h, "[1,2]", 5, &bad), OT_EINVAL);
    assert_int_equal(ot_human_resolve(f->h, "{\"userIdentity\":", 16, &bad), OT_EINVAL);
    assert_null(bad.chain_json);
}

static size_t hops(const char *chain)
{
    size_t n = 0;
    for (const char *p = chain; (p = strstr(p, "\"eventID\"")); p++)
        n++;
    return n;
}

static void test_human__hop_cap(void **state)
{
    fixture *f = *state;
    /* ivan -> R0 -> R1 -> ... -> R11: twelve hops, more than the ten followed. */
    char key[16], prev_key[16], role[16], prev_role[16], id[16], time[32];
    snprintf(time, sizeof time, "2026-12-03T08:00:00Z");
    add_sts(f->h, "ev-0", time, "AssumeRole", iam_user("ivan"), "ASIAK0", "R0", "s");
    for (int i = 1; i < 12; i++) {
        snprintf(key, sizeof key, "ASIAK%d", i);
        snprintf(prev_key, sizeof prev_key, "ASIAK%d", i - 1);
        snprintf(role, sizeof role, "R%d", i);
        snprintf(prev_role, sizeof prev_role, "R%d", i - 1);
        snprintf(id, sizeof id, "ev-%d", i);
        char created[32];
        snprintf(created, sizeof created, "2026-12-03T08:%02d:00Z", i - 1);
        snprintf(time, sizeof time, "2026-12-03T08:%02d:00Z", i);
        add_sts(f->h, id, time, "AssumeRole", session(prev_role, "s", prev_key, created, NULL),
                key, role, "s");
    }
    ot_human got = resolve(f->h, session("R11", "s", "ASIAK11", "2026-12-03T08:11:00Z", NULL),
                           "2026-12-03T08:30:00Z");
    assert_int_equal(got.how, OT_HUMAN_UNRESOLVED);
    assert_int_equal(hops(got.chain_json), 10);
    ot_human_free(&got);

    /* Nine roles deep is within reach. */
    got = resolve(f->h, session("R8", "s", "ASIAK8", "2026-12-03T08:08:00Z", NULL),
                  "2026-12-03T08:30:00Z");
    assert_int_equal(got.how, OT_HUMAN_ASSUME_ROLE);
    assert_string_equal(got.name, "ivan");
    assert_int_equal(hops(got.chain_json), 9);
    ot_human_free(&got);
}

static void test_human__loop(void **state)
{
    fixture *f = *state;
    /* Two events in the same second, each issuing the key the other's caller used. */
    add_sts(f->h, "ev-x", "2026-12-03T09:50:00Z", "AssumeRole",
            session("RoleY", "y", "ASIAY", "2026-12-03T09:50:00Z", NULL), "ASIAX", "RoleX", "x");
    add_sts(f->h, "ev-y", "2026-12-03T09:50:00Z", "AssumeRole",
            session("RoleX", "x", "ASIAX", "2026-12-03T09:50:00Z", NULL), "ASIAY", "RoleY", "y");
    ot_human got = resolve(f->h, session("RoleX", "x", "ASIAX", "2026-12-03T09:50:00Z", NULL),
                           "2026-12-03T10:00:00Z");
    assert_int_equal(got.how, OT_HUMAN_UNRESOLVED);
    assert_int_equal(hops(got.chain_json), 2);
    ot_human_free(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_human__iam_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__source_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__identity_center, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__one_hop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__two_hop_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__saml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__web_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__other_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__arn_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__unresolved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__hop_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human__loop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
