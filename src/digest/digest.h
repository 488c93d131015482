/* digest.h — log-file validation: signing keys, and the signed, chained digest files.
 *
 * Keys: one RSA-2048 key pair per region at a time, made on demand, rotated every
 * rotation period; private keys in <data-dir>/keys/ (0600), metadata in state.db.
 * Digests: for every trail with log-file validation, one chain per (trail, account, delivery
 * region): every digest interval a gzip'd JSON digest listing the log files delivered since the
 * previous one, signed (SHA256withRSA) over the string CloudTrail signs (see
 * ot_digest_signing_string). A digest is first recorded as an intent in state.db, then written,
 * then committed with the chain state, so a crash at any point is redone with the same bytes.
 * See docs/internals/DIGEST.md and
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-custom-validation.html */
#ifndef OT_DIGEST_H
#define OT_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct ot_trail_db;
struct ot_store;

#define OT_DIGEST_DEFAULT_INTERVAL_MS (60LL * 60 * 1000)
#define OT_KEY_DEFAULT_ROTATION_MS (30LL * 24 * 3600 * 1000)
#define OT_KEY_DER_MAX 600          /* PKCS#1 RSAPublicKey of RSA-2048 is 270 bytes */
#define OT_SIG_HEX_MAX 1025         /* 512 hex characters for RSA-2048, up to RSA-4096 */

/* ---- signing keys (digest_keys.c) ---- */

typedef struct ot_keystore ot_keystore;

typedef struct ot_pubkey {
    char region[32];
    char fingerprint[33];      /* lowercase hex MD5 of der */
    int64_t valid_from_ms;     /* ValidityStartTime (whole seconds) */
    int64_t sign_until_ms;     /* signs digests ending before this (valid_from + rotation) */
    int64_t valid_to_ms;       /* ValidityEndTime (valid_from + 2 x rotation) */
    int64_t created_ms;
    uint8_t der[OT_KEY_DER_MAX]; /* DER PKCS#1 RSAPublicKey */
    size_t der_len;
} ot_pubkey;

/* Opens the key store of a data dir: private keys in data_dir/keys/, metadata in db.
 * rotation_ms <= 0 means OT_KEY_DEFAULT_ROTATION_MS. */
int ot_keystore_open(const char *data_dir, struct ot_trail_db *db, int64_t rotation_ms,
                     ot_keystore **out);
void ot_keystore_close(ot_keystore *ks);
/* The key that signs a digest ending at at_ms in region: the newest key with
 * valid_from <= at_ms < sign_until; a new one (valid from at_ms) if there is none. */
int ot_keystore_signing_key(ot_keystore *ks, const char *region, int64_t at_ms, ot_pubkey *out);
/* Makes a new key for region valid from now_ms (it signs from then on). */
int ot_keystore_rotate(ot_keystore *ks, const char *region, int64_t now_ms, ot_pubkey *out);
/* Keys of region (NULL = every region) whose validity window overlaps [from_ms, to_ms],
 * ordered by region then valid_from. *out malloc'd (NULL when n is 0); free() it. */
int ot_keystore_list(ot_keystore *ks, const char *region, int64_t from_ms, int64_t to_ms,
                     ot_pubkey **out, size_t *n);
/* A key by fingerprint; OT_ENOTFOUND. */
int ot_keystore_get(ot_keystore *ks, const char *fingerprint, ot_pubkey *out);
/* Signs msg with the private key of fingerprint: RSASSA-PKCS1-v1_5 over SHA-256, lowercase
 * hex into sig_hex. Deterministic: the same key and message give the same signature. */
int ot_keystore_sign(ot_keystore *ks, const char *fingerprint, const void *msg, size_t len,
                     char sig_hex[OT_SIG_HEX_MAX]);

/* ---- pure helpers (digest_sign.c) ---- */

/* Lowercase hex MD5 of der: the fingerprint CloudTrail reports for a public key. */
void ot_key_fingerprint(const uint8_t *der, size_t len, char out[33]);
/* The string a digest signature covers (cloudtrail-log-file-custom-validation.html), malloc'd,
 * NUL-terminated: end_iso "\n" bucket "/" key "\n" hex(SHA-256(body)) "\n" (prev_sig or "null"). */
char *ot_digest_signing_string(const char *end_iso, const char *bucket, const char *key,
                               const void *body, size_t body_len, const char *prev_sig);
/* Verifies a hex signature of msg with a DER PKCS#1 RSA public key: 0 or OT_ECORRUPT. */
int ot_digest_verify(const uint8_t *der, size_t der_len, const void *msg, size_t len,
                     const char *sig_hex);

/* ---- the digest writer (digest_writer.c) ---- */

typedef struct ot_digest ot_digest;

typedef struct ot_digest_opts {
    struct ot_trail_db *trails;   /* state.db */
    struct ot_store *store;
    ot_keystore *keys;
    int64_t interval_ms;          /* <= 0: OT_DIGEST_DEFAULT_INTERVAL_MS */
    int64_t (*now_ms)(void *ctx); /* NULL: the wall clock (tests pin it) */
    void *now_ctx;
    bool no_thread;               /* tests drive ot_digest_tick themselves */
    /* Test hook: called after a digest object is written, before it is committed; non-zero
     * simulates a crash (the writer stops touching state.db). */
    int (*crash_hook)(void *ctx, const char *key);
    void *crash_ctx;
} ot_digest_opts;

/* Creates the tables, redoes interrupted digests and starts the writer thread. */
int ot_digest_start(const ot_digest_opts *opts, ot_digest **out);
void ot_digest_stop(ot_digest *d);
/* A trail changed (StartLogging, StopLogging, UpdateTrail, DeleteTrail): starts its chains
 * (starting digest) or writes its final digests now. Call after delivery flushed the trail. */
void ot_digest_trail_changed(ot_digest *d, const char *trail_arn);
/* One round of the writer: pending redo, trail reconciliation, due digests. */
void ot_digest_tick(ot_digest *d);

/* ---- the hook delivery calls (digest_db.c) ---- */

typedef struct ot_digest_logfile {
    char account_id[16];
    char region[32];
    char bucket[64];
    char key[1025];
    char sha256_hex[65];        /* of the uncompressed file */
    int64_t oldest_ms, newest_ms; /* event times in the file */
} ot_digest_logfile;

/* Records delivered log files of a trail for its next digests, inside the caller's
 * transaction (the one that marks their seal done). Does nothing unless the trail has an active
 * digest chain. */
int ot_digest_db_note_logs(struct sqlite3 *db, const char *trail_arn,
                           const ot_digest_logfile *files, size_t n, int64_t delivered_ms);
/* Creates the digest tables if needed. */
int ot_digest_db_init(struct sqlite3 *db);

#endif
