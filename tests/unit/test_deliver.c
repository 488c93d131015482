/* test_deliver.c — delivery: key naming, gzip, routing, batching, sealing and crash recovery.
 *
 * The pipeline tests run the real delivery thread over a fake environment (an in-memory WAL,
 * object map, trail list and a real SQLite state.db), so they can pin the clock, fail puts and
 * "crash" between writing the files and marking the intent done. */
#include <glob.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zlib.h>

#include "deliver/deliver_int.h"
#include "otest.h"
#include "util/err.h"
#include "util/gzip.h"
#include "util/timeutil.h"
#include "wal/wal.h"
#include "wal/wal_cursor.h"

#define ACCT "111122223333"
#define ACCT2 "444455556666"
#define T1_ARN "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/t1"
#define T2_ARN "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/t2"
#define CHAN_ARN "arn:aws:cloudtrail:us-east-1:" ACCT ":channel/0c8c5c7e-2b1a-4f8e-9e2a-000000000001"
#define SEAL_MS 1438395000000LL /* 2015-08-01T02:10:00Z */

/* ---------------------------------------------------------------- helpers */

static ot_trail mk_trail(const char *arn, const char *name, const char *home, bool multi)
{
    ot_trail t;
    memset(&t, 0, sizeof t);
    snprintf(t.arn, sizeof t.arn, "%s", arn);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.account_id, sizeof t.account_id, ACCT);
    snprintf(t.home_region, sizeof t.home_region, "%s", home);
    snprintf(t.bucket, sizeof t.bucket, "logs-%s", name);
    t.multi_region = multi;
    t.include_global = true;
    t.logging = true;
    t.start_logging_ms = 1000;
    return t;
}

typedef struct ev {
    ot_event e;
    char json[256];
    char id[40];
} ev;

static void mk_event(ev *x, int seq, uint8_t cat, const char *acct, const char *region,
                     const char *source)
{
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "00000000-0000-4000-8000-%012d", seq);
    snprintf(x->json, sizeof x->json,
             "{\"eventVersion\":\"1.11\",\"eventSource\":\"%s\",\"eventName\":\"Op%d\","
             "\"awsRegion\":\"%s\",\"eventID\":\"%s\",\"recipientAccountId\":\"%s\",\"seq\":%d}",
             source, seq, region, x->id, acct, seq);
    x->e = (ot_event){.ingest_ms = 5000 + seq, .category = cat, .rw = OT_RW_WRITE,
                      .account_id = acct, .region = region, .event_source = source,
                      .event_name = "Op", .event_id = x->id, .channel_arn = "",
                      .json = x->json, .json_len = strlen(x->json)};
}

/* Inflates one gzip member; fails the test if there are bytes after it. */
static char *gunzip_one(const void *gz, size_t n, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    zs.next_in = (Bytef *)gz;
    zs.avail_in = (uInt)n;
    int rc;
    do {
        if (len == cap)
            out = realloc(out, cap *= 2);
        zs.next_out = (Bytef *)out + len;
        zs.avail_out = (uInt)(cap - len);
        rc = inflate(&zs, Z_NO_FLUSH);
        len = cap - zs.avail_out;
        assert_true(rc == Z_OK || rc == Z_STREAM_END);
    } while (rc != Z_STREAM_END);
    assert_int_equal(zs.avail_in, 0); /* exactly one member, nothing after it */
    inflateEnd(&zs);
    *outlen = len;
    return out;
}

/* Parses {"Records":[...]} (with SQLite's JSON parser) and returns the "seq" of each record in
 * order. The envelope must be an object with the single member "Records", an array. */
static size_t records_seq(const char *json, size_t len, int *seqs, size_t max)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT json_valid(?1), json_type(?1),"
                                        " (SELECT count(*) FROM json_each(?1)),"
                                        " json_type(?1, '$.Records')",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "object");
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 3), "array");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT json_extract(value, '$.seq') FROM"
                                        " json_each(?1, '$.Records') ORDER BY key",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_true(n < max);
        seqs[n++] = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* ---------------------------------------------------------------- key naming */

