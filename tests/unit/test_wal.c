/* test_wal.c — the write-ahead log: round trips, segment rolls, group commit under threads,
 * torn tails and corruption, injected I/O faults (through the ot_sys table), release, check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "otest.h"
#include "sys/sysio.h"
#include "util/err.h"
#include "wal/wal.h"
#include "wal/wal_cursor.h"
#include "wal/wal_check.h"

/* ---- fixture: a temp dir and a fault-injecting sysio table ---- */

static char g_dir[64];
static ot_sysio g_faulty;
static int g_syncs, g_dirsyncs, g_writes;
static int g_fail_sync_at = -1;   /* fail the n-th fdatasync from now (0 = next) */
static int g_fail_write_at = -1;  /* fail the n-th pwritev from now with ENOSPC */
static int g_short_write_at = -1; /* make the n-th pwritev write only half */

static int f_fdatasync(int fd)
{
    int n = __atomic_fetch_add(&g_syncs, 1, __ATOMIC_SEQ_CST);
    if (g_fail_sync_at >= 0 && n >= g_fail_sync_at) {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

static int f_fsync(int fd)
{
    __atomic_fetch_add(&g_dirsyncs, 1, __ATOMIC_SEQ_CST);
    return fsync(fd);
}

static ssize_t f_pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    int n = __atomic_fetch_add(&g_writes, 1, __ATOMIC_SEQ_CST);
    if (n == g_fail_write_at) {
        errno = ENOSPC;
        return -1;
    }
    if (n == g_short_write_at) {
        size_t half = iov[0].iov_len / 2 ? iov[0].iov_len / 2 : 1;
        return pwrite(fd, iov[0].iov_base, half, off);
    }
    return pwritev(fd, iov, cnt, off);
}

static int setup(void **state)
{
    otest_tmpdir(g_dir, sizeof g_dir, "wal");
    strcat(g_dir, "/wal"); /* open must create it */
    g_faulty = ot_sys_default;
    g_faulty.fdatasync = f_fdatasync;
    g_faulty.fsync = f_fsync;
    g_faulty.pwritev = f_pwritev;
    g_syncs = g_dirsyncs = g_writes = 0;
    g_fail_sync_at = g_fail_write_at = g_short_write_at = -1;
    ot_sys = &g_faulty;
    return 0;
}

static int teardown(void **state)
{
    ot_sys = &ot_sys_default;
    char *slash = strrchr(g_dir, '/');
    *slash = '\0';
    otest_rmrf(g_dir);
    return 0;
}

/* ---- helpers ---- */

static ot_wal *open_wal(uint64_t segment_bytes, ot_wal_recovery *rec)
{
    ot_wal_opts o = {.dir = g_dir, .segment_bytes = segment_bytes};
    ot_wal *w = NULL;
    ot_wal_recovery scratch;
    int rc = ot_wal_open(&o, &w, rec ? rec : &scratch);
    if (rc)
        fail_msg("ot_wal_open: %s (%s)", ot_strerror(rc), (rec ? rec : &scratch)->detail);
    return w;
}

static void payload_for(uint64_t tag, char *buf, size_t *len)
{
    *len = (size_t)snprintf(buf, 64, "record-%" PRIu64 "-", tag);
    size_t extra = tag % 37; /* varied lengths */
    memset(buf + *len, 'a' + (int)(tag % 26), extra);
    *len += extra;
}

static uint64_t append1(ot_wal *w, const void *p, size_t len)
{
    uint64_t lsn = 0;
    const void *ps[1] = {p};
    assert_int_equal(ot_wal_append(w, ps, &len, 1, &lsn), OT_OK);
    return lsn;
}

/* Appends records whose payload is derived from their expected LSN. */
static void append_tagged(ot_wal *w, uint64_t from, uint64_t to)
{
    char buf[128];
    size_t len;
    for (uint64_t t = from; t <= to; t++) {
        payload_for(t, buf, &len);
        assert_int_equal(append1(w, buf, len), t);
    }
}

typedef struct collect {
    uint64_t n, first, last;
    int bad;
    uint64_t stop_at;
} collect;

static int check_visit(void *ctx, uint64_t lsn, const void *p, size_t len)
{
    collect *c = ctx;
    char buf[128];
    size_t want;
    payload_for(lsn, buf, &want);
    if (len != want || memcmp(p, buf, len) || (c->n && lsn != c->last + 1))
        c->bad++;
    if (!c->n)
        c->first = lsn;
    c->last = lsn;
    c->n++;
    return c->stop_at && lsn == c->stop_at ? 42 : 0;
}

static collect read_all(ot_wal *w, uint64_t from)
{
    collect c = {0};
    assert_int_equal(ot_wal_read(w, from, check_visit, &c), OT_OK);
    assert_int_equal(c.bad, 0);
    return c;
}

static void seg_path(char *out, size_t size, uint64_t lsn)
{
    snprintf(out, size, "%s/%020" PRIu64 ".wal", g_dir, lsn);
}

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void flip_byte(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x5a;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

static size_t count_files(const char *suffix)
{
    DIR *d = opendir(g_dir);
    struct dirent *e;
    size_t n = 0, sl = strlen(suffix);
    assert_non_null(d);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l >= sl && !strcmp(e->d_name + l - sl, suffix))
            n++;
    }
    closedir(d);
    return n;
}

