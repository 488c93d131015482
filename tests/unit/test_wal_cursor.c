/* test_wal_cursor.c — named WAL readers: positions that survive restarts and kill -9, readers
 * at different speeds, segments held by a stalled reader and freed by retiring it, lag, and a
 * reader written in a few lines through the runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "otest.h"
#include "util/err.h"
#include "wal/wal.h"
#include "wal/wal_cursor.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    otest_tmpdir(g_dir, sizeof g_dir, "walcur");
    strcat(g_dir, "/wal");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    *strrchr(g_dir, '/') = '\0';
    otest_rmrf(g_dir);
    return 0;
}

static ot_wal *open_wal(uint64_t segment_bytes)
{
    ot_wal_opts o = {.dir = g_dir, .segment_bytes = segment_bytes, .no_sync = true};
    ot_wal *w = NULL;
    ot_wal_recovery rec;
    int rc = ot_wal_open(&o, &w, &rec);
    if (rc)
        fail_msg("ot_wal_open: %s (%s)", ot_strerror(rc), rec.detail);
    return w;
}

/* Record n's payload is "rec-<n>" padded, so a reader can check it got the right one. */
static void append_n(ot_wal *w, uint64_t from, uint64_t to)
{
    for (uint64_t t = from; t <= to; t++) {
        char buf[128];
        size_t len = (size_t)snprintf(buf, sizeof buf, "rec-%" PRIu64 "-", t);
        memset(buf + len, 'x', 40);
        len += 40;
        const void *ps[1] = {buf};
        uint64_t lsn;
        assert_int_equal(ot_wal_append(w, ps, &len, 1, &lsn), OT_OK);
        assert_int_equal(lsn, t);
    }
}

static uint64_t tag_of(const void *p, size_t len)
{
    char buf[32] = {0};
    memcpy(buf, p, len < sizeof buf - 1 ? len : sizeof buf - 1);
    uint64_t t = 0;
    sscanf(buf, "rec-%" SCNu64 "-", &t);
    return t;
}

static size_t count_segments(void)
{
    DIR *d = opendir(g_dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".wal") != NULL;
    closedir(d);
    return n;
}

typedef struct seen {
    uint64_t last, n, bad;
} seen;

/* Checks that records come in order, one after the other, with the right payload. */
static int check_visit(void *ctx, uint64_t lsn, const void *p, size_t len)
{
    seen *s = ctx;
    if ((s->last && lsn != s->last + 1) || tag_of(p, len) != lsn)
        s->bad++;
    s->last = lsn;
    s->n++;
    return 0;
}

/* ---- positions ---- */

static void test_cursor_resumes_where_committed(void **state)
{
    (void)state;
    ot_wal *w = open_wal(4096);
    append_n(w, 1, 300);
    ot_wal_cursor *c;
    assert_int_equal(ot_wal_cursor_open(w, "a", 0, &c), OT_OK);
    assert_int_equal(ot_wal_cursor_open(w, "a", 0, &(ot_wal_cursor *){NULL}), OT_EEXIST);
    seen s = {0};
    assert_int_equal(ot_wal_cursor_read(c, 100, check_visit, &s), 100);
    assert_int_equal(ot_wal_cursor_read(c, 1000, check_visit, &s), 200);
    assert_int_equal(s.n, 300);
    assert_int_equal(s.bad, 0);
    assert_int_equal(ot_wal_cursor_read(c, 1000, check_visit, &s), 0); /* nothing more */
    assert_int_equal(ot_wal_cursor_commit(c, 120), OT_OK);
    assert_int_equal(ot_wal_cursor_commit(c, 400), OT_EINVAL); /* not durable */
    /* a reader that failed reads the same records again from its commit */
    ot_wal_cursor_seek(c, 1);
    s = (seen){.last = 120};
    assert_int_equal(ot_wal_cursor_read(c, 10, check_visit, &s), 10);
    assert_int_equal(s.last, 130);
    ot_wal_cursor_close(c);
    ot_wal_close(w);

    w = open_wal(4096);
    assert_int_equal(ot_wal_cursor_open(w, "a", 0, &c), OT_OK);
    assert_int_equal(ot_wal_cursor_committed(c), 120);
    s = (seen){.last = 120};
    assert_int_equal(ot_wal_cursor_read(c, 1000, check_visit, &s), 180);
    assert_int_equal(s.bad, 0);
    ot_wal_cursor_close(c);
    /* the reader's own checkpoint wins when it is ahead of the file (a crash between the
     * reader's commit and the cursor's) */
    assert_int_equal(ot_wal_cursor_open(w, "a", 250, &c), OT_OK);
    assert_int_equal(ot_wal_cursor_committed(c), 250);
    s = (seen){.last = 250};
    assert_int_equal(ot_wal_cursor_read(c, 1000, check_visit, &s), 50);
    assert_int_equal(s.bad, 0);
    ot_wal_cursor_close(c);
    ot_wal_close(w);
}

