/* vl_digest.c — read one digest file and check it: the AWS CLI's checks in the CLI's order and
 * with its texts (fetch and parse, signature metadata, required keys, location, fingerprint,
 * signature: awscli/customizations/cloudtrail/validation.py in https://github.com/aws/aws-cli),
 * then the ones it leaves out (algorithm fields, fingerprint = MD5 of the key, account and end
 * time against the key name, well-formed logFiles entries). Chain checks between two digests
 * are vl_walk.c's. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"
#include "validate/vl_int.h"

static const char *const all_keys[] = {
    "awsAccountId", "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
    "digestPublicKeyFingerprint", "digestSignatureAlgorithm", "newestEventTime",
    "oldestEventTime", "previousDigestS3Bucket", "previousDigestS3Object",
    "previousDigestHashValue", "previousDigestHashAlgorithm", "previousDigestSignature",
    "logFiles"};
/* What the CLI requires (DigestTraverser.required_digest_keys). */
static const char *const cli_keys[] = {"digestPublicKeyFingerprint", "digestS3Bucket",
                                       "digestS3Object", "previousDigestSignature",
                                       "digestEndTime", "digestStartTime"};

void vl_digest_free(vl_digest *d)
{
    char **strs[] = {&d->bucket, &d->key, &d->account, &d->start, &d->end, &d->dbucket,
                     &d->dobject, &d->fingerprint, &d->sigalg, &d->prev_bucket,
                     &d->prev_object, &d->prev_hash, &d->prev_hash_alg, &d->prev_sig};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (size_t i = 0; i < d->nlogs; i++) {
        free(d->logs[i].bucket);
        free(d->logs[i].key);
    }
    free(d->logs);
    memset(d, 0, sizeof *d);
}

/* Member key as a malloc'd string; NULL for null, absent or another type (*bad set then). */
static char *get_str(ot_json obj, const char *key, bool *bad)
{
    ot_json v;
    const char *s;
    size_t n;
    if (ot_json_get(obj, key, &v) || ot_json_typeof(v) == OT_JSON_NULL)
        return NULL;
    if (ot_json_str(v, &s, &n) || memchr(s, '\0', n)) {
        *bad = true;
        return NULL;
    }
    return strdup(s);
}

