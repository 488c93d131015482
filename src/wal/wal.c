/* wal.c — opening (with recovery) and closing the log, and the group-commit write path.
 *
 * Appenders queue a wal_pending on their own stack and sleep. One flusher thread takes the whole
 * queue, assigns LSNs, writes the group with one pwritev per segment, fdatasyncs once per segment
 * touched, publishes the new durable LSN, wakes the cursors' readers (wal_cursor.c), then wakes
 * the appenders.
 *
 * Failure policy (docs/internals/WAL.md): if a write fails, the group's bytes are truncated
 * away and its appenders get OT_EIO; the log stays usable. If an fdatasync fails, the group is
 * truncated away as well, but the WAL is marked failed for good (the kernel may have dropped the
 * dirty pages and cleared the error, so a later sync proves nothing): every later append gets
 * OT_EIO until the log is reopened. Failed records are never published, never seen by a
 * cursor, and their LSNs are reused by the next successful group. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"
#include "util/vec.h"
#include "wal/wal_int.h"

/* Payloads up to this size are copied next to their header, so a group of small records is one
 * contiguous buffer; bigger ones are written from the appender's memory through their own iovec. */
#define WAL_STAGE_MAX_PAYLOAD (16u << 10)

OT_COUNTER(m_records, "opentrail_wal_records_appended_total",
           "Records made durable in the WAL (events and audit records).");
OT_COUNTER(m_commits, "opentrail_wal_group_commits_total",
           "Group commits of the WAL: each writes every waiting append and syncs once.");
OT_HISTOGRAM(m_fsync, "opentrail_wal_fsync_duration_seconds",
             "Time of one fdatasync of a WAL segment.", 1e6, OT_LATENCY_US_BOUNDS);

typedef struct wal_pending {
    const void *const *payloads;
    const size_t *lens;
    size_t n;
    uint64_t first_lsn;
    int rc;
    bool done;
    pthread_cond_t cv; /* only this appender is woken: waiters of the next group sleep on */
    struct wal_pending *next;
} wal_pending;

/* A segment written by the current group: the active one, then any it rolled into. */
typedef struct wal_gseg {
    int fd;
    uint64_t first_lsn;
    uint64_t start_size, size, written;
    uint64_t last_lsn;
    uint64_t records;
} wal_gseg;

struct ot_wal {
    char *dir;
    uint64_t segment_bytes;
    bool no_sync;
    int lock_fd;

    pthread_mutex_t mu;
    pthread_cond_t work_cv;
    pthread_t flusher;
    bool flusher_started;
    wal_pending *head, *tail;
    bool closing;
    bool failed;
    pthread_cond_t durable_cv; /* cursors' readers wait here for new durable records */
    /* When each recent group became durable, for the cursors' lag in seconds: a ring of
     * (last LSN of the group, wall-clock ms), oldest at ring_head. */
    wal_commit_mark ring[WAL_COMMIT_RING];
    size_t ring_head, ring_len;
    wal_cursor_tab cursors;
    /* Published under mu for readers and release; segs[nsegs - 1] is the active segment and its
     * valid_bytes is the durable end. */
    wal_seg *segs;
    size_t nsegs, segcap;
    uint64_t durable_lsn;

    /* Flusher-only state, reused across groups. */
    int active_fd;
    wal_gseg *gsegs;
    size_t ngsegs, gsegcap;
    char *stage;
    size_t stagecap, stagelen;
    struct iovec *iov;
    size_t iovcap, niov;
};

/* ---- published state (callers hold mu) ---- */

static int segs_push(ot_wal *w, const wal_seg *s)
{
    if (OT_VEC_GROW(w->segs, w->segcap, w->nsegs + 1))
        return OT_ENOMEM;
    w->segs[w->nsegs++] = *s;
    return OT_OK;
}

/* ---- group building ---- */

static int group_reserve(ot_wal *w, const wal_pending *batch)
{
    size_t stage = 0, recs = 0;
    for (const wal_pending *p = batch; p; p = p->next)
        for (size_t i = 0; i < p->n; i++) {
            stage += WAL_REC_HDR + (p->lens[i] <= WAL_STAGE_MAX_PAYLOAD ? p->lens[i] : 0);
            recs++;
        }
    if (OT_VEC_GROW(w->stage, w->stagecap, stage) ||
        OT_VEC_GROW(w->iov, w->iovcap, 2 * recs + 1))
        return OT_ENOMEM;
    w->stagelen = 0;
    w->niov = 0;
    return OT_OK;
}

