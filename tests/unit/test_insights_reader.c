/* test_insights_reader.c — the Insights reader on a real WAL, state.db and object store, with
 * a clock the test moves: each series is judged on its own clock (other APIs' later events do
 * not close its minutes), a backfill that stops ends its insight at the minute after its last
 * event once it has been quiet, a live series follows the wall clock, the events reach the WAL
 * as Insight events and the bucket under CloudTrail-Insight/, a trail without Insights (or
 * with data-event Insights only) counts nothing, and a restart counts no record twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "otest.h"
#include <sqlite3.h>

#include "event/event.h"
#include "insights/insights.h"
#include "store/store.h"
#include "trail/trail.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "wal/wal.h"

#define ACCT "123456789012"
#define BUCKET "ins-bucket"
#define HOUR 60

static _Atomic int64_t fake_now_ms;

static int64_t fake_now(void)
{
    return atomic_load(&fake_now_ms);
}

typedef struct fixture {
    char dir[64];
    char db_path[128];
    ot_wal *wal;
    ot_trail_db *trails;
    ot_store *store;
    ot_insights *in;
    ot_trail t;
    int64_t now_minute;
    uint64_t last_lsn;
    int seq;
} fixture;

static void make_trail(fixture *f, const char *name, bool insights)
{
    ot_trail t = {0};
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.account_id, sizeof t.account_id, ACCT);
    snprintf(t.home_region, sizeof t.home_region, "us-east-1");
    snprintf(t.bucket, sizeof t.bucket, BUCKET);
    t.include_global = true;
    assert_int_equal(ot_trail_arn_make(t.arn, sizeof t.arn, "us-east-1", ACCT, name), 0);
    assert_int_equal(ot_trail_create(f->trails, &t, 5), 0);
    assert_int_equal(ot_trail_set_logging(f->trails, t.arn, true, 1, NULL), 0);
    if (insights)
        assert_int_equal(ot_trail_insights_put(f->trails, t.arn,
                                               "[{\"InsightType\":\"ApiCallRateInsight\"}]"),
                         0);
    if (insights)
        f->t = t;
}

static void start(fixture *f)
{
    ot_insights_opts o = {.wal = f->wal, .store = f->store, .trails = f->trails,
                          .path = f->db_path, .now_ms = fake_now};
    assert_int_equal(ot_insights_start(&o, &f->in), 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "insreader");
    char path[128];
    snprintf(path, sizeof path, "%s/wal", f->dir);
    ot_wal_opts wo = {.dir = path, .no_sync = true};
    ot_wal_recovery rec;
    assert_int_equal(ot_wal_open(&wo, &f->wal, &rec), 0);
    snprintf(path, sizeof path, "%s/state.db", f->dir);
    assert_int_equal(ot_trail_db_open(path, &f->trails), 0);
    snprintf(path, sizeof path, "%s/buckets", f->dir);
    assert_int_equal(ot_store_open_local(path, &f->store), 0);
    assert_int_equal(ot_store_bucket_create(f->store, BUCKET), 0);
    snprintf(f->db_path, sizeof f->db_path, "%s/insights.db", f->dir);
    f->now_minute = 29500000; /* 2026-02-01 */
    atomic_store(&fake_now_ms, f->now_minute * 60000);
    make_trail(f, "watched", true);
    make_trail(f, "plain", false);
    start(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_insights_stop(f->in);
    ot_store_close(f->store);
    ot_trail_db_close(f->trails);
    ot_wal_close(f->wal);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

/* Appends one management write event of name at minute m (second s). */
static void send(fixture *f, const char *name, int64_t m, int s)
{
    char when[32], id[40], json[512];
    ot_time_iso8601(m * 60000 + s * 1000, when);
    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++f->seq);
    int n = snprintf(json, sizeof json,
                     "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\","
                     "\"arn\":\"arn:aws:iam::" ACCT ":user/alice\"},\"eventTime\":\"%s\","
                     "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"%s\","
                     "\"awsRegion\":\"us-east-1\",\"userAgent\":\"unit\",\"eventID\":\"%s\","
                     "\"readOnly\":false,\"eventType\":\"AwsApiCall\","
                     "\"recipientAccountId\":\"" ACCT "\",\"eventCategory\":\"Management\"}",
                     when, name, id);
    ot_event e = {.ingest_ms = 2,
                  .category = OT_CAT_MANAGEMENT,
                  .rw = OT_RW_WRITE,
                  .account_id = ACCT,
                  .region = "us-east-1",
                  .event_source = "ec2.amazonaws.com",
                  .event_name = name,
                  .event_id = id,
                  .channel_arn = "",
                  .json = json,
                  .json_len = (size_t)n,
                  .event_type = "AwsApiCall",
                  .user_arn = "arn:aws:iam::" ACCT ":user/alice",
                  .error_code = ""};
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_event_encode(&e, &b), 0);
    const void *p[] = {b.data};
    size_t len[] = {b.len};
    assert_int_equal(ot_wal_append(f->wal, p, len, 1, &f->last_lsn), 0);
    ot_buf_free(&b);
}