static void test_cursor_names(void **state)
{
    (void)state;
    assert_true(ot_wal_cursor_name_ok("history"));
    assert_true(ot_wal_cursor_name_ok("metric_filters-2"));
    assert_false(ot_wal_cursor_name_ok(""));
    assert_false(ot_wal_cursor_name_ok("../x"));
    assert_false(ot_wal_cursor_name_ok("Upper"));
    assert_false(ot_wal_cursor_name_ok("a.tmp"));
    assert_false(ot_wal_cursor_name_ok("a23456789012345678901234567890123"));
    ot_wal *w = open_wal(0);
    ot_wal_cursor *c;
    assert_int_equal(ot_wal_cursor_open(w, "no/slash", 0, &c), OT_EINVAL);
    ot_wal_close(w);
}

/* ---- waking ---- */

typedef struct later {
    ot_wal *w;
    ot_wal_cursor *c; /* wake this one instead of appending, if set */
} later;

static void *append_later(void *arg)
{
    later *l = arg;
    usleep(50000);
    if (l->c)
        ot_wal_cursor_wake(l->c);
    else
        append_n(l->w, 1, 1);
    return NULL;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_wait_is_woken(void **state)
{
    (void)state;
    ot_wal *w = open_wal(0);
    ot_wal_cursor *c;
    assert_int_equal(ot_wal_cursor_open(w, "waiter", 0, &c), OT_OK);
    assert_int_equal(ot_wal_cursor_wait(c, 20), 0); /* nothing: times out */
    pthread_t th;
    later l = {w, NULL};
    int64_t t0 = mono_ms();
    assert_int_equal(pthread_create(&th, NULL, append_later, &l), 0);
    assert_int_equal(ot_wal_cursor_wait(c, 10000), 1); /* the group commit wakes it */
    assert_true(mono_ms() - t0 < 5000);
    pthread_join(th, NULL);
    seen s = {0};
    assert_int_equal(ot_wal_cursor_read(c, 10, check_visit, &s), 1);
    l.c = c; /* now a wake without records */
    t0 = mono_ms();
    assert_int_equal(pthread_create(&th, NULL, append_later, &l), 0);
    assert_int_equal(ot_wal_cursor_wait(c, 10000), 0);
    assert_true(mono_ms() - t0 < 5000);
    pthread_join(th, NULL);
    ot_wal_cursor_wake(c); /* a wake before the wait is not lost */
    t0 = mono_ms();
    assert_int_equal(ot_wal_cursor_wait(c, 10000), 0);
    assert_true(mono_ms() - t0 < 5000);
    ot_wal_cursor_close(c);
    ot_wal_close(w);
}

/* ---- stalled and retired readers ---- */

static void test_stalled_reader_holds_segments_retired_frees(void **state)
{
    (void)state;
    ot_wal *w = open_wal(2048);
    ot_wal_cursor *fast, *slow;
    assert_int_equal(ot_wal_cursor_open(w, "fast", 0, &fast), OT_OK);
    assert_int_equal(ot_wal_cursor_open(w, "slow", 0, &slow), OT_OK);
    append_n(w, 1, 200);
    size_t segs = count_segments();
    assert_true(segs > 5);
    seen s = {0};
    assert_int_equal(ot_wal_cursor_read(fast, 1000, check_visit, &s), 200);
    assert_int_equal(ot_wal_cursor_commit(fast, 200), OT_OK);
    assert_int_equal(count_segments(), segs); /* slow holds them all */
    ot_wal_cursor_info a, b;
    assert_int_equal(ot_wal_cursor_info_get(slow, &a), OT_OK);
    assert_int_equal(a.lag_records, 200);
    usleep(30000);
    append_n(w, 201, 260);
    assert_int_equal(ot_wal_cursor_info_get(slow, &b), OT_OK);
    assert_int_equal(b.lag_records, 260);   /* growing in records ... */
    assert_true(b.lag_seconds >= 0.03);      /* ... and in seconds */
    assert_true(b.lag_seconds > a.lag_seconds);
    ot_wal_cursor_info_get(fast, &a);
    assert_int_equal(a.lag_records, 60);

    /* the list shows both */
    ot_wal_cursor_info *v;
    size_t n;
    assert_int_equal(ot_wal_cursors_list(w, &v, &n), OT_OK);
    assert_int_equal(n, 2);
    free(v);

    /* closing does not free anything; retiring does */
    ot_wal_cursor_close(slow);
    assert_int_equal(ot_wal_cursor_commit(fast, 210), OT_OK);
    assert_true(count_segments() >= segs);
    assert_int_equal(ot_wal_cursor_retire(w, "fast"), OT_EEXIST); /* open */
    assert_int_equal(ot_wal_cursor_retire(w, "slow"), OT_OK);
    assert_int_equal(ot_wal_cursor_retire(w, "slow"), OT_ENOTFOUND);
    assert_int_equal(ot_wal_cursor_commit(fast, 260), OT_OK);
    assert_true(count_segments() <= 2);
    ot_wal_cursor_close(fast);
    ot_wal_close(w);

    /* after a restart the retired cursor stays gone; the listing from disk has the other */
    assert_int_equal(ot_wal_cursors_list_dir(g_dir, 260, &v, &n), OT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "fast");
    assert_int_equal(v[0].committed, 260);
    assert_int_equal(v[0].lag_records, 0);
    free(v);
}

static void test_reserved_cursor_holds_segments(void **state)
{
    (void)state;
    ot_wal *w = open_wal(2048);
    append_n(w, 1, 100);
    assert_int_equal(ot_wal_cursor_reserve(w, "later"), OT_OK);
    ot_wal_cursor *c;
    assert_int_equal(ot_wal_cursor_open(w, "now", 0, &c), OT_OK);
    size_t segs = count_segments();
    assert_int_equal(ot_wal_cursor_commit(c, 100), OT_OK);
    assert_int_equal(count_segments(), segs);
    ot_wal_cursor *l;
    assert_int_equal(ot_wal_cursor_open(w, "later", 90, &l), OT_OK);
    assert_int_equal(ot_wal_cursor_committed(l), 90);
    assert_true(count_segments() < segs); /* opening at 90 let the segments below go */
    ot_wal_cursor_close(l);
    ot_wal_cursor_close(c);
    ot_wal_close(w);
}

/* ---- the runner: three readers at different speeds ---- */

typedef struct counter {
    pthread_mutex_t mu;
    uint64_t n, last, bad;
    int delay_us;   /* per batch: the slow readers */
    int fail_every; /* every n-th batch fails once (read again) */
    int batches;
} counter;

static int count_batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    counter *c = ctx;
    if (c->delay_us)
        usleep((useconds_t)c->delay_us);
    pthread_mutex_lock(&c->mu);
    int fail = c->fail_every && ++c->batches % c->fail_every == 0;
    for (size_t i = 0; i < n && !fail; i++) {
        if (recs[i].lsn != c->last + 1 || tag_of(recs[i].payload, recs[i].len) != recs[i].lsn)
            c->bad++;
        c->last = recs[i].lsn;
        c->n++;
    }
    pthread_mutex_unlock(&c->mu);
    return fail ? OT_EIO : 0;
}

