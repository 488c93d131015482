/* mfilter_group.c — one group's metric filters, compiled: what the cache keeps per group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfilter/mfilter_int.h"
#include "util/err.h"
#include "util/log.h"

#define FILTERS_PER_GROUP_MAX 100 /* PutMetricFilter's limit per group */

void mf_group_free(mf_group *g)
{
    if (!g)
        return;
    ot_filter_set_free(g->set);
    for (size_t i = 0; i < g->n; i++) {
        ot_filter_free(g->filters[i]);
        mf_transform_free(&g->tr[i]);
    }
    free(g->filters);
    free(g->tr);
    free(g->hit);
    free(g->name);
    memset(g, 0, sizeof *g);
}

/* Compiles filter f into slot g->n; a filter that no longer compiles is left out. */
static int add_filter(mf_group *g, const ot_log_metric_filter *f)
{
    ot_filter_error err;
    size_t i = g->n;
    int rc = ot_filter_compile(f->pattern, strlen(f->pattern), &g->filters[i], &err);
    if (!rc && (rc = mf_transform_parse(f->transformations, &g->tr[i])) != 0)
        ot_filter_free(g->filters[i]);
    if (rc == OT_EINVAL) {
        ot_warn("metric filter %s of log group %s cannot be applied: its stored pattern or "
                "transformation does not parse", f->name, f->group);
        return 0;
    }
    if (!rc)
        g->n++;
    return rc;
}

static int alloc_slots(mf_group *g, size_t n)
{
    size_t k = n ? n : 1;
    g->filters = calloc(k, sizeof *g->filters);
    g->tr = calloc(k, sizeof *g->tr);
    g->hit = calloc(k, sizeof *g->hit);
    return g->filters && g->tr && g->hit ? 0 : OT_ENOMEM;
}

int mf_group_load(ot_logs *logs, const ot_logs_scope *s, const char *group, mf_group *out)
{
    memset(out, 0, sizeof *out);
    ot_log_metric_filter *f = NULL;
    size_t n = 0;
    ot_logs_metric_query q = {.group = group, .limit = FILTERS_PER_GROUP_MAX};
    int rc = ot_logs_metric_list(logs, s, &q, &f, &n);
    if (rc == OT_ENOTFOUND)
        rc = 0, n = 0; /* no such group: no filters */
    if (!rc) {
        snprintf(out->account, sizeof out->account, "%s", s->account);
        snprintf(out->region, sizeof out->region, "%s", s->region);
        out->name = strdup(group);
        rc = out->name ? alloc_slots(out, n) : OT_ENOMEM;
    }
    for (size_t i = 0; !rc && i < n; i++)
        rc = add_filter(out, &f[i]);
    if (!rc)
        rc = ot_filter_set_new(out->filters, out->n, &out->set);
    ot_logs_metric_free(f, n);
    if (rc)
        mf_group_free(out);
    return rc;
}
