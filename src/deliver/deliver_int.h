/* deliver_int.h — the pieces of delivery, shared by its files and its unit tests.
 *
 * Delivery reaches the WAL, the object store and state.db through an ot_deliver_env (a table of
 * functions) so that each piece can be tested alone; ot_deliver_start() uses the live one. */
#ifndef OT_DELIVER_INT_H
#define OT_DELIVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deliver/deliver.h"
#include "deliver/deliver_route.h"
#include "event/event.h"
#include "trail/trail.h"
#include "util/buf.h"
#include "wal/wal.h"

struct sqlite3;
struct ot_selectors;

#define OT_DELIVER_DEFAULT_INTERVAL_MS (5 * 60 * 1000)
#define OT_DELIVER_DEFAULT_MAX_BYTES (32u << 20)
#define OT_DELIVER_REFRESH_MS 1000
#define OT_DELIVER_READ_CHUNK 4096 /* WAL records routed between looks at flush requests */
/* A batch still failing with a transient error on this attempt is quarantined (about an hour
 * of retries at the 60 s backoff cap). */
#define OT_DELIVER_QUARANTINE_AFTER 64

/* ---- key naming (deliver_key.c) ---- */

/* 16 characters of [A-Za-z0-9] derived from SHA-256(trail ARN, a, b, account, region). */
void ot_deliver_unique16(const char *trail_arn, uint64_t a, uint64_t b, const char *account_id,
                         const char *region, char out[17]);
/* [prefix/]AWSLogs/[o-id/]<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_
 * <YYYYMMDDTHHmmZ>_<unique16>.json.gz, times from seal_ms (UTC). OT_ELIMIT if it does not fit
 * out or exceeds S3's 1024 bytes. Trailing '/' of the prefix are dropped (no "//" in keys). */
int ot_deliver_key(const ot_trail *t, const char *account_id, const char *region,
                   int64_t seal_ms, uint64_t a, uint64_t b, char *out, size_t outlen);

/* ---- routing (deliver_route.c) ---- */

/* Do two snapshots of a trail route and name files identically? */
bool ot_deliver_same_routing(const ot_trail *x, const ot_trail *y);

/* ---- batches (deliver_batch.c) ---- */

typedef struct ot_deliver_batch {
    char account_id[16];
    char region[32];
    ot_buf body;              /* {"Records":[r1,r2,... (closed by ot_deliver_batch_close) */
    uint64_t events;
    int64_t oldest_ms, newest_ms; /* eventTime range of the records (for digests) */
} ot_deliver_batch;

/* The open batches of one trail, one per (account, region), plus the channels that fed them. */
typedef struct ot_deliver_batchset {
    ot_deliver_batch *v;      /* slots [0, n) are in use; [n, cap) keep memory for reuse */
    size_t n, cap;
    size_t last;              /* slot of the last append (events come in runs) */
    uint64_t events, bytes;
    char **chans;
    size_t nchans, capchans;
} ot_deliver_batchset;

int ot_deliver_batchset_add(ot_deliver_batchset *s, const ot_event *e);
int ot_deliver_batchset_note_channel(ot_deliver_batchset *s, const char *channel_arn);
bool ot_deliver_batchset_has_channel(const ot_deliver_batchset *s, const char *channel_arn);
/* Channels joined by '\n' (malloc'd, "" if none); NULL on allocation failure. */
char *ot_deliver_batchset_channels(const ot_deliver_batchset *s);
int ot_deliver_batchset_set_channels(ot_deliver_batchset *s, const char *joined);
void ot_deliver_batchset_reset(ot_deliver_batchset *s); /* empties it, keeps buffers */
void ot_deliver_batchset_free(ot_deliver_batchset *s);
/* Appends "]}" so body holds the whole file. */
int ot_deliver_batch_close(ot_deliver_batch *b);

/* ---- intents and checkpoints in state.db (deliver_db.c) ---- */

typedef struct ot_deliver_intent {
    int64_t id;
    ot_trail snap;            /* the routing and naming fields of the trail when it was sealed */
    uint64_t a, b;            /* the WAL range (a, b] */
    int64_t seal_ms;
    char *channels;           /* '\n'-joined channel ARNs that fed the batches (malloc'd) */
} ot_deliver_intent;

typedef struct ot_deliver_ckpt {
    char trail_arn[320];
    uint64_t lsn;
} ot_deliver_ckpt;

int ot_deliver_db_init(struct sqlite3 *db);
/* One transaction: insert the intent (sets in->id) and set the trail's checkpoint to in->b. */
int ot_deliver_db_seal(struct sqlite3 *db, ot_deliver_intent *in);
int ot_deliver_db_done(struct sqlite3 *db, int64_t id, int64_t now_ms);
int ot_deliver_db_drop(struct sqlite3 *db, int64_t id);
/* Pending intents in seal order; free with ot_deliver_intents_free. */
int ot_deliver_db_pending(struct sqlite3 *db, ot_deliver_intent **out, size_t *n);
void ot_deliver_intents_free(ot_deliver_intent *v, size_t n);
int ot_deliver_db_checkpoints(struct sqlite3 *db, ot_deliver_ckpt **out, size_t *n);
/* One transaction: set these checkpoints and the floor. */
int ot_deliver_db_sync(struct sqlite3 *db, const ot_deliver_ckpt *v, size_t n, uint64_t floor);
/* The persisted floor, 0 if none. */
int ot_deliver_db_floor(struct sqlite3 *db, uint64_t *floor);

/* ---- quarantine (deliver_quarantine.c) ---- */

