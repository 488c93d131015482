/* test_pattern.c — EventBridge event patterns (pattern/pattern.h), one pattern at a time as
 * TestEventPattern uses them: every operator, the array rules, the documented examples, the
 * EventBridge column of the cross-language table, and every InvalidEventPattern reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"
#include "util/err.h"

static int test_one(const char *p, const char *e)
{
    char msg[512];
    int rc = ot_pattern_test(p, strlen(p), e, strlen(e), msg, sizeof msg);
    if (rc < 0)
        print_error("pattern %s: %s\n", p, msg);
    return rc;
}

#define MATCH(p, e) assert_int_equal(test_one(p, e), 1)
#define NO_MATCH(p, e) assert_int_equal(test_one(p, e), 0)

/* The pattern is refused, with a reason containing why. */
static void refused(const char *p, const char *why)
{
    char msg[512];
    int rc = ot_pattern_check(p, strlen(p), msg, sizeof msg);
    if (rc != OT_EINVAL || !strstr(msg, why))
        print_error("pattern %s: rc %d, msg '%s', wanted '%s'\n", p, rc, msg, why);
    assert_int_equal(rc, OT_EINVAL);
    assert_non_null(strstr(msg, "Event pattern is not valid. Reason: "));
    assert_non_null(strstr(msg, why));
}

/* A CloudTrail event in EventBridge's envelope. */
static const char ct[] =
    "{\"version\":\"0\",\"id\":\"6f87d04b-9f74-4f04-a780-7acf4b0a9b38\","
    "\"detail-type\":\"AWS API Call via CloudTrail\",\"source\":\"aws.cloudtrail\","
    "\"account\":\"111122223333\",\"time\":\"2017-10-02T18:43:48Z\",\"region\":\"us-east-1\","
    "\"resources\":[],\"detail\":{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":"
    "\"IAMUser\",\"userName\":\"Mary\",\"arn\":\"arn:aws:iam::111122223333:user/Mary\"},"
    "\"eventTime\":\"2017-10-02T18:43:48Z\",\"eventSource\":\"cloudtrail.amazonaws.com\","
    "\"eventName\":\"StopLogging\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":"
    "\"10.0.0.25\",\"userAgent\":\"aws-cli/2.13.0\",\"requestParameters\":{\"name\":\"main\"},"
    "\"responseElements\":null,\"readOnly\":false,\"errorCode\":\"\",\"eventType\":"
    "\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":\"111122223333\"}}";

static void test_pattern__exact_values(void **state)
{
    (void)state;
    MATCH("{\"source\":[\"aws.cloudtrail\"]}", ct);
    NO_MATCH("{\"source\":[\"aws.ec2\"]}", ct);
    MATCH("{\"source\":[\"aws.ec2\",\"aws.cloudtrail\"]}", ct); /* a leaf's list is OR */
    MATCH("{\"source\":[\"aws.cloudtrail\"],\"detail\":{\"eventName\":[\"StopLogging\"]}}", ct);
    NO_MATCH("{\"source\":[\"aws.cloudtrail\"],\"detail\":{\"eventName\":[\"Start\"]}}", ct);
    NO_MATCH("{\"source\":[\"AWS.CLOUDTRAIL\"]}", ct);         /* case-sensitive */
    NO_MATCH("{\"detail\":{\"missing\":[\"x\"]}}", ct);        /* keys must be present */
    MATCH("{\"detail\":{\"readOnly\":[false]}}", ct);
    NO_MATCH("{\"detail\":{\"readOnly\":[\"false\"]}}", ct);  /* typed: "false" is not false */
    MATCH("{\"detail\":{\"managementEvent\":[true]}}", ct);
    MATCH("{\"detail\":{\"responseElements\":[null]}}", ct);
    NO_MATCH("{\"detail\":{\"responseElements\":[\"\"]}}", ct);
    MATCH("{\"detail\":{\"errorCode\":[\"\"]}}", ct);           /* "" is the empty string */
    NO_MATCH("{\"detail\":{\"errorCode\":[null]}}", ct);
    /* numbers compare as numbers */
    MATCH("{\"n\":[300]}", "{\"n\":300.0}");
    MATCH("{\"n\":[3.018e2]}", "{\"n\":301.8}");
    MATCH("{\"n\":[-0]}", "{\"n\":0}");
    NO_MATCH("{\"n\":[300]}", "{\"n\":\"300\"}");
    NO_MATCH("{\"n\":[\"300\"]}", "{\"n\":300}");
    MATCH("{\"n\":[{\"exactly\":\"x\"}]}", "{\"n\":\"x\"}");
    /* a key of the pattern that holds an object in the event is no leaf */
    NO_MATCH("{\"detail\":[\"x\"]}", ct);
    /* unicode escapes are compared unescaped */
    MATCH("{\"a\":[\"\\u00e9t\\u00e9\"]}", "{\"a\":\"\xc3\xa9t\xc3\xa9\"}");
}

