/* test_router.c — the rule router's pure parts: the EventBridge envelope around a CloudTrail
 * record (every field exact, the id repeatable), the bus of global services, and what a target
 * receives (constant Input, InputPath, InputTransformer with JSON and string templates), with a
 * test for each way the transformer refuses its input; the retry backoff; and router.db: a
 * batch's invocations and position committed together and kept across a reopen, rows due by
 * their next attempt, a retry moved later, a dead letter taken out of the outbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "respond/router_envelope.h"
#include "respond/router_input.h"
#include "respond/router_int.h"
#include "util/err.h"
#include "otest.h"

static const char RECORD[] =
    "{\"eventVersion\":\"1.09\",\"eventTime\":\"2026-03-01T10:20:30Z\","
    "\"eventSource\":\"cloudtrail.amazonaws.com\",\"eventName\":\"StopLogging\","
    "\"awsRegion\":\"eu-west-1\",\"eventID\":\"0f8c1c1e-0000-4000-8000-000000000001\","
    "\"eventType\":\"AwsApiCall\",\"recipientAccountId\":\"111122223333\"}";

static ot_event record_event(const char *type, const char *source)
{
    return (ot_event){.ingest_ms = 1772360431000, .category = OT_CAT_MANAGEMENT,
                      .rw = OT_RW_WRITE, .account_id = "111122223333", .region = "eu-west-1",
                      .event_source = source, .event_name = "StopLogging",
                      .event_id = "0f8c1c1e-0000-4000-8000-000000000001", .json = RECORD,
                      .json_len = strlen(RECORD), .event_type = type};
}

static char *envelope_of(const ot_event *e)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_router_envelope(doc, e, &b), 0);
    ot_json_doc_free(doc);
    ot_buf_putc(&b, '\0');
    return b.data;
}

static void test_envelope_exact(void **state)
{
    (void)state;
    ot_event e = record_event("AwsApiCall", "cloudtrail.amazonaws.com");
    char id[37];
    ot_router_event_id(e.event_id, id);
    char want[2048];
    snprintf(want, sizeof want,
             "{\"version\":\"0\",\"id\":\"%s\",\"detail-type\":\"AWS API Call via CloudTrail\","
             "\"source\":\"aws.cloudtrail\",\"account\":\"111122223333\","
             "\"time\":\"2026-03-01T10:20:30Z\",\"region\":\"eu-west-1\",\"resources\":[],"
             "\"detail\":%s}",
             id, RECORD);
    char *got = envelope_of(&e);
    assert_string_equal(got, want);
    free(got);
}

static void test_event_id_repeatable(void **state)
{
    (void)state;
    char a[37], b[37], c[37];
    ot_router_event_id("e-1", a);
    ot_router_event_id("e-1", b);
    ot_router_event_id("e-2", c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 36);
    assert_true(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
}

static void test_detail_types(void **state)
{
    (void)state;
    assert_string_equal(ot_router_detail_type("AwsApiCall"), "AWS API Call via CloudTrail");
    assert_string_equal(ot_router_detail_type("AwsConsoleSignIn"),
                        "AWS Console Sign In via CloudTrail");
    assert_string_equal(ot_router_detail_type("AwsConsoleAction"),
                        "AWS Console Action via CloudTrail");
    assert_string_equal(ot_router_detail_type("AwsServiceEvent"),
                        "AWS Service Event via CloudTrail");
    assert_string_equal(ot_router_detail_type("AwsCloudTrailInsight"),
                        "AWS Insight via CloudTrail");
    assert_null(ot_router_detail_type("ActivityAuditLog"));
    assert_null(ot_router_detail_type(NULL));
    ot_event e = record_event("Nope", "cloudtrail.amazonaws.com");
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_router_envelope(doc, &e, &b), OT_EINVAL);
    ot_buf_free(&b);
    ot_json_doc_free(doc);
}

static void test_global_service_bus(void **state)
{
    (void)state;
    ot_event e = record_event("AwsApiCall", "iam.amazonaws.com");
    assert_string_equal(ot_router_bus_region(&e), "us-east-1");
    e = record_event("AwsApiCall", "s3.amazonaws.com");
    assert_string_equal(ot_router_bus_region(&e), "eu-west-1");
    char *got = envelope_of(&e);
    assert_non_null(strstr(got, "\"source\":\"aws.s3\""));
    free(got);
}

static const char EVENT[] =
    "{\"version\":\"0\",\"id\":\"x\",\"detail-type\":\"AWS API Call via CloudTrail\","
    "\"detail\":{\"name\":\"main\",\"n\":3,\"arr\":[{\"k\":\"v0\"},{\"k\":\"v1\"}],"
    "\"obj\":{\"a\":true},\"q\":\"say \\\"hi\\\"\"}}";

/* What target t gets for EVENT: 0 and the text in got, or the error. */
static int input_of(const ot_rule_target *t, char *got, size_t cap, char *err)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_router_input_ctx ctx = {.rule_arn = "arn:aws:events:us-east-1:111122223333:rule/r1",
                               .rule_name = "r1", .ingest_ms = 0};
    int rc = ot_router_input(doc, t, EVENT, strlen(EVENT), &ctx, &b, err, 256);
    snprintf(got, cap, "%.*s", (int)b.len, b.data ? b.data : "");
    ot_buf_free(&b);
    ot_json_doc_free(doc);
    return rc;
}

