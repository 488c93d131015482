/* test_insights_series.c — ot_insights_series_read over an insights.db filled through the
 * reader's own writes: per-period sums aligned to the epoch, [from, to) bounds, the limit, one
 * series per (type, source, name, errorCode), the account, region and trail owner scoping, a
 * minute counted by two trails counted once, one trail asked for, and a missing file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "insights/insights_int.h"
#include "util/err.h"

#define ACCT "123456789012"
#define OTHER "999999999999"
#define TRAIL_A "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/a"
#define TRAIL_B "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/b"
#define TRAIL_OTHER "arn:aws:cloudtrail:us-east-1:" OTHER ":trail/o"
#define M0 29500020 /* a minute on an hour (29500020 % 60 == 0) */

typedef struct fixture {
    char dir[64], path[128];
    ins_db db;
} fixture;

/* n calls of a series at minute m. */
static void count(fixture *f, const char *trail, const char *account, const char *region,
                  int type, const char *name, const char *error, int64_t m, uint64_t n)
{
    ins_series s = {.type = type, .clock = m, .touched_ms = 1};
    snprintf(s.trail, sizeof s.trail, "%s", trail);
    snprintf(s.account, sizeof s.account, "%s", account);
    snprintf(s.region, sizeof s.region, "%s", region);
    snprintf(s.source, sizeof s.source, "ec2.amazonaws.com");
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.error, sizeof s.error, "%s", error);
    int64_t id;
    assert_int_equal(ins_db_series(&f->db, &s, &id), OT_OK);
    assert_int_equal(ins_db_count_add(&f->db, id, m, n), OT_OK);
}

static void calls(fixture *f, const char *trail, int64_t m, uint64_t n)
{
    count(f, trail, ACCT, "us-east-1", OT_INSIGHT_CALL_RATE, "RunInstances", "", m, n);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "insseries");
    snprintf(f->path, sizeof f->path, "%s/insights.db", f->dir);
    assert_int_equal(ins_db_open(f->path, &f->db), OT_OK);
    calls(f, TRAIL_A, M0, 3);
    calls(f, TRAIL_A, M0 + 2, 5);
    calls(f, TRAIL_A, M0 + 61, 2);
    calls(f, TRAIL_B, M0 + 2, 5);   /* the same calls, counted by a second trail */
    calls(f, TRAIL_B, M0 + 130, 4); /* counted by b alone */
    count(f, TRAIL_A, ACCT, "us-east-1", OT_INSIGHT_ERROR_RATE, "RunInstances", "Denied",
          M0 + 1, 7);
    count(f, TRAIL_A, ACCT, "us-west-2", OT_INSIGHT_CALL_RATE, "RunInstances", "", M0, 11);
    count(f, TRAIL_A, OTHER, "us-east-1", OT_INSIGHT_CALL_RATE, "RunInstances", "", M0, 13);
    count(f, TRAIL_OTHER, ACCT, "us-east-1", OT_INSIGHT_CALL_RATE, "RunInstances", "", M0, 17);
    count(f, TRAIL_A, ACCT, "us-east-1", OT_INSIGHT_CALL_RATE, "CreateTags", "", M0, 19);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ins_db_close(&f->db);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static ot_insights_query query(int64_t from, int64_t to, int64_t period)
{
    return (ot_insights_query){.account = ACCT, .region = "us-east-1",
                               .type = OT_INSIGHT_CALL_RATE, .source = "ec2.amazonaws.com",
                               .name = "RunInstances", .error = "", .from_minute = from,
                               .to_minute = to, .period_min = period};
}

/* Reads q into "minute-offset:calls ..." for comparison. */
static void read_as_text(fixture *f, const ot_insights_query *q, size_t max, char *out,
                         size_t cap)
{
    ot_insights_point *p;
    size_t n;
    assert_int_equal(ot_insights_series_read(f->path, q, max, &p, &n), OT_OK);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%lld:%llu", i ? " " : "",
                                (long long)(p[i].minute - M0), (unsigned long long)p[i].calls);
    free(p);
}

static void test_insights_series__periods_and_bounds(void **state)
{
    fixture *f = *state;
    char got[256];
    ot_insights_query q = query(M0, M0 + 180, 1);
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "0:3 2:5 61:2 130:4");
    q.period_min = 60;
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "0:8 60:2 120:4");
    q.period_min = 5;
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "0:8 60:2 130:4");
    q = query(M0 + 2, M0 + 61, 1); /* from inclusive, to exclusive */
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "2:5");
    q = query(M0, M0 + 180, 1);
    read_as_text(f, &q, 2, got, sizeof got);
    assert_string_equal(got, "0:3 2:5");
}

static void test_insights_series__scopes(void **state)
{
    fixture *f = *state;
    char got[256];
    ot_insights_query q = query(M0, M0 + 180, 1);
    q.trail = TRAIL_A;
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "0:3 2:5 61:2");
    q.trail = TRAIL_B;
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "2:5 130:4");
    q.trail = TRAIL_OTHER; /* another account's trail: never the caller's counts */
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "");
    q = query(M0, M0 + 180, 1);
    q.region = "us-west-2";
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "0:11");
    q = query(M0, M0 + 180, 1);
    q.account = OTHER; /* counts of its events, but on a trail it does not own */
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "");
    q = query(M0, M0 + 180, 1);
    q.type = OT_INSIGHT_ERROR_RATE;
    q.error = "Denied";
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "1:7");
    q.error = "Throttling";
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "");
    q = query(M0, M0 + 180, 1);
    q.name = "CreateTags";
    read_as_text(f, &q, 100, got, sizeof got);
    assert_string_equal(got, "0:19");
}

static void test_insights_series__no_file_no_data(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/none.db", f->dir);
    ot_insights_query q = query(M0, M0 + 180, 1);
    ot_insights_point *p = (ot_insights_point *)1;
    size_t n = 9;
    assert_int_equal(ot_insights_series_read(path, &q, 100, &p, &n), OT_OK);
    assert_null(p);
    assert_int_equal(n, 0);
    FILE *fp = fopen(path, "rb"); /* and it is not created */
    assert_null(fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insights_series__periods_and_bounds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_insights_series__scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insights_series__no_file_no_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