static uint64_t counted(counter *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t n = c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* Read under the log's lock: the reader's thread commits. */
static uint64_t committed_of(ot_wal *w, const char *name)
{
    ot_wal_cursor_info *v;
    size_t n;
    uint64_t at = 0;
    assert_int_equal(ot_wal_cursors_list(w, &v, &n), OT_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            at = v[i].committed;
    free(v);
    return at;
}

/* The niceness a reader's batches run at, seen from inside a batch. */
typedef struct nice_seen {
    _Atomic int nice; /* INT_MIN until a batch ran */
} nice_seen;

static int nice_batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    (void)recs, (void)n;
    nice_seen *s = ctx;
    errno = 0;
    atomic_store(&s->nice, getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)));
    return 0;
}

/* def.nice lowers the reader thread's CPU priority by that much, and that thread's alone. */
static void test_reader_nice(void **state)
{
    (void)state;
    ot_wal *w = open_wal(8192);
    int mine = getpriority(PRIO_PROCESS, 0);
    nice_seen s = {INT_MIN};
    ot_wal_reader_def def = {.name = "polite", .batch = nice_batch, .ctx = &s, .nice = 5};
    ot_wal_reader *r;
    assert_int_equal(ot_wal_reader_start(w, &def, &r), OT_OK);
    append_n(w, 1, 10);
    for (int t = 0; t < 1000 && atomic_load(&s.nice) == INT_MIN; t++)
        usleep(10000);
    ot_wal_reader_stop(r);
    assert_int_equal(atomic_load(&s.nice), mine + 5 > 19 ? 19 : mine + 5);
    assert_int_equal(getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)), mine);
    ot_wal_close(w);
}

