/* api_cw_metrics.c — the metric operations: PutMetricData, ListMetrics, GetMetricStatistics
 * and GetMetricData (MetricStat queries with SampleCount, Sum, Minimum, Maximum and Average;
 * metric math expressions are refused), as the CloudWatch API reference describes them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Operations.html). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cw_int.h"
#include "util/err.h"
#include "util/timeutil.h"

#define METRIC_DATA_MAX 1000       /* MetricData per PutMetricData */
#define VALUES_MAX 150             /* Values / Counts per datum */
#define PAST_MAX_MS (14LL * 86400 * 1000)   /* datapoints up to two weeks old ... */
#define FUTURE_MAX_MS (2LL * 3600 * 1000)   /* ... and two hours ahead */
#define LIST_PAGE 500              /* ListMetrics answers 500 metrics a page */
#define STATS_DATAPOINTS_MAX 1440  /* GetMetricStatistics */
#define QUERIES_MAX 500            /* GetMetricData */
#define DATAPOINTS_MAX 100800      /* GetMetricData's MaxDatapoints default */

/* ---- PutMetricData ---- */

/* The statistic set of a datum's Values/Counts, or OT_EINVAL-style false after answering. */
static bool read_values(ot_cw_call *c, const ot_cwd *datum, ot_cw_datum *d)
{
    const ot_cwd *v, *cnt;
    size_t nv, nc;
    if (!ot_cwapi_list(c, datum, "Values", false, VALUES_MAX, &v, &nv) ||
        !ot_cwapi_list(c, datum, "Counts", false, VALUES_MAX, &cnt, &nc))
        return false;
    if (nc && nc != nv)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameters Values and Counts must have the same length.");
    d->count = d->sum = 0;
    for (size_t i = 0; v; v = v->next, i++) {
        double x, k = 1;
        if (ot_cwd_num(v, &x) || (cnt && ot_cwd_num(cnt, &k)) || k < 0)
            return ot_cwapi_fail(c, "InvalidParameterValue",
                                 "The parameters Values and Counts must hold numbers.");
        cnt = cnt ? cnt->next : NULL;
        d->min = i ? (x < d->min ? x : d->min) : x;
        d->max = i ? (x > d->max ? x : d->max) : x;
        d->count += k;
        d->sum += x * k;
    }
    return true;
}

static bool read_statistic_set(ot_cw_call *c, const ot_cwd *set, ot_cw_datum *d)
{
    if (set->type != OT_CWD_MAP)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter StatisticValues must be a structure.");
    if (!ot_cwapi_num(c, set, "SampleCount", true, &d->count, NULL) ||
        !ot_cwapi_num(c, set, "Sum", true, &d->sum, NULL) ||
        !ot_cwapi_num(c, set, "Minimum", true, &d->min, NULL) ||
        !ot_cwapi_num(c, set, "Maximum", true, &d->max, NULL))
        return false;
    if (d->count <= 0 || d->min > d->max)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter StatisticValues must have SampleCount > 0 and "
                             "Minimum <= Maximum.");
    return true;
}

/* The value of one datum: exactly one of Value, StatisticValues and Values. */
static bool read_datum_value(ot_cw_call *c, const ot_cwd *datum, ot_cw_datum *d)
{
    const ot_cwd *set = ot_cwd_get(datum, "StatisticValues");
    bool has_value, has_values = ot_cwd_get(datum, "Values") != NULL;
    double x;
    if (!ot_cwapi_num(c, datum, "Value", false, &x, &has_value))
        return false;
    if (has_value + (set != NULL) + has_values != 1)
        return ot_cwapi_fail(c, "InvalidParameterCombination",
                             "A datum must have exactly one of the parameters Value, "
                             "StatisticValues and Values.");
    if (has_value) {
        *d = (ot_cw_datum){.count = 1, .sum = x, .min = x, .max = x};
        return true;
    }
    return set ? read_statistic_set(c, set, d) : read_values(c, datum, d);
}

