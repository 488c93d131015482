/* test_validate.c — the validator's pieces on fixtures built here: keys made with OpenSSL,
 * digests signed exactly as CloudTrail signs them (cloudtrail-log-file-custom-validation.html
 * in the CloudTrail user guide), gzip members made with zlib; and a whole run
 * on a directory trail, including a forged previousDigestSignature the AWS CLI would accept. */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cmocka.h>

#include "otest.h"

#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/json.h"
#include "validate/validate.h"
#include "validate/vl_int.h"

static EVP_PKEY *gen_key(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    assert_non_null(k);
    return k;
}

static size_t pkcs1_der(EVP_PKEY *k, uint8_t **out)
{
    *out = NULL;
    int n = i2d_PublicKey(k, out);
    assert_true(n > 0);
    return (size_t)n;
}

static void sign_hex(EVP_PKEY *k, const char *msg, char *hex)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t sig[512];
    size_t sl = sizeof sig;
    assert_int_equal(EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(c, sig, &sl, (const uint8_t *)msg, strlen(msg)), 1);
    EVP_MD_CTX_free(c);
    ot_hex(sig, sl, hex);
}

static size_t gz(const char *s, size_t n, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 | 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)s;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = z.total_out;
    deflateEnd(&z);
    return len;
}

static void test_string_to_sign_vector(void **state)
{
    /* the vector of aws-cli's tests/unit/customizations/cloudtrail/test_validation.py */
    uint8_t md[32];
    char sha[65];
    ot_sha256("abc", 3, md);
    ot_hex(md, 32, sha);
    char *s = ot_validate_string_to_sign("a", "b", "c", sha, NULL);
    assert_string_equal(s, "a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull");
    free(s);
}

static void test_keys_fingerprint_and_verify(void **state)
{
    EVP_PKEY *k = gen_key(), *other = gen_key();
    uint8_t *der;
    size_t n = pkcs1_der(k, &der);
    uint8_t md[16];
    char fp[33], sig[1100];
    ot_md5(der, n, md);
    ot_hex(md, 16, fp);
    ot_vkeys ks = {0};
    /* DER PKCS#1 */
    assert_int_equal(ot_vkeys_add(&ks, der, n, NULL), 0);
    assert_string_equal(ks.v[0].fingerprint, fp);
    assert_true(ks.v[0].pkcs1);
    /* SPKI DER: same fingerprint (MD5 of the PKCS#1 form) */
    uint8_t *spki = NULL;
    int sn = i2d_PUBKEY(k, &spki);
    assert_int_equal(ot_vkeys_add(&ks, spki, (size_t)sn, NULL), 0);
    assert_string_equal(ks.v[1].fingerprint, fp);
    assert_false(ks.v[1].pkcs1);
    /* PEM of the SPKI */
    char b64[2048], pem[2200];
    ot_base64(spki, (size_t)sn, b64);
    snprintf(pem, sizeof pem, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64);
    assert_int_equal(ot_vkeys_add(&ks, (uint8_t *)pem, strlen(pem), NULL), 0);
    assert_string_equal(ks.v[2].fingerprint, fp);
    /* garbage is refused; a listed key that does not parse is kept with no pkey */
    assert_int_equal(ot_vkeys_add(&ks, (const uint8_t *)"nope", 4, NULL), OT_EINVAL);
    assert_int_equal(ot_vkeys_add(&ks, (const uint8_t *)"nope", 4, "f00"), 0);
    assert_null(ot_vkeys_find(&ks, "f00")->pkey);
    assert_null(ot_vkeys_find(&ks, "0123"));

    const char *msg = "2026-01-01T01:00:00Z\nb/k\nabc\nnull";
    sign_hex(k, msg, sig);
    assert_true(ot_validate_verify(&ks.v[0], msg, strlen(msg), sig));
    assert_true(ot_validate_verify(&ks.v[1], msg, strlen(msg), sig));
    assert_false(ot_validate_verify(&ks.v[0], msg, strlen(msg) - 1, sig));
    sig[10] = sig[10] == '0' ? '1' : '0';
    assert_false(ot_validate_verify(&ks.v[0], msg, strlen(msg), sig));
    assert_false(ot_validate_verify(&ks.v[0], msg, strlen(msg), "zz"));
    sign_hex(other, msg, sig);
    assert_false(ot_validate_verify(&ks.v[0], msg, strlen(msg), sig));
    ot_vkeys_free(&ks);
    OPENSSL_free(der);
    OPENSSL_free(spki);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}

