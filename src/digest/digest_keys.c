/* digest_keys.c — the signing keys: RSA-2048 per region, made on demand and rotated.
 *
 * Private keys are PKCS#8 PEM files <data-dir>/keys/<fingerprint>.pem (dir 0700, file 0600),
 * written to a temporary name, fsynced and renamed, then the directory is fsynced; only then is
 * the key's row inserted into state.db (digest_key), so a row always has its file.
 *
 * Rotation rule (docs/internals/DIGEST.md): a key made at S signs digests whose end time is in
 * [S, S + rotation); it stays valid (ListPublicKeys ValidityEndTime) until S + 2 x rotation, so
 * consecutive windows overlap by one rotation period, as AWS's do. The signer always takes the
 * newest key whose signing period contains the digest's end time, and makes one when there is
 * none; `opentrail keys rotate` makes a new key at once. */
#include "digest/digest_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trail/trail.h"
#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "util/region.h"
#include "util/sql.h"
#include "util/timeutil.h"
#include "util/vec.h"

#define KEY_BITS 2048
#define PEM_MAX (16 * 1024)

typedef struct cached_key {
    char fp[33];
    EVP_PKEY *pk;
} cached_key;

struct ot_keystore {
    char dir[600];
    ot_trail_db *db;
    int64_t rotation_ms;
    pthread_mutex_t mu;       /* the cache, and key creation */
    cached_key *cache;
    size_t ncache, capcache;
};


/* ---- state.db ---- */

static void read_row(sqlite3_stmt *st, void *row)
{
    ot_pubkey *k = row;
    ot_sql_col_text(st, 0, k->fingerprint, sizeof k->fingerprint);
    ot_sql_col_text(st, 1, k->region, sizeof k->region);
    k->valid_from_ms = sqlite3_column_int64(st, 2);
    k->sign_until_ms = sqlite3_column_int64(st, 3);
    k->valid_to_ms = sqlite3_column_int64(st, 4);
    k->created_ms = sqlite3_column_int64(st, 5);
    int n = sqlite3_column_bytes(st, 6);
    if (n > 0 && n <= OT_KEY_DER_MAX) {
        memcpy(k->der, sqlite3_column_blob(st, 6), (size_t)n);
        k->der_len = (size_t)n;
    }
}

#define KEY_COLS "fingerprint, region, valid_from_ms, sign_until_ms, valid_to_ms, created_ms, " \
                 "public_der"

typedef struct query_ctx {
    const char *sql;
    const char *text;         /* ?1 (NULL binds null) */
    int64_t a, b;             /* ?2, ?3 */
    ot_pubkey *v;
    size_t n;
} query_ctx;

static int query_cb(sqlite3 *db, void *ctx)
{
    query_ctx *q = ctx;
    int rc = ot_digest_db_init(db);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = ot_sql_prepare(db, q->sql, &st)))
        return rc;
    /* not every query has all three parameters: binding a missing one is not an error */
    if (q->text)
        sqlite3_bind_text(st, 1, q->text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, q->a);
    sqlite3_bind_int64(st, 3, q->b);
    rc = ot_sql_rows(db, st, sizeof *q->v, read_row, "read keys", (void **)&q->v, &q->n);
    sqlite3_finalize(st);
    return rc;
}

static int query(ot_keystore *ks, query_ctx *q)
{
    int rc = ot_trail_db_with(ks->db, query_cb, q);
    if (rc) {
        free(q->v);
        q->v = NULL;
        q->n = 0;
    }
    return rc;
}

static int insert_cb(sqlite3 *db, void *ctx)
{
    const ot_pubkey *k = ctx;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, "INSERT INTO digest_key(" KEY_COLS ") VALUES(?1,?2,?3,?4,?5,?6,?7)",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, k->fingerprint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, k->region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, k->valid_from_ms);
    sqlite3_bind_int64(st, 4, k->sign_until_ms);
    sqlite3_bind_int64(st, 5, k->valid_to_ms);
    sqlite3_bind_int64(st, 6, k->created_ms);
    sqlite3_bind_blob(st, 7, k->der, (int)k->der_len, SQLITE_TRANSIENT);
    return ot_sql_done(db, st, "insert key");
}

/* ---- files ---- */

static int write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = ot_sys_write_file_atomic(path, data, len, 0600, false);
    if (rc)
        ot_error("keys: cannot write %s: %s", path, strerror(errno));
    return rc;
}