static void test_key_standard(void **state)
{
    ot_trail t = mk_trail(T1_ARN, "t1", "us-east-2", false);
    char key[1100], u[17];
    assert_int_equal(ot_deliver_key(&t, ACCT, "us-east-2", SEAL_MS + 59999, 10, 20, key,
                                    sizeof key), 0);
    ot_deliver_unique16(T1_ARN, 10, 20, ACCT, "us-east-2", u);
    char want[512];
    snprintf(want, sizeof want,
             "AWSLogs/" ACCT "/CloudTrail/us-east-2/2015/08/01/" ACCT
             "_CloudTrail_us-east-2_20150801T0210Z_%s.json.gz", u);
    assert_string_equal(key, want);
    assert_int_equal(strlen(u), 16);
    for (int i = 0; i < 16; i++)
        assert_true((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
                    (u[i] >= '0' && u[i] <= '9'));
    /* derived, not random: same inputs, same name; any input changes it */
    char u2[17];
    ot_deliver_unique16(T1_ARN, 10, 20, ACCT, "us-east-2", u2);
    assert_string_equal(u, u2);
    const char *other[][3] = {{T2_ARN, ACCT, "us-east-2"}, {T1_ARN, ACCT2, "us-east-2"},
                              {T1_ARN, ACCT, "us-west-2"}};
    for (size_t i = 0; i < 3; i++) {
        ot_deliver_unique16(other[i][0], 10, 20, other[i][1], other[i][2], u2);
        assert_string_not_equal(u, u2);
    }
    ot_deliver_unique16(T1_ARN, 10, 21, ACCT, "us-east-2", u2);
    assert_string_not_equal(u, u2);
    ot_deliver_unique16(T1_ARN, 11, 20, ACCT, "us-east-2", u2);
    assert_string_not_equal(u, u2);
}

static void test_key_prefix_org_regions(void **state)
{
    ot_trail t = mk_trail(T1_ARN, "t1", "us-east-1", true);
    char key[1100];
    snprintf(t.prefix, sizeof t.prefix, "team/audit//");
    assert_int_equal(ot_deliver_key(&t, ACCT, "eu-west-1", SEAL_MS, 1, 2, key, sizeof key), 0);
    assert_true(strncmp(key, "team/audit/AWSLogs/" ACCT "/CloudTrail/eu-west-1/2015/08/01/" ACCT
                        "_CloudTrail_eu-west-1_20150801T0210Z_", 76) == 0);
    assert_null(strstr(key, "//"));
    /* organization trail: o-id level after AWSLogs/, file name starts with the member account */
    t.organization = true;
    snprintf(t.org_id, sizeof t.org_id, "o-exampleorgid");
    t.prefix[0] = '\0';
    assert_int_equal(ot_deliver_key(&t, ACCT2, "ap-south-1", SEAL_MS, 1, 2, key, sizeof key), 0);
    assert_true(strncmp(key, "AWSLogs/o-exampleorgid/" ACCT2 "/CloudTrail/ap-south-1/2015/08/01/"
                        ACCT2 "_CloudTrail_ap-south-1_20150801T0210Z_", 95) == 0);
    assert_int_equal(strlen(strrchr(key, '_')), 1 + 16 + 8);
    /* too small a buffer is an error, never a truncated key */
    assert_int_equal(ot_deliver_key(&t, ACCT2, "ap-south-1", SEAL_MS, 1, 2, key, 40), OT_ELIMIT);
}

/* ---------------------------------------------------------------- gzip */

static void test_gzip_one_member(void **state)
{
    ot_buf in, gz, gz2;
    ot_buf_init(&in, 0);
    ot_buf_init(&gz, 0);
    ot_buf_init(&gz2, 0);
    ot_buf_puts(&in, "{\"Records\":[");
    srand(7);
    for (int i = 0; i < 20000; i++)
        ot_buf_printf(&in, "%s{\"seq\":%d,\"r\":%d}", i ? "," : "", i, rand());
    ot_buf_puts(&in, "]}");
    assert_int_equal(ot_gzip(in.data, in.len, &gz), 0);
    assert_true(gz.len > 18 && gz.len < in.len);
    assert_int_equal((uint8_t)gz.data[0], 0x1f);
    assert_int_equal((uint8_t)gz.data[1], 0x8b);
    size_t n;
    char *out = gunzip_one(gz.data, gz.len, &n);
    assert_int_equal(n, in.len);
    assert_memory_equal(out, in.data, n);
    free(out);
    assert_int_equal(ot_gzip(in.data, in.len, &gz2), 0); /* deterministic */
    assert_int_equal(gz.len, gz2.len);
    assert_memory_equal(gz.data, gz2.data, gz.len);
    /* incompressible input still makes one valid member */
    ot_buf_reset(&in);
    ot_buf_reset(&gz);
    for (int i = 0; i < 300000; i++)
        ot_buf_putc(&in, (char)(rand() & 0xff));
    assert_int_equal(ot_gzip(in.data, in.len, &gz), 0);
    out = gunzip_one(gz.data, gz.len, &n);
    assert_int_equal(n, in.len);
    assert_memory_equal(out, in.data, n);
    free(out);
    ot_buf_free(&in);
    ot_buf_free(&gz);
    ot_buf_free(&gz2);
}

/* ---------------------------------------------------------------- routing */

static bool chan_yes_t1(void *ctx, const char *channel_arn, const char *trail_arn)
{
    return strcmp(channel_arn, CHAN_ARN) == 0 && strcmp(trail_arn, T1_ARN) == 0;
}

static void test_routing_rules(void **state)
{
    ot_trail single = mk_trail(T1_ARN, "t1", "us-west-2", false);
    ot_trail multi = mk_trail(T2_ARN, "t2", "us-west-2", true);
    ev x;
    mk_event(&x, 1, OT_CAT_MANAGEMENT, ACCT, "us-west-2", "ec2.amazonaws.com");
    assert_true(ot_deliver_trail_wants(&single, &x.e, NULL, NULL));
    assert_true(ot_deliver_trail_wants(&multi, &x.e, NULL, NULL));
    mk_event(&x, 2, OT_CAT_MANAGEMENT, ACCT, "eu-west-1", "ec2.amazonaws.com");
    assert_false(ot_deliver_trail_wants(&single, &x.e, NULL, NULL)); /* region not covered */
    assert_true(ot_deliver_trail_wants(&multi, &x.e, NULL, NULL));
    mk_event(&x, 3, OT_CAT_MANAGEMENT, ACCT2, "us-west-2", "ec2.amazonaws.com");
    assert_false(ot_deliver_trail_wants(&single, &x.e, NULL, NULL)); /* other account */
    single.organization = true;
    assert_true(ot_deliver_trail_wants(&single, &x.e, NULL, NULL)); /* org trail: all members */
    single.organization = false;
    /* data events: not with the default (basic) selectors; insights: not here */
    mk_event(&x, 4, OT_CAT_DATA, ACCT, "us-west-2", "s3.amazonaws.com");
    assert_false(ot_deliver_trail_wants(&single, &x.e, NULL, NULL));
    mk_event(&x, 5, OT_CAT_INSIGHT, ACCT, "us-west-2", "ec2.amazonaws.com");
    assert_false(ot_deliver_trail_wants(&multi, &x.e, NULL, NULL));
    /* global service events need IncludeGlobalServiceEvents */
    mk_event(&x, 6, OT_CAT_MANAGEMENT, ACCT, "us-east-1", "iam.amazonaws.com");
    assert_true(ot_deliver_is_global_event(&x.e));
    assert_true(ot_deliver_trail_wants(&multi, &x.e, NULL, NULL));
    multi.include_global = false;
    assert_false(ot_deliver_trail_wants(&multi, &x.e, NULL, NULL));
    mk_event(&x, 7, OT_CAT_MANAGEMENT, ACCT, "us-east-1", "ec2.amazonaws.com");
    assert_false(ot_deliver_is_global_event(&x.e));
    assert_true(ot_deliver_trail_wants(&multi, &x.e, NULL, NULL));
    /* events accepted before the trail started logging are not its business */
    mk_event(&x, 8, OT_CAT_MANAGEMENT, ACCT, "us-west-2", "ec2.amazonaws.com");
    single.start_logging_ms = x.e.ingest_ms + 1;
    assert_false(ot_deliver_trail_wants(&single, &x.e, NULL, NULL));
    single.start_logging_ms = x.e.ingest_ms;
    assert_true(ot_deliver_trail_wants(&single, &x.e, NULL, NULL));
    /* activity events: only the trails the channel names, whatever their region/account */
    mk_event(&x, 9, OT_CAT_ACTIVITY, ACCT2, "sa-east-1", "myapp");
    x.e.channel_arn = CHAN_ARN;
    assert_true(ot_deliver_trail_wants(&single, &x.e, chan_yes_t1, NULL));
    assert_false(ot_deliver_trail_wants(&multi, &x.e, chan_yes_t1, NULL));
    assert_false(ot_deliver_trail_wants(&single, &x.e, NULL, NULL));
    x.e.channel_arn = "";
    assert_false(ot_deliver_trail_wants(&single, &x.e, chan_yes_t1, NULL));
    /* snapshots: a change to anything routing or naming reads is a change */
    ot_trail a = mk_trail(T1_ARN, "t1", "us-east-1", false), b = a;
    assert_true(ot_deliver_same_routing(&a, &b));
    snprintf(b.sns_topic_name, sizeof b.sns_topic_name, "topic");
    assert_true(ot_deliver_same_routing(&a, &b));
    snprintf(b.prefix, sizeof b.prefix, "p");
    assert_false(ot_deliver_same_routing(&a, &b));
    b = a;
    b.multi_region = true;
    assert_false(ot_deliver_same_routing(&a, &b));
}

static void test_batchset(void **state)
{
    ot_deliver_batchset s = {0};
    ev x;
    const char *regions[] = {"us-east-1", "us-west-2", "us-east-1", "us-east-1", "us-west-2"};
    for (int i = 0; i < 5; i++) {
        mk_event(&x, i, OT_CAT_MANAGEMENT, ACCT, regions[i], "ec2.amazonaws.com");
        assert_int_equal(ot_deliver_batchset_add(&s, &x.e), 0);
    }
    assert_int_equal(s.n, 2);
    assert_int_equal(s.events, 5);
    int seqs[8];
    assert_int_equal(ot_deliver_batch_close(&s.v[0]), 0);
    assert_int_equal(records_seq(s.v[0].body.data, s.v[0].body.len, seqs, 8), 3);
    assert_int_equal(seqs[0], 0);
    assert_int_equal(seqs[1], 2);
    assert_int_equal(seqs[2], 3);
    assert_string_equal(s.v[1].region, "us-west-2");
    assert_int_equal(s.v[1].events, 2);
    /* hostile routing fields cannot overflow the slot */
    char longregion[64];
    memset(longregion, 'r', 63);
    longregion[63] = '\0';
    mk_event(&x, 9, OT_CAT_MANAGEMENT, ACCT, longregion, "ec2.amazonaws.com");
    assert_int_equal(ot_deliver_batchset_add(&s, &x.e), OT_EINVAL);
    /* channels survive a round trip through the intent's text column */
    assert_int_equal(ot_deliver_batchset_note_channel(&s, "c1"), 0);
    assert_int_equal(ot_deliver_batchset_note_channel(&s, "c2"), 0);
    assert_int_equal(ot_deliver_batchset_note_channel(&s, "c1"), 0);
    assert_int_equal(ot_deliver_batchset_note_channel(&s, "bad\nname"), OT_EINVAL);
    char *joined = ot_deliver_batchset_channels(&s);
    assert_string_equal(joined, "c1\nc2");
    ot_deliver_batchset_reset(&s);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.nchans, 0);
    assert_int_equal(ot_deliver_batchset_set_channels(&s, joined), 0);
    assert_true(ot_deliver_batchset_has_channel(&s, "c2"));
    assert_false(ot_deliver_batchset_has_channel(&s, "c3"));
    free(joined);
    ot_deliver_batchset_free(&s);
}

