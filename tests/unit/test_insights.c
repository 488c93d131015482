/* test_insights.c — the Insights detector over synthetic minute series (steady traffic raises
 * nothing; a spike starts and ends where it does; a wavering spike is one insight; nothing in
 * the first day; the error-rate case of a near-zero baseline), the Start and End records'
 * shape with attributions, and the CloudTrail-Insight object key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deliver/deliver.h"
#include "insights/insights.h"
#include "trail/trail.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"

#define DAY 1440
#define ACCT "123456789012"

/* A series of n minutes, one call every `every` minutes (0: none). */
static uint64_t *sparse_series(size_t n, size_t every)
{
    uint64_t *v = calloc(n, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; every && i < n; i += every)
        v[i] = 1;
    return v;
}

/* Poisson-like counts around mean 3 (a deterministic generator: the test never flakes). */
static uint64_t *noisy_series(size_t n)
{
    uint64_t *v = calloc(n, sizeof *v), x = 12345;
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        uint64_t calls = 0;
        for (int k = 0; k < 12; k++) { /* binomial(12, 1/4) */
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            calls += (x >> 33) % 4 == 0;
        }
        v[i] = calls;
    }
    return v;
}

static void test_insights__steady_traffic_raises_none(void **state)
{
    (void)state;
    size_t n = 9 * DAY;
    uint64_t *flat = calloc(n, sizeof *flat);
    assert_non_null(flat);
    for (size_t i = 0; i < n; i++)
        flat[i] = 40;
    ot_insight_found found[4];
    assert_int_equal(ot_insight_scan(flat, n, found, 4), 0);
    uint64_t *noisy = noisy_series(n);
    assert_int_equal(ot_insight_scan(noisy, n, found, 4), 0);
    uint64_t *sparse = sparse_series(n, 5);
    assert_int_equal(ot_insight_scan(sparse, n, found, 4), 0);
    free(flat);
    free(noisy);
    free(sparse);
}

static void test_insights__spike_starts_and_ends_where_it_does(void **state)
{
    (void)state;
    size_t n = 3 * DAY, at = 2 * DAY + 7;
    uint64_t *v = sparse_series(n, 5); /* 0.2 calls a minute */
    for (size_t i = at; i < at + 5; i++)
        v[i] = 30;
    ot_insight_found found[4];
    assert_int_equal(ot_insight_scan(v, n, found, 4), 1);
    assert_int_equal(found[0].start, at);
    assert_int_equal(found[0].end, at + 5);
    assert_true(found[0].baseline > 0.19 && found[0].baseline < 0.21);
    assert_int_equal(found[0].baseline_minutes, at); /* less than 7 days counted */
    assert_true(found[0].start_average == 30.0);
    assert_true(found[0].average == 30.0);
    /* the same spike on a noisy baseline of 3 a minute: 30 is far above it */
    uint64_t *noisy = noisy_series(n);
    for (size_t i = at; i < at + 5; i++)
        noisy[i] = 40;
    assert_int_equal(ot_insight_scan(noisy, n, found, 4), 1);
    assert_int_equal(found[0].start, at);
    assert_int_equal(found[0].end, at + 5);
    free(v);
    free(noisy);
}

static void test_insights__baseline_is_the_seven_days_before(void **state)
{
    (void)state;
    size_t n = 10 * DAY, at = 9 * DAY;
    uint64_t *v = sparse_series(n, 0);
    for (size_t i = 0; i < 2 * DAY; i++) /* busy long ago, outside the window */
        v[i] = 50;
    v[at] = 10;
    ot_insight_found found[4];
    assert_int_equal(ot_insight_scan(v, n, found, 4), 1);
    assert_int_equal(found[0].start, at);
    assert_int_equal(found[0].end, at + 1);
    assert_int_equal(found[0].baseline_minutes, OT_INSIGHTS_WINDOW_MIN);
    assert_true(found[0].baseline == 0.0);
    free(v);
}

