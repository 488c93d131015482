/* test_selectors.c — event selectors: the validation table (every error), canonical output,
 * matcher truth tables for basic and advanced selectors, the WAL event header (v1 payloads
 * still decode, v2 round-trips its selector facts, corruption is refused) and forwarded
 * CloudTrail records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "otest.h"
#include <stdio.h>
#include <string.h>

#include "deliver/deliver_int.h"
#include "event/event.h"
#include "event/record_ingest.h"
#include "trail/selectors.h"
#include "trail/trail.h"
#include "util/err.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

/* the event table below leaves trailing members to their zero defaults */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ------------------------------------------------------------------ helpers */

static int build(const char *json, ot_buf *canon, ot_selectors **out, ot_selectors_error *err)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    assert_int_equal(ot_json_parse(doc, json, strlen(json), false, &root, NULL, 0), 0);
    int rc = ot_selectors_build(root, canon, out, err);
    ot_json_doc_free(doc);
    return rc;
}

static ot_selectors *compile_ok(const char *json)
{
    ot_selectors *s = NULL;
    ot_selectors_error err = {0};
    int rc = ot_selectors_compile(json, strlen(json), &s, &err);
    if (rc)
        fail_msg("%s: %s", json, err.message);
    return s;
}

typedef struct ev {
    uint8_t cat, rw, console;
    const char *source, *name, *type, *user, *error;
    ot_event_resource res[3];
    size_t nres;
} ev;

static ot_event mk(const ev *x)
{
    ot_event e = {.ingest_ms = 1, .category = x->cat, .rw = x->rw, .account_id = "123456789012",
                  .region = "us-east-1", .event_source = x->source ? x->source : "",
                  .event_name = x->name ? x->name : "", .event_id = "id", .channel_arn = "",
                  .json = "{}", .json_len = 2, .event_type = x->type ? x->type : "AwsApiCall",
                  .user_arn = x->user ? x->user : "", .error_code = x->error ? x->error : "",
                  .console = x->console, .resources = x->res, .nresources = x->nres};
    return e;
}

#define S3OBJ(b, k) {"AWS::S3::Object", "arn:aws:s3:::" b "/" k}
#define S3BKT(b) {"AWS::S3::Bucket", "arn:aws:s3:::" b}

static const ev MGMT_READ = {OT_CAT_MANAGEMENT, OT_RW_READ, 0, "ec2.amazonaws.com",
                             "DescribeInstances"};
static const ev MGMT_WRITE = {OT_CAT_MANAGEMENT, OT_RW_WRITE, 0, "ec2.amazonaws.com",
                              "RunInstances"};
static const ev KMS_READ = {OT_CAT_MANAGEMENT, OT_RW_READ, 0, "kms.amazonaws.com", "Decrypt"};
static const ev RDS_WRITE = {OT_CAT_MANAGEMENT, OT_RW_WRITE, 0, "rdsdata.amazonaws.com",
                             "ExecuteStatement"};
static const ev MGMT_NORW = {OT_CAT_MANAGEMENT, OT_RW_UNKNOWN, 0, "sts.amazonaws.com", "X"};
static const ev S3_GET_A = {OT_CAT_DATA, OT_RW_READ, OT_CONSOLE_TRUE, "s3.amazonaws.com",
                            "GetObject", NULL, "arn:aws:iam::123456789012:user/alice", NULL,
                            {S3OBJ("alpha", "logs/a.txt"), S3BKT("alpha")}, 2};
static const ev S3_PUT_B = {OT_CAT_DATA, OT_RW_WRITE, OT_CONSOLE_FALSE, "s3.amazonaws.com",
                            "PutObject", NULL, "arn:aws:iam::123456789012:role/app", "AccessDenied",
                            {S3OBJ("beta", "img/b.png"), S3BKT("beta")}, 2};
static const ev S3_LIST_A = {OT_CAT_DATA, OT_RW_READ, 0, "s3.amazonaws.com", "ListObjects", NULL,
                             NULL, NULL, {S3BKT("alpha")}, 1};
static const ev LAMBDA = {OT_CAT_DATA, OT_RW_WRITE, 0, "lambda.amazonaws.com", "Invoke", NULL,
                          NULL, NULL,
                          {{"AWS::Lambda::Function",
                            "arn:aws:lambda:us-east-1:123456789012:function:hello"}}, 1};
static const ev LAMBDA2 = {OT_CAT_DATA, OT_RW_WRITE, 0, "lambda.amazonaws.com", "Invoke", NULL,
                           NULL, NULL,
                           {{"AWS::Lambda::Function",
                             "arn:aws:lambda:us-east-1:123456789012:function:hello2"}}, 1};