static void expect(const ot_rule_target *t, const char *want)
{
    char got[4096], err[256];
    assert_int_equal(input_of(t, got, sizeof got, err), 0);
    assert_string_equal(got, want);
}

static void expect_error(const ot_rule_target *t, const char *reason_part)
{
    char got[4096], err[256];
    assert_int_equal(input_of(t, got, sizeof got, err), OT_EINVAL);
    assert_non_null(strstr(err, reason_part));
}

static void test_input_whole_and_constant(void **state)
{
    (void)state;
    expect(&(ot_rule_target){.id = "1"}, EVENT);
    expect(&(ot_rule_target){.input = "{\"fixed\":1}"}, "{\"fixed\":1}");
}

static void test_input_path(void **state)
{
    (void)state;
    expect(&(ot_rule_target){.input_path = "$.detail.name"}, "\"main\"");
    expect(&(ot_rule_target){.input_path = "$.detail.arr[1].k"}, "\"v1\"");
    expect(&(ot_rule_target){.input_path = "$.detail.obj"}, "{\"a\":true}");
    expect(&(ot_rule_target){.input_path = "$"}, EVENT);
}

static void test_json_template(void **state)
{
    (void)state;
    ot_rule_target t = {
        .input_paths_map = "{\"name\":\"$.detail.name\",\"n\":\"$.detail.n\","
                           "\"first\":\"$.detail.arr[0].k\",\"obj\":\"$.detail.obj\","
                           "\"none\":\"$.detail.missing\",\"q\":\"$.detail.q\"}",
        .input_template = "{\"trail\": <name>, \"count\": <n>, \"msg\": \"<first> of <name>\","
                          " \"o\": <obj>, \"gone\": <none>, \"q\": \"<q>\", \"rule\": "
                          "\"<aws.events.rule-name>\", \"keep\": \"<unknown>\"}"};
    expect(&t, "{\"trail\": \"main\", \"count\": 3, \"msg\": \"v0 of main\", \"o\": {\"a\":true},"
               " \"gone\": null, \"q\": \"say \\\"hi\\\"\", \"rule\": \"r1\", \"keep\": "
               "\"<unknown>\"}");
}

static void test_string_template(void **state)
{
    (void)state;
    ot_rule_target t = {.input_paths_map = "{\"name\":\"$.detail.name\",\"n\":\"$.detail.n\"}",
                        .input_template = "trail <name> has <n> (<missing>)"};
    expect(&t, "trail main has 3 (<missing>)");
    t.input_template = "\"<name> is in state <n>\"";
    expect(&t, "\"main is in state 3\"");
}

static void test_input_errors(void **state)
{
    (void)state;
    expect_error(&(ot_rule_target){.input_path = "$.detail.nothing"}, "selects nothing");
    expect_error(&(ot_rule_target){.input_path = "detail"}, "not a JSONPath");
    expect_error(&(ot_rule_target){.input_path = "$.a[x]"}, "not a JSONPath");
    expect_error(&(ot_rule_target){.input_path = "$..a"}, "not a JSONPath");
    expect_error(&(ot_rule_target){.input_paths_map = "[1]", .input_template = "x"},
                 "not a JSON object");
    expect_error(&(ot_rule_target){.input_paths_map = "{\"a\":1}", .input_template = "x"},
                 "is not a path");
    expect_error(&(ot_rule_target){.input_paths_map = "{\"a\":\"a.b\"}", .input_template = "x"},
                 "is not a JSONPath");
    expect_error(&(ot_rule_target){.input_paths_map = "{\"a\":\"$.detail.name\"}",
                                   .input_template = "{\"x\": <a> <a>}"},
                 "valid JSON");
}

