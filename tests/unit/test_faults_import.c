/* test_faults_import.c — injected I/O faults while the importer writes a history segment.
 *
 * The segment writer's writes and syncs go through ot_sys, which the test swaps (fault_sys.h):
 * the file's fsync fails, its directory's fsync fails, or a write is cut short on a filling
 * disk. Each time the import reports the error, no event of it becomes visible (the segment is
 * never registered) and its file is removed; once the fault clears, importing the same file
 * again gives every event exactly once, in segments that are all registered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault_sys.h"
#include "history/history.h"
#include "history/import.h"
#include "otest.h"
#include "util/err.h"

#define NEV 2000
#define FIRST 100 /* imported before the fault, so the segment directory exists */

static char g_dir[64];

/* Writes events [from, to) as NDJSON to dir/name. */
static void write_events(const char *name, int from, int to, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = from; i < to; i++)
        fprintf(f, "{\"eventVersion\":\"1.09\",\"eventTime\":\"2024-03-01T10:%02d:%02dZ\","
                   "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\","
                   "\"awsRegion\":\"us-east-1\",\"eventID\":\"ev-%05d\",\"n\":%d}\n",
                i / 60 % 60, i % 60, i, i);
    fclose(f);
}

static int import_file(ot_history *h, const char *path, ot_import_stats *s)
{
    ot_import *im = NULL;
    char err[256];
    ot_import_opts io = {.threads = 1};
    assert_int_equal(ot_import_new(path, &io, &im, err, sizeof err), 0);
    int rc = ot_import_run(im, h);
    ot_import_stats_get(im, s);
    ot_import_free(im);
    return rc;
}

static int64_t count(ot_history *h)
{
    int64_t n = -1;
    assert_int_equal(ot_history_count(h, &n), 0);
    return n;
}

static int on_hit(void *ctx, const ot_history_hit *e)
{
    unsigned char *seen = ctx;
    int i = atoi(e->event_id + 3);
    assert_true(i >= 0 && i < NEV);
    assert_int_equal(seen[i], 0); /* every event once */
    seen[i] = 1;
    return 0;
}

/* Pages through everything: each of events [0, n) exactly once, nothing else. */
static void assert_events(ot_history *h, int n)
{
    unsigned char seen[NEV] = {0};
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .cat = 0, .limit = 50};
    ot_history_cursor cur;
    bool more = true;
    while (more) {
        assert_int_equal(ot_history_query_run(h, &q, on_hit, seen, &more, &cur), 0);
        q.after = &cur;
    }
    for (int i = 0; i < NEV; i++)
        assert_int_equal(seen[i], i < n);
    assert_int_equal(count(h), n);
}

/* Segment files on disk. */
static int seg_files(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls '%s/data/history-segments' | grep -c '\\.ots$'", g_dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

static int setup(void **state)
{
    otest_tmpdir(g_dir, sizeof g_dir, "faults-import");
    char path[128];
    snprintf(path, sizeof path, "%s/data", g_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    ot_history *h = NULL;
    snprintf(path, sizeof path, "%s/data/history.db", g_dir);
    assert_int_equal(ot_history_open(path, NULL, &h), 0);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    fault_clear();
    ot_history_close(*state);
    otest_rmrf(g_dir);
    return 0;
}

/* FIRST events go in cleanly; the whole file then fails under the fault armed by arm, and
 * succeeds after it clears. */
static void run_fault(ot_history *h, int fsync_from, int short_at)
{
    char first[128], all[128];
    ot_import_stats s;
    write_events("first.ndjson", 0, FIRST, first, sizeof first);
    write_events("all.ndjson", 0, NEV, all, sizeof all);
    assert_int_equal(import_file(h, first, &s), 0);
    assert_int_equal(seg_files(), 1);

    fault_arm();
    fault.fsync_fail_from = fsync_from;
    fault.write_short_at = short_at;
    assert_int_equal(import_file(h, all, &s), OT_EIO); /* reported */
    assert_true(fsync_from < 0 || fault.syncs > fsync_from);
    assert_true(short_at < 0 || fault.writes > short_at + 1);
    fault_clear();
    assert_events(h, FIRST); /* nothing of the failed import is visible */
    assert_int_equal(seg_files(), 1); /* and its file is gone */

    assert_int_equal(import_file(h, all, &s), 0);
    assert_int_equal(s.imported, NEV - FIRST);
    assert_int_equal(s.duplicates, FIRST);
    assert_events(h, NEV);
    assert_int_equal(seg_files(), 2);
}

static void test_faults_import__file_fsync_fails(void **state) { run_fault(*state, 0, -1); }

/* The file syncs, the directory that names it does not: still not registered. */
static void test_faults_import__dir_fsync_fails(void **state) { run_fault(*state, 1, -1); }

static void test_faults_import__short_write_disk_full(void **state) { run_fault(*state, -1, 0); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_faults_import__file_fsync_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_import__dir_fsync_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_import__short_write_disk_full, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
