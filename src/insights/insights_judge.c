/* insights_judge.c — judging the closed minutes of a series with the detector (insights_detect.c),
 * series by series, and queueing the Insights events that come out of it.
 *
 * Each series has its own event clock (the latest minute counted for it): minute M is judged
 * once the series has an event of minute M + 2 or later (a minute of grace for late events),
 * so events sent with past eventTimes (a backfill, records forwarded late) are judged just as
 * live ones, whatever else the trail records meanwhile. A series that gets no new events for
 * INS_QUIET_MS has caught up: its minutes are judged up to the wall clock's (if its events are
 * recent) or up to the one after its last event, so an anomaly ends when its API falls silent.
 *
 * A series without an anomaly in progress only needs judging at minutes that could start one
 * (OT_INSIGHTS_MIN_START calls or more), so a long stretch of closed minutes costs one index
 * lookup per series; an anomaly in progress is judged minute by minute until it ends. */
#include "insights/insights_int.h"

#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"
#include "util/metrics.h"

OT_COUNTER(m_events, "opentrail_insights_events_total",
           "Insights events made (a Start and an End per anomaly).");

/* The attributions of anomaly st of s: each attribute's top values in the anomaly (its first
 * minute for Start) and in its baseline window. *n gets how many attributes. */
static int attribute(ot_insights *in, const ins_series *s, const ot_insight_state *st, bool end,
                     size_t *n)
{
    int64_t last = end ? st->last_minute : st->start_minute;
    double minutes = (double)(last - st->start_minute + 1);
    *n = s->type == OT_INSIGHT_CALL_RATE ? OT_INSIGHT_NATTRS : OT_INSIGHT_ATTR_ERROR;
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < *n; i++) {
        ot_insight_attribution *a = &in->attribution[i];
        a->attr = (ot_insight_attr)i;
        rc = ins_db_attr_top(&in->db, s->id, (int)i, st->start_minute, last, minutes,
                             a->insight, &a->ninsight);
        if (!rc)
            rc = ins_db_attr_top(&in->db, s->id, (int)i,
                                 st->start_minute - st->baseline_minutes, st->start_minute - 1,
                                 (double)st->baseline_minutes, a->baseline, &a->nbaseline);
    }
    return rc;
}

static int queue_event(ot_insights *in, const ins_series *s, const ot_insight_state *st,
                       bool end)
{
    ot_insight_subject sub = {.trail_arn = s->trail,
                              .account_id = s->account,
                              .region = s->region,
                              .event_source = s->source,
                              .event_name = s->name,
                              .error_code = s->error,
                              .type = (ot_insight_type)s->type};
    size_t nattrs;
    ot_buf_reset(&in->rec);
    int rc = attribute(in, s, st, end, &nattrs);
    if (!rc)
        rc = ot_insight_record(&sub, st, end, in->attribution, nattrs, &in->rec);
    if (!rc)
        rc = ins_db_outbox_add(&in->db, s, in->rec.data, in->rec.len);
    if (!rc) {
        atomic_fetch_add(end ? &in->ended : &in->started, 1);
        ot_metric_inc(&m_events);
    }
    return rc;
}

/* One minute m of series s: its count and baseline, the detector's verdict. */
static int judge_minute(ot_insights *in, int64_t first_minute, const ins_series *s,
                        ot_insight_state *st, int64_t m)
{
    uint64_t count, sum = 0;
    int64_t observed = m - first_minute;
    int64_t window = observed < OT_INSIGHTS_WINDOW_MIN ? observed : OT_INSIGHTS_WINDOW_MIN;
    int rc = ins_db_count(&in->db, s->id, m, &count);
    if (!rc && !st->active && window > 0)
        rc = ins_db_window(&in->db, s->id, m - window, m, &sum);
    if (rc)
        return rc;
    switch (ot_insight_step(st, m, count, sum, observed)) {
    case OT_INSIGHT_STARTS: return queue_event(in, s, st, false);
    case OT_INSIGHT_ENDS: return queue_event(in, s, st, true);
    default: return OT_OK;
    }
}

int ins_judge(ot_insights *in, const ins_series *s, int64_t through)
{
    if (through <= s->judged)
        return OT_OK;
    ot_insight_state st;
    int64_t first_minute;
    int rc = ins_db_first_minute(&in->db, s->trail, INT64_MAX, &first_minute);
    if (!rc)
        rc = ins_db_state(&in->db, s->id, &st);
    int64_t m = s->judged + 1;
    if (!rc && st.active && m <= st.last_minute)
        m = st.last_minute + 1;
    while (!rc && m <= through) {
        if (!st.active) {
            rc = ins_db_next_start(&in->db, s->id, m, through, &m);
            if (rc == OT_ENOTFOUND) {
                rc = OT_OK;
                break;
            }
        }
        if (!rc)
            rc = judge_minute(in, first_minute, s, &st, m++);
    }
    if (!rc)
        rc = ins_db_state_put(&in->db, s->id, &st);
    return rc ? rc : ins_db_series_judged(&in->db, s->id, through);
}
