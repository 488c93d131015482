/* digest_writer.c — the digest writer: starts and ends chains as trails change, and writes a
 * signed digest for every active chain each digest interval.
 *
 * All work runs under one mutex, either on the writer thread (ot_digest_tick, a few times a
 * second) or on the API thread that changed a trail (ot_digest_trail_changed, after delivery
 * flushed it), so a final digest is written before StopLogging / DeleteTrail returns.
 *
 * A digest: choose its end time E and key, then (1) begin: claim the chain's log rows and
 * record the pending digest in one transaction; (2) build the body from the pending row, the
 * claimed rows and the chain, sign it, put it; (3) commit. A crash or a failed put leaves the
 * pending row; (2) and (3) are redone from it with the same key and the same bytes, and RSA
 * PKCS#1 v1.5 signatures are deterministic, so the chain never forks. */
#include "digest/digest_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "trail/trail.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/vec.h"
#include "util/gzip.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"

#define RETRY_MAX_MS 60000

OT_COUNTER(m_digests, "opentrail_digest_files_total", "Signed digest files written.");

typedef struct retry_slot {
    char key[OT_DIGEST_KEY_MAX + 1];
    int attempts;
    int64_t next_mono;
} retry_slot;

struct ot_digest {
    ot_digest_opts o;
    pthread_mutex_t mu;       /* all digest work */
    pthread_mutex_t wmu;      /* stop flag and the thread's sleep */
    pthread_cond_t wake;
    bool stop;
    pthread_t thread;
    bool thread_started;
    bool crashed;             /* the test hook simulated a crash */
    retry_slot *retries;      /* pending digests whose put failed: back off */
    size_t nretries, cap_retries;
    ot_buf body, gz;
};

static int64_t now_ms(ot_digest *d)
{
    return d->o.now_ms ? d->o.now_ms(d->o.now_ctx) : ot_now_ms();
}

/* ---- state.db calls ---- */

typedef struct db_call {
    int (*fn)(struct sqlite3 *, struct db_call *);
    const char *arn;
    const ot_digest_trail *t;
    int64_t ms;
    const ot_digest_pending *p;
    const char *hash, *sig;
    ot_digest_pending *pv;
    ot_digest_chain *cv;
    ot_digest_entry *ev;
    ot_digest_tstate *tv;
    ot_digest_tstate ts;
    size_t n;
} db_call;

static int db_cb(struct sqlite3 *db, void *ctx)
{
    db_call *c = ctx;
    return c->fn(db, c);
}

static int db_run(ot_digest *d, db_call *c)
{
    return ot_trail_db_with(d->o.trails, db_cb, c);
}

static int q_init(struct sqlite3 *db, db_call *c) { (void)c; return ot_digest_db_init(db); }
static int q_pendings(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_pendings(db, &c->pv, &c->n);
}
static int q_trails(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_trails(db, &c->tv, &c->n);
}
static int q_trail(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_trail(db, c->arn, &c->ts);
}
static int q_chains(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_chains(db, c->arn, &c->cv, &c->n);
}
static int q_claimed(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_claimed(db, c->p, &c->ev, &c->n);
}
static int q_chain(struct sqlite3 *db, db_call *c)
{
    c->cv = calloc(1, sizeof *c->cv);
    if (!c->cv)
        return OT_ENOMEM;
    return ot_digest_db_chain_get(db, c->p->trail_arn, c->p->account_id, c->p->region, c->cv);
}
static int q_begin(struct sqlite3 *db, db_call *c) { return ot_digest_db_begin(db, c->p); }
static int q_commit(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_commit(db, c->p, c->hash, c->sig);
}
static int q_activate(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_activate(db, c->t, c->ms);
}
static int q_deactivate(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_deactivate(db, c->arn);
}
static int q_update(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_update_trail(db, c->t);
}
static int q_open_chains(struct sqlite3 *db, db_call *c)
{
    return ot_digest_db_open_new_chains(db, c->arn);
}

