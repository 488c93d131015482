/* metrics.c — the metric registry and updates (metrics.h). The text writer is metrics_text.c. */
#include "util/metrics_int.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static ot_metric_registry process_registry;
/* Guards every registry's list and every family's series list (writers only: readers walk the
 * lists through atomic loads, and nothing is unlinked while the process runs). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

ot_metric_registry *ot_metrics_registry_(ot_metric_registry *r)
{
    return r ? r : &process_registry;
}

static bool registered(const ot_metric_registry *r, const ot_metric *m)
{
    for (const ot_metric *p = r->head; p; p = p->next)
        if (p == m)
            return true;
    return false;
}

void ot_metric_register(ot_metric_registry *r, ot_metric *m)
{
    r = ot_metrics_registry_(r);
    pthread_mutex_lock(&mu);
    if (!registered(r, m)) {
        m->next = r->head;
        r->head = m;
    }
    pthread_mutex_unlock(&mu);
}

void ot_metrics_lock_(void)
{
    pthread_mutex_lock(&mu);
}

void ot_metrics_unlock_(void)
{
    pthread_mutex_unlock(&mu);
}

/* ---- updates ---- */

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

void ot_series_set(ot_metric_series *s, double v)
{
    atomic_store_explicit(&s->value, bits_of(v), memory_order_relaxed);
}

void ot_series_gauge_add(ot_metric_series *s, double d)
{
    uint64_t old = atomic_load_explicit(&s->value, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&s->value, &old, bits_of(double_of(old) + d),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

double ot_series_gauge(const ot_metric_series *s)
{
    return double_of(atomic_load_explicit(&s->value, memory_order_relaxed));
}

void ot_series_observe(const ot_metric *m, ot_metric_series *s, uint64_t v)
{
    size_t i = 0;
    while (i < m->nbounds && v > m->bounds[i])
        i++;
    atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum, v, memory_order_relaxed);
}

uint64_t ot_metrics_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- labeled series ---- */

static size_t nlabels(const ot_metric *m)
{
    size_t n = 0;
    while (n < OT_METRIC_MAX_LABELS && m->labels[n])
        n++;
    return n;
}

static bool same_values(const ot_metric_series *s, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->values[i], values[i] ? values[i] : ""))
            return false;
    return true;
}

static ot_metric_series *find(ot_metric *m, const char *const *values, size_t n)
{
    for (ot_metric_series *s = atomic_load_explicit(&m->series, memory_order_acquire); s;
         s = s->next)
        if (same_values(s, values, n))
            return s;
    return NULL;
}

static ot_metric_series *series_new(const char *const *values, size_t n)
{
    ot_metric_series *s = calloc(1, sizeof *s);
    for (size_t i = 0; s && i < n; i++)
        if (!(s->values[i] = strdup(values[i] ? values[i] : ""))) {
            for (size_t j = 0; j < i; j++)
                free(s->values[j]);
            free(s);
            return NULL;
        }
    return s;
}

ot_metric_series *ot_metric_with(ot_metric *m, const char *const *values)
{
    size_t n = nlabels(m);
    ot_metric_series *s = find(m, values, n);
    if (s)
        return s;
    pthread_mutex_lock(&mu);
    s = find(m, values, n);
    if (!s && m->nseries < OT_METRIC_MAX_SERIES && (s = series_new(values, n))) {
        s->next = atomic_load_explicit(&m->series, memory_order_relaxed);
        atomic_store_explicit(&m->series, s, memory_order_release);
        m->nseries++;
    }
    pthread_mutex_unlock(&mu);
    return s ? s : &m->overflow;
}

static void series_zero(ot_metric_series *s)
{
    atomic_store(&s->value, 0);
    atomic_store(&s->sum, 0);
    for (size_t i = 0; i <= OT_METRIC_MAX_BUCKETS; i++)
        atomic_store(&s->buckets[i], 0);
}

void ot_metric_clear(ot_metric *m)
{
    pthread_mutex_lock(&mu);
    ot_metric_series *s = atomic_exchange(&m->series, NULL);
    m->nseries = 0;
    pthread_mutex_unlock(&mu);
    while (s) {
        ot_metric_series *next = s->next;
        for (size_t i = 0; i < OT_METRIC_MAX_LABELS; i++)
            free(s->values[i]);
        free(s);
        s = next;
    }
    series_zero(&m->self);
    series_zero(&m->overflow);
}
