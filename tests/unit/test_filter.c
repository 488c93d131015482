/* test_filter.c — the filter pattern language: every example of the AWS filter-syntax page
 * (match and near miss), the precedence traps of the published CIS patterns, each CIS pattern
 * against an event that trips it and a near miss, the values metric filters read, and every
 * compile error with its column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "filter/filter.h"
#include "filter_cis.h"
#include "util/err.h"

static ot_filter_fields *fx;

static int setup(void **state)
{
    fx = ot_filter_fields_new();
    return fx ? 0 : -1;
}

static int teardown(void **state)
{
    ot_filter_fields_free(fx);
    return 0;
}

static ot_filter *compile_ok(const char *pattern)
{
    ot_filter *f = NULL;
    ot_filter_error e;
    int rc = ot_filter_compile(pattern, strlen(pattern), &f, &e);
    if (rc)
        fail_msg("pattern %s: %s (column %d)", pattern, e.message, e.column);
    return f;
}

static bool matches(const char *pattern, const char *msg)
{
    ot_filter *f = compile_ok(pattern);
    bool m = ot_filter_match(f, msg, strlen(msg), fx);
    ot_filter_free(f);
    return m;
}

#define MATCH(p, m) do { if (!matches(p, m)) fail_msg("%s should match %s", p, m); } while (0)
#define NO_MATCH(p, m) do { if (matches(p, m)) fail_msg("%s should not match %s", p, m); } while (0)

static void value_is(const char *name, const char *want, int rc);

static const char E1[] =
    "{\"eventType\":\"UpdateTrail\",\"sourceIPAddress\":\"111.111.111.111\",\"arrayKey\":"
    "[\"value\",\"another value\"],\"objectList\":[{\"name\":\"a\",\"id\":1},{\"name\":\"b\","
    "\"id\":2}],\"SomeObject\":null}";
static const char E2[] =
    "{\"user\":{\"id\":1,\"email\":\"John.Stiles@example.com\"},\"users\":[{\"id\":2,\"email\":"
    "\"John.Doe@example.com\"},{\"id\":3,\"email\":\"Jane.Doe@example.com\"}],\"actions\":"
    "[\"GET\",\"PUT\",\"DELETE\"],\"coordinates\":[[0,1,2],[4,5,6],[7,8,9]]}";
static const char LINE_A[] =
    "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534";

/* ------------------------------------------------------------------ terms and regex */

static void test_filter__terms(void **state)
{
    MATCH("ERROR", "[ERROR 400] BAD REQUEST");
    MATCH("ERROR", "Exiting with ERRORCODE: -1");
    NO_MATCH("ERROR", "Error: entity not found!");
    MATCH("ERROR ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS");
    NO_MATCH("ERROR ARGUMENTS", "[ERROR 400] BAD REQUEST");
    MATCH("?ERROR ?ARGUMENTS", "[ERROR 400] BAD REQUEST");
    MATCH("?ERROR ?ARGUMENTS", "[ERROR 420] INVALID ARGUMENTS");
    MATCH("?ERROR ?ARGUMENTS", "[WARN 420] INVALID ARGUMENTS");
    NO_MATCH("?ERROR ?ARGUMENTS", "[WARN] ok");
    MATCH("\"INTERNAL SERVER ERROR\"", "[ERROR 500] INTERNAL SERVER ERROR");
    NO_MATCH("\"INTERNAL SERVER ERROR\"", "[ERROR 500] INTERNAL ERROR");
    MATCH("ERROR -ARGUMENTS", "[ERROR 401] UNAUTHORIZED REQUEST");
    NO_MATCH("ERROR -ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS");
    MATCH("\" \"", "anything at all");
    MATCH("", "anything at all");
    MATCH("   ", "");
    /* term groups: (ERROR and MainThread) or (WARN and Deadlock) */
    const char *groups = "?\"ERROR\" \"MainThread\" ?\"WARN\" \"Deadlock\"";
    MATCH(groups, "ERROR in MainThread");
    MATCH(groups, "WARN Deadlock found");
    NO_MATCH(groups, "ERROR in Deadlock");
    /* leading terms apply to every branch */
    MATCH("prod ?ERROR ?WARN", "prod WARN");
    NO_MATCH("prod ?ERROR ?WARN", "dev WARN");
    NO_MATCH("prod ?ERROR ?WARN", "prod INFO");
    MATCH("\"say \\\"hi\\\"\"", "they say \"hi\" here");
}