static void test_inflate_first_member(void **state)
{
    const char *body = "{\"Records\":[{\"a\":1}]}";
    uint8_t g[512], md[32];
    char want[65], sha[65];
    ot_sha256(body, strlen(body), md);
    ot_hex(md, 32, want);
    size_t n = gz(body, strlen(body), g, sizeof g);
    ot_buf out;
    ot_buf_init(&out, 1 << 20);
    assert_int_equal(ot_validate_inflate(g, n, &out, sha), OT_GZ_OK);
    assert_string_equal(sha, want);
    assert_int_equal(out.len, strlen(body));
    /* an appended member: the first member's hash, and TRAILING */
    size_t n2 = gz("{}", 2, g + n, sizeof g - n);
    assert_int_equal(ot_validate_inflate(g, n + n2, &out, sha), OT_GZ_TRAILING);
    assert_string_equal(sha, want);
    /* one stray byte after the member */
    g[n] = 0;
    assert_int_equal(ot_validate_inflate(g, n + 1, &out, sha), OT_GZ_TRAILING);
    /* cut short */
    assert_int_equal(ot_validate_inflate(g, n / 2, &out, sha), OT_GZ_TRUNCATED);
    assert_string_not_equal(sha, want);
    /* not gzip; corrupt CRC */
    assert_int_equal(ot_validate_inflate((const uint8_t *)"hello world, not gzip", 21, &out, sha), OT_GZ_BAD);
    g[n - 6] ^= 0xff;
    assert_int_equal(ot_validate_inflate(g, n, &out, sha), OT_GZ_BAD);
    /* output larger than the cap */
    ot_buf small;
    ot_buf_init(&small, 4);
    g[n - 6] ^= 0xff;
    assert_int_equal(ot_validate_inflate(g, n, &small, sha), OT_GZ_BAD);
    ot_buf_free(&small);
    ot_buf_free(&out);
}

