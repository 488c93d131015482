/* validate.h — `opentrail validate`: check CloudTrail digest chains and the log files they sign.
 *
 * Checks everything `aws cloudtrail validate-logs` checks, with the same verdict texts, plus what
 * it does not: previousDigestSignature / previousDigestHashValue continuity, window continuity,
 * fingerprint = MD5(key), algorithm fields, trailing data after the first gzip member, log JSON
 * shape, log files no digest references. Sources: a directory holding a bucket's objects (its
 * AWSLogs/ tree) or any S3 endpoint. The CLI's command:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-cli.html */
#ifndef OT_VALIDATE_H
#define OT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OT_VALIDATE_MAX_KEYFILES 16

typedef struct ot_validate_opts {
    const char *source;          /* a directory, or s3://bucket[/prefix] */
    const char *bucket;          /* directory mode: the bucket's name (default: the dir's name) */
    const char *trail_arn;       /* NULL = every trail found */
    const char *account_id;      /* NULL = from the ARN, or every account */
    const char *region;          /* delivery region of the chains; NULL = every region */
    int64_t start_ms;            /* -1 = from the oldest digest */
    int64_t end_ms;              /* -1 = now */
    const char *key_files[OT_VALIDATE_MAX_KEYFILES];
    size_t nkey_files;           /* files or directories of *.pem / *.der */
    const char *data_dir;        /* an opentrail data dir: its keys (state.db); with no key
                                  * files and no data_dir, ListPublicKeys on the endpoint */
    bool verbose;
    bool json;                   /* one JSON report on stdout instead of the CLI's text */
    bool check_json;             /* parse every log file ({"Records":[...]}); default true */
    bool progress;               /* progress bar on stderr (only if it is a TTY) */
    int jobs;                    /* hashing threads; 0 = every core */
    int inflight;                /* S3: GetObjects in flight at once; 0 = 32 */
} ot_validate_opts;

/* Runs the validation and prints the report. Returns the exit status: 0 all valid, 1 something
 * INVALID, 255 a fatal error (message on err). */
int ot_validate_run(const ot_validate_opts *o, FILE *out, FILE *err);

/* ---- Pieces exposed for unit tests ---- */

typedef struct ot_vkey {
    char fingerprint[33];        /* the fingerprint the key is known by */
    char md5[33];                /* MD5 of the DER bytes as loaded */
    void *pkey;                  /* EVP_PKEY *, NULL if the bytes are no RSA public key */
    bool pkcs1;                  /* the bytes were DER PKCS#1 (what AWS serves) */
} ot_vkey;

typedef struct ot_vkeys {
    ot_vkey *v;
    size_t n, cap;
} ot_vkeys;

void ot_vkeys_free(ot_vkeys *k);
/* Adds a key from DER or PEM bytes, PKCS#1 RSAPublicKey or SubjectPublicKeyInfo. fingerprint
 * NULL = MD5 of the DER PKCS#1 form. Returns OT_EINVAL if the bytes are no RSA public key. */
int ot_vkeys_add(ot_vkeys *k, const uint8_t *data, size_t len, const char *fingerprint);
int ot_vkeys_add_file(ot_vkeys *k, const char *path, char *err, size_t errlen);
const ot_vkey *ot_vkeys_find(const ot_vkeys *k, const char *fingerprint);

/* The string CloudTrail signs (cloudtrail-log-file-custom-validation.html) into out (malloc'd).
 * prev_sig NULL = "null". */
char *ot_validate_string_to_sign(const char *end_time, const char *bucket, const char *key,
                                 const char body_sha_hex[65], const char *prev_sig);
/* RSA PKCS#1 v1.5 SHA-256 verification of a hex signature. True if it verifies. */
bool ot_validate_verify(const ot_vkey *key, const char *msg, size_t len, const char *sig_hex);

/* Outcome of inflating one gzip object. */
typedef enum {
    OT_GZ_OK,
    OT_GZ_BAD,        /* not gzip, or corrupt deflate data / CRC */
    OT_GZ_TRUNCATED,  /* the first member ends before its end-of-stream */
    OT_GZ_TRAILING,   /* bytes after the end of the first member */
} ot_gz_status;

/* Inflates the first gzip member of data into out (reset first; out's cap bounds it) and
 * returns the SHA-256 hex of what was inflated (even when truncated, as the AWS CLI does). */
ot_gz_status ot_validate_inflate(const uint8_t *data, size_t len, void *out_buf,
                                 char sha_hex[65]);

/* Checks uncompressed log bytes are {"Records":[{...},...]}. Returns NULL if they are, or a
 * static reason. The buffer must have OT_BUF_PAD readable bytes past len. */
const char *ot_validate_log_json(void *json_doc, const char *data, size_t len);

#endif
