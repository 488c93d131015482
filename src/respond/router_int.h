/* router_int.h — private to the rule router (respond/router*.c): router.db (the WAL position,
 * the outbox, the dead letters), the compiled rules, and the router's shared state. */
#ifndef OT_ROUTER_INT_H
#define OT_ROUTER_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "respond/router.h"
#include "pattern/pattern.h"
#include "rules/rules.h"
#include "wal/wal_cursor.h"

/* ---- router.db (router_outbox.c) ---- */

typedef struct rt_db {
    sqlite3 *db;
    pthread_mutex_t mu;
} rt_db;

/* One invocation: an event for one target, with what the target receives. */
typedef struct rt_entry {
    int64_t id;           /* the outbox row (set when read back) */
    char event_id[40];    /* the envelope's id */
    char rule_arn[256];
    char target_id[OT_RULE_TARGET_ID_MAX + 1];
    char *target_arn;     /* malloc'd */
    char *payload;        /* malloc'd */
    int64_t event_ms;     /* the event's time (log events' timestamp) */
    int64_t attempts, first_ms, next_ms;
    char last_error[256];
} rt_entry;

void rt_entry_clear(rt_entry *e);

int rt_db_open(const char *path, rt_db *d);
void rt_db_close(rt_db *d);
/* The reader's stored WAL position (0: none yet). */
int rt_db_position(rt_db *d, uint64_t *lsn);
/* In one transaction: adds the invocations to the outbox, the final failures (invocations
 * whose input could not be made) to the dead letters, and stores the position. */
int rt_db_commit_batch(rt_db *d, uint64_t lsn, const rt_entry *ok, size_t nok,
                       const rt_entry *dead, size_t ndead);
/* Up to max outbox rows due at now_ms, oldest first: *out malloc'd, free each with
 * rt_entry_clear. */
int rt_db_due(rt_db *d, int64_t now_ms, size_t max, rt_entry **out, size_t *n);
/* The earliest next attempt in the outbox, INT64_MAX when it is empty; *count its rows. */
int rt_db_next(rt_db *d, int64_t *next_ms, int64_t *count);
int rt_db_delivered(rt_db *d, int64_t id);
int rt_db_retry_later(rt_db *d, const rt_entry *e);
/* Moves the row to the dead letters with the reason, in one transaction. */
int rt_db_dead(rt_db *d, const rt_entry *e, int64_t now_ms);

/* ---- the compiled rules (router_rules.c) ---- */

/* The matcher of the enabled rules of one generation: pattern id i is rules->rules[i]. */
typedef struct rt_rules {
    uint64_t generation;
    bool loaded;
    ot_rules_snapshot *snap;
    ot_pattern_set *set;
    ot_pattern_hits hits;
} rt_rules;

/* Rebuilds the matcher when the store's generation has moved. */
int rt_rules_refresh(rt_rules *rr, ot_rules *store);
void rt_rules_free(rt_rules *rr);

/* ---- the dispatcher (router_dispatch.c) and the targets (router_targets.c) ---- */

typedef struct rt_dispatch {
    ot_api *srv;
    rt_db *db;
    int64_t retry_window_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started, stop, kicked;
} rt_dispatch;

int rt_dispatch_start(rt_dispatch *d);
/* Wakes the dispatcher: new rows were committed. */
void rt_dispatch_kick(rt_dispatch *d);
void rt_dispatch_stop(rt_dispatch *d);

/* Delivers one invocation once: 0 delivered, OT_EAGAIN worth retrying, anything else final;
 * the reason in err. */
int rt_target_send(ot_api *srv, const rt_entry *e, char *err, size_t errcap);

/* Counts one more dead letter (opentrail_rule_dead_letters_total). */
void rt_count_dead_letter(void);

/* The delay before attempt number `attempts` + 1: 1 s doubling to 5 minutes. */
int64_t rt_backoff_ms(int64_t attempts);

#endif