/* Adds bytes to the iovec list, extending the previous entry when they are contiguous. */
static void iov_add(ot_wal *w, const void *p, size_t n)
{
    struct iovec *last = w->niov ? &w->iov[w->niov - 1] : NULL;
    if (last && (const char *)last->iov_base + last->iov_len == (const char *)p) {
        last->iov_len += n;
        return;
    }
    w->iov[w->niov].iov_base = (void *)p;
    w->iov[w->niov].iov_len = n;
    w->niov++;
}

static void group_add(ot_wal *w, wal_gseg *g, uint64_t lsn, const void *payload, size_t len)
{
    char *h = w->stage + w->stagelen;
    wal_rec_header((unsigned char *)h, lsn, payload, (uint32_t)len);
    w->stagelen += WAL_REC_HDR;
    iov_add(w, h, WAL_REC_HDR);
    if (len <= WAL_STAGE_MAX_PAYLOAD) {
        if (len)
            memcpy(w->stage + w->stagelen, payload, len);
        iov_add(w, w->stage + w->stagelen, len);
        w->stagelen += len;
    } else {
        iov_add(w, payload, len);
    }
    g->size += WAL_REC_HDR + len;
    g->last_lsn = lsn;
    g->records++;
}

/* Writes the iovecs gathered for segment g (one pwritev unless the group is huge). */
static int group_emit(ot_wal *w, wal_gseg *g)
{
    if (!w->niov)
        return OT_OK;
    int rc = ot_sys_pwritev_all(g->fd, w->iov, (int)w->niov, g->written);
    w->niov = 0;
    if (rc)
        return rc;
    g->written = g->size;
    return OT_OK;
}

static int gseg_push(ot_wal *w, int fd, uint64_t first_lsn, uint64_t size, uint64_t last_lsn)
{
    if (OT_VEC_GROW(w->gsegs, w->gsegcap, w->ngsegs + 1))
        return OT_ENOMEM;
    w->gsegs[w->ngsegs++] = (wal_gseg){fd, first_lsn, size, size, size, last_lsn, 0};
    return OT_OK;
}

static int sync_fd(ot_wal *w, int fd)
{
    if (w->no_sync)
        return OT_OK;
    uint64_t t0 = ot_metrics_now_us();
    int rc = ot_sys->fdatasync(fd) ? OT_EIO : OT_OK;
    ot_metric_observe(&m_fsync, ot_metrics_now_us() - t0);
    return rc;
}

/* Seals the current segment (written and synced) and starts a new one at lsn. */
static int group_roll(ot_wal *w, uint64_t lsn, bool *sync_failed)
{
    wal_gseg *g = &w->gsegs[w->ngsegs - 1];
    int rc = group_emit(w, g);
    if (rc)
        return rc;
    if ((rc = sync_fd(w, g->fd))) {
        *sync_failed = true;
        return rc;
    }
    int fd;
    if ((rc = wal_seg_create(w->dir, lsn, !w->no_sync, &fd)))
        return rc;
    if ((rc = gseg_push(w, fd, lsn, WAL_SEG_HDR, lsn - 1))) {
        char path[4096];
        ot_sys->close(fd);
        if (!wal_seg_path(path, sizeof path, w->dir, lsn))
            ot_sys->unlink(path);
    }
    return rc;
}

static int group_write(ot_wal *w, wal_pending *batch, uint64_t lsn, bool *sync_failed)
{
    int rc;
    for (wal_pending *p = batch; p; p = p->next) {
        p->first_lsn = lsn;
        for (size_t i = 0; i < p->n; i++, lsn++) {
            wal_gseg *g = &w->gsegs[w->ngsegs - 1];
            if (g->size >= w->segment_bytes && g->last_lsn >= g->first_lsn) { /* full and not empty */
                if ((rc = group_roll(w, lsn, sync_failed)))
                    return rc;
                g = &w->gsegs[w->ngsegs - 1];
            }
            group_add(w, g, lsn, p->payloads[i], p->lens[i]);
        }
    }
    wal_gseg *last = &w->gsegs[w->ngsegs - 1];
    if ((rc = group_emit(w, last)))
        return rc;
    if ((rc = sync_fd(w, last->fd)))
        *sync_failed = true;
    return rc;
}