/* ---- retries ---- */

static retry_slot *retry_find(ot_digest *d, const char *key)
{
    for (size_t i = 0; i < d->nretries; i++)
        if (!strcmp(d->retries[i].key, key))
            return &d->retries[i];
    return NULL;
}

static void retry_clear(ot_digest *d, const char *key)
{
    retry_slot *r = retry_find(d, key);
    if (r)
        *r = d->retries[--d->nretries];
}

static void retry_note(ot_digest *d, const char *key)
{
    retry_slot *r = retry_find(d, key);
    if (!r) {
        if (OT_VEC_GROW(d->retries, d->cap_retries, d->nretries + 1))
            return;
        r = &d->retries[d->nretries++];
        memset(r, 0, sizeof *r);
        snprintf(r->key, sizeof r->key, "%s", key);
    }
    int64_t wait = 1000;
    for (int i = 0; i < r->attempts && wait < RETRY_MAX_MS; i++)
        wait *= 2;
    r->attempts++;
    r->next_mono = ot_monotonic_ms() + (wait < RETRY_MAX_MS ? wait : RETRY_MAX_MS);
}

/* ---- writing one digest ---- */

/* A redo finds the object already written when the crash came after the put: the same
 * signature means the same digest (it covers the body's hash), so it is not written again —
 * which also keeps redo working on write-once buckets. */
static bool already_written(ot_digest *d, const ot_digest_pending *p, const char *sig)
{
    ot_object_info info;
    if (ot_store_head(d->o.store, p->bucket, p->key, &info) != OT_OK)
        return false;
    bool same = false;
    for (size_t i = 0; i < info.nmeta; i++)
        if (!strcmp(info.meta[i].name, "signature"))
            same = !strcmp(info.meta[i].value, sig);
    ot_object_info_free(&info);
    return same;
}

static int put_digest(ot_digest *d, const ot_digest_pending *p, const char *sig)
{
    if (already_written(d, p, sig))
        return OT_OK;
    ot_buf_reset(&d->gz);
    int rc = ot_gzip(d->body.data, d->body.len, &d->gz);
    if (rc)
        return rc;
    ot_object_info info = {0};
    snprintf(info.content_type, sizeof info.content_type, "application/x-gzip");
    info.meta[0] = (ot_meta){(char *)"signature", (char *)sig};
    info.meta[1] = (ot_meta){(char *)"signature-algorithm", (char *)"SHA256withRSA"};
    info.nmeta = 2;
    rc = ot_store_put(d->o.store, p->bucket, p->key, d->gz.data, d->gz.len, &info);
    if (!rc)
        ot_metric_inc(&m_digests);
    return rc;
}

/* Builds body (d->body), its hash and signature for a pending digest. */
static int build(ot_digest *d, const ot_digest_pending *p, char hash[65],
                 char sig[OT_SIG_HEX_MAX])
{
    db_call cc = {.fn = q_chain, .p = p}, ce = {.fn = q_claimed, .p = p};
    int rc = db_run(d, &cc);
    if (!rc)
        rc = db_run(d, &ce);
    if (!rc) {
        const ot_digest_chain *c = cc.cv;
        ot_digest_doc doc = {
            .account_id = p->account_id, .start_ms = c->start_ms, .end_ms = p->end_ms,
            .bucket = p->bucket, .key = p->key, .fingerprint = p->fingerprint,
            .prev_bucket = c->has_prev ? c->prev_bucket : NULL,
            .prev_key = c->has_prev ? c->prev_key : NULL,
            .prev_hash = c->has_prev ? c->prev_hash : NULL,
            .prev_sig = c->has_prev ? c->prev_sig : NULL,
            .logs = ce.ev, .nlogs = ce.n};
        ot_buf_reset(&d->body);
        rc = ot_digest_json(&doc, &d->body);
        char iso[32];
        ot_time_iso8601(p->end_ms, iso);
        char *msg = rc ? NULL
                       : ot_digest_signing_string(iso, p->bucket, p->key, d->body.data,
                                                  d->body.len, doc.prev_sig);
        if (!rc && !msg)
            rc = OT_ENOMEM;
        if (!rc)
            rc = ot_keystore_sign(d->o.keys, p->fingerprint, msg, strlen(msg), sig);
        free(msg);
        uint8_t h[32];
        ot_sha256(d->body.data, d->body.len, h);
        ot_hex(h, 32, hash);
    }
    free(cc.cv);
    free(ce.ev);
    return rc;
}