static void test_input_event_not_json(void **state)
{
    (void)state;
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf b;
    ot_buf_init(&b, 0);
    char err[256];
    ot_router_input_ctx ctx = {0};
    ot_rule_target t = {.input_path = "$.a"};
    assert_int_equal(ot_router_input(doc, &t, "{nope", 5, &ctx, &b, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "not JSON"));
    t = (ot_rule_target){.input_template = "<a>"};
    assert_int_equal(ot_router_input(doc, &t, "{nope", 5, &ctx, &b, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "not JSON"));
    ot_buf_free(&b);
    ot_json_doc_free(doc);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(rt_backoff_ms(1), 1000);
    assert_int_equal(rt_backoff_ms(2), 2000);
    assert_int_equal(rt_backoff_ms(4), 8000);
    assert_int_equal(rt_backoff_ms(9), 256000);
    assert_int_equal(rt_backoff_ms(10), 300000);
    assert_int_equal(rt_backoff_ms(184), 300000);
}

static rt_entry entry(const char *event_id, const char *payload, int64_t first_ms)
{
    rt_entry e = {.first_ms = first_ms, .event_ms = first_ms};
    snprintf(e.event_id, sizeof e.event_id, "%s", event_id);
    snprintf(e.rule_arn, sizeof e.rule_arn, "arn:aws:events:us-east-1:111122223333:rule/r");
    snprintf(e.target_id, sizeof e.target_id, "t1");
    e.target_arn = strdup("arn:aws:sns:us-east-1:111122223333:alerts");
    e.payload = strdup(payload);
    return e;
}

static void test_outbox(void **state)
{
    (void)state;
    char dir[128], path[256];
    otest_tmpdir(dir, sizeof dir, "router");
    snprintf(path, sizeof path, "%s/router.db", dir);
    rt_db db = {0};
    assert_int_equal(rt_db_open(path, &db), 0);
    rt_entry ok[2] = {entry("e1", "{\"a\":1}", 1000), entry("e2", "{\"a\":2}", 2000)};
    rt_entry dead = entry("e3", "x", 3000);
    snprintf(dead.last_error, sizeof dead.last_error, "input: bad");
    assert_int_equal(rt_db_commit_batch(&db, 42, ok, 2, &dead, 1), 0);
    rt_db_close(&db);
    /* everything was committed: a new connection sees the position and both rows */
    assert_int_equal(rt_db_open(path, &db), 0);
    uint64_t lsn = 0;
    assert_int_equal(rt_db_position(&db, &lsn), 0);
    assert_int_equal(lsn, 42);
    rt_entry *due = NULL;
    size_t n = 0;
    assert_int_equal(rt_db_due(&db, 1500, 10, &due, &n), 0);
    assert_int_equal(n, 1); /* e2 is not due before 2000 */
    assert_string_equal(due[0].event_id, "e1");
    assert_string_equal(due[0].payload, "{\"a\":1}");
    /* a retry moves it later; a dead letter leaves the outbox */
    due[0].attempts = 1;
    due[0].next_ms = 9000;
    snprintf(due[0].last_error, sizeof due[0].last_error, "busy");
    assert_int_equal(rt_db_retry_later(&db, &due[0]), 0);
    int64_t next, rows;
    assert_int_equal(rt_db_next(&db, &next, &rows), 0);
    assert_int_equal(next, 2000);
    assert_int_equal(rows, 2);
    rt_entry_clear(&due[0]);
    free(due);
    assert_int_equal(rt_db_due(&db, 5000, 10, &due, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(due[0].event_id, "e2");
    assert_int_equal(rt_db_dead(&db, &due[0], 5000), 0);
    rt_entry_clear(&due[0]);
    free(due);
    assert_int_equal(rt_db_next(&db, &next, &rows), 0);
    assert_int_equal(next, 9000);
    assert_int_equal(rows, 1);
    assert_int_equal(rt_db_delivered(&db, 1), 0);
    assert_int_equal(rt_db_next(&db, &next, &rows), 0);
    assert_int_equal(rows, 0);
    assert_true(next == INT64_MAX);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db.db, "SELECT event_id, reason FROM dead_letters"
                                               " ORDER BY id", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "e3");
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "input: bad");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "e2");
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    rt_db_close(&db);
    for (int i = 0; i < 2; i++)
        rt_entry_clear(&ok[i]);
    rt_entry_clear(&dead);
    otest_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_exact),
        cmocka_unit_test(test_event_id_repeatable),
        cmocka_unit_test(test_detail_types),
        cmocka_unit_test(test_global_service_bus),
        cmocka_unit_test(test_input_whole_and_constant),
        cmocka_unit_test(test_input_path),
        cmocka_unit_test(test_json_template),
        cmocka_unit_test(test_string_template),
        cmocka_unit_test(test_input_errors),
        cmocka_unit_test(test_input_event_not_json),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_outbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