static bool read_datum(ot_cw_call *c, const ot_cwd *datum, const char *ns, int64_t now,
                       ot_cw_point *p, ot_cw_dim *dims)
{
    int64_t res = 60;
    bool given;
    if (datum->type != OT_CWD_MAP)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter MetricData must be a list of structures.");
    if (!read_datum_value(c, datum, &p->d))
        return false;
    p->metric.namespace_ = ns;
    p->metric.dims = dims;
    if (!ot_cwapi_str(c, datum, "MetricName", true, 1, OT_CW_NAME_MAX, &p->metric.name) ||
        !ot_cwapi_dims(c, datum, "Dimensions", false, dims, &p->metric.ndims) ||
        !ot_cwapi_enum(c, datum, "Unit", false, OT_CWAPI_UNITS, &p->d.unit) ||
        !ot_cwapi_int(c, datum, "StorageResolution", false, 1, 60, &res, NULL) ||
        !ot_cwapi_time(c, datum, "Timestamp", false, &p->d.ts_ms, &given))
        return false;
    if (res != 1 && res != 60)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter StorageResolution must be 1 or 60.");
    p->d.resolution_s = (int)res;
    if (!given)
        p->d.ts_ms = now;
    if (p->d.ts_ms < now - PAST_MAX_MS || p->d.ts_ms > now + FUTURE_MAX_MS)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter MetricData.member.Timestamp must be within the "
                             "last two weeks and at most two hours ahead.");
    return true;
}

void ot_cwapi_put_metric_data(ot_cw_call *c)
{
    const char *ns;
    const ot_cwd *datum;
    size_t n;
    if (!ot_cwapi_str(c, c->in, "Namespace", true, 1, OT_CW_NAME_MAX, &ns) ||
        !ot_cwapi_list(c, c->in, "MetricData", true, METRIC_DATA_MAX, &datum, &n))
        return;
    if (!strncmp(ns, "AWS/", 4) || ns[0] == ':') {
        ot_cwapi_fail(c, "InvalidParameterValue",
                      "The value %s for parameter Namespace is invalid.", ns);
        return;
    }
    if (!n) {
        ot_cwapi_fail(c, "MissingParameter", "The parameter MetricData is required.");
        return;
    }
    ot_cw_point *points = calloc(n, sizeof *points);
    ot_cw_dim *dims = calloc(n * OT_CW_DIMS_MAX, sizeof *dims);
    int64_t now = ot_now_ms();
    bool ok = points && dims;
    if (!ok)
        ot_cwapi_store_error(c, OT_ENOMEM, "");
    for (size_t i = 0; ok && datum; datum = datum->next, i++)
        ok = read_datum(c, datum, ns, now, &points[i], &dims[i * OT_CW_DIMS_MAX]);
    int rc = ok ? ot_cw_put(c->cw, &c->scope, points, n) : OT_OK;
    if (rc)
        ot_cwapi_store_error(c, rc, "");
    else if (ok)
        ot_cwapi_empty(c);
    free(points);
    free(dims);
}

/* ---- ListMetrics ---- */

static void write_metric(ot_cww *w, const char *key, const ot_cw_metric_row *m)
{
    ot_cww_map(w, key);
    ot_cww_str(w, "Namespace", m->namespace_);
    ot_cww_str(w, "MetricName", m->name);
    ot_cww_list(w, "Dimensions");
    for (size_t i = 0; i < m->ndims; i++)
        ot_cwapi_write_dim(w, m->dims[i].name, m->dims[i].value);
    ot_cww_end(w);
    ot_cww_end(w);
}

