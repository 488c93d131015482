/* http_deadline.c — connection phases and the reaper that cuts overdue ones. */
#include "api/http_deadline.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

enum phase { PH_WAITING, PH_BODY, PH_BUSY };

struct ot_deadline_conn {
    ot_deadline_conn *prev, *next;
    int fd;
    enum phase phase;
    bool cut;
    int64_t since_ms;  /* when the current phase began */
    uint64_t body_bytes;
};

struct ot_deadlines {
    ot_deadline_opts o;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t reaper;
    bool stopping;
    ot_deadline_conn *head;
    uint64_t cut;
};

static int64_t now_ms(const ot_deadlines *d)
{
    return d->o.clock_ms();
}

static bool overdue(const ot_deadlines *d, const ot_deadline_conn *c, int64_t now)
{
    int64_t elapsed = now - c->since_ms;
    switch (c->phase) {
    case PH_WAITING:
        return elapsed > d->o.header_ms;
    case PH_BODY:
        return elapsed > d->o.body_ms + (int64_t)(c->body_bytes / d->o.min_rate) * 1000;
    default:
        return false;
    }
}

/* One pass over the connections, under the lock; returns how many were cut. */
static unsigned reap_locked(ot_deadlines *d)
{
    unsigned n = 0;
    int64_t now = now_ms(d);
    for (ot_deadline_conn *c = d->head; c; c = c->next) {
        if (c->cut || !overdue(d, c, now))
            continue;
        /* The server sees end-of-file and closes the connection itself. */
        shutdown(c->fd, SHUT_RDWR);
        c->cut = true;
        n++;
    }
    d->cut += n;
    return n;
}

static void *reaper_main(void *arg)
{
    ot_deadlines *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (d->o.tick_ms % 1000) * 1000000;
        ts.tv_sec += d->o.tick_ms / 1000 + ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&d->wake, &d->lock, &ts);
        unsigned n = reap_locked(d);
        if (n) /* one line per pass, not one per connection: an attack must not flood the log */
            ot_info("cut %u connection(s) too slow to send their request (header/body deadline)",
                    n);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

int ot_deadlines_start(const ot_deadline_opts *o, ot_deadlines **out)
{
    ot_deadlines *d = calloc(1, sizeof *d);
    if (!d)
        return OT_ENOMEM;
    d->o = *o;
    if (!d->o.tick_ms)
        d->o.tick_ms = 250;
    if (!d->o.min_rate)
        d->o.min_rate = 1;
    if (!d->o.clock_ms)
        d->o.clock_ms = ot_monotonic_ms;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    if (d->o.tick_ms > 0 && pthread_create(&d->reaper, NULL, reaper_main, d)) {
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return OT_EIO;
    }
    *out = d;
    return OT_OK;
}

void ot_deadlines_stop(ot_deadlines *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    if (d->o.tick_ms > 0)
        pthread_join(d->reaper, NULL);
    while (d->head) { /* normally empty: the server closed every connection first */
        ot_deadline_conn *c = d->head;
        d->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

uint64_t ot_deadlines_cut(ot_deadlines *d)
{
    pthread_mutex_lock(&d->lock);
    uint64_t n = d->cut;
    pthread_mutex_unlock(&d->lock);
    return n;
}

unsigned ot_deadlines_reap(ot_deadlines *d)
{
    pthread_mutex_lock(&d->lock);
    unsigned n = reap_locked(d);
    pthread_mutex_unlock(&d->lock);
    return n;
}

ot_deadline_conn *ot_deadline_open(ot_deadlines *d, int fd)
{
    ot_deadline_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->phase = PH_WAITING;
    c->since_ms = now_ms(d);
    pthread_mutex_lock(&d->lock);
    c->next = d->head;
    if (d->head)
        d->head->prev = c;
    d->head = c;
    pthread_mutex_unlock(&d->lock);
    return c;
}

static void set_phase(ot_deadlines *d, ot_deadline_conn *c, enum phase p)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->lock);
    c->phase = p;
    c->since_ms = now_ms(d);
    c->body_bytes = 0;
    pthread_mutex_unlock(&d->lock);
}

void ot_deadline_headers_done(ot_deadlines *d, ot_deadline_conn *c)
{
    set_phase(d, c, PH_BODY);
}

void ot_deadline_busy(ot_deadlines *d, ot_deadline_conn *c)
{
    set_phase(d, c, PH_BUSY);
}

void ot_deadline_waiting(ot_deadlines *d, ot_deadline_conn *c)
{
    set_phase(d, c, PH_WAITING);
}

void ot_deadline_body_bytes(ot_deadlines *d, ot_deadline_conn *c, size_t n)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->lock);
    c->body_bytes += n;
    pthread_mutex_unlock(&d->lock);
}

void ot_deadline_close(ot_deadlines *d, ot_deadline_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&d->lock);
    free(c);
}
