/* history_feed.c — the WAL reader that indexes the server's WAL into history.db.
 *
 * It is a reader of the runner (wal/wal_cursor.h) under the cursor "history", opened at the
 * index's own checkpoint (meta 'wal_lsn'). Each batch's rows and the new checkpoint are
 * committed in one SQLite transaction, which makes indexing exactly-once across crashes; the
 * cursor is committed after it (at most once a second: the index's checkpoint is the exact
 * one), so the WAL keeps every segment that is not indexed yet. It
 * never slows ingest: appenders only fsync and the flusher wakes the reader. When idle it
 * expires rows past the retention window in small batches. */
#include "history/history_int.h"

#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"
#include "wal/wal_cursor.h"

#define FEED_BATCH 4096         /* WAL records per transaction */
#define EXPIRE_BATCH 500        /* rows deleted per retention transaction */
#define EXPIRE_EVERY_MS 1000
#define CURSOR_COMMIT_MS 1000   /* history.db holds the exact checkpoint; the cursor may trail */

OT_COUNTER(m_indexed, "opentrail_history_events_indexed_total",
           "Management and Insights events added to the event history (LookupEvents).");

struct ot_history_feed {
    ot_history_feed_opts o;
    ot_wal_reader *reader;
    ot_json_doc *doc;
    ot_buf arena;
    uint64_t added; /* rows added by the batch being indexed */
};

/* Indexes one record; OT_EIO / OT_ENOMEM abort the batch (it is read again). */
static int index_record(ot_history_feed *f, const ot_wal_record *r)
{
    ot_event ev;
    if (ot_event_decode(r->payload, r->len, &ev) != OT_OK) {
        ot_warn("history: WAL record %llu is not an event; skipped", (unsigned long long)r->lsn);
        return OT_OK;
    }
    if (ev.category != OT_CAT_MANAGEMENT && ev.category != OT_CAT_INSIGHT)
        return OT_OK;
    ot_history_row row;
    ot_history_skip why;
    int added;
    ot_buf_reset(&f->arena);
    int rc = ot_history_extract(f->doc, ev.json, ev.json_len, false,
                                ev.category == OT_CAT_INSIGHT ? OT_HCAT_INSIGHT
                                                              : OT_HCAT_MANAGEMENT,
                                &row, &f->arena, &why);
    if (rc == OT_OK)
        rc = ot_history_insert(f->o.history, &row, f->arena.data, false, &added);
    if (rc == OT_OK && added)
        f->added++;
    if (rc == OT_EIO || rc == OT_ENOMEM)
        return rc;
    if (rc)
        ot_warn("history: WAL record %llu not indexed (%s)", (unsigned long long)r->lsn,
                ot_strerror(rc));
    return OT_OK;
}

static int index_batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    ot_history_feed *f = ctx;
    f->added = 0;
    int rc = ot_history_begin(f->o.history);
    for (size_t i = 0; !rc && i < n; i++)
        rc = index_record(f, &recs[i]);
    if (rc) {
        ot_history_rollback(f->o.history);
        return rc;
    }
    rc = ot_history_commit(f->o.history, recs[n - 1].lsn);
    if (!rc)
        ot_metric_add(&m_indexed, f->added); /* after the commit: a failed batch is redone */
    return rc;
}

/* Retention, when no records are waiting: > 0 while more rows are due. */
static int expire(void *ctx)
{
    ot_history_feed *f = ctx;
    if (f->o.retention_ms <= 0)
        return 0;
    int deleted = 0;
    if (ot_history_expire(f->o.history, ot_now_ms() - f->o.retention_ms, EXPIRE_BATCH, false,
                          &deleted))
        ot_warn("history: retention pass failed; retrying later");
    return deleted == EXPIRE_BATCH;
}

int ot_history_feed_start(const ot_history_feed_opts *o, ot_history_feed **out)
{
    *out = NULL;
    ot_history_feed *f = calloc(1, sizeof *f);
    if (!f)
        return OT_ENOMEM;
    f->o = *o;
    ot_buf_init(&f->arena, 0);
    int rc = (f->doc = ot_json_doc_new()) ? OT_OK : OT_ENOMEM;
    ot_wal_reader_def def = {.name = OT_HISTORY_CURSOR,
                             .batch = index_batch,
                             .idle = expire,
                             .ctx = f,
                             .checkpoint = ot_history_checkpoint(o->history),
                             .batch_max = FEED_BATCH,
                             .idle_ms = EXPIRE_EVERY_MS,
                             .commit_every_ms = CURSOR_COMMIT_MS};
    if (!rc)
        rc = ot_wal_reader_start(o->wal, &def, &f->reader);
    if (rc) {
        ot_history_feed_stop(f);
        return rc;
    }
    *out = f;
    return OT_OK;
}

void ot_history_feed_stop(ot_history_feed *f)
{
    if (!f)
        return;
    ot_wal_reader_stop(f->reader);
    ot_json_doc_free(f->doc);
    ot_buf_free(&f->arena);
    free(f);
}