static void test_insights__wavering_spike_is_one_insight(void **state)
{
    (void)state;
    size_t n = 2 * DAY, at = DAY + 100;
    uint64_t *v = sparse_series(n, 0);
    uint64_t spike[] = {20, 3, 25, 2, 18};
    for (size_t i = 0; i < 5; i++)
        v[at + i] = spike[i];
    ot_insight_found found[4];
    assert_int_equal(ot_insight_scan(v, n, found, 4), 1);
    assert_int_equal(found[0].start, at);
    assert_int_equal(found[0].end, at + 5);
    assert_true(found[0].average == 68.0 / 5);
    /* a single call after it is back to normal: a second spike is a second insight */
    v[at + 5] = 1;
    v[at + 9] = 12;
    assert_int_equal(ot_insight_scan(v, n, found, 4), 2);
    assert_int_equal(found[1].start, at + 9);
    assert_int_equal(found[1].end, at + 10);
    free(v);
}

static void test_insights__nothing_in_the_first_day(void **state)
{
    (void)state;
    size_t n = 2 * DAY;
    uint64_t *v = sparse_series(n, 0);
    v[DAY - 1] = 100; /* before the warm-up: not judged */
    ot_insight_found found[4];
    assert_int_equal(ot_insight_scan(v, n, found, 4), 0);
    /* four calls is never enough, however quiet the baseline */
    v[DAY - 1] = 0;
    v[DAY + 10] = OT_INSIGHTS_MIN_START - 1;
    assert_int_equal(ot_insight_scan(v, n, found, 4), 0);
    v[DAY + 10] = OT_INSIGHTS_MIN_START;
    assert_int_equal(ot_insight_scan(v, n, found, 4), 1);
    /* still going when the series ends */
    v[n - 1] = 50;
    assert_int_equal(ot_insight_scan(v, n, found, 4), 2);
    assert_int_equal(found[1].start, n - 1);
    assert_int_equal(found[1].end, -1);
    free(v);
}

/* The error-rate case AWS shows: GetRolePolicy NoSuchEntityException, baseline 0.0017 a
 * minute, then 18 a minute. Driven step by step, as the server does. */
static void test_insights__error_rate_step_by_step(void **state)
{
    (void)state;
    ot_insight_state s = {0};
    int64_t observed = 8 * DAY;
    uint64_t window = 17; /* 17 errors in 7 days: 0.0017 a minute */
    assert_int_equal(ot_insight_step(&s, 100, 1, window, observed), OT_INSIGHT_NONE);
    assert_int_equal(ot_insight_step(&s, 101, 18, window, observed), OT_INSIGHT_STARTS);
    assert_true(s.active);
    assert_true(s.baseline > 0.0016 && s.baseline < 0.0018);
    assert_int_equal(s.baseline_minutes, OT_INSIGHTS_WINDOW_MIN);
    assert_int_equal(ot_insight_step(&s, 102, 18, 0, observed), OT_INSIGHT_NONE);
    assert_int_equal(ot_insight_step(&s, 103, 0, 0, observed), OT_INSIGHT_ENDS);
    assert_false(s.active);
    assert_int_equal(s.start_minute, 101);
    assert_int_equal(s.last_minute, 102);
    assert_int_equal(s.calls, 36);
}

static void get_str(ot_json obj, const char *key, const char *want)
{
    const char *s;
    size_t n;
    assert_int_equal(ot_json_get_str(obj, key, &s, &n), 0);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(s, want, n);
}

