/* test_faults_deliver.c — injected I/O faults while delivery writes a log file.
 *
 * Delivery runs in-process over a real WAL, a real local object store and a real state.db file;
 * only the trail list and the clock are the test's. The store's syscalls go through ot_sys, which
 * the test swaps (fault_sys.h) to fail the fsync of the log file or to cut its write short on a
 * filling disk. Each time: the error is reported (LatestDeliveryError, put_failures), no
 * partial object appears, the intent stays pending and the WAL keeps its records; once the
 * fault clears — in the same run or after a restart — the same file appears, complete.
 *
 * Written against ot_deliver_start_opts as it is at the time of writing. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zlib.h>

#include "deliver/deliver_int.h"
#include "fault_sys.h"
#include "otest.h"
#include "store/store.h"
#include "util/err.h"
#include "wal/wal.h"
#include "wal/wal_cursor.h"

#define ACCT "111122223333"
#define ARN "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/t1"
#define BUCKET "logs-t1"
#define SEAL_MS 1438395000000LL
#define NEVENTS 40

typedef struct env {
    char dir[64];
    pthread_mutex_t mu;
    ot_wal *wal;
    ot_wal_cursor *cur;
    ot_store *store;
    sqlite3 *db;
    ot_trail trail;
    int puts_failed;
    char last_error[600];
} env;

static int e_open(void *ctx, uint64_t floor)
{
    env *e = ctx;
    return ot_wal_cursor_open(e->wal, OT_DELIVER_CURSOR, floor, &e->cur);
}

static int e_next(void *ctx, size_t max, ot_wal_visitor fn, void *vctx)
{
    return ot_wal_cursor_read(((env *)ctx)->cur, max, fn, vctx);
}

static int e_wait(void *ctx, int timeout_ms)
{
    return ot_wal_cursor_wait(((env *)ctx)->cur, timeout_ms);
}

static void e_wake(void *ctx)
{
    env *e = ctx;
    if (e->cur)
        ot_wal_cursor_wake(e->cur);
}

static int e_commit(void *ctx, uint64_t floor)
{
    return ot_wal_cursor_commit(((env *)ctx)->cur, floor);
}

static int e_read(void *ctx, uint64_t from, ot_wal_visitor fn, void *vctx)
{
    return ot_wal_read(((env *)ctx)->wal, from, fn, vctx);
}

static void e_close(void *ctx)
{
    env *e = ctx;
    ot_wal_cursor_close(e->cur);
    e->cur = NULL;
}

static int e_put(void *ctx, const char *bucket, const char *key, const void *data, size_t len)
{
    env *e = ctx;
    int rc = ot_store_put(e->store, bucket, key, data, len, NULL);
    pthread_mutex_lock(&e->mu);
    e->puts_failed += rc != OT_OK;
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static int e_list(void *ctx, ot_trail **out, size_t *n)
{
    *out = malloc(sizeof **out);
    **out = ((env *)ctx)->trail;
    *n = 1;
    return OT_OK;
}

static int e_get(void *ctx, const char *arn, ot_trail *out)
{
    if (strcmp(arn, ARN))
        return OT_ENOTFOUND;
    *out = ((env *)ctx)->trail;
    return OT_OK;
}

static int e_chan(void *ctx, const char *arn, char ***trails, size_t *n)
{
    *trails = NULL;
    *n = 0;
    return OT_ENOTFOUND;
}

static int e_note(void *ctx, const char *arn, int64_t ms, const char *error)
{
    env *e = ctx;
    pthread_mutex_lock(&e->mu);
    snprintf(e->last_error, sizeof e->last_error, "%s", error ? error : "");
    pthread_mutex_unlock(&e->mu);
    return OT_OK;
}

static int e_db(void *ctx, int (*fn)(struct sqlite3 *, void *), void *fctx)
{
    env *e = ctx;
    pthread_mutex_lock(&e->mu);
    int rc = fn(e->db, fctx);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static int64_t e_now(void *ctx) { return SEAL_MS; }

static ot_deliver_opts opts_of(env *e)
{
    ot_deliver_opts o = {0};
    o.env = (ot_deliver_env){.ctx = e,
                             .wal_open = e_open,
                             .wal_next = e_next,
                             .wal_wait = e_wait,
                             .wal_wake = e_wake,
                             .wal_commit = e_commit,
                             .wal_read = e_read,
                             .close = e_close,
                             .put = e_put,
                             .list_logging = e_list,
                             .get_trail = e_get,
                             .channel_trails = e_chan,
                             .note_delivery = e_note,
                             .db_with = e_db,
                             .now_ms = e_now};
    o.interval_ms = 3600 * 1000;
    o.max_bytes = 1 << 20;
    o.retry_base_ms = 20;
    o.retry_max_ms = 50;
    o.quarantine_after = 1 << 20; /* a transient fault is retried, never quarantined here */
    snprintf(o.quarantine_dir, sizeof o.quarantine_dir, "%s/quarantine", e->dir);
    return o;
}