/* Makes <data-dir>/keys; a new one is fsynced into the data dir before a key goes in it. */
static int key_dir(ot_keystore *ks)
{
    if (ot_sys->mkdir(ks->dir, 0700) == 0) {
        char parent[sizeof ks->dir];
        snprintf(parent, sizeof parent, "%.*s", (int)(strlen(ks->dir) - strlen("/keys")),
                 ks->dir);
        if (ot_sys_fsync_dir(parent) != OT_OK) {
            ot_error("keys: cannot sync %s: %s", parent, strerror(errno));
            return OT_EIO;
        }
    } else if (errno != EEXIST) {
        ot_error("keys: cannot create %s: %s", ks->dir, strerror(errno));
        return OT_EIO;
    }
    return chmod(ks->dir, 0700) ? OT_EIO : OT_OK;
}

static int save_private(ot_keystore *ks, EVP_PKEY *pk, const char *fp)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return OT_ENOMEM;
    int rc = OT_EIO;
    char *data;
    if (PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        char name[64];
        snprintf(name, sizeof name, "%s.pem", fp);
        rc = n > 0 ? write_atomic(ks->dir, name, data, (size_t)n) : OT_EIO;
    }
    BIO_free(bio);
    return rc;
}

static int load_private(ot_keystore *ks, const char *fp, EVP_PKEY **out)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s.pem", ks->dir, fp);
    FILE *f = fopen(path, "rb");
    if (!f) {
        ot_error("keys: private key %s is missing: %s", path, strerror(errno));
        return OT_ENOTFOUND;
    }
    char *buf = malloc(PEM_MAX);
    size_t n = buf ? fread(buf, 1, PEM_MAX, f) : 0;
    fclose(f);
    if (!buf)
        return OT_ENOMEM;
    BIO *bio = n > 0 && n < PEM_MAX ? BIO_new_mem_buf(buf, (int)n) : NULL;
    EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(buf, PEM_MAX);
    free(buf);
    if (!pk) {
        ot_error("keys: %s is not a private key", path);
        return OT_ECORRUPT;
    }
    /* The file must hold the key its name and row claim. */
    uint8_t der[OT_KEY_DER_MAX];
    size_t len;
    char got[33] = "";
    if (!ot_key_public_der(pk, der, &len))
        ot_key_fingerprint(der, len, got);
    if (strcmp(got, fp)) {
        ot_error("keys: %s does not match its fingerprint", path);
        EVP_PKEY_free(pk);
        return OT_ECORRUPT;
    }
    *out = pk;
    return OT_OK;
}

/* ---- public API ---- */

int ot_keystore_open(const char *data_dir, ot_trail_db *db, int64_t rotation_ms,
                     ot_keystore **out)
{
    *out = NULL;
    ot_keystore *ks = calloc(1, sizeof *ks);
    if (!ks)
        return OT_ENOMEM;
    if (snprintf(ks->dir, sizeof ks->dir, "%s/keys", data_dir) >= (int)sizeof ks->dir) {
        free(ks);
        return OT_ELIMIT;
    }
    ks->db = db;
    ks->rotation_ms = rotation_ms > 0 ? rotation_ms : OT_KEY_DEFAULT_ROTATION_MS;
    pthread_mutex_init(&ks->mu, NULL);
    *out = ks;
    return OT_OK;
}

void ot_keystore_close(ot_keystore *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->ncache; i++)
        EVP_PKEY_free(ks->cache[i].pk);
    free(ks->cache);
    pthread_mutex_destroy(&ks->mu);
    free(ks);
}

static int cache_add(ot_keystore *ks, const char *fp, EVP_PKEY *pk)
{
    if (OT_VEC_GROW(ks->cache, ks->capcache, ks->ncache + 1))
        return OT_ENOMEM;
    cached_key *c = &ks->cache[ks->ncache++];
    snprintf(c->fp, sizeof c->fp, "%s", fp);
    c->pk = pk;
    return OT_OK;
}