/* Offset of record lsn in segment 1 when records 1..lsn-1 were written by append_tagged. */
static off_t tagged_offset(uint64_t lsn)
{
    off_t off = 16;
    char buf[128];
    size_t len;
    for (uint64_t t = 1; t < lsn; t++) {
        payload_for(t, buf, &len);
        off += 16 + (off_t)len;
    }
    return off;
}

/* ---- tests ---- */

static void test_wal__roundtrip(void **state)
{
    ot_wal_recovery rec;
    ot_wal *w = open_wal(0, &rec);
    assert_int_equal(rec.records, 0);
    assert_int_equal(rec.segments, 1);
    assert_false(rec.torn_tail);
    assert_int_equal(ot_wal_durable_lsn(w), 0);

    char a[128], b[128], c[128];
    size_t lens[3];
    payload_for(1, a, &lens[0]);
    payload_for(2, b, &lens[1]);
    payload_for(3, c, &lens[2]);
    const void *ps[3] = {a, b, c};
    uint64_t first = 0;
    assert_int_equal(ot_wal_append(w, ps, lens, 3, &first), OT_OK);
    assert_int_equal(first, 1);
    append_tagged(w, 4, 10);
    assert_int_equal(ot_wal_durable_lsn(w), 10);

    collect all = read_all(w, 0);
    assert_int_equal(all.n, 10);
    assert_int_equal(all.first, 1);
    assert_int_equal(all.last, 10);
    collect tail = read_all(w, 7);
    assert_int_equal(tail.n, 4);
    assert_int_equal(tail.first, 7);
    collect none = read_all(w, 11);
    assert_int_equal(none.n, 0);
    collect stop = {.stop_at = 5};
    assert_int_equal(ot_wal_read(w, 1, check_visit, &stop), 42); /* the visitor's value */
    assert_int_equal(stop.n, 5);

    /* an empty payload is a valid record */
    size_t zero = 0;
    const void *none_p[1] = {NULL};
    assert_int_equal(ot_wal_append(w, none_p, &zero, 1, &first), OT_OK);
    assert_int_equal(first, 11);
    /* bad arguments */
    assert_int_equal(ot_wal_append(w, ps, lens, 0, &first), OT_EINVAL);
    assert_int_equal(ot_wal_append(w, NULL, lens, 1, &first), OT_EINVAL);
    ot_wal_close(w);

    /* the on-disk format: segment header then the first record */
    char path[128];
    unsigned char hdr[32];
    seg_path(path, sizeof path, 1);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, hdr, 32), 32);
    close(fd);
    assert_memory_equal(hdr, "OTWAL001\1\0\0\0\0\0\0\0", 16);
    assert_int_equal(hdr[16] | hdr[17] << 8, lens[0]);             /* u32 payload_len */
    assert_memory_equal(hdr + 24, "\1\0\0\0\0\0\0\0", 8);          /* u64 lsn */
}

static void test_wal__oversize(void **state)
{
    ot_wal *w = open_wal(0, NULL);
    static const char dummy = 0; /* never read: the limit is checked first */
    size_t lens[2] = {3, (size_t)OT_WAL_MAX_RECORD + 1};
    const void *ps[2] = {"abc", &dummy};
    uint64_t first = 0;
    assert_int_equal(ot_wal_append(w, ps, lens, 2, &first), OT_ELIMIT);
    assert_int_equal(ot_wal_durable_lsn(w), 0); /* nothing of the batch was written */

    size_t big = OT_WAL_MAX_RECORD;
    char *p = malloc(big);
    assert_non_null(p);
    memset(p, 'x', big);
    assert_int_equal(append1(w, p, big), 1);
    free(p);
    ot_wal_close(w);

    ot_wal_recovery rec;
    w = open_wal(0, &rec);
    assert_int_equal(rec.records, 1);
    ot_wal_close(w);
}

