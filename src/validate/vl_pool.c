/* vl_pool.c — hash every log file the digests reference, on every core.
 *
 * Workers take the next log item, inflate its first gzip member with igzip into a per-thread
 * buffer, SHA-256 it and (optionally) check the JSON inside. From a directory each worker reads
 * its own files. From S3 one fetcher thread keeps many GetObjects in flight (the source's
 * fetch_many, a curl multi handle) and hands finished objects to the workers through a bounded
 * queue; the compressed bytes move by buffer swap, never copied, and the buffers are a fixed set
 * reused for the whole run. A progress line on stderr (a TTY only) shows files and bytes done. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/json.h"
#include "util/timeutil.h"
#include "validate/vl_int.h"

/* A fetched object on its way from the fetcher to a worker. */
typedef struct fetched {
    size_t item;
    int rc;
    char err[256];
    ot_buf data;
} fetched;

typedef struct pool {
    vl_run *r;
    size_t *todo;          /* indexes of VL_IT_LOG items */
    size_t ntodo;
    atomic_size_t next;
    atomic_size_t done;
    atomic_ullong bytes;
    atomic_bool stop;
    /* S3: the fetcher's queue (ready: fetched, not yet checked; spare: empty buffers) */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    fetched *ents;
    fetched **ready, **spare;
    size_t nents, rhead, rlen, nspare;
    bool fetch_over;
} pool;

/* Judges one fetched log file (rc/err: the fetch; data: its compressed bytes). */
static void check_one(pool *p, vl_item *it, int rc, const char *err, const ot_buf *data,
                      ot_buf *plain, ot_json_doc *doc)
{
    char sha[65];
    it->valid = false;
    if (rc == OT_ENOTFOUND) {
        snprintf(it->reason, sizeof it->reason, "not found");
        return;
    }
    if (rc) {
        snprintf(it->reason, sizeof it->reason, "invalid format (%s)", err[0] ? err : ot_strerror(rc));
        return;
    }
    it->size = data->len;
    atomic_fetch_add(&p->bytes, data->len);
    ot_gz_status gz = ot_validate_inflate((const uint8_t *)data->data, data->len, plain, sha);
    if (gz == OT_GZ_BAD) {
        snprintf(it->reason, sizeof it->reason, "invalid format (not a gzip stream, or corrupt)");
        return;
    }
    if (strcmp(sha, it->hash)) {
        snprintf(it->reason, sizeof it->reason, "hash value doesn't match%s",
                 gz == OT_GZ_TRUNCATED ? " (gzip stream truncated)" : "");
        return;
    }
    if (gz == OT_GZ_TRUNCATED) {
        snprintf(it->reason, sizeof it->reason, "invalid format (gzip stream truncated)");
        return;
    }
    if (gz == OT_GZ_TRAILING) {
        snprintf(it->reason, sizeof it->reason, "unexpected data after end of compressed stream");
        return;
    }
    const char *why = doc ? ot_validate_log_json(doc, plain->data, plain->len) : NULL;
    if (why) {
        snprintf(it->reason, sizeof it->reason, "invalid format (log is not {\"Records\":[...]}: %s)",
                 why);
        return;
    }
    it->valid = true;
}

/* Directory sources: each worker reads its own files. */
static void *worker_read(void *arg)
{
    pool *p = arg;
    vl_obj obj;
    ot_buf plain;
    vl_obj_init(&obj, VL_LOG_MAX);
    ot_buf_init(&plain, VL_LOG_MAX);
    ot_json_doc *doc = p->r->o->check_json ? ot_json_doc_new() : NULL;
    size_t i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->ntodo) {
        vl_item *it = &p->r->items[p->todo[i]];
        char err[256] = "";
        int rc = p->r->src->ops->get(p->r->src, it->bucket, it->key, false, &obj, err, sizeof err);
        check_one(p, it, rc, err, &obj.data, &plain, doc);
        atomic_fetch_add(&p->done, 1);
    }
    ot_json_doc_free(doc);
    ot_buf_free(&plain);
    vl_obj_free(&obj);
    return NULL;
}

/* ---- S3: the fetcher and the workers it feeds ---- */

static bool sink_next(void *ctx, const char **bucket, const char **key, size_t *tag)
{
    pool *p = ctx;
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->ntodo)
        return false;
    vl_item *it = &p->r->items[p->todo[i]];
    *bucket = it->bucket;
    *key = it->key;
    *tag = p->todo[i];
    return true;
}

