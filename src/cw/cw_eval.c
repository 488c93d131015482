/* cw_eval.c — evaluating alarms on time: each alarm's evaluation range of aligned periods is
 * read from the datapoints, cw_decide picks the new state, and a change is committed (with
 * its actions) by cw_transition, carrying the reason text and StateReasonData JSON CloudWatch
 * writes.
 *
 * Periods end at the last whole minute (10 s for high-resolution periods), as CloudWatch's
 * sliding window does: at 16:14:03 a 300 s alarm of one period looks at 16:09:00-16:14:00. The
 * range is N + 2 periods (5 for N = 3, AWS's example), so a few missing points can be looked
 * past. An alarm whose state was set after the window's end (by SetAlarmState, or by an
 * evaluation of this same window) is left alone until the window moves: as in CloudWatch, a
 * state set by hand holds until the next evaluation, up to a minute later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/metrics.h"

OT_GAUGE_L(m_alarms, "opentrail_alarms", "CloudWatch alarms by state, as last evaluated.",
           OT_LABELS("state"));

#define RANGE_EXTRA 2
#define RANGE_MAX (OT_CW_EVAL_PERIODS_MAX + RANGE_EXTRA)

/* One alarm's evaluation range: per period its start, value and class. */
typedef struct eval_range {
    int n;             /* periods, oldest first */
    int64_t start_ms;  /* of the oldest */
    int64_t period_ms;
    int64_t ts[RANGE_MAX];
    double value[RANGE_MAX], count[RANGE_MAX];
    cw_pt pt[RANGE_MAX];
} eval_range;

static int64_t window_end(int64_t now_ms, int64_t period_ms)
{
    int64_t step = period_ms < 60000 ? 10000 : 60000;
    return now_ms / step * step;
}

static int load_range(ot_cw *cw, const cw_alarm_row *r, int64_t now_ms, eval_range *e)
{
    const ot_cw_alarm *a = &r->a;
    e->period_ms = a->period_s * 1000LL;
    e->n = a->evaluation_periods + RANGE_EXTRA;
    e->start_ms = window_end(now_ms, e->period_ms) - e->n * e->period_ms;
    for (int i = 0; i < e->n; i++) {
        e->ts[i] = e->start_ms + i * e->period_ms;
        e->pt[i] = CW_PT_MISSING;
    }
    ot_cw_scope s = {r->account, r->region};
    ot_cw_metric m = {a->namespace_, a->metric_name, a->dims, a->ndims};
    ot_cw_stats *st = NULL;
    size_t n = 0;
    pthread_mutex_lock(&cw->mu);
    int rc = cw_statistics_locked(cw, &s, &m, e->start_ms, e->start_ms + e->n * e->period_ms,
                                  a->period_s, a->unit, &st, &n);
    pthread_mutex_unlock(&cw->mu);
    for (size_t i = 0; !rc && i < n; i++) {
        int k = (int)((st[i].ts_ms - e->start_ms) / e->period_ms);
        bool breach = false;
        rc = cw_stat_value(&st[i], a->statistic, &e->value[k]);
        if (!rc)
            rc = cw_breaches(a->comparison, e->value[k], a->threshold, &breach);
        e->count[k] = st[i].count;
        e->pt[k] = breach ? CW_PT_BREACHING : CW_PT_OK;
    }
    free(st);
    return rc;
}

/* ---- the reason text ---- */

static const char *op_text(const char *comparison)
{
    if (!strcmp(comparison, "GreaterThanOrEqualToThreshold"))
        return "greater than or equal to";
    if (!strcmp(comparison, "GreaterThanThreshold"))
        return "greater than";
    if (!strcmp(comparison, "LessThanThreshold"))
        return "less than";
    return "less than or equal to";
}

