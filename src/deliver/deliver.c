/* deliver.c — the delivery thread: its life cycle, its loop, flush requests, checkpoints and
 * statistics. Routing and sealing live in deliver_seal.c, the trail cache in deliver_cache.c. */
#include "deliver/deliver_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

/* ---- checkpoints and the WAL floor ---- */

/* Records <= floor are needed by nobody: not by an open batch, not by a pending intent. */
static uint64_t floor_lsn(const ot_deliver *d)
{
    uint64_t f = d->pos;
    for (size_t i = 0; i < d->ntrails; i++)
        if (d->trails[i]->sealed < f)
            f = d->trails[i]->sealed;
    for (size_t i = 0; i < d->nretries; i++)
        if (d->retries[i].in.a < f)
            f = d->retries[i].in.a;
    return f;
}

typedef struct sync_ctx {
    ot_deliver_ckpt *v;
    size_t n;
    uint64_t floor;
} sync_ctx;

static int sync_cb(struct sqlite3 *db, void *ctx)
{
    sync_ctx *s = ctx;
    return ot_deliver_db_sync(db, s->v, s->n, s->floor);
}

/* Persists moved checkpoints and the floor in one transaction, then lets the WAL go. */
static void sync_checkpoints(ot_deliver *d)
{
    for (size_t i = 0; i < d->ntrails; i++) /* empty trails follow the router */
        if (d->trails[i]->open.events == 0 && d->trails[i]->sealed < d->pos)
            d->trails[i]->sealed = d->pos;
    uint64_t floor = floor_lsn(d);
    sync_ctx s = {calloc(d->ntrails ? d->ntrails : 1, sizeof *s.v), 0, floor};
    if (!s.v)
        return;
    for (size_t i = 0; i < d->ntrails; i++) {
        dl_trail *dt = d->trails[i];
        if (dt->sealed == dt->sealed_synced)
            continue;
        snprintf(s.v[s.n].trail_arn, sizeof s.v[s.n].trail_arn, "%s", dt->t.arn);
        s.v[s.n++].lsn = dt->sealed;
    }
    if ((s.n || floor != d->floor_synced) && dl_db(d, sync_cb, &s) == OT_OK) {
        for (size_t i = 0; i < d->ntrails; i++)
            d->trails[i]->sealed_synced = d->trails[i]->sealed;
        if (floor > d->floor_synced) /* after state.db: the cursor never gets ahead of it */
            d->o.env.wal_commit(d->o.env.ctx, floor);
        d->floor_synced = floor;
    }
    free(s.v);
}

/* ---- statistics ---- */

static void publish_stats(ot_deliver *d)
{
    ot_deliver_trail_stats *ts = calloc(d->ntrails ? d->ntrails : 1, sizeof *ts);
    if (!ts)
        return;
    for (size_t i = 0; i < d->ntrails; i++) {
        const dl_trail *dt = d->trails[i];
        snprintf(ts[i].trail_arn, sizeof ts[i].trail_arn, "%s", dt->t.arn);
        ts[i].pending_events = dt->open.events;
        ts[i].pending_bytes = dt->open.bytes;
        ts[i].sealed_lsn = dt->sealed;
        ts[i].quarantined = dl_quarantined(d, dt->t.arn);
    }
    pthread_mutex_lock(&d->stats_mu);
    free(d->stats.trails);
    d->stats = (ot_deliver_stats){
        .routed_lsn = d->pos,
        .floor_lsn = d->floor_synced,
        .events_routed = d->events_routed,
        .files_written = d->files_written,
        .bytes_written = d->bytes_written,
        .put_failures = d->put_failures,
        .files_quarantined = d->files_quarantined,
        .intents_pending = d->nretries,
        .trails = ts,
        .ntrails = d->ntrails,
    };
    pthread_mutex_unlock(&d->stats_mu);
}

