/* api_insights_metric.c — ListInsightsMetricData: the per-minute counts the Insights reader
 * keeps in insights.db, summed per Period (60, 300 or 3600 seconds) and paged.
 *
 * A data point's timestamp is the start of its period, aligned to multiples of Period since
 * the epoch; the points of [StartTime, EndTime) are answered (StartTime inclusive, EndTime
 * exclusive, as the API reference states), oldest first. NonZeroData (the default) answers the
 * periods with calls; FillWithZeros every period of the range. A NextToken is the timestamp of
 * the next point to answer, bound to the range and Period it was made for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_insights_metric.h"
#include "api/api_time_range.h"
#include "api/aws_error.h"
#include "util/err.h"
#include "util/timeutil.h"

#define DAY_S 86400LL
#define DEFAULT_RANGE_S (90 * DAY_S) /* StartTime defaults to 90 days before the request */
#define DEFAULT_PERIOD_S 3600
#define MAX_POINTS 21600             /* MaxResults' maximum and default */

typedef struct metric_range {
    int64_t first_s;   /* the first period's timestamp: StartTime rounded up to a period */
    int64_t end_s;     /* EndTime (exclusive) */
    int64_t period_s;
    int64_t from_s;    /* where this page starts (first_s, or the NextToken's point) */
    int64_t max;       /* points on a page */
    bool fill;         /* FillWithZeros */
} metric_range;

static int parse_times(ct_ctx *c, metric_range *r, int64_t now_s)
{
    int64_t start_ms = (now_s - DEFAULT_RANGE_S) * 1000, end_ms = now_s * 1000;
    if (ct_time_range_ms(c, "InvalidParameterException", &start_ms, &end_ms))
        return -1;
    /* a fraction of a second past a period's start is after it; EndTime is exclusive */
    int64_t start = (start_ms + 999) / 1000, end = (end_ms + 999) / 1000;
    r->first_s = (start + r->period_s - 1) / r->period_s * r->period_s;
    r->end_s = end;
    return 0;
}

static int parse_shape(ct_ctx *c, metric_range *r)
{
    int64_t period = DEFAULT_PERIOD_S, max = MAX_POINTS;
    int rp = ct_int(c, c->in, "Period", &period);
    if (rp < 0)
        return -1;
    if (period != 60 && period != 300 && period != 3600)
        return ct_fail(c, "InvalidParameterException",
                       "Period is not valid: %lld. Valid values are 60, 300 and 3600.",
                       (long long)period);
    int rm = ct_int(c, c->in, "MaxResults", &max);
    if (rm < 0)
        return -1;
    if (max < 1 || max > MAX_POINTS)
        return ct_fail(c, "InvalidParameterException", "MaxResults must be 1 to %d.",
                       MAX_POINTS);
    const char *type = NULL;
    if (ct_str(c, c->in, "DataType", &type) < 0)
        return -1;
    r->period_s = period;
    r->max = max;
    r->fill = type && !strcmp(type, "FillWithZeros");
    return 0;
}

/* The token names the next point: "<timestamp>.<first>.<end>.<period>", so a token is only
 * taken back with the range and Period of the call that made it. */
static void token_make(const metric_range *r, int64_t next_s, char *out, size_t size)
{
    snprintf(out, size, "%lld.%lld.%lld.%lld", (long long)next_s, (long long)r->first_s,
             (long long)r->end_s, (long long)r->period_s);
}

/* The four numbers of a token, each a run of digits (strtoll saturates rather than overflow). */
static bool token_read(const char *token, long long v[4])
{
    const char *p = token;
    for (int i = 0; i < 4; i++) {
        char *end;
        if (*p < '0' || *p > '9')
            return false;
        v[i] = strtoll(p, &end, 10);
        if (*end != (i < 3 ? '.' : '\0'))
            return false;
        p = end + 1;
    }
    return true;
}

static int parse_token(ct_ctx *c, metric_range *r)
{
    const char *token;
    r->from_s = r->first_s;
    int rt = ct_str(c, c->in, "NextToken", &token);
    if (rt <= 0)
        return rt;
    long long v[4]; /* next, first, end, period */
    if (strlen(token) > 5000 || !token_read(token, v) || v[1] != r->first_s ||
        v[2] != r->end_s || v[3] != r->period_s || v[0] < v[1] || v[0] >= v[2] ||
        (v[0] - v[1]) % v[3])
        return ct_fail(c, "InvalidParameterException", "NextToken is not valid.");
    r->from_s = v[0];
    return 0;
}