static void test_filter__regex(void **state)
{
    MATCH("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST");
    MATCH("%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST");
    NO_MATCH("%AUTHORIZED%", "[ERROR 400] BAD REQUEST");
    MATCH("%[Ee]rror|[Ff]ail%", "a Failure");
    MATCH("%[Ee]rror|[Ff]ail%", "an error");
    NO_MATCH("%[Ee]rror|[Ff]ail%", "all good");
    MATCH("%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", "from 10.0.12.7 now");
    NO_MATCH("%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", "from 10.0.x.7 now");
    MATCH("%^GET%", "GET /");
    NO_MATCH("%^GET%", " GET /");
    MATCH("%html$%", "index.html");
    NO_MATCH("%html$%", "index.html ");
    MATCH("%colou?r%", "color");
    MATCH("%colou?r%", "colour");
    MATCH("%a+b*c%", "xaac");
    NO_MATCH("%x{3}%", "xx");
    MATCH("%x{2,}y%", "xxxy");
    MATCH("%[^0-9]\\s\\w%", "a b");
    NO_MATCH("%\\D%", "123");
    MATCH("%[|]x%", "a|x");           /* '|' in a class is no alternative */
    NO_MATCH("%[|]x%", "abc");
    MATCH("%a\\|b%", "xa|b");
    NO_MATCH("%a\\|b%", "b");
    MATCH("%a|%", "zzz");             /* an empty alternative matches anywhere */
}

/* ------------------------------------------------------------------ JSON */

static void test_filter__json_examples(void **state)
{
    MATCH("{ $.eventType = \"UpdateTrail\" }", E1);
    NO_MATCH("{ $.eventType = \"UpdateTrail\" }",
             "{\"eventType\":\"CreateTrail\",\"sourceIPAddress\":\"111.111.111.111\"}");
    NO_MATCH("{ $.eventType = \"UpdateTrail\" }", "eventType UpdateTrail");
    NO_MATCH("{ $.eventType = \"UpdateTrail\" }", "[\"eventType\",\"UpdateTrail\"]");
    MATCH("{ $.sourceIPAddress != 123.123.* }", E1);
    NO_MATCH("{ $.sourceIPAddress != 123.123.* }", "{\"sourceIPAddress\":\"123.123.0.7\"}");
    NO_MATCH("{ $.sourceIPAddress != 123.123.* }", "{\"eventType\":\"UpdateTrail\"}");
    MATCH("{ $.arrayKey[0] = \"value\" }", E1);
    NO_MATCH("{ $.arrayKey[1] = \"value\" }", E1);
    MATCH("{ $.objectList[1].id = 2 }", E1);
    NO_MATCH("{ $.objectList[0].id = 2 }", E1);
    MATCH("{ $.SomeObject IS NULL }", E1);
    NO_MATCH("{ $.SomeObject IS NULL }", "{\"eventType\":\"UpdateTrail\"}");
    MATCH("{ $.SomeOtherObject NOT EXISTS }", E1);
    NO_MATCH("{ $.SomeObject NOT EXISTS }", E1);
    NO_MATCH("{ $.SomeOtherObject NOT EXISTS }", "{\"SomeOtherObject\":null}");
    MATCH("{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }", E2);
    MATCH("{ $.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = \"nonmatch\" && "
          "$.actions[2] = \"nonmatch\" }", E2);
    NO_MATCH("{ ($.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = \"nonmatch\") "
             "&& $.actions[2] = \"nonmatch\" }", E2);
    NO_MATCH("{ ($.user.id = 2 && $.users[0].email = \"nonmatch\") || $.actions[2] = \"GET\" }", E2);
    MATCH("{ $.coordinates[2][1] = 8 }", E2);
    MATCH("{ $.latency = * }", "{\"latency\":50,\"requestType\":\"GET\"}");
    NO_MATCH("{ $.latency = * }", "{\"requestType\":\"GET\"}");
    MATCH("{ $.bandwidth > 75 }", "{\"bandwidth\":80}");
    NO_MATCH("{ $.bandwidth > 75 }", "{\"bandwidth\":75}");
    MATCH("{ $.refreshRate >= 60 }", "{\"refreshRate\":60}");
    NO_MATCH("{ $.refreshRate >= 60 }", "{\"refreshRate\":59.9}");
    MATCH("{ $.number[0] = 1e-3 }", "{\"number\":[0.001]}");
    NO_MATCH("{ $.number[0] = 1e-3 }", "{\"number\":[0.01]}");
    MATCH("{ $.eventType = \"*\" && $.sourceIPAddress != 123.123.* }", E1);
    MATCH("{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
          "{\"errorCode\":\"Client.UnauthorizedOperation\"}");
    MATCH("{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
          "{\"errorCode\":\"AccessDeniedException\"}");
    NO_MATCH("{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
             "{\"errorCode\":\"NoSuchEntity\"}");
    NO_MATCH("{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
             "{\"eventName\":\"GetUser\"}");
}

