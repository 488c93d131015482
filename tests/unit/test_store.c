/* test_store.c — the local object store: hostile keys and symlinks stay inside the root,
 * round trips keep metadata, overwrites are atomic, listings match an independent model of
 * S3's ListObjects on a few hundred keys, readers stream and seek, and injected I/O faults
 * (a failing fsync, a short write on a filling disk) report the error and leave no partial
 * object. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault_sys.h"
#include "otest.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/err.h"

typedef struct fixture {
    char top[256];  /* a temp dir holding root/ and outside/ */
    char root[300];
    char outside[300];
    ot_store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    otest_tmpdir(f->top, sizeof f->top, "store-test");
    snprintf(f->root, sizeof f->root, "%s/root", f->top);
    snprintf(f->outside, sizeof f->outside, "%s/outside", f->top);
    mkdir(f->outside, 0755);
    if (ot_store_open_local(f->root, &f->st) != 0)
        return -1;
    if (ot_store_bucket_create(f->st, "bkt") != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_store_close(f->st);
    otest_rmrf(f->top);
    free(f);
    return 0;
}

/* Number of entries directly in dir (excluding . and ..), or -1. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Files left in the store's temp directory. */
static int tmp_files(const fixture *f)
{
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s/.tmp", f->root);
    return count_entries(tmp);
}

static int put_str(ot_store *st, const char *key, const char *s)
{
    return ot_store_put(st, "bkt", key, s, strlen(s), NULL);
}

static void test_store__key_rules(void **state)
{
    (void)state;
    char big[1100];
    memset(big, 'k', sizeof big);
    assert_true(ot_store_key_valid("a", 1));
    assert_true(ot_store_key_valid("a/b/c.json.gz", 13));
    assert_true(ot_store_key_valid("dir/", 4));
    assert_true(ot_store_key_valid("a/.hidden", 9));
    assert_true(ot_store_key_valid("a/...", 5));
    assert_true(ot_store_key_valid("x y/\xc3\xa9\xe2\x82\xac", 9));
    assert_true(ot_store_key_valid(big, 1024));
    assert_false(ot_store_key_valid(big, 1025));
    assert_false(ot_store_key_valid("", 0));
    assert_false(ot_store_key_valid("/abs", 4));
    assert_false(ot_store_key_valid("../x", 4));
    assert_false(ot_store_key_valid("a/../../etc", 11));
    assert_false(ot_store_key_valid("a//b", 4));
    assert_false(ot_store_key_valid(".", 1));
    assert_false(ot_store_key_valid("..", 2));
    assert_false(ot_store_key_valid("a/..", 4));
    assert_false(ot_store_key_valid("a/.", 3));
    assert_false(ot_store_key_valid("./a", 3));
    assert_false(ot_store_key_valid("a/./b", 5));
    assert_false(ot_store_key_valid("a\0b", 3));
    assert_false(ot_store_key_valid("\xff", 1));
    assert_false(ot_store_key_valid("\xc0\xaf", 2));          /* overlong '/' */
    assert_false(ot_store_key_valid("\xed\xa0\x80", 3));      /* surrogate */
    assert_false(ot_store_key_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
    assert_false(ot_store_key_valid("\xe2\x82", 2));          /* cut short */
}

static void test_store__hostile_keys_write_nothing(void **state)
{
    fixture *f = *state;
    const char *bad[] = {"../escape", "a/../../escape", "/abs", "a//b", ".", "..", "x/..",
                         "../outside/pwn", "\xff\xfe", "ok/../../../outside/pwn"};
    char big[1026];
    memset(big, 'z', 1025);
    big[1025] = '\0';
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(put_str(f->st, bad[i], "x"), OT_EINVAL);
        assert_int_equal(ot_store_delete(f->st, "bkt", bad[i]), OT_EINVAL);
        ot_object_info info;
        assert_int_equal(ot_store_head(f->st, "bkt", bad[i], &info), OT_EINVAL);
    }
    assert_int_equal(put_str(f->st, big, "x"), OT_EINVAL);
    /* Hostile bucket names are refused the same way. */
    assert_int_equal(ot_store_put(f->st, "..", "k", "x", 1, NULL), OT_EINVAL);
    assert_int_equal(ot_store_put(f->st, "../outside", "k", "x", 1, NULL), OT_EINVAL);
    assert_int_equal(ot_store_bucket_create(f->st, ".tmp"), OT_EINVAL);
    /* Nothing appeared: top holds root/ and outside/ only, outside is empty, bucket is empty. */
    assert_int_equal(count_entries(f->top), 2);
    assert_int_equal(count_entries(f->outside), 0);
    char bdir[400];
    snprintf(bdir, sizeof bdir, "%s/bkt", f->root);
    assert_int_equal(count_entries(bdir), 0);
    /* A listing prefix that climbs is just a prefix no key has. */
    ot_list_result r;
    assert_int_equal(ot_store_list(f->st, "bkt", "../", NULL, NULL, 1000, &r), 0);
    assert_int_equal(r.nentries + r.nprefixes, 0);
    ot_store_list_free(&r);
    assert_int_equal(ot_store_list(f->st, "bkt", "../../", "/", NULL, 1000, &r), 0);
    assert_int_equal(r.nentries + r.nprefixes, 0);
    ot_store_list_free(&r);
}

