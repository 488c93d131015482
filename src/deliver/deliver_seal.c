/* deliver_seal.c — routing into batches, sealing, writing log files, and redoing seals.
 *
 * A seal is: (1) intent + checkpoint in one state.db transaction, (2) one ot_store_put per
 * (account, region) file, (3) intent marked done. A crash after (1) leaves a pending intent,
 * which the next start redoes from the WAL: the same records, grouped the same way, named from
 * the same (trail, range, account, region, seal time), so the same objects with the same bytes
 * are written again. A failed put keeps the intent pending too; retries redo it the same way,
 * so memory does not grow while the store is down. A file that can never be written (a
 * permanent store error, or a transient one past opts.quarantine_after attempts) is quarantined
 * (deliver_quarantine.c) and the others of its seal are written all the same: no file can hold
 * up the rest. */
#include "deliver/deliver_core.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail/selectors.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/gzip.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"
#include "util/vec.h"

#define SEAL_RETRY_MS 1000 /* after a failed state.db write */

OT_COUNTER(m_files, "opentrail_delivery_files_total", "Log files written to their bucket.");
OT_COUNTER(m_bytes, "opentrail_delivery_bytes_total",
           "Bytes of log files written to their bucket (gzip-compressed, as stored).");
OT_GAUGE(m_backlog, "opentrail_delivery_backlog_events",
         "Events routed into log files that are not sealed yet (summed over trails).");
OT_HISTOGRAM(m_latency, "opentrail_delivery_latency_seconds",
             "Per seal, from the acceptance of its oldest event to its log files written "
             "(first attempt).",
             1000.0,
             OT_BOUNDS(100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000,
                       600000, 900000, 1800000, 3600000));

int dl_db(ot_deliver *d, int (*fn)(struct sqlite3 *, void *), void *ctx)
{
    return d->o.env.db_with(d->o.env.ctx, fn, ctx);
}

int64_t dl_now_ms(ot_deliver *d)
{
    return d->o.env.now_ms ? d->o.env.now_ms(d->o.env.ctx) : ot_now_ms();
}

/* ---- state.db calls ---- */

typedef struct intent_ctx {
    ot_deliver_intent *in;
    int64_t now;
    ot_deliver *d;
} intent_ctx;

static int seal_cb(struct sqlite3 *db, void *ctx)
{
    return ot_deliver_db_seal(db, ((intent_ctx *)ctx)->in);
}

/* Done, the files recorded for the trail's digests (quarantined files are not delivered, so
 * no digest lists them) and the quarantined ones recorded, in one transaction. */