void ot_cwapi_list_metrics(ot_cw_call *c)
{
    ot_cw_dim dims[OT_CW_DIMS_MAX];
    static const char *const RECENT[] = {"PT3H", NULL};
    const char *recent;
    ot_cw_metric_query q = {.dims = dims, .limit = LIST_PAGE + 1};
    if (!ot_cwapi_str(c, c->in, "Namespace", false, 1, OT_CW_NAME_MAX, &q.namespace_) ||
        !ot_cwapi_str(c, c->in, "MetricName", false, 1, OT_CW_NAME_MAX, &q.name) ||
        !ot_cwapi_dims(c, c->in, "Dimensions", true, dims, &q.ndims) ||
        !ot_cwapi_enum(c, c->in, "RecentlyActive", false, RECENT, &recent) ||
        !ot_cwapi_next_token(c, &q.offset))
        return;
    if (recent)
        q.since_ms = ot_now_ms() - 3 * 3600 * 1000LL;
    ot_cw_metric_row *rows = NULL;
    size_t n = 0;
    int rc = ot_cw_metrics_list(c->cw, &c->scope, &q, &rows, &n);
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return;
    }
    ot_cwapi_begin(c);
    ot_cww_list(&c->w, "Metrics");
    for (size_t i = 0; i < n && i < LIST_PAGE; i++)
        write_metric(&c->w, NULL, &rows[i]);
    ot_cww_end(&c->w);
    if (n > LIST_PAGE)
        ot_cwapi_write_next_token(c, q.offset + LIST_PAGE);
    ot_cwapi_end(c);
    ot_cw_metrics_free(rows, n);
}

/* ---- GetMetricStatistics ---- */

/* Periods CloudWatch accepts: 1, 5, 10, 30 (high resolution) or a multiple of 60. */
static bool period_ok(ot_cw_call *c, const char *key, int64_t p)
{
    if (p == 1 || p == 5 || p == 10 || p == 30 || (p >= 60 && p % 60 == 0))
        return true;
    return ot_cwapi_fail(c, "InvalidParameterValue",
                         "The parameter %s must be 1, 5, 10, 30 or a multiple of 60.", key);
}

static bool time_range(ot_cw_call *c, const char *start_key, const char *end_key,
                       int64_t *start, int64_t *end)
{
    if (!ot_cwapi_time(c, c->in, start_key, true, start, NULL) ||
        !ot_cwapi_time(c, c->in, end_key, true, end, NULL))
        return false;
    if (*start >= *end)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter %s must be less than the parameter %s.", start_key,
                             end_key);
    return true;
}

static double stat_value(const ot_cw_stats *s, const char *stat)
{
    if (!strcmp(stat, "SampleCount"))
        return s->count;
    if (!strcmp(stat, "Sum"))
        return s->sum;
    if (!strcmp(stat, "Minimum"))
        return s->min;
    if (!strcmp(stat, "Maximum"))
        return s->max;
    return s->count > 0 ? s->sum / s->count : 0; /* Average */
}

static bool statistics_named(ot_cw_call *c, const char **stats, size_t *n)
{
    const ot_cwd *ext;
    size_t next;
    if (!ot_cwapi_strings(c, c->in, "Statistics", false, 5, 16, stats, n) ||
        !ot_cwapi_list(c, c->in, "ExtendedStatistics", false, 10, &ext, &next))
        return false;
    if (next)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "ExtendedStatistics (percentiles) are not supported by this "
                             "server: ask for SampleCount, Average, Sum, Minimum or Maximum.");
    if (!*n)
        return ot_cwapi_fail(c, "InvalidParameterCombination",
                             "Must specify either Statistics or ExtendedStatistics.");
    for (size_t i = 0; i < *n; i++) {
        size_t k = 0;
        while (OT_CWAPI_STATISTICS[k] && strcmp(OT_CWAPI_STATISTICS[k], stats[i]))
            k++;
        if (!OT_CWAPI_STATISTICS[k])
            return ot_cwapi_fail(c, "InvalidParameterValue",
                                 "The parameter Statistics must hold only SampleCount, "
                                 "Average, Sum, Minimum or Maximum.");
    }
    return true;
}

