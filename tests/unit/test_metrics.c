/* test_metrics.c — the metric registry and the Prometheus text format (util/metrics.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/metrics.h"

/* Defined by the macro: registered in the process registry by a constructor. */
OT_COUNTER(m_defined, "opentrail_test_defined_total", "Defined with OT_COUNTER.");

/* The text of reg (malloc'd). */
static char *text_of(ot_metric_registry *reg)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_metrics_write(reg, &b), OT_OK);
    return ot_buf_take(&b, NULL);
}

static void assert_contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("missing line: %s\nin:\n%s", want, text);
}

/* Writes reg and checks the text has want. */
static void assert_text_has(ot_metric_registry *reg, const char *want)
{
    char *t = text_of(reg);
    assert_contains(t, want);
    free(t);
}

static void test_metrics__counter_text_and_monotonic(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    ot_metric c = {.name = "t_requests_total", .help = "Requests.", .type = OT_METRIC_COUNTER};
    ot_metric_register(&reg, &c);
    ot_metric_register(&reg, &c); /* twice: still once */
    char *t = text_of(&reg);
    assert_string_equal(t, "# HELP t_requests_total Requests.\n"
                           "# TYPE t_requests_total counter\n"
                           "t_requests_total 0\n");
    free(t);
    ot_metric_inc(&c);
    ot_metric_add(&c, 41);
    assert_text_has(&reg, "\nt_requests_total 42\n");
    ot_metric_add(&c, 1);
    assert_text_has(&reg, "\nt_requests_total 43\n");
    ot_metric_clear(&c);
}

static void test_metrics__escaping(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    ot_metric c = {.name = "t_esc_total", .help = "a \\ back\nslash \"quoted\"",
                   .type = OT_METRIC_COUNTER, .labels = {"path", "op"}};
    ot_metric_register(&reg, &c);
    const char *v[] = {"a\"b\\c\nd", NULL};
    ot_series_inc(ot_metric_with(&c, v));
    char *t = text_of(&reg);
    /* HELP escapes \ and newline, not quotes; label values escape all three. */
    assert_contains(t, "# HELP t_esc_total a \\\\ back\\nslash \"quoted\"\n");
    assert_contains(t, "t_esc_total{path=\"a\\\"b\\\\c\\nd\",op=\"\"} 1\n");
    free(t);
    ot_metric_clear(&c);
}

static void test_metrics__labels_find_same_series(void **state)
{
    (void)state;
    ot_metric c = {.name = "t_l_total", .help = "h", .type = OT_METRIC_COUNTER,
                   .labels = {"service"}};
    const char *a[] = {"s3"}, *b[] = {"sts"};
    ot_metric_series *s1 = ot_metric_with(&c, a);
    assert_ptr_equal(ot_metric_with(&c, a), s1);
    assert_ptr_not_equal(ot_metric_with(&c, b), s1);
    assert_int_equal(c.nseries, 2);
    ot_metric_clear(&c);
}

static void test_metrics__cardinality_fuse(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    ot_metric c = {.name = "t_many_total", .help = "h", .type = OT_METRIC_COUNTER,
                   .labels = {"k"}};
    ot_metric_register(&reg, &c);
    char v[16];
    const char *vals[] = {v};
    for (int i = 0; i < OT_METRIC_MAX_SERIES + 10; i++) {
        snprintf(v, sizeof v, "%d", i);
        ot_series_inc(ot_metric_with(&c, vals));
    }
    assert_int_equal(c.nseries, OT_METRIC_MAX_SERIES);
    assert_int_equal(atomic_load(&c.overflow.value), 10);
    char *t = text_of(&reg);
    size_t lines = 0;
    for (const char *p = t; (p = strstr(p, "\nt_many_total{")); p++)
        lines++;
    assert_int_equal(lines, OT_METRIC_MAX_SERIES);
    free(t);
    ot_metric_clear(&c);
}

static void test_metrics__histogram_cumulative(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    static const uint64_t bounds[] = {1000, 5000, 250000};
    ot_metric h = {.name = "t_latency_seconds", .help = "Latency.",
                   .type = OT_METRIC_HISTOGRAM, .bounds = bounds, .nbounds = 3, .scale = 1e6};
    ot_metric_register(&reg, &h);
    ot_metric_observe(&h, 500);     /* <= 0.001 */
    ot_metric_observe(&h, 1000);    /* == the bound: in it (le is "less or equal") */
    ot_metric_observe(&h, 4000);    /* <= 0.005 */
    ot_metric_observe(&h, 9000000); /* +Inf only */
    char *t = text_of(&reg);
    assert_string_equal(t, "# HELP t_latency_seconds Latency.\n"
                           "# TYPE t_latency_seconds histogram\n"
                           "t_latency_seconds_bucket{le=\"0.001\"} 2\n"
                           "t_latency_seconds_bucket{le=\"0.005\"} 3\n"
                           "t_latency_seconds_bucket{le=\"0.25\"} 3\n"
                           "t_latency_seconds_bucket{le=\"+Inf\"} 4\n"
                           "t_latency_seconds_sum 9.0055\n"
                           "t_latency_seconds_count 4\n");
    free(t);
    ot_metric_clear(&h);
}

