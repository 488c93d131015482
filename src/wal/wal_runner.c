/* wal_runner.c — the reader runner: one thread per reader that waits on its cursor, hands the
 * records over in batches, commits after each batch that succeeded and retries one that
 * failed after a backoff. A reader then is a definition and a callback (wal_cursor.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "wal/wal_int.h"

#define RUNNER_BATCH 1024
#define RUNNER_IDLE_MS 1000
#define RUNNER_BACKOFF_MIN_MS 100
#define RUNNER_BACKOFF_MAX_MS 5000

struct ot_wal_reader {
    ot_wal_reader_def def;
    char name[OT_WAL_CURSOR_NAME_MAX + 1];
    ot_wal_cursor *c;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    uint64_t done_lsn;        /* last record handed over successfully (maybe not committed) */
    int64_t next_commit_mono; /* with commit_every_ms: no lazy commit before this */
    /* the batch: payloads copied into arena, recs[i].payload set once it stops moving */
    ot_buf arena;
    ot_wal_record *recs;
    size_t *offs;
    size_t n;
};

static int collect(void *ctx, uint64_t lsn, const void *payload, size_t len)
{
    ot_wal_reader *r = ctx;
    size_t off = r->arena.len;
    if (ot_buf_append(&r->arena, payload, len))
        return OT_ENOMEM;
    r->recs[r->n] = (ot_wal_record){lsn, NULL, len};
    r->offs[r->n++] = off;
    return 0;
}

/* Reads the next batch; returns its size or an error. */
static int read_batch(ot_wal_reader *r)
{
    ot_buf_reset(&r->arena);
    r->n = 0;
    int rc = ot_wal_cursor_read(r->c, r->def.batch_max, collect, r);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < r->n; i++)
        r->recs[i].payload = r->arena.data + r->offs[i];
    return (int)r->n;
}

static bool stopping(ot_wal_reader *r)
{
    pthread_mutex_lock(&r->mu);
    bool s = r->stop;
    pthread_mutex_unlock(&r->mu);
    return s;
}

static void sleep_ms(ot_wal_reader *r, int ms)
{
    struct timespec ts;
    wal_deadline(&ts, ms);
    pthread_mutex_lock(&r->mu);
    while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&r->mu);
}

/* Commits what was handed over; unless forced, a lazy reader commits only when it is due. */
static int commit_done(ot_wal_reader *r, bool force)
{
    if (r->done_lsn <= ot_wal_cursor_committed(r->c))
        return OT_OK;
    int64_t now = ot_monotonic_ms();
    if (!force && r->def.commit_every_ms && now < r->next_commit_mono)
        return OT_OK;
    r->next_commit_mono = now + r->def.commit_every_ms;
    return ot_wal_cursor_commit(r->c, r->done_lsn);
}

/* One batch: read, hand over, commit. > 0 records done, 0 none, < 0 failed (retry). */
static int run_batch(ot_wal_reader *r)
{
    int n = read_batch(r);
    if (n <= 0)
        return n < 0 ? n : commit_done(r, true);
    int rc = r->def.batch(r->def.ctx, r->recs, r->n);
    if (!rc) {
        r->done_lsn = r->recs[r->n - 1].lsn;
        rc = commit_done(r, false);
    }
    if (rc) {
        ot_wal_cursor_seek(r->c, r->done_lsn + 1); /* this batch again, not the ones before */
        return rc < 0 ? rc : OT_EIO;
    }
    return n;
}

/* Lowers the calling thread's CPU priority by nice (Linux: a thread id in PRIO_PROCESS names
 * that thread alone). Failing to is not an error: the reader just competes as an equal. */
static void lower_priority(const char *name, int nice)
{
    if (nice <= 0)
        return;
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int now = getpriority(PRIO_PROCESS, tid);
    if ((now == -1 && errno) || setpriority(PRIO_PROCESS, tid, now + nice > 19 ? 19 : now + nice))
        ot_warn("wal reader %s: cannot lower its CPU priority: %s", name, strerror(errno));
}

static void *runner_main(void *arg)
{
    ot_wal_reader *r = arg;
    lower_priority(r->name, r->def.nice);
    int backoff = 0, failures = 0;
    bool idle_again = false;
    while (!stopping(r)) {
        int w = ot_wal_cursor_wait(r->c, idle_again ? 0 : r->def.idle_ms);
        if (w == OT_ECLOSED || stopping(r))
            break;
        int n = run_batch(r);
        if (n < 0) {
            if (failures++ % 50 == 0)
                ot_error("wal reader %s: %s; retrying", r->name, ot_strerror(n));
            backoff = backoff ? backoff * 2 : RUNNER_BACKOFF_MIN_MS;
            if (backoff > RUNNER_BACKOFF_MAX_MS)
                backoff = RUNNER_BACKOFF_MAX_MS;
            sleep_ms(r, backoff);
            continue;
        }
        backoff = failures = 0;
        idle_again = false;
        if (n == 0 && r->def.idle)
            idle_again = r->def.idle(r->def.ctx) > 0;
    }
    if (commit_done(r, true))
        ot_warn("wal reader %s: the cursor stays at %llu", r->name,
                (unsigned long long)ot_wal_cursor_committed(r->c));
    return NULL;
}

static void runner_free(ot_wal_reader *r)
{
    ot_wal_cursor_close(r->c);
    ot_buf_free(&r->arena);
    free(r->recs);
    free(r->offs);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

int ot_wal_reader_start(ot_wal *w, const ot_wal_reader_def *def, ot_wal_reader **out)
{
    *out = NULL;
    if (!w || !def || !def->batch || !ot_wal_cursor_name_ok(def->name))
        return OT_EINVAL;
    ot_wal_reader *r = calloc(1, sizeof *r);
    if (!r)
        return OT_ENOMEM;
    r->def = *def;
    snprintf(r->name, sizeof r->name, "%s", def->name);
    r->def.name = r->name;
    if (!r->def.batch_max)
        r->def.batch_max = RUNNER_BATCH;
    if (r->def.idle_ms <= 0)
        r->def.idle_ms = RUNNER_IDLE_MS;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    ot_buf_init(&r->arena, 0);
    r->recs = calloc(r->def.batch_max, sizeof *r->recs);
    r->offs = calloc(r->def.batch_max, sizeof *r->offs);
    int rc = r->recs && r->offs ? OT_OK : OT_ENOMEM;
    if (!rc)
        rc = ot_wal_cursor_open(w, r->name, def->checkpoint, &r->c);
    if (!rc)
        r->done_lsn = ot_wal_cursor_committed(r->c);
    if (!rc && pthread_create(&r->thread, NULL, runner_main, r))
        rc = OT_EIO;
    if (rc) {
        runner_free(r);
        return rc;
    }
    *out = r;
    return OT_OK;
}

void ot_wal_reader_stop(ot_wal_reader *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    ot_wal_cursor_wake(r->c);
    pthread_join(r->thread, NULL);
    runner_free(r);
}

ot_wal_cursor *ot_wal_reader_cursor(ot_wal_reader *r) { return r->c; }