/* " [1.0 (13/03/22 16:09:00), ...]": the points of class want, newest first; their count. */
static int point_list(ot_buf *b, const eval_range *e, const cw_decision *d, cw_pt want)
{
    int n = 0;
    ot_buf_puts(b, " [");
    for (int i = e->n - 1; d->first >= 0 && i >= d->first; i--) {
        if (e->pt[i] != want)
            continue;
        time_t secs = (time_t)(e->ts[i] / 1000);
        struct tm tm;
        char when[24];
        gmtime_r(&secs, &tm);
        strftime(when, sizeof when, "%d/%m/%y %H:%M:%S", &tm);
        ot_buf_puts(b, n++ ? ", " : "");
        cw_num_text(b, e->value[i]);
        ot_buf_printf(b, " (%s)", when);
    }
    ot_buf_puts(b, "]");
    return n;
}

static void threshold_reason(ot_buf *b, const ot_cw_alarm *a, const eval_range *e,
                             const cw_decision *d)
{
    bool alarm = d->state == OT_CW_ALARM;
    int n_eval = a->evaluation_periods;
    int m = a->datapoints_to_alarm ? a->datapoints_to_alarm : n_eval;
    ot_buf list;
    ot_buf_init(&list, 0);
    int n = point_list(&list, e, d, alarm ? CW_PT_BREACHING : CW_PT_OK);
    if (m == n_eval && n == n_eval)
        ot_buf_printf(b, "Threshold Crossed: %d datapoint%s", n, n == 1 ? "" : "s");
    else
        ot_buf_printf(b, "Threshold Crossed: %d out of the last %d datapoints", n, n_eval);
    ot_buf_printf(b, "%s %s %s%s the threshold (", list.data, n == 1 ? "was" : "were",
                  alarm ? "" : "not ", op_text(a->comparison));
    cw_num_text(b, a->threshold);
    ot_buf_puts(b, ")");
    if (m != n_eval || n != n_eval) {
        int need = alarm ? m : n_eval - m + 1;
        ot_buf_printf(b, " (minimum %d datapoint%s for %s transition)", need,
                      need == 1 ? "" : "s", alarm ? "OK -> ALARM" : "ALARM -> OK");
    }
    ot_buf_puts(b, ".");
    ot_buf_free(&list);
}

static void reason_text(ot_buf *b, const ot_cw_alarm *a, const eval_range *e,
                        const cw_decision *d)
{
    int n_eval = a->evaluation_periods;
    if (d->state == OT_CW_INSUFFICIENT_DATA)
        ot_buf_printf(b, "Insufficient Data: %d datapoint%s unknown.", n_eval,
                      n_eval == 1 ? " was" : "s were");
    else if (d->why == CW_WHY_NO_DATA)
        ot_buf_printf(b,
                      "Threshold Crossed: no datapoints were received for %d period%s and %d "
                      "missing datapoint%s treated as [%s].",
                      n_eval, n_eval == 1 ? "" : "s", n_eval, n_eval == 1 ? " was" : "s were",
                      d->state == OT_CW_ALARM ? "Breaching" : "NonBreaching");
    else
        threshold_reason(b, a, e, d);
}