static void test_pattern__prefix_suffix(void **state)
{
    (void)state;
    MATCH("{\"time\":[{\"prefix\":\"2017-10-02\"}]}", ct);
    NO_MATCH("{\"time\":[{\"prefix\":\"2017-10-03\"}]}", ct);
    MATCH("{\"time\":[{\"prefix\":\"\"}]}", ct);
    MATCH("{\"detail\":{\"userAgent\":[{\"prefix\":{\"equals-ignore-case\":\"AWS-CLI\"}}]}}", ct);
    NO_MATCH("{\"detail\":{\"userAgent\":[{\"prefix\":\"AWS-CLI\"}]}}", ct);
    MATCH("{\"FileName\":[{\"suffix\":\".png\"}]}", "{\"FileName\":\"a.png\"}");
    NO_MATCH("{\"FileName\":[{\"suffix\":\".png\"}]}", "{\"FileName\":\"a.PNG\"}");
    MATCH("{\"FileName\":[{\"suffix\":{\"equals-ignore-case\":\".png\"}}]}",
          "{\"FileName\":\"a.PNG\"}");
    NO_MATCH("{\"FileName\":[{\"suffix\":\".png\"}]}", "{\"FileName\":\".pn\"}");
    NO_MATCH("{\"n\":[{\"prefix\":\"1\"}]}", "{\"n\":12}"); /* strings only */
    MATCH("{\"service\":[{\"prefix\":{\"equals-ignore-case\":\"eventb\"}}]}",
          "{\"service\":\"EventBridge\"}");
    MATCH("{\"service\":[{\"suffix\":{\"equals-ignore-case\":\"tbridge\"}}]}",
          "{\"service\":\"EventBRIDGE\"}");
}

static void test_pattern__equals_ignore_case(void **state)
{
    (void)state;
    MATCH("{\"Name\":[{\"equals-ignore-case\":\"alice\"}]}", "{\"Name\":\"ALICE\"}");
    MATCH("{\"Name\":[{\"equals-ignore-case\":\"ALICE\"}]}", "{\"Name\":\"aLiCe\"}");
    NO_MATCH("{\"Name\":[{\"equals-ignore-case\":\"alice\"}]}", "{\"Name\":\"alicia\"}");
    NO_MATCH("{\"Name\":[{\"equals-ignore-case\":\"1\"}]}", "{\"Name\":1}");
}

static void test_pattern__wildcard(void **state)
{
    (void)state;
    const char *p = "{\"EventBusArn\":[{\"wildcard\":\"arn:aws:events:us-east-1:*:event-bus/*\"}]}";
    MATCH(p, "{\"EventBusArn\":\"arn:aws:events:us-east-1:123456789012:event-bus/default\"}");
    NO_MATCH(p, "{\"EventBusArn\":\"arn:aws:events:us-west-2:123456789012:event-bus/default\"}");
    MATCH("{\"a\":[{\"wildcard\":\"Simple*Service\"}]}", "{\"a\":\"SimpleNotificationService\"}");
    MATCH("{\"a\":[{\"wildcard\":\"Simple*Service\"}]}", "{\"a\":\"SimpleService\"}");
    NO_MATCH("{\"a\":[{\"wildcard\":\"Simple*Service\"}]}", "{\"a\":\"SimpleServices\"}");
    MATCH("{\"a\":[{\"wildcard\":\"*\"}]}", "{\"a\":\"\"}");
    MATCH("{\"a\":[{\"wildcard\":\"*/lib/*\"}]}", "{\"a\":\"/usr/lib/x\"}");
    MATCH("{\"a\":[{\"wildcard\":\"a\\\\*b\"}]}", "{\"a\":\"a*b\"}"); /* \* is a star */
    NO_MATCH("{\"a\":[{\"wildcard\":\"a\\\\*b\"}]}", "{\"a\":\"axb\"}");
    MATCH("{\"a\":[{\"wildcard\":\"a\\\\\\\\b\"}]}", "{\"a\":\"a\\\\b\"}"); /* \\ is a backslash */
    MATCH("{\"a\":[{\"wildcard\":\"*ab*ab\"}]}", "{\"a\":\"xabyabab\"}");
    MATCH("{\"a\":[{\"wildcard\":\"exact\"}]}", "{\"a\":\"exact\"}");
    NO_MATCH("{\"a\":[{\"wildcard\":\"exact\"}]}", "{\"a\":\"exactly\"}");
    NO_MATCH("{\"a\":[{\"wildcard\":\"*\"}]}", "{\"a\":5}");
    MATCH("{\"a\":[{\"wildcard\":\"a*a\"}]}", "{\"a\":\"aa\"}"); /* prefix and suffix may meet */
    NO_MATCH("{\"a\":[{\"wildcard\":\"a*a\"}]}", "{\"a\":\"a\"}");       /* ...not overlap */
    MATCH("{\"a\":[{\"wildcard\":\"a*b*a\"}]}", "{\"a\":\"aba\"}");
    NO_MATCH("{\"a\":[{\"wildcard\":\"a*b*a\"}]}", "{\"a\":\"ab\"}");
    MATCH("{\"a\":[{\"wildcard\":\"\"}]}", "{\"a\":\"\"}");
    NO_MATCH("{\"a\":[{\"wildcard\":\"\"}]}", "{\"a\":\"x\"}");
    MATCH("{\"a\":[{\"wildcard\":\"x\\\\*\"}]}", "{\"a\":\"x*\"}"); /* an escaped star at the end */
    NO_MATCH("{\"a\":[{\"wildcard\":\"x\\\\*\"}]}", "{\"a\":\"xy\"}");
    /* a long value against many segments: matched by leftmost search, not by backtracking */
    size_t n = 200000;
    char *ev = malloc(n + 16), *q = malloc(4096);
    assert_non_null(ev);
    assert_non_null(q);
    memcpy(ev, "{\"a\":\"", 6);
    memset(ev + 6, 'a', n);
    memcpy(ev + 6 + n, "\"}", 3);
    size_t k = (size_t)snprintf(q, 4096, "{\"a\":[{\"wildcard\":\"");
    for (int i = 0; i < 1000; i++)
        k += (size_t)snprintf(q + k, 4096 - k, "*a");
    snprintf(q + k, 4096 - k, "*b\"}]}");
    NO_MATCH(q, ev);
    q[k + 1] = 'a'; /* ...*a*a: now it matches */
    MATCH(q, ev);
    free(ev), free(q);
}