/* Steps (2) and (3) of a digest, from its pending row. */
static int finish(ot_digest *d, const ot_digest_pending *p)
{
    char hash[65], sig[OT_SIG_HEX_MAX], err[700];
    int rc = build(d, p, hash, sig);
    if (rc)
        snprintf(err, sizeof err, "building digest %.300s failed: %s", p->key, ot_strerror(rc));
    else if ((rc = put_digest(d, p, sig)) != OT_OK)
        snprintf(err, sizeof err, "PutObject s3://%s/%.300s failed: %s", p->bucket, p->key,
                 ot_strerror(rc));
    if (rc) {
        ot_warn("digest: %s: %s", p->trail_arn, err);
        ot_trail_note_digest(d->o.trails, p->trail_arn, now_ms(d), err);
        retry_note(d, p->key);
        return rc;
    }
    if (d->o.crash_hook && d->o.crash_hook(d->o.crash_ctx, p->key)) {
        d->crashed = true;
        return OT_ECLOSED;
    }
    db_call c = {.fn = q_commit, .p = p, .hash = hash, .sig = sig};
    if ((rc = db_run(d, &c)) != OT_OK)
        return rc; /* pending stays: redone (same bytes) on the next tick */
    retry_clear(d, p->key);
    ot_trail_note_digest(d->o.trails, p->trail_arn, now_ms(d), NULL);
    ot_debug("digest: wrote s3://%s/%s", p->bucket, p->key);
    return OT_OK;
}

/* Starts a digest of chain c ending at end_ms, then finishes it. */
static int write_digest(ot_digest *d, const ot_digest_tstate *ts, const ot_digest_chain *c,
                        int64_t end_ms, bool final)
{
    ot_digest_pending p = {.end_ms = end_ms, .final = final};
    snprintf(p.trail_arn, sizeof p.trail_arn, "%s", c->trail_arn);
    snprintf(p.account_id, sizeof p.account_id, "%s", c->account_id);
    snprintf(p.region, sizeof p.region, "%s", c->region);
    snprintf(p.bucket, sizeof p.bucket, "%s", ts->t.bucket);
    ot_pubkey k;
    int rc = ot_digest_key(&ts->t, c->account_id, c->region, end_ms, p.key, sizeof p.key);
    if (!rc)
        rc = ot_keystore_signing_key(d->o.keys, c->region, end_ms, &k);
    if (rc) {
        ot_error("digest: %s %s: no digest key or signing key: %s", c->trail_arn, c->region,
                 ot_strerror(rc));
        return rc;
    }
    snprintf(p.fingerprint, sizeof p.fingerprint, "%s", k.fingerprint);
    db_call b = {.fn = q_begin, .p = &p};
    if ((rc = db_run(d, &b)) != OT_OK)
        return rc;
    return finish(d, &p);
}

/* ---- pending digests (redo) ---- */

static void redo_pending(ot_digest *d, const char *only_arn, bool ignore_backoff)
{
    db_call c = {.fn = q_pendings};
    if (db_run(d, &c))
        return;
    int64_t mono = ot_monotonic_ms();
    for (size_t i = 0; i < c.n && !d->crashed; i++) {
        if (only_arn && strcmp(only_arn, c.pv[i].trail_arn))
            continue;
        retry_slot *r = retry_find(d, c.pv[i].key);
        if (!ignore_backoff && r && r->next_mono > mono)
            continue;
        finish(d, &c.pv[i]);
    }
    free(c.pv);
}