void ot_cwapi_get_metric_statistics(ot_cw_call *c)
{
    ot_cw_dim dims[OT_CW_DIMS_MAX];
    ot_cw_metric m;
    const char *stats[5], *unit;
    size_t nstats;
    int64_t start, end, period;
    if (!ot_cwapi_metric(c, c->in, true, &m, dims) ||
        !time_range(c, "StartTime", "EndTime", &start, &end) ||
        !ot_cwapi_int(c, c->in, "Period", true, 1, 86400LL * 455, &period, NULL) ||
        !period_ok(c, "Period", period) || !statistics_named(c, stats, &nstats) ||
        !ot_cwapi_enum(c, c->in, "Unit", false, OT_CWAPI_UNITS, &unit))
        return;
    int64_t points = (end - start + period * 1000 - 1) / (period * 1000);
    if (points > STATS_DATAPOINTS_MAX) {
        ot_cwapi_fail(c, "InvalidParameterCombination",
                      "You have requested up to %" PRId64 " datapoints, which exceeds the "
                      "limit of %d. You may reduce the datapoints requested by increasing "
                      "Period, or decreasing the time range.", points, STATS_DATAPOINTS_MAX);
        return;
    }
    ot_cw_stats *rows = NULL;
    size_t n = 0;
    int rc = ot_cw_statistics(c->cw, &c->scope, &m, start, end, (int)period, unit, &rows, &n);
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return;
    }
    ot_cwapi_begin(c);
    ot_cww_str(&c->w, "Label", m.name);
    ot_cww_list(&c->w, "Datapoints");
    for (size_t i = 0; i < n; i++) {
        ot_cww_map(&c->w, NULL);
        ot_cww_time(&c->w, "Timestamp", rows[i].ts_ms);
        for (size_t k = 0; k < nstats; k++)
            ot_cww_num(&c->w, stats[k], stat_value(&rows[i], stats[k]));
        ot_cww_str(&c->w, "Unit", rows[i].unit[0] ? rows[i].unit : "None");
        ot_cww_end(&c->w);
    }
    ot_cww_end(&c->w);
    ot_cwapi_end(c);
    free(rows);
}

/* ---- GetMetricData ---- */

typedef struct data_query {
    const char *id, *label, *stat, *unit;
    bool return_data;
    int64_t period;
    ot_cw_metric metric;
    ot_cw_dim dims[OT_CW_DIMS_MAX];
} data_query;

static bool id_ok(const char *id)
{
    if (!(id[0] >= 'a' && id[0] <= 'z'))
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

static bool read_metric_stat(ot_cw_call *c, const ot_cwd *ms, data_query *q)
{
    const ot_cwd *metric = ot_cwd_get(ms, "Metric");
    if (!metric)
        return ot_cwapi_fail(c, "MissingParameter", "The parameter MetricStat.Metric is "
                             "required.");
    return ot_cwapi_metric(c, metric, true, &q->metric, q->dims) &&
           ot_cwapi_int(c, ms, "Period", true, 1, 86400LL * 455, &q->period, NULL) &&
           period_ok(c, "MetricStat.Period", q->period) &&
           ot_cwapi_enum(c, ms, "Stat", true, OT_CWAPI_STATISTICS, &q->stat) &&
           ot_cwapi_enum(c, ms, "Unit", false, OT_CWAPI_UNITS, &q->unit);
}

static bool read_query(ot_cw_call *c, const ot_cwd *v, data_query *q)
{
    const ot_cwd *ms = ot_cwd_get(v, "MetricStat");
    const char *expr;
    q->return_data = true;
    if (v->type != OT_CWD_MAP)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter MetricDataQueries must be a list of structures.");
    if (!ot_cwapi_str(c, v, "Id", true, 1, 255, &q->id) ||
        !ot_cwapi_str(c, v, "Label", false, 0, 1024, &q->label) ||
        !ot_cwapi_str(c, v, "Expression", false, 1, 2048, &expr) ||
        !ot_cwapi_bool(c, v, "ReturnData", &q->return_data, NULL))
        return false;
    if (!id_ok(q->id))
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The value %s for parameter MetricDataQueries.member.Id is "
                             "invalid: it starts with a lowercase letter and holds only "
                             "letters, digits and underscores.", q->id);
    if (expr && ms)
        return ot_cwapi_fail(c, "InvalidParameterCombination",
                             "A query has either MetricStat or Expression, not both.");
    if (expr)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "Metric math expressions are not supported by this server "
                             "(query %s): use MetricStat.", q->id);
    if (!ms)
        return ot_cwapi_fail(c, "InvalidParameterCombination",
                             "A query must have either MetricStat or Expression.");
    if (!read_metric_stat(c, ms, q))
        return false;
    if (!q->label)
        q->label = q->metric.name;
    return true;
}

