/* request_metrics.c — opentrail_http_requests_total and opentrail_http_request_duration_seconds
 * (request_metrics.h).
 *
 * Labels come only from bounded sets, so no client can grow the series without end: service is
 * one of the signing names served (anything else is "other"; unauthenticated calls "none"),
 * operation is the static name a handler gave (or "unknown"), code the status class. The
 * series of a (service, operation) pair are found once and kept in a small table keyed by the
 * operation's address: a request costs a pointer hash and two atomic adds, no string work. */
#include "api/request_metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "util/metrics.h"

OT_COUNTER_L(m_requests, "opentrail_http_requests_total",
             "HTTP requests answered, by signing service, API operation and status class.",
             OT_LABELS("service", "operation", "code"));
OT_HISTOGRAM_L(m_latency, "opentrail_http_request_duration_seconds",
               "Time from a request's headers to its answer being queued, by service and "
               "operation.",
               OT_LABELS("service", "operation"), 1e6, OT_LATENCY_US_BOUNDS);

static const char *const services[] = {"none", "cloudtrail", "cloudtrail-data", "s3", "sts",
                                       "metrics", "other"};
enum { NSERVICES = sizeof services / sizeof services[0], NCLASSES = 5, SLOTS = 1024 };
static const char *const classes[NCLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

typedef struct slot {
    _Atomic(const char *) op; /* the key with svc; set last, once the series are in */
    int svc;
    ot_metric_series *latency;
    _Atomic(ot_metric_series *) count[NCLASSES];
} slot;

static slot slots[SLOTS];
static pthread_mutex_t fill_mu = PTHREAD_MUTEX_INITIALIZER;

static int service_index(const char *service)
{
    if (!service[0])
        return 0;
    for (int i = 1; i < NSERVICES - 1; i++)
        if (!strcmp(services[i], service))
            return i;
    return NSERVICES - 1;
}

static size_t hash(const char *op, int svc)
{
    uintptr_t p = (uintptr_t)op;
    return (size_t)(((p >> 3) ^ (p >> 13)) * 31u + (uintptr_t)svc) % SLOTS;
}

static void fill(slot *s, const char *op, int svc)
{
    pthread_mutex_lock(&fill_mu);
    if (!atomic_load_explicit(&s->op, memory_order_relaxed)) {
        const char *v[] = {services[svc], op};
        s->svc = svc;
        s->latency = ot_metric_with(&m_latency, v);
        atomic_store_explicit(&s->op, op, memory_order_release);
    }
    pthread_mutex_unlock(&fill_mu);
}

/* The slot of (op, svc), filled on first use; NULL if the table is full. */
static slot *slot_of(const char *op, int svc)
{
    size_t h = hash(op, svc);
    for (size_t i = 0; i < SLOTS; i++) {
        slot *s = &slots[(h + i) % SLOTS];
        const char *k = atomic_load_explicit(&s->op, memory_order_acquire);
        if (!k) {
            fill(s, op, svc); /* by us, or by another thread just before */
            k = atomic_load_explicit(&s->op, memory_order_acquire);
        }
        if (k == op && s->svc == svc)
            return s;
    }
    return NULL;
}

static ot_metric_series *count_series(slot *s, const char *op, int svc, int cls)
{
    ot_metric_series *c = s ? atomic_load_explicit(&s->count[cls], memory_order_acquire) : NULL;
    if (c)
        return c;
    const char *v[] = {services[svc], op, classes[cls]};
    c = ot_metric_with(&m_requests, v);
    if (s)
        atomic_store_explicit(&s->count[cls], c, memory_order_release);
    return c;
}

void ot_request_metrics_note(const ot_req *req, int status, uint64_t latency_us)
{
    const char *op = req->operation ? req->operation : "unknown";
    int svc = service_index(req->service);
    int cls = status >= 100 && status < 600 ? status / 100 - 1 : NCLASSES - 1;
    slot *s = slot_of(op, svc);
    ot_series_inc(count_series(s, op, svc, cls));
    if (s) {
        ot_series_observe(&m_latency, s->latency, latency_us);
    } else {
        const char *v[] = {services[svc], op};
        ot_series_observe(&m_latency, ot_metric_with(&m_latency, v), latency_us);
    }
}