/* Takes the group's bytes back off the disk so that no later open finds them. */
static int group_undo(ot_wal *w)
{
    int rc = OT_OK;
    for (size_t i = w->ngsegs; i-- > 1;) {
        char path[4096];
        ot_sys->close(w->gsegs[i].fd);
        if (wal_seg_path(path, sizeof path, w->dir, w->gsegs[i].first_lsn) || ot_sys->unlink(path))
            rc = OT_EIO;
    }
    if (w->ngsegs > 1 && ot_sys_fsync_dir(w->dir))
        rc = OT_EIO;
    wal_gseg *g = &w->gsegs[0];
    if (g->size > g->start_size &&
        (ot_sys->ftruncate(g->fd, (off_t)g->start_size) || (!w->no_sync && ot_sys->fdatasync(g->fd))))
        rc = OT_EIO;
    w->ngsegs = 1;
    return rc;
}

static void ring_push(ot_wal *w, uint64_t lsn, int64_t ms)
{
    size_t i = (w->ring_head + w->ring_len) % WAL_COMMIT_RING;
    if (w->ring_len == WAL_COMMIT_RING)
        w->ring_head = (w->ring_head + 1) % WAL_COMMIT_RING;
    else
        w->ring_len++;
    w->ring[i] = (wal_commit_mark){lsn, ms};
}

/* Makes the group visible: durable LSN and segment table, then seals rolled-over segments. */
static void group_publish(ot_wal *w)
{
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->ngsegs; i++) {
        wal_gseg *g = &w->gsegs[i];
        wal_seg s = {.first_lsn = g->first_lsn, .last_lsn = g->last_lsn, .valid_bytes = g->size,
                     .file_bytes = g->size};
        if (i == 0) {
            wal_seg *a = &w->segs[w->nsegs - 1];
            a->last_lsn = g->last_lsn;
            a->records += g->records;
            a->valid_bytes = a->file_bytes = g->size;
        } else {
            s.records = g->records;
            if (segs_push(w, &s)) /* only the table for readers is short; the data is durable */
                ot_error("wal: out of memory recording segment %" PRIu64, g->first_lsn);
        }
        w->durable_lsn = g->last_lsn > w->durable_lsn ? g->last_lsn : w->durable_lsn;
    }
    ring_push(w, w->durable_lsn, ot_now_ms());
    pthread_cond_broadcast(&w->durable_cv);
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i + 1 < w->ngsegs; i++)
        ot_sys->close(w->gsegs[i].fd);
    w->active_fd = w->gsegs[w->ngsegs - 1].fd;
}

static int group_commit(ot_wal *w, wal_pending *batch)
{
    bool sync_failed = false;
    pthread_mutex_lock(&w->mu); /* release may be moving the table */
    wal_seg a = w->segs[w->nsegs - 1];
    pthread_mutex_unlock(&w->mu);
    w->ngsegs = 0;
    int rc = gseg_push(w, w->active_fd, a.first_lsn, a.valid_bytes, a.last_lsn);
    if (!rc)
        rc = group_reserve(w, batch);
    if (!rc)
        rc = group_write(w, batch, w->durable_lsn + 1, &sync_failed);
    if (!rc) {
        group_publish(w);
        ot_metric_inc(&m_commits);
        return OT_OK;
    }
    int err = errno;
    ot_error("wal: group commit failed (%s: %s); %s", ot_strerror(rc), strerror(err),
             sync_failed ? "the log is now read-only until reopened" : "the group was discarded");
    if (w->ngsegs && group_undo(w)) {
        ot_error("wal: could not take the failed group back off disk: %s", strerror(errno));
        sync_failed = true;
    }
    if (sync_failed) {
        pthread_mutex_lock(&w->mu);
        w->failed = true;
        pthread_mutex_unlock(&w->mu);
    }
    return rc == OT_ENOMEM ? OT_ENOMEM : OT_EIO;
}