static void test_pattern__anything_but(void **state)
{
    (void)state;
    MATCH("{\"state\":[{\"anything-but\":\"initializing\"}]}", "{\"state\":\"running\"}");
    NO_MATCH("{\"state\":[{\"anything-but\":\"initializing\"}]}", "{\"state\":\"initializing\"}");
    NO_MATCH("{\"state\":[{\"anything-but\":\"x\"}]}", "{\"other\":1}"); /* needs the field */
    MATCH("{\"state\":[{\"anything-but\":[\"stopped\",\"overloaded\"]}]}", "{\"state\":\"ok\"}");
    NO_MATCH("{\"state\":[{\"anything-but\":[\"stopped\",\"overloaded\"]}]}",
             "{\"state\":\"stopped\"}");
    MATCH("{\"x\":[{\"anything-but\":123}]}", "{\"x\":124}");
    NO_MATCH("{\"x\":[{\"anything-but\":123}]}", "{\"x\":123.0}");
    MATCH("{\"x\":[{\"anything-but\":[100,200,300]}]}", "{\"x\":250}");
    NO_MATCH("{\"x\":[{\"anything-but\":[100,200,300]}]}", "{\"x\":200}");
    NO_MATCH("{\"x\":[{\"anything-but\":[100,200]}]}", "{\"x\":\"abc\"}"); /* numbers only */
    MATCH("{\"x\":[{\"anything-but\":\"a\"}]}", "{\"x\":5}"); /* any other value */
    MATCH("{\"x\":[{\"anything-but\":\"a\"}]}", "{\"x\":null}");
    MATCH("{\"Region\":[{\"anything-but\":{\"prefix\":\"us-\"}}]}", "{\"Region\":\"eu-west-1\"}");
    NO_MATCH("{\"Region\":[{\"anything-but\":{\"prefix\":\"us-\"}}]}", "{\"Region\":\"us-east-1\"}");
    MATCH("{\"F\":[{\"anything-but\":{\"suffix\":\".png\"}}]}", "{\"F\":\"a.jpg\"}");
    NO_MATCH("{\"F\":[{\"anything-but\":{\"suffix\":\".png\"}}]}", "{\"F\":\"a.png\"}");
    MATCH("{\"s\":[{\"anything-but\":{\"equals-ignore-case\":\"initializing\"}}]}", "{\"s\":\"up\"}");
    NO_MATCH("{\"s\":[{\"anything-but\":{\"equals-ignore-case\":\"initializing\"}}]}",
             "{\"s\":\"INITIALIZING\"}");
    NO_MATCH("{\"s\":[{\"anything-but\":{\"equals-ignore-case\":[\"a\",\"B\"]}}]}", "{\"s\":\"b\"}");
    MATCH("{\"P\":[{\"anything-but\":{\"wildcard\":\"*/lib/*\"}}]}", "{\"P\":\"/usr/bin/x\"}");
    NO_MATCH("{\"P\":[{\"anything-but\":{\"wildcard\":\"*/lib/*\"}}]}", "{\"P\":\"/usr/lib/x\"}");
    NO_MATCH("{\"P\":[{\"anything-but\":{\"prefix\":[\"a\",\"b\"]}}]}", "{\"P\":\"bc\"}");
    /* on an array: some element is not excluded */
    MATCH("{\"s\":[{\"anything-but\":\"a\"}]}", "{\"s\":[\"a\",\"b\"]}");
    NO_MATCH("{\"s\":[{\"anything-but\":\"a\"}]}", "{\"s\":[\"a\",\"a\"]}");
    /* one alternative of several */
    MATCH("{\"s\":[\"a\",{\"anything-but\":\"a\"}]}", "{\"s\":\"a\"}");
}

