/* monitor_cis.c — `opentrail monitor cis`: puts the CIS pack (cis_pack.h) on a log group and a
 * topic. It reads what is there first (DescribeMetricFilters, DescribeAlarms) and writes only
 * what differs (PutMetricFilter, PutMetricAlarm), so a second run with the same arguments
 * changes nothing and says so. An alarm's other actions are kept; the topic is added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cis_pack.h"
#include "cli/cli.h"
#include "cli/monitor.h"
#include "cw/cw.h"
#include "util/err.h"
#include "util/jsonw.h"

#define MAX_CONTROLS 32

typedef enum { ST_MISSING, ST_DIFFERENT, ST_SAME } state;
static const char *const verb[] = {"created", "updated", "unchanged"};

typedef struct alarm_actions {
    char arn[OT_CW_ACTIONS_MAX][1024];
    size_t n;
} alarm_actions;

typedef struct cis_run {
    ot_monitor *m;
    const ot_monitor_opts *o;
    const ot_cis_control *ctl;
    size_t n;
    char topic[1024];
    state filter[MAX_CONTROLS], alarm[MAX_CONTROLS];
    alarm_actions actions[MAX_CONTROLS]; /* an existing alarm's AlarmActions */
} cis_run;

static int control_index(const cis_run *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->ctl[i].name, name))
            return (int)i;
    return -1;
}

static bool str_is(ot_json obj, const char *key, const char *want)
{
    const char *s;
    size_t n;
    return ot_json_get_str(obj, key, &s, &n) == 0 && n == strlen(want) && !memcmp(s, want, n);
}

static bool num_is(ot_json obj, const char *key, double want)
{
    ot_json v;
    double d;
    return ot_json_get(obj, key, &v) == 0 && ot_json_double(v, &d) == 0 && d == want;
}

/* ---- what is there ---- */

static state filter_state(const cis_run *r, const ot_cis_control *c, ot_json f)
{
    ot_json ts, t;
    ot_json_iter it;
    if (!str_is(f, "filterPattern", c->pattern) || ot_json_get(f, "metricTransformations", &ts) ||
        ot_json_count(ts) != 1 || ot_json_array_iter(ts, &it) || !ot_json_array_next(&it, &t))
        return ST_DIFFERENT;
    bool same = str_is(t, "metricName", c->name) && str_is(t, "metricNamespace", r->o->namespace_) &&
                str_is(t, "metricValue", OT_CIS_METRIC_VALUE);
    return same ? ST_SAME : ST_DIFFERENT;
}

static void group_member(void *ctx, ot_jw *w)
{
    ot_jw_kstr(w, "logGroupName", ((cis_run *)ctx)->o->log_group);
}

static int on_filter(void *ctx, ot_json f)
{
    cis_run *r = ctx;
    char name[600];
    ot_monitor_get_str(f, "filterName", name, sizeof name);
    int i = control_index(r, name);
    if (i >= 0)
        r->filter[i] = filter_state(r, &r->ctl[i], f);
    return OT_OK;
}

static void keep_actions(alarm_actions *a, ot_json alarm)
{
    ot_json list, v;
    ot_json_iter it;
    const char *s;
    size_t n;
    a->n = 0;
    if (ot_json_get(alarm, "AlarmActions", &list) || ot_json_array_iter(list, &it))
        return;
    while (a->n < OT_CW_ACTIONS_MAX && ot_json_array_next(&it, &v))
        if (ot_json_str(v, &s, &n) == 0)
            snprintf(a->arn[a->n++], sizeof a->arn[0], "%.*s", (int)n, s);
}

static bool has_action(const alarm_actions *a, const char *arn)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->arn[i], arn))
            return true;
    return false;
}