static void open_all(env *e)
{
    char path[128];
    snprintf(path, sizeof path, "%s/wal", e->dir);
    ot_wal_opts wo = {.dir = path, .segment_bytes = 2048};
    ot_wal_recovery rec;
    assert_int_equal(ot_wal_open(&wo, &e->wal, &rec), 0);
    /* Delivery's cursor file exists before any fault is armed (the faults are for the log
     * file's writes, not for the cursor's creation). */
    ot_wal_cursor *c;
    assert_int_equal(ot_wal_cursor_open(e->wal, OT_DELIVER_CURSOR, 0, &c), 0);
    ot_wal_cursor_close(c);
    snprintf(path, sizeof path, "%s/state.db", e->dir);
    assert_int_equal(sqlite3_open(path, &e->db), SQLITE_OK);
    snprintf(path, sizeof path, "%s/buckets", e->dir);
    assert_int_equal(ot_store_open_local(path, &e->store), 0);
}

static void close_all(env *e)
{
    ot_wal_close(e->wal);
    sqlite3_close(e->db);
    ot_store_close(e->store);
}

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    otest_tmpdir(e->dir, sizeof e->dir, "faults-deliver");
    pthread_mutex_init(&e->mu, NULL);
    snprintf(e->trail.arn, sizeof e->trail.arn, ARN);
    snprintf(e->trail.name, sizeof e->trail.name, "t1");
    snprintf(e->trail.account_id, sizeof e->trail.account_id, ACCT);
    snprintf(e->trail.home_region, sizeof e->trail.home_region, "us-east-1");
    snprintf(e->trail.bucket, sizeof e->trail.bucket, BUCKET);
    e->trail.include_global = true;
    e->trail.logging = true;
    e->trail.start_logging_ms = 1000;
    open_all(e);
    assert_int_equal(ot_store_bucket_create(e->store, BUCKET), 0);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    fault_clear();
    close_all(e);
    otest_rmrf(e->dir);
    pthread_mutex_destroy(&e->mu);
    free(e);
    return 0;
}

/* Appends events 1..NEVENTS (durably: no fault is armed yet). */
static void append_events(env *e)
{
    for (int i = 1; i <= NEVENTS; i++) {
        char id[40], json[256];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
        snprintf(json, sizeof json,
                 "{\"eventVersion\":\"1.11\",\"eventSource\":\"ec2.amazonaws.com\","
                 "\"eventName\":\"Op\",\"awsRegion\":\"us-east-1\",\"eventID\":\"%s\","
                 "\"recipientAccountId\":\"" ACCT "\",\"seq\":%d}", id, i);
        ot_event ev = {.ingest_ms = 5000 + i, .category = OT_CAT_MANAGEMENT, .rw = OT_RW_WRITE,
                       .account_id = ACCT, .region = "us-east-1",
                       .event_source = "ec2.amazonaws.com", .event_name = "Op", .event_id = id,
                       .channel_arn = "", .json = json, .json_len = strlen(json)};
        ot_buf b;
        ot_buf_init(&b, 0);
        assert_int_equal(ot_event_encode(&ev, &b), 0);
        const void *p[1] = {b.data};
        size_t n[1] = {b.len};
        assert_int_equal(ot_wal_append(e->wal, p, n, 1, NULL), 0);
        ot_buf_free(&b);
    }
}

static int64_t pending_intents(env *e)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&e->mu);
    assert_int_equal(sqlite3_prepare_v2(e->db, "SELECT count(*) FROM deliver_intent"
                                        " WHERE done = 0", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&e->mu);
    return n;
}

static int first_visit(void *ctx, uint64_t lsn, const void *p, size_t n)
{
    *(uint64_t *)ctx = lsn;
    return 1;
}

static uint64_t wal_first(env *e)
{
    uint64_t first = 0;
    ot_wal_read(e->wal, 1, first_visit, &first);
    return first;
}