static void *flusher_main(void *arg)
{
    ot_wal *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->closing)
            pthread_cond_wait(&w->work_cv, &w->mu);
        wal_pending *batch = w->head;
        w->head = w->tail = NULL;
        bool failed = w->failed;
        pthread_mutex_unlock(&w->mu);
        if (!batch)
            break; /* closing and drained */
        int rc = failed ? OT_EIO : group_commit(w, batch);
        pthread_mutex_lock(&w->mu);
        for (wal_pending *p = batch, *next; p; p = next) {
            next = p->next; /* p lives on its appender's stack: do not touch it once done */
            p->rc = rc;
            p->done = true;
            pthread_cond_signal(&p->cv);
        }
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

/* ---- public API ---- */

int ot_wal_append(ot_wal *w, const void *const *payloads, const size_t *lens, size_t n, uint64_t *first_lsn)
{
    if (!w || !payloads || !lens || !n)
        return OT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] > OT_WAL_MAX_RECORD)
            return OT_ELIMIT;
        if (lens[i] && !payloads[i])
            return OT_EINVAL;
    }
    wal_pending p = {.payloads = payloads, .lens = lens, .n = n};
    pthread_mutex_lock(&w->mu);
    if (w->closing || w->failed) {
        int rc = w->closing ? OT_ECLOSED : OT_EIO;
        pthread_mutex_unlock(&w->mu);
        return rc;
    }
    pthread_cond_init(&p.cv, NULL);
    if (w->tail)
        w->tail->next = &p;
    else
        w->head = &p;
    w->tail = &p;
    pthread_cond_signal(&w->work_cv);
    while (!p.done)
        pthread_cond_wait(&p.cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    pthread_cond_destroy(&p.cv);
    if (!p.rc)
        ot_metric_add(&m_records, n);
    if (!p.rc && first_lsn)
        *first_lsn = p.first_lsn;
    return p.rc;
}

uint64_t ot_wal_durable_lsn(ot_wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t v = w->durable_lsn;
    pthread_mutex_unlock(&w->mu);
    return v;
}

bool ot_wal_failed(ot_wal *w)
{
    pthread_mutex_lock(&w->mu);
    bool v = w->failed;
    pthread_mutex_unlock(&w->mu);
    return v;
}

/* ---- open / close ---- */

static void wal_free(ot_wal *w)
{
    if (w->active_fd >= 0)
        ot_sys->close(w->active_fd);
    if (w->lock_fd >= 0)
        ot_sys->close(w->lock_fd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->durable_cv);
    wal_cursors_free(&w->cursors);
    free(w->segs);
    free(w->gsegs);
    free(w->stage);
    free(w->iov);
    free(w->dir);
    free(w);
}

static ot_wal *wal_alloc(const ot_wal_opts *opts)
{
    ot_wal *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->active_fd = w->lock_fd = -1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->durable_cv, &ca);
    pthread_condattr_destroy(&ca);
    w->segment_bytes = opts->segment_bytes ? opts->segment_bytes : WAL_DEFAULT_SEGMENT;
    w->no_sync = opts->no_sync;
    if (!(w->dir = strdup(opts->dir))) {
        wal_free(w);
        return NULL;
    }
    return w;
}

/* Scans the directory, truncates a torn tail, refuses any other damage. */
static int recover(ot_wal *w, ot_wal_recovery *rec)
{
    wal_dirscan s;
    int rc = wal_scan_dir(w->dir, &s);
    if (rc) {
        snprintf(rec->detail, sizeof rec->detail, "cannot scan %s: %s", w->dir, strerror(errno));
        return rc;
    }
    wal_dirscan_summary(&s, rec);
    if (s.first_bad < s.nsegs && !s.torn) {
        size_t n = strlen(rec->detail);
        snprintf(rec->detail + n, sizeof rec->detail - n, "; run `opentrail wal check --repair`");
        rc = OT_ECORRUPT;
        goto out;
    }
    if (s.torn) {
        size_t orphaned;
        rec->torn_tail = true;
        if ((rc = wal_repair(w->dir, &s, &rec->truncated_bytes, &orphaned))) {
            snprintf(rec->detail, sizeof rec->detail, "cannot truncate the torn tail: %s", strerror(errno));
            goto out;
        }
        ot_warn("wal: %s; cut %" PRIu64 " bytes", rec->detail, rec->truncated_bytes);
        wal_seg *g = &s.segs[s.nsegs - 1];
        if (g->damage == WAL_DMG_SHORT_HEADER) /* rewritten as an empty segment */
            g->valid_bytes = WAL_SEG_HDR;
        g->damage = WAL_OK;
        g->file_bytes = g->valid_bytes;
    }
    for (size_t i = 0; i < s.nsegs && !rc; i++)
        rc = segs_push(w, &s.segs[i]);
out:
    wal_dirscan_free(&s);
    return rc;
}