static int done_cb(struct sqlite3 *db, void *ctx)
{
    intent_ctx *c = ctx;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? OT_OK : OT_EIO;
    if (!rc)
        rc = ot_deliver_db_done(db, c->in->id, c->now);
    if (!rc)
        rc = ot_digest_db_note_logs(db, c->in->snap.arn, c->d->files, c->d->nfiles, c->now);
    if (!rc)
        rc = ot_deliver_db_quarantine(db, c->d->quar, c->d->nquar, c->now);
    if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = OT_EIO;
    if (rc)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int drop_cb(struct sqlite3 *db, void *ctx)
{
    return ot_deliver_db_drop(db, ((intent_ctx *)ctx)->in->id);
}

/* ---- routing ---- */

void dl_route_event(ot_deliver *d, uint64_t lsn, const ot_event *e)
{
    d->events_routed++;
    d->pos = lsn;
    for (size_t i = 0; i < d->ntrails && !d->crashed; i++) {
        dl_trail *dt = d->trails[i];
        if (lsn <= dt->sealed || !ot_deliver_trail_wants(&dt->t, e, dl_chan_live, d))
            continue;
        int rc = ot_deliver_batchset_add(&dt->open, e);
        if (!rc && e->category == OT_CAT_ACTIVITY)
            rc = ot_deliver_batchset_note_channel(&dt->open, e->channel_arn);
        if (rc) {
            ot_error("deliver: record %llu not batched for %s: %s", (unsigned long long)lsn,
                     dt->t.arn, ot_strerror(rc));
            continue;
        }
        dt->last_lsn = lsn;
        ot_metric_gauge_add(&m_backlog, 1);
        if (!dt->opened_mono) {
            dt->opened_mono = ot_monotonic_ms();
            dt->opened_ingest_ms = e->ingest_ms;
        }
        if (dt->open.bytes >= d->o.max_bytes)
            dl_seal(d, dt);
    }
}

/* ---- writing ---- */

/* Remembers a written file (hash of its uncompressed bytes) for the digests. */
static int note_file(ot_deliver *d, const ot_deliver_intent *in, const ot_deliver_batch *b,
                     const char *key)
{
    if (OT_VEC_GROW(d->files, d->capfiles, d->nfiles + 1))
        return OT_ENOMEM;
    ot_digest_logfile *f = &d->files[d->nfiles++];
    snprintf(f->account_id, sizeof f->account_id, "%s", b->account_id);
    snprintf(f->region, sizeof f->region, "%s", b->region);
    snprintf(f->bucket, sizeof f->bucket, "%s", in->snap.bucket);
    snprintf(f->key, sizeof f->key, "%s", key);
    uint8_t h[32];
    ot_sha256(b->body.data, b->body.len, h);
    ot_hex(h, 32, f->sha256_hex);
    f->oldest_ms = b->oldest_ms;
    f->newest_ms = b->newest_ms;
    return OT_OK;
}

/* Writes one file; attempt counts the tries of its seal (1 = the first). A file the store
 * refuses for good, or still failing on the last allowed attempt, is quarantined instead:
 * OT_OK then too. */
static int write_batch(ot_deliver *d, const ot_deliver_intent *in, ot_deliver_batch *b,
                       int attempt, char *err, size_t errlen)
{
    char key[OT_DELIVER_KEY_MAX + 1];
    ot_buf_reset(&d->gz);
    int rc = ot_deliver_batch_close(b);
    if (!rc)
        rc = ot_gzip(b->body.data, b->body.len, &d->gz);
    if (rc) {
        snprintf(err, errlen, "compressing the log file for account %s region %s failed: %s",
                 b->account_id, b->region, ot_strerror(rc));
        return rc; /* nothing to keep yet: retried */
    }
    rc = ot_deliver_key(&in->snap, b->account_id, b->region, in->seal_ms, in->a, in->b, key,
                        sizeof key);
    if (rc) {
        key[0] = '\0';
        snprintf(err, errlen, "no valid log file key for account %s region %s", b->account_id,
                 b->region);
    } else if ((rc = d->o.env.put(d->o.env.ctx, in->snap.bucket, key, d->gz.data,
                                  d->gz.len))) {
        snprintf(err, errlen, "PutObject s3://%s/%.300s failed: %s", in->snap.bucket, key,
                 ot_strerror(rc));
    }
    if (!rc) {
        d->files_written++;
        d->bytes_written += d->gz.len;
        ot_metric_inc(&m_files);
        ot_metric_add(&m_bytes, d->gz.len);
        return note_file(d, in, b, key);
    }
    if (!ot_deliver_error_permanent(rc) && attempt < d->o.quarantine_after)
        return rc;
    return dl_quarantine_batch(d, in, b, key, err) ? rc : OT_OK;
}

/* Writes every file of a seal, also past a failing one; returns the first failure (message in
 * err) that needs a retry. */
static int write_files(ot_deliver *d, const ot_deliver_intent *in, ot_deliver_batchset *set,
                       int attempt, char *err, size_t errlen)
{
    int first = OT_OK;
    char e[512];
    d->nfiles = d->nquar = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (set->v[i].events == 0)
            continue;
        int rc = write_batch(d, in, &set->v[i], attempt, e, sizeof e);
        if (rc && !first) {
            first = rc;
            snprintf(err, errlen, "%s", e);
        }
    }
    return first;
}

/* After all files of an intent are written: each one announced (file_delivered), then done,
 * unless the test hook "crashes" first. */
static int mark_done(ot_deliver *d, ot_deliver_intent *in)
{
    if (d->o.crash_hook && d->o.crash_hook(d->o.crash_ctx, in->snap.arn, in->a, in->b)) {
        d->crashed = true;
        return OT_ECLOSED;
    }
    for (size_t i = 0; d->o.file_delivered && i < d->nfiles; i++)
        d->o.file_delivered(d->o.file_delivered_ctx, &in->snap, d->files[i].bucket,
                            d->files[i].key);
    int64_t now = dl_now_ms(d);
    intent_ctx c = {in, now, d};
    int rc = dl_db(d, done_cb, &c);
    if (!rc)
        dl_quarantine_count(d);
    if (d->nfiles || !d->nquar)
        d->o.env.note_delivery(d->o.env.ctx, in->snap.arn, now, NULL);
    if (d->nquar) { /* after the success: LatestDeliveryError names the quarantined file */
        char msg[512];
        dl_quarantine_message(d, msg, sizeof msg);
        d->o.env.note_delivery(d->o.env.ctx, in->snap.arn, now, msg);
    }
    return rc;
}

static int64_t backoff(const ot_deliver *d, int attempts)
{
    int64_t ms = d->o.retry_base_ms;
    for (int i = 1; i < attempts && ms < d->o.retry_max_ms; i++)
        ms *= 2;
    return ms < d->o.retry_max_ms ? ms : d->o.retry_max_ms;
}

