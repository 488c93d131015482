/* test_digest.c — log-file validation: signing string, fingerprints, digest names and bodies,
 * keys and rotation, deterministic signatures, and the writer's chain across a crash.
 *
 * The writer tests run the real writer (no thread, pinned clock) over a temp data dir: a real
 * state.db, a local object store and real RSA keys; delivered files are recorded through the
 * same hook delivery calls. */
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

#include "otest.h"
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sqlite3.h>
#include <zlib.h>

#include "digest/digest_int.h"
#include "store/store.h"
#include "trail/trail.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/json.h"
#include "util/timeutil.h"

#define ACCT "111122223333"
#define ARN "arn:aws:cloudtrail:us-east-2:" ACCT ":trail/main"
#define T0 1438395000000LL /* 2015-08-01T02:10:00Z */
#define HOUR (3600 * 1000LL)

/* ---------------------------------------------------------------- pure pieces */

static void test_signing_string_awscli_vector(void **state)
{
    (void)state;
    char *s = ot_digest_signing_string("a", "b", "c", "abc", 3, NULL);
    assert_string_equal(s, "a\nb/c\n"
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull");
    free(s);
    s = ot_digest_signing_string("2015-08-12T04:01:31Z", "bkt", "k/x.json.gz", "", 0, "ab12");
    assert_string_equal(s, "2015-08-12T04:01:31Z\nbkt/k/x.json.gz\n"
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nab12");
    free(s);
}

/* The four key/fingerprint pairs AWS publishes: 8eba5db5… is VALID_TEST_KEY of aws-cli's
 * tests/unit/customizations/cloudtrail/test_validation.py, 8933b39d… and 31e8b543… (an SPKI key)
 * are from the custom-validation guide's earlier edition
 * (awsdocs/aws-cloudtrail-user-guide, doc_source/cloudtrail-log-file-custom-validation.md), and
 * 7f3f4014… from aws-cli's awscli/examples/cloudtrail/list-public-keys.rst
 * (https://github.com/aws/aws-cli). */
static const struct {
    const char *b64, *fp;
    bool pkcs1;
} PUBLISHED[] = {
    {"MIIBCgKCAQEAn11L2YZ9h7onug2ILi1MWyHiMRsTQjfWE+pHVRLk1QjfWhirG+lpOa8NrwQ/r7Ah5bNL6HepznOU9XT"
     "DSfmmnP97mqyc7z/upfZdS/AHhYcGaz7n6Wc/RRBU6VmiPCrAUojuSk6/GjvA8iOPFsYDuBtviXarvuLPlrT9kAd4Lb"
     "+rFfR5peEgBEkhlzc5HuWO7S0y+KunqxX6jQBnXGMtxmPBPP0FylgWGNdFtks/4YSKcgqwH0YDcawP9GGGDAeCIqPWI"
     "XDLG1jOjRRzWfCmD0iJUkz8vTsn4hq/5ZxRFE7UBAUiVcGbdnDdvVfhF9C3dQiDq3k7adQIziLT0cShgQIDAQAB",
     "8eba5db5bea9b640d1c96a77256fe7f2", true},
    {"MIIBCgKCAQEApfYL2FiZhpN74LNWVUzhR+VheYhwhYm8w0n5Gf6i95ylW5kBAWKVEmnAQG7BvS5g9SMqFDQx52fW7NW"
     "V44IvfJ2xGXT+wT+DgR6ZQ+6yxskQNqV5YcXj4Aa5Zz4jJfsYjDuO2MDTZNIzNvBNzaBJ+r2WIWAJ/Xq54kyF63B6WE"
     "38vKuDE7nSd1FqQuEoNBFLPInvgggYe2Ym1Refe2z71wNcJ2kY+q0h1BSHrSM8RWuJIw7MXwF9iQncg9jYzUlNJomoz"
     "QzAG5wSRfbplcCYNY40xvGd/aAmO0m+Y+XFMrKwtLCwseHPvj843qVno6x4BJN9bpWnoPo9sdsbGoiK3QIDAQAB",
     "8933b39ddc64d26d8e14ffbf6566fee4", true},
    {"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqlzPJbvZJ42UdcmLfPUqXYNfOs6I8lCfao/tOs8CmzPOEdtL"
     "WugB9xoIUz78qVHdKIqxbaG4jWHfJBiOSSFBM0lt8cdVo4TnRa7oG9io5pysS6DJhBBAeXsicufsiFJR+wrUNh8RSLxL"
     "4k6G1+BhLX20tJkZ/erT97tDGBujAelqseGg3vPZbTx9SMfOLN65PdLFudLP7Gat0Z9p5jw/rjpclKfo9Bfc3heeBxWG"
     "KwBBOKnFAaN9V57pOaosCvPKmHd9bg7jsQkI9Xp22IzGLsTFJZYVA3KiTAElDMu80iFXPHEq9hKNbt9e4URFam+1utKV"
     "EiLkR2disdCmPTK0VQIDAQAB",
     "31e8b5433410dfb61a9dc45cc65b22ff", false},
    {"MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1"
     "xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8Hw"
     "rCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOr"
     "NXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB",
     "7f3f401420072e50a65a141430817ab3", true},
};

static void test_published_fingerprints(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof PUBLISHED / sizeof *PUBLISHED; i++) {
        uint8_t der[600];
        long n = ot_base64_decode(PUBLISHED[i].b64, strlen(PUBLISHED[i].b64), der, sizeof der);
        assert_true(n > 0);
        char fp[33];
        ot_key_fingerprint(der, (size_t)n, fp);
        assert_string_equal(fp, PUBLISHED[i].fp);
        if (!PUBLISHED[i].pkcs1)
            continue;
        /* Our encoder writes exactly this form: PKCS#1 RSAPublicKey, 270 bytes. */
        assert_int_equal(n, 270);
        const unsigned char *p = der;
        EVP_PKEY *pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, n);
        assert_non_null(pk);
        uint8_t again[OT_KEY_DER_MAX];
        size_t len;
        assert_int_equal(ot_key_public_der(pk, again, &len), 0);
        assert_int_equal(len, (size_t)n);
        assert_memory_equal(again, der, len);
        EVP_PKEY_free(pk);
    }
}

