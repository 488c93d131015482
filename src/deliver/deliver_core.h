/* deliver_core.h — the delivery thread's state, shared by deliver*.c (not by other modules).
 *
 * Threads: everything belongs to the delivery thread, which reads the WAL through its cursor
 * (deliver_queue.c). Other threads talk to it through flush requests (under mu, then a wake of
 * the cursor's wait) and the stats snapshot (under stats_mu). */
#ifndef OT_DELIVER_CORE_H
#define OT_DELIVER_CORE_H

#include <pthread.h>

#include "deliver/deliver_int.h"
#include "digest/digest.h"

typedef struct dl_trail {
    ot_trail t;               /* the snapshot routing uses; a change seals the batches first */
    uint64_t sealed;          /* records <= sealed are in an intent (or not for this trail) */
    uint64_t sealed_synced;   /* value last written to deliver_checkpoint */
    int64_t opened_mono;      /* when the open batches got their first event; 0 = empty */
    int64_t opened_ingest_ms; /* when the server accepted that event (delivery latency) */
    uint64_t last_lsn;        /* last record routed to this trail */
    int64_t seal_retry_mono;  /* after a failed state.db write: no seal before this */
    ot_deliver_batchset open;
    struct ot_selectors *sel; /* compiled t.selectors_id (t.selectors points here) */
} dl_trail;

typedef struct dl_retry {
    ot_deliver_intent in;
    int attempts;
    int64_t next_mono;
} dl_retry;

typedef struct dl_chan {
    char arn[160];
    char **trails;            /* AWS_SERVICE destinations */
    size_t ntrails;
} dl_chan;

typedef struct dl_flush_req {
    const char *arn;
    bool done;
    struct dl_flush_req *next;
} dl_flush_req;

struct ot_deliver {
    ot_deliver_opts o;
    pthread_t thread;
    bool thread_started;

    pthread_mutex_t mu;       /* guards the fields up to "thread-owned" */
    pthread_cond_t flushed;   /* flush callers wait here */
    dl_flush_req *reqs;
    bool stop;
    bool exited;

    /* thread-owned */
    uint64_t pos;             /* last LSN routed */
    dl_trail **trails;
    size_t ntrails, captrails;
    dl_retry *retries;
    size_t nretries, capretries;
    dl_chan *chans;
    size_t nchans, capchans;
    int64_t next_refresh_mono;
    uint64_t floor_synced;
    bool crashed;             /* the test hook simulated a crash: touch nothing any more */
    ot_buf gz;
    ot_digest_logfile *files; /* the files of the seal being written, for its digests */
    size_t nfiles, capfiles;
    ot_deliver_qfile *quar;   /* the files of that seal that were quarantined instead */
    size_t nquar, capquar;
    ot_deliver_qcount *qcounts; /* quarantined files per trail, since the data dir began */
    size_t nqcounts, capqcounts;
    uint64_t events_routed, files_written, bytes_written, put_failures, files_quarantined;

    pthread_mutex_t stats_mu;
    ot_deliver_stats stats;   /* snapshot published by the thread */
};

/* deliver_queue.c */
/* Routes up to OT_DELIVER_READ_CHUNK new durable records from the cursor; returns how many
 * (0 when there were none). */
int dl_route_new(ot_deliver *d);

/* deliver_cache.c */
int dl_refresh(ot_deliver *d);
int dl_load(ot_deliver *d, uint64_t floor);
dl_trail *dl_trail_find(ot_deliver *d, const char *arn);
bool dl_chan_live(void *ctx, const char *channel_arn, const char *trail_arn);
void dl_cache_free(ot_deliver *d);
/* The compiled selectors of version id (NULL for 0, the default); logs failures. */
int dl_selectors_load(ot_deliver *d, int64_t id, struct ot_selectors **out);

/* deliver_seal.c */
void dl_route_event(ot_deliver *d, uint64_t lsn, const ot_event *e);
int dl_seal(ot_deliver *d, dl_trail *dt);
void dl_retry_due(ot_deliver *d, const char *only_arn, bool ignore_backoff);
int dl_recover_intents(ot_deliver *d);
void dl_retries_free(ot_deliver *d);
int dl_db(ot_deliver *d, int (*fn)(struct sqlite3 *, void *), void *ctx);
int64_t dl_now_ms(ot_deliver *d); /* wall clock (the env's, when it pins one) */

/* deliver_quarantine.c */
/* Keeps batch b of intent in, whose gzip bytes are in d->gz, in the quarantine directory
 * (appended to d->quar); err says why it could not be written to key ("" if none). */
int dl_quarantine_batch(ot_deliver *d, const ot_deliver_intent *in, const ot_deliver_batch *b,
                        const char *key, const char *err);
/* The LatestDeliveryError for a seal that quarantined d->quar. */
void dl_quarantine_message(const ot_deliver *d, char *out, size_t cap);
/* Counts the files of d->quar into d->qcounts (after their seal is marked done). */
void dl_quarantine_count(ot_deliver *d);
/* Loads the quarantine counts from state.db and logs them (at start). */
int dl_quarantine_load(ot_deliver *d);
uint64_t dl_quarantined(const ot_deliver *d, const char *trail_arn);
/* At start: puts each held quarantined file to the key it was meant for; one that goes through
 * is recorded as delivered (and listed in the next digest) and its files are removed. */
void dl_quarantine_redeliver(ot_deliver *d);

#endif