static const ev DDB = {OT_CAT_DATA, OT_RW_READ, 0, "dynamodb.amazonaws.com", "GetItem", NULL, NULL,
                       NULL, {{"AWS::DynamoDB::Table",
                               "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}}, 1};
static const ev ACTIVITY = {OT_CAT_ACTIVITY, OT_RW_UNKNOWN, 0, "", ""};

static const ev *const ALL[] = {&MGMT_READ, &MGMT_WRITE, &KMS_READ, &RDS_WRITE, &MGMT_NORW,
                                &S3_GET_A,  &S3_PUT_B,   &S3_LIST_A, &LAMBDA,  &LAMBDA2,
                                &DDB,       &ACTIVITY};
#define NALL (sizeof ALL / sizeof *ALL)

/* expect: one char per ALL entry, '1' recorded, '0' not. */
static void truth(const char *json, const char *expect)
{
    assert_int_equal(strlen(expect), NALL);
    ot_selectors *s = json ? compile_ok(json) : NULL;
    for (size_t i = 0; i < NALL; i++) {
        ot_event e = mk(ALL[i]);
        bool want = expect[i] == '1';
        if (ot_selectors_match(s, &e) != want)
            fail_msg("%s: event %zu (%s %s) expected %d", json ? json : "default", i,
                     ALL[i]->source, ALL[i]->name, want);
    }
    ot_selectors_free(s);
}

/* ----------------------------------------------------------------- validation table */

typedef struct bad_case {
    const char *json;
    const char *code;
    const char *message; /* substring */
} bad_case;

#define ES(x) "{\"EventSelectors\":" x "}"
#define AES(x) "{\"AdvancedEventSelectors\":" x "}"
#define MG "{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}"
#define DT(t) "{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\"," \
              "\"Equals\":[\"" t "\"]}"

static void test_validation_table(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"{}", "InvalidEventSelectorsException", "Specify EventSelectors or Advanced"},
        {"{\"EventSelectors\":[{}],\"AdvancedEventSelectors\":[{\"FieldSelectors\":[" MG "]}]}",
         "InvalidEventSelectorsException", "not both"},
        {"{\"EventSelectors\":{}}", "SerializationException", "expected list"},
        {ES("[]"), "InvalidEventSelectorsException", "(1 to 5)"},
        {ES("[{},{},{},{},{},{}]"), "InvalidEventSelectorsException", "(1 to 5)"},
        {ES("[1]"), "SerializationException", "expected structure"},
        {ES("[{\"ReadWriteType\":\"read-only\"}]"), "InvalidEventSelectorsException",
         "Value read-only for ReadWriteType is invalid."},
        {ES("[{\"ReadWriteType\":5}]"), "SerializationException", "ReadWriteType"},
        {ES("[{\"IncludeManagementEvents\":\"yes\"}]"), "SerializationException", "boolean"},
        {ES("[{\"ExcludeManagementEventSources\":[\"ec2.amazonaws.com\"]}]"),
         "InvalidEventSelectorsException",
         "Value ec2.amazonaws.com for ExcludeManagementEventSources is invalid."},
        {ES("[{\"DataResources\":[{\"Values\":[\"arn:aws:s3\"]}]}]"),
         "InvalidEventSelectorsException", "DataResources.Type must be specified"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::EC2::Instance\",\"Values\":[\"x\"]}]}]"),
         "InvalidEventSelectorsException", "Value AWS::EC2::Instance for DataResources.Type"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::S3::Object\"}]}]"),
         "InvalidEventSelectorsException", "at least one value"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3:::*\"]}]}]"),
         "InvalidEventSelectorsException", "Value arn:aws:s3:::* for DataResources.Values"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3:::ab/\"]}]}]"),
         "InvalidEventSelectorsException", "DataResources.Values is invalid"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3:::abc\"]}]}]"),
         "InvalidEventSelectorsException", "DataResources.Values is invalid"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::Lambda::Function\",\"Values\":[\"arn:aws:lambda:*\"]}]}]"),
         "InvalidEventSelectorsException", "Value arn:aws:lambda:* for"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::DynamoDB::Table\",\"Values\":[\"arn:aws:dynamodb:us-east-1:1:table/t\"]}]}]"),
         "InvalidEventSelectorsException", "DataResources.Values is invalid"},
        {ES("[{\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[7]}]}]"),
         "SerializationException", "expected string"},
        {AES("[]"), "InvalidEventSelectorsException", "at least one advanced event selector"},
        {AES("[{}]"), "InvalidEventSelectorsException", "at least one field selector"},
        {AES("[{\"FieldSelectors\":[]}]"), "InvalidEventSelectorsException",
         "at least one field selector"},
        {AES("[{\"FieldSelectors\":[{\"Field\":\"readOnly\",\"Equals\":[\"true\"]}]}]"),
         "InvalidEventSelectorsException", "must have an eventCategory"},
        {AES("[{\"FieldSelectors\":[{\"Equals\":[\"x\"]}]}]"), "InvalidEventSelectorsException",
         "must name a Field"},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"bogus\",\"Equals\":[\"x\"]}]}]"),
         "InvalidEventSelectorsException", "Value bogus for Field is invalid."},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"event Name\",\"Equals\":[\"x\"]}]}]"),
         "InvalidEventSelectorsException", "for Field is invalid."},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"eventSource\"}]}]"),
         "InvalidEventSelectorsException", "at least one operator"},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"eventSource\",\"Equals\":[]}]}]"),
         "InvalidEventSelectorsException", "at least one value"},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"eventSource\",\"Equals\":[\"\"]}]}]"),
         "InvalidEventSelectorsException", "1 to 2048 characters"},
        {AES("[{\"FieldSelectors\":[" MG "," MG "]}]"), "InvalidEventSelectorsException",
         "appears more than once"},
        {AES("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Insight\"]}]}]"),
         "InvalidEventSelectorsException", "Value Insight for eventCategory is invalid."},
        {AES("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\",\"Management\"]}]}]"),
         "InvalidEventSelectorsException", "exactly one Equals value"},
        {AES("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"NotEquals\":[\"Data\"]}]}]"),
         "InvalidEventSelectorsException", "accepts only the Equals operator"},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"readOnly\",\"Equals\":[\"yes\"]}]}]"),
         "InvalidEventSelectorsException", "Value yes for readOnly is invalid."},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"eventName\",\"Equals\":[\"x\"]}]}]"),
         "InvalidEventSelectorsException",
         "Field eventName is not supported for Management events on a trail."},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"resources.ARN\",\"StartsWith\":[\"a\"]}]}]"),
         "InvalidEventSelectorsException", "resources.ARN is not supported"},
        {AES("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]}]}]"),
         "InvalidEventSelectorsException", "resources.type is required"},
        {AES("[{\"FieldSelectors\":[" DT("AWS::S3::Objekt") "]}]"),
         "InvalidEventSelectorsException", "Value AWS::S3::Objekt for resources.type"},
        {AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"errorCode\","
             "\"Equals\":[\"x\"]}]}]"),
         "InvalidEventSelectorsException", "errorCode is not supported for Data"},
        {AES("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"NetworkActivity\"]}]}]"),
         "InvalidEventSelectorsException", "eventSource is required"},
        {AES("[{\"FieldSelectors\":[" MG "],\"Name\":3}]"), "SerializationException", "Name"},
        {AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"eventSource\",\"Equals\":\"x\"}]}]"),
         "SerializationException", "expected list"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ot_buf canon;
        ot_buf_init(&canon, 0);
        ot_selectors *s = (ot_selectors *)1;
        ot_selectors_error err = {0};
        int rc = build(cases[i].json, &canon, &s, &err);
        if (rc != OT_EINVAL || !err.code || strcmp(err.code, cases[i].code) ||
            !strstr(err.message, cases[i].message))
            fail_msg("case %zu %s: rc %d code %s message %s", i, cases[i].json, rc,
                     err.code ? err.code : "-", err.message);
        assert_null(s);
        assert_int_equal(canon.len, 0); /* nothing produced */
        ot_buf_free(&canon);
    }
}