static ot_digest_trail mk_dtrail(const char *prefix, const char *org)
{
    ot_digest_trail t;
    memset(&t, 0, sizeof t);
    snprintf(t.arn, sizeof t.arn, "%s", ARN);
    snprintf(t.name, sizeof t.name, "main");
    snprintf(t.account_id, sizeof t.account_id, ACCT);
    snprintf(t.home_region, sizeof t.home_region, "us-east-2");
    snprintf(t.bucket, sizeof t.bucket, "logs-bucket");
    snprintf(t.prefix, sizeof t.prefix, "%s", prefix);
    snprintf(t.org_id, sizeof t.org_id, "%s", org);
    return t;
}

static void test_digest_key_names(void **state)
{
    (void)state;
    char key[OT_DIGEST_KEY_MAX + 1];
    ot_digest_trail t = mk_dtrail("", "");
    int64_t end = 1439352091000LL; /* 2015-08-12T04:01:31Z */
    assert_int_equal(ot_digest_key(&t, ACCT, "eu-west-1", end, key, sizeof key), 0);
    assert_string_equal(key, "AWSLogs/" ACCT "/CloudTrail-Digest/eu-west-1/2015/08/12/" ACCT
                             "_CloudTrail-Digest_eu-west-1_main_us-east-2_20150812T040131Z.json.gz");
    /* awscli reads the date back from key[-24:-8]. */
    size_t n = strlen(key);
    assert_memory_equal(key + n - 24, "20150812T040131Z", 16);
    t = mk_dtrail("a/b//", "o-abcdefghij");
    assert_int_equal(ot_digest_key(&t, "444455556666", "us-east-2", end, key, sizeof key), 0);
    assert_string_equal(key, "a/b/AWSLogs/o-abcdefghij/444455556666/CloudTrail-Digest/us-east-2/"
                             "2015/08/12/444455556666_CloudTrail-Digest_us-east-2_main_us-east-2_"
                             "20150812T040131Z.json.gz");
    assert_int_equal(ot_digest_key(&t, ACCT, "us-east-2", end, key, 40), OT_ELIMIT);
}

static const char *const FIELDS[] = {
    "awsAccountId", "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
    "digestPublicKeyFingerprint", "digestSignatureAlgorithm", "newestEventTime",
    "oldestEventTime", "previousDigestS3Bucket", "previousDigestS3Object",
    "previousDigestHashValue", "previousDigestHashAlgorithm", "previousDigestSignature",
    "logFiles"};

/* Checks the 15 members and their order; returns the parsed document's root. */
static void check_members(ot_json_doc *doc, const ot_buf *b, ot_json *root)
{
    char err[64];
    assert_int_equal(ot_json_parse(doc, b->data, b->len, true, root, err, sizeof err), 0);
    ot_json_iter it;
    const char *k;
    size_t kl, i = 0;
    ot_json v;
    assert_int_equal(ot_json_object_iter(*root, &it), 0);
    while (ot_json_object_next(&it, &k, &kl, &v)) {
        assert_true(i < 15);
        assert_string_equal(k, FIELDS[i]);
        i++;
    }
    assert_int_equal(i, 15);
    assert_null(memchr(b->data, ' ', b->len)); /* compact */
    assert_null(memchr(b->data, '\n', b->len));
}

