/* insights.h — CloudTrail Insights: unusual API call and error rates, found per trail.
 *
 * For every logging trail with Insights selectors, a WAL reader counts the management events
 * the trail records per minute of their eventTime: write calls per (account, region,
 * eventSource, eventName) for ApiCallRateInsight, failed calls per (..., errorCode) for
 * ApiErrorRateInsight. The counts live in <data-dir>/insights.db. Once a minute of a trail's
 * event time has closed, each series is judged against its baseline (its average over the 7
 * days before) by the detector below, and an anomaly yields a Start and, when it is over, an End
 * Insights event (eventType AwsCloudTrailInsight). These enter the WAL as Insight events (so the
 * history indexes them for LookupEvents EventCategory=insight and every other reader sees them)
 * and are written to the trail's bucket under CloudTrail-Insight/. See docs/insights.md. */
#ifndef OT_INSIGHTS_H
#define OT_INSIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef enum { OT_INSIGHT_CALL_RATE = 0, OT_INSIGHT_ERROR_RATE = 1 } ot_insight_type;

/* "ApiCallRateInsight" / "ApiErrorRateInsight". */
const char *ot_insight_type_name(ot_insight_type t);

/* ---- the detector: a pure function over one series of per-minute counts ---- */

#define OT_INSIGHTS_WINDOW_MIN 10080 /* the baseline: the 7 days before the minute judged */
#define OT_INSIGHTS_WARMUP_MIN 1440  /* nothing starts before a trail was counted for a day */
#define OT_INSIGHTS_MIN_START 5      /* a minute with fewer calls never starts an insight */
#define OT_INSIGHTS_MIN_STAY 2       /* ... and one with fewer never continues one */
#define OT_INSIGHTS_START_Z 6.0      /* starts above baseline + 6 sigma (Poisson: sigma^2 = mean) */
#define OT_INSIGHTS_STAY_Z 3.0       /* continues while above baseline + 3 sigma */

/* One series' detector state: an anomaly in progress, or none. */
typedef struct ot_insight_state {
    bool active;
    int64_t start_minute;     /* the first anomalous minute (minutes since the epoch) */
    int64_t last_minute;      /* the last anomalous minute so far */
    double baseline;          /* calls per minute in the baseline window, frozen at the start */
    int64_t baseline_minutes; /* the window's length (baselineDuration) */
    uint64_t first_count;     /* calls in the start minute */
    uint64_t calls;           /* calls in [start_minute, last_minute] */
} ot_insight_state;

typedef enum { OT_INSIGHT_NONE = 0, OT_INSIGHT_STARTS, OT_INSIGHT_ENDS } ot_insight_change;

/* Judges one closed minute of a series. count is the minute's calls, observed the number of
 * minutes the trail had been counted before it, window_sum the series' calls in the
 * min(observed, OT_INSIGHTS_WINDOW_MIN) minutes before it. Minutes must come in order, and
 * while s->active every minute must come (a minute without calls is a count of 0).
 * OT_INSIGHT_STARTS: the minute starts an anomaly (s filled). OT_INSIGHT_ENDS: the minute is
 * the first normal one after an anomaly (s still describes it; s->active is now false). */
ot_insight_change ot_insight_step(ot_insight_state *s, int64_t minute, uint64_t count,
                                  uint64_t window_sum, int64_t observed);

/* An anomaly found by ot_insight_scan: minutes are indexes into the series. */
typedef struct ot_insight_found {
    int64_t start;            /* first anomalous minute */
    int64_t end;              /* first normal minute after it; -1 if still going at the end */
    double baseline, start_average, average;
    int64_t baseline_minutes;
} ot_insight_found;

/* Runs the detector over counts[0..n) (minute i is the i-th minute the trail was counted),
 * writing up to cap anomalies to out; returns how many it found (may exceed cap). */
size_t ot_insight_scan(const uint64_t *counts, size_t n, ot_insight_found *out, size_t cap);

/* ---- the Insights event record ---- */

typedef struct ot_insight_subject {
    const char *trail_arn;    /* seeds the event IDs (the same anomaly, the same IDs) */
    const char *account_id;   /* recipientAccountId */
    const char *region;       /* awsRegion */
    const char *event_source, *event_name;
    const char *error_code;   /* "" for ApiCallRateInsight */
    ot_insight_type type;
} ot_insight_subject;