static void test_wal__segments_and_reopen(void **state)
{
    ot_wal_recovery rec;
    ot_wal *w = open_wal(1024, &rec);
    int dirsyncs = g_dirsyncs;
    append_tagged(w, 1, 200);
    assert_true(g_dirsyncs > dirsyncs); /* new segments made the directory durable */
    collect c = read_all(w, 1);
    assert_int_equal(c.n, 200);
    ot_wal_close(w);

    size_t nseg = count_files(".wal");
    assert_true(nseg > 3);
    w = open_wal(1024, &rec);
    assert_int_equal(rec.segments, nseg);
    assert_int_equal(rec.records, 200);
    assert_int_equal(rec.first_lsn, 1);
    assert_int_equal(rec.last_lsn, 200);
    assert_false(rec.torn_tail);
    assert_int_equal(ot_wal_durable_lsn(w), 200);
    append_tagged(w, 201, 260);
    c = read_all(w, 150);
    assert_int_equal(c.n, 111);
    assert_int_equal(c.last, 260);
    ot_wal_close(w);

    /* every segment is named after the LSN its header and first record carry */
    DIR *d = opendir(g_dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t lsn;
        if (sscanf(e->d_name, "%20" SCNu64 ".wal", &lsn) != 1)
            continue;
        char path[600];
        unsigned char h[32];
        snprintf(path, sizeof path, "%s/%s", g_dir, e->d_name);
        int fd = open(path, O_RDONLY);
        assert_int_equal(read(fd, h, 32), 32);
        close(fd);
        uint64_t hl = 0, rl = 0;
        for (int i = 7; i >= 0; i--) {
            hl = hl << 8 | h[8 + i];
            rl = rl << 8 | h[24 + i];
        }
        assert_int_equal(hl, lsn);
        assert_int_equal(rl, lsn);
    }
    closedir(d);
    assert_int_equal(ot_wal_check(g_dir, false, NULL, &rec), OT_OK);
    assert_int_equal(rec.records, 260);
}

/* ---- group commit ---- */

#define THREADS 8
#define PER_THREAD 250

typedef struct tstate {
    ot_wal *w;
    int id;
    uint64_t lsns[PER_THREAD];
    int errors;
} tstate;

typedef struct lstate {
    pthread_mutex_t mu;
    uint64_t seen, last;
    int out_of_order;
    uint8_t *tags; /* LSN -> thread id + 1 */
} lstate;

static void thread_payload(int id, int i, char *buf, size_t *len)
{
    *len = (size_t)snprintf(buf, 64, "t%d-i%d|", id, i);
    memset(buf + *len, 'p', (size_t)(id * 13 + i % 50));
    *len += (size_t)(id * 13 + i % 50);
}

static void *appender(void *arg)
{
    tstate *t = arg;
    char buf[256];
    size_t len;
    for (int i = 0; i < PER_THREAD; i++) {
        thread_payload(t->id, i, buf, &len);
        const void *p[1] = {buf};
        if (ot_wal_append(t->w, p, &len, 1, &t->lsns[i]))
            t->errors++;
    }
    return NULL;
}

static void listener(void *ctx, uint64_t lsn, const void *p, size_t len)
{
    lstate *l = ctx;
    int id;
    pthread_mutex_lock(&l->mu);
    if (lsn != l->last + 1)
        l->out_of_order++;
    l->last = lsn;
    l->seen++;
    if (sscanf(p, "t%d-", &id) == 1 && lsn <= THREADS * PER_THREAD)
        l->tags[lsn] = (uint8_t)(id + 1);
    pthread_mutex_unlock(&l->mu);
}

typedef struct owner_check {
    tstate *ts;
    uint64_t n;
    int bad;
} owner_check;

static int owner_visit(void *ctx, uint64_t lsn, const void *p, size_t len)
{
    owner_check *o = ctx;
    char want[256];
    size_t wl;
    /* find who acknowledged this LSN and compare the bytes they sent */
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER_THREAD; i++)
            if (o->ts[t].lsns[i] == lsn) {
                thread_payload(t, i, want, &wl);
                if (wl != len || memcmp(want, p, len))
                    o->bad++;
                o->n++;
                return 0;
            }
    o->bad++;
    return 0;
}

/* A live reader through the runner sees every record as it becomes durable. */
static int listener_batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        listener(ctx, recs[i].lsn, recs[i].payload, recs[i].len);
    return 0;
}

static uint64_t listener_seen(lstate *l)
{
    pthread_mutex_lock(&l->mu);
    uint64_t n = l->seen;
    pthread_mutex_unlock(&l->mu);
    return n;
}

