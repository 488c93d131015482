/* test_mfilter.c — metric filters applied to log events, read back from the real metrics store:
 * literal and extracted values, non-numeric values dropped, defaultValue on no match,
 * dimensions from JSON and space-delimited fields, the unit, aggregation per minute, one
 * account's filters never feeding another's metrics, and the cache following filter changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "cw/cw.h"
#include "logs/logs.h"
#include "mfilter/mfilter.h"
#include "util/err.h"

#define MIN (60 * 1000LL)
#define T0 (1760000000000LL / (3600 * 1000LL) * (3600 * 1000LL))

static const ot_logs_scope A = {"123456789012", "us-east-1"};
static const ot_logs_scope B = {"999999999999", "us-east-1"};

typedef struct fixture {
    char dir[256];
    ot_logs *logs;
    ot_cw *cw;
    ot_mfilter *m;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char path[320];
    otest_tmpdir(f->dir, sizeof f->dir, "mfilter");
    snprintf(path, sizeof path, "%s/logs.db", f->dir);
    assert_int_equal(ot_logs_open(path, 0, &f->logs), 0);
    snprintf(path, sizeof path, "%s/cloudwatch.db", f->dir);
    ot_cw_opts o = {.path = path, .no_thread = true};
    assert_int_equal(ot_cw_open(&o, &f->cw), 0);
    assert_int_equal(ot_mfilter_new(f->logs, &f->m), 0);
    assert_int_equal(ot_logs_group_create(f->logs, &A, "g", T0), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_mfilter_free(f->m);
    ot_cw_close(f->cw);
    ot_logs_close(f->logs);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static void put_filter(fixture *f, const char *name, const char *pattern, const char *tr)
{
    assert_int_equal(ot_logs_metric_put(f->logs, &A, "g", name, pattern, tr, T0), 0);
}

static void apply(fixture *f, const ot_logs_scope *s, const char *const *msgs, size_t n,
                  int64_t ts)
{
    ot_log_event_in ev[16];
    for (size_t i = 0; i < n; i++)
        ev[i] = (ot_log_event_in){.ts = ts, .msg = msgs[i], .len = strlen(msgs[i])};
    assert_int_equal(ot_mfilter_apply(f->m, f->cw, s, "g", ev, n), 0);
}

/* The statistics of metric ns/name (dims) in the hour from T0: how many minutes have data;
 * *out the first of them. */
static size_t stats(fixture *f, const ot_logs_scope *s, const char *name, const ot_cw_dim *dims,
                    size_t ndims, const char *unit, ot_cw_stats *out)
{
    ot_cw_scope cs = {s->account, s->region};
    ot_cw_metric m = {"NS", name, dims, ndims};
    ot_cw_stats *v = NULL;
    size_t n = 0;
    assert_int_equal(ot_cw_statistics(f->cw, &cs, &m, T0, T0 + 60 * MIN, 60, unit, &v, &n), 0);
    if (n && out)
        *out = v[0];
    free(v);
    return n;
}

static void test_mfilter__literal_value(void **state)
{
    fixture *f = *state;
    put_filter(f, "denied", "{ $.errorCode = \"AccessDenied*\" }",
               "[{\"metricName\":\"Denied\",\"metricNamespace\":\"NS\",\"metricValue\":\"1\"}]");
    const char *msgs[] = {"{\"errorCode\":\"AccessDenied\"}", "{\"errorCode\":\"Other\"}",
                          "{\"errorCode\":\"AccessDeniedException\"}", "not json"};
    apply(f, &A, msgs, 4, T0 + 5000);
    ot_cw_stats st;
    assert_int_equal(stats(f, &A, "Denied", NULL, 0, NULL, &st), 1);
    assert_true(st.count == 2 && st.sum == 2 && st.min == 1 && st.max == 1);
    assert_int_equal(st.ts_ms, T0);
    /* another minute is another statistic set */
    apply(f, &A, msgs, 1, T0 + MIN + 1);
    assert_int_equal(stats(f, &A, "Denied", NULL, 0, NULL, NULL), 2);
    /* another account's group of the same name has no filters: nothing for it */
    assert_int_equal(ot_logs_group_create(f->logs, &B, "g", T0), 0);
    apply(f, &B, msgs, 4, T0 + 5000);
    assert_int_equal(stats(f, &B, "Denied", NULL, 0, NULL, NULL), 0);
}

static void test_mfilter__extracted_value_and_unit(void **state)
{
    fixture *f = *state;
    put_filter(f, "bytes", "{ $.bytes > 0 }",
               "[{\"metricName\":\"Bytes\",\"metricNamespace\":\"NS\",\"metricValue\":"
               "\"$.bytes\",\"unit\":\"Bytes\"}]");
    const char *msgs[] = {"{\"bytes\":100}", "{\"bytes\":2.5}", "{\"bytes\":-1}",
                          "{\"other\":1}"};
    apply(f, &A, msgs, 4, T0);
    ot_cw_stats st;
    assert_int_equal(stats(f, &A, "Bytes", NULL, 0, "Bytes", &st), 1);
    assert_true(st.count == 2 && st.sum == 102.5 && st.min == 2.5 && st.max == 100);
    assert_string_equal(st.unit, "Bytes");
    assert_int_equal(stats(f, &A, "Bytes", NULL, 0, "Count", NULL), 0);
}