static void test_metrics__histogram_labels_le_last(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    static const uint64_t bounds[] = {10};
    ot_metric h = {.name = "t_h", .help = "h", .type = OT_METRIC_HISTOGRAM,
                   .labels = {"op"}, .bounds = bounds, .nbounds = 1, .scale = 1};
    ot_metric_register(&reg, &h);
    const char *v[] = {"Put"};
    ot_series_observe(&h, ot_metric_with(&h, v), 3);
    char *t = text_of(&reg);
    assert_contains(t, "t_h_bucket{op=\"Put\",le=\"10\"} 1\n");
    assert_contains(t, "t_h_bucket{op=\"Put\",le=\"+Inf\"} 1\n");
    assert_contains(t, "t_h_sum{op=\"Put\"} 3\n");
    assert_contains(t, "t_h_count{op=\"Put\"} 1\n");
    free(t);
    ot_metric_clear(&h);
}

static void test_metrics__gauge_values(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    ot_metric g = {.name = "t_g", .help = "h", .type = OT_METRIC_GAUGE};
    ot_metric_register(&reg, &g);
    ot_metric_gauge_add(&g, 5);
    ot_metric_gauge_add(&g, -2);
    assert_text_has(&reg, "\nt_g 3\n");
    ot_metric_set(&g, 1.5);
    assert_text_has(&reg, "\nt_g 1.5\n");
    ot_metric_set(&g, INFINITY);
    assert_text_has(&reg, "\nt_g +Inf\n");
    ot_metric_set(&g, NAN);
    assert_text_has(&reg, "\nt_g NaN\n");
}

static void test_metrics__sorted_by_name(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    ot_metric b = {.name = "t_b", .help = "h", .type = OT_METRIC_GAUGE};
    ot_metric a = {.name = "t_a", .help = "h", .type = OT_METRIC_GAUGE};
    ot_metric_register(&reg, &b);
    ot_metric_register(&reg, &a);
    char *t = text_of(&reg);
    assert_true(strstr(t, "t_a 0") < strstr(t, "t_b 0"));
    free(t);
}

static void test_metrics__full_buffer_fails(void **state)
{
    (void)state;
    ot_metric_registry reg = {0};
    ot_metric c = {.name = "t_big_total", .help = "h", .type = OT_METRIC_COUNTER};
    ot_metric_register(&reg, &c);
    ot_buf b;
    ot_buf_init(&b, 20);
    assert_int_not_equal(ot_metrics_write(&reg, &b), OT_OK);
    ot_buf_free(&b);
}

static void test_metrics__macro_registers_in_process_registry(void **state)
{
    (void)state;
    ot_metric_inc(&m_defined);
    assert_text_has(NULL, "# TYPE opentrail_test_defined_total counter\n"
                          "opentrail_test_defined_total 1\n");
}

static ot_metric m_race = {.name = "t_race_total", .help = "h", .type = OT_METRIC_COUNTER,
                           .labels = {"k"}};

static void *hammer(void *arg)
{
    (void)arg;
    const char *v[] = {"x"};
    for (int i = 0; i < 100000; i++) {
        ot_metric_inc(&m_race);
        ot_series_inc(ot_metric_with(&m_race, v));
    }
    return NULL;
}

/* Concurrent increments are all counted (atomic adds) and one label set is one series. */
static void test_metrics__concurrent_increments(void **state)
{
    (void)state;
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&m_race.self.value), 400000);
    assert_int_equal(m_race.nseries, 1);
    const char *v[] = {"x"};
    assert_int_equal(atomic_load(&ot_metric_with(&m_race, v)->value), 400000);
    ot_metric_clear(&m_race);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics__counter_text_and_monotonic),
        cmocka_unit_test(test_metrics__escaping),
        cmocka_unit_test(test_metrics__labels_find_same_series),
        cmocka_unit_test(test_metrics__cardinality_fuse),
        cmocka_unit_test(test_metrics__histogram_cumulative),
        cmocka_unit_test(test_metrics__histogram_labels_le_last),
        cmocka_unit_test(test_metrics__gauge_values),
        cmocka_unit_test(test_metrics__sorted_by_name),
        cmocka_unit_test(test_metrics__full_buffer_fails),
        cmocka_unit_test(test_metrics__macro_registers_in_process_registry),
        cmocka_unit_test(test_metrics__concurrent_increments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