/* Builds a selector with n values (one per value slot) to probe the limits. */
static void limit_json(ot_buf *b, bool advanced, size_t n, bool all_bucket)
{
    ot_buf_reset(b);
    if (advanced)
        ot_buf_puts(b, "{\"AdvancedEventSelectors\":[{\"FieldSelectors\":["
                       DT("AWS::S3::Object") ",{\"Field\":\"resources.ARN\",\"StartsWith\":[");
    else
        ot_buf_puts(b, "{\"EventSelectors\":[{\"DataResources\":[{\"Type\":"
                       "\"AWS::S3::Object\",\"Values\":[");
    for (size_t i = 0; i < n; i++)
        ot_buf_printf(b, "%s\"arn:aws:s3:::bucket-%zu/\"", i ? "," : "", i);
    if (all_bucket)
        ot_buf_puts(b, ",\"arn:aws:s3\"");
    ot_buf_puts(b, advanced ? "]}]}]}" : "]}]}]}");
}

static void test_limits(void **state)
{
    (void)state;
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_selectors_error err;
    /* 250 data values (plus an all-buckets value, which does not count) pass; 251 do not */
    limit_json(&b, false, 250, true);
    assert_int_equal(build(b.data, NULL, NULL, &err), 0);
    limit_json(&b, false, 251, false);
    assert_int_equal(build(b.data, NULL, NULL, &err), OT_EINVAL);
    assert_string_equal(err.message, "Specify a valid number of DataResources.Values (0 to 250) "
                                     "for all your selectors");
    /* advanced: 2 values for eventCategory/resources.type + 498 = 500 pass; 499 do not */
    limit_json(&b, true, 498, false);
    assert_int_equal(build(b.data, NULL, NULL, &err), 0);
    limit_json(&b, true, 499, false);
    assert_int_equal(build(b.data, NULL, NULL, &err), OT_EINVAL);
    assert_non_null(strstr(err.message, "Specify up to 500 values"));
    ot_buf_free(&b);
}