static bool is_null(ot_json root, const char *key)
{
    ot_json v;
    return ot_json_get(root, key, &v) == 0 && ot_json_typeof(v) == OT_JSON_NULL;
}

static void test_digest_json_starting_empty(void **state)
{
    (void)state;
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_digest_doc d = {.account_id = ACCT, .start_ms = T0, .end_ms = T0 + HOUR,
                       .bucket = "bkt", .key = "k/d.json.gz", .fingerprint = "00ff"};
    assert_int_equal(ot_digest_json(&d, &b), 0);
    assert_string_equal(b.data,
        "{\"awsAccountId\":\"" ACCT "\",\"digestStartTime\":\"2015-08-01T02:10:00Z\","
        "\"digestEndTime\":\"2015-08-01T03:10:00Z\",\"digestS3Bucket\":\"bkt\","
        "\"digestS3Object\":\"k/d.json.gz\",\"digestPublicKeyFingerprint\":\"00ff\","
        "\"digestSignatureAlgorithm\":\"SHA256withRSA\",\"newestEventTime\":null,"
        "\"oldestEventTime\":null,\"previousDigestS3Bucket\":null,\"previousDigestS3Object\":null,"
        "\"previousDigestHashValue\":null,\"previousDigestHashAlgorithm\":null,"
        "\"previousDigestSignature\":null,\"logFiles\":[]}");
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    check_members(doc, &b, &root);
    ot_json_doc_free(doc);
    ot_buf_free(&b);
}

static void test_digest_json_chained_with_logs(void **state)
{
    (void)state;
    ot_digest_entry logs[2] = {
        {"bkt", "AWSLogs/x/new.json.gz", "aa", T0 + 50000, T0 + 90000},
        {"bkt", "AWSLogs/x/old.json.gz", "bb", T0 - 70000, T0 + 10000},
    };
    ot_digest_doc d = {.account_id = ACCT, .start_ms = T0, .end_ms = T0 + HOUR, .bucket = "bkt",
                       .key = "k/d2.json.gz", .fingerprint = "00ff", .prev_bucket = "old-bkt",
                       .prev_key = "k/d1.json.gz", .prev_hash = "cafe", .prev_sig = "beef",
                       .logs = logs, .nlogs = 2};
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_digest_json(&d, &b), 0);
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, v, arr;
    check_members(doc, &b, &root);
    const char *s;
    size_t n;
    assert_int_equal(ot_json_get_str(root, "newestEventTime", &s, &n), 0);
    assert_string_equal(s, "2015-08-01T02:11:30Z");
    assert_int_equal(ot_json_get_str(root, "oldestEventTime", &s, &n), 0);
    assert_string_equal(s, "2015-08-01T02:08:50Z"); /* may precede digestStartTime */
    assert_int_equal(ot_json_get_str(root, "previousDigestHashAlgorithm", &s, &n), 0);
    assert_string_equal(s, "SHA-256");
    assert_int_equal(ot_json_get_str(root, "previousDigestS3Bucket", &s, &n), 0);
    assert_string_equal(s, "old-bkt");
    assert_false(is_null(root, "previousDigestSignature"));
    assert_int_equal(ot_json_get(root, "logFiles", &arr), 0);
    assert_int_equal(ot_json_count(arr), 2);
    ot_json_iter it;
    ot_json_array_iter(arr, &it);
    assert_true(ot_json_array_next(&it, &v));
    assert_int_equal(ot_json_get_str(v, "s3Object", &s, &n), 0);
    assert_string_equal(s, "AWSLogs/x/new.json.gz"); /* newest first, as given */
    assert_int_equal(ot_json_get_str(v, "hashAlgorithm", &s, &n), 0);
    assert_string_equal(s, "SHA-256");
    ot_json_doc_free(doc);
    ot_buf_free(&b);
}

/* ---------------------------------------------------------------- keys */

typedef struct fixture {
    char dir[64];
    ot_trail_db *db;
    ot_keystore *ks;
    ot_store *store;
    int64_t now;
    const char *crash_on;     /* substring of a digest key: crash after writing it */
} fixture;