static void copy_str(ot_json obj, const char *key, char *out, size_t cap)
{
    const char *s;
    size_t n;
    assert_int_equal(ot_json_get_str(obj, key, &s, &n), 0);
    assert_true(n < cap);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* The member at a dotted path ("a.b.c"). */
static ot_json at_path(ot_json obj, const char *path)
{
    char key[64];
    while (*path) {
        size_t n = strcspn(path, ".");
        assert_true(n < sizeof key);
        memcpy(key, path, n);
        key[n] = '\0';
        assert_int_equal(ot_json_get(obj, key, &obj), 0);
        path += n + (path[n] == '.');
    }
    return obj;
}

static int64_t get_int(ot_json obj, const char *path)
{
    int64_t i;
    assert_int_equal(ot_json_int64(at_path(obj, path), &i), 0);
    return i;
}

static double get_num(ot_json obj, const char *path)
{
    ot_json v = at_path(obj, path);
    double d;
    assert_int_equal(ot_json_double(v, &d), 0);
    return d;
}

static void test_insights__record_shape(void **state)
{
    (void)state;
    ot_insight_subject sub = {"arn:aws:cloudtrail:us-east-1:" ACCT ":trail/main", ACCT,
                              "us-east-1", "iam.amazonaws.com", "GetRolePolicy",
                              "NoSuchEntityException", OT_INSIGHT_ERROR_RATE};
    /* 2026-01-01T10:00Z .. 10:02Z: 18, 12 and 30 errors */
    int64_t start = 1767261600 / 60;
    ot_insight_state s = {true, start, start + 2, 0.25, 11336, 18, 60};
    ot_buf a, b;
    ot_buf_init(&a, 0);
    ot_buf_init(&b, 0);
    static ot_insight_attribution attrs[2] = {
        {.attr = OT_INSIGHT_ATTR_USER,
         .insight = {{"arn:aws:iam::" ACCT ":user/bob", 12}, {"arn:aws:iam::" ACCT ":user/eve", 6}},
         .ninsight = 2,
         .baseline = {{"arn:aws:iam::" ACCT ":user/bob", 0.25}},
         .nbaseline = 1},
        {.attr = OT_INSIGHT_ATTR_AGENT, .insight = {{"aws-cli/2", 18}}, .ninsight = 1},
    };
    assert_int_equal(ot_insight_record(&sub, &s, false, attrs, 2, &a), 0);
    assert_int_equal(ot_insight_record(&sub, &s, true, attrs, 2, &b), 0);
    ot_json_doc *da = ot_json_doc_new(), *db = ot_json_doc_new();
    ot_json ra, rb, d;
    assert_int_equal(ot_json_parse(da, a.data, a.len, false, &ra, NULL, 0), 0);
    assert_int_equal(ot_json_parse(db, b.data, b.len, false, &rb, NULL, 0), 0);
    get_str(ra, "eventVersion", "1.07");
    get_str(ra, "eventType", "AwsCloudTrailInsight");
    get_str(ra, "eventCategory", "Insight");
    get_str(ra, "awsRegion", "us-east-1");
    get_str(ra, "recipientAccountId", ACCT);
    get_str(ra, "eventTime", "2026-01-01T10:00:00Z");
    get_str(rb, "eventTime", "2026-01-01T10:03:00Z");
    ot_json absent;
    assert_int_not_equal(ot_json_get(ra, "eventName", &absent), 0);
    assert_int_not_equal(ot_json_get(ra, "userIdentity", &absent), 0);
    char ida[40], idb[40], sa[40], sb[40];
    copy_str(ra, "eventID", ida, sizeof ida);
    copy_str(rb, "eventID", idb, sizeof idb);
    copy_str(ra, "sharedEventID", sa, sizeof sa);
    copy_str(rb, "sharedEventID", sb, sizeof sb);
    assert_string_equal(sa, sb);
    assert_string_not_equal(ida, idb);
    assert_string_not_equal(ida, sa);
    assert_int_equal(strlen(ida), 36);
    assert_int_equal(ot_json_get(ra, "insightDetails", &d), 0);
    get_str(d, "state", "Start");
    get_str(d, "eventSource", "iam.amazonaws.com");
    get_str(d, "eventName", "GetRolePolicy");
    get_str(d, "insightType", "ApiErrorRateInsight");
    get_str(d, "errorCode", "NoSuchEntityException");
    assert_true(get_num(ra, "insightDetails.insightContext.statistics.baseline.average") == 0.25);
    assert_true(get_num(ra, "insightDetails.insightContext.statistics.insight.average") == 18);
    assert_int_equal(get_int(ra, "insightDetails.insightContext.statistics.insightDuration"), 1);
    assert_int_equal(get_int(ra, "insightDetails.insightContext.statistics.baselineDuration"),
                     11336);
    /* attributions: per attribute, the insight's and the baseline's values in the order given */
    const char want[] =
        "\"attributions\":[{\"attribute\":\"userIdentityArn\",\"insight\":["
        "{\"value\":\"arn:aws:iam::" ACCT ":user/bob\",\"average\":12},"
        "{\"value\":\"arn:aws:iam::" ACCT ":user/eve\",\"average\":6}],\"baseline\":["
        "{\"value\":\"arn:aws:iam::" ACCT ":user/bob\",\"average\":0.25}]},"
        "{\"attribute\":\"userAgent\",\"insight\":[{\"value\":\"aws-cli/2\",\"average\":18}],"
        "\"baseline\":[]}]";
    assert_non_null(strstr(a.data, want));
    assert_int_equal(ot_json_get(rb, "insightDetails", &d), 0);
    get_str(d, "state", "End");
    assert_true(get_num(rb, "insightDetails.insightContext.statistics.insight.average") == 20);
    assert_int_equal(get_int(rb, "insightDetails.insightContext.statistics.insightDuration"), 3);
    /* the same anomaly made again: the same record, byte for byte */
    ot_buf c;
    ot_buf_init(&c, 0);
    assert_int_equal(ot_insight_record(&sub, &s, true, attrs, 2, &c), 0);
    assert_int_equal(c.len, b.len);
    assert_memory_equal(c.data, b.data, b.len);
    /* a call-rate insight names no error code */
    sub.type = OT_INSIGHT_CALL_RATE;
    sub.error_code = "";
    ot_buf_reset(&c);
    assert_int_equal(ot_insight_record(&sub, &s, false, NULL, 0, &c), 0);
    assert_null(strstr(c.data, "errorCode"));
    assert_null(strstr(c.data, "attributions"));
    assert_non_null(strstr(c.data, "\"insightType\":\"ApiCallRateInsight\""));
    ot_json_doc_free(da);
    ot_json_doc_free(db);
    ot_buf_free(&a);
    ot_buf_free(&b);
    ot_buf_free(&c);
}

static void test_insights__object_key(void **state)
{
    (void)state;
    ot_trail t = {0};
    snprintf(t.arn, sizeof t.arn, "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/main");
    snprintf(t.prefix, sizeof t.prefix, "pre/");
    char key[OT_DELIVER_KEY_MAX + 1], logs[OT_DELIVER_KEY_MAX + 1];
    int64_t ms = 1767261600000LL + 59000;
    assert_int_equal(ot_deliver_file_key(&t, OT_DELIVER_KIND_INSIGHTS, ACCT, "eu-west-1", ms, 3,
                                         7, key, sizeof key),
                     0);
    const char want[] = "pre/AWSLogs/" ACCT "/CloudTrail-Insight/eu-west-1/2026/01/01/" ACCT
                        "_CloudTrail-Insight_eu-west-1_20260101T1000Z_";
    assert_memory_equal(key, want, sizeof want - 1);
    assert_int_equal(strlen(key), sizeof want - 1 + 16 + strlen(".json.gz"));
    /* the log file of the same range differs only in its kind: the same unique part */
    assert_int_equal(ot_deliver_file_key(&t, OT_DELIVER_KIND_LOGS, ACCT, "eu-west-1", ms, 3, 7,
                                         logs, sizeof logs),
                     0);
    assert_non_null(strstr(logs, "/CloudTrail/eu-west-1/"));
    assert_string_equal(strrchr(logs, '_'), strrchr(key, '_'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insights__steady_traffic_raises_none),
        cmocka_unit_test(test_insights__spike_starts_and_ends_where_it_does),
        cmocka_unit_test(test_insights__baseline_is_the_seven_days_before),
        cmocka_unit_test(test_insights__wavering_spike_is_one_insight),
        cmocka_unit_test(test_insights__nothing_in_the_first_day),
        cmocka_unit_test(test_insights__error_rate_step_by_step),
        cmocka_unit_test(test_insights__record_shape),
        cmocka_unit_test(test_insights__object_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
