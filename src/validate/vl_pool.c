/* vl_pool.c — hash every log file the digests reference, on every core.
 *
 * Workers take the next log item with an atomic counter, read the whole object, inflate its
 * first gzip member with igzip into a per-thread buffer, SHA-256 it and (optionally) check the
 * JSON inside. Each worker reuses its buffers, so a run allocates per thread, not per file. A
 * progress line on stderr (a TTY only) shows files and bytes done. */
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

typedef struct pool {
    vl_run *r;
    size_t *todo;          /* indexes of VL_IT_LOG items */
    size_t ntodo;
    atomic_size_t next;
    atomic_size_t done;
    atomic_ullong bytes;
    atomic_bool stop;
    int rc;
    pthread_mutex_t mu;
} pool;

static void check_one(pool *p, vl_item *it, vl_obj *obj, ot_buf *plain, ot_json_doc *doc)
{
    char err[256] = "", sha[65];
    int rc = p->r->src->ops->get(p->r->src, it->bucket, it->key, false, obj, err, sizeof err);
    it->valid = false;
    if (rc == OT_ENOTFOUND) {
        snprintf(it->reason, sizeof it->reason, "not found");
        return;
    }
    if (rc) {
        snprintf(it->reason, sizeof it->reason, "invalid format (%s)", err[0] ? err : ot_strerror(rc));
        return;
    }
    it->size = obj->data.len;
    atomic_fetch_add(&p->bytes, obj->data.len);
    ot_gz_status gz = ot_validate_inflate((const uint8_t *)obj->data.data, obj->data.len, plain,
                                          sha);
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

static void *worker(void *arg)
{
    pool *p = arg;
    vl_obj obj;
    ot_buf plain;
    vl_obj_init(&obj, VL_LOG_MAX);
    ot_buf_init(&plain, VL_LOG_MAX);
    ot_json_doc *doc = p->r->o->check_json ? ot_json_doc_new() : NULL;
    size_t i;
    while ((i = atomic_fetch_add(&p->next, 1)) < p->ntodo) {
        check_one(p, &p->r->items[p->todo[i]], &obj, &plain, doc);
        atomic_fetch_add(&p->done, 1);
    }
    ot_json_doc_free(doc);
    ot_buf_free(&plain);
    vl_obj_free(&obj);
    return NULL;
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
    pthread_t *th = calloc((size_t)jobs, sizeof *th), pt;
    int started = 0, rc = OT_OK;
    bool prog = show && isatty(2) && pthread_create(&pt, NULL, progress, &p) == 0;
    for (int i = 0; th && i < jobs; i++)
        if (pthread_create(&th[i], NULL, worker, &p) == 0)
            started++;
    if (!started) /* no thread could start: do it here */
        worker(&p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    atomic_store(&p.stop, true);
    if (prog)
        pthread_join(pt, NULL);
    free(th);
    free(p.todo);
    return rc;
}