static int fx_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    otest_tmpdir(f->dir, sizeof f->dir, "digest");
    char path[128];
    snprintf(path, sizeof path, "%s/state.db", f->dir);
    if (ot_trail_db_open(path, &f->db))
        return -1;
    snprintf(path, sizeof path, "%s/buckets", f->dir);
    mkdir(path, 0700);
    if (ot_store_open_local(path, &f->store) || ot_store_bucket_create(f->store, "logs-bucket"))
        return -1;
    if (ot_keystore_open(f->dir, f->db, HOUR, &f->ks))
        return -1;
    f->now = T0;
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fixture *f = *state;
    ot_keystore_close(f->ks);
    ot_store_close(f->store);
    ot_trail_db_close(f->db);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static void test_key_files_and_modes(void **state)
{
    fixture *f = *state;
    ot_pubkey k;
    assert_int_equal(ot_keystore_signing_key(f->ks, "../etc", T0, &k), OT_EINVAL);
    assert_int_equal(ot_keystore_signing_key(f->ks, "us-east-2", T0 + 1234, &k), 0);
    assert_int_equal(k.valid_from_ms, T0 + 1000); /* whole seconds */
    assert_int_equal(k.der_len, 270);
    char fp[33], path[128];
    ot_key_fingerprint(k.der, k.der_len, fp);
    assert_string_equal(fp, k.fingerprint);
    struct stat st;
    snprintf(path, sizeof path, "%s/keys", f->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/keys/%s.pem", f->dir, k.fingerprint);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A file that does not hold the key its name claims is refused. */
    ot_pubkey k2;
    assert_int_equal(ot_keystore_rotate(f->ks, "us-east-2", T0 + 5000, &k2), 0);
    ot_keystore_close(f->ks);
    assert_int_equal(ot_keystore_open(f->dir, f->db, HOUR, &f->ks), 0);
    char other[128], sig[OT_SIG_HEX_MAX];
    snprintf(other, sizeof other, "%s/keys/%s.pem", f->dir, k2.fingerprint);
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(ot_keystore_sign(f->ks, k.fingerprint, "x", 1, sig), OT_ECORRUPT);
    assert_int_equal(ot_keystore_sign(f->ks, k2.fingerprint, "x", 1, sig), OT_ENOTFOUND);
    assert_int_equal(ot_keystore_sign(f->ks, "nothex", "x", 1, sig), OT_EINVAL);
}

static bool listed(ot_keystore *ks, int64_t from, int64_t to, const char *fp)
{
    ot_pubkey *v;
    size_t n;
    assert_int_equal(ot_keystore_list(ks, "us-east-2", from, to, &v, &n), 0);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= !strcmp(v[i].fingerprint, fp);
    free(v);
    return found;
}

static void test_rotation_boundaries(void **state)
{
    fixture *f = *state;
    ot_pubkey k1, k, k2;
    assert_int_equal(ot_keystore_signing_key(f->ks, "us-east-2", T0, &k1), 0);
    assert_int_equal(k1.sign_until_ms, T0 + HOUR);
    assert_int_equal(k1.valid_to_ms, T0 + 2 * HOUR);
    /* The last second of its signing period: still k1, and a digest signed then validates. */
    assert_int_equal(ot_keystore_signing_key(f->ks, "us-east-2", T0 + HOUR - 1000, &k), 0);
    assert_string_equal(k.fingerprint, k1.fingerprint);
    char *msg = ot_digest_signing_string("2015-08-01T03:09:59Z", "b", "k", "{}", 2, NULL);
    char sig[OT_SIG_HEX_MAX];
    assert_int_equal(ot_keystore_sign(f->ks, k.fingerprint, msg, strlen(msg), sig), 0);
    assert_int_equal(strlen(sig), 512);
    /* One rotation later a new key signs; k1 stays listed until the end of its validity. */
    assert_int_equal(ot_keystore_signing_key(f->ks, "us-east-2", T0 + HOUR, &k2), 0);
    assert_string_not_equal(k2.fingerprint, k1.fingerprint);
    assert_int_equal(k2.valid_from_ms, T0 + HOUR);
    assert_true(listed(f->ks, T0 + HOUR, T0 + HOUR, k1.fingerprint));
    assert_true(listed(f->ks, T0 + HOUR, T0 + HOUR, k2.fingerprint));
    assert_true(listed(f->ks, T0 + 2 * HOUR, T0 + 2 * HOUR, k1.fingerprint));
    assert_false(listed(f->ks, T0 + 2 * HOUR + 1000, T0 + 3 * HOUR, k1.fingerprint));
    assert_false(listed(f->ks, T0 - 2000, T0 - 1000, k1.fingerprint));
    /* The key ListPublicKeys returns verifies the signature made before the rotation. */
    ot_pubkey got;
    assert_int_equal(ot_keystore_get(f->ks, k1.fingerprint, &got), 0);
    assert_int_equal(ot_digest_verify(got.der, got.der_len, msg, strlen(msg), sig), 0);
    assert_int_equal(ot_digest_verify(k2.der, k2.der_len, msg, strlen(msg), sig), OT_ECORRUPT);
    msg[0] = '3';
    assert_int_equal(ot_digest_verify(got.der, got.der_len, msg, strlen(msg), sig), OT_ECORRUPT);
    free(msg);
    /* Other regions have their own keys. */
    assert_int_equal(ot_keystore_signing_key(f->ks, "eu-west-1", T0, &k), 0);
    assert_string_not_equal(k.fingerprint, k1.fingerprint);
    /* rotate: a new key at once, which then signs. */
    assert_int_equal(ot_keystore_rotate(f->ks, "us-east-2", T0 + HOUR + 5000, &k), 0);
    ot_pubkey now;
    assert_int_equal(ot_keystore_signing_key(f->ks, "us-east-2", T0 + HOUR + 6000, &now), 0);
    assert_string_equal(now.fingerprint, k.fingerprint);
}

static void test_deterministic_resigning(void **state)
{
    fixture *f = *state;
    ot_pubkey k;
    assert_int_equal(ot_keystore_signing_key(f->ks, "us-east-2", T0, &k), 0);
    const char msg[] = "2015-08-01T03:10:00Z\nb/k\nabc\nnull";
    char s1[OT_SIG_HEX_MAX], s2[OT_SIG_HEX_MAX], s3[OT_SIG_HEX_MAX];
    assert_int_equal(ot_keystore_sign(f->ks, k.fingerprint, msg, sizeof msg - 1, s1), 0);
    assert_int_equal(ot_keystore_sign(f->ks, k.fingerprint, msg, sizeof msg - 1, s2), 0);
    assert_string_equal(s1, s2);
    /* After a restart the key comes from its file and signs identically. */
    ot_keystore_close(f->ks);
    assert_int_equal(ot_keystore_open(f->dir, f->db, HOUR, &f->ks), 0);
    assert_int_equal(ot_keystore_sign(f->ks, k.fingerprint, msg, sizeof msg - 1, s3), 0);
    assert_string_equal(s1, s3);
    assert_int_equal(ot_digest_verify(k.der, k.der_len, msg, sizeof msg - 1, s3), 0);
}

/* ---------------------------------------------------------------- the writer */

static int64_t fx_now(void *ctx) { return ((fixture *)ctx)->now; }

static int fx_crash(void *ctx, const char *key)
{
    fixture *f = ctx;
    return f->crash_on && strstr(key, f->crash_on) != NULL;
}

static ot_digest *start_writer(fixture *f)
{
    ot_digest_opts o = {.trails = f->db, .store = f->store, .keys = f->ks, .interval_ms = HOUR,
                        .now_ms = fx_now, .now_ctx = f, .no_thread = true,
                        .crash_hook = fx_crash, .crash_ctx = f};
    ot_digest *d;
    assert_int_equal(ot_digest_start(&o, &d), 0);
    return d;
}

static void make_trail(fixture *f, bool validation)
{
    ot_trail t;
    memset(&t, 0, sizeof t);
    snprintf(t.arn, sizeof t.arn, ARN);
    snprintf(t.name, sizeof t.name, "main");
    snprintf(t.account_id, sizeof t.account_id, ACCT);
    snprintf(t.home_region, sizeof t.home_region, "us-east-2");
    snprintf(t.bucket, sizeof t.bucket, "logs-bucket");
    t.include_global = t.multi_region = true;
    t.log_validation = validation;
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    assert_int_equal(ot_trail_set_logging(f->db, ARN, true, f->now, NULL), 0);
}

typedef struct note_ctx {
    ot_digest_logfile lf;
    int64_t ms;
} note_ctx;

static int note_cb(struct sqlite3 *db, void *ctx)
{
    note_ctx *n = ctx;
    return ot_digest_db_note_logs(db, ARN, &n->lf, 1, n->ms);
}

/* What delivery does after writing a log file. */
static void deliver_log(fixture *f, const char *region, const char *name, const char *body)
{
    note_ctx n = {.ms = f->now};
    snprintf(n.lf.account_id, sizeof n.lf.account_id, ACCT);
    snprintf(n.lf.region, sizeof n.lf.region, "%s", region);
    snprintf(n.lf.bucket, sizeof n.lf.bucket, "logs-bucket");
    snprintf(n.lf.key, sizeof n.lf.key, "AWSLogs/%s/CloudTrail/%s/%s", ACCT, region, name);
    uint8_t h[32];
    ot_sha256(body, strlen(body), h);
    ot_hex(h, 32, n.lf.sha256_hex);
    n.lf.oldest_ms = n.lf.newest_ms = f->now - 1000;
    assert_int_equal(ot_trail_db_with(f->db, note_cb, &n), 0);
}

typedef struct got_digest {
    char key[OT_DIGEST_KEY_MAX + 1];
    char *body;               /* uncompressed */
    size_t len;
    char sig[OT_SIG_HEX_MAX];
    uint8_t *raw;             /* as stored (gzip) */
    size_t rawlen;
} got_digest;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every digest object of a region, oldest first. */
static size_t read_digests(fixture *f, const char *region, got_digest *out, size_t cap)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "AWSLogs/%s/CloudTrail-Digest/%s/", ACCT, region);
    ot_list_result r;
    assert_int_equal(ot_store_list(f->store, "logs-bucket", prefix, NULL, NULL, 1000, &r), 0);
    assert_true(r.nentries <= cap);
    char **keys = calloc(r.nentries + 1, sizeof *keys);
    for (size_t i = 0; i < r.nentries; i++)
        keys[i] = r.entries[i].key;
    qsort(keys, r.nentries, sizeof *keys, cmp_str);
    size_t n = r.nentries;
    for (size_t i = 0; i < n; i++) {
        got_digest *g = &out[i];
        memset(g, 0, sizeof *g);
        snprintf(g->key, sizeof g->key, "%s", keys[i]);
        void *data;
        assert_int_equal(ot_store_get(f->store, "logs-bucket", g->key, &data, &g->rawlen), 0);
        g->raw = data;
        g->body = malloc(1 << 20);
        z_stream zs = {0};
        assert_int_equal(inflateInit2(&zs, MAX_WBITS | 16), Z_OK);
        zs.next_in = g->raw;
        zs.avail_in = (uInt)g->rawlen;
        zs.next_out = (Bytef *)g->body;
        zs.avail_out = (1 << 20) - 1;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        assert_int_equal(zs.avail_in, 0); /* one member, nothing after it */
        g->len = zs.total_out;
        g->body[g->len] = '\0';
        inflateEnd(&zs);
        ot_object_info info;
        assert_int_equal(ot_store_head(f->store, "logs-bucket", g->key, &info), 0);
        bool alg = false;
        for (size_t m = 0; m < info.nmeta; m++) {
            if (!strcmp(info.meta[m].name, "signature"))
                snprintf(g->sig, sizeof g->sig, "%s", info.meta[m].value);
            alg |= !strcmp(info.meta[m].name, "signature-algorithm") &&
                   !strcmp(info.meta[m].value, "SHA256withRSA");
        }
        assert_true(alg);
        assert_int_equal(strlen(g->sig), 512);
        ot_object_info_free(&info);
    }
    free(keys);
    ot_store_list_free(&r);
    return n;
}