static void test_wal__group_commit_threads(void **state)
{
    static tstate ts[THREADS];
    pthread_t th[THREADS];
    lstate l = {.mu = PTHREAD_MUTEX_INITIALIZER};
    l.tags = calloc(THREADS * PER_THREAD + 1, 1);
    ot_wal *w = open_wal(64 << 10, NULL);
    ot_wal_reader_def def = {.name = "listener", .batch = listener_batch, .ctx = &l};
    assert_int_equal(ot_wal_cursor_reserve(w, "hold"), OT_OK); /* keeps the log for the read below */
    ot_wal_reader *reader;
    assert_int_equal(ot_wal_reader_start(w, &def, &reader), 0);
    int syncs0 = g_syncs;
    for (int t = 0; t < THREADS; t++) {
        ts[t] = (tstate){.w = w, .id = t};
        assert_int_equal(pthread_create(&th[t], NULL, appender, &ts[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    int syncs = g_syncs - syncs0, appends = THREADS * PER_THREAD;
    print_message("group commit: %d appends, %d fdatasyncs\n", appends, syncs);
    assert_true(syncs * 2 < appends); /* appenders shared syncs */
    for (int i = 0; i < 500 && listener_seen(&l) < (uint64_t)appends; i++)
        usleep(10000);
    ot_wal_reader_stop(reader);

    /* every LSN acknowledged exactly once, 1..N with no gap */
    uint8_t *used = calloc(appends + 1, 1);
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(ts[t].errors, 0);
        for (int i = 0; i < PER_THREAD; i++) {
            uint64_t lsn = ts[t].lsns[i];
            assert_true(lsn >= 1 && lsn <= (uint64_t)appends);
            assert_int_equal(used[lsn], 0);
            used[lsn] = 1;
            if (i)
                assert_true(lsn > ts[t].lsns[i - 1]); /* a thread's own appends stay in order */
            assert_int_equal(l.tags[lsn], t + 1);  /* the listener saw this thread's record there */
        }
    }
    assert_int_equal(l.seen, appends);
    assert_int_equal(l.out_of_order, 0);
    assert_int_equal(ot_wal_durable_lsn(w), appends);

    owner_check o = {.ts = ts};
    assert_int_equal(ot_wal_read(w, 1, owner_visit, &o), OT_OK);
    assert_int_equal(o.n, appends);
    assert_int_equal(o.bad, 0);
    ot_wal_close(w);
    free(used);
    free(l.tags);
}

/* ---- reading while appending ---- */

typedef struct bg {
    ot_wal *w;
    uint64_t upto;
} bg;

static void *bg_append(void *arg)
{
    bg *b = arg;
    append_tagged(b->w, 1, b->upto);
    return NULL;
}

static void test_wal__read_while_appending(void **state)
{
    ot_wal *w = open_wal(4096, NULL);
    bg b = {w, 600};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, bg_append, &b), 0);
    uint64_t reads = 0;
    for (;;) {
        uint64_t durable = ot_wal_durable_lsn(w);
        collect c = read_all(w, 1); /* checks contents and continuity */
        assert_true(c.n >= durable);
        if (c.n)
            assert_int_equal(c.first, 1);
        reads++;
        if (durable == b.upto)
            break;
    }
    pthread_join(th, NULL);
    assert_true(reads > 1);
    ot_wal_close(w);
}

/* ---- torn tails and corruption ---- */

static void make_log(uint64_t n)
{
    ot_wal *w = open_wal(0, NULL);
    append_tagged(w, 1, n);
    ot_wal_close(w);
}

static void reopen_expect_torn(uint64_t records, uint64_t cut)
{
    ot_wal_recovery rec;
    ot_wal *w = open_wal(0, &rec);
    assert_true(rec.torn_tail);
    assert_int_equal(rec.truncated_bytes, cut);
    assert_int_equal(rec.records, records);
    assert_int_equal(rec.last_lsn, records);
    assert_non_null(strstr(rec.detail, "torn tail"));
    append_tagged(w, records + 1, records + 3); /* the log goes on where the valid part ended */
    ot_wal_close(w);
    w = open_wal(0, &rec);
    assert_false(rec.torn_tail);
    assert_int_equal(rec.records, records + 3);
    assert_int_equal(read_all(w, 1).n, records + 3);
    ot_wal_close(w);
}

static void test_wal__torn_mid_header(void **state)
{
    char path[128];
    make_log(5);
    seg_path(path, sizeof path, 1);
    assert_int_equal(truncate(path, tagged_offset(5) + 7), 0);
    assert_int_equal(ot_wal_check(g_dir, false, NULL, NULL), OT_ETORN);
    reopen_expect_torn(4, 7);
}

static void test_wal__torn_mid_payload(void **state)
{
    char path[128];
    make_log(5);
    seg_path(path, sizeof path, 1);
    off_t end = file_size(path);
    assert_int_equal(truncate(path, end - 3), 0);
    reopen_expect_torn(4, (uint64_t)(end - 3 - tagged_offset(5)));
}

static void test_wal__torn_zero_filled(void **state)
{
    char path[128];
    make_log(5);
    seg_path(path, sizeof path, 1);
    off_t end = file_size(path);
    assert_int_equal(truncate(path, end + 4096), 0); /* a crash can leave zeros past the data */
    reopen_expect_torn(5, 4096);
}

static void test_wal__flipped_last_record(void **state)
{
    char path[128];
    make_log(5);
    seg_path(path, sizeof path, 1);
    off_t end = file_size(path);
    flip_byte(path, end - 2);
    reopen_expect_torn(4, (uint64_t)(end - tagged_offset(5)));
}

static void test_wal__flipped_earlier_record(void **state)
{
    char path[128], expect[64];
    ot_wal_recovery rec;
    ot_wal *w = NULL;
    make_log(5);
    seg_path(path, sizeof path, 1);
    off_t end = file_size(path), bad = tagged_offset(2);
    flip_byte(path, bad + 20); /* record 2's payload */

    ot_wal_opts o = {.dir = g_dir};
    assert_int_equal(ot_wal_open(&o, &w, &rec), OT_ECORRUPT);
    assert_null(w);
    assert_false(rec.torn_tail);
    snprintf(expect, sizeof expect, "offset %lld", (long long)bad);
    assert_non_null(strstr(rec.detail, expect));
    assert_non_null(strstr(rec.detail, "CRC mismatch"));
    assert_non_null(strstr(rec.detail, "--repair"));
    assert_int_equal(file_size(path), end); /* open changed nothing */

    /* check reports the same, and leaves the log alone without --repair */
    ot_wal_report *r = NULL;
    assert_int_equal(ot_wal_inspect(g_dir, false, &r), OT_ECORRUPT);
    assert_int_equal(r->nsegs, 1);
    assert_string_equal(r->segs[0].status, "corrupt");
    assert_int_equal(r->segs[0].bad_offset, bad);
    assert_int_equal(r->segs[0].records, 1);
    ot_wal_report_free(r);
    assert_int_equal(file_size(path), end);

    /* --repair cuts at the damage: record 1 stays, the LSNs go on from 2 */
    assert_int_equal(ot_wal_check(g_dir, true, NULL, &rec), OT_OK);
    assert_int_equal(rec.records, 1);
    assert_int_equal(rec.truncated_bytes, (uint64_t)(end - bad));
    assert_int_equal(file_size(path), bad);
    assert_int_equal(ot_wal_check(g_dir, false, NULL, &rec), OT_OK);
    w = open_wal(0, &rec);
    assert_false(rec.torn_tail);
    assert_int_equal(rec.last_lsn, 1);
    append_tagged(w, 2, 4);
    ot_wal_close(w);
}

static void test_wal__damage_in_older_segment(void **state)
{
    char path[128];
    ot_wal_recovery rec;
    ot_wal *w = open_wal(512, NULL);
    append_tagged(w, 1, 60);
    ot_wal_close(w);
    size_t nseg = count_files(".wal");
    assert_true(nseg >= 3);
    /* cut the tail of the oldest segment: not the newest, so not a torn write */
    seg_path(path, sizeof path, 1);
    off_t end = file_size(path);
    assert_int_equal(truncate(path, end - 5), 0);

    ot_wal_opts o = {.dir = g_dir, .segment_bytes = 512};
    assert_int_equal(ot_wal_open(&o, &w, &rec), OT_ECORRUPT);
    assert_non_null(strstr(rec.detail, "00000000000000000001.wal"));
    assert_non_null(strstr(rec.detail, "newer segment"));

    ot_wal_report *r = NULL;
    assert_int_equal(ot_wal_inspect(g_dir, true, &r), OT_OK);
    assert_true(r->repaired);
    assert_string_equal(r->segs[0].status, "corrupt");
    assert_true(r->segs[1].orphaned);
    uint64_t kept = r->rec.last_lsn;
    assert_int_equal(r->rec.records, kept);
    ot_wal_report_free(r);
    assert_int_equal(count_files(".wal"), 1);
    assert_int_equal(count_files(".orphaned"), nseg - 1); /* moved aside, not deleted */

    w = open_wal(512, &rec);
    assert_int_equal(rec.last_lsn, kept);
    append_tagged(w, kept + 1, kept + 5);
    assert_int_equal(read_all(w, 1).n, kept + 5);
    ot_wal_close(w);
}

static void test_wal__bad_header(void **state)
{
    char path[128];
    ot_wal_recovery rec;
    ot_wal *w = NULL;
    make_log(3);
    seg_path(path, sizeof path, 1);
    flip_byte(path, 2); /* magic */
    ot_wal_opts o = {.dir = g_dir};
    assert_int_equal(ot_wal_open(&o, &w, &rec), OT_ECORRUPT);
    assert_non_null(strstr(rec.detail, "magic"));
    /* repair rewrites the header from the file name and keeps the records */
    assert_int_equal(ot_wal_check(g_dir, true, NULL, &rec), OT_OK);
    assert_int_equal(rec.records, 3);
    w = open_wal(0, &rec);
    assert_int_equal(read_all(w, 1).n, 3);
    ot_wal_close(w);
}

static void test_wal__torn_segment_header(void **state)
{
    char path[128];
    ot_wal_recovery rec;
    ot_wal *w = open_wal(256, NULL);
    append_tagged(w, 1, 20);
    ot_wal_close(w);
    /* a crash while creating the next segment leaves a short file */
    seg_path(path, sizeof path, 21);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    assert_int_equal(write(fd, "OTWAL", 5), 5);
    close(fd);
    w = open_wal(256, &rec);
    assert_true(rec.torn_tail);
    assert_int_equal(rec.truncated_bytes, 5);
    assert_int_equal(rec.last_lsn, 20);
    append_tagged(w, 21, 25);
    assert_int_equal(read_all(w, 1).n, 25);
    ot_wal_close(w);
}

static void test_wal__lsn_gap(void **state)
{
    char from[128], to[128];
    ot_wal_recovery rec;
    ot_wal *w = open_wal(256, NULL);
    append_tagged(w, 1, 40);
    ot_wal_close(w);
    /* lose a middle segment */
    w = open_wal(256, &rec);
    ot_wal_close(w);
    ot_wal_report *r = NULL;
    assert_int_equal(ot_wal_inspect(g_dir, false, &r), OT_OK);
    assert_true(r->nsegs >= 3);
    seg_path(from, sizeof from, r->segs[1].first_lsn);
    snprintf(to, sizeof to, "%s/moved", g_dir);
    ot_wal_report_free(r);
    assert_int_equal(rename(from, to), 0);
    ot_wal_opts o = {.dir = g_dir};
    assert_int_equal(ot_wal_open(&o, &w, &rec), OT_ECORRUPT);
    assert_non_null(strstr(rec.detail, "previous segment ends"));
}

/* A lost segment followed by a torn newest segment: the gap must not pass as a torn tail
 * (fuzz find: recovery cut the tail and opened a log with LSNs missing). */
static void test_wal__lsn_gap_behind_torn_tail(void **state)
{
    char from[128], to[128], last[128];
    ot_wal_recovery rec;
    ot_wal *w = open_wal(256, NULL);
    append_tagged(w, 1, 40);
    ot_wal_close(w);
    ot_wal_report *r = NULL;
    assert_int_equal(ot_wal_inspect(g_dir, false, &r), OT_OK);
    assert_true(r->nsegs >= 3);
    assert_true(r->segs[r->nsegs - 1].records > 0);
    seg_path(from, sizeof from, r->segs[r->nsegs - 2].first_lsn); /* the one before the newest */
    seg_path(last, sizeof last, r->segs[r->nsegs - 1].first_lsn);
    ot_wal_report_free(r);
    snprintf(to, sizeof to, "%s/moved", g_dir);
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(truncate(last, file_size(last) - 3), 0);
    ot_wal_opts o = {.dir = g_dir};
    assert_int_equal(ot_wal_open(&o, &w, &rec), OT_ECORRUPT);
    assert_non_null(strstr(rec.detail, "previous segment ends"));
    /* one repair leaves a clean log: the segments after the gap are moved aside */
    assert_int_equal(ot_wal_inspect(g_dir, true, &r), OT_OK);
    assert_true(r->repaired);
    ot_wal_report_free(r);
    w = open_wal(0, &rec);
    assert_false(rec.torn_tail);
    assert_int_equal(read_all(w, 1).n, rec.last_lsn);
    ot_wal_close(w);
}

/* ---- injected faults ---- */

static void test_wal__sync_failure(void **state)
{
    ot_wal_recovery rec;
    ot_wal *w = open_wal(0, NULL);
    append_tagged(w, 1, 3);
    char path[128];
    seg_path(path, sizeof path, 1);
    off_t good = file_size(path);

    g_fail_sync_at = g_syncs; /* the next fdatasync fails */
    char buf[128];
    size_t len;
    payload_for(4, buf, &len);
    const void *p[1] = {buf};
    uint64_t lsn = 0;
    assert_int_equal(ot_wal_append(w, p, &len, 1, &lsn), OT_EIO);
    assert_int_equal(lsn, 0);
    assert_int_equal(ot_wal_durable_lsn(w), 3);
    assert_int_equal(read_all(w, 1).n, 3);
    g_fail_sync_at = -1;
    /* the WAL stays failed: a later sync would prove nothing about the lost pages */
    assert_int_equal(ot_wal_append(w, p, &len, 1, &lsn), OT_EIO);
    ot_wal_close(w);
    assert_int_equal(file_size(path), good); /* the failed record was taken back */

    ot_sys = &ot_sys_default;
    w = open_wal(0, &rec);
    assert_false(rec.torn_tail);
    assert_int_equal(rec.last_lsn, 3);
    append_tagged(w, 4, 6);
    assert_int_equal(read_all(w, 1).n, 6);
    ot_wal_close(w);
}

static void test_wal__write_failure(void **state)
{
    ot_wal *w = open_wal(0, NULL);
    append_tagged(w, 1, 3);
    char buf[128];
    size_t len;
    payload_for(4, buf, &len);
    const void *p[1] = {buf};
    uint64_t lsn = 0;

    g_fail_write_at = g_writes; /* ENOSPC */
    assert_int_equal(ot_wal_append(w, p, &len, 1, &lsn), OT_EIO);
    assert_int_equal(ot_wal_durable_lsn(w), 3);
    /* a failed write is discarded; the log stays usable and the LSN is not skipped */
    assert_int_equal(append1(w, buf, len), 4);

    g_short_write_at = g_writes; /* a short write is resumed */
    append_tagged(w, 5, 5);
    g_short_write_at = g_writes; /* a short write, then ENOSPC: discarded */
    g_fail_write_at = g_writes + 1;
    payload_for(6, buf, &len);
    assert_int_equal(ot_wal_append(w, p, &len, 1, &lsn), OT_EIO);
    append_tagged(w, 6, 8);
    assert_int_equal(read_all(w, 1).n, 8);
    ot_wal_close(w);

    ot_wal_recovery rec;
    w = open_wal(0, &rec);
    assert_false(rec.torn_tail);
    assert_int_equal(rec.records, 8);
    ot_wal_close(w);
}

static void test_wal__failure_during_roll(void **state)
{
    ot_wal_recovery rec;
    ot_wal *w = open_wal(256, NULL);
    append_tagged(w, 1, 10);
    size_t nseg = count_files(".wal");
    /* a batch that rolls into new segments, whose final sync fails */
    char bufs[12][128];
    const void *ps[12];
    size_t lens[12];
    for (int i = 0; i < 12; i++) {
        payload_for(11 + i, bufs[i], &lens[i]);
        ps[i] = bufs[i];
    }
    g_fail_sync_at = g_syncs + 2;
    assert_int_equal(ot_wal_append(w, ps, lens, 12, NULL), OT_EIO);
    ot_wal_close(w);
    assert_int_equal(count_files(".wal"), nseg); /* segments created by the group are gone */
    ot_sys = &ot_sys_default;
    w = open_wal(256, &rec);
    assert_false(rec.torn_tail);
    assert_int_equal(rec.last_lsn, 10);
    ot_wal_close(w);
}

/* ---- a crash layer (after SQLite's src/test6.c) ----
 * At the n-th fdatasync the machine "crashes": that sync and every later mutating call fail, so
 * the WAL cannot clean up. After "reboot", the bytes written to the crashed file since its last
 * successful sync survive only up to a random point. Recovery must then keep every acknowledged
 * record and nothing but a clean prefix of what was attempted. */
#define MAX_FD 1024
static uint64_t g_synced[MAX_FD];
static char g_paths[MAX_FD][128];
static int g_crash_at = -1, g_crashed, g_crash_fd = -1;
static uint64_t g_crash_synced;
static char g_crash_path[128];

static int c_open(const char *path, int flags, mode_t mode)
{
    if (g_crashed && (flags & O_CREAT)) {
        errno = EIO;
        return -1;
    }
    int fd = open(path, flags | O_CLOEXEC, mode);
    if (fd >= 0 && fd < MAX_FD) {
        snprintf(g_paths[fd], sizeof g_paths[fd], "%s", path);
        struct stat st;
        g_synced[fd] = fstat(fd, &st) ? 0 : (uint64_t)st.st_size; /* what exists was synced */
    }
    return fd;
}

static int c_fdatasync(int fd)
{
    if (!g_crashed && g_syncs++ == g_crash_at) {
        g_crashed = 1;
        g_crash_fd = fd;
        g_crash_synced = g_synced[fd];
        memcpy(g_crash_path, g_paths[fd], sizeof g_crash_path); /* fd numbers get reused */
    }
    if (g_crashed) {
        errno = EIO;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && fd < MAX_FD)
        g_synced[fd] = (uint64_t)st.st_size;
    return fdatasync(fd);
}

static ssize_t c_pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    if (g_crashed) {
        errno = EIO;
        return -1;
    }
    return pwritev(fd, iov, cnt, off);
}