static void test_mfilter__non_numeric_dropped(void **state)
{
    fixture *f = *state;
    put_filter(f, "v", "{ $.v = * }",
               "[{\"metricName\":\"V\",\"metricNamespace\":\"NS\",\"metricValue\":\"$.v\"}]");
    const char *msgs[] = {"{\"v\":\"abc\"}", "{\"v\":true}", "{\"v\":\"7\"}", "{\"v\":\"1e999\"}",
                          "{\"v\":3}"};
    apply(f, &A, msgs, 5, T0);
    ot_cw_stats st;
    assert_int_equal(stats(f, &A, "V", NULL, 0, NULL, &st), 1);
    assert_true(st.count == 2 && st.sum == 10); /* "7" and 3 */
}

static void test_mfilter__default_value(void **state)
{
    fixture *f = *state;
    put_filter(f, "err", "ERROR",
               "[{\"metricName\":\"Errors\",\"metricNamespace\":\"NS\",\"metricValue\":\"1\","
               "\"defaultValue\":0}]");
    const char *msgs[] = {"all good", "ERROR disk", "fine too"};
    apply(f, &A, msgs, 3, T0);
    ot_cw_stats st;
    assert_int_equal(stats(f, &A, "Errors", NULL, 0, NULL, &st), 1);
    assert_true(st.count == 3 && st.sum == 1 && st.min == 0 && st.max == 1);
}

static void test_mfilter__dimensions(void **state)
{
    fixture *f = *state;
    put_filter(f, "calls", "{ $.eventName = * }",
               "[{\"metricName\":\"Calls\",\"metricNamespace\":\"NS\",\"metricValue\":\"1\","
               "\"dimensions\":{\"Event\":\"$.eventName\",\"Region\":\"$.awsRegion\"}}]");
    put_filter(f, "status", "[ip, user, status, bytes]",
               "[{\"metricName\":\"Status\",\"metricNamespace\":\"NS\",\"metricValue\":"
               "\"$bytes\",\"dimensions\":{\"Code\":\"$status\"}}]");
    const char *msgs[] = {"{\"eventName\":\"StopLogging\",\"awsRegion\":\"us-east-1\"}",
                          "{\"eventName\":\"StopLogging\",\"awsRegion\":\"us-east-1\"}",
                          "{\"eventName\":\"DeleteTrail\",\"awsRegion\":\"us-east-1\"}",
                          "{\"eventName\":\"NoRegion\"}", "10.0.0.1 bob 404 512",
                          "10.0.0.2 amy 200 100", "10.0.0.3 amy 404 8"};
    apply(f, &A, msgs, 7, T0);
    ot_cw_dim stop[] = {{"Event", "StopLogging"}, {"Region", "us-east-1"}};
    ot_cw_dim del[] = {{"Region", "us-east-1"}, {"Event", "DeleteTrail"}};
    ot_cw_dim none[] = {{"Event", "NoRegion"}};
    ot_cw_stats st;
    assert_int_equal(stats(f, &A, "Calls", stop, 2, NULL, &st), 1);
    assert_true(st.count == 2 && st.sum == 2);
    assert_int_equal(stats(f, &A, "Calls", del, 2, NULL, &st), 1);
    assert_true(st.count == 1);
    assert_int_equal(stats(f, &A, "Calls", none, 1, NULL, NULL), 0); /* missing: dropped */
    ot_cw_dim c404[] = {{"Code", "404"}};
    assert_int_equal(stats(f, &A, "Status", c404, 1, NULL, &st), 1);
    assert_true(st.count == 2 && st.sum == 520);
}

static void test_mfilter__cache_follows_changes(void **state)
{
    fixture *f = *state;
    const char *tr = "[{\"metricName\":\"M\",\"metricNamespace\":\"NS\",\"metricValue\":\"1\"}]";
    const char *msgs[] = {"alpha", "beta"};
    apply(f, &A, msgs, 2, T0); /* no filters yet: cached as none */
    assert_int_equal(stats(f, &A, "M", NULL, 0, NULL, NULL), 0);
    put_filter(f, "m", "alpha", tr);
    apply(f, &A, msgs, 2, T0 + MIN);
    ot_cw_stats st;
    assert_int_equal(stats(f, &A, "M", NULL, 0, NULL, &st), 1);
    assert_true(st.count == 1);
    put_filter(f, "m", "", tr); /* replaced: now every event */
    apply(f, &A, msgs, 2, T0 + 2 * MIN);
    assert_int_equal(stats(f, &A, "M", NULL, 0, NULL, NULL), 2);
    bool missing;
    assert_int_equal(ot_logs_metric_delete(f->logs, &A, "g", "m", &missing), 0);
    apply(f, &A, msgs, 2, T0 + 3 * MIN);
    assert_int_equal(stats(f, &A, "M", NULL, 0, NULL, NULL), 2);
    /* no metrics store: nothing, and no error */
    ot_log_event_in ev = {.ts = T0, .msg = "alpha", .len = 5};
    assert_int_equal(ot_mfilter_apply(f->m, NULL, &A, "g", &ev, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mfilter__literal_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mfilter__extracted_value_and_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mfilter__non_numeric_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mfilter__default_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mfilter__dimensions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mfilter__cache_follows_changes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
