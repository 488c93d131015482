/* test_cw_metrics.c — the CloudWatch datapoint store: statistic sets merged per resolution
 * bucket, GetMetricStatistics over aligned periods (every statistic, the unit filter),
 * ListMetrics (filters, order, paging) and scoping by account and region. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "cw/cw_int.h"
#include "cw_fixture.h"

static const ot_cw_dim HOST_A[] = {{"Host", "a"}};
static const ot_cw_dim HOST_B[] = {{"Host", "b"}};

static void test_cw__statistics_per_period(void **state)
{
    fixture *f = *state;
    /* minute 0: 1, 3 (two points in one bucket); minute 1: 5; minute 3: 2, 7 */
    double vals[] = {1, 3, 5, 2, 7};
    int64_t ts[] = {T0 + 1000, T0 + 59000, T0 + MIN_MS + 5, T0 + 3 * MIN_MS,
                    T0 + 3 * MIN_MS + 30000};
    for (int i = 0; i < 5; i++)
        assert_int_equal(put_value(f->cw, &A, "Latency", HOST_A, 1, ts[i], vals[i], "Seconds"), 0);
    ot_cw_metric m = {.namespace_ = "App", .name = "Latency", .dims = HOST_A, .ndims = 1};
    ot_cw_stats *st;
    size_t n;
    /* periods of 2 minutes from T0: [0,2) holds 1,3,5; [2,4) holds 2,7 */
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + 10 * MIN_MS, 120, NULL, &st, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(st[0].ts_ms, T0);
    assert_true(st[0].count == 3 && st[0].sum == 9 && st[0].min == 1 && st[0].max == 5);
    assert_int_equal(st[1].ts_ms, T0 + 2 * MIN_MS);
    assert_true(st[1].count == 2 && st[1].sum == 9 && st[1].min == 2 && st[1].max == 7);
    assert_string_equal(st[0].unit, "Seconds");
    double avg;
    assert_int_equal(cw_stat_value(&st[1], "Average", &avg), 0);
    assert_true(avg == 4.5);
    free(st);
    /* alignment follows the start: from T0+1min, periods [1,3) and [3,5) */
    assert_int_equal(
        ot_cw_statistics(f->cw, &A, &m, T0 + MIN_MS, T0 + 10 * MIN_MS, 120, NULL, &st, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(st[0].ts_ms, T0 + MIN_MS);
    assert_true(st[0].sum == 5 && st[0].count == 1);
    assert_int_equal(st[1].ts_ms, T0 + 3 * MIN_MS);
    assert_true(st[1].sum == 9);
    free(st);
    /* the end is exclusive */
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + 3 * MIN_MS, 60, NULL, &st, &n), 0);
    assert_int_equal(n, 2);
    free(st);
}

static void test_cw__statistic_sets_and_units(void **state)
{
    fixture *f = *state;
    ot_cw_point p = {.metric = {.namespace_ = "App", .name = "Req"},
                     .d = {.ts_ms = T0, .count = 10, .sum = 100, .min = 2, .max = 30,
                           .unit = "Count"}};
    assert_int_equal(ot_cw_put(f->cw, &A, &p, 1), 0);
    assert_int_equal(put_value(f->cw, &A, "Req", NULL, 0, T0 + 10, 40, "Count"), 0);
    assert_int_equal(put_value(f->cw, &A, "Req", NULL, 0, T0 + 20, 1000, NULL), 0);
    ot_cw_metric m = {.namespace_ = "App", .name = "Req"};
    ot_cw_stats *st;
    size_t n;
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + MIN_MS, 60, "Count", &st, &n), 0);
    assert_int_equal(n, 1);
    assert_true(st[0].count == 11 && st[0].sum == 140 && st[0].min == 2 && st[0].max == 40);
    free(st);
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + MIN_MS, 60, "None", &st, &n), 0);
    assert_int_equal(n, 1);
    assert_true(st[0].sum == 1000);
    free(st);
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + MIN_MS, 60, "Bytes", &st, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + MIN_MS, 60, NULL, &st, &n), 0);
    assert_true(n == 1 && st[0].count == 12 && st[0].max == 1000);
    free(st);
}

