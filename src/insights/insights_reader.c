/* insights_reader.c — the Insights WAL reader: counts each batch and judges the minutes that
 * closed in the series it counted, in one insights.db transaction with the reader's position;
 * then writes the Insights events out. Now and then (and whenever the log is idle) it judges
 * the series that fell quiet. Time is event time: see insights_judge.c. */
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

/* The trails' first minutes, then the series the batch counted: judged as far as their own
 * clocks closed minutes. */
static int count_and_judge(ot_insights *in, const ot_wal_record *recs, size_t n)
{
    int rc = ins_count_batch(in, recs, n);
    int64_t first;
    for (size_t i = 0; !rc && i < in->ntrails; i++)
        if (in->trails[i].low != INT64_MAX)
            rc = ins_db_first_minute(&in->db, in->trails[i].t.arn, in->trails[i].low, &first);
    for (size_t i = 0; !rc && i < in->ntouched; i++) {
        ins_series s;
        rc = ins_db_series_get(&in->db, in->touched[i], &s);
        if (!rc)
            rc = ins_judge(in, &s, s.clock - INS_GRACE_MIN - 1);
    }
    return rc ? rc : ins_db_set_position(&in->db, recs[n - 1].lsn);
}

static bool watched(const ot_insights *in, const char *trail_arn)
{
    for (size_t i = 0; i < in->ntrails; i++)
        if (!strcmp(in->trails[i].t.arn, trail_arn))
            return true;
    return false;
}

/* How far a series that has caught up is judged: to the wall clock's minute (less the grace)
 * when its events are recent, else to the minute after its last (ins_db_quiet_series selects
 * by the same rule). */
static int64_t caught_up_through(const ins_series *s, int64_t now_minute)
{
    if (now_minute - s->clock <= INS_LIVE_MIN)
        return now_minute - INS_GRACE_MIN - 1;
    return s->clock + 1;
}

static int judge_quiet(ot_insights *in)
{
    int64_t now = ins_now_ms(in);
    ins_series *v = NULL;
    size_t n = 0;
    int rc = ins_db_quiet_series(&in->db, now - INS_QUIET_MS, now / INS_MINUTE_MS, &v, &n);
    for (size_t i = 0; !rc && i < n; i++)
        if (watched(in, v[i].trail))
            rc = ins_judge(in, &v[i], caught_up_through(&v[i], now / INS_MINUTE_MS));
    free(v);
    return rc;
}

/* Judges the series that fell quiet, at most every INS_SWEEP_MS (unless forced: idle). */
static void sweep(ot_insights *in, bool force)
{
    int64_t now = ins_now_ms(in);
    if (!in->ntrails || (!force && now - in->swept_ms < INS_SWEEP_MS))
        return;
    in->swept_ms = now;
    int rc = ot_sql_begin(in->db.sql);
    if (!rc)
        rc = ot_sql_end(in->db.sql, judge_quiet(in));
    if (rc)
        ot_warn("insights: judging the series that fell quiet failed (retried): %s",
                ot_strerror(rc));
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
    sweep(in, false);
    ins_out_flush(in);
    return OT_OK;
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
    if (ins_trails_refresh(in) == OT_OK)
        sweep(in, true);
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
    ot_buf_free(&in->values);
    free(in->tally);
    free(in->attrs);
    free(in->touched);
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
    ot_buf_init(&in->values, 0);
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