static state alarm_state(const cis_run *r, size_t i, ot_json a)
{
    const ot_cis_control *c = &r->ctl[i];
    bool enabled = false;
    ot_json_get_bool(a, "ActionsEnabled", &enabled);
    bool same = enabled && has_action(&r->actions[i], r->topic) &&
                str_is(a, "MetricName", c->name) && str_is(a, "Namespace", r->o->namespace_) &&
                str_is(a, "Statistic", OT_CIS_STATISTIC) &&
                str_is(a, "ComparisonOperator", OT_CIS_COMPARISON) &&
                str_is(a, "TreatMissingData", OT_CIS_TREAT_MISSING) &&
                num_is(a, "Period", r->o->period_s) &&
                num_is(a, "EvaluationPeriods", OT_CIS_EVALUATION_PERIODS) &&
                num_is(a, "Threshold", c->threshold);
    return same ? ST_SAME : ST_DIFFERENT;
}

static void alarm_names(void *ctx, ot_jw *w)
{
    const cis_run *r = ctx;
    ot_jw_key(w, "AlarmNames");
    ot_jw_arr(w);
    for (size_t i = 0; i < r->n; i++)
        ot_jw_str(w, r->ctl[i].name);
    ot_jw_end(w);
}

static int on_alarm(void *ctx, ot_json a)
{
    cis_run *r = ctx;
    char name[300];
    ot_monitor_get_str(a, "AlarmName", name, sizeof name);
    int i = control_index(r, name);
    if (i >= 0) {
        keep_actions(&r->actions[i], a);
        r->alarm[i] = alarm_state(r, (size_t)i, a);
    }
    return OT_OK;
}

/* The group's metric filters, and the alarms of the pack's names, every page. */
static int read_current(cis_run *r)
{
    int rc = ot_monitor_each(r->m, &r->m->logs, "DescribeMetricFilters", group_member,
                             "metricFilters", "nextToken", on_filter, r);
    if (!rc)
        rc = ot_monitor_each(r->m, &r->m->cw, "DescribeAlarms", alarm_names, "MetricAlarms",
                             "NextToken", on_alarm, r);
    return rc;
}

/* ---- what is written ---- */

/* One control of a run, for the members of its PutMetricFilter and PutMetricAlarm. */
typedef struct cis_item {
    const cis_run *r;
    size_t i;
} cis_item;

static void filter_members(void *ctx, ot_jw *w)
{
    const cis_item *k = ctx;
    const ot_cis_control *c = &k->r->ctl[k->i];
    ot_jw_kstr(w, "logGroupName", k->r->o->log_group);
    ot_jw_kstr(w, "filterName", c->name);
    ot_jw_kstr(w, "filterPattern", c->pattern);
    ot_jw_key(w, "metricTransformations");
    ot_jw_arr(w);
    ot_jw_obj(w);
    ot_jw_kstr(w, "metricName", c->name);
    ot_jw_kstr(w, "metricNamespace", k->r->o->namespace_);
    ot_jw_kstr(w, "metricValue", OT_CIS_METRIC_VALUE);
    ot_jw_end(w);
    ot_jw_end(w);
}

static void alarm_actions_member(const cis_run *r, size_t i, ot_jw *w)
{
    ot_jw_key(w, "AlarmActions");
    ot_jw_arr(w);
    for (size_t k = 0; k < r->actions[i].n; k++)
        if (strcmp(r->actions[i].arn[k], r->topic))
            ot_jw_str(w, r->actions[i].arn[k]);
    ot_jw_str(w, r->topic);
    ot_jw_end(w);
}

static void alarm_members(void *ctx, ot_jw *w)
{
    const cis_item *k = ctx;
    const ot_cis_control *c = &k->r->ctl[k->i];
    char desc[512];
    snprintf(desc, sizeof desc, "%s (%s): %s. Created by opentrail monitor cis.", c->id, c->cis,
             c->title);
    ot_jw_kstr(w, "AlarmName", c->name);
    ot_jw_kstr(w, "AlarmDescription", desc);
    ot_jw_kbool(w, "ActionsEnabled", true);
    alarm_actions_member(k->r, k->i, w);
    ot_jw_kstr(w, "MetricName", c->name);
    ot_jw_kstr(w, "Namespace", k->r->o->namespace_);
    ot_jw_kstr(w, "Statistic", OT_CIS_STATISTIC);
    ot_jw_kint(w, "Period", k->r->o->period_s);
    ot_jw_kint(w, "EvaluationPeriods", OT_CIS_EVALUATION_PERIODS);
    ot_jw_key(w, "Threshold");
    ot_jw_num(w, c->threshold);
    ot_jw_kstr(w, "ComparisonOperator", OT_CIS_COMPARISON);
    ot_jw_kstr(w, "TreatMissingData", OT_CIS_TREAT_MISSING);
}