static void test_pattern__numeric(void **state)
{
    (void)state;
    const char *p = "{\"c\":[{\"numeric\":[\">\",0,\"<=\",5]}]}";
    NO_MATCH(p, "{\"c\":0}");
    MATCH(p, "{\"c\":0.5}");
    MATCH(p, "{\"c\":5}");
    NO_MATCH(p, "{\"c\":5.000001}");
    NO_MATCH(p, "{\"c\":\"3\"}"); /* JSON numbers only */
    MATCH("{\"d\":[{\"numeric\":[\"<\",10]}]}", "{\"d\":-1e9}");
    NO_MATCH("{\"d\":[{\"numeric\":[\"<\",10]}]}", "{\"d\":10}");
    MATCH("{\"x\":[{\"numeric\":[\"=\",3.018e2]}]}", "{\"x\":301.8}");
    MATCH("{\"x\":[{\"numeric\":[\">=\",1e300]}]}", "{\"x\":2e300}");
    MATCH("{\"x\":[{\"numeric\":[\">=\",10,\"<\",20]},{\"numeric\":[\">\",100]}]}", "{\"x\":101}");
    NO_MATCH("{\"x\":[{\"numeric\":[\">=\",10,\"<\",20]},{\"numeric\":[\">\",100]}]}", "{\"x\":20}");
    MATCH("{\"x\":[{\"numeric\":[\"<=\",-5]}]}", "{\"x\":[1,2,-5]}");
}

static void test_pattern__cidr(void **state)
{
    (void)state;
    const char *p = "{\"detail\":{\"sourceIPAddress\":[{\"cidr\":\"10.0.0.0/24\"}]}}";
    MATCH(p, ct);
    NO_MATCH(p, "{\"detail\":{\"sourceIPAddress\":\"10.0.1.25\"}}");
    NO_MATCH(p, "{\"detail\":{\"sourceIPAddress\":\"cloudtrail.amazonaws.com\"}}");
    MATCH("{\"ip\":[{\"cidr\":\"2001:db8::/32\"}]}", "{\"ip\":\"2001:db8:1::7\"}");
    NO_MATCH("{\"ip\":[{\"cidr\":\"2001:db8::/32\"}]}", "{\"ip\":\"2001:db9::7\"}");
    MATCH("{\"ip\":[{\"cidr\":\"0.0.0.0/0\"}]}", "{\"ip\":\"8.8.8.8\"}");
    MATCH("{\"ip\":[{\"cidr\":\"192.0.2.0/25\"}]}", "{\"ip\":\"192.0.2.127\"}");
    NO_MATCH("{\"ip\":[{\"cidr\":\"192.0.2.0/25\"}]}", "{\"ip\":\"192.0.2.128\"}");
}

static void test_pattern__exists(void **state)
{
    (void)state;
    MATCH("{\"detail\":{\"eventName\":[{\"exists\":true}]}}", ct);
    NO_MATCH("{\"detail\":{\"eventName\":[{\"exists\":false}]}}", ct);
    MATCH("{\"detail\":{\"errorMessage\":[{\"exists\":false}]}}", ct);
    NO_MATCH("{\"detail\":{\"errorMessage\":[{\"exists\":true}]}}", ct);
    MATCH("{\"detail\":{\"responseElements\":[{\"exists\":true}]}}", ct); /* null is a value */
    /* leaf-only: a key that holds an object counts as absent */
    MATCH("{\"detail\":{\"userIdentity\":[{\"exists\":false}]}}", ct);
    NO_MATCH("{\"detail\":{\"userIdentity\":[{\"exists\":true}]}}", ct);
    /* the README example: c-count holds an object, so exists:false matches */
    const char *ev = "{\"detail\":{\"state\":[\"initializing\",\"running\"],\"c-count\":{\"c1\":100}}}";
    MATCH("{\"detail\":{\"c-count\":[{\"exists\":false}]}}", ev);
    MATCH("{\"a\":[{\"exists\":false}]}", "{\"a\":[]}"); /* an empty list holds no value */
    MATCH("{\"a\":[{\"exists\":true}]}", "{\"a\":[1]}");
    /* exists:false among other alternatives */
    MATCH("{\"a\":[{\"exists\":false},\"x\"]}", "{\"b\":1}");
    MATCH("{\"a\":[{\"exists\":false},\"x\"]}", "{\"a\":\"x\"}");
    NO_MATCH("{\"a\":[{\"exists\":false},\"x\"]}", "{\"a\":\"y\"}");
    MATCH("{\"source\":[\"aws.cloudtrail\"],\"detail\":{\"errorCode\":[{\"exists\":false},\"\"]}}", ct);
}