/* ---------------------------------------------------------------- fake environment */

typedef struct frec {
    uint64_t lsn;
    char *p;
    size_t n;
} frec;

typedef struct fobj {
    char bucket[64];
    char key[1100];
    char *data;
    size_t len;
    int puts;
} fobj;

typedef struct fake {
    pthread_mutex_t mu;
    ot_wal *wal;              /* when set, the WAL functions go to this real WAL */
    frec *recs;
    size_t nrecs;
    uint64_t released;        /* highest floor committed + 1 (what the WAL may drop below) */
    ot_wal_cursor *cur;       /* delivery's cursor over the real WAL */
    uint64_t next;            /* the fake cursor: next LSN delivery reads */
    pthread_cond_t cv;        /* the fake cursor's wait: signalled by notifying appends */
    bool kick;
    fobj objs[64];
    size_t nobjs;
    int total_puts;
    bool fail_puts;
    char fail_key[64];        /* puts to keys containing this fail with fail_rc */
    int fail_rc;
    int key_fails;
    char qdir[64];            /* the quarantine directory (a temp dir) */
    ot_trail trails[4];
    size_t ntrails;
    char chan_dest[320];      /* CHAN_ARN's AWS_SERVICE destination */
    int notes_ok, notes_err;
    char last_error[512];
    sqlite3 *db;
    int64_t now;
    int crash_on_seal;        /* crash hook fires on this seal number (1-based), 0 = never */
    int seals_seen;
} fake;

static fake *F;

static void f_lock(fake *f) { pthread_mutex_lock(&f->mu); }
static void f_unlock(fake *f) { pthread_mutex_unlock(&f->mu); }

static int f_open(void *ctx, uint64_t floor)
{
    fake *f = ctx;
    if (f->wal)
        return ot_wal_cursor_open(f->wal, "delivery", floor, &f->cur);
    f_lock(f);
    f->next = floor + 1;
    f_unlock(f);
    return 0;
}

static int f_next(void *ctx, size_t max, ot_wal_visitor fn, void *vctx)
{
    fake *f = ctx;
    if (f->wal)
        return ot_wal_cursor_read(f->cur, max, fn, vctx);
    int n = 0;
    f_lock(f);
    while ((size_t)n < max && f->next <= f->nrecs) {
        frec r = f->recs[f->next - 1];
        f_unlock(f); /* the routing may call back into the fake */
        int rc = fn(vctx, r.lsn, r.p, r.n);
        f_lock(f);
        if (rc)
            break;
        f->next++;
        n++;
    }
    f_unlock(f);
    return n;
}

static int f_wait(void *ctx, int timeout_ms)
{
    fake *f = ctx;
    if (f->wal)
        return ot_wal_cursor_wait(f->cur, timeout_ms);
    struct timespec now, ts;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t end = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + (int64_t)timeout_ms * 1000000;
    ts = (struct timespec){.tv_sec = end / 1000000000, .tv_nsec = end % 1000000000};
    f_lock(f);
    while (!f->kick && f->next > f->nrecs && pthread_cond_timedwait(&f->cv, &f->mu, &ts) == 0)
        ;
    int ready = f->next <= f->nrecs;
    f->kick = false;
    f_unlock(f);
    return ready;
}

static void f_wake(void *ctx)
{
    fake *f = ctx;
    if (f->wal) {
        ot_wal_cursor_wake(f->cur);
        return;
    }
    f_lock(f);
    f->kick = true;
    pthread_cond_broadcast(&f->cv);
    f_unlock(f);
}

static int f_read(void *ctx, uint64_t from, ot_wal_visitor fn, void *vctx)
{
    fake *f = ctx;
    if (f->wal)
        return ot_wal_read(f->wal, from, fn, vctx);
    f_lock(f);
    int rc = 0;
    for (size_t i = 0; i < f->nrecs && !rc; i++)
        if (f->recs[i].lsn >= from)
            rc = fn(vctx, f->recs[i].lsn, f->recs[i].p, f->recs[i].n);
    f_unlock(f);
    return rc;
}

static int f_commit(void *ctx, uint64_t floor)
{
    fake *f = ctx;
    int rc = f->wal ? ot_wal_cursor_commit(f->cur, floor) : 0;
    f_lock(f);
    if (floor + 1 > f->released)
        f->released = floor + 1;
    f_unlock(f);
    return rc;
}

static void f_close(void *ctx)
{
    fake *f = ctx;
    ot_wal_cursor_close(f->cur);
    f->cur = NULL;
}

