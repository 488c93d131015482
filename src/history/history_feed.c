/* history_feed.c — the thread that indexes the server's WAL into history.db.
 *
 * It follows the WAL from the index's own checkpoint (meta 'wal_lsn'), so it never slows ingest:
 * appenders only fsync, and this thread reads what is durable (polling ot_wal_durable_lsn) in
 * batches, committing each batch's rows and the new checkpoint in one SQLite transaction, which
 * makes indexing exactly-once across crashes. Delivery asks srv->wal_keep_from before releasing
 * WAL segments, so nothing is released before it is indexed. When idle the thread expires rows
 * past the retention window in small batches. */
#include "history/history_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "event/event.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "wal/wal.h"

#define FEED_BATCH 4096         /* WAL records per transaction */
#define EXPIRE_BATCH 500        /* rows deleted per retention transaction */
#define EXPIRE_EVERY_MS 1000

struct ot_history_feed {
    ot_api *srv;
    ot_history *h;
    ot_history_feed_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    ot_json_doc *doc;
    ot_buf arena;
    /* the batch being indexed */
    uint64_t last_lsn;
    size_t seen;
    int err;
    int64_t next_expire_ms;
    bool expire_more;
};

static uint64_t keep_from(ot_api *srv) { return ot_history_checkpoint(srv->history) + 1; }

static int visit(void *ctx, uint64_t lsn, const void *payload, size_t len)
{
    ot_history_feed *f = ctx;
    ot_event ev;
    f->last_lsn = lsn;
    f->seen++;
    if (ot_event_decode(payload, len, &ev) != OT_OK) {
        ot_warn("history: WAL record %llu is not an event; skipped", (unsigned long long)lsn);
    } else if (ev.category == OT_CAT_MANAGEMENT || ev.category == OT_CAT_INSIGHT) {
        ot_history_row row;
        ot_history_skip why;
        int added;
        ot_buf_reset(&f->arena);
        int rc = ot_history_extract(f->doc, ev.json, ev.json_len, false,
                                    ev.category == OT_CAT_INSIGHT ? OT_HCAT_INSIGHT
                                                                  : OT_HCAT_MANAGEMENT,
                                    &row, &f->arena, &why);
        if (rc == OT_OK)
            rc = ot_history_insert(f->h, &row, f->arena.data, false, &added);
        if (rc == OT_EIO || rc == OT_ENOMEM) {
            f->err = rc;
            return 1;
        }
        if (rc)
            ot_warn("history: WAL record %llu not indexed (%s)", (unsigned long long)lsn,
                    ot_strerror(rc));
    }
    return f->seen >= FEED_BATCH ? 1 : 0;
}

/* Indexes one batch; returns the number of WAL records consumed, or a negative error. */
static int index_batch(ot_history_feed *f)
{
    uint64_t durable = ot_wal_durable_lsn(f->srv->wal);
    uint64_t ckpt = ot_history_checkpoint(f->h);
    if (durable <= ckpt)
        return 0;
    f->seen = 0;
    f->err = 0;
    f->last_lsn = 0;
    int rc = ot_history_begin(f->h);
    if (rc)
        return rc;
    rc = ot_wal_read(f->srv->wal, ckpt + 1, visit, f);
    if (rc == 1)
        rc = OT_OK;
    if (!rc && f->err)
        rc = f->err;
    if (rc) {
        ot_history_rollback(f->h);
        return rc;
    }
    /* Nothing readable past the checkpoint (segments released before history existed). */
    uint64_t upto = f->seen ? f->last_lsn : durable;
    rc = ot_history_commit(f->h, upto);
    return rc ? rc : (int)(f->seen ? f->seen : 1);
}

static void expire(ot_history_feed *f)
{
    int64_t now = ot_now_ms();
    if (f->o.retention_ms <= 0 || (!f->expire_more && now < f->next_expire_ms))
        return;
    int deleted = 0;
    if (ot_history_expire(f->h, now - f->o.retention_ms, EXPIRE_BATCH, false, &deleted))
        ot_warn("history: retention pass failed; retrying later");
    f->expire_more = deleted == EXPIRE_BATCH;
    f->next_expire_ms = now + EXPIRE_EVERY_MS;
}

static void wait_ms(ot_history_feed *f, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&f->mu);
    if (!f->stop)
        pthread_cond_timedwait(&f->cv, &f->mu, &ts);
    pthread_mutex_unlock(&f->mu);
}

static bool stopping(ot_history_feed *f)
{
    pthread_mutex_lock(&f->mu);
    bool s = f->stop;
    pthread_mutex_unlock(&f->mu);
    return s;
}

static void *feed_main(void *arg)
{
    ot_history_feed *f = arg;
    int failures = 0;
    for (;;) {
        int n = index_batch(f);
        if (n < 0) {
            if (failures++ % 50 == 0)
                ot_error("history: indexing failed: %s; retrying", ot_strerror(n));
            if (stopping(f))
                break;
            wait_ms(f, 200);
            continue;
        }
        failures = 0;
        if (n > 0)
            continue; /* more may be waiting: drain before sleeping or expiring */
        if (stopping(f))
            break;
        expire(f);
        if (!f->expire_more)
            wait_ms(f, f->o.poll_ms);
    }
    return NULL;
}

int ot_history_feed_start(ot_api *srv, ot_history *h, const ot_history_feed_opts *o,
                          ot_history_feed **out)
{
    ot_history_feed *f = calloc(1, sizeof *f);
    if (!f)
        return OT_ENOMEM;
    f->srv = srv;
    f->h = h;
    f->o = *o;
    if (f->o.poll_ms <= 0)
        f->o.poll_ms = 50;
    ot_buf_init(&f->arena, 0);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    if (!(f->doc = ot_json_doc_new())) {
        ot_history_feed_stop(f);
        return OT_ENOMEM;
    }
    srv->history = h;
    srv->wal_keep_from = keep_from;
    if (pthread_create(&f->thread, NULL, feed_main, f) != 0) {
        srv->wal_keep_from = NULL;
        ot_json_doc_free(f->doc);
        f->doc = NULL;
        ot_history_feed_stop(f);
        return OT_ENOMEM;
    }
    *out = f;
    return OT_OK;
}

void ot_history_feed_stop(ot_history_feed *f)
{
    if (!f)
        return;
    if (f->doc) { /* the thread runs */
        pthread_mutex_lock(&f->mu);
        f->stop = true;
        pthread_cond_signal(&f->cv);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->thread, NULL);
    }
    ot_json_doc_free(f->doc);
    ot_buf_free(&f->arena);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
}

int ot_history_feed_sync(ot_history_feed *f, int timeout_ms)
{
    uint64_t target = ot_wal_durable_lsn(f->srv->wal);
    int64_t deadline = ot_monotonic_ms() + timeout_ms;
    while (ot_history_checkpoint(f->h) < target) {
        if (ot_monotonic_ms() > deadline)
            return OT_ELIMIT;
        pthread_mutex_lock(&f->mu);
        pthread_cond_signal(&f->cv);
        pthread_mutex_unlock(&f->mu);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return OT_OK;
}