static void test_filter__json_semantics(void **state)
{
    /* a missing field fails every comparison, != included */
    NO_MATCH("{ $.a != \"x\" }", "{\"b\":1}");
    NO_MATCH("{ $.a != 5 }", "{\"b\":1}");
    /* objects, arrays and null take no comparison */
    NO_MATCH("{ $.user = * }", E2);
    NO_MATCH("{ $.actions != \"x\" }", E2);
    NO_MATCH("{ $.SomeObject = * }", E1);
    NO_MATCH("{ $.SomeObject != \"x\" }", E1);
    /* booleans */
    MATCH("{ $.ok IS TRUE }", "{\"ok\":true}");
    NO_MATCH("{ $.ok IS TRUE }", "{\"ok\":\"true\"}");
    MATCH("{ $.ok IS FALSE }", "{\"ok\":false}");
    MATCH("{ $.ok = true }", "{\"ok\":true}");
    /* numbers compare as numbers, only with JSON numbers */
    MATCH("{ $.n = 400 }", "{\"n\":4e2}");
    NO_MATCH("{ $.n = 400 }", "{\"n\":\"400\"}");
    MATCH("{ $.n = \"400\" }", "{\"n\":400}");
    MATCH("{ $.n < -1.5 }", "{\"n\":-2}");
    MATCH("{ $.n = * }", "{\"n\":0}");
    /* wildcards anywhere, case-sensitive values */
    MATCH("{ $.s = a*c*e }", "{\"s\":\"abcde\"}");
    NO_MATCH("{ $.s = \"ABCDE\" }", "{\"s\":\"abcde\"}");
    /* regex values */
    MATCH("{ $.message = %bind: address already in use% }",
          "{\"message\":\"listen: bind: address already in use\"}");
    NO_MATCH("{ $.message != %^listen% }", "{\"message\":\"listen: x\"}");
    /* JSON events: objects only, whitespace allowed before */
    MATCH("{ $.a = 1 }", "  {\"a\":1}");
    NO_MATCH("{ $.a = 1 }", "{\"a\":1");
    NO_MATCH("{ $.a = 1 }", "");
    /* keys with '-' */
    MATCH("{ $.x-y.z_1 = q }", "{\"x-y\":{\"z_1\":\"q\"}}");
}

/* The literal prefilter (filter_prefilter.c) may only rule out events that cannot match. */
static void test_filter__prefilter(void **state)
{
    MATCH("{ $.a = \"caf\xc3\xa9\" }", "{\"a\":\"caf\\u00e9\"}");     /* escaped */
    MATCH("{ $.a = \"x\\\"y\" }", "{\"a\":\"x\\\"y\"}");                /* a quote */
    MATCH("{ $.a = \"x y\" }", "{\n  \"a\" : \"x y\"\n}");                 /* pretty */
    NO_MATCH("{ $.a = \"AB\" }", "{\"AB\":\"a\"}");                        /* key only */
    MATCH("{ $.a = tru* }", "{\"a\":true}");                                  /* unquoted */
    MATCH("{ $.a = \"1.5\" }", "{\"a\":1.5}");
    const char *cnf = "{ $.a = AccessDenied* && ($.b = x || $.c = *Op) }";
    MATCH(cnf, "{\"a\":\"AccessDeniedException\",\"b\":\"x\"}");
    MATCH(cnf, "{\"c\":\"Client.Op\",\"a\":\"AccessDenied\"}");
    NO_MATCH(cnf, "{\"a\":\"AccessDeniedException\",\"b\":\"y\"}");
    NO_MATCH(cnf, "{\"a\":\"Denied\",\"b\":\"x\"}");
    /* strings longer than a 16-byte block, quotes at block edges */
    MATCH("{ $.k = \"0123456789abcdefXYZ\" }",
          "{\"kkkkkkkkkkkkkk\":\"v\",\"k\":\"0123456789abcdefXYZ\"}");
    NO_MATCH("{ $.k = \"0123456789abcdefXYZ\" }",
             "{\"kkkkkkkkkkkkkk\":\"v\",\"k\":\"0123456789abcdefXY\"}");
}