static int c_ftruncate(int fd, off_t len)
{
    if (g_crashed) {
        errno = EIO;
        return -1;
    }
    return ftruncate(fd, len);
}

static int c_unlink(const char *path)
{
    if (g_crashed) {
        errno = EIO;
        return -1;
    }
    return unlink(path);
}

static void test_wal__crash_at_sync(void **state)
{
    const char *seed = getenv("OT_TEST_SEED"); /* vary it to explore other crash points */
    srand(seed ? (unsigned)strtoul(seed, NULL, 10) : 1234u);
    for (int round = 0; round < 12; round++) {
        ot_sysio crash = ot_sys_default;
        crash.open = c_open;
        crash.fdatasync = c_fdatasync;
        crash.pwritev = c_pwritev;
        crash.ftruncate = c_ftruncate;
        crash.unlink = c_unlink;
        g_syncs = 0;
        g_crashed = 0;
        g_crash_fd = -1;
        g_crash_at = 2 + rand() % 40;
        ot_sys = &crash;

        ot_wal_recovery rec;
        ot_wal *w = open_wal(1024, NULL);
        uint64_t acked = 0, attempted = 0;
        char bufs[4][128];
        for (uint64_t t = 1; t < 400; t += 4) { /* batches of 4 */
            const void *ps[4];
            size_t lens[4];
            for (int i = 0; i < 4; i++) {
                payload_for(t + i, bufs[i], &lens[i]);
                ps[i] = bufs[i];
            }
            uint64_t lsn;
            attempted = t + 3;
            if (ot_wal_append(w, ps, lens, 4, &lsn))
                break;
            acked = lsn + 3;
        }
        assert_true(g_crashed);
        const char *path = g_crash_path;
        ot_wal_close(w);
        ot_sys = &ot_sys_default;

        /* reboot: the crashed file keeps its synced bytes and a random part of the rest */
        off_t size = file_size(path);
        assert_true((uint64_t)size >= g_crash_synced);
        off_t keep = (off_t)g_crash_synced + rand() % (size - (off_t)g_crash_synced + 1);
        assert_int_equal(truncate(path, keep), 0);
        if (rand() % 2 && keep > (off_t)g_crash_synced)
            flip_byte(path, keep - 1); /* and the last sector it got may be garbage */

        w = open_wal(1024, &rec);
        assert_true(rec.last_lsn >= acked);     /* nothing acknowledged is lost */
        assert_true(rec.last_lsn <= attempted); /* nothing is invented */
        collect c = read_all(w, 1);
        assert_int_equal(c.n, rec.last_lsn);
        append_tagged(w, rec.last_lsn + 1, rec.last_lsn + 2);
        ot_wal_close(w);
        assert_int_equal(ot_wal_check(g_dir, false, NULL, NULL), OT_OK);
        teardown(state);
        setup(state);
    }
}

