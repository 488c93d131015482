/* digest_int.h — the pieces of the digest module, shared by its files and its unit tests. */
#ifndef OT_DIGEST_INT_H
#define OT_DIGEST_INT_H

#include <openssl/evp.h>

#include "digest/digest.h"
#include "util/buf.h"

#define OT_DIGEST_KEY_MAX 1024

/* ---- OpenSSL pieces (digest_sign.c) ---- */

int ot_key_public_der(EVP_PKEY *pk, uint8_t der[OT_KEY_DER_MAX], size_t *len);
int ot_key_sign(EVP_PKEY *pk, const void *msg, size_t len, char sig_hex[OT_SIG_HEX_MAX]);

/* ---- names and bodies (digest_format.c) ---- */

/* Where a trail's digests go and whose they are: a snapshot kept in state.db, so a deleted
 * trail can still get its final digests. */
typedef struct ot_digest_trail {
    char arn[320];
    char name[129];
    char account_id[16];      /* the trail's own account */
    char home_region[32];
    char bucket[64];
    char prefix[201];
    char org_id[40];          /* "" unless an organization trail */
} ot_digest_trail;

/* [prefix/]AWSLogs/[o-id/]<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_
 * <region>_<trail>_<home>_<YYYYMMDDTHHMMSSZ>.json.gz, from end_ms, as in
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html */
int ot_digest_key(const ot_digest_trail *t, const char *account_id, const char *region,
                  int64_t end_ms, char *out, size_t outlen);

/* A delivered log file, as a digest lists it. */
typedef struct ot_digest_entry {
    char bucket[64];
    char key[1025];
    char sha256_hex[65];
    int64_t oldest_ms, newest_ms;
} ot_digest_entry;

/* Everything one digest body says. prev_* NULL in a starting digest. */
typedef struct ot_digest_doc {
    const char *account_id;
    int64_t start_ms, end_ms;
    const char *bucket, *key;
    const char *fingerprint;
    const char *prev_bucket, *prev_key, *prev_hash, *prev_sig;
    const ot_digest_entry *logs; /* newest first */
    size_t nlogs;
} ot_digest_doc;

/* The body: the 15 top-level members in AWS's order, compact, nulls where nothing applies. */
int ot_digest_json(const ot_digest_doc *doc, ot_buf *out);

/* ---- state.db (digest_db.c) ---- */

typedef struct ot_digest_chain {
    char trail_arn[320];
    char account_id[16];
    char region[32];
    bool active;
    int64_t start_ms;          /* digestStartTime of the next digest */
    int64_t last_end_ms;       /* end of the newest digest ever written for (trail, acct, region) */
    bool has_prev;
    char prev_bucket[64];
    char prev_key[1025];
    char prev_hash[65];
    char prev_sig[OT_SIG_HEX_MAX];
} ot_digest_chain;

typedef struct ot_digest_pending {
    char trail_arn[320];
    char account_id[16];
    char region[32];
    int64_t end_ms;
    char fingerprint[33];
    char bucket[64];
    char key[1025];
    bool final;
} ot_digest_pending;

typedef struct ot_digest_tstate {
    ot_digest_trail t;
    bool active;
    int64_t started_ms;
} ot_digest_tstate;

int ot_digest_db_trail(struct sqlite3 *db, const char *arn, ot_digest_tstate *out); /* ENOTFOUND */
int ot_digest_db_trails(struct sqlite3 *db, ot_digest_tstate **out, size_t *n);
/* Marks a trail's digests active from started_ms, drops stale log rows and (re)starts its
 * chain in the trail's own account and home region. */
int ot_digest_db_activate(struct sqlite3 *db, const ot_digest_trail *t, int64_t started_ms);
int ot_digest_db_deactivate(struct sqlite3 *db, const char *arn);
int ot_digest_db_update_trail(struct sqlite3 *db, const ot_digest_trail *t);
int ot_digest_db_chains(struct sqlite3 *db, const char *arn, ot_digest_chain **out, size_t *n);
/* Starts chains for (account, region) pairs that have log rows but no active chain yet: of
 * every active trail (arn NULL), or of trail arn whether active or not (before its finals). */
int ot_digest_db_open_new_chains(struct sqlite3 *db, const char *arn);
/* One transaction: claims the chain's unclaimed log rows delivered at or before p->end_ms and
 * records p. */
int ot_digest_db_begin(struct sqlite3 *db, const ot_digest_pending *p);
int ot_digest_db_pendings(struct sqlite3 *db, ot_digest_pending **out, size_t *n);
/* The claimed rows of a pending digest, newest first. */
int ot_digest_db_claimed(struct sqlite3 *db, const ot_digest_pending *p, ot_digest_entry **out,
                         size_t *n);
/* One transaction: the chain moves past p (previous = p, start = p->end_ms; inactive if
 * final), claimed rows and the pending row are deleted. */
int ot_digest_db_commit(struct sqlite3 *db, const ot_digest_pending *p, const char *hash,
                        const char *sig);
int ot_digest_db_chain_get(struct sqlite3 *db, const char *arn, const char *account,
                           const char *region, ot_digest_chain *out);

#endif