static void test_log_json_shape(void **state)
{
    ot_json_doc *d = ot_json_doc_new();
    static const struct { const char *s; bool ok; } cases[] = {
        {"{\"Records\":[]}", true}, {"{\"Records\":[{\"eventName\":\"x\"}]}", true},
        {"{\"Records\":{}}", false}, {"{\"records\":[]}", false}, {"[]", false},
        {"{\"Records\":[1]}", false}, {"{\"Records\":[],\"x\":1}", false},
        {"{\"Records\":[", false}, {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ot_buf b;
        ot_buf_init(&b, 0);
        ot_buf_puts(&b, cases[i].s);
        const char *why = ot_validate_log_json(d, b.data, b.len);
        if (cases[i].ok)
            assert_null(why);
        else
            assert_non_null(why);
        ot_buf_free(&b);
    }
    ot_json_doc_free(d);
}

static void test_key_names(void **state)
{
    vl_dkey k;
    assert_true(vl_parse_digest_key("p/x/AWSLogs/o-abc1234567/111122223333/CloudTrail-Digest/eu-west-1/"
        "2026/01/02/111122223333_CloudTrail-Digest_eu-west-1_my_trail.v2_us-east-1_20260102T030405Z.json.gz", &k));
    assert_string_equal(k.account, "111122223333");
    assert_string_equal(k.region, "eu-west-1");
    assert_string_equal(k.trail, "my_trail.v2");
    assert_string_equal(k.home, "us-east-1");
    assert_string_equal(k.base, "p/x/AWSLogs/o-abc1234567/111122223333|eu-west-1");
    assert_false(k.backfill);
    assert_true(vl_parse_digest_key("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/01/02/"
        "111122223333_CloudTrail-Digest_us-east-1_t1x_us-east-1_20260102T030405Z_backfill.json.gz", &k));
    assert_true(k.backfill);
    assert_string_equal(k.trail, "t1x");
    static const char *bad[] = {
        "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/01/02/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_2026010T030405Z.json.gz",
        "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/01/02/999922223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260102T030405Z.json.gz",
        "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/02/x.json.gz", "", "AWSLogs/",
        "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/01/02/1_CloudTrail-Digest_us-east-1__20260102T030405Z.json.gz",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(vl_parse_digest_key(bad[i], &k));
    char base[1200];
    int64_t ms;
    assert_true(vl_parse_log_key("AWSLogs/111122223333/CloudTrail/us-east-1/2015/08/01/"
        "111122223333_CloudTrail_us-east-1_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", base, &ms));
    assert_string_equal(base, "AWSLogs/111122223333|us-east-1");
    assert_int_equal(ms, 1438395000000LL);
    assert_false(vl_parse_log_key("AWSLogs/111122223333/CloudTrail/us-east-1/x.json", base, &ms));
}

/* ---- a whole run on a directory trail ---- */

typedef struct trail {
    char dir[256];
    EVP_PKEY *key;
    char keyfile[300];
    char prev_key[512], prev_sig[1100], prev_sha[65];
} trail;

static void put_digest(trail *t, int hour, const char *log_key, const char *log_sha,
                       const char *forge_prev_sig)
{
    char key[512], path[900], body[4096], end[32], start[32], sha[65], sig[1100], side[2400];
    snprintf(start, sizeof start, "2026-01-01T%02d:00:00Z", hour);
    snprintf(end, sizeof end, "2026-01-01T%02d:00:00Z", hour + 1);
    snprintf(key, sizeof key, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/01/01/"
             "111122223333_CloudTrail-Digest_us-east-1_unit-trail_us-east-1_20260101T%02d0000Z.json.gz",
             hour + 1);
    uint8_t *der, md[32];
    size_t dn = pkcs1_der(t->key, &der);
    char fp[33], logs[600] = "", prev[2400];
    ot_md5(der, dn, md);
    ot_hex(md, 16, fp);
    OPENSSL_free(der);
    if (log_key)
        snprintf(logs, sizeof logs, "{\"s3Bucket\":\"unitb\",\"s3Object\":\"%s\",\"hashValue\":\"%s\","
                 "\"hashAlgorithm\":\"SHA-256\",\"newestEventTime\":null,\"oldestEventTime\":null}",
                 log_key, log_sha);
    const char *ps = forge_prev_sig ? forge_prev_sig : t->prev_sig;
    if (t->prev_key[0])
        snprintf(prev, sizeof prev, "\"previousDigestS3Bucket\":\"unitb\",\"previousDigestS3Object\":\"%s\","
                 "\"previousDigestHashValue\":\"%s\",\"previousDigestHashAlgorithm\":\"SHA-256\","
                 "\"previousDigestSignature\":\"%s\"", t->prev_key, t->prev_sha, ps);
    else
        snprintf(prev, sizeof prev, "\"previousDigestS3Bucket\":null,\"previousDigestS3Object\":null,"
                 "\"previousDigestHashValue\":null,\"previousDigestHashAlgorithm\":null,"
                 "\"previousDigestSignature\":null");
    snprintf(body, sizeof body, "{\"awsAccountId\":\"111122223333\",\"digestStartTime\":\"%s\","
             "\"digestEndTime\":\"%s\",\"digestS3Bucket\":\"unitb\",\"digestS3Object\":\"%s\","
             "\"digestPublicKeyFingerprint\":\"%s\",\"digestSignatureAlgorithm\":\"SHA256withRSA\","
             "\"newestEventTime\":null,\"oldestEventTime\":null,%s,\"logFiles\":[%s]}",
             start, end, key, fp, prev, logs);
    ot_sha256(body, strlen(body), md);
    ot_hex(md, 32, sha);
    char *msg = ot_validate_string_to_sign(end, "unitb", key, sha, t->prev_key[0] ? ps : NULL);
    sign_hex(t->key, msg, sig);
    free(msg);
    uint8_t g[8192];
    size_t gn = gz(body, strlen(body), g, sizeof g);
    snprintf(path, sizeof path, "%s/unitb/%s", t->dir, key);
    otest_write_file(path, g, gn);
    snprintf(side, sizeof side, "{\"Metadata\":{\"signature\":\"%s\",\"signature-algorithm\":\"SHA256withRSA\"}}", sig);
    snprintf(path, sizeof path, "%s/unitb/%s.metadata.json", t->dir, key);
    otest_write_file(path, side, strlen(side));
    snprintf(t->prev_key, sizeof t->prev_key, "%s", key);
    snprintf(t->prev_sig, sizeof t->prev_sig, "%s", sig);
    snprintf(t->prev_sha, sizeof t->prev_sha, "%s", sha);
}

static int run_on(trail *t, char *out, size_t cap)
{
    char src[300];
    snprintf(src, sizeof src, "%s/unitb", t->dir);
    ot_validate_opts o;
    memset(&o, 0, sizeof o);
    o.source = src;
    o.start_ms = -1;
    o.end_ms = -1;
    o.key_files[0] = t->keyfile;
    o.nkey_files = 1;
    o.verbose = true;
    o.check_json = true;
    o.jobs = 2;
    FILE *f = fmemopen(out, cap, "w");
    int rc = ot_validate_run(&o, f, f);
    fclose(f);
    return rc;
}

static void build(trail *t, bool forge)
{
    memset(t->prev_key, 0, sizeof t->prev_key);
    otest_tmpdir(t->dir, sizeof t->dir, "validate");
    t->key = gen_key();
    uint8_t *der;
    size_t dn = pkcs1_der(t->key, &der);
    snprintf(t->keyfile, sizeof t->keyfile, "%s/key.der", t->dir);
    otest_write_file(t->keyfile, der, dn);
    OPENSSL_free(der);
    const char *log = "{\"Records\":[{\"eventName\":\"RunInstances\"}]}";
    const char *lk = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/01/"
                     "111122223333_CloudTrail_us-east-1_20260101T0110Z_AbCdEfGh12345678.json.gz";
    uint8_t g[512], md[32];
    char path[600], sha[65];
    size_t gn = gz(log, strlen(log), g, sizeof g);
    snprintf(path, sizeof path, "%s/unitb/%s", t->dir, lk);
    otest_write_file(path, g, gn);
    ot_sha256(log, strlen(log), md);
    ot_hex(md, 32, sha);
    put_digest(t, 0, NULL, NULL, NULL);
    put_digest(t, 1, lk, sha, NULL);
    put_digest(t, 2, NULL, NULL, forge ? "ab" : NULL);
}

static void cleanup(trail *t)
{
    otest_rmrf(t->dir);
    EVP_PKEY_free(t->key);
}

static void test_run_valid_chain(void **state)
{
    trail t;
    static char out[16384];
    build(&t, false);
    assert_int_equal(run_on(&t, out, sizeof out), 0);
    assert_non_null(strstr(out, "3/3 digest files valid"));
    assert_non_null(strstr(out, "1/1 log files valid"));
    assert_non_null(strstr(out, "Results found for 2026-01-01T00:00:00Z to 2026-01-01T03:00:00Z:"));
    cleanup(&t);
}

static void test_run_forged_prev_sig(void **state)
{
    trail t;
    static char out[16384];
    build(&t, true);
    assert_int_equal(run_on(&t, out, sizeof out), 1);
    assert_non_null(strstr(out, "20260101T030000Z.json.gz\tINVALID: previousDigestSignature does "
                                "not match the signature of s3://unitb/"));
    assert_non_null(strstr(out, "2/3 digest files valid, 1/3 digest files INVALID"));
    cleanup(&t);
}

/* ---- coverage of unlisted log files, and chain tails, on a hand-made run ---- */

#define T0 1577872800000LL /* 2020-01-01T10:00:00Z */
#define MIN_MS 60000LL
#define DKEY(ts) "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2020/01/01/111122223333_" \
                 "CloudTrail-Digest_us-east-1_t_us-east-1_" ts ".json.gz"
#define LKEY(ts) "AWSLogs/111122223333/CloudTrail/us-east-1/2020/01/01/111122223333_" \
                 "CloudTrail_us-east-1_" ts "_abc.json.gz"

typedef struct fake_run {
    vl_run r;
    vl_source src;
    ot_validate_opts o;
} fake_run;

static void fake_init(fake_run *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->src.bucket, sizeof f->src.bucket, "b");
    f->o.start_ms = f->o.end_ms = -1;
    f->r.o = &f->o;
    f->r.src = &f->src;
    f->r.start_ms = 0;
    f->r.end_ms = T0 + 24 * 60 * MIN_MS;
}

static void fake_digest(fake_run *f, const char *key, int64_t start, int64_t end, bool linked)
{
    size_t i;
    assert_int_equal(vl_item_push(&f->r, VL_IT_DIGEST, false, "b", key, &i), OT_OK);
    f->r.items[i].valid = true;
    f->r.items[i].start_ms = start;
    f->r.items[i].end_ms = end;
    f->r.items[i].linked = linked;
    vl_dkey k;
    assert_true(vl_parse_digest_key(key, &k));
    bool have = false;
    for (size_t g = 0; g < f->r.groups.n; g++)
        have |= !strcmp(f->r.groups.v[g], k.group);
    if (!have)
        assert_int_equal(vl_strv_push(&f->r.groups, k.group), OT_OK);
}

static void fake_free(fake_run *f)
{
    vl_items_free(&f->r);
    vl_strv_free(&f->r.listed);
    vl_strv_free(&f->r.groups);
    free(f->r.heads);
}

static bool flagged(const fake_run *f, vl_item_type type, const char *key, const char *reason)
{
    for (size_t i = 0; i < f->r.nitems; i++)
        if (f->r.items[i].type == type && !strcmp(f->r.items[i].key, key) &&
            !f->r.items[i].valid && strstr(f->r.items[i].reason, reason))
            return true;
    return false;
}

static void test_unreferenced_from_covered_spans(void **state)
{
    fake_run f;
    fake_init(&f);
    /* a chain 10:00-12:00 (two linked digests), a restart at 13:00 (null link), then a digest
     * linked to a missing one: 13:00-14:00, [missing 14:00-15:00], 15:00-16:00 */
    fake_digest(&f, DKEY("20200101T110000Z"), T0, T0 + 60 * MIN_MS, false);
    fake_digest(&f, DKEY("20200101T120000Z"), T0 + 60 * MIN_MS, T0 + 120 * MIN_MS, true);
    fake_digest(&f, DKEY("20200101T140000Z"), T0 + 180 * MIN_MS, T0 + 240 * MIN_MS, false);
    fake_digest(&f, DKEY("20200101T160000Z"), T0 + 300 * MIN_MS, T0 + 360 * MIN_MS, true);
    assert_int_equal(vl_item_push(&f.r, VL_IT_LOG, false, "b", LKEY("20200101T1010Z"), NULL), 0);
    static const char *listed[] = {
        LKEY("20200101T1010Z"), /* listed by a digest */
        LKEY("20200101T1030Z"), /* inside the span: INVALID */
        LKEY("20200101T1153Z"), /* its minute + 5 min lag ends by 12:00: INVALID */
        LKEY("20200101T1155Z"), /* may be delivered after 12:00: not covered */
        LKEY("20200101T1200Z"), /* the newest digest's end minute (item 11): not covered */
        LKEY("20200101T0959Z"), /* before the chain started: not covered */
        LKEY("20200101T1230Z"), /* in the break before the restart: not covered */
        LKEY("20200101T1430Z"), /* the missing digest's window, between linked digests: INVALID */
    };
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
        assert_int_equal(vl_strv_push(&f.r.listed, listed[i]), OT_OK);
    assert_int_equal(vl_find_unreferenced(&f.r), OT_OK);
    assert_true(flagged(&f, VL_IT_UNREF, listed[1], "not referenced by any digest"));
    assert_true(flagged(&f, VL_IT_UNREF, listed[2], "not referenced by any digest"));
    assert_true(flagged(&f, VL_IT_UNREF, listed[7], "not referenced by any digest"));
    assert_int_equal(f.r.uncovered, 4);
    assert_int_equal(f.r.nitems, 5 + 3);
    fake_free(&f);
}

static void test_tail_cadence_and_heads(void **state)
{
    fake_run f;
    /* two hourly digests up to 12:00: with --end-time before 14:00 the next one (13:00) may
     * still be on its way; from 14:00 on it is missing */
    for (int round = 0; round < 3; round++) {
        fake_init(&f);
        fake_digest(&f, DKEY("20200101T110000Z"), T0, T0 + 60 * MIN_MS, false);
        fake_digest(&f, DKEY("20200101T120000Z"), T0 + 60 * MIN_MS, T0 + 120 * MIN_MS, true);
        f.o.end_ms = T0 + (round == 0 ? 239 : 240) * MIN_MS;
        f.r.end_ms = f.o.end_ms;
        if (round == 2) { /* the data dir knows the head: 15:00, judged instead */
            f.r.heads = calloc(1, sizeof *f.r.heads);
            f.r.nheads = 1;
            snprintf(f.r.heads[0].bucket, sizeof f.r.heads[0].bucket, "b");
            snprintf(f.r.heads[0].key, sizeof f.r.heads[0].key, DKEY("20200101T150000Z"));
            f.r.heads[0].end_ms = T0 + 300 * MIN_MS;
        }
        assert_int_equal(vl_check_tails(&f.r), OT_OK);
        assert_int_equal(f.r.nitems, round == 0 ? 2 : 3);
        if (round == 1)
            assert_true(flagged(&f, VL_IT_DIGEST, DKEY("20200101T130000Z"),
                                "not found (the chain stops at 2020-01-01T12:00:00Z with "
                                "s3://b/" DKEY("20200101T120000Z") "; a logging trail gets a "
                                "digest every 1h, so one ending at 2020-01-01T13:00:00Z is due"));
        if (round == 2)
            assert_true(flagged(&f, VL_IT_DIGEST, DKEY("20200101T150000Z"),
                                "not found (the data dir's chain head: digests were written up "
                                "to 2020-01-01T15:00:00Z; the newest found ends at "
                                "2020-01-01T12:00:00Z: s3://b/" DKEY("20200101T120000Z") ")"));
        fake_free(&f);
    }
    /* a late writer's two-hour window does not make the interval two hours */
    fake_init(&f);
    fake_digest(&f, DKEY("20200101T110000Z"), T0, T0 + 60 * MIN_MS, false);
    fake_digest(&f, DKEY("20200101T120000Z"), T0 + 60 * MIN_MS, T0 + 120 * MIN_MS, true);
    fake_digest(&f, DKEY("20200101T140000Z"), T0 + 120 * MIN_MS, T0 + 240 * MIN_MS, true);
    fake_digest(&f, DKEY("20200101T150000Z"), T0 + 240 * MIN_MS, T0 + 300 * MIN_MS, true);
    f.o.end_ms = f.r.end_ms = T0 + 420 * MIN_MS;
    assert_int_equal(vl_check_tails(&f.r), OT_OK);
    assert_true(flagged(&f, VL_IT_DIGEST, DKEY("20200101T160000Z"), "a digest every 1h"));
    fake_free(&f);
    /* a short newest window (the final digest of a stop) ends the chain: nothing due */
    fake_init(&f);
    fake_digest(&f, DKEY("20200101T110000Z"), T0, T0 + 60 * MIN_MS, false);
    fake_digest(&f, DKEY("20200101T112000Z"), T0 + 60 * MIN_MS, T0 + 80 * MIN_MS, true);
    f.o.end_ms = f.r.end_ms = T0 + 600 * MIN_MS;
    assert_int_equal(vl_check_tails(&f.r), OT_OK);
    assert_int_equal(f.r.nitems, 2);
    fake_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_to_sign_vector),
        cmocka_unit_test(test_keys_fingerprint_and_verify),
        cmocka_unit_test(test_inflate_first_member),
        cmocka_unit_test(test_log_json_shape),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_run_valid_chain),
        cmocka_unit_test(test_run_forged_prev_sig),
        cmocka_unit_test(test_unreferenced_from_covered_spans),
        cmocka_unit_test(test_tail_cadence_and_heads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
