/* cw_thread.c — the evaluator thread: every tick_ms it evaluates every alarm and runs the
 * pending actions; a kick (new pending actions) runs the actions at once. */
#include <errno.h>
#include <time.h>

#include "cw/cw_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

typedef enum wake_reason { WOKE_TICK, WOKE_KICK, WOKE_STOP } wake_reason;

/* Waits up to ms, or until kicked or stopped. */
static wake_reason wait_tick(ot_cw *cw, int64_t ms)
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
    bool timed_out = false;
    while (!cw->stop && !cw->kicked && !timed_out)
        timed_out = pthread_cond_timedwait(&cw->wake, &cw->wake_mu, &until) == ETIMEDOUT;
    wake_reason why = cw->stop ? WOKE_STOP : cw->kicked ? WOKE_KICK : WOKE_TICK;
    cw->kicked = false;
    pthread_mutex_unlock(&cw->wake_mu);
    return why;
}

/* A tick evaluates and runs the actions; a kick (a state set by SetAlarmState) only runs the
 * actions, so the state set by hand is not evaluated away at once. */
static void *eval_thread(void *arg)
{
    ot_cw *cw = arg;
    wake_reason why = WOKE_TICK;
    do {
        int rc = why == WOKE_TICK ? ot_cw_evaluate(cw, ot_now_ms())
                                  : ot_cw_run_actions(cw, ot_now_ms());
        if (rc)
            ot_warn("cw: alarm evaluation failed: %s (retried next tick)", ot_strerror(rc));
    } while ((why = wait_tick(cw, cw->tick_ms)) != WOKE_STOP);
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