/* What the calls of an insight had in common: the top values of one attribute during the
 * insight and during its baseline, each with its average calls per minute. */
typedef enum {
    OT_INSIGHT_ATTR_USER = 0,  /* userIdentityArn */
    OT_INSIGHT_ATTR_AGENT,     /* userAgent */
    OT_INSIGHT_ATTR_ERROR,     /* errorCode ("null": no error); call-rate insights only */
    OT_INSIGHT_NATTRS
} ot_insight_attr;

#define OT_INSIGHTS_TOP 5             /* values listed per attribute, most calls first */
#define OT_INSIGHTS_VALUE_MAX 1024    /* longer values are cut */

typedef struct ot_insight_value {
    char value[OT_INSIGHTS_VALUE_MAX + 1];
    double average;
} ot_insight_value;

typedef struct ot_insight_attribution {
    ot_insight_attr attr;
    ot_insight_value insight[OT_INSIGHTS_TOP], baseline[OT_INSIGHTS_TOP];
    size_t ninsight, nbaseline;
} ot_insight_attribution;

/* "userIdentityArn", "userAgent", "errorCode". */
const char *ot_insight_attr_name(ot_insight_attr a);

/* Appends the compact JSON of the Start (end false) or End record of anomaly s of subject to
 * out, with insightContext.attributions from attrs[0..nattrs) when nattrs > 0. eventTime is the
 * start of the first anomalous minute, or for End the end of the last; eventID and
 * sharedEventID are UUID-shaped digests of (subject, start minute[, state]), so a record made
 * again after a crash is the same record. */
int ot_insight_record(const ot_insight_subject *subject, const ot_insight_state *s, bool end,
                      const ot_insight_attribution *attrs, size_t nattrs, ot_buf *out);

/* ---- the reader of the running server ---- */

#define OT_INSIGHTS_CURSOR "insights" /* its WAL cursor */

struct ot_wal;
struct ot_store;
struct ot_trail_db;

typedef struct ot_insights_opts {
    struct ot_wal *wal;           /* read through OT_INSIGHTS_CURSOR; Insights events go in */
    struct ot_store *store;       /* the trails' buckets */
    struct ot_trail_db *trails;   /* state.db */
    const char *path;             /* insights.db */
    int64_t (*now_ms)(void);      /* NULL: the wall clock (tests move it) */
} ot_insights_opts;

typedef struct ot_insights ot_insights;

/* Opens insights.db and starts the reader thread at its checkpoint. */
int ot_insights_start(const ot_insights_opts *o, ot_insights **out);
/* Stops the thread (after the batch in progress) and frees it. NULL is fine. */
void ot_insights_stop(ot_insights *in);

/* Statistics for tests and /metrics. */
typedef struct ot_insights_stats {
    uint64_t started, ended;      /* Insights events made since start */
    uint64_t files;               /* CloudTrail-Insight files written since start */
    uint64_t position;            /* WAL records <= this are counted */
} ot_insights_stats;

void ot_insights_stats_get(ot_insights *in, ot_insights_stats *out);

/* ---- the series as ListInsightsMetricData reads them (insights_series.c) ---- */

/* One metric of an account in a region, over minutes [from, to), summed per period-long bucket
 * (buckets start at multiples of period_min since the epoch). Every trail with Insights counts
 * the same management events, so a minute counted by several of the account's trails counts
 * once: its largest count. trail (an ARN) narrows it to that trail's counts. */
typedef struct ot_insights_query {
    const char *account, *region;
    const char *trail;            /* NULL: every trail the account owns */
    ot_insight_type type;
    const char *source, *name;
    const char *error;            /* the errorCode of ApiErrorRateInsight; "" for call rate */
    int64_t from_minute, to_minute;
    int64_t period_min;           /* >= 1 */
} ot_insights_query;

typedef struct ot_insights_point {
    int64_t minute;               /* the bucket's first minute (minutes since the epoch) */
    uint64_t calls;
} ot_insights_point;

/* The non-zero buckets of q, oldest first, at most max of them, read from insights.db at path
 * (opened read-only; a missing file is no data). *out is malloc'd (NULL when *n is 0). */
int ot_insights_series_read(const char *path, const ot_insights_query *q, size_t max,
                            ot_insights_point **out, size_t *n);

#endif
