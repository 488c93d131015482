/* insights_detect.c — the Insights detector: when does a minute's count leave its baseline?
 *
 * AWS does not publish its models (it calls them "mathematical models"). opentrail treats a
 * series' calls per minute as Poisson with the baseline average mu as mean (so its standard
 * deviation is sqrt(mu)): a minute starts an anomaly when it has at least
 * max(OT_INSIGHTS_MIN_START, mu + 6 sqrt(mu) + 1) calls, and the anomaly lasts while each next
 * minute keeps at least max(OT_INSIGHTS_MIN_STAY, mu + 3 sqrt(mu) + 1): a hysteresis, so a
 * spike that wavers is one insight, not several. The baseline is frozen when the anomaly
 * starts, as AWS's baseline is "the 7 days before the insight starts". The "+ 1" keeps a
 * baseline of almost nothing from making every second call an anomaly. */
#include "insights/insights.h"

#include <math.h>

const char *ot_insight_type_name(ot_insight_type t)
{
    return t == OT_INSIGHT_ERROR_RATE ? "ApiErrorRateInsight" : "ApiCallRateInsight";
}

static double start_threshold(double mu)
{
    return fmax(OT_INSIGHTS_MIN_START, mu + OT_INSIGHTS_START_Z * sqrt(mu) + 1.0);
}

static double stay_threshold(double mu)
{
    return fmax(OT_INSIGHTS_MIN_STAY, mu + OT_INSIGHTS_STAY_Z * sqrt(mu) + 1.0);
}

/* The minute that ends an anomaly is below even the stay threshold, so it is never judged
 * again as a possible start. */
ot_insight_change ot_insight_step(ot_insight_state *s, int64_t minute, uint64_t count,
                                  uint64_t window_sum, int64_t observed)
{
    if (s->active) {
        if ((double)count >= stay_threshold(s->baseline)) {
            s->last_minute = minute;
            s->calls += count;
            return OT_INSIGHT_NONE;
        }
        s->active = false;
        return OT_INSIGHT_ENDS;
    }
    int64_t window = observed < OT_INSIGHTS_WINDOW_MIN ? observed : OT_INSIGHTS_WINDOW_MIN;
    if (window < OT_INSIGHTS_WARMUP_MIN)
        return OT_INSIGHT_NONE; /* too little history to call anything unusual */
    double mu = (double)window_sum / (double)window;
    if ((double)count < start_threshold(mu))
        return OT_INSIGHT_NONE;
    *s = (ot_insight_state){.active = true,
                            .start_minute = minute,
                            .last_minute = minute,
                            .baseline = mu,
                            .baseline_minutes = window,
                            .first_count = count,
                            .calls = count};
    return OT_INSIGHT_STARTS;
}

static ot_insight_found found_of(const ot_insight_state *s, int64_t end)
{
    return (ot_insight_found){.start = s->start_minute,
                              .end = end,
                              .baseline = s->baseline,
                              .start_average = (double)s->first_count,
                              .average = (double)s->calls /
                                         (double)(s->last_minute - s->start_minute + 1),
                              .baseline_minutes = s->baseline_minutes};
}

size_t ot_insight_scan(const uint64_t *counts, size_t n, ot_insight_found *out, size_t cap)
{
    ot_insight_state s = {0};
    uint64_t window_sum = 0; /* counts[i - window .. i) */
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            window_sum += counts[i - 1];
        if (i > OT_INSIGHTS_WINDOW_MIN)
            window_sum -= counts[i - 1 - OT_INSIGHTS_WINDOW_MIN];
        if (ot_insight_step(&s, (int64_t)i, counts[i], window_sum, (int64_t)i) ==
            OT_INSIGHT_ENDS) {
            if (found < cap)
                out[found] = found_of(&s, (int64_t)i);
            found++;
        }
    }
    if (s.active) {
        if (found < cap)
            out[found] = found_of(&s, -1);
        found++;
    }
    return found;
}
