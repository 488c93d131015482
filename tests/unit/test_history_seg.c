/* test_history_seg.c — imported events live in segment files; every query over them must give
 * exactly what history.db's SQL gives for the same events. A random corpus (ties in time,
 * duplicate eventIDs, shared short names, three categories and regions) is imported into one
 * history and inserted row by row into another, and every attribute, pair of attributes, region,
 * category and time window is paged through both and compared record by record. Then: segments
 * mixed with live rows, deduplication both ways, retention, damaged files, and the document
 * blocks of schema 4 imports that history.db may still hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "otest.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "history/history.h"
#include "history/import.h"
#include "util/err.h"

#define NEV 3000

static char g_dir[64];
static char *g_ev[NEV];          /* the corpus, in file order */
static const char *REGIONS[] = {"us-east-1", "eu-west-1", "ap-south-1"};
static const char *NAMES[] = {"GetObject", "PutObject", "AssumeRole", "CreateUser", "Decrypt",
                              "DescribeInstances"};
static const char *USERS[] = {"alice", "bob", "carol", "svc-deploy"};
static const char *TYPES[] = {"AWS::S3::Object", "AWS::IAM::Role", "AWS::KMS::Key"};
static const char *ARNS[] = {"arn:aws:s3:::b1/x", "arn:aws:iam::1:role/p/x", "arn:aws:kms:k/key-1",
                             "arn:aws:s3:::b2/y", "arn:aws:iam::1:role/q:r", "plain"};

static uint32_t g_seed;
static uint32_t rnd(uint32_t n)
{
    g_seed = g_seed * 1103515245u + 12345u;
    return (g_seed >> 8) % n;
}

static char *make_random_event(int i)
{
    char ident[400], res[800] = "", buf[2400];
    const char *user = USERS[rnd(4)];
    switch (rnd(4)) {
    case 0:
        snprintf(ident, sizeof ident, "{\"type\":\"IAMUser\",\"userName\":\"%s\","
                 "\"accessKeyId\":\"AKIA%s\"}", user, user);
        break;
    case 1:
        snprintf(ident, sizeof ident, "{\"type\":\"AssumedRole\",\"arn\":\"arn:aws:sts::1:"
                 "assumed-role/r/%s\",\"accessKeyId\":\"ASIA%d\"}", user, (int)rnd(3));
        break;
    case 2: snprintf(ident, sizeof ident, "{\"type\":\"Root\"}"); break;
    default: snprintf(ident, sizeof ident, "{\"type\":\"AWSService\"}"); break;
    }
    int nres = (int)rnd(4);
    for (int r = 0; r < nres; r++) {
        size_t l = strlen(res);
        snprintf(res + l, sizeof res - l, "%s{\"type\":\"%s\",\"ARN\":\"%s\"}", r ? "," : "",
                 TYPES[rnd(3)], ARNS[rnd(6)]);
    }
    static const char *CATS[] = {"\"eventCategory\":\"Management\"", "\"eventCategory\":\"Data\"",
                                 "\"eventCategory\":\"Insight\""};
    static const char *RO[] = {"\"readOnly\":true,", "\"readOnly\":false,", ""};
    int dup = i > 10 && rnd(20) == 0; /* an eventID seen before */
    snprintf(buf, sizeof buf,
             "{\"eventVersion\":\"1.09\",\"userIdentity\":%s,\"eventTime\":"
             "\"2024-03-01T10:%02d:%02dZ\",\"eventSource\":\"%s.amazonaws.com\",\"eventName\":"
             "\"%s\",\"awsRegion\":\"%s\",\"eventID\":\"ev-%05d\",%s\"resources\":[%s],%s,"
             "\"n\":%d}",
             ident, (int)rnd(20), (int)rnd(60), rnd(2) ? "s3" : "iam", NAMES[rnd(6)],
             REGIONS[rnd(3)], dup ? (int)rnd((uint32_t)i) : i, RO[rnd(3)], res,
             CATS[rnd(10) < 7 ? 0 : rnd(2) + 1], i);
    return strdup(buf);
}

static int setup(void **state)
{
    (void)state;
    otest_tmpdir(g_dir, sizeof g_dir, "seg");
    g_seed = 7;
    for (int i = 0; i < NEV; i++)
        g_ev[i] = make_random_event(i);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    otest_rmrf(g_dir);
    for (int i = 0; i < NEV; i++)
        free(g_ev[i]);
    return 0;
}