static void test_pattern__or(void **state)
{
    (void)state;
    const char *p = "{\"source\":[\"aws.cloudwatch\"],\"$or\":[{\"metricName\":[\"CPUUtilization\","
                    "\"ReadLatency\"]},{\"namespace\":[\"AWS/EC2\",\"AWS/ES\"]}]}";
    MATCH(p, "{\"source\":\"aws.cloudwatch\",\"metricName\":\"ReadLatency\"}");
    MATCH(p, "{\"source\":\"aws.cloudwatch\",\"namespace\":\"AWS/ES\"}");
    NO_MATCH(p, "{\"source\":\"aws.cloudwatch\",\"namespace\":\"AWS/S3\"}");
    NO_MATCH(p, "{\"source\":\"aws.ec2\",\"namespace\":\"AWS/ES\"}");
    /* nested: source && (metricName || (metricType && namespace && (metricId || spaceId)) || scope) */
    const char *q = "{\"source\":[\"aws.cloudwatch\"],\"$or\":[{\"metricName\":[\"CPUUtilization\"]},"
                    "{\"metricType\":[\"MetricType\"],\"namespace\":[\"AWS/EC2\"],\"$or\":["
                    "{\"metricId\":[1234]},{\"spaceId\":[1000]}]},{\"scope\":[\"Service\"]}]}";
    MATCH(q, "{\"source\":\"aws.cloudwatch\",\"metricType\":\"MetricType\",\"namespace\":\"AWS/EC2\","
             "\"spaceId\":1000}");
    NO_MATCH(q, "{\"source\":\"aws.cloudwatch\",\"metricType\":\"MetricType\",\"namespace\":"
                "\"AWS/EC2\",\"spaceId\":1001}");
    MATCH(q, "{\"source\":\"aws.cloudwatch\",\"scope\":\"Service\"}");
    /* parallel $or at two levels */
    const char *r = "{\"$or\":[{\"a\":[1]},{\"b\":[2]}],\"detail\":{\"$or\":[{\"c\":[3]},{\"d\":[4]}]}}";
    MATCH(r, "{\"b\":2,\"detail\":{\"c\":3}}");
    NO_MATCH(r, "{\"b\":2,\"detail\":{\"e\":3}}");
    NO_MATCH(r, "{\"detail\":{\"c\":3}}");
}

static void test_pattern__arrays(void **state)
{
    (void)state;
    /* an array in the event matches when any element does */
    MATCH("{\"resources\":[\"arn:b\"]}", "{\"resources\":[\"arn:a\",\"arn:b\"]}");
    NO_MATCH("{\"resources\":[\"arn:c\"]}", "{\"resources\":[\"arn:a\",\"arn:b\"]}");
    MATCH("{\"a\":[2]}", "{\"a\":[[1],[2,3]]}");
    /* fields of one pattern object come from the same element */
    const char *ev = "{\"detail\":{\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:x\"},"
                     "{\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:y\"}]}}";
    MATCH("{\"detail\":{\"resources\":{\"type\":[\"AWS::S3::Bucket\"],\"ARN\":[\"arn:y\"]}}}", ev);
    NO_MATCH("{\"detail\":{\"resources\":{\"type\":[\"AWS::S3::Bucket\"],\"ARN\":[\"arn:x\"]}}}", ev);
    /* ...but fields under different arrays pair freely */
    MATCH("{\"a\":{\"x\":[1]},\"b\":{\"y\":[2]}}", "{\"a\":[{\"x\":1}],\"b\":[{\"y\":3},{\"y\":2}]}");
    /* nested arrays: the same outer element, any inner ones */
    const char *nest = "{\"o\":[{\"i\":[{\"k\":1},{\"k\":2}],\"t\":\"a\"},{\"i\":[{\"k\":3}],\"t\":\"b\"}]}";
    MATCH("{\"o\":{\"i\":{\"k\":[2]},\"t\":[\"a\"]}}", nest);
    NO_MATCH("{\"o\":{\"i\":{\"k\":[3]},\"t\":[\"a\"]}}", nest);
    MATCH("{\"o\":{\"i\":{\"k\":[3]},\"t\":[\"b\"]}}", nest);
    /* a pattern array never matches an event object or array as a whole */
    NO_MATCH("{\"a\":[\"x\"]}", "{\"a\":{\"b\":\"x\"}}");
    /* many arrays with many candidate elements each, and one that fails: solved array by array,
     * not by trying every combination of elements (60^5 of them here) */
    size_t cap = 64000, k = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    k += (size_t)snprintf(big + k, cap - k, "{");
    for (int arr = 0; arr < 5; arr++) {
        k += (size_t)snprintf(big + k, cap - k, "%s\"x%d\":[", arr ? "," : "", arr);
        for (int el = 0; el < 60; el++)
            k += (size_t)snprintf(big + k, cap - k, "%s{\"a\":1,\"b\":%d}", el ? "," : "",
                                  arr == 4 ? 2 : 1);
        k += (size_t)snprintf(big + k, cap - k, "]");
    }
    snprintf(big + k, cap - k, "}");
    const char *five = "{\"x0\":{\"a\":[1]},\"x1\":{\"a\":[1]},\"x2\":{\"a\":[1]},\"x3\":"
                       "{\"a\":[1]},\"x4\":{\"a\":[1],\"b\":[1]}}";
    NO_MATCH(five, big);
    char *last = strstr(big, "\"x4\"");
    last = strstr(last, "\"b\":2");
    last[4] = '1'; /* the first element of x4 now holds both */
    MATCH(five, big);
    free(big);
    /* a top-level field and an arrayed one always pair */
    MATCH("{\"s\":[\"q\"],\"r\":{\"t\":[\"a\"]}}", "{\"s\":\"q\",\"r\":[{\"t\":\"b\"},{\"t\":\"a\"}]}");
}