static void test_three_readers_different_speeds(void **state)
{
    (void)state;
    ot_wal *w = open_wal(8192);
    counter c[3] = {{.mu = PTHREAD_MUTEX_INITIALIZER},
                    {.mu = PTHREAD_MUTEX_INITIALIZER, .delay_us = 2000},
                    {.mu = PTHREAD_MUTEX_INITIALIZER, .delay_us = 20000, .fail_every = 3}};
    ot_wal_reader *r[3];
    const char *names[3] = {"fast", "medium", "slow"};
    for (int i = 0; i < 3; i++) {
        /* the whole registration of a reader */
        ot_wal_reader_def def = {.name = names[i], .batch = count_batch, .ctx = &c[i], .batch_max = 64,
                                 .commit_every_ms = i == 1 ? 3600000 : 0}; /* lazy: when idle */
        assert_int_equal(ot_wal_reader_start(w, &def, &r[i]), OT_OK);
    }
    append_n(w, 1, 2000);
    for (int t = 0; t < 1000; t++) {
        if (committed_of(w, "fast") == 2000 && committed_of(w, "medium") == 2000 &&
            committed_of(w, "slow") == 2000)
            break;
        usleep(10000);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(counted(&c[i]), 2000);
        assert_int_equal(c[i].bad, 0);
        ot_wal_reader_stop(r[i]);
        assert_int_equal(committed_of(w, names[i]), 2000);
    }
    assert_true(c[2].batches > 2000 / 64); /* the slow one failed and re-read batches */
    assert_true(count_segments() <= 2);    /* all committed: the old segments are gone */
    ot_wal_close(w);
}

/* ---- kill -9 ---- */