static ot_history *open_at(const char *name)
{
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/%s", g_dir, name);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/history.db", dir);
    ot_history *h = NULL;
    assert_int_equal(ot_history_open(path, NULL, &h), 0);
    return h;
}

/* Imports events [from, to) as one NDJSON file; returns the new rows. */
static uint64_t import_range(ot_history *h, int from, int to)
{
    static int nfile;
    char path[128];
    snprintf(path, sizeof path, "%s/part-%d.ndjson", g_dir, nfile++);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = from; i < to; i++)
        fprintf(f, "%s\n", g_ev[i]);
    fclose(f);
    ot_import *im = NULL;
    char err[256];
    ot_import_opts io = {.threads = 1};
    assert_int_equal(ot_import_new(path, &io, &im, err, sizeof err), 0);
    assert_int_equal(ot_import_run(im, h), 0);
    ot_import_stats s;
    ot_import_stats_get(im, &s);
    ot_import_free(im);
    return s.imported;
}

static void add_range(ot_history *h, int from, int to)
{
    assert_int_equal(ot_history_begin(h), 0);
    for (int i = from; i < to; i++) {
        int added;
        assert_int_equal(ot_history_add(h, g_ev[i], strlen(g_ev[i]), -1, false, &added), 0);
    }
    assert_int_equal(ot_history_commit(h, 0), 0);
}

/* Everything a page shows of an event, one line per hit. */
static int on_hit(void *ctx, const ot_history_hit *e)
{
    ot_buf *out = ctx;
    ot_buf_printf(out, "%lld|%d|%s|%s|%s|%s|%s|%s|%s\n", (long long)e->time_ms, e->read_only,
                  e->event_id, e->event_name ? e->event_name : "-",
                  e->event_source ? e->event_source : "-", e->username ? e->username : "-",
                  e->access_key_id ? e->access_key_id : "-", e->resources_json, e->raw);
    return 0;
}

/* All pages of q (size 7) concatenated. */
static void page_all(ot_history *h, ot_history_query q, ot_buf *out)
{
    ot_history_cursor cur;
    bool more = true;
    q.limit = 7;
    q.after = NULL;
    for (int pages = 0; more; pages++) {
        assert_true(pages < NEV);
        assert_int_equal(ot_history_query_run(h, &q, on_hit, out, &more, &cur), 0);
        q.after = &cur;
    }
}

typedef struct attr {
    ot_history_key k;
    const char *v;
} attr;

static const attr ATTRS[] = {
    {OT_HK_EVENT_ID, "ev-00042"}, {OT_HK_EVENT_ID, "ev-99999"}, {OT_HK_EVENT_NAME, "GetObject"},
    {OT_HK_EVENT_NAME, "Decrypt"}, {OT_HK_READ_ONLY, "true"}, {OT_HK_READ_ONLY, "false"},
    {OT_HK_READ_ONLY, "maybe"}, {OT_HK_USERNAME, "alice"}, {OT_HK_USERNAME, "root"},
    {OT_HK_USERNAME, "nobody"}, {OT_HK_RESOURCE_TYPE, "AWS::KMS::Key"},
    {OT_HK_RESOURCE_NAME, "x"}, {OT_HK_RESOURCE_NAME, "arn:aws:iam::1:role/p/x"},
    {OT_HK_RESOURCE_NAME, "p/x"}, {OT_HK_RESOURCE_NAME, "q:r"}, {OT_HK_RESOURCE_NAME, "plain"},
    {OT_HK_EVENT_SOURCE, "s3.amazonaws.com"}, {OT_HK_ACCESS_KEY_ID, "ASIA1"},
};
#define NATTRS (sizeof ATTRS / sizeof *ATTRS)

static void compare(ot_history *a, ot_history *b, ot_history_query q, size_t *nonempty)
{
    ot_buf x, y;
    ot_buf_init(&x, 0);
    ot_buf_init(&y, 0);
    page_all(a, q, &x);
    page_all(b, q, &y);
    if (x.len != y.len || (x.len && memcmp(x.data, y.data, x.len))) {
        fprintf(stderr, "query (cat %d, region %s, %zu attrs: %s=%s) differs:\n--- a\n%.2000s\n--- b\n%.2000s\n",
                q.cat, q.region ? q.region : "*", q.nattrs,
                q.nattrs ? ot_history_key_name(q.attrs[0].key) : "", q.nattrs ? q.attrs[0].value : "",
                x.data ? x.data : "", y.data ? y.data : "");
        fail();
    }
    *nonempty += x.len > 0;
    ot_buf_free(&x);
    ot_buf_free(&y);
}