static int f_put(void *ctx, const char *bucket, const char *key, const void *data, size_t len)
{
    fake *f = ctx;
    f_lock(f);
    int rc = 0;
    if (f->fail_puts) {
        rc = OT_EIO;
        goto out;
    }
    if (f->fail_key[0] && strstr(key, f->fail_key)) {
        f->key_fails++;
        rc = f->fail_rc;
        goto out;
    }
    f->total_puts++;
    fobj *o = NULL;
    for (size_t i = 0; i < f->nobjs; i++)
        if (!strcmp(f->objs[i].bucket, bucket) && !strcmp(f->objs[i].key, key))
            o = &f->objs[i];
    if (!o) {
        assert_true(f->nobjs < 64);
        o = &f->objs[f->nobjs++];
        snprintf(o->bucket, sizeof o->bucket, "%s", bucket);
        snprintf(o->key, sizeof o->key, "%s", key);
    }
    free(o->data);
    o->data = malloc(len);
    memcpy(o->data, data, len);
    o->len = len;
    o->puts++;
out:
    f_unlock(f);
    return rc;
}

static int f_list(void *ctx, ot_trail **out, size_t *n)
{
    fake *f = ctx;
    f_lock(f);
    *out = calloc(f->ntrails + 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; i < f->ntrails; i++)
        if (f->trails[i].logging)
            (*out)[(*n)++] = f->trails[i];
    f_unlock(f);
    return 0;
}

static int f_get(void *ctx, const char *arn, ot_trail *out)
{
    fake *f = ctx;
    int rc = OT_ENOTFOUND;
    f_lock(f);
    for (size_t i = 0; i < f->ntrails; i++)
        if (!strcmp(f->trails[i].arn, arn)) {
            *out = f->trails[i];
            rc = 0;
        }
    f_unlock(f);
    return rc;
}

static int f_chan(void *ctx, const char *arn, char ***trails, size_t *n)
{
    fake *f = ctx;
    *trails = NULL;
    *n = 0;
    if (strcmp(arn, CHAN_ARN) != 0)
        return OT_ENOTFOUND;
    f_lock(f);
    *trails = calloc(1, sizeof **trails);
    if (f->chan_dest[0]) {
        (*trails)[0] = strdup(f->chan_dest);
        *n = 1;
    }
    f_unlock(f);
    return 0;
}

static int f_note(void *ctx, const char *arn, int64_t ms, const char *error)
{
    fake *f = ctx;
    f_lock(f);
    if (error) {
        f->notes_err++;
        snprintf(f->last_error, sizeof f->last_error, "%s", error);
    } else {
        f->notes_ok++;
        f->last_error[0] = '\0';
    }
    f_unlock(f);
    return 0;
}

static int f_db(void *ctx, int (*fn)(struct sqlite3 *, void *), void *fctx)
{
    fake *f = ctx;
    f_lock(f);
    int rc = fn(f->db, fctx);
    f_unlock(f);
    return rc;
}

static int64_t f_now(void *ctx) { return ((fake *)ctx)->now; }

static int f_crash(void *ctx, const char *arn, uint64_t a, uint64_t b)
{
    fake *f = ctx;
    f_lock(f);
    int n = ++f->seals_seen;
    int crash = f->crash_on_seal && n == f->crash_on_seal;
    f_unlock(f);
    return crash;
}

static ot_deliver_opts f_opts(fake *f)
{
    ot_deliver_opts o = {0};
    o.env = (ot_deliver_env){.ctx = f,
                             .wal_open = f_open,
                             .wal_next = f_next,
                             .wal_wait = f_wait,
                             .wal_wake = f_wake,
                             .wal_commit = f_commit,
                             .wal_read = f_read,
                             .close = f_close,
                             .put = f_put,
                             .list_logging = f_list,
                             .get_trail = f_get,
                             .channel_trails = f_chan,
                             .note_delivery = f_note,
                             .db_with = f_db,
                             .now_ms = f_now};
    o.interval_ms = 3600 * 1000;
    o.max_bytes = 1 << 20;
    o.retry_base_ms = 50;
    o.retry_max_ms = 200;
    o.crash_hook = f_crash;
    o.crash_ctx = f;
    snprintf(o.quarantine_dir, sizeof o.quarantine_dir, "%s/quarantine", f->qdir);
    return o;
}

static int fake_setup(void **state)
{
    fake *f = calloc(1, sizeof *f);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&f->mu, &a);
    pthread_mutexattr_destroy(&a);
    pthread_cond_init(&f->cv, NULL);
    assert_int_equal(sqlite3_open(":memory:", &f->db), SQLITE_OK);
    f->now = SEAL_MS;
    otest_tmpdir(f->qdir, sizeof f->qdir, "test-deliver");
    f->trails[0] = mk_trail(T1_ARN, "t1", "us-east-1", false);
    f->trails[1] = mk_trail(T2_ARN, "t2", "us-east-1", true);
    f->trails[1].logging = false;
    f->ntrails = 2;
    F = f;
    *state = f;
    return 0;
}

static int fake_teardown(void **state)
{
    fake *f = *state;
    for (size_t i = 0; i < f->nrecs; i++)
        free(f->recs[i].p);
    free(f->recs);
    for (size_t i = 0; i < f->nobjs; i++)
        free(f->objs[i].data);
    sqlite3_close(f->db);
    otest_rmrf(f->qdir);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
    return 0;
}

/* Appends like the WAL: durable first, then a wake of the cursor's wait (if told to). */
static uint64_t f_append_ev(fake *f, const ot_event *e, bool notify)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_event_encode(e, &b), 0);
    f_lock(f);
    f->recs = realloc(f->recs, (f->nrecs + 1) * sizeof *f->recs);
    uint64_t lsn = f->nrecs + 1;
    size_t n = b.len;
    char *p = ot_buf_take(&b, NULL);
    f->recs[f->nrecs++] = (frec){lsn, p, n};
    if (notify) /* as the WAL's flusher wakes its cursors; else delivery finds it later */
        pthread_cond_broadcast(&f->cv);
    f_unlock(f);
    return lsn;
}

static uint64_t f_append(fake *f, int seq, uint8_t cat, const char *acct, const char *region)
{
    ev x;
    mk_event(&x, seq, cat, acct, region, "ec2.amazonaws.com");
    return f_append_ev(f, &x.e, true);
}

/* All records (seq) in the objects of a bucket, objects in key order. */
static size_t bucket_seqs(fake *f, const char *bucket, int *seqs, size_t max, size_t *nfiles)
{
    size_t n = 0;
    *nfiles = 0;
    f_lock(f);
    for (size_t i = 0; i < f->nobjs; i++) {
        if (strcmp(f->objs[i].bucket, bucket) != 0)
            continue;
        size_t len;
        char *json = gunzip_one(f->objs[i].data, f->objs[i].len, &len);
        n += records_seq(json, len, seqs + n, max - n);
        free(json);
        (*nfiles)++;
    }
    f_unlock(f);
    return n;
}

static int64_t pending_intents(fake *f)
{
    sqlite3_stmt *st;
    f_lock(f);
    sqlite3_prepare_v2(f->db, "SELECT count(*) FROM deliver_intent WHERE done = 0", -1, &st,
                       NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    f_unlock(f);
    return n;
}

static bool wait_until(bool (*cond)(fake *), fake *f, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if (cond(f))
            return true;
        usleep(10000);
    }
    return cond(f);
}

/* ---------------------------------------------------------------- pipeline */