static void test_store__symlinks_not_followed(void **state)
{
    fixture *f = *state;
    char path[600], target[600];
    snprintf(path, sizeof path, "%s/secret", f->outside);
    FILE *fp = fopen(path, "w");
    fputs("top secret", fp);
    fclose(fp);
    /* bkt/dirlink -> outside/, bkt/filelink -> outside/secret */
    snprintf(path, sizeof path, "%s/bkt/dirlink", f->root);
    assert_int_equal(symlink(f->outside, path), 0);
    snprintf(path, sizeof path, "%s/bkt/filelink", f->root);
    snprintf(target, sizeof target, "%s/secret", f->outside);
    assert_int_equal(symlink(target, path), 0);

    void *data;
    size_t len;
    assert_int_equal(ot_store_get(f->st, "bkt", "dirlink/secret", &data, &len), OT_ENOTFOUND);
    assert_int_equal(ot_store_get(f->st, "bkt", "filelink", &data, &len), OT_ENOTFOUND);
    assert_int_not_equal(put_str(f->st, "dirlink/pwn", "x"), 0);
    assert_int_equal(ot_store_delete(f->st, "bkt", "dirlink/secret"), 0);
    assert_int_equal(count_entries(f->outside), 1); /* still only "secret" */
    ot_list_result r;
    assert_int_equal(ot_store_list(f->st, "bkt", "", NULL, NULL, 1000, &r), 0);
    assert_int_equal(r.nentries, 0);
    ot_store_list_free(&r);
    assert_int_equal(ot_store_list(f->st, "bkt", "dirlink/", NULL, NULL, 1000, &r), 0);
    assert_int_equal(r.nentries, 0);
    ot_store_list_free(&r);
    /* Overwriting the name replaces the link itself, never the file it points to. */
    assert_int_equal(put_str(f->st, "filelink", "mine"), 0);
    fp = fopen(target, "r");
    char buf[32] = {0};
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, "top secret");
    assert_int_equal(ot_store_get(f->st, "bkt", "filelink", &data, &len), 0);
    assert_memory_equal(data, "mine", 4);
    free(data);
    /* A bucket that is itself a symlink is not a bucket. */
    snprintf(path, sizeof path, "%s/linkbucket", f->root);
    assert_int_equal(symlink(f->outside, path), 0);
    assert_int_equal(ot_store_bucket_exists(f->st, "linkbucket"), OT_ENOTFOUND);
    assert_int_equal(ot_store_put(f->st, "linkbucket", "x", "x", 1, NULL), OT_ENOTFOUND);
    assert_int_equal(count_entries(f->outside), 1);
}