/* ------------------------------------------------------------------ the CIS traps (§2.3) */

static const char HEAD_BUCKET[] = CT_CALL("s3.amazonaws.com", "HeadBucket", "");
static const char GET_USER[] = CT_CALL("iam.amazonaws.com", "GetUser", "");
static const char DENIED_HEAD[] =
    CT_CALL("s3.amazonaws.com", "HeadBucket", ",\"errorCode\":\"AccessDenied\"");
static const char UNAUTH_HEAD[] =
    CT_CALL("s3.amazonaws.com", "HeadBucket", ",\"errorCode\":\"Client.UnauthorizedOperation\"");

static void test_filter__cis_traps(void **state)
{
    /* v1.4-3.0 4.1: all ||, so every event but HeadBucket matches */
    const char *v14 = "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = "
                      "\"AccessDenied*\") || ($.sourceIPAddress!=\"delivery.logs.amazonaws.com\") "
                      "|| ($.eventName!=\"HeadBucket\") }";
    MATCH(v14, GET_USER);
    /* only a HeadBucket by the log delivery service fails every branch */
    NO_MATCH(v14, "{\"eventName\":\"HeadBucket\",\"sourceIPAddress\":"
                  "\"delivery.logs.amazonaws.com\"}");
    MATCH(v14, HEAD_BUCKET);
    /* v4.0+: && binds tighter, the exclusions apply to the AccessDenied branch only */
    const char *v40 = "{ ($.errorCode =\"*UnauthorizedOperation\") || ($.errorCode =\"AccessDenied*\") "
                      "&& ($.sourceIPAddress!=\"delivery.logs.amazonaws.com\") && "
                      "($.eventName!=\"HeadBucket\") }";
    NO_MATCH(v40, GET_USER);
    NO_MATCH(v40, DENIED_HEAD);
    MATCH(v40, UNAUTH_HEAD);
    MATCH(v40, CT_CALL("iam.amazonaws.com", "GetUser", ",\"errorCode\":\"AccessDenied\""));
    /* v3.0+ 4.13: the eventSource constraint binds to CreateRoute only */
    const char *route = "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || "
                        "($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute)}";
    MATCH(route, CT_CALL("ec2.amazonaws.com", "CreateRoute", ""));
    NO_MATCH(route, CT_CALL("other.amazonaws.com", "CreateRoute", ""));
    MATCH(route, CT_CALL("other.amazonaws.com", "ReplaceRoute", ""));
    /* CloudWatch.1 without invokedBy NOT EXISTS would match service-invoked root events, and
     * != fails on a missing eventType */
    const char *root_loose = "{$.userIdentity.type=\"Root\" && $.eventType !=\"AwsServiceEvent\"}";
    MATCH(root_loose, CT_EVENT(CT_ROOT_BY_SERVICE, "s3.amazonaws.com", "ListBuckets", "AwsApiCall", ""));
    NO_MATCH(root_loose, "{\"userIdentity\":{\"type\":\"Root\"}}");
}

static void test_filter__cis_pack(void **state)
{
    for (size_t i = 0; i < FILTER_CIS_COUNT; i++) {
        const filter_cis_case *c = &filter_cis_cases[i];
        if (!matches(c->pattern, c->match))
            fail_msg("%s: its event does not match", c->control);
        if (matches(c->pattern, c->near_miss))
            fail_msg("%s: its near miss matches", c->control);
    }
    /* CIS v5.0 appends ModifySecurityGroupRules to CloudWatch.10 */
    MATCH("{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName = ModifySecurityGroupRules)}",
          CT_CALL("ec2.amazonaws.com", "ModifySecurityGroupRules", ""));
    /* CIS base form of CloudWatch.3 */
    const char *mfa = "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") }";
    MATCH(mfa, CT_EVENT(CT_IAMUSER, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn",
                        ",\"additionalEventData\":{\"MFAUsed\":\"No\"}"));
    NO_MATCH(mfa, CT_EVENT(CT_IAMUSER, "signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn", ""));
}