static bool is_sha_hex(const char *s)
{
    return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int parse_logs(ot_json root, vl_digest *d, char *reason, size_t rlen)
{
    ot_json arr, e;
    ot_json_iter it;
    if (ot_json_get(root, "logFiles", &arr) || ot_json_array_iter(arr, &it)) {
        snprintf(reason, rlen, "invalid format (logFiles is not an array)");
        return OT_EINVAL;
    }
    size_t n = ot_json_count(arr), i = 0;
    if (n && !(d->logs = calloc(n, sizeof *d->logs)))
        return OT_ENOMEM;
    while (ot_json_array_next(&it, &e)) {
        vl_logref *l = &d->logs[i++];
        d->nlogs = i;
        bool bad = false;
        char *hash = get_str(e, "hashValue", &bad), *alg = get_str(e, "hashAlgorithm", &bad);
        l->bucket = get_str(e, "s3Bucket", &bad);
        l->key = get_str(e, "s3Object", &bad);
        if (hash)
            snprintf(l->hash, sizeof l->hash, "%s", hash);
        if (alg)
            snprintf(l->alg, sizeof l->alg, "%s", alg);
        bool ok = !bad && l->bucket && l->key && hash && alg;
        free(hash);
        free(alg);
        if (!ok) {
            snprintf(reason, rlen, "invalid format (logFiles[%zu] lacks s3Bucket, s3Object, "
                     "hashValue or hashAlgorithm)", i - 1);
            return OT_EINVAL;
        }
    }
    return OT_OK;
}

/* The digest's string members, each read from its JSON key (NULL when absent). */
static const struct {
    const char *key;
    size_t off;
} DIGEST_STRS[] = {
    {"awsAccountId", offsetof(vl_digest, account)},
    {"digestStartTime", offsetof(vl_digest, start)},
    {"digestEndTime", offsetof(vl_digest, end)},
    {"digestS3Bucket", offsetof(vl_digest, dbucket)},
    {"digestS3Object", offsetof(vl_digest, dobject)},
    {"digestPublicKeyFingerprint", offsetof(vl_digest, fingerprint)},
    {"digestSignatureAlgorithm", offsetof(vl_digest, sigalg)},
    {"previousDigestS3Bucket", offsetof(vl_digest, prev_bucket)},
    {"previousDigestS3Object", offsetof(vl_digest, prev_object)},
    {"previousDigestHashValue", offsetof(vl_digest, prev_hash)},
    {"previousDigestHashAlgorithm", offsetof(vl_digest, prev_hash_alg)},
    {"previousDigestSignature", offsetof(vl_digest, prev_sig)},
};

static int parse_fields(ot_json root, vl_digest *d, char *reason, size_t rlen)
{
    ot_json v;
    for (size_t i = 0; i < sizeof cli_keys / sizeof cli_keys[0]; i++)
        if (ot_json_get(root, cli_keys[i], &v)) {
            snprintf(reason, rlen, "invalid format");
            return OT_EINVAL;
        }
    bool bad = false;
    for (size_t i = 0; i < sizeof DIGEST_STRS / sizeof *DIGEST_STRS; i++)
        *(char **)((char *)d + DIGEST_STRS[i].off) = get_str(root, DIGEST_STRS[i].key, &bad);
    d->has_prev_sig_key = true;
    if (bad || !d->start || !d->end || !d->dbucket || !d->dobject || !d->fingerprint) {
        snprintf(reason, rlen, "invalid format");
        return OT_EINVAL;
    }
    return OT_OK;
}

/* What the CLI leaves unchecked in a digest whose signature verified. */
static int check_strict(ot_json root, const vl_dkey *name, vl_digest *d, char *reason,
                        size_t rlen)
{
    ot_json v;
    for (size_t i = 0; i < sizeof all_keys / sizeof all_keys[0]; i++)
        if (ot_json_get(root, all_keys[i], &v)) {
            snprintf(reason, rlen, "invalid format (no %s member)", all_keys[i]);
            return OT_EINVAL;
        }
    int rc = parse_logs(root, d, reason, rlen);
    if (rc)
        return rc;
    if ((d->start_ms = vl_parse_time(d->start)) < 0 || (d->end_ms = vl_parse_time(d->end)) < 0 ||
        d->start_ms > d->end_ms)
        snprintf(reason, rlen, "invalid digestStartTime/digestEndTime");
    else if (!d->sigalg || strcmp(d->sigalg, "SHA256withRSA"))
        snprintf(reason, rlen, "digestSignatureAlgorithm is %s, not SHA256withRSA",
                 d->sigalg ? d->sigalg : "null");
    else if (strcmp(d->sigalg_meta, "SHA256withRSA"))
        snprintf(reason, rlen, "signature-algorithm metadata is %s, not SHA256withRSA",
                 d->sigalg_meta);
    else if (name && (!d->account || strcmp(d->account, name->account)))
        snprintf(reason, rlen, "awsAccountId %s does not match the key name's account %s",
                 d->account ? d->account : "null", name->account);
    else if (name && d->end_ms / 1000 != name->ms / 1000)
        snprintf(reason, rlen, "digestEndTime %s does not match the time in the key name", d->end);
    else if (!!d->prev_sig != !!d->prev_object || !!d->prev_object != !!d->prev_bucket ||
             !!d->prev_object != !!d->prev_hash)
        snprintf(reason, rlen, "previousDigest* members are partly null");
    else if (d->prev_object && (!d->prev_hash_alg || strcmp(d->prev_hash_alg, "SHA-256")))
        snprintf(reason, rlen, "previousDigestHashAlgorithm is not SHA-256");
    else if (d->prev_hash && !is_sha_hex(d->prev_hash))
        snprintf(reason, rlen, "previousDigestHashValue is not a SHA-256 hex digest");
    else {
        for (size_t i = 0; i < d->nlogs; i++)
            if (strcmp(d->logs[i].alg, "SHA-256") || !is_sha_hex(d->logs[i].hash)) {
                snprintf(reason, rlen, "logFiles entry for %s has hashAlgorithm %s / "
                         "hashValue that is not SHA-256 hex", d->logs[i].key, d->logs[i].alg);
                return OT_EINVAL;
            }
        return OT_OK;
    }
    return OT_EINVAL;
}

int vl_digest_parse_body(const char *json, size_t len, const char *key, vl_digest *d,
                         char *reason, size_t rlen)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    char jerr[64];
    vl_dkey name;
    bool named = key && vl_parse_digest_key(key, &name);
    int rc = OT_EINVAL;
    if (!doc)
        return OT_ENOMEM;
    if (ot_json_parse(doc, json, len, false, &root, jerr, sizeof jerr) ||
        ot_json_typeof(root) != OT_JSON_OBJECT)
        snprintf(reason, rlen, "invalid format");
    else if (!(rc = parse_fields(root, d, reason, rlen)))
        rc = check_strict(root, named ? &name : NULL, d, reason, rlen);
    ot_json_doc_free(doc);
    return rc;
}