static int apply(cis_run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        cis_item k = {r, i};
        ot_json answer;
        int rc = OT_OK;
        if (r->filter[i] != ST_SAME)
            rc = ot_monitor_request(r->m, &r->m->logs, "PutMetricFilter", filter_members, &k,
                                    &answer);
        if (!rc && r->alarm[i] != ST_SAME)
            rc = ot_monitor_request(r->m, &r->m->cw, "PutMetricAlarm", alarm_members, &k,
                                    &answer);
        if (rc)
            return ot_cli_error("monitor cis", "%s (%s): %s", r->ctl[i].id, r->ctl[i].name,
                                r->m->err);
    }
    return OT_EXIT_OK;
}

/* ---- the report ---- */

static void report_json(const cis_run *r)
{
    ot_buf out;
    ot_buf_init(&out, 0);
    ot_jw w;
    ot_jw_init(&w, &out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "LogGroupName", r->o->log_group);
    ot_jw_kstr(&w, "TopicArn", r->topic);
    ot_jw_kstr(&w, "Namespace", r->o->namespace_);
    ot_jw_kint(&w, "Period", r->o->period_s);
    ot_jw_key(&w, "Controls");
    ot_jw_arr(&w);
    for (size_t i = 0; i < r->n; i++) {
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "Id", r->ctl[i].id);
        ot_jw_kstr(&w, "Name", r->ctl[i].name);
        ot_jw_kstr(&w, "MetricFilter", verb[r->filter[i]]);
        ot_jw_kstr(&w, "Alarm", verb[r->alarm[i]]);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    ot_jw_end(&w);
    printf("%.*s\n", (int)out.len, out.data);
    ot_buf_free(&out);
}

static void report_text(const cis_run *r)
{
    size_t changed = 0;
    for (size_t i = 0; i < r->n; i++) {
        printf("%-14s %-24s metric filter %-9s  alarm %s\n", r->ctl[i].id, r->ctl[i].name,
               verb[r->filter[i]], verb[r->alarm[i]]);
        changed += (r->filter[i] != ST_SAME) + (r->alarm[i] != ST_SAME);
    }
    if (changed)
        printf("%zu changes: the CIS metric filters on %s and their alarms, notifying %s\n",
               changed, r->o->log_group, r->topic);
    else
        printf("nothing to change: the %zu CIS metric filters on %s and their alarms, notifying "
               "%s, are in place\n", r->n, r->o->log_group, r->topic);
}

static int run(cis_run *r)
{
    ot_monitor *m = r->m;
    int rc = ot_monitor_topic_arn(m, r->o->topic, r->topic, sizeof r->topic);
    if (!rc)
        rc = ot_monitor_log_group(m, r->o->log_group);
    if (!rc)
        rc = read_current(r);
    if (rc)
        return ot_cli_error("monitor cis", "%s", m->err);
    rc = apply(r);
    if (rc)
        return rc;
    if (r->o->json)
        report_json(r);
    else
        report_text(r);
    return OT_EXIT_OK;
}

int ot_monitor_cis(ot_monitor *m, const ot_monitor_opts *o)
{
    cis_run *r = calloc(1, sizeof *r);
    if (!r)
        return ot_cli_error("monitor cis", "out of memory");
    r->m = m, r->o = o, r->ctl = ot_cis_controls(&r->n);
    int rc = r->n <= MAX_CONTROLS ? run(r) : ot_cli_error("monitor cis", "pack too large");
    free(r);
    return rc;
}