static int open_active(ot_wal *w)
{
    int rc;
    if (!w->nsegs) {
        wal_seg s = {.first_lsn = 1, .last_lsn = 0, .valid_bytes = WAL_SEG_HDR, .file_bytes = WAL_SEG_HDR};
        if ((rc = wal_seg_create(w->dir, 1, !w->no_sync, &w->active_fd)))
            return rc;
        return segs_push(w, &s);
    }
    char path[4096];
    const wal_seg *a = &w->segs[w->nsegs - 1];
    if ((rc = wal_seg_path(path, sizeof path, w->dir, a->first_lsn)))
        return rc;
    w->active_fd = ot_sys->open(path, O_WRONLY, 0);
    return w->active_fd < 0 ? OT_EIO : OT_OK;
}

int ot_wal_open(const ot_wal_opts *opts, ot_wal **out, ot_wal_recovery *rec)
{
    ot_wal_recovery scratch;
    if (!rec)
        rec = &scratch;
    memset(rec, 0, sizeof *rec);
    *out = NULL;
    if (!opts || !opts->dir || !*opts->dir)
        return OT_EINVAL;
    ot_wal *w = wal_alloc(opts);
    if (!w)
        return OT_ENOMEM;
    int rc = ot_sys_mkdir_p(w->dir, 0700);
    if (rc) {
        snprintf(rec->detail, sizeof rec->detail, "cannot create %s: %s", w->dir, strerror(errno));
        goto out;
    }
    if ((rc = wal_lock(w->dir, &w->lock_fd))) {
        if (rc == OT_EEXIST)
            wal_lock_busy_detail(w->dir, rec->detail, sizeof rec->detail);
        else
            snprintf(rec->detail, sizeof rec->detail, "%s: %s", w->dir, strerror(errno));
        goto out;
    }
    if ((rc = recover(w, rec)))
        goto out;
    if ((rc = open_active(w))) {
        snprintf(rec->detail, sizeof rec->detail, "cannot open the active segment: %s", strerror(errno));
        goto out;
    }
    rec->segments = w->nsegs;
    w->durable_lsn = w->segs[w->nsegs - 1].last_lsn;
    ring_push(w, w->durable_lsn, ot_now_ms()); /* older records: at least as old as this open */
    if ((rc = wal_cursors_load(w->dir, true, &w->cursors))) {
        snprintf(rec->detail, sizeof rec->detail, "cannot read the cursors in %s/%s: %s", w->dir,
                 WAL_CURSOR_DIR, strerror(errno));
        goto out;
    }
    if (pthread_create(&w->flusher, NULL, flusher_main, w)) {
        rc = OT_EIO;
        snprintf(rec->detail, sizeof rec->detail, "cannot start the flusher thread");
        goto out;
    }
    w->flusher_started = true;
    *out = w;
    w = NULL;
out:
    if (w)
        wal_free(w);
    return rc;
}

void ot_wal_close(ot_wal *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->closing = true;
    pthread_cond_signal(&w->work_cv);
    pthread_cond_broadcast(&w->durable_cv);
    pthread_mutex_unlock(&w->mu);
    if (w->flusher_started)
        pthread_join(w->flusher, NULL);
    wal_free(w);
}

/* ---- accessors for wal_read.c ---- */

