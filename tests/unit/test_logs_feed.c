/* test_logs_feed.c — feeds of logs.db: a batch and the feed's position in one transaction,
 * streams created on demand, a missing group skipped and recorded as its source's error, the
 * outcome cleared by the next success; and the metric-filter generation counter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "logs/logs.h"
#include "util/err.h"

#define NOW (1760000000000LL)
#define TRAIL "arn:aws:cloudtrail:us-east-1:123456789012:trail/t"

static const ot_logs_scope A = {"123456789012", "us-east-1"};
static const ot_logs_scope B = {"999999999999", "us-east-1"};

typedef struct fixture {
    char dir[256];
    char path[300];
    ot_logs *l;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "logsfeed");
    snprintf(f->path, sizeof f->path, "%s/logs.db", f->dir);
    assert_int_equal(ot_logs_open(f->path, 0, &f->l), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_logs_close(f->l);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static int count_cb(void *ctx, const ot_log_event *ev)
{
    (void)ev;
    (*(int *)ctx)++;
    return 0;
}

static int count_events(ot_logs *l, const ot_logs_scope *s, const char *group,
                        const char *stream)
{
    int n = 0;
    ot_logs_query q = {.group = group, .stream = stream, .start_ms = 0, .end_ms = INT64_MAX,
                       .cursor_ts = INT64_MIN, .max_rows = 1000000};
    assert_int_equal(ot_logs_events(l, s, &q, count_cb, &n, NULL), 0);
    return n;
}

static ot_logs_feed_event ev_to(const ot_logs_scope *s, const char *group, const char *msg)
{
    return (ot_logs_feed_event){.scope = *s, .group = group,
                                .stream = "123456789012_CloudTrail_us-east-1",
                                .source = TRAIL, .ts = NOW, .msg = msg, .len = strlen(msg)};
}

static void test_logs_feed__position_with_events(void **state)
{
    fixture *f = *state;
    uint64_t pos = 99;
    assert_int_equal(ot_logs_feed_position(f->l, "trail-stream", &pos), 0);
    assert_int_equal(pos, 0);
    assert_int_equal(ot_logs_group_create(f->l, &A, "ct", NOW), 0);
    ot_logs_feed_event ev[3] = {ev_to(&A, "ct", "{\"a\":1}"), ev_to(&A, "ct", "{\"a\":2}"),
                                ev_to(&A, "ct", "{\"a\":3}")};
    assert_int_equal(ot_logs_feed_put(f->l, "trail-stream", 42, ev, 3, NOW), 0);
    assert_true(ev[0].stored && ev[2].stored);
    assert_int_equal(count_events(f->l, &A, "ct", "123456789012_CloudTrail_us-east-1"), 3);
    /* the stream was created; the position persists across a reopen */
    ot_logs_close(f->l);
    assert_int_equal(ot_logs_open(f->path, 0, &f->l), 0);
    assert_int_equal(ot_logs_feed_position(f->l, "trail-stream", &pos), 0);
    assert_int_equal(pos, 42);
    assert_int_equal(ot_logs_feed_position(f->l, "other", &pos), 0);
    assert_int_equal(pos, 0);
    ot_logs_feed_status st;
    assert_int_equal(ot_logs_feed_status_get(f->l, TRAIL, &st), 0);
    assert_int_equal(st.latest_ms, NOW);
    assert_string_equal(st.error, "");
}

static void test_logs_feed__missing_group_skipped(void **state)
{
    fixture *f = *state;
    assert_int_equal(ot_logs_group_create(f->l, &B, "ct", NOW), 0); /* another account's */
    ot_logs_feed_event ev[2] = {ev_to(&A, "ct", "{\"a\":1}"), ev_to(&A, "ct", "{\"a\":2}")};
    assert_int_equal(ot_logs_feed_put(f->l, "trail-stream", 7, ev, 2, NOW), 0);
    assert_false(ev[0].stored || ev[1].stored);
    assert_int_equal(count_events(f->l, &B, "ct", NULL), 0);
    ot_logs_feed_status st;
    assert_int_equal(ot_logs_feed_status_get(f->l, TRAIL, &st), 0);
    assert_int_equal(st.latest_ms, 0);
    assert_int_equal(st.error_ms, NOW);
    assert_non_null(strstr(st.error, "log group does not exist"));
    uint64_t pos;
    assert_int_equal(ot_logs_feed_position(f->l, "trail-stream", &pos), 0);
    assert_int_equal(pos, 7); /* skipped, not retried */
    /* once the group exists, delivery resumes and the error clears */
    assert_int_equal(ot_logs_group_create(f->l, &A, "ct", NOW), 0);
    ot_logs_feed_event more = ev_to(&A, "ct", "{\"a\":3}");
    assert_int_equal(ot_logs_feed_put(f->l, "trail-stream", 8, &more, 1, NOW + 5), 0);
    assert_true(more.stored);
    assert_int_equal(ot_logs_feed_status_get(f->l, TRAIL, &st), 0);
    assert_int_equal(st.latest_ms, NOW + 5);
    assert_string_equal(st.error, "");
    assert_int_equal(count_events(f->l, &A, "ct", NULL), 1);
}

static void test_logs_feed__runs_of_destinations(void **state)
{
    fixture *f = *state;
    assert_int_equal(ot_logs_group_create(f->l, &A, "g1", NOW), 0);
    assert_int_equal(ot_logs_group_create(f->l, &A, "g2", NOW), 0);
    ot_logs_feed_event ev[4] = {ev_to(&A, "g1", "x1"), ev_to(&A, "g2", "y1"),
                                ev_to(&A, "g2", "y2"), ev_to(&A, "g1", "x2")};
    ev[3].stream = "other";
    assert_int_equal(ot_logs_feed_put(f->l, "f", 1, ev, 4, NOW), 0);
    assert_int_equal(count_events(f->l, &A, "g1", NULL), 2);
    assert_int_equal(count_events(f->l, &A, "g1", "other"), 1);
    assert_int_equal(count_events(f->l, &A, "g2", "123456789012_CloudTrail_us-east-1"), 2);
    assert_int_equal(ot_logs_feed_note(f->l, "src", NOW, "boom"), 0);
    ot_logs_feed_status st;
    assert_int_equal(ot_logs_feed_status_get(f->l, "src", &st), 0);
    assert_string_equal(st.error, "boom");
    assert_int_equal(ot_logs_feed_status_get(f->l, "never", &st), 0);
    assert_int_equal(st.error_ms + st.latest_ms, 0);
}

static void test_logs_feed__metric_generation(void **state)
{
    fixture *f = *state;
    uint64_t g0 = ot_logs_metric_generation(f->l);
    assert_int_equal(ot_logs_group_create(f->l, &A, "g", NOW), 0);
    assert_int_equal(ot_logs_metric_generation(f->l), g0);
    assert_int_equal(ot_logs_metric_put(f->l, &A, "g", "m", "", "[]", NOW), 0);
    uint64_t g1 = ot_logs_metric_generation(f->l);
    assert_true(g1 != g0);
    bool missing;
    assert_int_equal(ot_logs_metric_delete(f->l, &A, "g", "m", &missing), 0);
    uint64_t g2 = ot_logs_metric_generation(f->l);
    assert_true(g2 != g1);
    assert_int_equal(ot_logs_group_delete(f->l, &A, "g"), 0);
    assert_true(ot_logs_metric_generation(f->l) != g2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_logs_feed__position_with_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_feed__missing_group_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_feed__runs_of_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_feed__metric_generation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
