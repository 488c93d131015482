/* logs_int.h — private to src/logs/: the store's handle and the lookups its files share. */
#ifndef OT_LOGS_INT_H
#define OT_LOGS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>

#include "logs/logs.h"

struct ot_logs {
    sqlite3 *db;
    pthread_mutex_t mu;     /* guards db */
    pthread_t sweeper;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    bool stopping, sweeper_running;
    int64_t sweep_interval_ms;
    _Atomic uint64_t metric_generation; /* bumped by every change of a metric filter */
};

/* The row id of the scope's group `name`: 0 and *id, OT_ENOTFOUND or OT_E*. Caller holds mu. */
int logs_group_id(ot_logs *l, const ot_logs_scope *s, const char *name, int64_t *id);

/* The row id of stream `name` of group gid: 0, OT_ENOTFOUND or OT_E*. Caller holds mu. */
int logs_stream_id(ot_logs *l, int64_t gid, const char *name, int64_t *id);

/* Resolves group then stream: OT_ENOTFOUND with *stream_missing telling which. */
int logs_stream_resolve(ot_logs *l, const ot_logs_scope *s, const char *group,
                        const char *stream, int64_t *gid, int64_t *sid, bool *stream_missing);

/* Binds the scope's account and region to ?1 and ?2, and third (may be NULL) to ?3. 0 or
 * OT_ENOMEM. */
int logs_bind_scope(sqlite3_stmt *st, const ot_logs_scope *s, const char *third);

/* Steps st expecting one integer column: 0 and *v, OT_ENOTFOUND (no row) or OT_E*.
 * Finalizes st. */
int logs_one_int(ot_logs *l, sqlite3_stmt *st, int64_t *v, const char *what);

/* Inserts stream `name` into group gid: 0, OT_EEXIST or OT_E*. Caller holds mu. */
int logs_stream_insert(ot_logs *l, int64_t gid, const char *name, int64_t now_ms);

/* Appends ev[0..n) to stream sid of group gid (inside the caller's transaction). Caller holds
 * mu. */
int logs_insert_events(ot_logs *l, int64_t gid, int64_t sid, const ot_log_event_in *ev,
                       size_t n, int64_t now_ms);

/* Creates the feed tables (logs_feed.c). */
int logs_feed_schema(sqlite3 *db);

#endif