static void write_header(ct_ctx *c, const ct_metric_req *m)
{
    ct_ok(c);
    if (m->trail_arn)
        ot_jw_kstr(&c->w, "TrailARN", m->trail_arn);
    ot_jw_kstr(&c->w, "EventSource", m->source);
    ot_jw_kstr(&c->w, "EventName", m->name);
    ot_jw_kstr(&c->w, "InsightType", ot_insight_type_name(m->type));
    if (m->error_code)
        ot_jw_kstr(&c->w, "ErrorCode", m->error_code);
}

/* The page's points into page[0..*n) (room for r->max): with fill every period from
 * r->from_s, else pts[0..npts). *next_s gets the next point's timestamp, or -1 at the end. */
static void page_points(const metric_range *r, const ot_insights_point *pts, size_t npts,
                        ot_insights_point *page, size_t *n, int64_t *next_s)
{
    size_t k = 0;
    int64_t at = r->from_s;
    *n = 0;
    *next_s = -1;
    for (;;) {
        if (!r->fill && k < npts)
            at = pts[k].minute * 60;
        if (at >= r->end_s || (!r->fill && k >= npts))
            return;
        if (*n == (size_t)r->max) {
            *next_s = at;
            return;
        }
        bool hit = k < npts && pts[k].minute * 60 == at;
        page[(*n)++] = (ot_insights_point){at, hit ? pts[k].calls : 0};
        k += hit;
        at += r->period_s;
    }
}

/* Timestamps[] then Values[] (the calls per period, as the model's Doubles). */
static void write_points(ct_ctx *c, const ot_insights_point *page, size_t n)
{
    ot_jw_key(&c->w, "Timestamps");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n; i++)
        ot_jw_int(&c->w, page[i].minute);
    ot_jw_end(&c->w);
    ot_jw_key(&c->w, "Values");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n; i++)
        ot_jw_num(&c->w, (double)page[i].calls);
    ot_jw_end(&c->w);
}

/* The end of the range's last period, in minutes: the counts a page may sum. */
static int64_t range_end_minute(const metric_range *r)
{
    if (r->end_s <= r->first_s)
        return r->first_s / 60;
    int64_t periods = (r->end_s - r->first_s + r->period_s - 1) / r->period_s;
    return (r->first_s + periods * r->period_s) / 60;
}

static int read_page(ct_ctx *c, const ct_metric_req *m, const metric_range *r,
                     ot_insights_point *page, size_t *n, int64_t *next_s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/insights.db", c->srv->cfg.data_dir);
    ot_insights_query q = {c->account, c->region, m->trail_arn, m->type, m->source, m->name,
                           m->error_code ? m->error_code : "", r->from_s / 60,
                           range_end_minute(r), r->period_s / 60};
    ot_insights_point *pts = NULL;
    size_t npts = 0;
    int rc = ot_insights_series_read(path, &q, (size_t)r->max + 1, &pts, &npts);
    if (!rc)
        page_points(r, pts, npts, page, n, next_s);
    free(pts);
    return rc;
}

int ct_insights_metric_answer(ct_ctx *c, const ct_metric_req *m)
{
    metric_range r;
    int64_t now_s = ot_now_ms() / 1000;
    if (parse_shape(c, &r) || parse_times(c, &r, now_s) || parse_token(c, &r))
        return -1;
    ot_insights_point *page = malloc((size_t)r.max * sizeof *page);
    size_t n = 0;
    int64_t next_s = -1;
    if (!page || read_page(c, m, &r, page, &n, &next_s)) {
        free(page);
        ot_aws_json_error(c->resp, 500, "InternalFailure", "The Insights data could not be read.");
        return -1;
    }
    write_header(c, m);
    write_points(c, page, n);
    free(page);
    if (next_s >= 0) {
        char token[128];
        token_make(&r, next_s, token, sizeof token);
        ot_jw_kstr(&c->w, "NextToken", token);
    }
    return 0;
}