static void test_flush_routes_and_writes(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    for (int i = 1; i <= 5; i++)
        f_append(f, i, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_append(f, 6, OT_CAT_MANAGEMENT, ACCT, "us-west-2");  /* t1 is single-region */
    f_append(f, 7, OT_CAT_DATA, ACCT, "us-east-1");        /* no data selectors */
    f_append(f, 8, OT_CAT_MANAGEMENT, ACCT2, "us-east-1"); /* other account */
    f_append(f, 9, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    ot_deliver_flush_trail(d, T1_ARN);
    int seqs[32];
    size_t nfiles;
    size_t n = bucket_seqs(f, "logs-t1", seqs, 32, &nfiles);
    assert_int_equal(nfiles, 1);
    assert_int_equal(n, 6);
    int want[] = {1, 2, 3, 4, 5, 9};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seqs[i], want[i]);
    assert_int_equal(f->nobjs, 1); /* t2 is not logging: nothing for it */
    assert_non_null(strstr(f->objs[0].key, "AWSLogs/" ACCT "/CloudTrail/us-east-1/2015/08/01/"));
    assert_int_equal(f->notes_ok, 1);
    assert_int_equal(pending_intents(f), 0);
    /* a flush with nothing new writes nothing */
    ot_deliver_flush_trail(d, T1_ARN);
    assert_int_equal(f->total_puts, 1);
    ot_deliver_stats st;
    assert_int_equal(ot_deliver_stats_get(d, &st), 0);
    assert_int_equal(st.routed_lsn, 9);
    assert_int_equal(st.files_written, 1);
    assert_int_equal(st.ntrails, 1);
    assert_int_equal(st.trails[0].pending_events, 0);
    ot_deliver_stats_free(&st);
    ot_deliver_stop(d);
}

static void test_multi_region_and_new_trail(void **state)
{
    fake *f = *state;
    f->trails[1].logging = true; /* t2: multi-region */
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    f_append(f, 1, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_append(f, 2, OT_CAT_MANAGEMENT, ACCT, "eu-west-1");
    f_append(f, 3, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_append(f, 4, OT_CAT_MANAGEMENT, ACCT, "eu-west-1");
    ot_deliver_flush_trail(d, T2_ARN);
    int seqs[32];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t2", seqs, 32, &nfiles), 4);
    assert_int_equal(nfiles, 2);
    bool east = false, west = false;
    for (size_t i = 0; i < f->nobjs; i++) {
        east |= strstr(f->objs[i].key, "/CloudTrail/us-east-1/") != NULL &&
                strstr(f->objs[i].key, "_CloudTrail_us-east-1_20150801T0210Z_") != NULL;
        west |= strstr(f->objs[i].key, "/CloudTrail/eu-west-1/") != NULL &&
                strstr(f->objs[i].key, "_CloudTrail_eu-west-1_20150801T0210Z_") != NULL;
    }
    assert_true(east && west);
    /* t1 still holds its two us-east-1 events: they were never flushed */
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 32, &nfiles), 0);
    ot_deliver_flush_trail(d, T1_ARN);
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 32, &nfiles), 2);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[1], 3);
    ot_deliver_stop(d);
}

static void test_size_bound(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    o.max_bytes = 1000; /* ~6 records of ~170 bytes */
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    for (int i = 1; i <= 40; i++)
        f_append(f, i, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    ot_deliver_flush_trail(d, T1_ARN);
    int seqs[64];
    size_t nfiles;
    size_t n = bucket_seqs(f, "logs-t1", seqs, 64, &nfiles);
    assert_int_equal(n, 40);
    assert_true(nfiles >= 6);
    /* each file is under the bound plus one record, and every event is there exactly once */
    int seen[41] = {0};
    for (size_t i = 0; i < n; i++)
        seen[seqs[i]]++;
    for (int i = 1; i <= 40; i++)
        assert_int_equal(seen[i], 1);
    for (size_t i = 0; i < f->nobjs; i++) {
        size_t len;
        char *json = gunzip_one(f->objs[i].data, f->objs[i].len, &len);
        assert_true(len < 1000 + 200);
        free(json);
    }
    ot_deliver_stop(d);
}

static bool has_object(fake *f)
{
    f_lock(f);
    bool yes = f->nobjs > 0;
    f_unlock(f);
    return yes;
}

static void test_interval(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    o.interval_ms = 300;
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    int64_t t0 = ot_monotonic_ms();
    f_append(f, 1, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_append(f, 2, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    assert_true(wait_until(has_object, f, 3000));
    assert_true(ot_monotonic_ms() - t0 >= 290); /* not before the interval */
    int seqs[8];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 8, &nfiles), 2);
    ot_deliver_stop(d);
}

static bool no_pending(fake *f) { return pending_intents(f) == 0; }

static bool quarantine_noted(fake *f)
{
    f_lock(f);
    bool yes = strstr(f->last_error, "quarantine") != NULL;
    f_unlock(f);
    return yes;
}

static bool released_past_9(fake *f)
{
    f_lock(f);
    bool yes = f->released >= 10;
    f_unlock(f);
    return yes;
}

static void test_put_failure_retried(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    for (int i = 1; i <= 3; i++)
        f_append(f, i, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f->fail_puts = true;
    ot_deliver_flush_trail(d, T1_ARN);
    f_lock(f);
    assert_int_equal(f->nobjs, 0);
    assert_true(f->notes_err >= 1);
    assert_non_null(strstr(f->last_error, "PutObject s3://logs-t1/AWSLogs/"));
    f_unlock(f);
    assert_int_equal(pending_intents(f), 1);
    /* while the intent is pending, its records stay in the WAL */
    usleep(1200 * 1000);
    f_lock(f);
    assert_true(f->released <= 1);
    f_unlock(f);
    /* events after the seal keep flowing into the next batch */
    for (int i = 4; i <= 9; i++)
        f_append(f, i, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_lock(f);
    f->fail_puts = false;
    f_unlock(f);
    assert_true(wait_until(no_pending, f, 3000));
    ot_deliver_flush_trail(d, T1_ARN);
    int seqs[16];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 16, &nfiles), 9);
    assert_int_equal(nfiles, 2);
    for (int i = 0; i < 9; i++)
        assert_int_equal(seqs[i] >= 1 && seqs[i] <= 9, 1);
    f_lock(f);
    assert_string_equal(f->last_error, "");
    f_unlock(f);
    assert_true(wait_until(released_past_9, f, 3000));
    ot_deliver_stop(d);
}

static void test_deleted_trail_drops_intent(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    f_append(f, 1, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f->fail_puts = true;
    ot_deliver_flush_trail(d, T1_ARN);
    assert_int_equal(pending_intents(f), 1);
    f_lock(f);
    f->ntrails = 0; /* DeleteTrail */
    f->fail_puts = false;
    f_unlock(f);
    assert_true(wait_until(no_pending, f, 3000));
    assert_int_equal(f->nobjs, 0);
    ot_deliver_stop(d);
}

static void test_activity_channel(void **state)
{
    fake *f = *state;
    snprintf(f->chan_dest, sizeof f->chan_dest, "%s", T1_ARN);
    f->trails[1].logging = true;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    ev x;
    mk_event(&x, 1, OT_CAT_ACTIVITY, ACCT2, "eu-west-1", "myapp");
    x.e.channel_arn = CHAN_ARN;
    f_append_ev(f, &x.e, true);
    mk_event(&x, 2, OT_CAT_ACTIVITY, ACCT2, "eu-west-1", "myapp");
    x.e.channel_arn = "arn:aws:cloudtrail:us-east-1:" ACCT ":channel/unknown";
    f_append_ev(f, &x.e, true);
    ot_deliver_flush_trail(d, T1_ARN);
    ot_deliver_flush_trail(d, T2_ARN);
    int seqs[8];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 8, &nfiles), 1);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(bucket_seqs(f, "logs-t2", seqs, 8, &nfiles), 0);
    ot_deliver_stop(d);
}

