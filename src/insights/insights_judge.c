/* insights_judge.c — judging a trail's closed minutes with the detector (insights_detect.c),
 * series by series, and queueing the Insights events that come out of it.
 *
 * A series without an anomaly in progress only needs judging at minutes that could start one
 * (OT_INSIGHTS_MIN_START calls or more), so a long stretch of closed minutes costs one index
 * lookup per series; an anomaly in progress is judged minute by minute until it ends. */
#include "insights/insights_int.h"

#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"

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
    ot_buf_reset(&in->rec);
    int rc = ot_insight_record(&sub, st, end, &in->rec);
    if (!rc)
        rc = ins_db_outbox_add(&in->db, s, in->rec.data, in->rec.len);
    if (!rc)
        atomic_fetch_add(end ? &in->ended : &in->started, 1);
    return rc;
}

/* One minute m of series s: its count and baseline, the detector's verdict. */
static int judge_minute(ot_insights *in, const ins_clock *c, const ins_series *s,
                        ot_insight_state *st, int64_t m)
{
    uint64_t count, sum = 0;
    int64_t observed = m - c->first_minute;
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

static int judge_series(ot_insights *in, const ins_clock *c, const ins_series *s,
                        int64_t through)
{
    ot_insight_state st;
    int rc = ins_db_state(&in->db, s->id, &st);
    int64_t m = c->judged + 1;
    if (st.active && m <= st.last_minute)
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
            rc = judge_minute(in, c, s, &st, m++);
    }
    return rc ? rc : ins_db_state_put(&in->db, s->id, &st);
}

int ins_judge(ot_insights *in, ins_clock *c, int64_t through)
{
    if (through <= c->judged)
        return OT_OK;
    ins_series *v = NULL;
    size_t n = 0;
    int rc = ins_db_candidates(&in->db, c->trail, c->judged, through, &v, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = judge_series(in, c, &v[i], through);
    free(v);
    if (!rc)
        c->judged = through;
    return rc;
}