/* Every query shape over a and b: the same records in the same order, page after page. */
static size_t compare_all(ot_history *a, ot_history *b)
{
    static const char *regions[] = {NULL, "us-east-1", "eu-west-1", "nowhere"};
    static const int64_t windows[][2] = {{INT64_MIN, INT64_MAX},
                                         {1709287500000LL, 1709287800000LL}, /* 10:05..10:10 */
                                         {1709288399000LL, INT64_MAX}};       /* 10:19:59.. */
    size_t nonempty = 0;
    for (int cat = 0; cat < 3; cat++)
        for (size_t r = 0; r < 4; r++)
            for (size_t w = 0; w < 3; w++) {
                ot_history_query q = {.cat = cat, .region = regions[r], .start_ms = windows[w][0],
                                      .end_ms = windows[w][1]};
                compare(a, b, q, &nonempty);
                for (size_t i = 0; i < NATTRS; i++) {
                    q.nattrs = 1;
                    q.attrs[0].key = ATTRS[i].k, q.attrs[0].value = ATTRS[i].v;
                    compare(a, b, q, &nonempty);
                    if (r > 1 || w > 0)
                        continue;
                    q.nattrs = 2; /* pairs: the second checked per row */
                    for (size_t j = 0; j < NATTRS; j += 3) {
                        q.attrs[1].key = ATTRS[j].k, q.attrs[1].value = ATTRS[j].v;
                        compare(a, b, q, &nonempty);
                    }
                }
            }
    return nonempty;
}

static void test_segment_matches_db(void **state)
{
    (void)state;
    ot_history *a = open_at("a"), *b = open_at("b");
    uint64_t imported = import_range(a, 0, NEV);
    add_range(b, 0, NEV);
    int64_t na, nb;
    assert_int_equal(ot_history_count(a, &na), 0);
    assert_int_equal(ot_history_count(b, &nb), 0);
    assert_int_equal(na, nb);
    assert_int_equal((int64_t)imported, na);
    assert_true(na < NEV && na > NEV * 9 / 10); /* the duplicate eventIDs went */
    size_t nonempty = compare_all(a, b);
    assert_true(nonempty > 300); /* the comparison compared something */
    ot_history_close(a);
    ot_history_close(b);
}

/* Two segments with live rows between them, against all rows live: still the same answers. */
static void test_segments_and_live_rows(void **state)
{
    (void)state;
    ot_history *a = open_at("a"), *b = open_at("b");
    import_range(a, 0, 1000);
    add_range(a, 1000, 2000);
    import_range(a, 2000, NEV);
    add_range(b, 0, NEV);
    compare_all(a, b);
    /* everything again: nothing new, wherever it lives */
    assert_int_equal(import_range(a, 0, NEV), 0);
    int added;
    assert_int_equal(ot_history_begin(a), 0);
    assert_int_equal(ot_history_add(a, g_ev[5], strlen(g_ev[5]), -1, false, &added), 0);
    assert_int_equal(ot_history_commit(a, 0), 0);
    assert_int_equal(added, 0); /* the live feed does not index an imported eventID again */
    int64_t na, nb;
    assert_int_equal(ot_history_count(a, &na), 0);
    assert_int_equal(ot_history_count(b, &nb), 0);
    assert_int_equal(na, nb);
    ot_history_close(a);
    ot_history_close(b);
    /* read-only, as `opentrail lookup` opens it */
    char path[160];
    snprintf(path, sizeof path, "%s/a/history.db", g_dir);
    ot_history_opts ro = {.read_only = true};
    assert_int_equal(ot_history_open(path, &ro, &a), 0);
    b = open_at("b");
    compare_all(a, b);
    ot_history_close(a);
    ot_history_close(b);
}

static int count_rows(void *ctx, const ot_history_hit *e)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int query_all(ot_history *h, int *n)
{
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 1000};
    bool more;
    ot_history_cursor next;
    *n = 0;
    return ot_history_query_run(h, &q, count_rows, n, &more, &next);
}