int wal_snapshot(ot_wal *w, wal_seg **segs, size_t *n, uint64_t *durable)
{
    pthread_mutex_lock(&w->mu);
    *n = w->nsegs;
    *durable = w->durable_lsn;
    *segs = malloc(w->nsegs * sizeof **segs);
    if (*segs)
        memcpy(*segs, w->segs, w->nsegs * sizeof **segs);
    pthread_mutex_unlock(&w->mu);
    return *segs ? OT_OK : OT_ENOMEM;
}

const char *wal_dir(const ot_wal *w) { return w->dir; }

/* Drops the leading segments whose records are all below keep_from (never the active one) from
 * the table; their first LSNs go to *lsns for the caller to unlink. */
int wal_detach_old(ot_wal *w, uint64_t keep_from, uint64_t **lsns, size_t *n)
{
    pthread_mutex_lock(&w->mu);
    size_t k = 0;
    while (k + 1 < w->nsegs && w->segs[k].last_lsn < keep_from)
        k++;
    *n = k;
    *lsns = k ? malloc(k * sizeof **lsns) : NULL;
    if (k && !*lsns) {
        pthread_mutex_unlock(&w->mu);
        return OT_ENOMEM;
    }
    for (size_t i = 0; i < k; i++)
        (*lsns)[i] = w->segs[i].first_lsn;
    memmove(w->segs, w->segs + k, (w->nsegs - k) * sizeof *w->segs);
    w->nsegs -= k;
    pthread_mutex_unlock(&w->mu);
    return OT_OK;
}

/* ---- for wal_cursor.c and wal_runner.c ---- */

void wal_deadline(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = (int64_t)ts->tv_nsec + (int64_t)ms * 1000000;
    ts->tv_sec += (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

wal_cursor_tab *wal_cursors(ot_wal *w) { return &w->cursors; }

/* Sleeps until a record past `after` is durable, *kick is set (then cleared), the log closes
 * or timeout_ms pass. Returns 1 if records are there, 0 otherwise, OT_ECLOSED when closing. */
int wal_wait_durable(ot_wal *w, uint64_t after, bool *kick, int timeout_ms)
{
    struct timespec ts;
    wal_deadline(&ts, timeout_ms);
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (timeout_ms > 0 && w->durable_lsn <= after && !*kick && !w->closing)
        if (pthread_cond_timedwait(&w->durable_cv, &w->mu, &ts) == ETIMEDOUT)
            break;
    if (w->closing)
        rc = OT_ECLOSED;
    else if (w->durable_lsn > after)
        rc = 1;
    *kick = false;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void wal_kick(ot_wal *w, bool *kick)
{
    pthread_mutex_lock(&w->mu);
    *kick = true;
    pthread_cond_broadcast(&w->durable_cv);
    pthread_mutex_unlock(&w->mu);
}

/* When lsn became durable (wall-clock ms): the mark of the first group ending at or after it.
 * For a record older than the ring (or than this open) the oldest mark is a lower bound of its
 * age. 0 if lsn is not durable. */
int64_t wal_durable_time(ot_wal *w, uint64_t lsn)
{
    pthread_mutex_lock(&w->mu);
    int64_t t = 0;
    if (lsn <= w->durable_lsn && w->ring_len) {
        size_t lo = 0, hi = w->ring_len - 1; /* the ring is sorted by LSN */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (w->ring[(w->ring_head + mid) % WAL_COMMIT_RING].lsn >= lsn)
                hi = mid;
            else
                lo = mid + 1;
        }
        t = w->ring[(w->ring_head + lo) % WAL_COMMIT_RING].ms;
    }
    pthread_mutex_unlock(&w->mu);
    return t;
}

int wal_seg_find(ot_wal *w, uint64_t lsn, wal_seg *out)
{
    pthread_mutex_lock(&w->mu);
    int found = lsn <= w->durable_lsn;
    if (found) {
        size_t i = w->nsegs;
        while (i > 1 && w->segs[i - 1].first_lsn > lsn)
            i--;
        *out = w->segs[i - 1];
    }
    pthread_mutex_unlock(&w->mu);
    return found;
}

uint64_t wal_first_lsn(ot_wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t v = w->nsegs ? w->segs[0].first_lsn : 0;
    pthread_mutex_unlock(&w->mu);
    return v;
}
