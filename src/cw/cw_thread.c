/* cw_thread.c — the evaluator thread: every tick_ms it evaluates every alarm and runs the
 * pending actions; a kick (a state set by SetAlarmState) runs it at once. */
#include <errno.h>
#include <time.h>

#include "cw/cw_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Waits up to ms (or until kicked or stopped); true when the thread must stop. */
static bool wait_tick(ot_cw *cw, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&cw->wake_mu);
    while (!cw->stop && !cw->kicked &&
           pthread_cond_timedwait(&cw->wake, &cw->wake_mu, &until) != ETIMEDOUT) {
    }
    cw->kicked = false;
    bool stop = cw->stop;
    pthread_mutex_unlock(&cw->wake_mu);
    return stop;
}

static void *eval_thread(void *arg)
{
    ot_cw *cw = arg;
    do {
        int rc = ot_cw_evaluate(cw, ot_now_ms());
        if (rc)
            ot_warn("cw: alarm evaluation failed: %s (retried next tick)", ot_strerror(rc));
    } while (!wait_tick(cw, cw->tick_ms));
    return NULL;
}

int cw_thread_start(ot_cw *cw)
{
    if (pthread_create(&cw->thread, NULL, eval_thread, cw)) {
        ot_error("cw: cannot start the alarm evaluator thread");
        return OT_EIO;
    }
    cw->running = true;
    return OT_OK;
}

void cw_thread_kick(ot_cw *cw)
{
    pthread_mutex_lock(&cw->wake_mu);
    cw->kicked = true;
    pthread_cond_signal(&cw->wake);
    pthread_mutex_unlock(&cw->wake_mu);
}

void cw_thread_stop(ot_cw *cw)
{
    if (!cw->running)
        return;
    pthread_mutex_lock(&cw->wake_mu);
    cw->stop = true;
    pthread_cond_signal(&cw->wake);
    pthread_mutex_unlock(&cw->wake_mu);
    pthread_join(cw->thread, NULL);
    cw->running = false;
}