static void test_gap_read_from_wal(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    /* records durable before start and records appended without a wake are read too */
    f_append(f, 1, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    ev x;
    mk_event(&x, 2, OT_CAT_MANAGEMENT, ACCT, "us-east-1", "ec2.amazonaws.com");
    f_append_ev(f, &x.e, false);
    f_append(f, 3, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    ot_deliver_flush_trail(d, T1_ARN);
    int seqs[8];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 8, &nfiles), 3);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[1], 2);
    assert_int_equal(seqs[2], 3);
    ot_deliver_stop(d);
}

static void test_crash_before_done(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    f->crash_on_seal = 1;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    for (int i = 1; i <= 4; i++)
        f_append(f, i, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    ot_deliver_flush_trail(d, T1_ARN); /* files written, then "crash" */
    for (int i = 5; i <= 7; i++)      /* acknowledged after the seal, never delivered */
        f_append(f, i, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    ot_deliver_flush_trail(d, T1_ARN); /* the crashed thread does nothing */
    f_lock(f);
    assert_int_equal(f->nobjs, 1);
    char key[1100];
    snprintf(key, sizeof key, "%s", f->objs[0].key);
    size_t len = f->objs[0].len;
    char *bytes = malloc(len);
    memcpy(bytes, f->objs[0].data, len);
    f_unlock(f);
    ot_deliver_stop(d);
    assert_int_equal(pending_intents(f), 1);

    /* restart, one minute later: the intent is redone under its own seal time */
    f->now = SEAL_MS + 60000;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    assert_int_equal(pending_intents(f), 0);
    f_lock(f);
    assert_string_equal(f->objs[0].key, key);
    assert_int_equal(f->objs[0].puts, 2);         /* overwritten ... */
    assert_int_equal(f->objs[0].len, len);        /* ... with the same bytes */
    assert_memory_equal(f->objs[0].data, bytes, len);
    assert_int_equal(f->nobjs, 1);                /* and no duplicate file */
    f_unlock(f);
    free(bytes);
    /* the records after the checkpoint are delivered once, in a file of their own */
    ot_deliver_flush_trail(d, T1_ARN);
    int seqs[16];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 16, &nfiles), 7);
    assert_int_equal(nfiles, 2);
    int seen[8] = {0};
    for (int i = 0; i < 7; i++)
        seen[seqs[i]]++;
    for (int i = 1; i <= 7; i++)
        assert_int_equal(seen[i], 1);
    ot_deliver_flush_trail(d, T1_ARN);
    assert_int_equal(f->nobjs, 2);
    ot_deliver_stop(d);

    /* and a third start finds nothing to do */
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    ot_deliver_flush_trail(d, T1_ARN);
    assert_int_equal(f->nobjs, 2);
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 16, &nfiles), 7);
    ot_deliver_stop(d);
}

/* The file_delivered hook: what it was told, in order (called on the delivery thread). */
typedef struct announced {
    pthread_mutex_t mu;
    char keys[8][1100];
    char bucket[64];
    char trail[320];
    size_t n;
} announced;

static void f_announce(void *ctx, const ot_trail *t, const char *bucket, const char *key)
{
    announced *a = ctx;
    pthread_mutex_lock(&a->mu);
    if (a->n < 8)
        snprintf(a->keys[a->n], sizeof a->keys[a->n], "%s", key);
    a->n++;
    snprintf(a->bucket, sizeof a->bucket, "%s", bucket);
    snprintf(a->trail, sizeof a->trail, "%s", t->arn);
    pthread_mutex_unlock(&a->mu);
}

/* Every written file is announced once its seal's files are all written and before the seal is
 * done: not by a seal that "crashed" before done, but again by its redo (at least once). */