static void test_canonical_fills_defaults(void **state)
{
    (void)state;
    ot_buf canon;
    ot_buf_init(&canon, 0);
    ot_selectors_error err;
    assert_int_equal(build("{\"TrailName\":\"t\",\"EventSelectors\":[{}]}", &canon, NULL, &err),
                     0);
    assert_string_equal(canon.data, OT_SELECTORS_DEFAULT_JSON);
    ot_buf_reset(&canon);
    assert_int_equal(build(AES("[{\"Name\":\"n\",\"FieldSelectors\":[" MG ",{\"Field\":"
                               "\"eventSource\",\"NotEquals\":[\"kms.amazonaws.com\"],"
                               "\"Equals\":null}]}]"),
                           &canon, NULL, &err),
                     0);
    assert_string_equal(canon.data,
                        AES("[{\"Name\":\"n\",\"FieldSelectors\":[" MG ",{\"Field\":"
                            "\"eventSource\",\"NotEquals\":[\"kms.amazonaws.com\"]}]}]"));
    /* the canonical form compiles to the same decisions as the request */
    ot_selectors *s = compile_ok(canon.data);
    ot_event kms = mk(&KMS_READ), ec2 = mk(&MGMT_READ);
    assert_false(ot_selectors_match(s, &kms));
    assert_true(ot_selectors_match(s, &ec2));
    ot_selectors_free(s);
    ot_buf_free(&canon);
}

/* ----------------------------------------------------------------- matcher truth tables */
/*                     mR mW kms rds noRW s3A s3B list lam lam2 ddb act */

static void test_basic_truth_tables(void **state)
{
    (void)state;
    truth(NULL, "111110000000");
    truth(OT_SELECTORS_DEFAULT_JSON, "111110000000");
    truth(ES("[{\"ReadWriteType\":\"ReadOnly\"}]"), "101000000000");
    truth(ES("[{\"ReadWriteType\":\"WriteOnly\"}]"), "010100000000");
    truth(ES("[{\"IncludeManagementEvents\":false}]"), "000000000000");
    truth(ES("[{\"ExcludeManagementEventSources\":[\"kms.amazonaws.com\","
             "\"rdsdata.amazonaws.com\"]}]"), "110010000000");
    truth(ES("[{\"IncludeManagementEvents\":false,\"DataResources\":[{\"Type\":"
             "\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3\"]}]}]"), "000001110000");
    truth(ES("[{\"IncludeManagementEvents\":false,\"DataResources\":[{\"Type\":"
             "\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3:::alpha/\"]}]}]"), "000001010000");
    truth(ES("[{\"IncludeManagementEvents\":false,\"DataResources\":[{\"Type\":"
             "\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3:::alpha/logs/\"]}]}]"), "000001000000");
    truth(ES("[{\"IncludeManagementEvents\":false,\"ReadWriteType\":\"WriteOnly\","
             "\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3\"]}]}]"),
          "000000100000");
    truth(ES("[{\"IncludeManagementEvents\":false,\"DataResources\":[{\"Type\":"
             "\"AWS::Lambda::Function\",\"Values\":["
             "\"arn:aws:lambda:us-east-1:123456789012:function:hello\"]}]}]"), "000000001000");
    truth(ES("[{\"IncludeManagementEvents\":false,\"DataResources\":[{\"Type\":"
             "\"AWS::Lambda::Function\",\"Values\":[\"arn:aws:lambda\"]}]}]"), "000000001100");
    truth(ES("[{\"IncludeManagementEvents\":false,\"DataResources\":[{\"Type\":"
             "\"AWS::DynamoDB::Table\",\"Values\":[\"arn:aws:dynamodb\"]}]}]"), "000000000010");
    /* any selector may match: read-only management + all data */
    truth(ES("[{\"ReadWriteType\":\"ReadOnly\"},{\"IncludeManagementEvents\":false,"
             "\"DataResources\":[{\"Type\":\"AWS::DynamoDB::Table\",\"Values\":["
             "\"arn:aws:dynamodb:us-east-1:123456789012:table/orders\"]}]}]"), "101000000010");
}

