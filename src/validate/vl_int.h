/* vl_int.h — internals of the validator, shared by its files.
 *
 * vl_src_dir.c / vl_src_s3.c read objects (a source), vl_aws.c calls ListPublicKeys (S3 and
 * CloudTrail both through aws/aws.h), vl_digest.c parses and checks one digest, vl_walk.c walks the
 * chains, vl_pool.c hashes log files on every core, vl_report.c prints, validate.c ties it up. */
#ifndef OT_VL_INT_H
#define OT_VL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"
#include "validate/validate.h"

#define VL_DIGEST_MAX (64u << 20)  /* compressed or inflated digest bytes */
#define VL_LOG_MAX (1u << 30)      /* inflated log bytes (CloudTrail files are far smaller) */
#define VL_SIG_MAX 2048

#define HOUR_MS (3600 * 1000LL)

typedef struct vl_strv {
    char **v;
    size_t n, cap;
} vl_strv;
int vl_strv_push(vl_strv *s, const char *str);
bool vl_strv_has(const vl_strv *s, const char *str);
void vl_strv_free(vl_strv *s);
void vl_strv_sort(vl_strv *s);

/* One object as read from a source, with the user metadata the validator needs. */
typedef struct vl_obj {
    ot_buf data;
    bool has_sig, has_sigalg, has_backfill_ts;
    char sig[VL_SIG_MAX + 1];
    char sigalg[64];
    char backfill_ts[64];
} vl_obj;
void vl_obj_init(vl_obj *o, size_t max);
void vl_obj_free(vl_obj *o);

typedef struct vl_source vl_source;

/* A concurrent fetch (vl_source_ops.fetch_many): next() names the next object to fetch (false
 * when there is none); done() gets each finished one, in any order, on the fetching thread. The
 * callee may swap obj->data with an empty buffer of its own (no copy) and must return quickly. */
typedef struct vl_fetch_sink {
    bool (*next)(void *ctx, const char **bucket, const char **key, size_t *tag);
    void (*done)(void *ctx, size_t tag, int rc, vl_obj *obj, const char *err);
    void *ctx;
} vl_fetch_sink;

typedef struct vl_source_ops {
    /* Every key below prefix, sorted by byte order. */
    int (*list)(vl_source *s, const char *bucket, const char *prefix, vl_strv *out, char *err,
                size_t errlen);
    /* One object (thread-safe). OT_ENOTFOUND if there is none (S3 NoSuchKey). With meta false
     * only the bytes are needed. */
    int (*get)(vl_source *s, const char *bucket, const char *key, bool meta, vl_obj *o,
               char *err, size_t errlen);
    void (*close)(vl_source *s);
    /* Optional (NULL: callers use get from several threads): fetches what sink names, up to
     * inflight at a time over reused connections, until next() says there is no more. */
    int (*fetch_many)(vl_source *s, vl_fetch_sink *sink, int inflight);
} vl_source_ops;

struct vl_source {
    const vl_source_ops *ops;
    char bucket[256];  /* the bucket validated */
    char prefix[1024]; /* s3://bucket/prefix: only keys below it ("" = all) */
};

int vl_src_dir_open(const char *dir, const char *bucket, vl_source **out, char *err,
                    size_t errlen);
int vl_src_s3_open(const char *bucket, const char *prefix, const char *region, vl_source **out,
                   char *err, size_t errlen);

/* The validator's AWS settings (vl_aws.c over aws/aws.h): the region to use when the chains
 * name none; loading fails early, naming what was tried, when there are no credentials. */
typedef struct vl_aws {
    char region[64];
} vl_aws;
int vl_aws_load(vl_aws *a, const char *region, char *err, size_t errlen);
/* ListPublicKeys in region over [start, end]: adds every key returned (by its Fingerprint). */
int vl_list_public_keys(const vl_aws *a, const char *region, int64_t start_ms, int64_t end_ms,
                        ot_vkeys *keys, char *err, size_t errlen);
/* Every signing key of an opentrail data dir (its state.db, read-only) (vl_keys_src.c). */
int vl_keys_from_data_dir(ot_vkeys *k, const char *dir, char *err, size_t errlen);
/* A key file, or every *.pem / *.der in a directory (`opentrail keys export` output). */
int vl_keys_from_path(ot_vkeys *k, const char *path, char *err, size_t errlen);

/* A log file a digest references. */
typedef struct vl_logref {
    char *bucket, *key;
    char hash[72];
    char alg[24];
} vl_logref;

/* One digest as parsed (vl_digest.c). Strings are malloc'd; NULL = JSON null or absent. */
typedef struct vl_digest {
    char *bucket, *key;        /* where it was read */
    bool backfill;
    char *account, *start, *end, *dbucket, *dobject, *fingerprint, *sigalg;
    char *prev_bucket, *prev_object, *prev_hash, *prev_hash_alg, *prev_sig;
    bool has_prev_sig_key;
    int64_t start_ms, end_ms;
    vl_logref *logs;
    size_t nlogs;
    char body_sha[65];
    char sig[VL_SIG_MAX + 1];  /* the signature the digest was verified with */
    char sigalg_meta[64];
} vl_digest;
void vl_digest_free(vl_digest *d);