int ot_deliver_stats_get(ot_deliver *d, ot_deliver_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&d->stats_mu);
    *out = d->stats;
    out->trails = malloc((d->stats.ntrails ? d->stats.ntrails : 1) * sizeof *out->trails);
    if (out->trails && d->stats.ntrails)
        memcpy(out->trails, d->stats.trails, d->stats.ntrails * sizeof *out->trails);
    pthread_mutex_unlock(&d->stats_mu);
    if (!out->trails) {
        out->ntrails = 0;
        return OT_ENOMEM;
    }
    return OT_OK;
}

void ot_deliver_stats_free(ot_deliver_stats *s)
{
    free(s->trails);
    s->trails = NULL;
    s->ntrails = 0;
}

/* ---- the loop ---- */

static void seal_due(ot_deliver *d, int64_t now)
{
    for (size_t i = 0; i < d->ntrails && !d->crashed; i++) {
        dl_trail *dt = d->trails[i];
        if (dt->open.events && now - dt->opened_mono >= d->o.interval_ms)
            dl_seal(d, dt);
    }
}

static void flush_one(ot_deliver *d, const char *arn)
{
    dl_trail *dt = dl_trail_find(d, arn);
    if (dt)
        dl_seal(d, dt);
    dl_retry_due(d, arn, true);
    if (!d->crashed)
        dl_refresh(d);
}

static void periodic(ot_deliver *d)
{
    int64_t now = ot_monotonic_ms();
    if (now >= d->next_refresh_mono) {
        dl_refresh(d);
        d->next_refresh_mono = now + OT_DELIVER_REFRESH_MS;
        if (!d->crashed)
            sync_checkpoints(d);
    }
    seal_due(d, now);
    if (!d->crashed)
        dl_retry_due(d, NULL, false);
}

/* How long the thread may sleep: until the next refresh, seal deadline or retry. */
static int64_t next_wake(const ot_deliver *d)
{
    int64_t t = d->next_refresh_mono;
    for (size_t i = 0; i < d->ntrails; i++) {
        const dl_trail *dt = d->trails[i];
        if (dt->open.events && dt->opened_mono + d->o.interval_ms < t)
            t = dt->opened_mono + d->o.interval_ms;
    }
    for (size_t i = 0; i < d->nretries; i++)
        if (d->retries[i].next_mono < t)
            t = d->retries[i].next_mono;
    return t;
}

/* Called with mu held: sleeps on the WAL cursor until new records are durable, a flush
 * request or stop wakes it, or the next deadline. A wake is remembered by the cursor, so one
 * that comes before the wait starts is not lost. */
static void wait_for_work(ot_deliver *d)
{
    int64_t wait = next_wake(d) - ot_monotonic_ms();
    if (d->stop || d->reqs || wait <= 0)
        return;
    pthread_mutex_unlock(&d->mu);
    d->o.env.wal_wait(d->o.env.ctx, wait > INT32_MAX ? INT32_MAX : (int)wait);
    pthread_mutex_lock(&d->mu);
}

static void finish_reqs(ot_deliver *d, dl_flush_req *r)
{
    pthread_mutex_lock(&d->mu);
    for (; r; r = r->next)
        r->done = true;
    pthread_cond_broadcast(&d->flushed);
    pthread_mutex_unlock(&d->mu);
}

static void *thread_main(void *arg)
{
    ot_deliver *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        wait_for_work(d);
        if (d->stop)
            break;
        dl_flush_req *reqs = d->reqs;
        d->reqs = NULL;
        pthread_mutex_unlock(&d->mu);

        while (dl_route_new(d) == OT_DELIVER_READ_CHUNK) /* everything durable now */
            ;
        for (dl_flush_req *r = reqs; r && !d->crashed; r = r->next)
            flush_one(d, r->arn);
        if (!d->crashed)
            periodic(d);
        publish_stats(d);
        finish_reqs(d, reqs);
        pthread_mutex_lock(&d->mu);
    }
    d->exited = true;
    for (dl_flush_req *r = d->reqs; r; r = r->next)
        r->done = true;
    d->reqs = NULL;
    pthread_cond_broadcast(&d->flushed);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* ---- public API ---- */