static void test_advanced_truth_tables(void **state)
{
    (void)state;
    truth(AES("[{\"FieldSelectors\":[" MG "]}]"), "111110000000");
    truth(AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"readOnly\",\"Equals\":[\"false\"]}]}]"),
          "010100000000");
    truth(AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"eventSource\",\"NotEquals\":["
              "\"kms.amazonaws.com\",\"rdsdata.amazonaws.com\"]}]}]"), "110010000000");
    truth(AES("[{\"FieldSelectors\":[" MG ",{\"Field\":\"eventSource\",\"Equals\":["
              "\"kms.amazonaws.com\"]}]}]"), "001000000000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") "]}]"), "000001110000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"resources.ARN\","
              "\"StartsWith\":[\"arn:aws:s3:::beta/\"]}]}]"), "000000100000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"resources.ARN\","
              "\"Equals\":[\"arn:aws:s3:::alpha/logs/a.txt\"]}]}]"), "000001000000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"resources.ARN\","
              "\"NotStartsWith\":[\"arn:aws:s3:::beta/\"],\"EndsWith\":[\".txt\",\"/\"]}]}]"),
          "000001010000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"eventName\","
              "\"NotEquals\":[\"GetObject\"]}]}]"), "000000110000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"eventName\","
              "\"StartsWith\":[\"Get\",\"List\"],\"NotEndsWith\":[\"Objects\"]}]}]"),
          "000001000000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"readOnly\","
              "\"Equals\":[\"true\"]}]}]"), "000001010000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"userIdentity.arn\","
              "\"EndsWith\":[\":role/app\"]}]}]"), "000000100000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":"
              "\"sessionCredentialFromConsole\",\"Equals\":[\"true\"]}]}]"), "000001000000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"eventType\","
              "\"NotEquals\":[\"AwsApiCall\"]}]}]"), "000000000000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") ",{\"Field\":\"eventSource\","
              "\"Equals\":[\"s3.amazonaws.com\"]}]}]"), "000001110000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::Lambda::Function") ",{\"Field\":"
              "\"resources.ARN\",\"NotEndsWith\":[\"hello2\"]}]}]"), "000000001000");
    truth(AES("[{\"FieldSelectors\":[" DT("AWS::DynamoDB::Table") "]},{\"FieldSelectors\":["
              MG ",{\"Field\":\"readOnly\",\"Equals\":[\"true\"]}]}]"), "101000000010");
    /* network activity selectors are accepted but no such events are recorded here */
    truth(AES("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"NetworkActivity\"]"
              "},{\"Field\":\"eventSource\",\"Equals\":[\"ec2.amazonaws.com\"]}]}]"),
          "000000000000");
}

/* ----------------------------------------------------------------- WAL header codec */

static void test_codec_v2_round_trip(void **state)
{
    (void)state;
    ot_event e = mk(&S3_PUT_B);
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_event_encode(&e, &b), 0);
    ot_event d;
    assert_int_equal(ot_event_decode(b.data, b.len, &d), 0);
    assert_int_equal(d.category, OT_CAT_DATA);
    assert_int_equal(d.rw, OT_RW_WRITE);
    assert_int_equal(d.console, OT_CONSOLE_FALSE);
    assert_string_equal(d.event_type, "AwsApiCall");
    assert_string_equal(d.user_arn, "arn:aws:iam::123456789012:role/app");
    assert_string_equal(d.error_code, "AccessDenied");
    assert_int_equal(d.nresources, 2);
    assert_null(d.resources);
    size_t cur = 0;
    ot_event_resource r;
    assert_true(ot_event_resource_next(&d, &cur, &r));
    assert_string_equal(r.type, "AWS::S3::Object");
    assert_string_equal(r.arn, "arn:aws:s3:::beta/img/b.png");
    assert_true(ot_event_resource_next(&d, &cur, &r));
    assert_string_equal(r.arn, "arn:aws:s3:::beta");
    assert_false(ot_event_resource_next(&d, &cur, &r));
    /* the decoded event routes exactly like the one built by hand */
    ot_selectors *s = compile_ok(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object")
                                     ",{\"Field\":\"resources.ARN\",\"StartsWith\":["
                                     "\"arn:aws:s3:::beta/img/\"]}]}]"));
    assert_true(ot_selectors_match(s, &d));
    ot_selectors_free(s);
    /* every truncation is refused, never read past */
    for (size_t n = 0; n < b.len; n++)
        assert_int_equal(ot_event_decode(b.data, n, &d), OT_ECORRUPT);
    ot_buf_free(&b);
}

