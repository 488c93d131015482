/* deliver_cache.c — the router's copy of the logging trails and of channel destinations.
 *
 * Reading state.db per event would cost more than the rest of delivery, so the logging trails
 * are cached and re-read every OT_DELIVER_REFRESH_MS and on every flush request. A trail whose
 * routing or naming fields changed is sealed with its old snapshot before the new one applies,
 * so every sealed WAL range was routed by one snapshot, the one its intent records. */
#include "deliver/deliver_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail/selectors.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/vec.h"

dl_trail *dl_trail_find(ot_deliver *d, const char *arn)
{
    for (size_t i = 0; i < d->ntrails; i++)
        if (strcmp(d->trails[i]->t.arn, arn) == 0)
            return d->trails[i];
    return NULL;
}

static void trail_free(dl_trail *dt)
{
    ot_deliver_batchset_free(&dt->open);
    ot_selectors_free(dt->sel);
    free(dt);
}

int dl_selectors_load(ot_deliver *d, int64_t id, ot_selectors **out)
{
    *out = NULL;
    if (!id)
        return OT_OK;
    int rc = d->o.env.load_selectors ? d->o.env.load_selectors(d->o.env.ctx, id, out)
                                     : OT_ENOTFOUND;
    if (rc)
        ot_error("deliver: event selectors version %lld cannot be loaded (%s); the trail "
                 "records nothing until it can", (long long)id, ot_strerror(rc));
    return rc;
}

/* Points the cached snapshot at its compiled selectors, (re)loading them when the version
 * changed or an earlier load failed. */
static void trail_selectors(ot_deliver *d, dl_trail *dt, int64_t had_id)
{
    if (dt->t.selectors_id != had_id || (!dt->sel && dt->t.selectors_id)) {
        ot_selectors_free(dt->sel);
        dt->sel = NULL;
        dl_selectors_load(d, dt->t.selectors_id, &dt->sel);
    }
    dt->t.selectors = dt->sel;
}

static int trail_add(ot_deliver *d, const ot_trail *t, uint64_t sealed, uint64_t synced)
{
    if (OT_VEC_GROW(d->trails, d->captrails, d->ntrails + 1))
        return OT_ENOMEM;
    dl_trail *dt = calloc(1, sizeof *dt);
    if (!dt)
        return OT_ENOMEM;
    dt->t = *t;
    dt->sealed = sealed;
    dt->sealed_synced = synced;
    d->trails[d->ntrails++] = dt;
    trail_selectors(d, dt, 0);
    return OT_OK;
}

/* ---- channels ---- */

static void chan_clear(ot_deliver *d)
{
    for (size_t i = 0; i < d->nchans; i++) {
        for (size_t j = 0; j < d->chans[i].ntrails; j++)
            free(d->chans[i].trails[j]);
        free(d->chans[i].trails);
    }
    free(d->chans);
    d->chans = NULL;
    d->nchans = d->capchans = 0;
}

/* Fills c with the AWS_SERVICE destinations of channel arn (none if it does not exist). */
static int chan_fetch(ot_deliver *d, const char *arn, dl_chan *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->arn, sizeof c->arn, "%s", arn);
    int rc = d->o.env.channel_trails(d->o.env.ctx, arn, &c->trails, &c->ntrails);
    return rc == OT_ENOTFOUND ? OT_OK : rc;
}

static bool chan_routes(const dl_chan *c, const char *trail_arn)
{
    for (size_t i = 0; i < c->ntrails; i++)
        if (strcmp(c->trails[i], trail_arn) == 0)
            return true;
    return false;
}

static void chan_free(dl_chan *c)
{
    for (size_t i = 0; i < c->ntrails; i++)
        free(c->trails[i]);
    free(c->trails);
}

bool dl_chan_live(void *ctx, const char *channel_arn, const char *trail_arn)
{
    ot_deliver *d = ctx;
    for (size_t i = 0; i < d->nchans; i++)
        if (strcmp(d->chans[i].arn, channel_arn) == 0)
            return chan_routes(&d->chans[i], trail_arn);
    if (strlen(channel_arn) >= sizeof d->chans[0].arn)
        return false;
    if (OT_VEC_GROW(d->chans, d->capchans, d->nchans + 1))
        return false;
    dl_chan *v = d->chans;
    if (chan_fetch(d, channel_arn, &v[d->nchans]) != 0) {
        chan_free(&v[d->nchans]);
        return false; /* not cached: asked again for the next event */
    }
    return chan_routes(&v[d->nchans++], trail_arn);
}