static void test_wal__release(void **state)
{
    ot_wal_recovery rec;
    ot_wal *w = open_wal(512, NULL);
    append_tagged(w, 1, 80);
    ot_wal_report *r = NULL;
    ot_wal_close(w);
    assert_int_equal(ot_wal_inspect(g_dir, false, &r), OT_OK);
    size_t nseg = r->nsegs;
    assert_true(nseg >= 4);
    uint64_t third = r->segs[2].first_lsn, fourth = r->segs[3].first_lsn;
    ot_wal_report_free(r);
    w = open_wal(512, NULL);

    /* keep_from inside the third segment: only the first two go */
    assert_int_equal(ot_wal_release(w, third + 1), OT_OK);
    assert_int_equal(count_files(".wal"), nseg - 2);
    collect c = read_all(w, 1);
    assert_int_equal(c.first, third);
    assert_int_equal(c.last, 80);
    /* keep_from at the first LSN of the fourth: the third goes too */
    assert_int_equal(ot_wal_release(w, fourth), OT_OK);
    assert_int_equal(count_files(".wal"), nseg - 3);
    /* everything: the active segment stays */
    assert_int_equal(ot_wal_release(w, UINT64_MAX), OT_OK);
    assert_int_equal(count_files(".wal"), 1);
    append_tagged(w, 81, 85);
    ot_wal_close(w);

    w = open_wal(512, &rec);
    assert_int_equal(rec.last_lsn, 85);
    assert_true(rec.first_lsn > fourth);
    c = read_all(w, 0);
    assert_int_equal(c.last, 85);
    ot_wal_close(w);
}