static void test_cw__high_resolution_buckets(void **state)
{
    fixture *f = *state;
    ot_cw_point p[2] = {
        {.metric = {.namespace_ = "App", .name = "Hi"},
         .d = {.ts_ms = T0 + 1500, .count = 1, .sum = 1, .min = 1, .max = 1, .resolution_s = 1}},
        {.metric = {.namespace_ = "App", .name = "Hi"},
         .d = {.ts_ms = T0 + 12000, .count = 1, .sum = 2, .min = 2, .max = 2, .resolution_s = 1}},
    };
    assert_int_equal(ot_cw_put(f->cw, &A, p, 2), 0);
    ot_cw_metric m = {.namespace_ = "App", .name = "Hi"};
    ot_cw_stats *st;
    size_t n;
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + MIN_MS, 10, NULL, &st, &n), 0);
    assert_int_equal(n, 2); /* 1 s buckets keep the two apart in 10 s periods */
    assert_int_equal(st[0].ts_ms, T0);
    assert_int_equal(st[1].ts_ms, T0 + 10000);
    free(st);
}

static void test_cw__bad_points_rejected_whole_batch(void **state)
{
    fixture *f = *state;
    ot_cw_point p[2] = {
        {.metric = {.namespace_ = "App", .name = "Ok"},
         .d = {.ts_ms = T0, .count = 1, .sum = 1, .min = 1, .max = 1}},
        {.metric = {.namespace_ = "App", .name = "Bad"},
         .d = {.ts_ms = T0, .count = 1, .sum = 1, .min = 5, .max = 1}}, /* min > max */
    };
    assert_int_equal(ot_cw_put(f->cw, &A, p, 2), OT_EINVAL);
    ot_cw_metric_query q = {0};
    ot_cw_metric_row *rows;
    size_t n;
    assert_int_equal(ot_cw_metrics_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 0); /* nothing of the batch was kept */
    ot_cw_dim twice[] = {{"K", "1"}, {"K", "2"}};
    assert_int_equal(put_value(f->cw, &A, "M", twice, 2, T0, 1, NULL), OT_EINVAL);
    assert_int_equal(put_value(f->cw, &A, "", NULL, 0, T0, 1, NULL), OT_EINVAL);
}

static void test_cw__list_metrics(void **state)
{
    fixture *f = *state;
    ot_cw_dim two[] = {{"Z", "1"}, {"Host", "a"}}; /* given out of order */
    assert_int_equal(put_value(f->cw, &A, "Latency", HOST_B, 1, T0, 1, NULL), 0);
    assert_int_equal(put_value(f->cw, &A, "Latency", HOST_A, 1, T0, 1, NULL), 0);
    assert_int_equal(put_value(f->cw, &A, "Errors", two, 2, T0 + 5 * MIN_MS, 1, NULL), 0);
    ot_cw_dim same[] = {{"Host", "a"}, {"Z", "1"}};
    assert_int_equal(put_value(f->cw, &A, "Errors", same, 2, T0, 1, NULL), 0); /* same metric */
    ot_cw_metric_query q = {0};
    ot_cw_metric_row *rows;
    size_t n;
    assert_int_equal(ot_cw_metrics_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].name, "Errors");
    assert_int_equal(rows[0].ndims, 2);
    assert_string_equal(rows[0].dims[0].name, "Host"); /* stored sorted */
    assert_string_equal(rows[0].dims[1].value, "1");
    assert_string_equal(rows[1].name, "Latency");
    ot_cw_metrics_free(rows, n);
    /* a dimension filter with any value, then with one value */
    ot_cw_dim host_any[] = {{"Host", NULL}};
    q = (ot_cw_metric_query){.name = "Latency", .dims = host_any, .ndims = 1};
    assert_int_equal(ot_cw_metrics_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 2);
    ot_cw_metrics_free(rows, n);
    q.dims = HOST_B;
    assert_int_equal(ot_cw_metrics_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].dims[0].value, "b");
    ot_cw_metrics_free(rows, n);
    /* recently active, paging */
    q = (ot_cw_metric_query){.since_ms = T0 + MIN_MS};
    assert_int_equal(ot_cw_metrics_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "Errors");
    ot_cw_metrics_free(rows, n);
    q = (ot_cw_metric_query){.offset = 1, .limit = 1};
    assert_int_equal(ot_cw_metrics_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "Latency");
    assert_string_equal(rows[0].dims[0].value, "a");
    ot_cw_metrics_free(rows, n);
}