static void test_store__roundtrip_metadata(void **state)
{
    fixture *f = *state;
    const char body[] = "{\"Records\":[]}";
    ot_object_info in, out;
    char hex[33];
    uint8_t md[16];
    memset(&in, 0, sizeof in);
    snprintf(in.content_type, sizeof in.content_type, "application/json");
    in.meta[0].name = "signature";
    in.meta[0].value = "abcdef";
    in.meta[1].name = "signature-algorithm";
    in.meta[1].value = "SHA256withRSA";
    in.nmeta = 2;
    assert_int_equal(ot_store_put(f->st, "bkt", "AWSLogs/1/CloudTrail/x.json", body,
                                  strlen(body), &in), 0);
    assert_int_equal(ot_store_head(f->st, "bkt", "AWSLogs/1/CloudTrail/x.json", &out), 0);
    ot_md5(body, strlen(body), md);
    ot_hex(md, 16, hex);
    assert_string_equal(out.etag, hex);
    assert_int_equal(out.size, strlen(body));
    assert_string_equal(out.content_type, "application/json");
    assert_int_equal(out.nmeta, 2);
    assert_string_equal(out.meta[0].name, "signature");
    assert_string_equal(out.meta[0].value, "abcdef");
    assert_string_equal(out.meta[1].value, "SHA256withRSA");
    assert_true(out.mtime_ms > 1600000000000LL);
    ot_object_info_free(&out);

    void *data;
    size_t len;
    assert_int_equal(ot_store_get(f->st, "bkt", "AWSLogs/1/CloudTrail/x.json", &data, &len), 0);
    assert_int_equal(len, strlen(body));
    assert_memory_equal(data, body, len);
    free(data);
    /* The file sits at the key's path, readable by any tool. */
    char path[600];
    snprintf(path, sizeof path, "%s/bkt/AWSLogs/1/CloudTrail/x.json", f->root);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, (off_t)strlen(body));
    /* Empty objects and missing ones. */
    assert_int_equal(ot_store_put(f->st, "bkt", "empty", "", 0, NULL), 0);
    assert_int_equal(ot_store_head(f->st, "bkt", "empty", &out), 0);
    assert_string_equal(out.etag, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(ot_store_head(f->st, "bkt", "nope", &out), OT_ENOTFOUND);
    assert_int_equal(ot_store_head(f->st, "bkt", "AWSLogs/1", &out), OT_ENOTFOUND);
    assert_int_equal(ot_store_head(f->st, "nobucket", "x", &out), OT_ENOTFOUND);
    /* A file dropped in by hand is an object with a synthetic ETag. */
    snprintf(path, sizeof path, "%s/bkt/byhand.txt", f->root);
    FILE *fp = fopen(path, "w");
    fputs("hand", fp);
    fclose(fp);
    assert_int_equal(ot_store_head(f->st, "bkt", "byhand.txt", &out), 0);
    assert_int_equal(out.size, 4);
    assert_int_equal(strlen(out.etag), 32);
}

static void test_store__overwrite_atomic(void **state)
{
    fixture *f = *state;
    char big[100000];
    memset(big, 'B', sizeof big);
    assert_int_equal(put_str(f->st, "k", "version one"), 0);
    ot_store_reader *r;
    ot_object_info info;
    assert_int_equal(ot_store_reader_open(f->st, "bkt", "k", &r, &info), 0);
    assert_int_equal(info.size, 11);
    assert_int_equal(ot_store_put(f->st, "bkt", "k", big, sizeof big, NULL), 0);
    /* The reader that opened before the put still sees the complete old object: the new one
     * arrived by rename, not by rewriting the file in place. */
    char buf[32] = {0};
    size_t got;
    assert_int_equal(ot_store_reader_read(r, buf, sizeof buf, &got), 0);
    assert_int_equal(got, 11);
    assert_string_equal(buf, "version one");
    assert_int_equal(ot_store_reader_read(r, buf, sizeof buf, &got), 0);
    assert_int_equal(got, 0); /* the end */
    ot_store_reader_close(r);
    void *data;
    size_t len;
    assert_int_equal(ot_store_get(f->st, "bkt", "k", &data, &len), 0);
    assert_int_equal(len, sizeof big);
    assert_memory_equal(data, big, len);
    free(data);
    assert_int_equal(tmp_files(f), 0); /* no temp file left behind */
}

