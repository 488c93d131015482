/* cw_fixture.h — the fixture the test_cw_*.c tests share: a cloudwatch.db in a temporary
 * directory, opened without the evaluator thread (tests call ot_cw_evaluate), and an action
 * callback that records what it was asked to do and answers what the test told it to. */
#ifndef CW_FIXTURE_H
#define CW_FIXTURE_H

#include "cw/cw.h"
#include "util/err.h"

#define MIN_MS (60 * 1000LL)
#define T0 (1760000000000LL / (3600 * 1000LL) * (3600 * 1000LL)) /* an hour boundary */

static const ot_cw_scope A = {"123456789012", "us-east-1"};
static const ot_cw_scope B = {"999999999999", "us-east-1"};
static const ot_cw_scope A2 = {"123456789012", "eu-west-1"};

typedef struct action_call {
    char arn[256];
    char subject[128];
    char *message;
} action_call;

typedef struct fixture {
    char dir[256];
    char path[300];
    ot_cw *cw;
    int answer; /* what the action callback returns */
    action_call calls[32];
    int ncalls;
} fixture;

static int record_action(void *ctx, const char *arn, const char *subject, const char *message)
{
    fixture *f = ctx;
    if (f->ncalls < 32) {
        action_call *c = &f->calls[f->ncalls];
        snprintf(c->arn, sizeof c->arn, "%s", arn);
        snprintf(c->subject, sizeof c->subject, "%s", subject);
        c->message = strdup(message);
    }
    f->ncalls++;
    return f->answer;
}

static void fixture_open(fixture *f)
{
    ot_cw_opts o = {.path = f->path, .no_thread = true, .action = record_action,
                    .action_ctx = f};
    assert_int_equal(ot_cw_open(&o, &f->cw), 0);
}

static void fixture_forget_calls(fixture *f)
{
    for (int i = 0; i < f->ncalls && i < 32; i++)
        free(f->calls[i].message);
    f->ncalls = 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "cw");
    snprintf(f->path, sizeof f->path, "%s/cloudwatch.db", f->dir);
    fixture_open(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_cw_close(f->cw);
    fixture_forget_calls(f);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

/* One value at ts of namespace "App", metric name, dims (may be NULL). */
static int put_value(ot_cw *cw, const ot_cw_scope *s, const char *name, const ot_cw_dim *dims,
                     size_t ndims, int64_t ts, double v, const char *unit)
{
    ot_cw_point p = {.metric = {.namespace_ = "App", .name = name, .dims = dims, .ndims = ndims},
                     .d = {.ts_ms = ts, .count = 1, .sum = v, .min = v, .max = v,
                           .unit = unit}};
    return ot_cw_put(cw, s, &p, 1);
}

#endif