/* The worked examples of §5.5 on CloudTrail events in EventBridge's envelope. */
static void test_pattern__cloudtrail_examples(void **state)
{
    (void)state;
    MATCH("{\"source\":[\"aws.cloudtrail\"],\"detail-type\":[\"AWS API Call via CloudTrail\"],"
          "\"detail\":{\"eventSource\":[\"cloudtrail.amazonaws.com\"],\"eventName\":[\"StopLogging\","
          "\"DeleteTrail\",\"UpdateTrail\"]}}", ct);
    /* the IAM Access Denied Responder's patterns */
    MATCH("{\"detail\":{\"errorMessage\":[\"Access Denied\",\"Failed authentication\"]}}",
          "{\"detail\":{\"errorMessage\":\"Access Denied\"}}");
    NO_MATCH("{\"detail\":{\"errorMessage\":[\"Access Denied\",\"Failed authentication\"]}}", ct);
    MATCH("{\"detail\":{\"errorCode\":[\"Client.UnauthorizedOperation\"]}}",
          "{\"detail\":{\"errorCode\":\"Client.UnauthorizedOperation\"}}");
    /* the console sign-in detail-type, both spellings */
    const char *signin = "{\"detail-type\":[\"AWS Console Signin via CloudTrail\","
                         "\"AWS Console Sign In via CloudTrail\"]}";
    MATCH(signin, "{\"detail-type\":\"AWS Console Sign In via CloudTrail\"}");
    MATCH(signin, "{\"detail-type\":\"AWS Console Signin via CloudTrail\"}");
    /* the complex example of event-ruler's README */
    const char *cx = "{\"time\":[{\"prefix\":\"2017-10-02\"}],\"detail\":{\"state\":[{\"anything-but\":"
                     "\"initializing\"}],\"c-count\":[{\"numeric\":[\">\",0,\"<=\",5]}],\"d-count\":["
                     "{\"numeric\":[\"<\",10]}],\"x-limit\":[{\"anything-but\":[100,200,300]}],"
                     "\"source-ip\":[{\"cidr\":\"10.0.0.0/8\"}]}}";
    MATCH(cx, "{\"time\":\"2017-10-02T18:43:48Z\",\"detail\":{\"state\":\"running\",\"c-count\":5,"
              "\"d-count\":3,\"x-limit\":301.8,\"source-ip\":\"10.1.2.3\"}}");
    NO_MATCH(cx, "{\"time\":\"2017-10-02T18:43:48Z\",\"detail\":{\"state\":\"running\",\"c-count\":5,"
                 "\"d-count\":3,\"x-limit\":300,\"source-ip\":\"10.1.2.3\"}}");
}

/* §5.6, the EventBridge column, row by row. */
static void test_pattern__cross_language_rows(void **state)
{
    (void)state;
    /* Case: sensitive, equals-ignore-case opt-in */
    NO_MATCH("{\"a\":[\"abc\"]}", "{\"a\":\"ABC\"}");
    MATCH("{\"a\":[{\"equals-ignore-case\":\"abc\"}]}", "{\"a\":\"ABC\"}");
    /* Missing field vs NOT: anything-but needs the field; exists:false for absence */
    NO_MATCH("{\"a\":[{\"anything-but\":\"x\"}]}", "{\"b\":\"y\"}");
    MATCH("{\"a\":[{\"exists\":false}]}", "{\"b\":\"y\"}");
    /* Existence: exists (leaf only), null */
    MATCH("{\"a\":[null]}", "{\"a\":null}");
    NO_MATCH("{\"a\":[null]}", "{\"b\":1}"); /* null is a value, not absence */
    NO_MATCH("{\"a\":[{\"exists\":true}]}", "{\"a\":{\"b\":1}}");
    /* Arrays: any element */
    MATCH("{\"a\":[\"y\"]}", "{\"a\":[\"x\",\"y\"]}");
    /* Wildcards: wildcard / prefix / suffix */
    MATCH("{\"a\":[{\"wildcard\":\"x*z\"}]}", "{\"a\":\"xyz\"}");
    MATCH("{\"a\":[{\"prefix\":\"x\"}]}", "{\"a\":\"xyz\"}");
    MATCH("{\"a\":[{\"suffix\":\"z\"}]}", "{\"a\":\"xyz\"}");
    /* Regex: none (a regex is just a string) */
    NO_MATCH("{\"a\":[\"x.z\"]}", "{\"a\":\"xyz\"}");
    refused("{\"a\":[{\"regex\":\"x.z\"}]}", "Unrecognized match type regex");
    /* Numbers: numeric ranges */
    MATCH("{\"a\":[{\"numeric\":[\">=\",1,\"<\",2]}]}", "{\"a\":1}");
    /* Boolean logic: implicit AND, array OR, $or */
    NO_MATCH("{\"a\":[1],\"b\":[2]}", "{\"a\":1,\"b\":3}");
    MATCH("{\"a\":[1,3]}", "{\"a\":3}");
    MATCH("{\"$or\":[{\"a\":[1]},{\"b\":[2]}]}", "{\"a\":0,\"b\":2}");
}

