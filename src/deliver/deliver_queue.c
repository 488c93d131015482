/* deliver_queue.c — from the WAL to the router.
 *
 * The listener runs on the WAL flusher thread between the fsync and the wake-up of the
 * appenders, so it only copies the record into the inbox. If the delivery thread falls far
 * behind, the listener drops records instead of blocking ingest; the router notices the gap in
 * LSNs and reads the missing records back from the WAL, which has them durably anyway. */
#include "deliver/deliver_core.h"

#include <string.h>

#include "util/log.h"

#define REC_HEAD 12 /* u64 lsn | u32 len */

void dl_listener(void *ctx, uint64_t lsn, const void *payload, size_t len)
{
    ot_deliver *d = ctx;
    uint8_t head[REC_HEAD];
    memcpy(head, &lsn, 8);
    uint32_t n = (uint32_t)len;
    memcpy(head + 8, &n, 4);
    pthread_mutex_lock(&d->mu);
    bool was_empty = d->inbox.len == 0;
    if (len > OT_WAL_MAX_RECORD || d->inbox.len + REC_HEAD + len > OT_DELIVER_QUEUE_MAX ||
        ot_buf_reserve(&d->inbox, REC_HEAD + len) != 0) {
        d->overflows++;
    } else {
        ot_buf_append(&d->inbox, head, REC_HEAD);
        ot_buf_append(&d->inbox, payload, len);
    }
    if (lsn > d->q_last_lsn)
        d->q_last_lsn = lsn;
    if (was_empty)
        pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->mu);
}

static void route_payload(ot_deliver *d, uint64_t lsn, const void *p, size_t n)
{
    ot_event e;
    if (ot_event_decode(p, n, &e) != 0) {
        ot_warn("deliver: WAL record %llu is no event; skipped", (unsigned long long)lsn);
        d->pos = lsn;
        return;
    }
    dl_route_event(d, lsn, &e);
}

typedef struct gap_ctx {
    ot_deliver *d;
    uint64_t last;
} gap_ctx;

static int gap_visit(void *ctx, uint64_t lsn, const void *p, size_t n)
{
    gap_ctx *g = ctx;
    if (lsn > g->last || g->d->crashed)
        return 1;
    if (lsn <= g->d->pos)
        return 0;
    if (lsn != g->d->pos + 1)
        ot_warn("deliver: WAL records %llu..%llu are gone; skipped",
                (unsigned long long)g->d->pos + 1, (unsigned long long)lsn - 1);
    route_payload(g->d, lsn, p, n);
    return 0;
}

/* Routes records pos+1 .. last from the WAL. */
static void fill_gap(ot_deliver *d, uint64_t last)
{
    gap_ctx g = {d, last};
    int rc = d->o.env.wal_read(d->o.env.ctx, d->pos + 1, gap_visit, &g);
    if (rc < 0)
        ot_error("deliver: reading the WAL from %llu failed (%d); will retry",
                 (unsigned long long)d->pos + 1, rc);
}

void dl_route_work(ot_deliver *d, uint64_t last)
{
    const uint8_t *p = (const uint8_t *)d->work.data;
    size_t off = 0;
    while (!d->crashed && off + REC_HEAD <= d->work.len) {
        uint64_t lsn;
        uint32_t n;
        memcpy(&lsn, p + off, 8);
        memcpy(&n, p + off + 8, 4);
        off += REC_HEAD;
        if (lsn > d->pos + 1)
            fill_gap(d, lsn - 1);
        if (lsn == d->pos + 1)
            route_payload(d, lsn, p + off, n);
        off += n;
    }
    ot_buf_reset(&d->work);
    if (!d->crashed && last > d->pos)
        fill_gap(d, last);
}
