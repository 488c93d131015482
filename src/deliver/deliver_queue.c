/* deliver_queue.c — from the WAL to the router.
 *
 * Delivery reads the WAL through its cursor, in LSN order from just past what it routed, so
 * nothing on the ingest path waits for it: appenders only fsync, the flusher only signals the
 * cursor's condition variable. A record released before delivery saw it (a data dir older
 * than its cursor) is skipped with a warning by the cursor. */
#include "deliver/deliver_core.h"

#include "util/log.h"

static int route_visit(void *ctx, uint64_t lsn, const void *p, size_t n)
{
    ot_deliver *d = ctx;
    if (d->crashed)
        return 1;
    ot_event e;
    if (ot_event_decode(p, n, &e) != 0) {
        ot_warn("deliver: WAL record %llu is no event; skipped", (unsigned long long)lsn);
        d->pos = lsn;
        return 0;
    }
    dl_route_event(d, lsn, &e);
    return 0;
}

int dl_route_new(ot_deliver *d)
{
    if (d->crashed)
        return 0;
    int n = d->o.env.wal_next(d->o.env.ctx, OT_DELIVER_READ_CHUNK, route_visit, d);
    if (n < 0) {
        ot_error("deliver: reading the WAL from %llu failed (%d); will retry",
                 (unsigned long long)d->pos + 1, n);
        return 0;
    }
    return n;
}