/* A payload exactly as the version-1 encoder wrote it. */
static void put_v1_str(ot_buf *b, const char *s)
{
    size_t n = strlen(s);
    uint8_t len[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
    ot_buf_append(b, len, 2);
    ot_buf_append(b, s, n);
    ot_buf_putc(b, '\0');
}

static void test_codec_reads_v1_payloads(void **state)
{
    (void)state;
    ot_buf b;
    ot_buf_init(&b, 0);
    uint8_t head[12] = {'E', 1, 0x10, 0x27, 0, 0, 0, 0, 0, 0, OT_CAT_MANAGEMENT, OT_RW_READ};
    ot_buf_append(&b, head, sizeof head);
    const char *strs[] = {"123456789012", "us-east-1", "ec2.amazonaws.com", "DescribeInstances",
                          "id-1", ""};
    for (size_t i = 0; i < 6; i++)
        put_v1_str(&b, strs[i]);
    uint8_t jl[4] = {2, 0, 0, 0};
    ot_buf_append(&b, jl, 4);
    ot_buf_append(&b, "{}", 2);
    ot_buf_putc(&b, '\0');
    ot_event d;
    assert_int_equal(ot_event_decode(b.data, b.len, &d), 0);
    assert_int_equal(d.ingest_ms, 10000);
    assert_string_equal(d.event_name, "DescribeInstances");
    assert_string_equal(d.event_type, "");
    assert_string_equal(d.user_arn, "");
    assert_int_equal(d.nresources, 0);
    size_t cur = 0;
    ot_event_resource r;
    assert_false(ot_event_resource_next(&d, &cur, &r));
    assert_true(ot_selectors_match(NULL, &d));
    /* unknown versions and a bad console byte are corruption */
    b.data[1] = 3;
    assert_int_equal(ot_event_decode(b.data, b.len, &d), OT_ECORRUPT);
    ot_buf_free(&b);
    ot_event e = mk(&MGMT_READ);
    ot_buf_init(&b, 0);
    assert_int_equal(ot_event_encode(&e, &b), 0);
    size_t console_at = 12;
    for (size_t i = 0; i < 6; i++)
        console_at += 2 + ((uint8_t)b.data[console_at] | (uint8_t)b.data[console_at + 1] << 8) + 1;
    b.data[console_at] = 9;
    assert_int_equal(ot_event_decode(b.data, b.len, &d), OT_ECORRUPT);
    ot_buf_free(&b);
}

/* ----------------------------------------------------------------- forwarded records */

#define REC(extra)                                                                               \
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":"                 \
    "\"arn:aws:iam::123456789012:user/bob\"},\"eventTime\":\"2026-11-20T10:00:00Z\","           \
    "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":"            \
    "\"eu-west-1\",\"eventID\":\"0b1c2d3e-0000-4000-8000-000000000001\",\"eventType\":"          \
    "\"AwsApiCall\",\"recipientAccountId\":\"123456789012\"" extra "}"

static int ingest(const char *data, ot_buf *payloads, char id[37], ot_activity_error *err)
{
    static const ot_activity_ctx ctx = {.region = "us-east-1", .account_id = "123456789012",
                                        .channel_arn = "arn:x", .ingest_ms = 5};
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf scratch;
    ot_buf_init(&scratch, 0);
    int rc = ot_record_ingest(doc, data, strlen(data), NULL, &ctx, &scratch, payloads, id, err);
    ot_buf_free(&scratch);
    ot_json_doc_free(doc);
    return rc;
}

static void test_record_ingest(void **state)
{
    (void)state;
    ot_buf p;
    ot_buf_init(&p, 0);
    char id[37];
    ot_activity_error err = {0};
    const char *good = REC(",\"eventCategory\":\"Data\",\"readOnly\":true,"
                           "\"sessionCredentialFromConsole\":\"true\",\"resources\":[{\"type\":"
                           "\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::alpha/k\"},{\"type\":"
                           "\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::alpha\"},{\"type\":\"X\"}]");
    assert_int_equal(ingest(good, &p, id, &err), 0);
    assert_string_equal(id, "0b1c2d3e-0000-4000-8000-000000000001");
    ot_event d;
    assert_int_equal(ot_event_decode(p.data, p.len, &d), 0);
    assert_int_equal(d.category, OT_CAT_DATA);
    assert_int_equal(d.rw, OT_RW_READ);
    assert_int_equal(d.console, OT_CONSOLE_TRUE);
    assert_string_equal(d.region, "eu-west-1");
    assert_string_equal(d.user_arn, "arn:aws:iam::123456789012:user/bob");
    assert_string_equal(d.event_id, id);
    assert_string_equal(d.channel_arn, "");
    assert_int_equal(d.nresources, 2); /* the entry without an ARN is not a routing fact */
    assert_memory_equal(d.json, "{\"eventVersion\":\"1.09\"", 22);
    assert_null(memchr(d.json, '\n', d.json_len));
    /* older records: managementEvent false means Data; no readOnly means unknown */
    ot_buf_reset(&p);
    assert_int_equal(ingest(REC(",\"managementEvent\":false"), &p, id, &err), 0);
    assert_int_equal(ot_event_decode(p.data, p.len, &d), 0);
    assert_int_equal(d.category, OT_CAT_DATA);
    assert_int_equal(d.rw, OT_RW_UNKNOWN);
    static const struct {
        const char *data, *code;
    } bad[] = {
        {REC(",\"eventCategory\":\"Insight\""), "InvalidData"},
        {REC(",\"readOnly\":\"yes\""), "InvalidData"},
        {REC(",\"resources\":{}"), "InvalidData"},
        {REC(",\"resources\":[1]"), "InvalidData"},
        {REC(",\"sessionCredentialFromConsole\":\"maybe\""), "InvalidData"},
        {REC(",\"errorCode\":5"), "InvalidData"},
        {"{\"eventVersion\":\"1.09\"}", "FieldNotFound"},
        {"[1]", "InvalidData"},
        {"{", "InvalidData"},
    };
    size_t before = p.len;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.code = NULL;
        assert_int_equal(ingest(bad[i].data, &p, id, &err), OT_EINVAL);
        assert_string_equal(err.code, bad[i].code);
        assert_int_equal(p.len, before);
    }
    char other[1024];
    snprintf(other, sizeof other, "%s", REC(""));
    char *acct = strstr(other, "\"recipientAccountId\":\"123456789012\"");
    memcpy(acct + 22, "999999999999", 12);
    assert_int_equal(ingest(other, &p, id, &err), OT_EINVAL);
    assert_string_equal(err.code, "InvalidRecipient");
    ot_buf_free(&p);
}

