/* insights_reader.c — the Insights WAL reader: counts each batch, moves the event clocks of
 * the trails it touched and judges the minutes that closed, all in one insights.db transaction
 * with the reader's position; then writes the Insights events out.
 *
 * Time is event time. A trail's clock is the latest eventTime minute it has counted, and minute
 * M is judged once the clock passed M + INS_GRACE_MIN (one minute for late events), so events
 * sent with past eventTimes (forwarded records, backfills) build a baseline and raise insights
 * exactly as live ones, and a test can drive it deterministically. So that an anomaly still
 * ends when a live trail falls silent, an idle reader moves the clock of a trail whose latest
 * event is at most INS_LIVE_MIN minutes old on to the wall clock's minute. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/insights_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"
#include "util/timeutil.h"
#include "wal/wal_cursor.h"

#define INS_BATCH 4096
#define INS_COMMIT_MS 1000     /* insights.db holds the exact position; the cursor may trail */
#define INS_NICE 10            /* counting can wait when both cores accept events */
#define INS_PRUNE_EVERY_MS (3600 * 1000LL)

int64_t ins_now_ms(const ot_insights *in)
{
    return in->o.now_ms ? in->o.now_ms() : ot_now_ms();
}

/* Moves trail t's clock over the minutes [low, high] the batch counted, or to now_minute
 * (high < low), and judges what closed. */
static int advance(ot_insights *in, const ot_trail *t, int64_t low, int64_t high)
{
    ins_clock c;
    int rc = ins_db_clock(&in->db, t->arn, &c);
    if (rc == OT_ENOTFOUND) {
        if (high < low)
            return OT_OK; /* nothing counted yet: no clock to move */
        c = (ins_clock){.first_minute = low, .clock = high, .judged = low - 1};
        snprintf(c.trail, sizeof c.trail, "%s", t->arn);
        rc = OT_OK;
    }
    if (rc)
        return rc;
    if (high >= low) {
        c.first_minute = low < c.first_minute ? low : c.first_minute;
        c.clock = high > c.clock ? high : c.clock;
    } else {
        int64_t now_minute = ins_now_ms(in) / INS_MINUTE_MS;
        if (c.clock >= now_minute || now_minute - c.clock > INS_LIVE_MIN)
            return OT_OK;
        c.clock = now_minute;
    }
    rc = ins_judge(in, &c, c.clock - INS_GRACE_MIN - 1);
    return rc ? rc : ins_db_clock_put(&in->db, &c);
}

static int count_and_judge(ot_insights *in, const ot_wal_record *recs, size_t n)
{
    int rc = ins_count_batch(in, recs, n);
    for (size_t i = 0; !rc && i < in->ntrails; i++) {
        const ins_trail *t = &in->trails[i];
        if (t->high >= t->low)
            rc = advance(in, &t->t, t->low, t->high);
    }
    return rc ? rc : ins_db_set_position(&in->db, recs[n - 1].lsn);
}

static int insights_batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    ot_insights *in = ctx;
    int rc = ins_trails_refresh(in);
    if (rc || in->ntrails == 0) {
        if (!rc)
            atomic_store(&in->position, recs[n - 1].lsn);
        return rc; /* nobody watches: nothing to count (the cursor remembers the position) */
    }
    rc = ot_sql_begin(in->db.sql);
    if (!rc)
        rc = ot_sql_end(in->db.sql, count_and_judge(in, recs, n));
    if (rc)
        return rc; /* rolled back: the runner reads the batch again */
    atomic_store(&in->position, recs[n - 1].lsn);
    ins_out_flush(in);
    return OT_OK;
}

static int follow_wall_clock(ot_insights *in)
{
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < in->ntrails; i++)
        rc = advance(in, &in->trails[i].t, 1, 0);
    return rc;
}

static void prune(ot_insights *in)
{
    int64_t now = ins_now_ms(in);
    if (now - in->pruned_ms < INS_PRUNE_EVERY_MS)
        return;
    in->pruned_ms = now;
    int rc = ins_db_prune(&in->db, now / INS_MINUTE_MS - INS_KEEP_MIN);
    if (rc)
        ot_warn("insights: pruning old counts failed: %s", ot_strerror(rc));
}

static int insights_idle(void *ctx)
{
    ot_insights *in = ctx;
    int rc = ins_trails_refresh(in);
    if (!rc && in->ntrails) {
        rc = ot_sql_begin(in->db.sql);
        if (!rc)
            rc = ot_sql_end(in->db.sql, follow_wall_clock(in));
    }
    if (rc)
        ot_warn("insights: judging the minutes that closed failed (retried): %s",
                ot_strerror(rc));
    prune(in);
    ins_out_flush(in);
    return 0;
}

void ot_insights_stats_get(ot_insights *in, ot_insights_stats *out)
{
    *out = (ot_insights_stats){atomic_load(&in->started), atomic_load(&in->ended),
                               atomic_load(&in->files), atomic_load(&in->position)};
}

void ot_insights_stop(ot_insights *in)
{
    if (!in)
        return;
    ot_wal_reader_stop(in->reader);
    ins_trails_free(in);
    ins_db_close(&in->db);
    ot_json_doc_free(in->doc);
    ot_buf_free(&in->rec);
    ot_buf_free(&in->gz);
    free(in->tally);
    free(in);
}

int ot_insights_start(const ot_insights_opts *o, ot_insights **out)
{
    *out = NULL;
    ot_insights *in = calloc(1, sizeof *in);
    if (!in)
        return OT_ENOMEM;
    in->o = *o;
    ot_buf_init(&in->rec, 0);
    ot_buf_init(&in->gz, 0);
    uint64_t position = 0;
    int rc = (in->doc = ot_json_doc_new()) ? OT_OK : OT_ENOMEM;
    if (!rc)
        rc = ins_db_open(o->path, &in->db);
    if (!rc)
        rc = ins_db_position(&in->db, &position);
    atomic_store(&in->position, position);
    ot_wal_reader_def def = {.name = OT_INSIGHTS_CURSOR,
                             .batch = insights_batch,
                             .idle = insights_idle,
                             .ctx = in,
                             .checkpoint = position,
                             .batch_max = INS_BATCH,
                             .commit_every_ms = INS_COMMIT_MS,
                             .nice = INS_NICE};
    if (!rc)
        rc = ot_wal_reader_start(o->wal, &def, &in->reader);
    if (rc) {
        ot_insights_stop(in);
        return rc;
    }
    *out = in;
    return OT_OK;
}
