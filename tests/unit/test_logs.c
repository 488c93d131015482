/* test_logs.c — the CloudWatch Logs store (logs.db): groups and streams per account and region,
 * events read forward and backward from a cursor, the retention sweep, metric filters, feeds (a
 * batch with its position, a missing group skipped and reported); and the
 * Logs API's small parsers (direction tokens, retention values, the fields a pattern names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "otest.h"

#include "api/api_logs.h"
#include "logs/logs.h"
#include "util/err.h"

#define DAY (86400 * 1000LL)
#define NOW (1760000000000LL)

static const ot_logs_scope A = {"123456789012", "us-east-1"};
static const ot_logs_scope B = {"999999999999", "us-east-1"};
static const ot_logs_scope A2 = {"123456789012", "eu-west-1"};

#define TRAIL "arn:aws:cloudtrail:us-east-1:123456789012:trail/t"

typedef struct fixture {
    char dir[256];
    char path[300];
    ot_logs *l;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "logs");
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

static void test_logs__groups_per_scope(void **state)
{
    ot_logs *l = ((fixture *)*state)->l;
    assert_int_equal(ot_logs_group_create(l, &A, "g1", NOW), 0);
    assert_int_equal(ot_logs_group_create(l, &A, "g1", NOW), OT_EEXIST);
    assert_int_equal(ot_logs_group_create(l, &B, "g1", NOW), 0); /* another account's */
    assert_int_equal(ot_logs_group_create(l, &A, "app/X", NOW), 0);
    ot_log_group g;
    assert_int_equal(ot_logs_group_get(l, &A2, "g1", &g), OT_ENOTFOUND);
    ot_log_group *list;
    size_t n;
    assert_int_equal(ot_logs_group_list(l, &A, NULL, NULL, 0, 10, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "app/X");
    free(list);
    assert_int_equal(ot_logs_group_list(l, &A, "g", NULL, 0, 10, &list, &n), 0);
    assert_int_equal(n, 1);
    free(list);
    assert_int_equal(ot_logs_group_list(l, &A, NULL, "X", 0, 10, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "app/X");
    free(list);
    assert_int_equal(ot_logs_group_list(l, &A, NULL, "x", 0, 10, &list, &n), 0);
    assert_int_equal(n, 0); /* case-sensitive */
    free(list);
    assert_int_equal(ot_logs_group_list(l, &A, NULL, NULL, 1, 10, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "g1");
    free(list);
    assert_int_equal(ot_logs_group_delete(l, &A, "g1"), 0);
    assert_int_equal(ot_logs_group_delete(l, &A, "g1"), OT_ENOTFOUND);
    assert_int_equal(ot_logs_group_get(l, &B, "g1", &g), 0); /* B's is untouched */
}

static void test_logs__streams(void **state)
{
    ot_logs *l = ((fixture *)*state)->l;
    bool missing;
    assert_int_equal(ot_logs_stream_create(l, &A, "g", "s", NOW), OT_ENOTFOUND);
    assert_int_equal(ot_logs_group_create(l, &A, "g", NOW), 0);
    assert_int_equal(ot_logs_stream_create(l, &A, "g", "s", NOW), 0);
    assert_int_equal(ot_logs_stream_create(l, &A, "g", "s", NOW), OT_EEXIST);
    assert_int_equal(ot_logs_stream_create(l, &A, "g", "t", NOW), 0);
    ot_log_event_in ev = {NOW - 5, "hello", 5};
    assert_int_equal(ot_logs_put(l, &A, "g", "t", &ev, 1, NOW, &missing), 0);
    ot_logs_stream_query q = {.by_last_event = true, .descending = true, .limit = 10};
    ot_log_stream *list;
    size_t n;
    assert_int_equal(ot_logs_stream_list(l, &A, "g", &q, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "t");
    assert_int_equal(list[0].first_event_ms, NOW - 5);
    assert_int_equal(list[0].stored_bytes, 5);
    free(list);
    assert_int_equal(ot_logs_stream_delete(l, &A, "g", "nope", &missing), OT_ENOTFOUND);
    assert_true(missing);
    assert_int_equal(ot_logs_stream_delete(l, &A, "nope", "s", &missing), OT_ENOTFOUND);
    assert_false(missing);
    assert_int_equal(ot_logs_stream_delete(l, &A, "g", "t", &missing), 0);
    assert_int_equal(ot_logs_put(l, &A, "g", "t", &ev, 1, NOW, &missing), OT_ENOTFOUND);
    assert_true(missing);
}

typedef struct seen {
    int64_t ts[16];
    int64_t id[16];
    size_t n;
} seen;

static int record(void *ctx, const ot_log_event *e)
{
    seen *s = ctx;
    s->ts[s->n] = e->ts;
    s->id[s->n++] = e->id;
    return s->n == 16;
}

static void test_logs__events_cursor(void **state)
{
    ot_logs *l = ((fixture *)*state)->l;
    bool missing;
    assert_int_equal(ot_logs_group_create(l, &A, "g", NOW), 0);
    assert_int_equal(ot_logs_stream_create(l, &A, "g", "s", NOW), 0);
    ot_log_event_in ev[5];
    for (int i = 0; i < 5; i++)
        ev[i] = (ot_log_event_in){NOW + i * 10, "m", 1};
    assert_int_equal(ot_logs_put(l, &A, "g", "s", ev, 5, NOW, &missing), 0);
    ot_logs_query q = {.group = "g", .stream = "s", .start_ms = INT64_MIN, .end_ms = INT64_MAX,
                       .cursor_ts = INT64_MIN, .max_rows = 2};
    seen s = {0};
    assert_int_equal(ot_logs_events(l, &A, &q, record, &s, &missing), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ts[1], NOW + 10);
    /* after the cursor of the second event */
    q.cursor_ts = s.ts[1];
    q.cursor_id = s.id[1];
    q.max_rows = 10;
    s.n = 0;
    assert_int_equal(ot_logs_events(l, &A, &q, record, &s, &missing), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ts[0], NOW + 20);
    /* backward from the fourth: the third, second, first, newest first */
    q.cursor_ts = s.ts[1];
    q.cursor_id = s.id[1];
    q.backward = true;
    s.n = 0;
    assert_int_equal(ot_logs_events(l, &A, &q, record, &s, &missing), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ts[0], NOW + 20);
    assert_int_equal(s.ts[2], NOW);
    /* a time range, start inclusive and end exclusive */
    ot_logs_query r = {.group = "g", .start_ms = NOW + 10, .end_ms = NOW + 30,
                       .cursor_ts = INT64_MIN, .max_rows = 10};
    s.n = 0;
    assert_int_equal(ot_logs_events(l, &A, &r, record, &s, &missing), 0);
    assert_int_equal(s.n, 2);
    /* another account reads nothing */
    assert_int_equal(ot_logs_events(l, &B, &r, record, &s, &missing), OT_ENOTFOUND);
}

static void test_logs__retention_sweep(void **state)
{
    fixture *f = *state;
    ot_logs *l = f->l;
    bool missing;
    assert_int_equal(ot_logs_group_create(l, &A, "g", NOW), 0);
    assert_int_equal(ot_logs_group_create(l, &A, "keep", NOW), 0);
    assert_int_equal(ot_logs_stream_create(l, &A, "g", "s", NOW), 0);
    assert_int_equal(ot_logs_stream_create(l, &A, "keep", "s", NOW), 0);
    ot_log_event_in ev[2] = {{NOW - 3 * DAY, "old", 3}, {NOW - 1000, "new", 3}};
    assert_int_equal(ot_logs_put(l, &A, "g", "s", ev, 2, NOW, &missing), 0);
    assert_int_equal(ot_logs_put(l, &A, "keep", "s", ev, 2, NOW, &missing), 0);
    int64_t deleted = -1;
    assert_int_equal(ot_logs_sweep(l, NOW, &deleted), 0);
    assert_int_equal(deleted, 0); /* no policy: nothing expires */
    assert_int_equal(ot_logs_retention_set(l, &A, "g", 1), 0);
    assert_int_equal(ot_logs_retention_set(l, &A, "nope", 1), OT_ENOTFOUND);
    assert_int_equal(ot_logs_sweep(l, NOW, &deleted), 0);
    assert_int_equal(deleted, 1);
    ot_log_group g;
    assert_int_equal(ot_logs_group_get(l, &A, "g", &g), 0);
    assert_int_equal(g.retention_days, 1);
    assert_int_equal(g.stored_bytes, 3);
    assert_int_equal(ot_logs_group_get(l, &A, "keep", &g), 0);
    assert_int_equal(g.stored_bytes, 6);
    /* what was deleted stays deleted after a reopen */
    ot_logs_close(l);
    assert_int_equal(ot_logs_open(f->path, 0, &f->l), 0);
    assert_int_equal(ot_logs_group_get(f->l, &A, "g", &g), 0);
    assert_int_equal(g.stored_bytes, 3);
}

static void test_logs__sweeper_thread(void **state)
{
    fixture *f = *state;
    bool missing;
    ot_logs_close(f->l);
    assert_int_equal(ot_logs_open(f->path, 20, &f->l), 0); /* sweeps every 20 ms */
    ot_logs *l = f->l;
    assert_int_equal(ot_logs_group_create(l, &A, "g", NOW), 0);
    assert_int_equal(ot_logs_stream_create(l, &A, "g", "s", NOW), 0);
    ot_log_event_in ev = {1000, "ancient", 7}; /* 1970: far past any retention */
    assert_int_equal(ot_logs_put(l, &A, "g", "s", &ev, 1, NOW, &missing), 0);
    assert_int_equal(ot_logs_retention_set(l, &A, "g", 1), 0);
    ot_log_group g = {.stored_bytes = 7};
    for (int i = 0; i < 500 && g.stored_bytes != 0; i++) { /* waits for a sweep, not a time */
        usleep(10000);
        assert_int_equal(ot_logs_group_get(l, &A, "g", &g), 0);
    }
    assert_int_equal(g.stored_bytes, 0);
}

static void test_logs__metric_filters(void **state)
{
    ot_logs *l = ((fixture *)*state)->l;
    bool missing;
    const char *t1 = "[{\"metricName\":\"M\",\"metricNamespace\":\"N\",\"metricValue\":\"1\"}]";
    assert_int_equal(ot_logs_metric_put(l, &A, "g", "f", "x", t1, NOW), OT_ENOTFOUND);
    assert_int_equal(ot_logs_group_create(l, &A, "g", NOW), 0);
    assert_int_equal(ot_logs_metric_put(l, &A, "g", "f", "x", t1, NOW), 0);
    assert_int_equal(ot_logs_metric_put(l, &A, "g", "f", "y", t1, NOW), 0); /* replaces */
    assert_int_equal(ot_logs_metric_put(l, &A, "g", "e", "z", "[]", NOW), 0);
    ot_logs_metric_query q = {.limit = 10};
    ot_log_metric_filter *list;
    size_t n;
    assert_int_equal(ot_logs_metric_list(l, &A, &q, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[1].name, "f");
    assert_string_equal(list[1].pattern, "y");
    assert_string_equal(list[1].transformations, t1);
    ot_logs_metric_free(list, n);
    q.metric_name = "M";
    q.metric_namespace = "N";
    assert_int_equal(ot_logs_metric_list(l, &A, &q, &list, &n), 0);
    assert_int_equal(n, 1);
    ot_logs_metric_free(list, n);
    assert_int_equal(ot_logs_metric_list(l, &B, &(ot_logs_metric_query){.limit = 10}, &list, &n),
                     0);
    assert_int_equal(n, 0);
    ot_logs_metric_free(list, n);
    ot_log_group g;
    assert_int_equal(ot_logs_group_get(l, &A, "g", &g), 0);
    assert_int_equal(g.metric_filters, 2);
    assert_int_equal(ot_logs_metric_delete(l, &A, "g", "f", &missing), 0);
    assert_int_equal(ot_logs_metric_delete(l, &A, "g", "f", &missing), OT_ENOTFOUND);
    assert_true(missing);
    assert_int_equal(ot_logs_metric_delete(l, &A, "nope", "f", &missing), OT_ENOTFOUND);
    assert_false(missing);
}

static void test_logs__open_failure(void **state)
{
    (void)state;
    ot_logs *l = (ot_logs *)1;
    assert_int_not_equal(ot_logs_open("/nonexistent-dir/x/logs.db", 0, &l), 0);
    assert_null(l);
}

/* ---- the API's parsers ---- */

static void test_logs__token_parse(void **state)
{
    (void)state;
    bool back;
    int64_t ts, id;
    char buf[64];
    assert_int_equal(ot_logs_token_parse("f/12/34", &back, &ts, &id), 0);
    assert_false(back);
    assert_int_equal(ts, 12);
    assert_int_equal(id, 34);
    assert_int_equal(ot_logs_token_parse("b/-5/0", &back, &ts, &id), 0);
    assert_true(back);
    assert_int_equal(ts, -5);
    ot_logs_token_format(buf, sizeof buf, true, INT64_MIN, 7);
    assert_int_equal(ot_logs_token_parse(buf, &back, &ts, &id), 0);
    assert_int_equal(ts, INT64_MIN);
    assert_int_equal(id, 7);
    const char *bad[] = {NULL, "", "f", "f/", "x/1/2", "f/1", "f/1/", "f/1/2x", "f/ 1/2",
                         "f/a/2", "F/1/2", "f/1/2/3", "f//1/2", "f/1/ 2", "f/+1/2",
                         "f/99999999999999999999/1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ot_logs_token_parse(bad[i], &back, &ts, &id), OT_EINVAL);
}

static void test_logs__offset_parse(void **state)
{
    (void)state;
    int64_t off = -1;
    assert_int_equal(ot_logs_offset_parse("o/0", &off), 0);
    assert_int_equal(off, 0);
    assert_int_equal(ot_logs_offset_parse("o/150", &off), 0);
    assert_int_equal(off, 150);
    const char *bad[] = {NULL, "", "o", "o/", "o/-1", "o/1x", "o/ 1", "x/1", "o/1/2",
                         "o/99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ot_logs_offset_parse(bad[i], &off), OT_EINVAL);
}

static void test_logs__retention_values(void **state)
{
    (void)state;
    assert_true(ot_logs_retention_valid(1));
    assert_true(ot_logs_retention_valid(3653));
    assert_true(ot_logs_retention_valid(545));
    assert_false(ot_logs_retention_valid(0));
    assert_false(ot_logs_retention_valid(2));
    assert_false(ot_logs_retention_valid(-1));
    assert_false(ot_logs_retention_valid(3654));
}

static void add_field(void *ctx, const char *name, size_t len)
{
    char *out = ctx;
    strncat(out, name, len);
    strcat(out, "|");
}

static void fields_are(const char *pattern, const char *want)
{
    char got[512] = "";
    ot_logs_pattern_fields(pattern, add_field, got);
    assert_string_equal(got, want);
}

static void test_logs__pattern_fields(void **state)
{
    (void)state;
    fields_are("{ $.errorCode = \"AccessDenied*\" }", "$.errorCode|");
    fields_are("{ ($.a.b[0] > 1) && ($.c = \"$.notme\") }", "$.a.b[0]|$.c|");
    fields_are("{ $.s = \"q\\\"$.x\" || $.t NOT EXISTS }", "$.s|$.t|");
    fields_are("[ip, user, ..., status=4*, bytes > 100]", "ip|user|status|bytes|");
    fields_are("  [a, \"x,y\", b]", "a|b|");
    fields_are("[w1=%ab[c]%, w2]", "w1|w2|");
    fields_are("ERROR -debug", "");
    fields_are("", "");
    fields_are("[", "");
    fields_are("{ $.", "$.|");
}

/* ---- feeds: a batch and the feed's position in one transaction ---- */

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

static int concat_cb(void *ctx, const ot_log_event *ev)
{
    char *out = ctx;
    strncat(out, ev->msg, ev->len);
    strcat(out, "|");
    return 0;
}

static ot_logs_feed_event ev_to(const ot_logs_scope *s, const char *group, const char *msg)
{
    return (ot_logs_feed_event){.scope = *s, .group = group,
                                .stream = "123456789012_CloudTrail_us-east-1",
                                .source = TRAIL, .ts = NOW, .msg = msg, .len = strlen(msg)};
}

static void test_logs__feed_position_with_events(void **state)
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

static void test_logs__feed_missing_group_skipped(void **state)
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

static void test_logs__feed_runs_of_destinations(void **state)
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
    /* interleaved destinations: each stream keeps the batch's order (same timestamps) */
    ot_logs_feed_event mix[4] = {ev_to(&A, "g1", "m1"), ev_to(&A, "g2", "n1"),
                                 ev_to(&A, "g1", "m2"), ev_to(&A, "g1", "m3")};
    mix[1].stream = "s2";
    assert_int_equal(ot_logs_feed_put(f->l, "f", 2, mix, 4, NOW), 0);
    char got[64] = "";
    ot_logs_query q = {.group = "g1", .stream = "123456789012_CloudTrail_us-east-1",
                       .start_ms = NOW, .end_ms = NOW + 1, .cursor_ts = INT64_MIN,
                       .max_rows = 100};
    assert_int_equal(ot_logs_events(f->l, &A, &q, concat_cb, got, NULL), 0);
    assert_string_equal(got, "x1|m1|m2|m3|");
    assert_int_equal(ot_logs_feed_note(f->l, "src", NOW, "boom"), 0);
    ot_logs_feed_status st;
    assert_int_equal(ot_logs_feed_status_get(f->l, "src", &st), 0);
    assert_string_equal(st.error, "boom");
    assert_int_equal(ot_logs_feed_status_get(f->l, "never", &st), 0);
    assert_int_equal(st.error_ms + st.latest_ms, 0);
}

static void test_logs__feed_metric_generation(void **state)
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
        cmocka_unit_test_setup_teardown(test_logs__groups_per_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__events_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__retention_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__sweeper_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__metric_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__feed_position_with_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__feed_missing_group_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__feed_runs_of_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs__feed_metric_generation, setup, teardown),
        cmocka_unit_test(test_logs__open_failure),
        cmocka_unit_test(test_logs__token_parse),
        cmocka_unit_test(test_logs__offset_parse),
        cmocka_unit_test(test_logs__retention_values),
        cmocka_unit_test(test_logs__pattern_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