/* Waits until the reader has counted everything appended and went idle at least once more. */
static ot_insights_stats settle(fixture *f)
{
    ot_insights_stats st;
    for (int i = 0; i < 10000; i++) {
        ot_insights_stats_get(f->in, &st);
        if (st.position >= f->last_lsn)
            break;
        usleep(1000);
    }
    assert_true(st.position >= f->last_lsn);
    usleep(1500 * 1000); /* one idle call (every second without records) */
    ot_insights_stats_get(f->in, &st);
    return st;
}

typedef struct found {
    char json[8][2048];
    int n;
} found;

static int collect_insights(void *ctx, uint64_t lsn, const void *p, size_t n)
{
    (void)lsn;
    found *out = ctx;
    ot_event e;
    assert_int_equal(ot_event_decode(p, n, &e), 0);
    if (e.category == OT_CAT_INSIGHT && out->n < 8) {
        assert_string_equal(e.event_name, "RunInstances");
        assert_string_equal(e.event_source, "ec2.amazonaws.com");
        snprintf(out->json[out->n++], sizeof out->json[0], "%.*s", (int)e.json_len, e.json);
    }
    return 0;
}

/* 26 hours of one RunInstances every 10 minutes ending at minute `until` (exclusive), with a
 * CreateTags every minute. */
static void baseline(fixture *f, int64_t from, int64_t until)
{
    for (int64_t m = from; m < until; m++) {
        if (m % 10 == 0)
            send(f, "RunInstances", m, 1);
        send(f, "CreateTags", m, 2);
    }
}

/* Waits until the WAL holds n Insights events (the reader retries; no timing is asserted) and
 * returns them. */
static void wait_events(fixture *f, int n, found *fo)
{
    for (int i = 0; i < 1000; i++) {
        memset(fo, 0, sizeof *fo);
        assert_int_equal(ot_wal_read(f->wal, 1, collect_insights, fo), 0);
        if (fo->n >= n)
            return;
        usleep(10 * 1000);
    }
}

static void expect_times(const found *fo, const char *start, const char *end)
{
    char want[64];
    assert_int_equal(fo->n, end ? 2 : 1);
    snprintf(want, sizeof want, "\"eventTime\":\"%s\"", start);
    assert_non_null(strstr(fo->json[0], want));
    assert_non_null(strstr(fo->json[0], "\"state\":\"Start\""));
    if (end) {
        snprintf(want, sizeof want, "\"eventTime\":\"%s\"", end);
        assert_non_null(strstr(fo->json[1], want));
        assert_non_null(strstr(fo->json[1], "\"state\":\"End\""));
    }
}

static void iso_minute(int64_t m, char out[32])
{
    ot_time_iso8601(m * 60000, out);
}