/* The bucket's objects: how many, and the "seq" of every record in them, in order. */
static size_t delivered(env *e, int *seqs, size_t max)
{
    ot_list_result r;
    size_t n = 0;
    assert_int_equal(ot_store_list(e->store, BUCKET, "", NULL, "", 1000, &r), 0);
    for (size_t i = 0; i < r.nentries; i++) {
        void *gz;
        size_t len;
        assert_int_equal(ot_store_get(e->store, BUCKET, r.entries[i].key, &gz, &len), 0);
        char json[16384];
        z_stream zs = {0};
        assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
        zs.next_in = gz;
        zs.avail_in = (uInt)len;
        zs.next_out = (Bytef *)json;
        zs.avail_out = sizeof json - 1;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END); /* a whole gzip file */
        json[sizeof json - 1 - zs.avail_out] = '\0';
        inflateEnd(&zs);
        free(gz);
        for (const char *p = json; (p = strstr(p, "\"seq\":")) != NULL; p += 6) {
            assert_true(n < max);
            seqs[n++] = atoi(p + 6);
        }
    }
    size_t files = r.nentries;
    ot_store_list_free(&r);
    return files ? n : 0;
}

static size_t files_in(env *e, const char *sub)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "find '%s/%s' -type f | wc -l", e->dir, sub);
    FILE *p = popen(cmd, "r");
    int n = -1;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return (size_t)n;
}

/* While the fault lasts: reported, nothing visible, nothing released. */
static void assert_failing(env *e, ot_deliver *d, const char *why)
{
    int seqs[NEVENTS + 1];
    assert_true(e->puts_failed > 0);
    pthread_mutex_lock(&e->mu);
    assert_non_null(strstr(e->last_error, why));
    pthread_mutex_unlock(&e->mu);
    ot_deliver_stats st;
    assert_int_equal(ot_deliver_stats_get(d, &st), 0);
    assert_true(st.put_failures > 0);
    assert_int_equal(st.files_written, 0);
    ot_deliver_stats_free(&st);
    assert_int_equal(delivered(e, seqs, NEVENTS), 0);
    assert_int_equal(files_in(e, "buckets/.tmp"), 0); /* no partial file left either */
    assert_int_equal(files_in(e, "buckets/" BUCKET), 0);
    assert_int_equal(pending_intents(e), 1);
    assert_int_equal(wal_first(e), 1); /* the records stay until their file is durable */
}

/* The one log file holds every event once, in order, and the intent is done. */
static void assert_complete(env *e)
{
    int seqs[NEVENTS + 1];
    for (int i = 0; i < 500 && pending_intents(e) > 0; i++)
        usleep(10000);
    assert_int_equal(pending_intents(e), 0);
    assert_int_equal(files_in(e, "buckets/" BUCKET), 1);
    assert_int_equal(delivered(e, seqs, NEVENTS), NEVENTS);
    for (int i = 0; i < NEVENTS; i++)
        assert_int_equal(seqs[i], i + 1);
    assert_int_equal(files_in(e, "buckets/.tmp"), 0);
}

/* Appends the events, then arms the fault (fsync_from / short_at as in fault_sys.h) and has
 * delivery write them; restart stops delivery while it fails and starts it again. */
static void run_fault(env *e, int fsync_from, int short_at, const char *why, bool restart)
{
    ot_deliver_opts o = opts_of(e);
    ot_deliver *d;
    append_events(e);
    fault_arm();
    fault.fsync_fail_from = fsync_from;
    fault.write_short_at = short_at;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    ot_deliver_flush_trail(d, ARN); /* seals; the put fails */
    usleep(100000);                 /* a few retries, all failing */
    assert_failing(e, d, why);
    assert_true(fsync_from < 0 || fault.syncs > 1);   /* the fault was hit, more than once */
    assert_true(short_at < 0 || fault.writes > 2);
    fault_clear();
    if (restart) { /* stopped while failing: the next start redoes the intent */
        ot_deliver_stop(d);
        close_all(e);
        open_all(e);
        assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    }
    assert_complete(e);
    ot_deliver_stop(d);
}

static void test_faults_deliver__fsync_fails(void **state)
{
    run_fault(*state, 0, -1, "I/O error", false);
}

static void test_faults_deliver__short_write_disk_full(void **state)
{
    run_fault(*state, -1, 0, "temporarily unavailable", false);
}

static void test_faults_deliver__fsync_fails_then_restart(void **state)
{
    run_fault(*state, 0, -1, "I/O error", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_faults_deliver__fsync_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_deliver__short_write_disk_full, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_faults_deliver__fsync_fails_then_restart, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