/* ot_filter_match_each and ot_filter_set_match agree with ot_filter_match, filter by filter,
 * on every event. */
static void test_filter__match_each(void **state)
{
    enum { NF = FILTER_CIS_COUNT + 6 };
    ot_filter *fs[NF];
    for (size_t i = 0; i < FILTER_CIS_COUNT; i++)
        fs[i] = compile_ok(filter_cis_cases[i].pattern);
    const char *more[] = {"ERROR", "{ $.eventName = Create* || $.userIdentity.type = Root }",
                          "[ip, ..., status_code = 4*, bytes]", "%Trail|Key%",
                          "{ $.user.id = 1 }", "{ $.a != x }"};
    for (size_t i = 0; i < 6; i++)
        fs[FILTER_CIS_COUNT + i] = compile_ok(more[i]);
    ot_filter_set *set;
    assert_int_equal(ot_filter_set_new(fs, NF, &set), 0);
    assert_int_equal(ot_filter_set_size(set), NF);
    const char *events[2 * FILTER_CIS_COUNT + 6];
    size_t nev = 0;
    for (size_t i = 0; i < FILTER_CIS_COUNT; i++) {
        events[nev++] = filter_cis_cases[i].match;
        events[nev++] = filter_cis_cases[i].near_miss;
    }
    events[nev++] = E1, events[nev++] = E2, events[nev++] = LINE_A;
    events[nev++] = "{\"a\":\"esc\\u0041\",\"eventName\":\"CreateVpc\"}";
    /* a literal as a member name is no value: neither may count it */
    events[nev++] = "{\"CreateVpc\":\"x\",\"eventSource\":\"ec2.amazonaws.com\"}";
    events[nev++] = "  {\"eventName\":\"DeleteVpc\",\"errorCode\":\"Client.UnauthorizedOperation\"}";
    size_t total = 0;
    for (size_t e = 0; e < nev; e++) {
        bool hit[NF], set_hit[NF];
        size_t len = strlen(events[e]);
        size_t n = ot_filter_match_each(fs, NF, events[e], len, fx, hit);
        size_t ns = ot_filter_set_match(set, events[e], len, fx, set_hit);
        size_t count = 0;
        for (size_t i = 0; i < NF; i++) {
            count += hit[i];
            bool alone = ot_filter_match(fs[i], events[e], len, fx);
            if (hit[i] != alone || set_hit[i] != alone)
                fail_msg("filter %zu on event %zu: alone %d, match_each %d, set %d", i, e, alone,
                         hit[i], set_hit[i]);
        }
        assert_int_equal(n, count);
        assert_int_equal(ns, count);
        total += n;
    }
    assert_true(total > FILTER_CIS_COUNT); /* each CIS event trips at least its own */
    /* after match_each or a set match, the event's JSON values */
    bool hit[NF];
    ot_filter_match_each(fs, NF, E2, strlen(E2), fx, hit);
    assert_true(hit[FILTER_CIS_COUNT + 4]);
    value_is("$.users[1].email", "Jane.Doe@example.com", 0);
    ot_filter_set_match(set, E2, strlen(E2), fx, hit);
    assert_true(hit[FILTER_CIS_COUNT + 4]);
    value_is("$.users[1].email", "Jane.Doe@example.com", 0);
    ot_filter_set_free(set);
    /* an empty set matches nothing and says so */
    assert_int_equal(ot_filter_set_new(NULL, 0, &set), 0);
    assert_int_equal(ot_filter_set_match(set, E2, strlen(E2), fx, hit), 0);
    ot_filter_set_free(set);
    for (size_t i = 0; i < NF; i++)
        ot_filter_free(fs[i]);
}

/* ------------------------------------------------------------------ space-delimited */