/* The child appends and follows the log as two readers, "k0" and "k1", reading batches of
 * different sizes. Before and after each commit it logs the position (fsync'ed). After SIGKILL
 * the parent reopens each cursor and checks that it resumes right after what it committed:
 * nothing skipped, nothing committed handed out again. */
#define KREADERS 2

static void child_log(FILE *f, const char *what, int k, uint64_t lsn)
{
    fprintf(f, "%s %d %" PRIu64 "\n", what, k, lsn);
    fflush(f);
    fsync(fileno(f));
}

static void child_run(const char *seen_path, uint64_t first, unsigned seed)
{
    srand(seed);
    ot_wal *w = open_wal(4096);
    ot_wal_cursor *c[KREADERS];
    for (int k = 0; k < KREADERS; k++)
        if (ot_wal_cursor_open(w, k ? "k1" : "k0", 0, &c[k]))
            _exit(2);
    FILE *f = fopen(seen_path, "a");
    for (uint64_t t = first;; t++) {
        append_n(w, t, t);
        int k = rand() % (KREADERS + 1);
        if (k == KREADERS)
            continue;
        seen s = {.last = ot_wal_cursor_position(c[k])};
        int n = ot_wal_cursor_read(c[k], (size_t)(rand() % (k ? 40 : 5) + 1), check_visit, &s);
        if (n < 0 || s.bad)
            _exit(3);
        child_log(f, "read", k, s.last);
        if (ot_wal_cursor_commit(c[k], s.last))
            _exit(4);
        child_log(f, "commit", k, s.last);
    }
}

/* Reader k's last logged commit, and its last logged read (the child may have died after
 * committing that one and before logging the commit). */
static void last_logged(const char *path, int k, uint64_t *committed, uint64_t *read)
{
    FILE *f = fopen(path, "r");
    char what[16];
    int who;
    uint64_t v;
    *committed = *read = 0;
    while (f && fscanf(f, "%15s %d %" SCNu64, what, &who, &v) == 3) {
        if (who != k)
            continue;
        if (!strcmp(what, "commit"))
            *committed = v;
        else
            *read = v;
    }
    if (f)
        fclose(f);
}

/* Reopens reader k and reads the rest: it must start right after its commit. */
static void check_resume(ot_wal *w, const char *path, int k)
{
    uint64_t committed, read;
    last_logged(path, k, &committed, &read);
    ot_wal_cursor *c;
    assert_int_equal(ot_wal_cursor_open(w, k ? "k1" : "k0", 0, &c), OT_OK);
    uint64_t at = ot_wal_cursor_committed(c);
    assert_true(at == committed || at == read);
    assert_true(at >= committed);
    seen s = {.last = at};
    int n = ot_wal_cursor_read(c, 1000000, check_visit, &s);
    assert_true(n >= 0);
    assert_int_equal(s.bad, 0); /* the first record handed out is at + 1 */
    assert_int_equal(at + (uint64_t)n, ot_wal_durable_lsn(w));
    ot_wal_cursor_close(c);
}

static void test_kill9_resumes_exactly(void **state)
{
    (void)state;
    char seen_path[128];
    snprintf(seen_path, sizeof seen_path, "%s.seen", g_dir);
    uint64_t next_tag = 1;
    srand((unsigned)time(NULL));
    for (int round = 0; round < 8; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            child_run(seen_path, next_tag, (unsigned)rand());
        usleep((useconds_t)(20000 + rand() % 80000));
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        assert_true(WIFSIGNALED(st)); /* it did not exit on an error of its own */
        ot_wal *w = open_wal(4096);
        for (int k = 0; k < KREADERS; k++)
            check_resume(w, seen_path, k);
        next_tag = ot_wal_durable_lsn(w) + 1;
        ot_wal_close(w);
    }
    unlink(seen_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cursor_resumes_where_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_is_woken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_reader_holds_segments_retired_frees, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reserved_cursor_holds_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_readers_different_speeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_nice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_resumes_exactly, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
