/* router.h — the rule router: every recorded CloudTrail event is wrapped in EventBridge's
 * envelope (router_envelope.h), matched against the enabled rules of its account and region in
 * one pass, and each (event, target) it matches is delivered at least once.
 *
 * Two threads. A WAL reader (cursor OT_ROUTER_CURSOR) matches each batch and writes one outbox
 * row per invocation, with the target's input already computed (router_input.h), together with
 * its WAL position in one transaction of DATA-DIR/router.db: a kill -9 loses no invocation and
 * repeats none. A dispatcher sends the outbox's rows to their targets (SNS topics, CloudWatch
 * Logs log groups, API destinations, built-in runbooks) and deletes each once delivered; a
 * retryable failure is tried again with exponential backoff until the retry window
 * (rules-retry-window) or OT_ROUTER_ATTEMPTS_MAX attempts are spent, and a final failure is
 * moved to the dead letters (router.db table dead_letters, logged, counted). docs/rules.md,
 * "Delivery to targets". */
#ifndef OT_ROUTER_H
#define OT_ROUTER_H

#include "api/api.h"

#define OT_ROUTER_CURSOR "rules" /* its WAL cursor and its router.db position */
#define OT_ROUTER_ATTEMPTS_MAX 185    /* EventBridge's default MaximumRetryAttempts */

typedef struct ot_router ot_router;

/* Opens DATA-DIR/router.db and starts both threads. Call after the WAL, rules.db (srv->rules),
 * SNS and logs.db are open. */
int ot_router_start(ot_api *srv, ot_router **out);
/* Stops both threads (undelivered rows stay in the outbox for the next start). NULL is ok. */
void ot_router_stop(ot_router *r);

/* One invocation given up on (router_dead.c), as `opentrail rules dead-letters` shows it. */
typedef struct ot_dead_letter {
    char rule_arn[256];
    char target_id[65];
    char target_arn[1601];
    char event_id[40];    /* the envelope's id */
    int64_t attempts;
    int64_t first_ms;     /* the first attempt */
    int64_t last_ms;      /* the last one, when it was given up on */
    char reason[512];     /* the last error */
} ot_dead_letter;

/* The newest dead letters of DATA-DIR/router.db, newest first, at most max (*out malloc'd),
 * through a read-only handle, so it works while the server runs. OT_ENOTFOUND when there is
 * no router.db (no rule has matched an event yet). */
int ot_router_dead_letters(const char *data_dir, size_t max, ot_dead_letter **out, size_t *n);

#endif