static void test_file_hook_after_write_and_on_redo(void **state)
{
    fake *f = *state;
    announced a = {.mu = PTHREAD_MUTEX_INITIALIZER};
    ot_deliver_opts o = f_opts(f);
    o.file_delivered = f_announce;
    o.file_delivered_ctx = &a;
    ot_deliver *d;
    f->crash_on_seal = 1;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    for (int i = 1; i <= 3; i++)
        f_append(f, i, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    ot_deliver_flush_trail(d, T1_ARN); /* written, then "crash" before done */
    f_lock(f);
    assert_int_equal(f->nobjs, 1);
    f_unlock(f);
    ot_deliver_stop(d);
    assert_int_equal(a.n, 0);

    assert_int_equal(ot_deliver_start_opts(&o, &d), 0); /* the redo announces it */
    assert_int_equal(a.n, 1);
    assert_string_equal(a.keys[0], f->objs[0].key);
    assert_string_equal(a.bucket, f->objs[0].bucket);
    assert_string_equal(a.trail, T1_ARN);
    f_append(f, 4, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    ot_deliver_flush_trail(d, T1_ARN);
    f_lock(f);
    assert_int_equal(f->nobjs, 2);
    f_unlock(f);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.keys[1], f->objs[1].key);
    ot_deliver_flush_trail(d, T1_ARN); /* nothing new: nothing announced */
    assert_int_equal(a.n, 2);
    ot_deliver_stop(d);
}


/* ---------------------------------------------------------------- quarantine */

/* The quarantined .json.gz files of trail t2: count, and the seqs of the first (if any). */
static size_t quarantined(fake *f, int *seqs, size_t max, size_t *nseqs, char **gz, size_t *gzlen)
{
    char pat[128];
    glob_t g;
    snprintf(pat, sizeof pat, "%s/quarantine/t2/*.json.gz", f->qdir);
    *nseqs = 0;
    if (glob(pat, 0, NULL, &g) != 0)
        return 0;
    size_t n = g.gl_pathc;
    FILE *fp = fopen(g.gl_pathv[0], "rb");
    assert_non_null(fp);
    char *buf = malloc(1 << 16);
    size_t len = fread(buf, 1, 1 << 16, fp);
    fclose(fp);
    size_t jl;
    char *json = gunzip_one(buf, len, &jl);
    *nseqs = records_seq(json, jl, seqs, max);
    free(json);
    char reason[256];
    snprintf(reason, sizeof reason, "%.*s", (int)strlen(g.gl_pathv[0]) - 3, g.gl_pathv[0]);
    assert_int_equal(access(reason, R_OK), 0); /* <file>.json beside it */
    if (gz) {
        *gz = buf;
        *gzlen = len;
    } else
        free(buf);
    globfree(&g);
    return n;
}

static int64_t db_count(fake *f, const char *sql)
{
    sqlite3_stmt *st;
    f_lock(f);
    assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    f_unlock(f);
    return n;
}

/* Events for t2 (multi-region) in us-east-1 (1, 2), eu-west-1 (3, 4) and us-west-2 (5). */
static void append_three_regions(fake *f)
{
    f_append(f, 1, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_append(f, 2, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_append(f, 3, OT_CAT_MANAGEMENT, ACCT, "eu-west-1");
    f_append(f, 4, OT_CAT_MANAGEMENT, ACCT, "eu-west-1");
    f_append(f, 5, OT_CAT_MANAGEMENT, ACCT, "us-west-2");
}

static bool released_past_5(fake *f)
{
    f_lock(f);
    bool yes = f->released >= 6;
    f_unlock(f);
    return yes;
}

static void test_permanent_failure_quarantined(void **state)
{
    fake *f = *state;
    assert_true(ot_deliver_error_permanent(OT_EINVAL) && ot_deliver_error_permanent(OT_EEXIST) &&
                ot_deliver_error_permanent(OT_ELIMIT));
    assert_false(ot_deliver_error_permanent(OT_EIO) || ot_deliver_error_permanent(OT_ENOTFOUND));
    f->trails[1].logging = true;
    snprintf(f->fail_key, sizeof f->fail_key, "/CloudTrail/eu-west-1/");
    f->fail_rc = OT_EEXIST; /* a file where the region's folder must go */
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    append_three_regions(f);
    ot_deliver_flush_trail(d, T2_ARN);

    /* the other regions of the same seal are delivered at once, on the first attempt */
    int seqs[16];
    size_t nfiles, nseqs;
    assert_int_equal(bucket_seqs(f, "logs-t2", seqs, 16, &nfiles), 3);
    assert_int_equal(nfiles, 2);
    assert_int_equal(seqs[0] + seqs[1] + seqs[2], 1 + 2 + 5);
    assert_int_equal(pending_intents(f), 0);
    f_lock(f);
    assert_int_equal(f->key_fails, 1); /* never retried */
    assert_non_null(strstr(f->last_error, "region eu-west-1 (2 events) cannot be delivered"));
    assert_non_null(strstr(f->last_error, "quarantine/t2/"));
    f_unlock(f);
    /* the blocked file is kept, with exactly its events, and recorded once */
    assert_int_equal(quarantined(f, seqs, 16, &nseqs, NULL, NULL), 1);
    assert_int_equal(nseqs, 2);
    assert_int_equal(seqs[0] * 10 + seqs[1], 34);
    assert_int_equal(db_count(f, "SELECT count(*) FROM deliver_quarantine"), 1);
    ot_deliver_stats st;
    assert_int_equal(ot_deliver_stats_get(d, &st), 0);
    assert_int_equal(st.files_quarantined, 1);
    for (size_t i = 0; i < st.ntrails; i++)
        assert_int_equal(st.trails[i].quarantined, strcmp(st.trails[i].trail_arn, T2_ARN) ? 0 : 1);
    ot_deliver_stats_free(&st);
    /* nothing holds the WAL back (t1 took 1 and 2 too) */
    ot_deliver_flush_trail(d, T1_ARN);
    assert_true(wait_until(released_past_5, f, 3000));
    ot_deliver_stop(d);

    /* a restart with the obstacle still there: one more try, nothing stuck, nothing lost */
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    assert_int_equal(pending_intents(f), 0);
    assert_int_equal(quarantined(f, seqs, 16, &nseqs, NULL, NULL), 1);
    f_lock(f);
    assert_int_equal(f->key_fails, 2);
    f->fail_key[0] = '\0'; /* the operator removes the obstacle */
    f_unlock(f);
    ot_deliver_stop(d);

    /* the next start delivers it where it was meant to go and clears the quarantine */
    char *gz;
    size_t gzlen;
    quarantined(f, seqs, 16, &nseqs, &gz, &gzlen);
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    assert_int_equal(quarantined(f, seqs, 16, &nseqs, NULL, NULL), 0);
    assert_int_equal(bucket_seqs(f, "logs-t2", seqs, 16, &nfiles), 5);
    assert_int_equal(nfiles, 3);
    f_lock(f);
    bool found = false;
    for (size_t i = 0; i < f->nobjs; i++)
        if (strstr(f->objs[i].key, "/CloudTrail/eu-west-1/")) {
            found = true;
            assert_int_equal(f->objs[i].len, gzlen);
            assert_memory_equal(f->objs[i].data, gz, gzlen);
        }
    f_unlock(f);
    assert_true(found);
    free(gz);
    assert_int_equal(
        db_count(f, "SELECT count(*) FROM deliver_quarantine WHERE delivered_ms IS NOT NULL"), 1);
    ot_deliver_stop(d);
}

static void test_transient_failure_bounded(void **state)
{
    fake *f = *state;
    f->trails[1].logging = true;
    snprintf(f->fail_key, sizeof f->fail_key, "/CloudTrail/eu-west-1/");
    f->fail_rc = OT_EIO;
    ot_deliver_opts o = f_opts(f);
    o.quarantine_after = 3;
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    append_three_regions(f);
    ot_deliver_flush_trail(d, T2_ARN);
    int seqs[16];
    size_t nfiles, nseqs;
    /* retried, but the rest of the seal is written already */
    assert_int_equal(bucket_seqs(f, "logs-t2", seqs, 16, &nfiles), 3);
    assert_int_equal(pending_intents(f), 1);
    f_lock(f);
    assert_non_null(strstr(f->last_error, "PutObject s3://logs-t2/AWSLogs/"));
    f_unlock(f);
    assert_int_equal(quarantined(f, seqs, 16, &nseqs, NULL, NULL), 0);
    /* the third attempt gives up on the put and keeps the file (the error is noted just after
     * the intent is marked done: wait for both) */
    assert_true(wait_until(no_pending, f, 5000));
    assert_true(wait_until(quarantine_noted, f, 5000));
    f_lock(f);
    assert_int_equal(f->key_fails, 3);
    assert_non_null(strstr(f->last_error, "quarantine"));
    f_unlock(f);
    assert_int_equal(quarantined(f, seqs, 16, &nseqs, NULL, NULL), 1);
    assert_int_equal(nseqs, 2);
    assert_int_equal(bucket_seqs(f, "logs-t2", seqs, 16, &nfiles), 3);
    assert_int_equal(nfiles, 2);
    ot_deliver_stop(d);
}

static void test_quarantine_crash_redo(void **state)
{
    fake *f = *state;
    f->trails[1].logging = true;
    snprintf(f->fail_key, sizeof f->fail_key, "/CloudTrail/eu-west-1/");
    f->fail_rc = OT_EINVAL;
    f->crash_on_seal = 1; /* files written and quarantined, then "crash" before done */
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    append_three_regions(f);
    ot_deliver_flush_trail(d, T2_ARN);
    ot_deliver_stop(d);
    int seqs[16];
    size_t nseqs, len1, len2;
    char *gz1, *gz2;
    assert_int_equal(quarantined(f, seqs, 16, &nseqs, &gz1, &len1), 1);
    assert_int_equal(pending_intents(f), 1);
    assert_int_equal(db_count(f, "SELECT count(*) FROM deliver_quarantine"), 0);
    /* the redo quarantines the same bytes under the same name, recorded once */
    f->now = SEAL_MS + 60000;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    assert_int_equal(pending_intents(f), 0);
    assert_int_equal(quarantined(f, seqs, 16, &nseqs, &gz2, &len2), 1);
    assert_int_equal(len1, len2);
    assert_memory_equal(gz1, gz2, len1);
    assert_int_equal(db_count(f, "SELECT count(*) FROM deliver_quarantine"), 1);
    free(gz1);
    free(gz2);
    ot_deliver_stop(d);
}

static void test_trail_change_seals_first(void **state)
{
    fake *f = *state;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    f_append(f, 1, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_append(f, 2, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_lock(f);
    snprintf(f->trails[0].prefix, sizeof f->trails[0].prefix, "newprefix"); /* UpdateTrail */
    f_unlock(f);
    ot_deliver_flush_trail(d, T1_ARN);
    f_append(f, 3, OT_CAT_MANAGEMENT, ACCT, "us-east-1");
    f_lock(f);
    f->trails[0].logging = false; /* StopLogging */
    f_unlock(f);
    ot_deliver_flush_trail(d, T1_ARN);
    f_append(f, 4, OT_CAT_MANAGEMENT, ACCT, "us-east-1"); /* not logging: not delivered */
    ot_deliver_flush_trail(d, T1_ARN);
    f_lock(f);
    assert_int_equal(f->nobjs, 2);
    assert_true(strncmp(f->objs[0].key, "AWSLogs/", 8) == 0); /* sealed with the old prefix */
    assert_true(strncmp(f->objs[1].key, "newprefix/AWSLogs/", 18) == 0);
    f_unlock(f);
    int seqs[8];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 8, &nfiles), 3);
    ot_deliver_stop(d);
}

/* ---------------------------------------------------------------- real WAL and state.db file */

static void wal_append_event(ot_wal *w, int seq)
{
    ev x;
    mk_event(&x, seq, OT_CAT_MANAGEMENT, ACCT, "us-east-1", "ec2.amazonaws.com");
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_event_encode(&x.e, &b), 0);
    const void *pp[1] = {b.data};
    size_t ln[1] = {b.len};
    uint64_t first;
    assert_int_equal(ot_wal_append(w, pp, ln, 1, &first), 0);
    assert_int_equal(first, (uint64_t)seq);
    ot_buf_free(&b);
}

static int first_visit(void *ctx, uint64_t lsn, const void *p, size_t n)
{
    *(uint64_t *)ctx = lsn;
    return 1;
}

static uint64_t wal_first(ot_wal *w)
{
    uint64_t first = 0;
    ot_wal_read(w, 1, first_visit, &first);
    return first;
}

static void reopen(fake *f, const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/wal", dir);
    ot_wal_opts wo = {.dir = path, .segment_bytes = 2048, .no_sync = true};
    ot_wal_recovery rec;
    assert_int_equal(ot_wal_open(&wo, &f->wal, &rec), 0);
    snprintf(path, sizeof path, "%s/state.db", dir);
    assert_int_equal(sqlite3_open(path, &f->db), SQLITE_OK);
}

static void close_all(fake *f)
{
    ot_wal_close(f->wal);
    f->wal = NULL;
    sqlite3_close(f->db);
    f->db = NULL;
}

static void test_real_wal_crash_recovery(void **state)
{
    fake *f = *state;
    char dir[64];
    otest_tmpdir(dir, sizeof dir, "deliver");
    sqlite3_close(f->db);
    reopen(f, dir);
    f->crash_on_seal = 1;
    ot_deliver_opts o = f_opts(f);
    ot_deliver *d;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    for (int i = 1; i <= 30; i++)
        wal_append_event(f->wal, i);
    ot_deliver_flush_trail(d, T1_ARN); /* seal (0, 30], write, crash before done */
    for (int i = 31; i <= 40; i++)
        wal_append_event(f->wal, i);
    ot_deliver_stop(d);
    close_all(f);
    f_lock(f);
    assert_int_equal(f->nobjs, 1);
    char key[1100];
    snprintf(key, sizeof key, "%s", f->objs[0].key);
    size_t len = f->objs[0].len;
    char *bytes = malloc(len);
    memcpy(bytes, f->objs[0].data, len);
    f_unlock(f);

    /* restart from disk */
    reopen(f, dir);
    f->now += 120000;
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    f_lock(f);
    assert_int_equal(f->nobjs, 1);
    assert_string_equal(f->objs[0].key, key);
    assert_int_equal(f->objs[0].puts, 2);
    assert_int_equal(f->objs[0].len, len);
    assert_memory_equal(f->objs[0].data, bytes, len);
    f_unlock(f);
    free(bytes);
    ot_deliver_flush_trail(d, T1_ARN);
    int seqs[64];
    size_t nfiles;
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 64, &nfiles), 40);
    assert_int_equal(nfiles, 2);
    for (int i = 0; i < 40; i++)
        assert_int_equal(seqs[i], i + 1); /* files in write order, records in LSN order */
    /* everything is delivered: the checkpoint sync lets the WAL drop its old segments */
    for (int i = 0; i < 300 && wal_first(f->wal) <= 1; i++)
        usleep(10000);
    assert_true(wal_first(f->wal) > 1);
    ot_deliver_stop(d);
    close_all(f);

    /* a third start re-reads nothing that was delivered */
    reopen(f, dir);
    assert_int_equal(ot_deliver_start_opts(&o, &d), 0);
    wal_append_event(f->wal, 41);
    ot_deliver_flush_trail(d, T1_ARN);
    assert_int_equal(bucket_seqs(f, "logs-t1", seqs, 64, &nfiles), 41);
    assert_int_equal(nfiles, 3);
    ot_deliver_stop(d);
    close_all(f);
    otest_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_standard),
        cmocka_unit_test(test_key_prefix_org_regions),
        cmocka_unit_test(test_gzip_one_member),
        cmocka_unit_test(test_routing_rules),
        cmocka_unit_test(test_batchset),
        cmocka_unit_test_setup_teardown(test_flush_routes_and_writes, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_multi_region_and_new_trail, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_size_bound, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_interval, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_put_failure_retried, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_deleted_trail_drops_intent, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_activity_channel, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_gap_read_from_wal, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_crash_before_done, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_file_hook_after_write_and_on_redo, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_permanent_failure_quarantined, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_transient_failure_bounded, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_quarantine_crash_redo, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_trail_change_seals_first, fake_setup,
                                        fake_teardown),
        cmocka_unit_test_setup_teardown(test_real_wal_crash_recovery, fake_setup, fake_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