/* Caller holds ks->mu. */
static int create_key(ot_keystore *ks, const char *region, int64_t from_ms, ot_pubkey *out)
{
    if (!ot_region_valid(region))
        return OT_EINVAL;
    int rc = key_dir(ks);
    if (rc)
        return rc;
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)KEY_BITS);
    if (!pk)
        return OT_EIO;
    ot_pubkey k = {0};
    snprintf(k.region, sizeof k.region, "%s", region);
    k.valid_from_ms = from_ms - from_ms % 1000;
    k.sign_until_ms = k.valid_from_ms + ks->rotation_ms;
    k.valid_to_ms = k.valid_from_ms + 2 * ks->rotation_ms;
    k.created_ms = ot_now_ms();
    rc = ot_key_public_der(pk, k.der, &k.der_len);
    if (!rc) {
        ot_key_fingerprint(k.der, k.der_len, k.fingerprint);
        rc = save_private(ks, pk, k.fingerprint);
    }
    if (!rc)
        rc = ot_trail_db_with(ks->db, insert_cb, &k);
    if (!rc && cache_add(ks, k.fingerprint, pk) == OT_OK)
        pk = NULL;
    EVP_PKEY_free(pk);
    if (rc)
        return rc;
    char from[32], until[32], to[32]; /* as `opentrail keys list` prints them */
    ot_time_iso8601(k.valid_from_ms, from);
    ot_time_iso8601(k.sign_until_ms, until);
    ot_time_iso8601(k.valid_to_ms, to);
    ot_info("keys: new signing key %s for %s, valid from %s, signs until %s, valid to %s",
            k.fingerprint, region, from, until, to);
    *out = k;
    return OT_OK;
}

int ot_keystore_signing_key(ot_keystore *ks, const char *region, int64_t at_ms, ot_pubkey *out)
{
    if (!ot_region_valid(region))
        return OT_EINVAL;
    pthread_mutex_lock(&ks->mu);
    query_ctx q = {.sql = "SELECT " KEY_COLS " FROM digest_key WHERE region = ?1"
                          " AND valid_from_ms <= ?2 AND ?2 < sign_until_ms"
                          " ORDER BY valid_from_ms DESC, created_ms DESC LIMIT 1",
                   .text = region, .a = at_ms};
    int rc = query(ks, &q);
    if (!rc && q.n == 1)
        *out = q.v[0];
    else if (!rc)
        rc = create_key(ks, region, at_ms, out);
    free(q.v);
    pthread_mutex_unlock(&ks->mu);
    return rc;
}

int ot_keystore_rotate(ot_keystore *ks, const char *region, int64_t now_ms, ot_pubkey *out)
{
    pthread_mutex_lock(&ks->mu);
    query_ctx q = {.sql = "SELECT 1"};
    int rc = query(ks, &q); /* creates the tables */
    free(q.v);
    if (!rc)
        rc = create_key(ks, region, now_ms, out);
    pthread_mutex_unlock(&ks->mu);
    return rc;
}

int ot_keystore_list(ot_keystore *ks, const char *region, int64_t from_ms, int64_t to_ms,
                     ot_pubkey **out, size_t *n)
{
    query_ctx q = {.sql = "SELECT " KEY_COLS " FROM digest_key WHERE (?1 IS NULL OR region = ?1)"
                          " AND valid_from_ms <= ?3 AND valid_to_ms >= ?2"
                          " ORDER BY region, valid_from_ms, created_ms",
                   .text = region, .a = from_ms, .b = to_ms};
    int rc = query(ks, &q);
    *out = q.v;
    *n = q.n;
    return rc;
}

int ot_keystore_get(ot_keystore *ks, const char *fingerprint, ot_pubkey *out)
{
    query_ctx q = {.sql = "SELECT " KEY_COLS " FROM digest_key WHERE fingerprint = ?1 LIMIT 1",
                   .text = fingerprint};
    int rc = query(ks, &q);
    if (!rc && q.n == 0)
        rc = OT_ENOTFOUND;
    if (!rc)
        *out = q.v[0];
    free(q.v);
    return rc;
}

static int private_key(ot_keystore *ks, const char *fp, EVP_PKEY **pk)
{
    for (size_t i = 0; i < ks->ncache; i++)
        if (!strcmp(ks->cache[i].fp, fp)) {
            *pk = ks->cache[i].pk;
            return OT_OK;
        }
    ot_pubkey k;
    int rc = ot_keystore_get(ks, fp, &k);
    if (!rc)
        rc = load_private(ks, fp, pk);
    if (!rc && (rc = cache_add(ks, fp, *pk)) != OT_OK)
        EVP_PKEY_free(*pk);
    return rc;
}

int ot_keystore_sign(ot_keystore *ks, const char *fingerprint, const void *msg, size_t len,
                     char sig_hex[OT_SIG_HEX_MAX])
{
    if (strlen(fingerprint) != 32 || strspn(fingerprint, "0123456789abcdef") != 32)
        return OT_EINVAL;
    pthread_mutex_lock(&ks->mu);
    EVP_PKEY *pk = NULL;
    int rc = private_key(ks, fingerprint, &pk);
    if (!rc)
        rc = ot_key_sign(pk, msg, len, sig_hex);
    pthread_mutex_unlock(&ks->mu);
    return rc;
}