static void test_insights_reader__backfill_that_stops(void **state)
{
    fixture *f = *state;
    int64_t t0 = f->now_minute - 27 * HOUR, spike = f->now_minute - HOUR;
    baseline(f, t0, spike);
    for (int64_t m = spike; m < spike + 3; m++)
        for (int s = 0; s < 20; s++)
            send(f, "RunInstances", m, s);
    for (int64_t m = spike; m < spike + 10; m++) /* another API goes on: not RunInstances' clock */
        send(f, "CreateTags", m, 30);
    ot_insights_stats st = settle(f);
    assert_int_equal(st.started, 1); /* the Start: RunInstances' own events closed minute spike */
    assert_int_equal(st.ended, 0);   /* its last minutes are not closed by CreateTags */
    found fo = {0};
    assert_int_equal(ot_wal_read(f->wal, 1, collect_insights, &fo), 0);
    char a[32], b[32];
    iso_minute(spike, a);
    expect_times(&fo, a, NULL);
    /* two minutes of wall time without RunInstances: the backfill has caught up */
    atomic_fetch_add(&fake_now_ms, 3 * 60000);
    wait_events(f, 2, &fo);
    iso_minute(spike + 3, b);
    expect_times(&fo, a, b);
    assert_non_null(strstr(fo.json[1], "\"insightDuration\":3"));
    assert_non_null(strstr(fo.json[1], "\"attribute\":\"userAgent\",\"insight\":"
                                       "[{\"value\":\"unit\",\"average\":20}]"));
    /* both in the watched trail's bucket, nothing of the plain trail's */
    ot_list_result r;
    assert_int_equal(ot_store_list(f->store, BUCKET, "AWSLogs/" ACCT "/CloudTrail-Insight/",
                                   NULL, NULL, 1000, &r), 0);
    assert_true(r.nentries >= 1);
    for (size_t i = 0; i < r.nentries; i++)
        assert_non_null(strstr(r.entries[i].key, "_CloudTrail-Insight_us-east-1_"));
    ot_store_list_free(&r);
}

static void test_insights_reader__live_series_follows_the_wall_clock(void **state)
{
    fixture *f = *state;
    int64_t now = f->now_minute;
    baseline(f, now - 26 * HOUR, now - 3);
    for (int64_t m = now - 3; m < now - 1; m++)
        for (int s = 0; s < 25; s++)
            send(f, "RunInstances", m, s);
    ot_insights_stats st = settle(f);
    assert_int_equal(st.started, 0); /* its own clock closed nothing of the spike yet */
    atomic_fetch_add(&fake_now_ms, 3 * 60000); /* quiet; its last event is recent */
    found fo;
    wait_events(f, 2, &fo);
    ot_insights_stats_get(f->in, &st);
    assert_int_equal(st.started + st.ended, 2);
    char a[32], b[32];
    iso_minute(now - 3, a);
    iso_minute(now - 1, b);
    expect_times(&fo, a, b);
}

static int64_t counted(fixture *f)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT coalesce(sum(n), 0) FROM counts", -1, &st,
                                        NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_insights_reader__restart_counts_once(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 30; i++)
        send(f, "CreateTags", f->now_minute - 5, i);
    settle(f);
    /* one trail watches (the plain one counts nothing): 30 calls */
    assert_int_equal(counted(f), 30);
    ot_insights_stop(f->in);
    f->in = NULL;
    for (int i = 0; i < 12; i++)
        send(f, "CreateTags", f->now_minute - 4, i);
    start(f);
    settle(f);
    assert_int_equal(counted(f), 42);
    /* Insights on data events only (not computed): nothing more is counted; with Management
     * among the categories it is again; Insights off: nothing more */
    const char *const selectors[] = {
        "[{\"InsightType\":\"ApiCallRateInsight\",\"EventCategories\":[\"Data\"]}]",
        "[{\"InsightType\":\"ApiCallRateInsight\","
        "\"EventCategories\":[\"Data\",\"Management\"]}]",
        NULL,
    };
    const int64_t want[] = {42, 43, 43};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ot_trail_insights_put(f->trails, f->t.arn, selectors[i]), 0);
        send(f, "CreateTags", f->now_minute - 4, 50 + i);
        settle(f);
        assert_int_equal(counted(f), want[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insights_reader__backfill_that_stops, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_insights_reader__live_series_follows_the_wall_clock,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_insights_reader__restart_counts_once, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
