/* mfilter_agg.c — a batch's datapoints, aggregated into one statistic set per (metric,
 * dimension values, minute) so that a batch of any size costs one ot_cw_put of a few points. */
#include <stdlib.h>
#include <string.h>

#include "mfilter/mfilter_int.h"
#include "util/err.h"
#include "util/vec.h"

#define MINUTE_MS 60000

static int64_t minute_of(int64_t ts_ms)
{
    int64_t r = ts_ms % MINUTE_MS;
    return ts_ms - (r < 0 ? r + MINUTE_MS : r);
}

static bool cell_is(const mf_cell *c, const mf_transform *t, const char *const *dims,
                    const size_t *len, int64_t minute)
{
    if (c->t != t || c->minute_ms != minute)
        return false;
    for (size_t i = 0; i < t->ndims; i++)
        if (strlen(c->dim_value[i]) != len[i] || memcmp(c->dim_value[i], dims[i], len[i]) != 0)
            return false;
    return true;
}

static mf_cell *cell_find(mf_agg *a, const mf_transform *t, const char *const *dims,
                          const size_t *len, int64_t minute)
{
    if (a->n && cell_is(&a->v[a->last], t, dims, len, minute))
        return &a->v[a->last];
    for (size_t i = 0; i < a->n; i++)
        if (cell_is(&a->v[i], t, dims, len, minute)) {
            a->last = i;
            return &a->v[i];
        }
    return NULL;
}

static mf_cell *cell_new(mf_agg *a, const mf_transform *t, const char *const *dims,
                         const size_t *len, int64_t minute)
{
    if (OT_VEC_GROW(a->v, a->cap, a->n + 1))
        return NULL;
    mf_cell *c = &a->v[a->n];
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < t->ndims; i++) {
        if (!(c->dim_value[i] = malloc(len[i] + 1))) {
            while (i)
                free(c->dim_value[--i]);
            return NULL;
        }
        memcpy(c->dim_value[i], dims[i], len[i]);
        c->dim_value[i][len[i]] = '\0';
    }
    c->t = t;
    c->minute_ms = minute;
    a->last = a->n++;
    return c;
}

int mf_agg_add(mf_agg *a, const mf_transform *t, const char *const *dims, const size_t *len,
               int64_t ts_ms, double value)
{
    int64_t minute = minute_of(ts_ms);
    mf_cell *c = cell_find(a, t, dims, len, minute);
    if (!c && !(c = cell_new(a, t, dims, len, minute)))
        return OT_ENOMEM;
    if (c->count == 0 || value < c->min)
        c->min = value;
    if (c->count == 0 || value > c->max)
        c->max = value;
    c->count += 1;
    c->sum += value;
    return 0;
}

int mf_agg_flush(const mf_agg *a, ot_cw *cw, const ot_logs_scope *s)
{
    if (a->n == 0)
        return 0;
    ot_cw_point *p = calloc(a->n, sizeof *p);
    ot_cw_dim *dims = calloc(a->n * MF_DIMS_MAX, sizeof *dims);
    if (!p || !dims) {
        free(p);
        free(dims);
        return OT_ENOMEM;
    }
    for (size_t i = 0; i < a->n; i++) {
        const mf_cell *c = &a->v[i];
        ot_cw_dim *d = &dims[i * MF_DIMS_MAX];
        for (size_t j = 0; j < c->t->ndims; j++)
            d[j] = (ot_cw_dim){c->t->dim_name[j], c->dim_value[j]};
        p[i].metric = (ot_cw_metric){c->t->ns, c->t->name, d, c->t->ndims};
        p[i].d = (ot_cw_datum){.ts_ms = c->minute_ms, .count = c->count, .sum = c->sum,
                               .min = c->min, .max = c->max, .unit = c->t->unit,
                               .resolution_s = 60};
    }
    ot_cw_scope cs = {s->account, s->region};
    int rc = ot_cw_put(cw, &cs, p, a->n);
    free(p);
    free(dims);
    return rc;
}

void mf_agg_free(mf_agg *a)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < a->v[i].t->ndims; j++)
            free(a->v[i].dim_value[j]);
    free(a->v);
    memset(a, 0, sizeof *a);
}