/* A log file that cannot be written to its bucket: its bytes are kept under the quarantine
 * directory instead, and a row in state.db records why. */
typedef struct ot_deliver_qfile {
    int64_t id;                       /* its row in deliver_quarantine (once recorded) */
    char trail_arn[320];
    char bucket[64];
    char key[OT_DELIVER_KEY_MAX + 1]; /* the key it was meant for; "" if none could be built */
    char account_id[16];
    char region[32];
    uint64_t a, b;                    /* the seal's WAL range */
    int64_t seal_ms;
    uint64_t events;
    char path[512];                   /* "<trail name>/<file>.json.gz", under the directory */
    char error[512];                  /* why it could not be written */
    char sha256_hex[65];              /* of the uncompressed file, for the digest on redelivery */
    int64_t oldest_ms, newest_ms;     /* event times in the file */
} ot_deliver_qfile;

/* Quarantine counts per trail, for statistics. */
typedef struct ot_deliver_qcount {
    char trail_arn[320];
    uint64_t files;
} ot_deliver_qcount;

/* Is a store error a property of the object (its key, a name that collides with an existing
 * file, a size cap), so that retrying the same put can never succeed? */
bool ot_deliver_error_permanent(int rc);
/* Writes the log file gz[0..len) and its reason file (<file>.json) into dir/<q->path>, each
 * atomically and durably; fills q->path first. Writing the same q again gives the same
 * .json.gz bytes (a redo after a crash). */
int ot_deliver_quarantine_write(const char *dir, ot_deliver_qfile *q, const void *gz,
                                size_t len, int64_t now_ms);
/* Records quarantined files in state.db (inside the caller's transaction); a file recorded
 * before (same trail, range, account, region) is left as it is. */
int ot_deliver_db_quarantine(struct sqlite3 *db, const ot_deliver_qfile *v, size_t n,
                             int64_t now_ms);
int ot_deliver_db_quarantine_counts(struct sqlite3 *db, ot_deliver_qcount **out, size_t *n);
/* Quarantined files not delivered since, that have a key to deliver them to (free()). */
int ot_deliver_db_quarantine_held(struct sqlite3 *db, ot_deliver_qfile **out, size_t *n);
/* Marks a quarantined file delivered after all. */
int ot_deliver_db_quarantine_delivered(struct sqlite3 *db, int64_t id, int64_t now_ms);

/* ---- what delivery talks to ---- */

typedef struct ot_deliver_env {
    void *ctx;
    /* Delivery follows the WAL through its cursor (wal/wal_cursor.h): opened at its floor,
     * read in order, committed at the floor (which lets the WAL release what is below it),
     * waited on for new records; wal_wake ends a wait early (flush requests, stop). */
    int (*wal_open)(void *ctx, uint64_t floor);
    int (*wal_next)(void *ctx, size_t max, ot_wal_visitor fn, void *vctx);
    int (*wal_wait)(void *ctx, int timeout_ms);
    void (*wal_wake)(void *ctx);
    int (*wal_commit)(void *ctx, uint64_t floor);
    /* Re-reads records >= from (redo of an intent; from is above the committed floor). */
    int (*wal_read)(void *ctx, uint64_t from, ot_wal_visitor fn, void *vctx);
    /* Called by ot_deliver_stop() last: closes the cursor and frees ctx if the env owns it. */
    void (*close)(void *ctx);
    int (*put)(void *ctx, const char *bucket, const char *key, const void *data, size_t len);
    int (*list_logging)(void *ctx, ot_trail **out, size_t *n);
    int (*get_trail)(void *ctx, const char *arn, ot_trail *out);
    /* The trail ARNs a channel names as AWS_SERVICE destinations (malloc'd array of malloc'd
     * strings); OT_ENOTFOUND if there is no such channel. */
    int (*channel_trails)(void *ctx, const char *channel_arn, char ***trails, size_t *n);
    int (*note_delivery)(void *ctx, const char *arn, int64_t attempt_ms, const char *error);
    int (*db_with)(void *ctx, int (*fn)(struct sqlite3 *sql, void *fctx), void *fctx);
    int64_t (*now_ms)(void *ctx); /* wall clock for seal times (tests pin it) */
    /* The compiled event selectors of version id (> 0) of a trail; NULL = none but the
     * default selectors exist in this env. */
    int (*load_selectors)(void *ctx, int64_t id, struct ot_selectors **out);
} ot_deliver_env;

/* Test hook: called after a seal's files are written, before the intent is marked done.
 * Returning non-zero simulates a crash: the thread stops touching state.db and the WAL. */
typedef int (*ot_deliver_crash_hook)(void *ctx, const char *trail_arn, uint64_t a, uint64_t b);

typedef struct ot_deliver_opts {
    ot_deliver_env env;
    int64_t interval_ms;
    uint64_t max_bytes;
    int64_t retry_base_ms;    /* first retry delay; doubles up to retry_max_ms */
    int64_t retry_max_ms;
    int quarantine_after;     /* attempts before a transient failure is quarantined */
    char quarantine_dir[600]; /* where unwritable log files are kept (DATA-DIR/quarantine) */
    ot_deliver_crash_hook crash_hook;
    void *crash_ctx;
    ot_deliver_file_hook file_delivered; /* see deliver.h; NULL: none */
    void *file_delivered_ctx;
} ot_deliver_opts;

/* The env over a running server's WAL (cursor "delivery"), store and state.db. */
int ot_deliver_env_live(const ot_deliver_live_opts *so, ot_deliver_env *env);
int ot_deliver_start_opts(const ot_deliver_opts *opts, ot_deliver **out);

#endif
