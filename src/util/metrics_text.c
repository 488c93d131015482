/* metrics_text.c — the Prometheus text exposition format 0.0.4 (metrics.h).
 *
 * Per family: "# HELP name text" (\ and newline escaped), "# TYPE name type", then one line per
 * series, "name{label="value",...} value"; label values escape \, " and newline. A histogram
 * writes name_bucket{...,le="bound"} (cumulative, ending with le="+Inf"), name_sum and
 * name_count. Floats use the forms Prometheus parses: +Inf, -Inf, NaN, else %.15g.
 * https://prometheus.io/docs/instrumenting/exposition_formats/ */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/metrics_int.h"

/* The output and the first append that failed (ot_buf errors are not sticky). */
typedef struct text {
    ot_buf *b;
    int rc;
} text;

static void put(text *t, int rc)
{
    if (rc && !t->rc)
        t->rc = rc;
}

#define PUTS(t, s) put(t, ot_buf_puts((t)->b, s))
#define PUTC(t, c) put(t, ot_buf_putc((t)->b, c))
#define PRINTF(t, ...) put(t, ot_buf_printf((t)->b, __VA_ARGS__))

static const char *type_name(ot_metric_type t)
{
    return t == OT_METRIC_COUNTER ? "counter" : t == OT_METRIC_GAUGE ? "gauge" : "histogram";
}

/* Appends s with \ and newline escaped, and " too if quotes. */
static void put_escaped(text *out, const char *s, int quotes)
{
    for (; *s; s++) {
        if (*s == '\\')
            PUTS(out, "\\\\");
        else if (*s == '\n')
            PUTS(out, "\\n");
        else if (*s == '"' && quotes)
            PUTS(out, "\\\"");
        else
            PUTC(out, *s);
    }
}

static void put_double(text *out, double v)
{
    if (isnan(v))
        PUTS(out, "NaN");
    else if (isinf(v))
        PUTS(out, v > 0 ? "+Inf" : "-Inf");
    else
        PRINTF(out, "%.15g", v);
}

/* Writes name{labels[,le="..."]} with a space after it. le: NULL for none. */
static void put_series_name(text *out, const ot_metric *m, const char *suffix,
                            const ot_metric_series *s, const char *le)
{
    PRINTF(out, "%s%s", m->name, suffix);
    size_t n = 0;
    for (size_t i = 0; i < OT_METRIC_MAX_LABELS && m->labels[i] && s->values[i]; i++, n++) {
        PRINTF(out, "%s%s=\"", n ? "," : "{", m->labels[i]);
        put_escaped(out, s->values[i], 1);
        PUTC(out, '"');
    }
    if (le)
        PRINTF(out, "%sle=\"%s\"", n++ ? "," : "{", le);
    PUTS(out, n ? "} " : " ");
}

static void write_histogram(text *out, const ot_metric *m, const ot_metric_series *s)
{
    uint64_t cumulative = 0;
    char le[48];
    for (size_t i = 0; i <= m->nbounds; i++) {
        cumulative += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
        if (i < m->nbounds)
            snprintf(le, sizeof le, "%.15g", (double)m->bounds[i] / m->scale);
        else
            snprintf(le, sizeof le, "+Inf");
        put_series_name(out, m, "_bucket", s, le);
        PRINTF(out, "%llu\n", (unsigned long long)cumulative);
    }
    put_series_name(out, m, "_sum", s, NULL);
    put_double(out, (double)atomic_load_explicit(&s->sum, memory_order_relaxed) / m->scale);
    PUTC(out, '\n');
    put_series_name(out, m, "_count", s, NULL);
    PRINTF(out, "%llu\n", (unsigned long long)cumulative);
}

static void write_series(text *out, const ot_metric *m, const ot_metric_series *s)
{
    if (m->type == OT_METRIC_HISTOGRAM) {
        write_histogram(out, m, s);
        return;
    }
    put_series_name(out, m, "", s, NULL);
    if (m->type == OT_METRIC_COUNTER)
        PRINTF(out, "%llu\n",
                      (unsigned long long)atomic_load_explicit(&s->value, memory_order_relaxed));
    else
        put_double(out, ot_series_gauge(s));
    if (m->type == OT_METRIC_GAUGE)
        PUTC(out, '\n');
}

static void write_family(text *out, const ot_metric *m)
{
    PRINTF(out, "# HELP %s ", m->name);
    put_escaped(out, m->help, 0);
    PRINTF(out, "\n# TYPE %s %s\n", m->name, type_name(m->type));
    if (!m->labels[0]) {
        write_series(out, m, &m->self);
        return;
    }
    for (const ot_metric_series *s = atomic_load_explicit(&m->series, memory_order_acquire); s;
         s = s->next)
        write_series(out, m, s);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(ot_metric *const *)a)->name, (*(ot_metric *const *)b)->name);
}

/* The registry's metrics, sorted by name (malloc'd). */
static int snapshot(ot_metric_registry *r, ot_metric ***out, size_t *n)
{
    ot_metrics_lock_();
    size_t count = 0;
    for (ot_metric *m = r->head; m; m = m->next)
        count++;
    ot_metric **v = calloc(count ? count : 1, sizeof *v);
    if (v) {
        size_t i = 0;
        for (ot_metric *m = r->head; m; m = m->next)
            v[i++] = m;
    }
    ot_metrics_unlock_();
    if (!v)
        return OT_ENOMEM;
    qsort(v, count, sizeof *v, by_name);
    *out = v;
    *n = count;
    return OT_OK;
}

int ot_metrics_write(ot_metric_registry *r, ot_buf *out)
{
    ot_metric **v;
    size_t n;
    int rc = snapshot(ot_metrics_registry_(r), &v, &n);
    if (rc)
        return rc;
    text t = {out, OT_OK};
    for (size_t i = 0; i < n; i++)
        write_family(&t, v[i]);
    free(v);
    return t.rc;
}