static void note_failure(ot_deliver *d, const char *arn, const char *err)
{
    d->put_failures++;
    ot_warn("deliver: %s: %s", arn, err);
    d->o.env.note_delivery(d->o.env.ctx, arn, dl_now_ms(d), err);
}

/* Takes ownership of in->channels. */
static int retry_add(ot_deliver *d, ot_deliver_intent *in)
{
    if (OT_VEC_GROW(d->retries, d->capretries, d->nretries + 1)) {
        free(in->channels);
        return OT_ENOMEM; /* stays pending in state.db: redone at the next start */
    }
    dl_retry *v = d->retries;
    v[d->nretries].in = *in;
    v[d->nretries].attempts = 1;
    v[d->nretries].next_mono = ot_monotonic_ms() + backoff(d, 1);
    d->nretries++;
    return OT_OK;
}

/* ---- sealing ---- */

/* Accepted at ingest_ms (wall clock, as events are stamped), written now. */
static void observe_latency(int64_t ingest_ms)
{
    int64_t now = ot_now_ms();
    ot_metric_observe(&m_latency, now > ingest_ms ? (uint64_t)(now - ingest_ms) : 0);
}

int dl_seal(ot_deliver *d, dl_trail *dt)
{
    if (dt->open.events == 0) {
        if (d->pos > dt->sealed)
            dt->sealed = d->pos;
        return OT_OK;
    }
    if (dt->seal_retry_mono && ot_monotonic_ms() < dt->seal_retry_mono)
        return OT_EIO;
    ot_deliver_intent in = {.snap = dt->t, .a = dt->sealed, .b = d->pos, .seal_ms = dl_now_ms(d)};
    in.snap.selectors = NULL; /* borrowed from dt; a redo compiles in.snap.selectors_id */
    in.channels = ot_deliver_batchset_channels(&dt->open);
    intent_ctx c = {&in, 0, d};
    int rc = in.channels ? dl_db(d, seal_cb, &c) : OT_ENOMEM;
    if (rc) {
        free(in.channels);
        ot_error("deliver: sealing %s failed (%s); retrying", dt->t.arn, ot_strerror(rc));
        dt->seal_retry_mono = ot_monotonic_ms() + SEAL_RETRY_MS;
        return rc;
    }
    dt->seal_retry_mono = 0;
    dt->sealed = dt->sealed_synced = in.b;
    char err[512];
    rc = write_files(d, &in, &dt->open, 1, err, sizeof err);
    ot_metric_gauge_add(&m_backlog, -(double)dt->open.events);
    if (!rc && d->nfiles)
        observe_latency(dt->opened_ingest_ms);
    ot_deliver_batchset_reset(&dt->open);
    dt->opened_mono = 0;
    if (rc) {
        note_failure(d, in.snap.arn, err);
        return retry_add(d, &in);
    }
    rc = mark_done(d, &in);
    free(in.channels);
    return rc;
}

/* ---- redo ---- */

typedef struct redo_ctx {
    const ot_deliver_intent *in;
    const ot_trail *snap;     /* in->snap with its selectors compiled */
    ot_deliver_batchset *set;
    ot_deliver_batchset *allowed;
    uint64_t last;
    int rc;
} redo_ctx;

static bool chan_recorded(void *ctx, const char *channel_arn, const char *trail_arn)
{
    (void)trail_arn;
    return ot_deliver_batchset_has_channel(ctx, channel_arn);
}

static int redo_visit(void *ctx, uint64_t lsn, const void *p, size_t n)
{
    redo_ctx *r = ctx;
    if (lsn > r->in->b)
        return 1;
    if (lsn <= r->in->a)
        return 0;
    r->last = lsn;
    ot_event e;
    if (ot_event_decode(p, n, &e) != 0)
        return 0; /* skipped by the live router too */
    if (ot_deliver_trail_wants(r->snap, &e, chan_recorded, r->allowed))
        r->rc = ot_deliver_batchset_add(r->set, &e);
    return r->rc ? 1 : 0;
}

/* Rebuilds the batches of intent in from the WAL, routed by the selectors version it was
 * sealed with, and writes them. OT_ECORRUPT means the WAL no longer holds the range; any other
 * failure (e.g. the bucket is missing) is worth retrying. */