static void test_cw__metrics_scoped(void **state)
{
    fixture *f = *state;
    assert_int_equal(put_value(f->cw, &A, "Secret", NULL, 0, T0, 42, NULL), 0);
    ot_cw_metric_query q = {0};
    ot_cw_metric_row *rows;
    size_t n;
    assert_int_equal(ot_cw_metrics_list(f->cw, &B, &q, &rows, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ot_cw_metrics_list(f->cw, &A2, &q, &rows, &n), 0);
    assert_int_equal(n, 0);
    ot_cw_metric m = {.namespace_ = "App", .name = "Secret"};
    ot_cw_stats *st;
    assert_int_equal(ot_cw_statistics(f->cw, &B, &m, T0, T0 + MIN_MS, 60, NULL, &st, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + MIN_MS, 60, NULL, &st, &n), 0);
    assert_int_equal(n, 1);
    free(st);
}

static void test_cw__data_survives_reopen(void **state)
{
    fixture *f = *state;
    assert_int_equal(put_value(f->cw, &A, "Kept", NULL, 0, T0, 3, NULL), 0);
    ot_cw_close(f->cw);
    fixture_open(f);
    ot_cw_metric m = {.namespace_ = "App", .name = "Kept"};
    ot_cw_stats *st;
    size_t n;
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, T0, T0 + MIN_MS, 60, NULL, &st, &n), 0);
    assert_true(n == 1 && st[0].sum == 3);
    free(st);
}

static void test_cw__old_data_expires(void **state)
{
    fixture *f = *state;
    const int64_t day = 86400 * 1000LL;
    assert_int_equal(put_value(f->cw, &A, "Old", NULL, 0, T0, 1, NULL), 0);
    assert_int_equal(put_value(f->cw, &A, "Old", NULL, 0, T0 + 10 * day, 2, NULL), 0);
    ot_cw_alarm a = {.name = "old", .namespace_ = "App", .metric_name = "Old",
                     .statistic = "Sum", .period_s = 60, .evaluation_periods = 1,
                     .comparison = "GreaterThanThreshold", .treat_missing = "notBreaching"};
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    /* 455 days and a minute after T0: the first point is past the retention, the second not */
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + OT_CW_DATAPOINT_DAYS * day + MIN_MS), 0);
    ot_cw_metric m = {.namespace_ = "App", .name = "Old"};
    ot_cw_stats *st;
    size_t n;
    assert_int_equal(ot_cw_statistics(f->cw, &A, &m, 0, T0 + 20 * day, 60, NULL, &st, &n), 0);
    assert_int_equal(n, 1);
    assert_true(st[0].sum == 2);
    free(st);
    /* the alarm's creation (T0) is past the 30 days of history; its evaluation is not */
    ot_cw_history_query q = {.alarm_name = "old"};
    ot_cw_history *h;
    assert_int_equal(ot_cw_history_list(f->cw, &A, &q, &h, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].item_type, "StateUpdate");
    ot_cw_history_free(h, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cw__statistics_per_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__statistic_sets_and_units, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__high_resolution_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__bad_points_rejected_whole_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__list_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__metrics_scoped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__data_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__old_data_expires, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
