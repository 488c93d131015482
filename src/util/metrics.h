/* metrics.h — counters, gauges and histograms, and their Prometheus text exposition.
 *
 * A metric is a static struct defined where its events happen, with one line:
 *
 *     OT_COUNTER(m_files, "opentrail_delivery_files_total", "Log files written.");
 *     ...
 *     ot_metric_inc(&m_files);
 *
 * The definition registers itself (a constructor) in the process registry, which GET /metrics
 * writes (ot_metrics_write). Updates are one relaxed atomic add: no lock, no allocation, no
 * lookup. A family with labels keeps one series per label set; ot_metric_with() finds or makes
 * one (a mutex and string compares: rare), and the caller keeps the pointer it returns for the
 * hot path. Series live as long as the process (ot_metric_clear() frees them, for tests).
 *
 * Histograms take whole numbers in a base unit (microseconds, bytes) so that observing is two
 * atomic adds; scale is how many base units make the exposed unit (1e6: µs exposed as seconds).
 * Buckets are kept per bucket and summed at write time, so they are always cumulative and the
 * +Inf bucket always equals _count. See docs/metrics.md for the series opentrail exposes. */
#ifndef OT_METRICS_H
#define OT_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define OT_METRIC_MAX_LABELS 3
#define OT_METRIC_MAX_BUCKETS 16
/* Label sets per family; more share one series that is not exposed (a cardinality fuse). */
#define OT_METRIC_MAX_SERIES 512

typedef enum ot_metric_type {
    OT_METRIC_COUNTER,
    OT_METRIC_GAUGE,
    OT_METRIC_HISTOGRAM,
} ot_metric_type;

typedef struct ot_metric_series {
    struct ot_metric_series *next;
    char *values[OT_METRIC_MAX_LABELS];      /* owned; NULL for a family without labels */
    _Atomic uint64_t value;                  /* counter: the count; gauge: a double's bits */
    _Atomic uint64_t sum;                    /* histogram: sum of observations (base units) */
    _Atomic uint64_t buckets[OT_METRIC_MAX_BUCKETS + 1]; /* histogram: per bucket, last +Inf */
} ot_metric_series;

typedef struct ot_metric {
    const char *name;
    const char *help;
    ot_metric_type type;
    const char *labels[OT_METRIC_MAX_LABELS]; /* label names; unused slots NULL */
    const uint64_t *bounds;                   /* histogram upper bounds, ascending, base units */
    size_t nbounds;
    double scale;                             /* histogram: base units per exposed unit */
    ot_metric_series self;                    /* the series of a family without labels */
    ot_metric_series overflow;                /* past OT_METRIC_MAX_SERIES; not exposed */
    _Atomic(ot_metric_series *) series;       /* labeled series, newest first */
    size_t nseries;
    struct ot_metric *next;                   /* in its registry */
} ot_metric;

typedef struct ot_metric_registry {
    ot_metric *head;
} ot_metric_registry;

/* ---- definitions (file scope) ---- */

#define OT_LABELS(...) {__VA_ARGS__}
#define OT_BOUNDS(...) {__VA_ARGS__}

#define OT_METRIC_DEFINE_(var, ...)                                                          \
    static ot_metric var = {__VA_ARGS__};                                                    \
    __attribute__((constructor)) static void var##_register(void)                            \
    {                                                                                        \
        ot_metric_register(NULL, &var);                                                      \
    }

#define OT_COUNTER(var, name_, help_)                                                          \
    OT_METRIC_DEFINE_(var, .name = name_, .help = help_, .type = OT_METRIC_COUNTER)
#define OT_GAUGE(var, name_, help_)                                                            \
    OT_METRIC_DEFINE_(var, .name = name_, .help = help_, .type = OT_METRIC_GAUGE)
/* labels: OT_LABELS("service", "operation") */
#define OT_COUNTER_L(var, name_, help_, labels_)                                               \
    OT_METRIC_DEFINE_(var, .name = name_, .help = help_, .type = OT_METRIC_COUNTER,            \
                      .labels = labels_)
#define OT_GAUGE_L(var, name_, help_, labels_)                                                 \
    OT_METRIC_DEFINE_(var, .name = name_, .help = help_, .type = OT_METRIC_GAUGE,              \
                      .labels = labels_)
/* bounds: OT_BOUNDS(...) in base units, last (it may arrive expanded, commas and all);
 * scale_: base units per exposed unit. */
