/* router_dispatch.c — the dispatcher thread: sends the outbox's due rows to their targets,
 * deletes each once delivered, retries with backoff what is worth retrying and moves the rest
 * to the dead letters. Rows are deleted only after delivery, so a crash repeats at most the
 * rows in flight (at least once). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "respond/router_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"

#define DUE_BATCH 64
#define IDLE_WAIT_MS 1000
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)

OT_GAUGE(m_outbox, "opentrail_rule_outbox_entries",
         "Rule target invocations waiting in the outbox (router.db).");
OT_COUNTER_L(m_invocations, "opentrail_rule_invocations_total",
             "Rule target invocation attempts, by target kind and result "
             "(delivered, retry, failed).",
             OT_LABELS("kind", "result"));

int64_t rt_backoff_ms(int64_t attempts)
{
    int64_t ms = BACKOFF_FIRST_MS;
    for (int64_t i = 1; i < attempts && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

static const char *kind_name(const char *arn)
{
    ot_target_ref ref;
    switch (ot_rules_target_parse(arn, &ref)) {
    case OT_TARGET_SNS:
        return "sns";
    case OT_TARGET_LOGS:
        return "logs";
    case OT_TARGET_API_DESTINATION:
        return "api-destination";
    case OT_TARGET_RUNBOOK:
        return "runbook";
    default:
        return "other";
    }
}

static void count(const rt_entry *e, const char *result)
{
    ot_series_inc(ot_metric_with(&m_invocations, OT_VALUES(kind_name(e->target_arn), result)));
}

/* Retried later, or given up on: over the attempts or past the retry window. */
static void failed(rt_dispatch *d, rt_entry *e, int rc, int64_t now)
{
    e->attempts++;
    bool retry = rc == OT_EAGAIN && e->attempts < OT_ROUTER_ATTEMPTS_MAX &&
                 now + rt_backoff_ms(e->attempts) - e->first_ms <= d->retry_window_ms;
    if (retry) {
        e->next_ms = now + rt_backoff_ms(e->attempts);
        count(e, "retry");
        rt_db_retry_later(d->db, e);
        return;
    }
    count(e, "failed");
    if (rc == OT_EAGAIN) {
        char why[256];
        snprintf(why, sizeof why, "gave up after %lld attempts: %.200s", (long long)e->attempts,
                 e->last_error);
        snprintf(e->last_error, sizeof e->last_error, "%s", why);
    }
    if (rt_db_dead(d->db, e, now) == 0) {
        rt_count_dead_letter();
        ot_warn("rule %s target %s (%s): dead letter for event %s: %s", e->rule_arn,
                e->target_id, e->target_arn, e->event_id, e->last_error);
    }
}

static void deliver(rt_dispatch *d, rt_entry *e)
{
    char err[200] = "";
    int rc = rt_target_send(d->srv, e, err, sizeof err);
    int64_t now = ot_now_ms();
    if (rc == 0) {
        count(e, "delivered");
        rt_db_delivered(d->db, e->id);
        return;
    }
    snprintf(e->last_error, sizeof e->last_error, "%s", err[0] ? err : ot_strerror(rc));
    failed(d, e, rc, now);
}

/* Delivers every due row; returns when the outbox next wants attention. */
static int64_t run_due(rt_dispatch *d)
{
    for (;;) {
        rt_entry *due = NULL;
        size_t n = 0;
        if (rt_db_due(d->db, ot_now_ms(), DUE_BATCH, &due, &n))
            return ot_now_ms() + IDLE_WAIT_MS;
        for (size_t i = 0; i < n; i++) {
            deliver(d, &due[i]);
            rt_entry_clear(&due[i]);
        }
        free(due);
        if (n < DUE_BATCH)
            break;
    }
    int64_t next = INT64_MAX, rows = 0;
    rt_db_next(d->db, &next, &rows);
    ot_metric_set(&m_outbox, (double)rows);
    return next;
}

static void wait_until(rt_dispatch *d, int64_t next_ms)
{
    int64_t until = ot_now_ms() + IDLE_WAIT_MS;
    if (next_ms < until)
        until = next_ms;
    struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (long)(until % 1000) * 1000000};
    pthread_mutex_lock(&d->mu);
    while (!d->stop && !d->kicked && ot_now_ms() < until)
        if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) == ETIMEDOUT)
            break;
    d->kicked = false;
    pthread_mutex_unlock(&d->mu);
}

static void *dispatch_main(void *arg)
{
    rt_dispatch *d = arg;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        bool stop = d->stop;
        pthread_mutex_unlock(&d->mu);
        if (stop)
            return NULL;
        wait_until(d, run_due(d));
    }
}

int rt_dispatch_start(rt_dispatch *d)
{
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_t ca; /* the realtime clock: deadlines are wall-clock ms */
    pthread_condattr_init(&ca);
    pthread_cond_init(&d->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&d->thread, NULL, dispatch_main, d)) {
        pthread_cond_destroy(&d->cv);
        pthread_mutex_destroy(&d->mu);
        return OT_ENOMEM;
    }
    d->started = true;
    return 0;
}

void rt_dispatch_kick(rt_dispatch *d)
{
    pthread_mutex_lock(&d->mu);
    d->kicked = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void rt_dispatch_stop(rt_dispatch *d)
{
    if (!d->started)
        return;
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    d->started = false;
}