static int verify(const vl_digest *d, const ot_vkeys *keys, const char *home, char *reason,
                  size_t rlen)
{
    const ot_vkey *k = ot_vkeys_find(keys, d->fingerprint);
    if (!k) {
        snprintf(reason, rlen, "public key not found in region %s for fingerprint %s", home,
                 d->fingerprint);
        return OT_EINVAL;
    }
    if (!k->pkey) {
        snprintf(reason, rlen, "Unable to load PKCS #1 key with fingerprint %s", d->fingerprint);
        return OT_EINVAL;
    }
    char *msg = ot_validate_string_to_sign(d->end, d->dbucket, d->dobject, d->body_sha,
                                           d->prev_sig);
    bool ok = msg && ot_validate_verify(k, msg, strlen(msg), d->sig);
    free(msg);
    if (!ok) {
        snprintf(reason, rlen, "signature verification failed");
        return OT_EINVAL;
    }
    if (strcmp(k->md5, d->fingerprint)) {
        snprintf(reason, rlen, "fingerprint %s is not the MD5 of its public key (%s)",
                 d->fingerprint, k->md5);
        return OT_EINVAL;
    }
    return OT_OK;
}

static int load(vl_source *src, const vl_obj *o, const char *home, const ot_vkeys *keys,
                const char *vouched_sig, vl_digest *d, char *reason, size_t rlen)
{
    ot_buf plain;
    ot_buf_init(&plain, VL_DIGEST_MAX);
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    char jerr[64];
    vl_dkey name;
    bool named = vl_parse_digest_key(d->key, &name);
    int rc = OT_EINVAL;
    ot_gz_status gz = ot_validate_inflate((const uint8_t *)o->data.data, o->data.len, &plain,
                                          d->body_sha);
    if (!doc) {
        rc = OT_ENOMEM;
        goto out;
    }
    if (gz == OT_GZ_BAD || gz == OT_GZ_TRUNCATED ||
        ot_json_parse(doc, plain.data, plain.len, true, &root, jerr, sizeof jerr) ||
        ot_json_typeof(root) != OT_JSON_OBJECT) {
        snprintf(reason, rlen, "invalid format");
        goto out;
    }
    if (o->has_sig && o->has_sigalg) {
        snprintf(d->sig, sizeof d->sig, "%s", o->sig);
        snprintf(d->sigalg_meta, sizeof d->sigalg_meta, "%s", o->sigalg);
    } else if (!o->has_sig && !o->has_sigalg && vouched_sig) {
        snprintf(d->sig, sizeof d->sig, "%s", vouched_sig); /* metadata lost by a copy */
        snprintf(d->sigalg_meta, sizeof d->sigalg_meta, "SHA256withRSA");
    } else {
        snprintf(reason, rlen, "signature verification failed");
        goto out;
    }
    if (d->backfill && !o->has_backfill_ts && !vouched_sig) {
        snprintf(reason, rlen, "invalid format");
        goto out;
    }
    if ((rc = parse_fields(root, d, reason, rlen)))
        goto out;
    rc = OT_EINVAL;
    if (strcmp(d->dbucket, d->bucket) || strcmp(d->dobject, d->key)) {
        snprintf(reason, rlen, "has been moved from its original location");
        goto out;
    }
    if ((rc = verify(d, keys, home, reason, rlen)))
        goto out;
    if (gz == OT_GZ_TRAILING) {
        snprintf(reason, rlen, "unexpected data after end of compressed stream");
        rc = OT_EINVAL;
        goto out;
    }
    rc = check_strict(root, named ? &name : NULL, d, reason, rlen);
out:
    ot_json_doc_free(doc);
    ot_buf_free(&plain);
    return rc;
}

int vl_digest_load(vl_source *src, const char *bucket, const char *key, const ot_vkeys *keys,
                   const char *home_region, const char *vouched_sig, vl_digest *d,
                   char *reason, size_t rlen)
{
    memset(d, 0, sizeof *d);
    d->bucket = strdup(bucket);
    d->key = strdup(key);
    size_t kl = strlen(key);
    d->backfill = kl > 17 && !strcmp(key + kl - 17, "_backfill.json.gz");
    if (!d->bucket || !d->key)
        return OT_ENOMEM;
    vl_obj o;
    vl_obj_init(&o, VL_DIGEST_MAX);
    char err[256] = "";
    int rc = src->ops->get(src, bucket, key, true, &o, err, sizeof err);
    if (rc == OT_ENOTFOUND) {
        snprintf(reason, rlen, "not found");
    } else if (rc) {
        snprintf(reason, rlen, "%s", err[0] ? err : ot_strerror(rc));
        rc = OT_EIO;
    } else {
        rc = load(src, &o, home_region, keys, vouched_sig, d, reason, rlen);
    }
    vl_obj_free(&o);
    return rc;
}
