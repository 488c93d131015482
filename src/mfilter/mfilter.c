/* mfilter.c — applying a group's metric filters to a batch of its events: the cache of compiled
 * groups, matching, reading values and dimensions from each matching event, aggregation. */
#include "mfilter/mfilter.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfilter/mfilter_int.h"
#include "util/err.h"
#include "util/metrics.h"
#include "util/vec.h"

OT_COUNTER(m_matches, "opentrail_metric_filter_matches_total",
           "Log events matched by a metric filter (each filter that matches counts).");
OT_COUNTER(m_dropped, "opentrail_metric_filter_dropped_total",
           "Matches that emitted no datapoint: the metric value or a dimension was missing from "
           "the event or not a number.");

#define CACHE_MAX 1024 /* groups kept compiled; past it the cache starts over */
#define VALUE_MAX OT_CW_DIM_VALUE_MAX

struct ot_mfilter {
    ot_logs *logs;
    pthread_mutex_t mu;
    uint64_t generation;     /* of logs' metric filters when the cache was filled */
    mf_group **groups;
    size_t n, cap;
    ot_filter_fields *fx;
};

int ot_mfilter_new(ot_logs *logs, ot_mfilter **out)
{
    ot_mfilter *m = calloc(1, sizeof *m);
    if (!m || !(m->fx = ot_filter_fields_new())) {
        free(m);
        return OT_ENOMEM;
    }
    m->logs = logs;
    m->generation = ot_logs_metric_generation(logs);
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return 0;
}

static void cache_clear(ot_mfilter *m)
{
    for (size_t i = 0; i < m->n; i++) {
        mf_group_free(m->groups[i]);
        free(m->groups[i]);
    }
    m->n = 0;
}

void ot_mfilter_free(ot_mfilter *m)
{
    if (!m)
        return;
    cache_clear(m);
    free(m->groups);
    ot_filter_fields_free(m->fx);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* The group's compiled filters, loaded on first use and after any filter changed. */
static int cache_get(ot_mfilter *m, const ot_logs_scope *s, const char *group, mf_group **out)
{
    uint64_t gen = ot_logs_metric_generation(m->logs);
    if (gen != m->generation || m->n >= CACHE_MAX) {
        cache_clear(m);
        m->generation = gen;
    }
    for (size_t i = 0; i < m->n; i++) {
        mf_group *g = m->groups[i];
        if (!strcmp(g->name, group) && !strcmp(g->account, s->account) &&
            !strcmp(g->region, s->region)) {
            *out = g;
            return 0;
        }
    }
    mf_group *g = calloc(1, sizeof *g);
    if (!g || OT_VEC_GROW(m->groups, m->cap, m->n + 1)) {
        free(g);
        return OT_ENOMEM;
    }
    int rc = mf_group_load(m->logs, s, group, g);
    if (rc) {
        free(g);
        return rc;
    }
    m->groups[m->n++] = g;
    *out = g;
    return 0;
}

/* One field of the event last matched, copied into buf (fx's text is overwritten by the next
 * read). 0, or OT_ENOTFOUND. */
static int field_copy(ot_filter_fields *fx, const char *name, char *buf, size_t cap, size_t *len)
{
    const char *v;
    size_t n;
    if (ot_filter_value(fx, name, &v, &n) || n >= cap)
        return OT_ENOTFOUND;
    memcpy(buf, v, n);
    buf[n] = '\0';
    *len = n;
    return 0;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out);
}

/* The batch being applied: the event, and what fx holds. */
typedef struct mf_run {
    ot_mfilter *m;
    const ot_log_event_in *ev;
    const ot_filter *fx_owner; /* a filter matched alone into fx since the set match, or NULL */
    mf_agg agg;
} mf_run;

/* Makes fx hold filter f's view of the event: the set match leaves the JSON values of the event
 * but not a space-delimited filter's fields, which need that filter matched alone. false if
 * the filter's kind offers no fields. */
static bool fields_of(mf_run *r, const ot_filter *f)
{
    ot_filter_kind k = ot_filter_kind_of(f);
    if (k != OT_FILTER_JSON && k != OT_FILTER_DELIM)
        return false;
    if (r->fx_owner == f || (k == OT_FILTER_JSON && !r->fx_owner))
        return true;
    ot_filter_match(f, r->ev->msg, r->ev->len, r->m->fx);
    r->fx_owner = f;
    return true;
}

/* A matching event's datapoint for filter f with transformation t. */
static int emit_match(mf_run *r, const ot_filter *f, const mf_transform *t)
{
    char dim_buf[MF_DIMS_MAX][VALUE_MAX + 1];
    char value_buf[64];
    const char *dims[MF_DIMS_MAX];
    size_t len[MF_DIMS_MAX], vlen;
    double value = t->value;
    bool ok = t->value_field ? true : t->value_ok;
    if (ok && mf_transform_reads_fields(t))
        ok = fields_of(r, f);
    if (ok && t->value_field)
        ok = field_copy(r->m->fx, t->value_field, value_buf, sizeof value_buf, &vlen) == 0 &&
             parse_number(value_buf, &value);
    for (size_t i = 0; ok && i < t->ndims; i++) {
        ok = field_copy(r->m->fx, t->dim_field[i], dim_buf[i], sizeof dim_buf[i], &len[i]) == 0;
        dims[i] = dim_buf[i];
    }
    if (!ok) {
        ot_metric_inc(&m_dropped);
        return 0;
    }
    return mf_agg_add(&r->agg, t, dims, len, r->ev->ts, value);
}

static int apply_event(mf_run *r, mf_group *g)
{
    r->fx_owner = NULL;
    ot_filter_set_match(g->set, r->ev->msg, r->ev->len, r->m->fx, g->hit);
    int rc = 0;
    for (size_t i = 0; !rc && i < g->n; i++) {
        if (g->hit[i]) {
            ot_metric_inc(&m_matches);
            rc = emit_match(r, g->filters[i], &g->tr[i]);
        } else if (g->tr[i].has_default) {
            rc = mf_agg_add(&r->agg, &g->tr[i], NULL, NULL, r->ev->ts, g->tr[i].default_value);
        }
    }
    return rc;
}

int ot_mfilter_apply(ot_mfilter *m, ot_cw *cw, const ot_logs_scope *s, const char *group,
                     const ot_log_event_in *ev, size_t n)
{
    if (!m || !cw || n == 0)
        return 0;
    mf_group *g;
    mf_run r = {.m = m};
    pthread_mutex_lock(&m->mu);
    int rc = cache_get(m, s, group, &g);
    for (size_t i = 0; !rc && g->n && i < n; i++) {
        r.ev = &ev[i];
        rc = apply_event(&r, g);
    }
    if (!rc)
        rc = mf_agg_flush(&r.agg, cw, s);
    mf_agg_free(&r.agg);
    pthread_mutex_unlock(&m->mu);
    return rc;
}