/* ----------------------------------------------------------------- storage in state.db */

static int drop_column(struct sqlite3 *sql, void *ctx)
{
    (void)ctx;
    return sqlite3_exec(sql, "ALTER TABLE trails DROP COLUMN selectors_id", NULL, NULL, NULL);
}

static void test_storage_versions(void **state)
{
    (void)state;
    char dir[64], path[128];
    otest_tmpdir(dir, sizeof dir, "sel");
    snprintf(path, sizeof path, "%s/state.db", dir);
    ot_trail_db *db;
    assert_int_equal(ot_trail_db_open(path, &db), 0);
    ot_trail t = {0};
    snprintf(t.name, sizeof t.name, "trail1");
    snprintf(t.account_id, sizeof t.account_id, "123456789012");
    snprintf(t.home_region, sizeof t.home_region, "us-east-1");
    snprintf(t.bucket, sizeof t.bucket, "logs");
    ot_trail_arn_make(t.arn, sizeof t.arn, "us-east-1", "123456789012", "trail1");
    assert_int_equal(ot_trail_create(db, &t, 5), 0);
    ot_trail got;
    assert_int_equal(ot_trail_get_by_arn(db, t.arn, &got), 0);
    assert_int_equal(got.selectors_id, 0);
    assert_false(got.has_custom_selectors);
    int64_t v1, v2, none;
    assert_int_equal(ot_trail_selectors_put(db, t.arn, "{\"EventSelectors\":[1]}", 1, &v1), 0);
    assert_int_equal(ot_trail_selectors_put(db, t.arn, "{\"EventSelectors\":[2]}", 2, &v2), 0);
    assert_true(v2 > v1 && v1 > 0);
    assert_int_equal(ot_trail_selectors_put(db, "arn:aws:cloudtrail:us-east-1:123456789012:"
                                                "trail/nope", "{}", 3, &none), OT_ENOTFOUND);
    /* UpdateTrail keeps the selectors (it does not write selectors_id) */
    got.include_global = false;
    assert_int_equal(ot_trail_update(db, &got, 5), 0);
    assert_int_equal(ot_trail_get_by_arn(db, t.arn, &got), 0);
    assert_int_equal(got.selectors_id, v2);
    assert_true(got.has_custom_selectors);
    char *json;
    assert_int_equal(ot_trail_selectors_get(db, v1, &json), 0); /* old versions stay */
    assert_string_equal(json, "{\"EventSelectors\":[1]}");
    free(json);
    assert_int_equal(ot_trail_selectors_get(db, v2 + 100, &json), OT_ENOTFOUND);
    assert_null(json);
    /* a state.db from before selectors gets the column back, defaulting to 0 */
    assert_int_equal(ot_trail_db_with(db, drop_column, NULL), SQLITE_OK);
    ot_trail_db_close(db);
    assert_int_equal(ot_trail_db_open(path, &db), 0);
    assert_int_equal(ot_trail_get_by_arn(db, t.arn, &got), 0);
    assert_int_equal(got.selectors_id, 0);
    assert_int_equal(ot_trail_selectors_get(db, v2, &json), 0);
    free(json);
    ot_trail_db_close(db);
    otest_rmrf(dir);
}