#define OT_HISTOGRAM_L(var, name_, help_, labels_, scale_, ...)                              \
    static const uint64_t var##_bounds[] = __VA_ARGS__;                                      \
    _Static_assert(sizeof var##_bounds / sizeof var##_bounds[0] <= OT_METRIC_MAX_BUCKETS,     \
                   "at most OT_METRIC_MAX_BUCKETS bounds");                                   \
    OT_METRIC_DEFINE_(var, .name = name_, .help = help_, .type = OT_METRIC_HISTOGRAM,        \
                      .labels = labels_, .bounds = var##_bounds,                             \
                      .nbounds = sizeof var##_bounds / sizeof var##_bounds[0], .scale = scale_)
#define OT_HISTOGRAM(var, name_, help_, scale_, ...)                                         \
    OT_HISTOGRAM_L(var, name_, help_, OT_LABELS(NULL), scale_, __VA_ARGS__)

/* Latencies in microseconds, 100 µs to 10 s, exposed in seconds. */
#define OT_LATENCY_US_BOUNDS                                                                 \
    OT_BOUNDS(100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,  \
              1000000, 2500000, 5000000, 10000000)

/* Adds m to r (NULL: the process registry). Once per metric; a second call does nothing. */
void ot_metric_register(ot_metric_registry *r, ot_metric *m);

/* ---- updates (any thread) ---- */

static inline void ot_series_add(ot_metric_series *s, uint64_t n)
{
    atomic_fetch_add_explicit(&s->value, n, memory_order_relaxed);
}
static inline void ot_series_inc(ot_metric_series *s)
{
    ot_series_add(s, 1);
}
void ot_series_set(ot_metric_series *s, double v);    /* gauge */
void ot_series_gauge_add(ot_metric_series *s, double d); /* gauge; d may be negative */
double ot_series_gauge(const ot_metric_series *s);
/* Histogram: one observation of v base units in the family m of s. */
void ot_series_observe(const ot_metric *m, ot_metric_series *s, uint64_t v);

static inline void ot_metric_inc(ot_metric *m)
{
    ot_series_add(&m->self, 1);
}
static inline void ot_metric_add(ot_metric *m, uint64_t n)
{
    ot_series_add(&m->self, n);
}
static inline void ot_metric_set(ot_metric *m, double v)
{
    ot_series_set(&m->self, v);
}
static inline void ot_metric_gauge_add(ot_metric *m, double d)
{
    ot_series_gauge_add(&m->self, d);
}
static inline void ot_metric_observe(ot_metric *m, uint64_t v)
{
    ot_series_observe(m, &m->self, v);
}

/* The series of m for the label values (one per label name, in order; NULL is ""), made on
 * first use. Borrowed for m's lifetime: keep it. Past OT_METRIC_MAX_SERIES, or out of memory,
 * the overflow series (counted, not exposed). */
ot_metric_series *ot_metric_with(ot_metric *m, const char *const *values);
/* ot_metric_with, looked up once and kept in *cache (a static next to the call), so a hot
 * path with fixed label values pays one atomic load:
 *     static _Atomic(ot_metric_series *) accepted;
 *     ot_series_add(ot_metric_cached(&m_events, &accepted, OT_VALUES("accepted")), n); */
#define OT_VALUES(...) ((const char *const[]){__VA_ARGS__})
static inline ot_metric_series *ot_metric_cached(ot_metric *m, _Atomic(ot_metric_series *) *cache,
                                                 const char *const *values)
{
    ot_metric_series *s = atomic_load_explicit(cache, memory_order_acquire);
    if (!s) {
        s = ot_metric_with(m, values);
        atomic_store_explicit(cache, s, memory_order_release);
    }
    return s;
}
/* Frees m's labeled series and zeroes every value (tests). */
void ot_metric_clear(ot_metric *m);

/* ---- exposition ---- */

/* Appends every metric of r (NULL: the process registry), sorted by name, in the Prometheus
 * text format 0.0.4 (content type OT_METRICS_CONTENT_TYPE). OT_ENOMEM / OT_ETOOBIG from out. */
int ot_metrics_write(ot_metric_registry *r, ot_buf *out);
#define OT_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Reads the process series (open fds, resident memory) from /proc/self: call before writing. */
void ot_metrics_process_refresh(void);

/* Monotonic time in microseconds, for latency observations. */
uint64_t ot_metrics_now_us(void);

#endif
