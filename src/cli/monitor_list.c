/* monitor_list.c — `opentrail monitor list`: the metric filters (of one log group, or all) and
 * the alarms on their metrics, with each alarm's state. A table on a terminal; with --json the
 * objects as CloudWatch Logs and CloudWatch return them:
 *   {"MetricFilters": [ ...DescribeMetricFilters... ], "MetricAlarms": [ ...DescribeAlarms... ]}
 * With --log-group only the alarms whose metric one of that group's filters emits are shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/monitor.h"
#include "util/err.h"
#include "util/jsonw.h"

typedef struct list_run {
    ot_monitor *m;
    const ot_monitor_opts *o;
    char **metrics;       /* "namespace\nname" of each filter's metric */
    size_t nmetrics;
    size_t nfilters, nalarms;
    ot_jw jw;             /* --json: the whole answer */
    ot_buf out, tmp;
} list_run;

static void group_member(void *ctx, ot_jw *w)
{
    const list_run *r = ctx;
    if (r->o->log_group)
        ot_jw_kstr(w, "logGroupName", r->o->log_group);
}

static int emit_json(list_run *r, ot_json item)
{
    ot_buf_reset(&r->tmp);
    int rc = ot_json_write(item, &r->tmp);
    if (!rc)
        ot_jw_raw(&r->jw, r->tmp.data, r->tmp.len);
    return rc;
}

static int remember_metric(list_run *r, const char *ns, const char *name)
{
    char **grown = realloc(r->metrics, (r->nmetrics + 1) * sizeof *grown);
    if (!grown)
        return OT_ENOMEM;
    r->metrics = grown;
    size_t n = strlen(ns) + strlen(name) + 2;
    if (!(r->metrics[r->nmetrics] = malloc(n)))
        return OT_ENOMEM;
    snprintf(r->metrics[r->nmetrics++], n, "%s\n%s", ns, name);
    return OT_OK;
}

static bool metric_known(const list_run *r, const char *ns, const char *name)
{
    size_t nl = strlen(ns);
    for (size_t i = 0; i < r->nmetrics; i++)
        if (!strncmp(r->metrics[i], ns, nl) && r->metrics[i][nl] == '\n' &&
            !strcmp(r->metrics[i] + nl + 1, name))
            return true;
    return false;
}

static int on_filter(void *ctx, ot_json f)
{
    list_run *r = ctx;
    char group[600], name[600], pattern[1100], ns[300] = "", metric[300] = "";
    ot_monitor_get_str(f, "logGroupName", group, sizeof group);
    ot_monitor_get_str(f, "filterName", name, sizeof name);
    ot_monitor_get_str(f, "filterPattern", pattern, sizeof pattern);
    ot_json ts, t;
    ot_json_iter it;
    if (ot_json_get(f, "metricTransformations", &ts) == 0 && ot_json_array_iter(ts, &it) == 0 &&
        ot_json_array_next(&it, &t)) {
        ot_monitor_get_str(t, "metricNamespace", ns, sizeof ns);
        ot_monitor_get_str(t, "metricName", metric, sizeof metric);
    }
    r->nfilters++;
    int rc = remember_metric(r, ns, metric);
    if (!rc && r->o->json)
        return emit_json(r, f);
    if (!rc) {
        char label[600];
        snprintf(label, sizeof label, "%s/%s", ns, metric);
        printf("%-24.24s  %-24.24s  %-32.32s  %.60s%s\n", group, name, label, pattern,
               strlen(pattern) > 60 ? "..." : "");
    }
    return rc;
}

static int on_alarm(void *ctx, ot_json a)
{
    list_run *r = ctx;
    char name[300], stat[64], ns[300], metric[300], op[64];
    ot_monitor_get_str(a, "Namespace", ns, sizeof ns);
    ot_monitor_get_str(a, "MetricName", metric, sizeof metric);
    if (r->o->log_group && !metric_known(r, ns, metric))
        return OT_OK;
    r->nalarms++;
    if (r->o->json)
        return emit_json(r, a);
    ot_monitor_get_str(a, "AlarmName", name, sizeof name);
    ot_monitor_get_str(a, "StateValue", stat, sizeof stat);
    ot_monitor_get_str(a, "ComparisonOperator", op, sizeof op);
    double threshold = 0, period = 0;
    ot_json v;
    if (ot_json_get(a, "Threshold", &v) == 0)
        ot_json_double(v, &threshold);
    if (ot_json_get(a, "Period", &v) == 0)
        ot_json_double(v, &period);
    char label[600];
    snprintf(label, sizeof label, "%s/%s", ns, metric);
    printf("%-28.28s  %-17s  %-32.32s  %s %g per %g s\n", name, stat, label,
           strstr(op, "OrEqual") ? (op[0] == 'G' ? ">=" : "<=") : (op[0] == 'G' ? ">" : "<"),
           threshold, period);
    return OT_OK;
}

static int list_all(list_run *r)
{
    if (r->o->json) {
        ot_jw_obj(&r->jw);
        ot_jw_key(&r->jw, "MetricFilters");
        ot_jw_arr(&r->jw);
    } else {
        printf("%-24s  %-24s  %-32s  %s\n", "LOG GROUP", "METRIC FILTER", "METRIC", "PATTERN");
    }
    int rc = ot_monitor_each(r->m, &r->m->logs, "DescribeMetricFilters", group_member,
                             "metricFilters", "nextToken", on_filter, r);
    if (rc)
        return rc;
    if (r->o->json) {
        ot_jw_end(&r->jw);
        ot_jw_key(&r->jw, "MetricAlarms");
        ot_jw_arr(&r->jw);
    } else {
        printf("\n%-28s  %-17s  %-32s  %s\n", "ALARM", "STATE", "METRIC", "CONDITION");
    }
    rc = ot_monitor_each(r->m, &r->m->cw, "DescribeAlarms", NULL, "MetricAlarms", "NextToken",
                         on_alarm, r);
    if (!rc && r->o->json) {
        ot_jw_end(&r->jw);
        ot_jw_end(&r->jw);
        printf("%.*s\n", (int)r->out.len, r->out.data);
    } else if (!rc) {
        fprintf(stderr, "%zu metric filters, %zu alarms\n", r->nfilters, r->nalarms);
    }
    return rc;
}

int ot_monitor_list(ot_monitor *m, const ot_monitor_opts *o)
{
    list_run r = {.m = m, .o = o};
    ot_buf_init(&r.out, 0);
    ot_buf_init(&r.tmp, 0);
    ot_jw_init(&r.jw, &r.out);
    int rc = OT_OK;
    if (o->log_group)
        rc = ot_monitor_log_group(m, o->log_group);
    if (!rc)
        rc = list_all(&r);
    for (size_t i = 0; i < r.nmetrics; i++)
        free(r.metrics[i]);
    free(r.metrics);
    ot_buf_free(&r.out);
    ot_buf_free(&r.tmp);
    if (rc)
        return ot_cli_error("monitor list", "%s", rc == OT_ENOMEM ? "out of memory" : m->err);
    return OT_EXIT_OK;
}