/* StateReasonData: {"version":"1.0","queryDate",...,"evaluatedDatapoints":[...]}. */
static void reason_data(ot_buf *b, const ot_cw_alarm *a, const eval_range *e,
                        const cw_decision *d, int64_t now_ms)
{
    char t[32];
    ot_jw w;
    ot_jw_init(&w, b);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "version", "1.0");
    cw_time_format(now_ms, t);
    ot_jw_kstr(&w, "queryDate", t);
    cw_time_format(d->first >= 0 ? e->ts[d->first] : e->ts[e->n - a->evaluation_periods], t);
    ot_jw_kstr(&w, "startDate", t);
    ot_jw_kstr(&w, "statistic", a->statistic);
    ot_jw_kint(&w, "period", a->period_s);
    ot_jw_key(&w, "recentDatapoints");
    ot_jw_arr(&w);
    for (int i = d->first >= 0 ? d->first : e->n; i < e->n; i++)
        if (e->pt[i] != CW_PT_MISSING)
            cw_jw_double(&w, e->value[i]);
    ot_jw_end(&w);
    ot_jw_key(&w, "threshold");
    cw_jw_double(&w, a->threshold);
    ot_jw_key(&w, "evaluatedDatapoints");
    ot_jw_arr(&w);
    for (int i = e->n - 1; d->first >= 0 && i >= d->first; i--) {
        if (e->pt[i] == CW_PT_MISSING)
            continue;
        cw_time_format(e->ts[i], t);
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "timestamp", t);
        ot_jw_key(&w, "sampleCount");
        cw_jw_double(&w, e->count[i]);
        ot_jw_key(&w, "value");
        cw_jw_double(&w, e->value[i]);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    ot_jw_end(&w);
}

/* ---- one alarm, every alarm ---- */

static int eval_one(ot_cw *cw, cw_alarm_row *r, int64_t now_ms)
{
    ot_cw_alarm *a = &r->a;
    cw_treat treat;
    if (a->evaluation_periods > OT_CW_EVAL_PERIODS_MAX || cw_treat_parse(a->treat_missing, &treat))
        return OT_EINVAL; /* PutMetricAlarm refuses these; an old row is skipped */
    if (a->state_updated_ms >= window_end(now_ms, a->period_s * 1000LL))
        return OT_OK; /* set since the window last moved (SetAlarmState): it holds till then */
    eval_range e;
    int rc = load_range(cw, r, now_ms, &e);
    if (rc)
        return rc;
    cw_decision d = cw_decide(e.pt, e.n, a->evaluation_periods, a->datapoints_to_alarm, treat,
                              a->state);
    if (d.state == a->state)
        return OT_OK; /* nothing to record: actions fire on transitions only */
    ot_buf reason, data;
    ot_buf_init(&reason, 0);
    ot_buf_init(&data, 0);
    reason_text(&reason, a, &e, &d);
    reason_data(&data, a, &e, &d, now_ms);
    cw_change c = {.state = d.state, .reason = reason.data, .reason_data = data.data,
                   .now_ms = now_ms};
    ot_cw_scope s = {r->account, r->region};
    rc = cw_transition(cw, &s, a->name, &c);
    if (!rc)
        a->state = d.state;
    ot_buf_free(&reason);
    ot_buf_free(&data);
    return rc;
}

static void set_gauges(const cw_alarm_row *rows, size_t n)
{
    double count[3] = {0};
    for (size_t i = 0; i < n; i++)
        count[rows[i].a.state <= OT_CW_INSUFFICIENT_DATA ? rows[i].a.state : 2]++;
    for (int st = 0; st < 3; st++)
        ot_series_set(ot_metric_with(&m_alarms, OT_VALUES(ot_cw_state_name((ot_cw_state)st))),
                      count[st]);
}

int cw_eval_all(ot_cw *cw, int64_t now_ms)
{
    cw_alarm_row *rows = NULL;
    size_t n = 0;
    int rc = cw_alarms_all(cw, &rows, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        int one = eval_one(cw, &rows[i], now_ms);
        if (one == OT_EINVAL || one == OT_ENOTFOUND)
            continue; /* a bad or just deleted alarm does not stop the others */
        rc = one;
    }
    if (!rc)
        set_gauges(rows, n);
    cw_alarm_rows_free(rows, n);
    return rc;
}

int ot_cw_evaluate(ot_cw *cw, int64_t now_ms)
{
    pthread_mutex_lock(&cw->run_mu);
    int rc = cw_eval_all(cw, now_ms);
    int arc = cw_actions_run(cw, now_ms);
    int src = cw_retention_sweep(cw, now_ms);
    pthread_mutex_unlock(&cw->run_mu);
    return rc ? rc : arc ? arc : src;
}