static int redo(ot_deliver *d, const ot_deliver_intent *in, int attempt, char *err,
                size_t errlen)
{
    ot_deliver_batchset set = {0}, allowed = {0};
    ot_trail snap = in->snap;
    ot_selectors *sel = NULL;
    redo_ctx r = {in, &snap, &set, &allowed, in->a, 0};
    int rc = dl_selectors_load(d, snap.selectors_id, &sel);
    if (rc) {
        snprintf(err, errlen, "event selectors version %lld cannot be loaded: %s",
                 (long long)snap.selectors_id, ot_strerror(rc));
        return OT_EIO; /* retried (and logged), never taken for lost WAL records */
    }
    snap.selectors = sel;
    rc = ot_deliver_batchset_set_channels(&allowed, in->channels);
    if (!rc)
        rc = d->o.env.wal_read(d->o.env.ctx, in->a + 1, redo_visit, &r);
    if (rc > 0)
        rc = OT_OK;
    if (!rc)
        rc = r.rc;
    if (rc)
        snprintf(err, errlen, "reading WAL records %llu..%llu failed: %s",
                 (unsigned long long)in->a + 1, (unsigned long long)in->b, ot_strerror(rc));
    else if (r.last < in->b) {
        rc = OT_ECORRUPT; /* distinct from a missing bucket, which is retried */
        snprintf(err, errlen, "WAL records %llu..%llu are gone; log file lost",
                 (unsigned long long)r.last + 1, (unsigned long long)in->b);
    } else
        rc = write_files(d, in, &set, attempt, err, errlen);
    ot_deliver_batchset_free(&set);
    ot_deliver_batchset_free(&allowed);
    ot_selectors_free(sel);
    return rc;
}

/* One attempt at a pending intent: true if it is finished (written, or dropped). */
static bool retry_one(ot_deliver *d, dl_retry *r)
{
    ot_trail cur;
    int rc = d->o.env.get_trail(d->o.env.ctx, r->in.snap.arn, &cur);
    intent_ctx c = {&r->in, 0, d};
    if (rc == OT_ENOTFOUND) {
        ot_info("deliver: %s was deleted; dropping its pending log files (%llu..%llu]",
                r->in.snap.arn, (unsigned long long)r->in.a, (unsigned long long)r->in.b);
        return dl_db(d, drop_cb, &c) == OT_OK;
    }
    char err[512];
    rc = redo(d, &r->in, r->attempts + 1, err, sizeof err);
    if (rc == OT_ECORRUPT) { /* the WAL no longer has the records: nothing left to retry */
        note_failure(d, r->in.snap.arn, err);
        return dl_db(d, drop_cb, &c) == OT_OK;
    }
    if (rc) {
        note_failure(d, r->in.snap.arn, err);
        r->attempts++;
        r->next_mono = ot_monotonic_ms() + backoff(d, r->attempts);
        return false;
    }
    return mark_done(d, &r->in) == OT_OK;
}

void dl_retry_due(ot_deliver *d, const char *only_arn, bool ignore_backoff)
{
    size_t keep = 0;
    int64_t now = ot_monotonic_ms();
    for (size_t i = 0; i < d->nretries; i++) {
        dl_retry *r = &d->retries[i];
        bool mine = !only_arn || strcmp(only_arn, r->in.snap.arn) == 0;
        bool due = ignore_backoff || r->next_mono <= now;
        if (!d->crashed && mine && due && retry_one(d, r)) {
            free(r->in.channels);
            continue;
        }
        d->retries[keep++] = *r;
    }
    d->nretries = keep;
}

typedef struct pending_ctx {
    ot_deliver_intent *v;
    size_t n;
} pending_ctx;

static int pending_cb(struct sqlite3 *db, void *ctx)
{
    pending_ctx *p = ctx;
    return ot_deliver_db_pending(db, &p->v, &p->n);
}

int dl_recover_intents(ot_deliver *d)
{
    pending_ctx p = {0};
    int rc = dl_db(d, pending_cb, &p);
    if (rc)
        return rc;
    d->retries = calloc(p.n ? p.n : 1, sizeof *d->retries);
    if (!d->retries) {
        ot_deliver_intents_free(p.v, p.n);
        return OT_ENOMEM;
    }
    for (size_t i = 0; i < p.n; i++)
        d->retries[i] = (dl_retry){.in = p.v[i], .attempts = 0, .next_mono = 0};
    d->nretries = p.n;
    d->capretries = p.n ? p.n : 1;
    free(p.v); /* the channel strings now belong to d->retries */
    if (p.n)
        ot_info("deliver: redoing %zu pending log-file seal(s)", p.n);
    dl_retry_due(d, NULL, true);
    return OT_OK;
}

void dl_retries_free(ot_deliver *d)
{
    for (size_t i = 0; i < d->nretries; i++)
        free(d->retries[i].in.channels);
    free(d->retries);
    d->retries = NULL;
    d->nretries = d->capretries = 0;
}