static void free_digests(got_digest *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].body);
        free(v[i].raw);
    }
}

static const char *member(ot_json_doc *doc, const got_digest *g, const char *key, ot_json *rootp)
{
    char err[64];
    ot_json root;
    assert_int_equal(ot_json_parse(doc, g->body, g->len, false, &root, err, sizeof err), 0);
    if (rootp)
        *rootp = root;
    const char *s = NULL;
    size_t n;
    if (ot_json_get_str(root, key, &s, &n) != 0)
        return NULL;
    return s;
}

/* Checks the signature of g (as awscli does) and its link to prev (as awscli does not). */
static void verify_digest(fixture *f, const got_digest *g, const got_digest *prev)
{
    ot_json_doc *doc = ot_json_doc_new();
    char end[32], fp[33];
    snprintf(end, sizeof end, "%s", member(doc, g, "digestEndTime", NULL));
    snprintf(fp, sizeof fp, "%s", member(doc, g, "digestPublicKeyFingerprint", NULL));
    assert_string_equal(member(doc, g, "digestS3Object", NULL), g->key);
    const char *ps = member(doc, g, "previousDigestSignature", NULL);
    char *prev_sig = ps ? strdup(ps) : NULL;
    if (prev) {
        assert_non_null(prev_sig);
        assert_string_equal(prev_sig, prev->sig);
        assert_string_equal(member(doc, g, "previousDigestS3Object", NULL), prev->key);
        uint8_t h[32];
        char hex[65];
        ot_sha256(prev->body, prev->len, h);
        ot_hex(h, 32, hex);
        assert_string_equal(member(doc, g, "previousDigestHashValue", NULL), hex);
        char pend[32];
        snprintf(pend, sizeof pend, "%s", member(doc, prev, "digestEndTime", NULL));
        assert_string_equal(member(doc, g, "digestStartTime", NULL), pend);
    } else {
        ot_json root;
        member(doc, g, "awsAccountId", &root);
        assert_true(is_null(root, "previousDigestS3Object"));
        assert_null(prev_sig);
    }
    char *msg = ot_digest_signing_string(end, "logs-bucket", g->key, g->body, g->len, prev_sig);
    ot_pubkey k;
    assert_int_equal(ot_keystore_get(f->ks, fp, &k), 0);
    assert_int_equal(ot_digest_verify(k.der, k.der_len, msg, strlen(msg), g->sig), 0);
    free(msg);
    free(prev_sig);
    ot_json_doc_free(doc);
}