static void test_filter__delimited(void **state)
{
    const char *p21 = "[ip, user, username, timestamp, request = *.html*, status_code = 4*, bytes]";
    MATCH(p21, LINE_A);
    NO_MATCH(p21, "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 200 1534");
    MATCH("[..., request = *.html*, status_code = 4*, bytes]", LINE_A);
    NO_MATCH("[..., request = *.png*, status_code = 4*, bytes]", LINE_A);
    const char *p23 = "[ip, user, username, timestamp, request = *.html*, status_code = 404 || "
                      "status_code = 410, bytes]";
    MATCH(p23, LINE_A);
    NO_MATCH(p23, "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 403 1534");
    MATCH("[w1=ERROR, w2]", "ERROR disk full on /var");
    NO_MATCH("[w1=ERROR, w2]", "WARN disk full");
    NO_MATCH("[w1=ERROR, w2]", "ERROR");
    MATCH("[w1!=ERROR && w1!=WARNING, w2]", "INFO started");
    NO_MATCH("[w1!=ERROR && w1!=WARNING, w2]", "WARNING low disk");
    MATCH("[a, ..., b = 3, ..., c]", "1 2 3 4 5");
    MATCH("[a, b, c, ...]", "1 2 3");
    NO_MATCH("[a, b, c, d, ...]", "1 2 3");
    MATCH("[ip, ..., bytes > 1000]", LINE_A);
    NO_MATCH("[ip, ..., bytes > 2000]", LINE_A);
    MATCH("[msg = %^[A-Z]+$%, rest]", "ERROR x");
}

/* After a match: name's value is want (NULL: rc is its status). */
static void value_is(const char *name, const char *want, int rc)
{
    const char *v;
    size_t n;
    int got = ot_filter_value(fx, name, &v, &n);
    if (got != (want ? 0 : rc))
        fail_msg("%s: status %d", name, got);
    if (want && (n != strlen(want) || memcmp(v, want, n)))
        fail_msg("%s: got '%.*s', want '%s'", name, (int)n, v, want);
}

/* Matches msg with a new filter, kept (a space-delimited pattern's field names live in it)
 * until the next call or done_values(). */
static ot_filter *values_of;

static void match_for_values(const char *pattern, const char *msg)
{
    ot_filter_free(values_of);
    values_of = compile_ok(pattern);
    assert_true(ot_filter_match(values_of, msg, strlen(msg), fx));
}

static void test_filter__values(void **state)
{
    match_for_values("[ip, user, username, timestamp, request, status_code = 4*, bytes]", LINE_A);
    value_is("$status_code", "404", 0);
    value_is("bytes", "1534", 0);
    value_is("$request", "GET /index.html HTTP/1.0", 0);
    value_is("$timestamp", "10/Oct/2000:13:25:15 -0700", 0);
    value_is("$nosuch", NULL, OT_ENOTFOUND);

    match_for_values("[..., status_code = 4*, bytes]", LINE_A);
    value_is("$bytes", "1534", 0);

    match_for_values("{ $.latency = * }",
                     "{\"latency\":50,\"requestType\":\"GET\",\"t\":{\"ok\":true},\"x\":null}");
    value_is("$.latency", "50", 0);
    value_is("$.requestType", "GET", 0);
    value_is("$.t.ok", "true", 0);
    value_is("$.x", NULL, OT_ENOTFOUND);
    value_is("$.t", NULL, OT_ENOTFOUND);
    value_is("$.missing", NULL, OT_ENOTFOUND);
    value_is("$.bad..x", NULL, OT_EINVAL);
    value_is("latency", NULL, OT_EINVAL);

    match_for_values("{ $.eventType = \"*\" && $.sourceIPAddress != 123.123.* }", E1);
    value_is("$.eventType", "UpdateTrail", 0);
    value_is("$.objectList[1].name", "b", 0);
    ot_filter_free(values_of);
    values_of = NULL;

    ot_filter *f = compile_ok("x");
    assert_int_equal(ot_filter_kind_of(f), OT_FILTER_TERMS);
    ot_filter_free(f);
}

/* ------------------------------------------------------------------ errors */