/* Reads, parses and checks one digest the way the CLI does (vl_digest.c lists the steps), plus the
 * algorithm fields and the key-name time. vouched_sig: the signature the newer digest in the
 * chain names for this one (used when the object has no signature metadata, e.g. a copy made
 * with `aws s3 sync`). Returns 0 with d filled if valid; OT_ENOTFOUND if missing; otherwise
 * OT_EINVAL with the CLI-style reason ("invalid format", "signature verification failed" ...)
 * in reason. */
int vl_digest_load(vl_source *src, const char *bucket, const char *key, const ot_vkeys *keys,
                   const char *home_region, const char *vouched_sig, vl_digest *d,
                   char *reason, size_t rlen);

/* The body checks of vl_digest_load without the object and its signature: parse_fields and the
 * strict checks on JSON text (sigalg_meta as d holds it). For the fuzz target and unit tests. */
int vl_digest_parse_body(const char *json, size_t len, const char *key, vl_digest *d,
                         char *reason, size_t rlen);

/* A parsed digest key name. */
typedef struct vl_dkey {
    const char *key;
    char base[1200];      /* "[prefix/]AWSLogs/[o-id/]acct|region": what logs share with it */
    char group[1400];     /* base|trail|home: one chain */
    char account[16];
    char region[32];
    char trail[160];
    char home[32];
    char ts[17];          /* YYYYMMDDTHHMMSSZ */
    int64_t ms;
    bool backfill;
} vl_dkey;
bool vl_parse_digest_key(const char *key, vl_dkey *out);
/* A log key: [prefix/]AWSLogs/[o-id/]acct/CloudTrail/region/Y/M/D/acct_CloudTrail_region_TS_x.json.gz */
bool vl_parse_log_key(const char *key, char base[1200], int64_t *ms);

int64_t vl_parse_time(const char *s); /* ISO-8601 UTC, -1 if malformed */
void vl_fmt_time(int64_t ms, char out[32]);

#endif

/* ---- The run: what the walk finds, in report order ---- */

typedef enum { VL_IT_DIGEST, VL_IT_LOG, VL_IT_GAP, VL_IT_UNREF } vl_item_type;

typedef struct vl_item {
    vl_item_type type;
    bool backfill;
    bool valid;
    char *bucket, *key;
    char hash[72];         /* VL_IT_LOG: the hash the digest states */
    char reason[1600];     /* INVALID: reason / the gap text */
    int64_t start_ms, end_ms; /* VL_IT_DIGEST, valid ones */
    bool linked;           /* VL_IT_DIGEST, valid: it names a previous digest */
    size_t size;           /* VL_IT_LOG: compressed bytes read */
} vl_item;

/* The newest digest an opentrail data dir committed for one chain (vl_heads.c). */
typedef struct vl_head {
    char bucket[64];
    char key[1100];
    int64_t end_ms;
} vl_head;

typedef struct vl_run {
    const ot_validate_opts *o;
    vl_source *src;
    ot_vkeys keys;
    int64_t start_ms, end_ms;
    char trail_arn[400];
    char want_trail[160], want_home[32], want_account[16];
    vl_item *items;
    size_t nitems, cap;
    /* every listed key under AWSLogs/, sorted */
    vl_strv listed;
    vl_strv groups;        /* distinct chain groups in range, after the filters */
    vl_strv excluded_bases;/* bases holding a chain the filters left out */
    size_t uncovered;      /* log files outside every digest window */
    vl_head *heads;        /* --data-dir: the chain heads it knows (read before listing) */
    size_t nheads;
} vl_run;

int vl_item_push(vl_run *r, vl_item_type type, bool backfill, const char *bucket,
                 const char *key, size_t *index);
void vl_items_free(vl_run *r);

/* True if the filters (--trail-arn, --account-id, --region) select the chain of k. */
bool vl_selected(const vl_run *r, const vl_dkey *k);
/* --data-dir: the newest committed digest of each of its chains, from state.db (read-only). */
int vl_heads_load(vl_run *r, char *err, size_t errlen);
/* Lists the source, picks the chains the filters select (vl_walk.c). */
int vl_collect(vl_run *r, char *err, size_t errlen);
/* Walks every selected chain, standard then backfill, appending items. */
int vl_walk_all(vl_run *r);
/* Adds a `not found` digest item for each chain whose tail is missing: short of the data
 * dir's chain head, or (explicit --end-time) short of the digests a logging trail writes
 * every interval (vl_tail.c; after vl_walk_all). */
int vl_check_tails(vl_run *r);
/* Adds VL_IT_UNREF items for listed log files no digest references (after vl_walk_all). */
int vl_find_unreferenced(vl_run *r);
/* Hashes every VL_IT_LOG item on jobs threads (vl_pool.c). */
int vl_pool_run(vl_run *r, int jobs, bool progress);
/* Prints the report; returns the exit status (vl_report.c). */
int vl_report(vl_run *r, FILE *out, FILE *err);