static size_t count_logs(const got_digest *g)
{
    size_t n = 0;
    for (const char *p = g->body; (p = strstr(p, "\"hashValue\"")); p++)
        n++;
    return n;
}

static void test_writer_chain_start_empty_stop(void **state)
{
    fixture *f = *state;
    make_trail(f, true);
    ot_digest *d = start_writer(f);
    ot_digest_trail_changed(d, ARN);       /* StartLogging: the chain starts at T0 */
    f->now = T0 + 10 * 60000;
    deliver_log(f, "us-east-2", "a.json.gz", "{\"Records\":[]}");
    deliver_log(f, "eu-west-1", "b.json.gz", "{\"Records\":[1]}");
    ot_digest_tick(d);                     /* not due yet */
    got_digest g[8];
    assert_int_equal(read_digests(f, "us-east-2", g, 8), 0);
    f->now = T0 + HOUR + 300;
    ot_digest_tick(d);                     /* starting digests in both regions */
    f->now = T0 + 2 * HOUR + 10;
    ot_digest_tick(d);                     /* empty digests */
    f->now = T0 + 2 * HOUR + 20 * 60000;
    deliver_log(f, "us-east-2", "c.json.gz", "{\"Records\":[2]}");
    assert_int_equal(ot_trail_set_logging(f->db, ARN, false, f->now, NULL), 0);
    ot_digest_trail_changed(d, ARN);       /* StopLogging: final digests now */
    f->now = T0 + 4 * HOUR;
    ot_digest_tick(d);                     /* stopped: nothing more */
    size_t n = read_digests(f, "us-east-2", g, 8);
    assert_int_equal(n, 3);
    assert_non_null(strstr(g[0].key, "_main_us-east-2_20150801T031000Z.json.gz"));
    assert_non_null(strstr(g[1].key, "_20150801T041000Z.json.gz")); /* the trail's own offset */
    assert_non_null(strstr(g[2].key, "_20150801T043000Z.json.gz")); /* the stop time */
    verify_digest(f, &g[0], NULL);
    verify_digest(f, &g[1], &g[0]);
    verify_digest(f, &g[2], &g[1]);
    assert_int_equal(count_logs(&g[0]), 1);
    assert_int_equal(count_logs(&g[1]), 0);
    assert_int_equal(count_logs(&g[2]), 1);
    assert_non_null(strstr(g[0].body, "\"digestStartTime\":\"2015-08-01T02:10:00Z\""));
    assert_non_null(strstr(g[1].body, "\"newestEventTime\":null"));
    free_digests(g, n);
    n = read_digests(f, "eu-west-1", g, 8);
    assert_int_equal(n, 3);
    verify_digest(f, &g[0], NULL);
    verify_digest(f, &g[1], &g[0]);
    verify_digest(f, &g[2], &g[1]);
    free_digests(g, n);
    ot_trail t;
    assert_int_equal(ot_trail_get_by_arn(f->db, ARN, &t), 0);
    assert_int_equal(t.latest_digest_delivery_ms, T0 + 2 * HOUR + 20 * 60000);
    assert_string_equal(t.latest_digest_delivery_error, "");
    /* Started again: a new chain with a starting digest; nothing delivered while stopped. */
    f->now = T0 + 5 * HOUR;
    deliver_log(f, "us-east-2", "ignored.json.gz", "{}");
    assert_int_equal(ot_trail_set_logging(f->db, ARN, true, f->now, NULL), 0);
    ot_digest_trail_changed(d, ARN);
    f->now = T0 + 6 * HOUR;
    ot_digest_tick(d);
    n = read_digests(f, "us-east-2", g, 8);
    assert_int_equal(n, 4);
    verify_digest(f, &g[3], NULL);
    assert_int_equal(count_logs(&g[3]), 0);
    free_digests(g, n);
    ot_digest_stop(d);
}