static char *seg_file(void)
{
    static char path[512];
    char dir[160];
    snprintf(dir, sizeof dir, "%s/a/history-segments", g_dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    path[0] = '\0';
    while ((e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, "seg-", 4))
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    assert_true(path[0] != '\0');
    return path;
}

static void flip(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x5a;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

/* A damaged segment is an error for the queries that read it, never garbage or a crash; an
 * unregistered file (an import that died) is removed on the next writer open. */
static void test_segment_damage(void **state)
{
    (void)state;
    ot_history *h = open_at("a");
    import_range(h, 0, 500);
    ot_history_close(h);
    const char *path = seg_file();
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    static const off_t where[] = {3, 200, 5000}; /* header, first block, a block or index */
    for (size_t i = 0; i < 3; i++) {
        off_t off = where[i] < sb.st_size ? where[i] : sb.st_size / 2;
        flip(path, off);
        h = open_at("a");
        int n;
        assert_int_not_equal(query_all(h, &n), 0);
        ot_history_close(h);
        flip(path, off);
    }
    flip(path, sb.st_size - 5); /* the index sections */
    h = open_at("a");
    int n;
    assert_int_not_equal(query_all(h, &n), 0);
    ot_history_close(h);
    flip(path, sb.st_size - 5);
    h = open_at("a");
    assert_int_equal(query_all(h, &n), 0);
    assert_true(n > 250); /* the management events of 500 */
    ot_history_close(h);
    /* a leftover file nobody registered */
    char stray[600];
    snprintf(stray, sizeof stray, "%s/a/history-segments/seg-1-2-3.ots", g_dir);
    int fd = open(stray, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    h = open_at("a");
    assert_int_not_equal(access(stray, F_OK), 0);
    assert_int_equal(access(path, F_OK), 0);
    ot_history_close(h);
}

static int on_doc(void *ctx, const ot_history_hit *e)
{
    snprintf(ctx, 4096, "%s", e->raw);
    return 0;
}

/* (Re)writes the one schema-4 block and points the row at its record 0. */
static void put_block(sqlite3 *db, const ot_buf *z, size_t ulen)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_exec(db, "DELETE FROM doc_blk; UPDATE events SET bi = 0", NULL,
                                  NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO doc_blk VALUES(1, 1, ?, ?)", -1, &st,
                                        NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)ulen);
    sqlite3_bind_blob(st, 2, z->data, (int)z->len, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* Imports before schema 5 stored documents in doc_blk rows of history.db: still read, and a
 * damaged or missing block is an error, never garbage. */
static void test_v4_blocks_still_read(void **state)
{
    (void)state;
    ot_history *h = open_at("a");
    const char *raw = g_ev[0];
    ot_history_row row = {.raw = raw, .raw_len = strlen(raw), .resources_json = 0};
    ot_buf arena, scratch, z;
    ot_buf_init(&arena, 0);
    ot_buf_init(&scratch, 0);
    ot_buf_init(&z, 0);
    ot_buf_puts(&arena, "[]");
    size_t ulen;
    assert_int_equal(ot_history_block_encode(&row, 1, arena.data, &scratch, &z, &ulen), 0);
    char path[160];
    snprintf(path, sizeof path, "%s/a/history.db", g_dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO events(id, t, cat, region, imported, event_id,"
                                      " blk, bi) VALUES(1, 5, 0, 'us-east-1', 1, 'old', 1, 0)",
                                  NULL, NULL, NULL), SQLITE_OK);
    put_block(db, &z, ulen);
    static char got[4096];
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 10};
    bool more;
    ot_history_cursor next;
    static const char *const DAMAGE[] = {"UPDATE doc_blk SET z = x'00ff00ff'",
                                         "UPDATE doc_blk SET ulen = 3", "UPDATE doc_blk SET ulen = 40",
                                         "UPDATE events SET bi = 7", "DELETE FROM doc_blk",
                                         /* more than deflate can expand to (fuzz find: 2 GB
                                          * allocated for a damaged block) */
                                         "UPDATE doc_blk SET ulen = 2000000000"};
    for (size_t i = 0; i < sizeof DAMAGE / sizeof *DAMAGE; i++) {
        assert_int_equal(ot_history_query_run(h, &q, on_doc, got, &more, &next), 0);
        assert_string_equal(got, raw);
        assert_int_equal(sqlite3_exec(db, DAMAGE[i], NULL, NULL, NULL), SQLITE_OK);
        got[0] = '\0';
        assert_int_not_equal(ot_history_query_run(h, &q, on_doc, got, &more, &next), 0);
        assert_string_equal(got, "");
        put_block(db, &z, ulen);
    }
    sqlite3_close(db);
    ot_buf_free(&arena);
    ot_buf_free(&scratch);
    ot_buf_free(&z);
    ot_history_close(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_segment_matches_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_and_live_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v4_blocks_still_read, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