static void test_store__folder_markers_and_conflicts(void **state)
{
    fixture *f = *state;
    ot_object_info info;
    ot_list_result r;
    assert_int_equal(put_str(f->st, "logs/", ""), 0);
    assert_int_equal(ot_store_head(f->st, "bkt", "logs/", &info), 0);
    assert_int_equal(info.size, 0);
    assert_string_equal(info.etag, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(ot_store_head(f->st, "bkt", "logs", &info), OT_ENOTFOUND);
    assert_int_equal(put_str(f->st, "logs/", "data"), OT_EINVAL);
    assert_int_equal(put_str(f->st, "logs", "x"), OT_EEXIST);
    assert_int_equal(put_str(f->st, "logs/a", "x"), 0);
    assert_int_equal(ot_store_list(f->st, "bkt", "logs/", "/", NULL, 100, &r), 0);
    assert_int_equal(r.nentries, 2);
    assert_string_equal(r.entries[0].key, "logs/");
    assert_string_equal(r.entries[1].key, "logs/a");
    ot_store_list_free(&r);
    /* Deleting the key below keeps the marker; deleting the marker removes the directory. */
    assert_int_equal(ot_store_delete(f->st, "bkt", "logs/a"), 0);
    assert_int_equal(ot_store_head(f->st, "bkt", "logs/", &info), 0);
    assert_int_equal(ot_store_delete(f->st, "bkt", "logs/"), 0);
    assert_int_equal(ot_store_head(f->st, "bkt", "logs/", &info), OT_ENOTFOUND);
    char bdir[400];
    snprintf(bdir, sizeof bdir, "%s/bkt", f->root);
    assert_int_equal(count_entries(bdir), 0);
    /* File "a" and key "a/b" cannot both exist on a file system. */
    assert_int_equal(put_str(f->st, "a", "x"), 0);
    assert_int_equal(put_str(f->st, "a/b", "x"), OT_EEXIST);
    assert_int_equal(put_str(f->st, "a/", ""), OT_EEXIST);
    assert_int_equal(put_str(f->st, "c/d", "x"), 0);
    assert_int_equal(put_str(f->st, "c", "x"), OT_EEXIST);
    /* Deletes prune the empty directories they leave. */
    assert_int_equal(put_str(f->st, "p/q/r/s", "x"), 0);
    assert_int_equal(ot_store_delete(f->st, "bkt", "p/q/r/s"), 0);
    assert_int_equal(ot_store_delete(f->st, "bkt", "p/q/r/s"), 0); /* absent: still 0 */
    assert_int_equal(ot_store_delete(f->st, "bkt", "c/d"), 0);
    assert_int_equal(ot_store_delete(f->st, "bkt", "a"), 0);
    assert_int_equal(count_entries(bdir), 0);
}

static void test_store__buckets(void **state)
{
    fixture *f = *state;
    const char *good[] = {"abc", "my-bucket", "a.b.c", "123", "ct-logs-demo",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    const char *bad[] = {"ab", "", "Abc", "abc-", "-abc", ".abc", "a..b", "a_b", "a b",
                         "192.168.1.1", "xn--abc", "abc-s3alias", "a/b", "..", "a.-b",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(ot_store_bucket_name_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ot_store_bucket_name_valid(bad[i]));

    assert_int_equal(ot_store_bucket_create(f->st, "bkt"), OT_EEXIST);
    assert_int_equal(ot_store_bucket_create(f->st, "another"), 0);
    assert_int_equal(ot_store_bucket_exists(f->st, "another"), 0);
    assert_int_equal(ot_store_bucket_exists(f->st, "missing"), OT_ENOTFOUND);
    ot_bucket_info *b;
    size_t n;
    assert_int_equal(ot_store_bucket_list(f->st, &b, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(b[0].name, "another");
    assert_string_equal(b[1].name, "bkt");
    assert_true(b[0].created_ms > 1600000000000LL);
    free(b);
    assert_int_equal(put_str(f->st, "x/y", "1"), 0);
    assert_int_equal(ot_store_bucket_delete(f->st, "bkt"), OT_EEXIST);
    assert_int_equal(ot_store_delete(f->st, "bkt", "x/y"), 0);
    assert_int_equal(ot_store_bucket_delete(f->st, "bkt"), 0);
    assert_int_equal(ot_store_bucket_delete(f->st, "bkt"), OT_ENOTFOUND);
    assert_int_equal(ot_store_bucket_exists(f->st, "bkt"), OT_ENOTFOUND);
    assert_int_equal(put_str(f->st, "k", "v"), OT_ENOTFOUND);
    ot_list_result r;
    assert_int_equal(ot_store_list(f->st, "bkt", "", NULL, NULL, 10, &r), OT_ENOTFOUND);
}

/* ---- listing against a flat, sorted model ---- */

#define NKEYS 260

typedef struct model {
    char *keys[NKEYS];
    size_t n;
} model;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Random keys over directory names and file names that never collide, so the file system can
 * hold them all; the names include '-', '.', '0' and non-ASCII to exercise byte order. */
static void build_model(model *m, ot_store *st)
{
    const char *dirs[] = {"a", "b", "c-d", "\xc3\xbc"};
    const char *files[] = {"a-b", "a.c", "a0", "f", "x y", "-", "zz", "\xc3\xa9.txt", "b+c"};
    char key[256];
    unsigned seed = 42;
    m->n = 0;
    while (m->n < NKEYS - 6) {
        int depth = (int)(rand_r(&seed) % 4);
        size_t off = 0;
        for (int d = 0; d < depth; d++)
            off += (size_t)snprintf(key + off, sizeof key - off, "%s/",
                                    dirs[rand_r(&seed) % 4]);
        snprintf(key + off, sizeof key - off, "%s%u", files[rand_r(&seed) % 9],
                 rand_r(&seed) % 3);
        bool dup = false;
        for (size_t i = 0; i < m->n; i++)
            dup = dup || strcmp(m->keys[i], key) == 0;
        if (!dup)
            m->keys[m->n++] = strdup(key);
    }
    const char *markers[] = {"a/", "a/b/", "c-d/", "b/\xc3\xbc/", "\xc3\xbc/", "b/"};
    for (size_t i = 0; i < 6; i++)
        m->keys[m->n++] = strdup(markers[i]);
    qsort(m->keys, m->n, sizeof m->keys[0], cmp_str);
    for (size_t i = 0; i < m->n; i++)
        assert_int_equal(ot_store_put(st, "bkt", m->keys[i], "", 0, NULL), 0);
}

static void free_model(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->keys[i]);
}

typedef struct item {
    char text[300];
    bool is_prefix;
} item;

/* S3's ListObjects over the sorted key list, straight from its definition. */
static size_t model_list(const model *m, const char *prefix, const char *delim,
                         const char *marker, size_t max, item *out, bool *truncated)
{
    size_t n = 0, plen = strlen(prefix);
    *truncated = false;
    for (size_t i = 0; i < m->n; i++) {
        const char *k = m->keys[i];
        char cp[300];
        if (strncmp(k, prefix, plen) != 0)
            continue;
        const char *hit = delim ? strstr(k + plen, delim) : NULL;
        bool is_prefix = hit != NULL;
        if (hit)
            snprintf(cp, sizeof cp, "%.*s", (int)(hit - k + strlen(delim)), k);
        const char *text = hit ? cp : k;
        if (strcmp(text, marker) <= 0)
            continue;
        if (n && out[n - 1].is_prefix && is_prefix && strcmp(out[n - 1].text, text) == 0)
            continue;
        if (n == max) {
            *truncated = true;
            break;
        }
        snprintf(out[n].text, sizeof out[n].text, "%s", text);
        out[n].is_prefix = is_prefix;
        n++;
    }
    return n;
}

/* Merges a store result back into one sorted sequence of items. */
static size_t store_items(const ot_list_result *r, item *out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < r->nentries || j < r->nprefixes) {
        bool take_prefix = i == r->nentries ||
            (j < r->nprefixes && strcmp(r->common_prefixes[j], r->entries[i].key) < 0);
        snprintf(out[n].text, sizeof out[n].text, "%s",
                 take_prefix ? r->common_prefixes[j++] : r->entries[i++].key);
        out[n].is_prefix = take_prefix;
        n++;
    }
    return n;
}

static void check_case(ot_store *st, const model *m, const char *prefix, const char *delim,
                       const char *marker, size_t max)
{
    static item want[NKEYS + 1], got[NKEYS + 1];
    bool trunc;
    ot_list_result r;
    size_t nw = model_list(m, prefix, delim, marker, max, want, &trunc);
    assert_int_equal(ot_store_list(st, "bkt", prefix, delim, marker, max, &r), 0);
    size_t ng = store_items(&r, got);
    if (ng != nw || r.truncated != trunc)
        fail_msg("prefix '%s' delim '%s' marker '%s' max %zu: got %zu (trunc %d), want %zu "
                 "(trunc %d)", prefix, delim ? delim : "", marker, max, ng, r.truncated, nw,
                 trunc);
    for (size_t i = 0; i < nw; i++) {
        if (strcmp(want[i].text, got[i].text) != 0 || want[i].is_prefix != got[i].is_prefix)
            fail_msg("prefix '%s' delim '%s' marker '%s': item %zu is '%s', want '%s'", prefix,
                     delim ? delim : "", marker, i, got[i].text, want[i].text);
    }
    if (trunc)
        assert_string_equal(r.next_marker, want[nw - 1].text);
    for (size_t i = 0; i < r.nentries; i++)
        assert_string_equal(r.entries[i].info.etag, "d41d8cd98f00b204e9800998ecf8427e");
    ot_store_list_free(&r);
}

/* Pages through with next_marker and checks the pages add up to the unpaginated listing. */
static void check_pages(ot_store *st, const model *m, const char *prefix, const char *delim,
                        size_t page)
{
    static item want[NKEYS + 1], got[NKEYS + 1];
    bool trunc;
    size_t nw = model_list(m, prefix, delim, "", NKEYS + 1, want, &trunc), ng = 0;
    char marker[300] = "";
    for (int guard = 0; guard < NKEYS + 2; guard++) {
        ot_list_result r;
        item pg[NKEYS + 1];
        assert_int_equal(ot_store_list(st, "bkt", prefix, delim, marker, page, &r), 0);
        size_t n = store_items(&r, pg);
        assert_true(n <= page);
        assert_true(ng + n <= nw);
        memcpy(got + ng, pg, n * sizeof pg[0]);
        ng += n;
        bool more = r.truncated;
        if (more)
            snprintf(marker, sizeof marker, "%s", r.next_marker);
        ot_store_list_free(&r);
        if (!more)
            break;
    }
    assert_int_equal(ng, nw);
    for (size_t i = 0; i < nw; i++)
        assert_string_equal(got[i].text, want[i].text);
}

static void test_store__list_matches_model(void **state)
{
    fixture *f = *state;
    model m;
    build_model(&m, f->st);
    const char *prefixes[] = {"", "a", "a/", "a/b/", "b/", "c", "\xc3\xbc/", "zz", "a/a",
                              "b/\xc3\xbc/", "nothing/", "a/b/a"};
    const char *delims[] = {NULL, "/", "-", "b/", "0"};
    const char *markers[] = {"", "a/", "a-b1", "b/", "b/a/f2", "c-d/\xc3\xbc/", "a/b", "zzz"};
    size_t maxes[] = {1, 7, 1000};
    for (size_t p = 0; p < sizeof prefixes / sizeof *prefixes; p++)
        for (size_t d = 0; d < sizeof delims / sizeof *delims; d++) {
            for (size_t k = 0; k < sizeof markers / sizeof *markers; k++)
                for (size_t x = 0; x < sizeof maxes / sizeof *maxes; x++)
                    check_case(f->st, &m, prefixes[p], delims[d], markers[k], maxes[x]);
            check_pages(f->st, &m, prefixes[p], delims[d], 1);
            check_pages(f->st, &m, prefixes[p], delims[d], 13);
        }
    /* The whole bucket, in order, equals the sorted model. */
    ot_list_result r;
    assert_int_equal(ot_store_list(f->st, "bkt", NULL, NULL, NULL, 1000, &r), 0);
    assert_int_equal(r.nentries, m.n);
    for (size_t i = 0; i < m.n; i++)
        assert_string_equal(r.entries[i].key, m.keys[i]);
    ot_store_list_free(&r);
    free_model(&m);
}

/* Owners are recorded with the bucket and survive a reopen; policies are kept byte for byte and
 * go away with their bucket; neither shows up as a bucket or leaves temp files. */
static void test_store__owner_and_policy(void **state)
{
    fixture *f = *state;
    char owner[16], *json;
    size_t len;
    const char doc[] = "{\"Statement\":[]}";
    assert_int_equal(ot_store_bucket_create_owned(f->st, "owned", "999999999999"), 0);
    assert_int_equal(ot_store_bucket_create_owned(f->st, "owned", "123456789012"), OT_EEXIST);
    assert_int_equal(ot_store_bucket_create_owned(f->st, "bad-owner", "12345"), OT_EINVAL);
    assert_int_equal(ot_store_bucket_exists(f->st, "bad-owner"), OT_ENOTFOUND);
    assert_int_equal(ot_store_bucket_owner(f->st, "owned", owner), 0);
    assert_string_equal(owner, "999999999999");
    assert_int_equal(ot_store_bucket_owner(f->st, "bkt", owner), 0);
    assert_string_equal(owner, ""); /* created without an owner record */
    assert_int_equal(ot_store_bucket_owner(f->st, "missing", owner), OT_ENOTFOUND);

    assert_int_equal(ot_store_policy_get(f->st, "owned", &json, &len), OT_ENOTFOUND);
    assert_int_equal(ot_store_policy_put(f->st, "missing", doc, sizeof doc - 1), OT_ENOTFOUND);
    assert_int_equal(ot_store_policy_put(f->st, "owned", doc, sizeof doc - 1), 0);
    assert_int_equal(ot_store_policy_get(f->st, "owned", &json, &len), 0);
    assert_int_equal(len, sizeof doc - 1);
    assert_memory_equal(json, doc, len);
    free(json);
    assert_int_equal(ot_store_policy_delete(f->st, "owned"), 0);
    assert_int_equal(ot_store_policy_delete(f->st, "owned"), 0);
    assert_int_equal(ot_store_policy_get(f->st, "owned", &json, &len), OT_ENOTFOUND);

    /* a re-created bucket starts without the old policy */
    assert_int_equal(ot_store_policy_put(f->st, "owned", doc, sizeof doc - 1), 0);
    assert_int_equal(ot_store_bucket_delete(f->st, "owned"), 0);
    assert_int_equal(ot_store_bucket_create_owned(f->st, "owned", "123456789012"), 0);
    assert_int_equal(ot_store_policy_get(f->st, "owned", &json, &len), OT_ENOTFOUND);

    ot_store_close(f->st);
    assert_int_equal(ot_store_open_local(f->root, &f->st), 0);
    assert_int_equal(ot_store_bucket_owner(f->st, "owned", owner), 0);
    assert_string_equal(owner, "123456789012");
    ot_bucket_info *v;
    size_t n;
    assert_int_equal(ot_store_bucket_list(f->st, &v, &n), 0);
    assert_int_equal(n, 2); /* bkt and owned; not .policy or .tmp */
    free(v);
    assert_int_equal(tmp_files(f), 0);
}

/* A reader reads in chunks from where it was moved to, and has a file for zero-copy sending. */
static void test_store__reader_streams_and_seeks(void **state)
{
    fixture *f = *state;
    char big[70000], buf[4096];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    assert_int_equal(ot_store_put(f->st, "bkt", "big", big, sizeof big, NULL), 0);
    ot_store_reader *r;
    assert_int_equal(ot_store_reader_open(f->st, "bkt", "big", &r, NULL), 0);
    assert_true(ot_store_reader_fd(r) >= 0);
    size_t total = 0, got;
    do {
        assert_int_equal(ot_store_reader_read(r, buf, sizeof buf, &got), 0);
        assert_memory_equal(buf, big + total, got);
        total += got;
    } while (got > 0);
    assert_int_equal(total, sizeof big);
    ot_store_reader_seek(r, 69990);
    assert_int_equal(ot_store_reader_read(r, buf, sizeof buf, &got), 0);
    assert_int_equal(got, 10);
    assert_memory_equal(buf, big + 69990, 10);
    ot_store_reader_seek(r, 80000); /* past the end: nothing, not an error */
    assert_int_equal(ot_store_reader_read(r, buf, sizeof buf, &got), 0);
    assert_int_equal(got, 0);
    ot_store_reader_close(r);
    assert_int_equal(ot_store_reader_open(f->st, "bkt", "absent", &r, NULL), OT_ENOTFOUND);
    assert_null(r);
    assert_int_equal(ot_store_reader_open(f->st, "nobucket", "big", &r, NULL), OT_ENOTFOUND);
}

/* The key holds exactly want (NULL: no object) and no temp file is left. */
static void assert_object(fixture *f, const char *key, const char *want)
{
    void *data;
    size_t len;
    int rc = ot_store_get(f->st, "bkt", key, &data, &len);
    if (!want) {
        assert_int_equal(rc, OT_ENOTFOUND);
    } else {
        assert_int_equal(rc, 0);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(data, want, len);
        free(data);
    }
    assert_int_equal(tmp_files(f), 0);
}

/* A put whose fsync fails reports OT_EIO: the new key does not appear, an overwritten key keeps
 * its old object, and the same put succeeds once the fault clears. */
static void test_store__fault_fsync_fails(void **state)
{
    fixture *f = *state;
    assert_int_equal(put_str(f->st, "AWSLogs/old", "old content"), 0);
    fault_arm();
    fault.fsync_fail_from = 0;
    assert_int_equal(put_str(f->st, "AWSLogs/new", "new content"), OT_EIO);
    assert_int_equal(put_str(f->st, "AWSLogs/old", "replacement"), OT_EIO);
    assert_true(fault.syncs > 0);
    fault_clear();
    assert_object(f, "AWSLogs/new", NULL);
    assert_object(f, "AWSLogs/old", "old content");
    ot_object_info info;
    assert_int_equal(ot_store_head(f->st, "bkt", "AWSLogs/new", &info), OT_ENOTFOUND);

    /* the sync of the new object's file passes, the directory's after the rename fails: the
     * put still reports the error, and what the key holds is the whole new object */
    fault_arm();
    fault.fsync_fail_from = 1;
    assert_int_equal(put_str(f->st, "AWSLogs/old", "replacement"), OT_EIO);
    fault_clear();
    assert_object(f, "AWSLogs/old", "replacement");

    assert_int_equal(put_str(f->st, "AWSLogs/new", "new content"), 0);
    assert_object(f, "AWSLogs/new", "new content");
}

/* A write cut short on a filling disk (half written, then ENOSPC) is transient: OT_EAGAIN, no
 * object, no temp file; a short write alone is finished by the store. */
static void test_store__fault_short_write(void **state)
{
    fixture *f = *state;
    char big[10000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fault_arm();
    fault.write_short_at = 0;
    assert_int_equal(put_str(f->st, "k", big), OT_EAGAIN);
    assert_true(fault.writes >= 2);
    fault_clear();
    assert_object(f, "k", NULL);

    /* only a short write, no error after it: the store writes the rest */
    fault_arm();
    fault.write_short_at = 0;
    fault.short_only = true;
    assert_int_equal(put_str(f->st, "k", big), 0);
    assert_true(fault.writes >= 2);
    fault_clear();
    assert_object(f, "k", big);
}

/* Bucket creation and policies go through the same table: a failing fsync creates nothing. */
static void test_store__fault_bucket_and_policy(void **state)
{
    fixture *f = *state;
    const char doc[] = "{\"Statement\":[]}";
    char *json;
    size_t len;
    fault_arm();
    fault.fsync_fail_from = 0;
    assert_int_equal(ot_store_bucket_create_owned(f->st, "newbkt", "123456789012"), OT_EIO);
    assert_int_equal(ot_store_policy_put(f->st, "bkt", doc, sizeof doc - 1), OT_EIO);
    fault_clear();
    assert_int_equal(ot_store_bucket_exists(f->st, "newbkt"), OT_ENOTFOUND);
    assert_int_equal(ot_store_policy_get(f->st, "bkt", &json, &len), OT_ENOTFOUND);
    assert_object(f, "k", NULL); /* and no temp file */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__key_rules),
        cmocka_unit_test_setup_teardown(test_store__hostile_keys_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__symlinks_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__roundtrip_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__overwrite_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__folder_markers_and_conflicts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__list_matches_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__owner_and_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__reader_streams_and_seeks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__fault_fsync_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__fault_short_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__fault_bucket_and_policy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