/* Did a channel that fed the trail's open batches change its mind about the trail? */
static bool chans_changed(ot_deliver *d, const dl_trail *dt)
{
    for (size_t i = 0; i < dt->open.nchans; i++) {
        dl_chan c;
        int rc = chan_fetch(d, dt->open.chans[i], &c);
        bool routes = rc == 0 && chan_routes(&c, dt->t.arn);
        chan_free(&c);
        if (!routes)
            return true;
    }
    return false;
}

/* ---- trails ---- */

static const ot_trail *find_in(const ot_trail *v, size_t n, const char *arn)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].arn, arn) == 0)
            return &v[i];
    return NULL;
}

/* Seals the cached trails that changed, then updates or drops them. */
static void apply_changes(ot_deliver *d, const ot_trail *now, size_t n)
{
    size_t keep = 0;
    for (size_t i = 0; i < d->ntrails; i++) {
        dl_trail *dt = d->trails[i];
        const ot_trail *cur = find_in(now, n, dt->t.arn);
        bool changed = !cur || !ot_deliver_same_routing(&dt->t, cur) || chans_changed(d, dt);
        if (changed && dt->open.events && !d->crashed)
            dl_seal(d, dt);
        if (!cur && dt->open.events == 0) {
            trail_free(dt); /* unsealed (failed) batches keep the trail until sealed */
            continue;
        }
        if (cur) {
            int64_t had = dt->t.selectors_id;
            dt->t = *cur;
            trail_selectors(d, dt, had);
        }
        d->trails[keep++] = dt;
    }
    d->ntrails = keep;
}

int dl_refresh(ot_deliver *d)
{
    ot_trail *now = NULL;
    size_t n = 0;
    int rc = d->o.env.list_logging(d->o.env.ctx, &now, &n);
    if (rc) {
        ot_warn("deliver: reading the logging trails failed (%d); keeping the cached list", rc);
        return rc;
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (!dl_trail_find(d, now[i].arn))
            rc = trail_add(d, &now[i], d->pos, 0); /* new: nothing before now is its business */
    /* What was durable before the change was read was accepted before the change: route it
     * with the old snapshots before they are sealed. So the StopLogging event, made durable
     * before the stop, lands in the stopped trail's last file even when this refresh, and not
     * the flush, is the first to see the stop. */
    while (dl_route_new(d) == OT_DELIVER_READ_CHUNK)
        ;
    apply_changes(d, now, n);
    chan_clear(d);
    free(now);
    return rc;
}

typedef struct ckpt_ctx {
    ot_deliver_ckpt **v;
    size_t *n;
} ckpt_ctx;

static int ckpt_cb(struct sqlite3 *db, void *ctx)
{
    ckpt_ctx *c = ctx;
    return ot_deliver_db_checkpoints(db, c->v, c->n);
}

/* At start: the logging trails, each resuming after its checkpoint (but not before floor). */
int dl_load(ot_deliver *d, uint64_t floor)
{
    ot_deliver_ckpt *ck = NULL;
    size_t nck = 0;
    ckpt_ctx cc = {&ck, &nck};
    int rc = dl_db(d, ckpt_cb, &cc);
    ot_trail *now = NULL;
    size_t n = 0;
    if (!rc)
        rc = d->o.env.list_logging(d->o.env.ctx, &now, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        uint64_t sealed = floor, synced = 0;
        for (size_t j = 0; j < nck; j++)
            if (strcmp(ck[j].trail_arn, now[i].arn) == 0) {
                synced = ck[j].lsn;
                sealed = ck[j].lsn > floor ? ck[j].lsn : floor;
            }
        rc = trail_add(d, &now[i], sealed, synced);
    }
    free(now);
    free(ck);
    return rc;
}

void dl_cache_free(ot_deliver *d)
{
    for (size_t i = 0; i < d->ntrails; i++)
        trail_free(d->trails[i]);
    free(d->trails);
    d->trails = NULL;
    d->ntrails = d->captrails = 0;
    chan_clear(d);
}