/* Swaps the finished object's buffer with a spare one and queues it (waits for a spare). */
static void sink_done(void *ctx, size_t tag, int rc, vl_obj *obj, const char *err)
{
    pool *p = ctx;
    pthread_mutex_lock(&p->mu);
    while (!p->nspare)
        pthread_cond_wait(&p->cond, &p->mu);
    fetched *f = p->spare[--p->nspare];
    ot_buf t = f->data;
    f->data = obj->data;
    obj->data = t;
    f->item = tag;
    f->rc = rc;
    snprintf(f->err, sizeof f->err, "%s", err ? err : "");
    p->ready[(p->rhead + p->rlen++) % p->nents] = f;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void *fetcher(void *arg)
{
    pool *p = arg;
    vl_fetch_sink sink = {sink_next, sink_done, p};
    int rc = p->r->src->ops->fetch_many(p->r->src, &sink, p->r->o->inflight);
    pthread_mutex_lock(&p->mu);
    p->fetch_over = true;
    if (rc) /* whatever was never fetched is reported as such */
        atomic_store(&p->next, p->ntodo);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void *worker_fed(void *arg)
{
    pool *p = arg;
    ot_buf plain;
    ot_buf_init(&plain, VL_LOG_MAX);
    ot_json_doc *doc = p->r->o->check_json ? ot_json_doc_new() : NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->rlen && !p->fetch_over)
            pthread_cond_wait(&p->cond, &p->mu);
        if (!p->rlen)
            break;
        fetched *f = p->ready[p->rhead];
        p->rhead = (p->rhead + 1) % p->nents;
        p->rlen--;
        pthread_mutex_unlock(&p->mu);
        check_one(p, &p->r->items[f->item], f->rc, f->err, &f->data, &plain, doc);
        atomic_fetch_add(&p->done, 1);
        pthread_mutex_lock(&p->mu);
        p->spare[p->nspare++] = f;
        pthread_cond_broadcast(&p->cond);
    }
    pthread_mutex_unlock(&p->mu);
    ot_json_doc_free(doc);
    ot_buf_free(&plain);
    return NULL;
}

static int queue_init(pool *p, size_t n)
{
    p->nents = n;
    p->ents = calloc(n, sizeof *p->ents);
    p->ready = calloc(n, sizeof *p->ready);
    p->spare = calloc(n, sizeof *p->spare);
    if (!p->ents || !p->ready || !p->spare)
        return OT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        ot_buf_init(&p->ents[i].data, VL_LOG_MAX);
        p->spare[p->nspare++] = &p->ents[i];
    }
    return OT_OK;
}

static void queue_free(pool *p)
{
    for (size_t i = 0; p->ents && i < p->nents; i++)
        ot_buf_free(&p->ents[i].data);
    free(p->ents);
    free(p->ready);
    free(p->spare);
}

static void *progress(void *arg)
{
    pool *p = arg;
    int64_t t0 = ot_monotonic_ms();
    while (!atomic_load(&p->stop)) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        size_t d = atomic_load(&p->done);
        double mb = (double)atomic_load(&p->bytes) / 1e6;
        double s = (double)(ot_monotonic_ms() - t0) / 1000.0;
        int pct = p->ntodo ? (int)(100.0 * (double)d / (double)p->ntodo) : 100;
        char bar[31];
        memset(bar, ' ', 30);
        memset(bar, '#', (size_t)(pct * 30 / 100));
        bar[30] = '\0';
        fprintf(stderr, "\r[%s] %3d%%  %zu/%zu log files  %.0f MB  %.0f MB/s ", bar, pct, d,
                p->ntodo, mb, s > 0 ? mb / s : 0.0);
        fflush(stderr);
    }
    fprintf(stderr, "\r%80s\r", "");
    return NULL;
}

int vl_pool_run(vl_run *r, int jobs, bool show)
{
    pool p;
    memset(&p, 0, sizeof p);
    p.r = r;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cond, NULL);
    p.todo = calloc(r->nitems + 1, sizeof *p.todo);
    if (!p.todo)
        return OT_ENOMEM;
    for (size_t i = 0; i < r->nitems; i++)
        if (r->items[i].type == VL_IT_LOG)
            p.todo[p.ntodo++] = i;
    if (jobs <= 0)
        jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;
    if ((size_t)jobs > p.ntodo)
        jobs = p.ntodo ? (int)p.ntodo : 1;
    bool fed = r->src->ops->fetch_many && p.ntodo > 0;
    int rc = fed ? queue_init(&p, (size_t)(r->o->inflight > 0 ? r->o->inflight : 1) +
                                      2 * (size_t)jobs)
                 : OT_OK;
    pthread_t *th = calloc((size_t)jobs, sizeof *th), pt, ft;
    int started = 0;
    bool prog = !rc && show && isatty(2) && pthread_create(&pt, NULL, progress, &p) == 0;
    bool fetching = !rc && fed && pthread_create(&ft, NULL, fetcher, &p) == 0;
    if (!rc && fed && !fetching)
        rc = OT_ENOMEM;
    for (int i = 0; !rc && th && i < jobs; i++)
        if (pthread_create(&th[i], NULL, fed ? worker_fed : worker_read, &p) == 0)
            started++;
    if (!rc && !started) /* no thread could start: do it here */
        (fed ? worker_fed : worker_read)(&p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (fetching)
        pthread_join(ft, NULL);
    atomic_store(&p.stop, true);
    if (prog)
        pthread_join(pt, NULL);
    /* log files the fetcher never got to (it failed): say so rather than pass them */
    for (size_t i = 0; fed && i < p.ntodo; i++) {
        vl_item *it = &r->items[p.todo[i]];
        if (!it->valid && !it->reason[0])
            snprintf(it->reason, sizeof it->reason, "invalid format (not fetched)");
    }
    free(th);
    free(p.todo);
    queue_free(&p);
    pthread_cond_destroy(&p.cond);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