static void test_writer_no_validation_no_digests(void **state)
{
    fixture *f = *state;
    make_trail(f, false);
    ot_digest *d = start_writer(f);
    ot_digest_trail_changed(d, ARN);
    deliver_log(f, "us-east-2", "a.json.gz", "{}");
    f->now = T0 + 3 * HOUR;
    ot_digest_tick(d);
    got_digest g[2];
    assert_int_equal(read_digests(f, "us-east-2", g, 2), 0);
    ot_digest_stop(d);
}

static void test_writer_crash_redo_same_bytes(void **state)
{
    fixture *f = *state;
    make_trail(f, true);
    ot_digest *d = start_writer(f);
    ot_digest_trail_changed(d, ARN);
    f->now = T0 + 60000;
    deliver_log(f, "us-east-2", "a.json.gz", "{\"Records\":[]}");
    f->now = T0 + HOUR;
    ot_digest_tick(d);
    f->now = T0 + HOUR + 60000;
    deliver_log(f, "us-east-2", "b.json.gz", "{\"Records\":[3]}");
    f->crash_on = "T041000Z";             /* crash after writing the second digest */
    f->now = T0 + 2 * HOUR;
    ot_digest_tick(d);
    got_digest g[8], h[8];
    size_t n = read_digests(f, "us-east-2", g, 8);
    assert_int_equal(n, 2);
    ot_digest_stop(d);                     /* the process "dies" */
    /* ... and, as if the put had not reached the disk, the object is gone: the redo must
     * produce it again, byte for byte, with the same signature. */
    assert_int_equal(ot_store_delete(f->store, "logs-bucket", g[1].key), 0);
    f->crash_on = NULL;
    f->now = T0 + 2 * HOUR + 5000;         /* restart: the pending digest is redone */
    d = start_writer(f);
    size_t m = read_digests(f, "us-east-2", h, 8);
    assert_int_equal(m, 2);
    assert_string_equal(h[1].key, g[1].key);
    assert_int_equal(h[1].len, g[1].len);
    assert_memory_equal(h[1].body, g[1].body, g[1].len);
    assert_string_equal(h[1].sig, g[1].sig);
    free_digests(h, m);
    f->now = T0 + 3 * HOUR;               /* the chain goes on from the redone digest */
    deliver_log(f, "us-east-2", "c.json.gz", "{\"Records\":[4]}");
    f->now = T0 + 3 * HOUR + 100;
    ot_digest_tick(d);
    m = read_digests(f, "us-east-2", h, 8);
    assert_int_equal(m, 3);
    verify_digest(f, &h[1], &h[0]);
    verify_digest(f, &h[2], &h[1]);
    assert_int_equal(count_logs(&h[1]), 1);
    assert_int_equal(count_logs(&h[2]), 1);
    free_digests(h, m);
    free_digests(g, n);
    ot_digest_stop(d);
}