/* ---- chains of one trail ---- */

static int64_t final_end(ot_digest *d, const ot_digest_chain *c)
{
    int64_t e = now_ms(d);
    e -= e % 1000;
    return e > c->start_ms ? e : c->start_ms + 1000;
}

/* Writes the due digests of ts's chains (or, final, a last one for each active chain). */
static void run_chains(ot_digest *d, const ot_digest_tstate *ts, bool final)
{
    db_call c = {.fn = q_chains, .arn = ts->t.arn};
    if (db_run(d, &c))
        return;
    int64_t now = now_ms(d), iv = d->o.interval_ms;
    for (size_t i = 0; i < c.n && !d->crashed; i++) {
        const ot_digest_chain *ch = &c.cv[i];
        if (!ch->active)
            continue;
        if (final)
            write_digest(d, ts, ch, final_end(d, ch), true);
        else if (now >= ch->start_ms + iv) /* windows keep the chain's own offset */
            write_digest(d, ts, ch, ch->start_ms + (now - ch->start_ms) / iv * iv, false);
    }
    free(c.cv);
}

static void snapshot(const ot_trail *t, ot_digest_trail *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->arn, sizeof s->arn, "%s", t->arn);
    snprintf(s->name, sizeof s->name, "%s", t->name);
    snprintf(s->account_id, sizeof s->account_id, "%s", t->account_id);
    snprintf(s->home_region, sizeof s->home_region, "%s", t->home_region);
    snprintf(s->bucket, sizeof s->bucket, "%s", t->bucket);
    snprintf(s->prefix, sizeof s->prefix, "%s", t->prefix);
    if (t->organization)
        snprintf(s->org_id, sizeof s->org_id, "%s", t->org_id);
}

static bool same_place(const ot_digest_trail *a, const ot_digest_trail *b)
{
    return !strcmp(a->bucket, b->bucket) && !strcmp(a->prefix, b->prefix) &&
           !strcmp(a->org_id, b->org_id) && !strcmp(a->name, b->name);
}

/* Brings the digests of one trail in line with its state: start, keep or finish its chains. */
static void reconcile(ot_digest *d, const char *arn)
{
    ot_trail t;
    int rc = ot_trail_get_by_arn(d->o.trails, arn, &t);
    if (rc && rc != OT_ENOTFOUND)
        return;
    bool want = !rc && t.logging && t.log_validation;
    db_call c = {.fn = q_trail, .arn = arn};
    rc = db_run(d, &c);
    if (rc && rc != OT_ENOTFOUND)
        return;
    bool known = rc == OT_OK;
    ot_digest_tstate ts = c.ts;
    if (known && ts.active && !want) {
        db_call x = {.fn = q_deactivate, .arn = arn};
        if (db_run(d, &x))
            return;
        ts.active = false;
    }
    if (known && !ts.active) { /* final digests of every chain still open */
        db_call o = {.fn = q_open_chains, .arn = arn};
        if (!db_run(d, &o))
            run_chains(d, &ts, true);
    }
    if (!want || d->crashed)
        return;
    ot_digest_trail snap;
    snapshot(&t, &snap);
    if (!known || !ts.active) {
        int64_t now = now_ms(d);
        db_call a = {.fn = q_activate, .t = &snap, .ms = now - now % 1000};
        if (!db_run(d, &a))
            ot_info("digest: %s: digests started (starting digest in one interval)", arn);
    } else if (!same_place(&snap, &ts.t)) {
        db_call u = {.fn = q_update, .t = &snap};
        db_run(d, &u);
    }
}

/* ---- the rounds ---- */

/* Active trails in digest_trail (NULL on failure; *n set). */
static ot_digest_tstate *active_trails(ot_digest *d, size_t *n)
{
    db_call c = {.fn = q_trails};
    *n = 0;
    if (db_run(d, &c))
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < c.n; i++)
        if (c.tv[i].active)
            c.tv[k++] = c.tv[i];
    *n = k;
    return c.tv;
}