/* ----------------------------------------------------------------- delivery's use */

static void test_delivery_routes_by_version(void **state)
{
    (void)state;
    ot_trail t = {0};
    snprintf(t.arn, sizeof t.arn, "arn:aws:cloudtrail:us-east-1:123456789012:trail/x");
    snprintf(t.account_id, sizeof t.account_id, "123456789012");
    snprintf(t.home_region, sizeof t.home_region, "us-east-1");
    t.logging = true;
    ot_event mw = mk(&MGMT_WRITE), s3 = mk(&S3_GET_A);
    assert_true(ot_deliver_trail_wants(&t, &mw, NULL, NULL));
    assert_false(ot_deliver_trail_wants(&t, &s3, NULL, NULL));
    ot_trail u = t;
    u.selectors_id = 7; /* not loaded: selects nothing */
    assert_false(ot_deliver_same_routing(&t, &u));
    assert_false(ot_deliver_trail_wants(&u, &mw, NULL, NULL));
    ot_selectors *sel = compile_ok(AES("[{\"FieldSelectors\":[" DT("AWS::S3::Object") "]}]"));
    u.selectors = sel;
    assert_false(ot_deliver_trail_wants(&u, &mw, NULL, NULL));
    assert_true(ot_deliver_trail_wants(&u, &s3, NULL, NULL));
    ot_selectors_free(sel);

    /* the intent keeps the version, and an old deliver_intent table is migrated */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE deliver_intent(id INTEGER PRIMARY KEY "
                                      "AUTOINCREMENT, trail_arn TEXT NOT NULL, a INTEGER NOT NULL,"
                                      " b INTEGER NOT NULL, seal_ms INTEGER NOT NULL, account_id "
                                      "TEXT NOT NULL, home_region TEXT NOT NULL, bucket TEXT NOT "
                                      "NULL, prefix TEXT NOT NULL, org_id TEXT NOT NULL, "
                                      "organization INTEGER NOT NULL, multi_region INTEGER NOT "
                                      "NULL, include_global INTEGER NOT NULL, start_logging_ms "
                                      "INTEGER NOT NULL, channels TEXT NOT NULL, done INTEGER NOT "
                                      "NULL DEFAULT 0, done_ms INTEGER)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(ot_deliver_db_init(db), 0);
    assert_int_equal(ot_deliver_db_init(db), 0); /* idempotent */
    ot_deliver_intent in = {.snap = u, .a = 1, .b = 9, .seal_ms = 5, .channels = ""};
    assert_int_equal(ot_deliver_db_seal(db, &in), 0);
    ot_deliver_intent *v;
    size_t n;
    assert_int_equal(ot_deliver_db_pending(db, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].snap.selectors_id, 7);
    assert_null(v[0].snap.selectors);
    ot_deliver_intents_free(v, n);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation_table),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_canonical_fills_defaults),
        cmocka_unit_test(test_basic_truth_tables),
        cmocka_unit_test(test_advanced_truth_tables),
        cmocka_unit_test(test_codec_v2_round_trip),
        cmocka_unit_test(test_codec_reads_v1_payloads),
        cmocka_unit_test(test_record_ingest),
        cmocka_unit_test(test_storage_versions),
        cmocka_unit_test(test_delivery_routes_by_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