void ot_deliver_flush_trail(ot_deliver *d, const char *trail_arn)
{
    if (!d || !trail_arn)
        return;
    dl_flush_req req = {.arn = trail_arn};
    pthread_mutex_lock(&d->mu);
    if (!d->exited) {
        req.next = d->reqs;
        d->reqs = &req;
        d->o.env.wal_wake(d->o.env.ctx);
        while (!req.done)
            pthread_cond_wait(&d->flushed, &d->mu);
    }
    pthread_mutex_unlock(&d->mu);
}

static void free_all(ot_deliver *d)
{
    dl_cache_free(d);
    dl_retries_free(d);
    ot_buf_free(&d->gz);
    free(d->files);
    free(d->quar);
    free(d->qcounts);
    free(d->stats.trails);
    pthread_cond_destroy(&d->flushed);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->stats_mu);
    free(d);
}

void ot_deliver_stop(ot_deliver *d)
{
    if (!d)
        return;
    if (d->thread_started) {
        pthread_mutex_lock(&d->mu);
        d->stop = true;
        d->o.env.wal_wake(d->o.env.ctx);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->thread, NULL);
    }
    if (d->o.env.close)
        d->o.env.close(d->o.env.ctx);
    free_all(d);
}

static int init_sync(ot_deliver *d)
{
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->stats_mu, NULL);
    pthread_cond_init(&d->flushed, NULL);
    return OT_OK;
}

static int schema_cb(struct sqlite3 *db, void *ctx)
{
    (void)ctx;
    return ot_deliver_db_init(db);
}

static int floor_cb(struct sqlite3 *db, void *ctx)
{
    return ot_deliver_db_floor(db, ctx);
}

static void apply_defaults(ot_deliver_opts *o)
{
    if (o->interval_ms <= 0)
        o->interval_ms = OT_DELIVER_DEFAULT_INTERVAL_MS;
    if (o->max_bytes == 0)
        o->max_bytes = OT_DELIVER_DEFAULT_MAX_BYTES;
    if (o->retry_base_ms <= 0)
        o->retry_base_ms = 1000;
    if (o->quarantine_after <= 0)
        o->quarantine_after = OT_DELIVER_QUARANTINE_AFTER;
    if (o->retry_max_ms < o->retry_base_ms)
        o->retry_max_ms = o->retry_base_ms > 60000 ? o->retry_base_ms : 60000;
}

/* Recovery: redo pending intents, then resume routing after the floor. */
static int recover(ot_deliver *d)
{
    uint64_t floor = 0;
    int rc = dl_db(d, schema_cb, NULL);
    if (!rc)
        rc = dl_db(d, floor_cb, &floor);
    if (!rc)
        rc = dl_quarantine_load(d);
    if (!rc)
        rc = dl_recover_intents(d);
    if (!rc)
        dl_quarantine_redeliver(d);
    if (!rc)
        rc = dl_load(d, floor);
    if (rc)
        return rc;
    d->pos = d->floor_synced = floor;
    d->next_refresh_mono = ot_monotonic_ms() + OT_DELIVER_REFRESH_MS;
    return OT_OK;
}

int ot_deliver_start_opts(const ot_deliver_opts *opts, ot_deliver **out)
{
    *out = NULL;
    ot_deliver *d = calloc(1, sizeof *d);
    if (!d)
        return OT_ENOMEM;
    d->o = *opts;
    apply_defaults(&d->o);
    init_sync(d);
    ot_buf_init(&d->gz, 0);
    int rc = recover(d);
    if (!rc) /* the thread first reads floor+1 .. durable through it */
        rc = d->o.env.wal_open(d->o.env.ctx, d->pos);
    if (!rc && pthread_create(&d->thread, NULL, thread_main, d) != 0)
        rc = OT_EIO;
    if (rc) {
        ot_error("deliver: cannot start: %s", ot_strerror(rc));
        if (d->o.env.close)
            d->o.env.close(d->o.env.ctx);
        free_all(d);
        return rc;
    }
    d->thread_started = true;
    *out = d;
    return OT_OK;
}