typedef struct bad_case {
    const char *pattern;
    int column;
    const char *message; /* a substring of the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"ERROR:", 6, "Invalid character(s) in term"},
    {"ok bad.term", 7, "Invalid character(s) in term"},
    {"\"unterminated", 1, "unterminated quoted string"},
    {"\"a\"b", 4, "Invalid character(s) in term"},
    {"ERROR ?", 8, "a term is missing"},
    {"%something!%", 11, "Invalid character(s) in regex"},
    {"%(a)%", 2, "'(' and ')' are not supported"},
    {"%a[bc%", 3, "not closed"},
    {"%*a%", 2, "nothing to apply to"},
    {"%a{2%", 3, "not closed by '}'"},
    {"%a{3,1}%", 3, "m <= n"},
    {"%z-a%", 0, NULL}, /* fine: '-' is a literal outside a class */
    {"%[z-a]%", 4, "backwards"},
    {"%a{x}%", 4, "needs a number"},
    {"%a{99}%", 5, "count is too large"},
    {"%%", 2, "may not be empty"},
    {"%ab\\%", 4, "may not end with"},
    {"{ $.a = 1", 10, "expected && || or '}'"},
    {"{ $.a = }", 9, "a value is missing"},
    {"{ $.a =", 8, "a value is missing"},
    {"{ a = 1 }", 3, "expected a selector"},
    {"{ $ = 1 }", 4, "needs a field"},
    {"{ $. = 1 }", 5, "a field name is missing"},
    {"{ $.a[x] = 1 }", 7, "[digits]"},
    {"{ $.a[1 = 1 }", 6, "[digits]"},
    {"{ $.a ~ 1 }", 7, "expected an operator"},
    {"{ $.a IS NOT NULL }", 10, "IS takes NULL, TRUE or FALSE"},
    {"{ $.a EXISTS }", 7, "expected an operator"},
    {"{ $.a NOT NULL }", 11, "NOT takes EXISTS"},
    {"{ $.a > abc }", 9, "need a number"},
    {"{ $.a > %x% }", 9, "takes = or != only"},
    {"{ $.a = %x }", 9, "unterminated %regex%"},
    {"{ ($.a = 1 }", 12, "expected ')' to close the '(' at column 3"},
    {"{ $.a = 1 } x", 13, "text after the closing '}'"},
    {"{ $.a = %a% && $.b = %b% && $.c = %c% }", 35, "at most 2 regular expressions"},
    {"[a, b", 6, "expected ',' or ']'"},
    {"[a, = 1]", 5, "expected a field name or '...'"},
    {"[..., status_code = 4* && bytes > 1000]", 27, "may only test its own field"},
    {"[a ~ 1]", 4, "expected = != < > <= >="},
    {"[a] b", 5, "text after the closing ']'"},
    {"[a = ]", 6, "a value is missing"},
};

static void test_filter__errors(void **state)
{
    ot_filter *f0;
    ot_filter_error e0;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        ot_filter *f = NULL;
        ot_filter_error e;
        int rc = ot_filter_compile(c->pattern, strlen(c->pattern), &f, &e);
        if (!c->message) {
            assert_int_equal(rc, 0);
            ot_filter_free(f);
            continue;
        }
        if (rc != OT_EINVAL)
            fail_msg("%s compiled (rc %d)", c->pattern, rc);
        if (!strstr(e.message, c->message) || e.column != c->column)
            fail_msg("%s: got \"%s\" at column %d, want \"%s\" at %d", c->pattern, e.message,
                     e.column, c->message, c->column);
    }
    char longre[80] = "%";
    memset(longre + 1, 'a', 70);
    strcpy(longre + 71, "%");
    assert_int_equal(ot_filter_compile(longre, strlen(longre), &f0, &e0), OT_EINVAL);
    assert_non_null(strstr(e0.message, "the regex is too long"));
    assert_int_equal(e0.column, 65);
    char deep[300];
    memset(deep, '(', sizeof deep);
    deep[0] = '{';
    ot_filter *f;
    ot_filter_error e;
    assert_int_equal(ot_filter_compile(deep, sizeof deep, &f, &e), OT_EINVAL);
    assert_non_null(strstr(e.message, "nested too deep"));
    char big[OT_FILTER_MAX_PATTERN + 2];
    memset(big, 'a', sizeof big);
    assert_int_equal(ot_filter_compile(big, sizeof big, &f, &e), OT_EINVAL);
    assert_int_equal(e.column, OT_FILTER_MAX_PATTERN + 1);
    assert_int_equal(ot_filter_compile("a\0b", 3, &f, &e), OT_EINVAL);
    assert_int_equal(e.column, 2);
    assert_int_equal(ot_filter_compile("x", 1, &f, NULL), 0);
    ot_filter_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter__terms),
        cmocka_unit_test(test_filter__regex),
        cmocka_unit_test(test_filter__json_examples),
        cmocka_unit_test(test_filter__json_semantics),
        cmocka_unit_test(test_filter__prefilter),
        cmocka_unit_test(test_filter__cis_traps),
        cmocka_unit_test(test_filter__cis_pack),
        cmocka_unit_test(test_filter__match_each),
        cmocka_unit_test(test_filter__delimited),
        cmocka_unit_test(test_filter__values),
        cmocka_unit_test(test_filter__errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