static void test_pattern__invalid(void **state)
{
    (void)state;
    refused("[1]", "Filter is not an object");
    refused("{\"a\":", "not valid JSON");
    refused("{}", "Empty objects are not allowed");
    refused("{\"a\":{}}", "Empty objects are not allowed");
    refused("{\"a\":\"x\"}", "\"a\" must be an object or an array");
    refused("{\"a\":5}", "\"a\" must be an object or an array");
    refused("{\"a\":[]}", "Empty arrays are not allowed");
    refused("{\"a\":[[1]]}", "Match value must be String, number, true, false, or null");
    refused("{\"a\":[{}]}", "Match expression name not found");
    refused("{\"a\":[{\"prefix\":\"x\",\"suffix\":\"y\"}]}", "Only one key allowed in match expression");
    refused("{\"a\":[{\"contains\":\"x\"}]}", "Unrecognized match type contains");
    refused("{\"a\":[{\"prefix\":1}]}", "prefix match pattern must be a string");
    refused("{\"a\":[{\"suffix\":null}]}", "suffix match pattern must be a string");
    refused("{\"a\":[{\"prefix\":{}}]}", "Prefix expression name not found");
    refused("{\"a\":[{\"suffix\":{}}]}", "Suffix expression name not found");
    refused("{\"a\":[{\"prefix\":{\"wildcard\":\"x\"}}]}", "Unsupported prefix pattern: wildcard");
    refused("{\"a\":[{\"suffix\":{\"x\":\"x\"}}]}", "Unsupported suffix pattern: x");
    refused("{\"a\":[{\"prefix\":{\"equals-ignore-case\":1}}]}",
            "equals-ignore-case match pattern must be a string");
    refused("{\"a\":[{\"equals-ignore-case\":[\"x\"]}]}",
            "equals-ignore-case match pattern must be a string");
    refused("{\"a\":[{\"exactly\":1}]}", "exact match pattern must be a string");
    refused("{\"a\":[{\"wildcard\":1}]}", "wildcard match pattern must be a string");
    refused("{\"a\":[{\"wildcard\":\"a**b\"}]}", "Consecutive wildcard characters at pos 1");
    refused("{\"a\":[{\"wildcard\":\"a\\\\b\"}]}", "Invalid escape character at pos 1");
    refused("{\"a\":[{\"wildcard\":\"ab\\\\\"}]}", "Invalid escape character at pos 2");
    refused("{\"a\":[{\"numeric\":5}]}", "Value of numeric must be an array.");
    refused("{\"a\":[{\"numeric\":[]}]}", "Invalid member in numeric match");
    refused("{\"a\":[{\"numeric\":[5]}]}", "Invalid member in numeric match");
    refused("{\"a\":[{\"numeric\":[\"~\",5]}]}", "Unrecognized numeric range operator: ~");
    refused("{\"a\":[{\"numeric\":[\"=\",\"5\"]}]}", "Value of = must be numeric");
    refused("{\"a\":[{\"numeric\":[\"<\"]}]}", "Value of < must be numeric");
    refused("{\"a\":[{\"numeric\":[\"=\",5,\"<\",6]}]}", "Too many elements in numeric expression");
    refused("{\"a\":[{\"numeric\":[\">\",5,6]}]}", "Bad value in numeric range");
    refused("{\"a\":[{\"numeric\":[\">\",5,\">\",6]}]}", "Bad numeric range operator: >");
    refused("{\"a\":[{\"numeric\":[\">\",5,\"<\",\"6\"]}]}", "Value of < must be numeric");
    refused("{\"a\":[{\"numeric\":[\">\",5,\"<\",6,7]}]}", "Too many terms in numeric range expression");
    refused("{\"a\":[{\"numeric\":[\">\",6,\"<\",5]}]}", "Bottom must be less than top");
    refused("{\"a\":[{\"anything-but\":true}]}",
            "Value of anything-but must be an array or single string/number value.");
    refused("{\"a\":[{\"anything-but\":[\"x\",1]}]}", "mixed type is not supported");
    refused("{\"a\":[{\"anything-but\":[]}]}", "mixed type is not supported");
    refused("{\"a\":[{\"anything-but\":[null]}]}",
            "Inside anything but list, start|null|boolean is not supported.");
    refused("{\"a\":[{\"anything-but\":{}}]}", "Anything-But expression name not found");
    refused("{\"a\":[{\"anything-but\":{\"numeric\":[\">\",1]}}]}",
            "Unsupported anything-but pattern: numeric");
    refused("{\"a\":[{\"anything-but\":{\"prefix\":\"\"}}]}", "Null prefix/suffix not allowed");
    refused("{\"a\":[{\"anything-but\":{\"suffix\":[\"x\",\"\"]}}]}", "Null prefix/suffix not allowed");
    refused("{\"a\":[{\"anything-but\":{\"prefix\":1}}]}", "prefix/suffix match pattern must be a string");
    refused("{\"a\":[{\"anything-but\":{\"equals-ignore-case\":1}}]}",
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.");
    refused("{\"a\":[{\"anything-but\":{\"wildcard\":[1]}}]}", "wildcard match pattern must be a string");
    refused("{\"a\":[{\"anything-but\":{\"wildcard\":\"**\"}}]}", "Consecutive wildcard characters");
    refused("{\"a\":[{\"anything-but\":{\"prefix\":[]}}]}", "Empty arrays are not allowed");
    refused("{\"a\":[{\"anything-but\":{\"prefix\":true}}]}",
            "Value of anything-but must be an array or single string/number value.");
    refused("{\"a\":[{\"anything-but\":{\"prefix\":\"a\",\"suffix\":\"b\"}}]}",
            "Only one key allowed in match expression");
    refused("{\"a\":[{\"exists\":\"yes\"}]}", "exists match pattern must be either true or false.");
    refused("{\"a\":[{\"cidr\":5}]}", "cidr match pattern must be a string");
    refused("{\"a\":[{\"cidr\":\"10.0.0.0/33\"}]}", "Invalid CIDR: 10.0.0.0/33");
    refused("{\"a\":[{\"cidr\":\"10.0.0.0\"}]}", "Invalid CIDR: 10.0.0.0");
    refused("{\"a\":[{\"cidr\":\"not-an-ip/8\"}]}", "Invalid CIDR");
    refused("{\"$or\":{\"a\":[1]}}", "It must be an Array followed with $or.");
    refused("{\"$or\":[{\"a\":[1]}]}", "There must have at least 2 Objects in $or relationship.");
    refused("{\"$or\":[{\"a\":[1]},2]}", "Only JSON object is allowed in array of $or relationship.");
    refused("{\"$or\":[{\"numeric\":[1]},{\"b\":[1]}]}",
            "numeric is Ruler reserved fieldName which cannot be used inside $or.");
    refused("{\"a\":[1],\"$or\":[{\"a\":[2]},{\"b\":[1]}]}", "Path `a` cannot be allowed multiple times");
    refused("{\"a\":{\"b\":[1]},\"a\":{\"b\":[2]}}", "Path `a.b` cannot be allowed multiple times");
}

static void test_pattern__limits(void **state)
{
    (void)state;
    char msg[256];
    size_t n = OT_PATTERN_MAX_LEN + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "{\"a\":[1]}", 9);
    big[n] = '\0';
    assert_int_equal(ot_pattern_check(big, n, msg, sizeof msg), OT_ELIMIT);
    assert_non_null(strstr(msg, "4096"));
    assert_int_equal(ot_pattern_check(big, n - 1, msg, sizeof msg), 0);
    free(big);
    /* $or combinations multiply; past 256 the pattern is refused */
    char p[2048];
    size_t k = (size_t)snprintf(p, sizeof p, "{");
    for (int i = 0; i < 9; i++)
        k += (size_t)snprintf(p + k, sizeof p - k, "%s\"l%d\":{\"$or\":[{\"a\":[1]},{\"b\":[2]}]}",
                              i ? "," : "", i);
    snprintf(p + k, sizeof p - k, "}");
    refused(p, "$or combinations");
    /* the event must be an object */
    assert_int_equal(ot_pattern_test("{\"a\":[1]}", 9, "[1]", 3, msg, sizeof msg), OT_EINVAL);
    assert_non_null(strstr(msg, "not a JSON object"));
    assert_int_equal(ot_pattern_test("{\"a\":[1]}", 9, "{\"a\":", 5, msg, sizeof msg), OT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern__exact_values),
        cmocka_unit_test(test_pattern__prefix_suffix),
        cmocka_unit_test(test_pattern__equals_ignore_case),
        cmocka_unit_test(test_pattern__wildcard),
        cmocka_unit_test(test_pattern__anything_but),
        cmocka_unit_test(test_pattern__numeric),
        cmocka_unit_test(test_pattern__cidr),
        cmocka_unit_test(test_pattern__exists),
        cmocka_unit_test(test_pattern__or),
        cmocka_unit_test(test_pattern__arrays),
        cmocka_unit_test(test_pattern__cloudtrail_examples),
        cmocka_unit_test(test_pattern__cross_language_rows),
        cmocka_unit_test(test_pattern__invalid),
        cmocka_unit_test(test_pattern__limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