static void test_wal__locked(void **state)
{
    ot_wal *w = open_wal(0, NULL), *w2 = NULL;
    ot_wal_opts o = {.dir = g_dir};
    ot_wal_recovery rec;
    assert_int_equal(ot_wal_open(&o, &w2, &rec), OT_EEXIST);
    assert_non_null(strstr(rec.detail, "in use"));
    /* a repair must not cut a log a server is writing */
    char path[128];
    append_tagged(w, 1, 2);
    seg_path(path, sizeof path, 1);
    assert_int_equal(truncate(path, file_size(path) - 1), 0);
    assert_int_equal(ot_wal_check(g_dir, true, NULL, NULL), OT_EEXIST);
    assert_int_equal(ot_wal_check(g_dir, false, NULL, NULL), OT_ETORN); /* a look is fine */
    ot_wal_close(w);
}

static void test_wal__check_report(void **state)
{
    char path[128];
    make_log(4);
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    assert_int_equal(ot_wal_check(g_dir, false, f, NULL), OT_OK);
    fclose(f);
    assert_non_null(strstr(text, "00000000000000000001.wal"));
    assert_non_null(strstr(text, "result: clean"));
    free(text);

    seg_path(path, sizeof path, 1);
    assert_int_equal(truncate(path, file_size(path) - 1), 0);
    ot_wal_report *r = NULL;
    assert_int_equal(ot_wal_inspect(g_dir, false, &r), OT_ETORN);
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_wal_report_json(r, &b), OT_OK);
    assert_non_null(strstr(b.data, "\"result\":\"torn\""));
    assert_non_null(strstr(b.data, "\"status\":\"torn\""));
    ot_buf_free(&b);
    ot_wal_report_free(r);
    assert_int_equal(ot_wal_check(g_dir, false, NULL, NULL), OT_ETORN);
    assert_int_equal(ot_wal_check(g_dir, true, NULL, NULL), OT_OK);
    assert_int_equal(ot_wal_check(g_dir, false, NULL, NULL), OT_OK);
    assert_int_equal(ot_wal_check("/nonexistent/wal/dir", false, NULL, NULL), OT_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wal__roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__oversize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__segments_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__group_commit_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__read_while_appending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__torn_mid_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__torn_mid_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__torn_zero_filled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__flipped_last_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__flipped_earlier_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__damage_in_older_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__bad_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__torn_segment_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__lsn_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__lsn_gap_behind_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__sync_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__write_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__failure_during_roll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__crash_at_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal__check_report, setup, teardown),
    };
    return cmocka_run_group_tests_name("wal", tests, NULL, NULL);
}