/* UpdateTrail turning validation off, and DeleteTrail, end the chain with a final digest. */
static void test_writer_final_on_validation_off_and_delete(void **state)
{
    fixture *f = *state;
    make_trail(f, true);
    ot_digest *d = start_writer(f);
    ot_digest_trail_changed(d, ARN);
    f->now = T0 + 5 * 60000;
    deliver_log(f, "us-east-2", "a.json.gz", "{\"Records\":[]}");
    ot_trail t;
    assert_int_equal(ot_trail_get_by_arn(f->db, ARN, &t), 0);
    t.log_validation = false;
    assert_int_equal(ot_trail_update(f->db, &t, 5), 0);
    ot_digest_trail_changed(d, ARN);
    got_digest g[4];
    size_t n = read_digests(f, "us-east-2", g, 4);
    assert_int_equal(n, 1);
    verify_digest(f, &g[0], NULL);
    assert_int_equal(count_logs(&g[0]), 1);
    assert_non_null(strstr(g[0].key, "_20150801T021500Z.json.gz"));
    free_digests(g, n);
    /* Validation on again, then the trail is deleted: a new chain, ended by a final digest. */
    f->now = T0 + 10 * 60000;
    t.log_validation = true;
    assert_int_equal(ot_trail_update(f->db, &t, 5), 0);
    ot_digest_trail_changed(d, ARN);
    f->now = T0 + 12 * 60000;
    deliver_log(f, "us-east-2", "b.json.gz", "{\"Records\":[5]}");
    assert_int_equal(ot_trail_delete(f->db, ARN), 0);
    ot_digest_trail_changed(d, ARN);
    f->now = T0 + 3 * HOUR;
    ot_digest_tick(d);
    n = read_digests(f, "us-east-2", g, 4);
    assert_int_equal(n, 2);
    verify_digest(f, &g[1], NULL);
    assert_int_equal(count_logs(&g[1]), 1);
    assert_non_null(strstr(g[1].key, "_20150801T022200Z.json.gz"));
    free_digests(g, n);
    ot_digest_stop(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signing_string_awscli_vector),
        cmocka_unit_test(test_published_fingerprints),
        cmocka_unit_test(test_digest_key_names),
        cmocka_unit_test(test_digest_json_starting_empty),
        cmocka_unit_test(test_digest_json_chained_with_logs),
        cmocka_unit_test_setup_teardown(test_key_files_and_modes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rotation_boundaries, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_deterministic_resigning, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_chain_start_empty_stop, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_no_validation_no_digests, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_crash_redo_same_bytes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_final_on_validation_off_and_delete, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