static void tick_locked(ot_digest *d)
{
    redo_pending(d, NULL, false);
    /* Logging validating trails without digests yet, and digests of trails that stopped
     * (normally started and ended by ot_digest_trail_changed; this catches the rest). */
    ot_trail *lt = NULL;
    size_t nl = 0, na = 0;
    if (ot_trail_list_logging(d->o.trails, &lt, &nl) == OT_OK)
        for (size_t i = 0; i < nl && !d->crashed; i++)
            if (lt[i].log_validation)
                reconcile(d, lt[i].arn);
    free(lt);
    ot_digest_tstate *at = d->crashed ? NULL : active_trails(d, &na);
    for (size_t i = 0; i < na && !d->crashed; i++)
        reconcile(d, at[i].t.arn);
    free(at);
    db_call o = {.fn = q_open_chains, .arn = NULL};
    if (d->crashed || db_run(d, &o))
        return;
    at = active_trails(d, &na);
    for (size_t i = 0; i < na && !d->crashed; i++)
        run_chains(d, &at[i], false);
    free(at);
}

void ot_digest_tick(ot_digest *d)
{
    pthread_mutex_lock(&d->mu);
    if (!d->crashed)
        tick_locked(d);
    pthread_mutex_unlock(&d->mu);
}

void ot_digest_trail_changed(ot_digest *d, const char *trail_arn)
{
    if (!d || !trail_arn)
        return;
    pthread_mutex_lock(&d->mu);
    if (!d->crashed) {
        redo_pending(d, trail_arn, true);
        reconcile(d, trail_arn);
    }
    pthread_mutex_unlock(&d->mu);
}

/* ---- thread and life cycle ---- */

static void *thread_main(void *arg)
{
    ot_digest *d = arg;
    int64_t period = d->o.interval_ms / 4;
    if (period > 1000)
        period = 1000;
    if (period < 100)
        period = 100;
    pthread_mutex_lock(&d->wmu);
    while (!d->stop) {
        pthread_mutex_unlock(&d->wmu);
        ot_digest_tick(d);
        pthread_mutex_lock(&d->wmu);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += period / 1000;
        ts.tv_nsec += (period % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        while (!d->stop && pthread_cond_timedwait(&d->wake, &d->wmu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&d->wmu);
    return NULL;
}

static void free_all(ot_digest *d)
{
    ot_buf_free(&d->body);
    ot_buf_free(&d->gz);
    free(d->retries);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->wmu);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

int ot_digest_start(const ot_digest_opts *opts, ot_digest **out)
{
    *out = NULL;
    ot_digest *d = calloc(1, sizeof *d);
    if (!d)
        return OT_ENOMEM;
    d->o = *opts;
    if (d->o.interval_ms <= 0)
        d->o.interval_ms = OT_DIGEST_DEFAULT_INTERVAL_MS;
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->wmu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &ca);
    pthread_condattr_destroy(&ca);
    ot_buf_init(&d->body, 0);
    ot_buf_init(&d->gz, 0);
    db_call c = {.fn = q_init};
    int rc = db_run(d, &c);
    if (!rc) {
        pthread_mutex_lock(&d->mu);
        redo_pending(d, NULL, true); /* interrupted digests first, before anything new */
        pthread_mutex_unlock(&d->mu);
    }
    if (!rc && !d->o.no_thread) {
        if (pthread_create(&d->thread, NULL, thread_main, d) != 0)
            rc = OT_EIO;
        else
            d->thread_started = true;
    }
    if (rc) {
        free_all(d);
        return rc;
    }
    *out = d;
    return OT_OK;
}

void ot_digest_stop(ot_digest *d)
{
    if (!d)
        return;
    if (d->thread_started) {
        pthread_mutex_lock(&d->wmu);
        d->stop = true;
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->wmu);
        pthread_join(d->thread, NULL);
    }
    free_all(d);
}