/* Writes one query's result; *budget is the datapoints still allowed in the answer. */
static int write_result(ot_cw_call *c, const data_query *q, int64_t start, int64_t end,
                        bool ascending, int64_t *budget)
{
    ot_cw_stats *rows = NULL;
    size_t n = 0;
    int rc = ot_cw_statistics(c->cw, &c->scope, &q->metric, start, end, (int)q->period,
                              q->unit, &rows, &n);
    if (rc)
        return rc;
    size_t keep = (int64_t)n > *budget ? (size_t)*budget : n;
    *budget -= (int64_t)keep;
    ot_cww_map(&c->w, NULL);
    ot_cww_str(&c->w, "Id", q->id);
    ot_cww_str(&c->w, "Label", q->label);
    ot_cww_list(&c->w, "Timestamps");
    for (size_t i = 0; i < keep; i++)
        ot_cww_time(&c->w, NULL, rows[ascending ? i : n - 1 - i].ts_ms);
    ot_cww_end(&c->w);
    ot_cww_list(&c->w, "Values");
    for (size_t i = 0; i < keep; i++)
        ot_cww_num(&c->w, NULL, stat_value(&rows[ascending ? i : n - 1 - i], q->stat));
    ot_cww_end(&c->w);
    ot_cww_str(&c->w, "StatusCode", keep < n ? "PartialData" : "Complete");
    ot_cww_list(&c->w, "Messages");
    ot_cww_end(&c->w);
    ot_cww_end(&c->w);
    free(rows);
    return OT_OK;
}

static bool read_queries(ot_cw_call *c, data_query **out, size_t *n)
{
    const ot_cwd *v;
    if (!ot_cwapi_list(c, c->in, "MetricDataQueries", true, QUERIES_MAX, &v, n))
        return false;
    if (!*n)
        return ot_cwapi_fail(c, "MissingParameter",
                             "The parameter MetricDataQueries is required.");
    data_query *q = *out = calloc(*n, sizeof *q);
    if (!q)
        return ot_cwapi_fail(c, "InternalServiceError", "Out of memory.");
    for (size_t i = 0; v; v = v->next, i++) {
        if (!read_query(c, v, &q[i]))
            return false;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(q[j].id, q[i].id))
                return ot_cwapi_fail(c, "InvalidParameterValue",
                                     "The value %s for parameter MetricDataQueries.member.Id "
                                     "is used twice.", q[i].id);
    }
    return true;
}

void ot_cwapi_get_metric_data(ot_cw_call *c)
{
    static const char *const SCAN[] = {"TimestampDescending", "TimestampAscending", NULL};
    data_query *q = NULL;
    size_t n = 0;
    int64_t start, end, max = DATAPOINTS_MAX, offset;
    const char *scan;
    if (!read_queries(c, &q, &n) || !time_range(c, "StartTime", "EndTime", &start, &end) ||
        !ot_cwapi_enum(c, c->in, "ScanBy", false, SCAN, &scan) ||
        !ot_cwapi_int(c, c->in, "MaxDatapoints", false, 1, DATAPOINTS_MAX, &max, NULL) ||
        !ot_cwapi_next_token(c, &offset)) {
        free(q);
        return;
    }
    bool ascending = scan && !strcmp(scan, "TimestampAscending");
    ot_cwapi_begin(c);
    ot_cww_list(&c->w, "MetricDataResults");
    int rc = OT_OK;
    for (size_t i = 0; i < n && !rc; i++)
        if (q[i].return_data)
            rc = write_result(c, &q[i], start, end, ascending, &max);
    ot_cww_end(&c->w);
    ot_cww_list(&c->w, "Messages");
    ot_cww_end(&c->w);
    if (rc)
        ot_cwapi_store_error(c, rc, "");
    else
        ot_cwapi_end(c);
    free(q);
}
