/* deliver.h — turns acknowledged events (WAL records) into CloudTrail log files, exactly once.
 *
 * One delivery thread per server. It reads every durable WAL record through its WAL cursor
 * ("delivery", woken by the WAL after each group commit), routes it to the logging trails that want it, batches it per (trail, account, region) and,
 * when a trail's batches are sealed (interval, size, or an explicit flush), writes one gzip log
 * file per (account, region) to the trail's bucket. A seal is first recorded as an intent in
 * state.db, so a crash at any point is repaired at the next start by redoing the intent from
 * the WAL: same keys, same bytes. See docs/internals/DELIVERY.md. */
#ifndef OT_DELIVER_H
#define OT_DELIVER_H

#include <stddef.h>
#include <stdint.h>

struct ot_wal;
struct ot_store;
struct ot_trail_db;
struct ot_trail;

typedef struct ot_deliver ot_deliver;

/* Called once per log file of a seal after all its files are written and before the seal is
 * marked done (so a crash in between calls it again for the redone files: at least once), on
 * the delivery thread. trail is the configuration the seal was made with (its SNS topic). */
typedef void (*ot_deliver_file_hook)(void *ctx, const struct ot_trail *trail,
                                     const char *bucket, const char *key);

#define OT_DELIVER_CURSOR "delivery" /* its WAL cursor */

/* ---- object keys (deliver_key.c) ---- */

#define OT_DELIVER_KEY_MAX 1024
#define OT_DELIVER_KIND_LOGS "CloudTrail"
#define OT_DELIVER_KIND_INSIGHTS "CloudTrail-Insight"

/* The key of a file trail t delivers: [prefix/]AWSLogs/[o-id/]<acct>/<kind>/<region>/YYYY/MM/DD/
 * <acct>_<kind>_<region>_<YYYYMMDDTHHmmZ>_<unique16>.json.gz, the time from ms (UTC) and the
 * 16 characters of [A-Za-z0-9] derived from (trail ARN, a, b, account, region), so that writing
 * the same range again names the same object. kind is one of OT_DELIVER_KIND_*. OT_ELIMIT if it
 * does not fit out or exceeds S3's 1024 bytes. */
int ot_deliver_file_key(const struct ot_trail *t, const char *kind, const char *account_id,
                        const char *region, int64_t ms, uint64_t a, uint64_t b, char *out,
                        size_t outlen);

typedef struct ot_deliver_live_opts {
    struct ot_wal *wal;
    struct ot_store *store;         /* where log files go */
    struct ot_trail_db *trails;     /* state.db: trails, intents, checkpoints, digests' rows */
    const char *data_dir;           /* quarantine/ lives under it */
    int64_t interval_ms;            /* seal a trail's batches this long after their first event */
    uint64_t max_bytes;             /* ... or at this size */
    ot_deliver_file_hook file_delivered; /* NULL: none (trail notifications use it) */
    void *file_delivered_ctx;
} ot_deliver_live_opts;

/* Call after the WAL, the store and state.db are open: redoes pending intents, opens the WAL
 * cursor at delivery's floor and starts the thread, which first rebuilds the open batches. */
int ot_deliver_start(const ot_deliver_live_opts *o, ot_deliver **out);
/* Synchronous: routes everything durable so far, seals that trail and returns after its files
 * are written or a failure was recorded for retry (StopLogging / UpdateTrail / DeleteTrail).
 * The cached list of logging trails is refreshed too. */
void ot_deliver_flush_trail(ot_deliver *d, const char *trail_arn);
/* Stops the thread and frees d. Unsealed events stay in the WAL for the next start. */
void ot_deliver_stop(ot_deliver *d);

/* Statistics for /metrics. */
typedef struct ot_deliver_trail_stats {
    char trail_arn[320];
    uint64_t pending_events;   /* routed to the open batches, not yet sealed */
    uint64_t pending_bytes;    /* uncompressed JSON bytes in the open batches */
    uint64_t sealed_lsn;       /* records <= this are sealed for the trail */
    uint64_t quarantined;      /* log files kept in the quarantine directory, ever */
} ot_deliver_trail_stats;

typedef struct ot_deliver_stats {
    uint64_t routed_lsn;       /* last WAL record routed */
    uint64_t floor_lsn;        /* WAL records <= this are no longer needed by delivery */
    uint64_t events_routed;    /* records decoded since start */
    uint64_t files_written;
    uint64_t bytes_written;    /* compressed */
    uint64_t put_failures;
    uint64_t files_quarantined; /* since start: log files that could not be written, kept
                                 * under DATA-DIR/quarantine instead */
    uint64_t intents_pending;  /* sealed but not yet written (being retried) */
    ot_deliver_trail_stats *trails; /* malloc'd; ot_deliver_stats_free() */
    size_t ntrails;
} ot_deliver_stats;

int ot_deliver_stats_get(ot_deliver *d, ot_deliver_stats *out);
void ot_deliver_stats_free(ot_deliver_stats *s);

#endif
