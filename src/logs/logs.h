/* logs.h — the CloudWatch Logs store (<data-dir>/logs.db): log groups, their streams, the
 * events of each stream and the group's metric filters, behind the `logs` API (api/api_logs*.c).
 *
 * Everything belongs to an account and a region (ot_logs_scope): a group of one account is
 * invisible to every other. Events are indexed by (stream, time) and by (group, time), so
 * GetLogEvents and FilterLogEvents read a time range without scanning the rest. A write is
 * committed (synchronous=FULL) before the call returns, so an acknowledged PutLogEvents survives
 * a crash. A group's retention policy is enforced by ot_logs_sweep, which a thread runs every
 * hour and the API runs at once after PutRetentionPolicy.
 *
 * Threads: one connection behind a mutex; every function may be called from any thread. */
#ifndef OT_LOGS_H
#define OT_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot_logs ot_logs;

/* The owner of a resource: the caller's account and the request's region. */
typedef struct ot_logs_scope {
    const char *account;
    const char *region;
} ot_logs_scope;

#define OT_LOGS_NAME_MAX 512

/* Opens (creating if needed) the store at path and starts its retention sweeper, which runs
 * every sweep_interval_ms (0: every hour). */
int ot_logs_open(const char *path, int64_t sweep_interval_ms, ot_logs **out);
void ot_logs_close(ot_logs *l);

/* ---- groups ---- */

typedef struct ot_log_group {
    char name[OT_LOGS_NAME_MAX + 1];
    int64_t created_ms;
    int retention_days;      /* 0: kept forever */
    int metric_filters;      /* how many */
    int64_t stored_bytes;    /* the sum of its events' message sizes */
} ot_log_group;

/* 0, OT_EEXIST (a group of that name exists in the scope) or OT_E*. */
int ot_logs_group_create(ot_logs *l, const ot_logs_scope *s, const char *name, int64_t now_ms);
/* Deletes the group with its streams, events and metric filters. 0, OT_ENOTFOUND or OT_E*. */
int ot_logs_group_delete(ot_logs *l, const ot_logs_scope *s, const char *name);
/* 0 and *out, OT_ENOTFOUND or OT_E*. */
int ot_logs_group_get(ot_logs *l, const ot_logs_scope *s, const char *name, ot_log_group *out);

/* The groups of the scope in name order whose name starts with prefix (NULL: any) and contains
 * pattern (NULL: any; case-sensitive), skipping the first `offset`, at most `limit`: *out is
 * malloc'd (free it), *n how many. */
int ot_logs_group_list(ot_logs *l, const ot_logs_scope *s, const char *prefix,
                       const char *pattern, int64_t offset, int limit, ot_log_group **out,
                       size_t *n);

/* days 0 removes the policy. 0, OT_ENOTFOUND or OT_E*. */
int ot_logs_retention_set(ot_logs *l, const ot_logs_scope *s, const char *group, int days);

/* Deletes every event older than its group's retention (now_ms - days), in all scopes;
 * *deleted (may be NULL) counts them. */
int ot_logs_sweep(ot_logs *l, int64_t now_ms, int64_t *deleted);

/* ---- streams ---- */

typedef struct ot_log_stream {
    char name[OT_LOGS_NAME_MAX + 1];
    int64_t created_ms;
    int64_t first_event_ms, last_event_ms, last_ingest_ms; /* 0: no event yet */
    int64_t stored_bytes;
} ot_log_stream;

/* The stream functions answer OT_ENOTFOUND for a missing group; *stream_missing (may be NULL)
 * tells a missing stream apart from it. */
int ot_logs_stream_create(ot_logs *l, const ot_logs_scope *s, const char *group,
                          const char *name, int64_t now_ms);
int ot_logs_stream_delete(ot_logs *l, const ot_logs_scope *s, const char *group,
                          const char *name, bool *stream_missing);

typedef struct ot_logs_stream_query {
    const char *prefix;   /* NULL: any */
    bool by_last_event;   /* order by last event time, else by name */
    bool descending;
    int64_t offset;
    int limit;
} ot_logs_stream_query;

int ot_logs_stream_list(ot_logs *l, const ot_logs_scope *s, const char *group,
                        const ot_logs_stream_query *q, ot_log_stream **out, size_t *n);

/* ---- events ---- */

typedef struct ot_log_event_in {
    int64_t ts;
    const char *msg;
    size_t len;
} ot_log_event_in;

/* Appends ev[0..n) to the stream in one transaction, committed before it returns. */
int ot_logs_put(ot_logs *l, const ot_logs_scope *s, const char *group, const char *stream,
                const ot_log_event_in *ev, size_t n, int64_t now_ms, bool *stream_missing);

/* One stored event, borrowed for the duration of the callback. Events are ordered by
 * (ts, id); id is unique in the store. */
typedef struct ot_log_event {
    int64_t id, ts, ingest_ms;
    const char *stream;
    const char *msg;
    size_t len;
} ot_log_event;

/* What ot_logs_events reads: the events of a group (or of one stream) with start_ms <= ts <
 * end_ms, strictly after the cursor (or strictly before it, newest first, when backward),
 * at most max_rows of them. */
typedef struct ot_logs_query {
    const char *group;
    const char *stream;        /* one stream, or NULL: all of the group's */
    const char *stream_prefix; /* NULL: any (only without stream) */
    int64_t start_ms, end_ms;
    int64_t cursor_ts, cursor_id;
    bool backward;
    int64_t max_rows;
} ot_logs_query;

/* Returns nonzero to stop the scan. */
typedef int (*ot_logs_event_fn)(void *ctx, const ot_log_event *ev);

/* Calls fn for each event the query selects, in order. 0, OT_ENOTFOUND (no such group, or no
 * such stream: *stream_missing) or OT_E*. */
int ot_logs_events(ot_logs *l, const ot_logs_scope *s, const ot_logs_query *q,
                   ot_logs_event_fn fn, void *ctx, bool *stream_missing);

/* ---- metric filters ---- */

typedef struct ot_log_metric_filter {
    char group[OT_LOGS_NAME_MAX + 1];
    char name[OT_LOGS_NAME_MAX + 1];
    char *pattern;          /* malloc'd, as the caller gave it */
    char *transformations;  /* malloc'd JSON array, as the API writes it back */
    int64_t created_ms;
} ot_log_metric_filter;

/* Creates or replaces the group's filter `name`. 0, OT_ENOTFOUND (group) or OT_E*. */
int ot_logs_metric_put(ot_logs *l, const ot_logs_scope *s, const char *group, const char *name,
                       const char *pattern, const char *transformations, int64_t now_ms);
/* 0, OT_ENOTFOUND (group, or the filter: *filter_missing) or OT_E*. */
int ot_logs_metric_delete(ot_logs *l, const ot_logs_scope *s, const char *group,
                          const char *name, bool *filter_missing);

typedef struct ot_logs_metric_query {
    const char *group;       /* NULL: every group of the scope */
    const char *name_prefix; /* NULL: any */
    const char *metric_name, *metric_namespace; /* NULL: any */
    int64_t offset;
    int limit;
} ot_logs_metric_query;

/* Filters in (group, name) order; free the result with ot_logs_metric_free. */
int ot_logs_metric_list(ot_logs *l, const ot_logs_scope *s, const ot_logs_metric_query *q,
                        ot_log_metric_filter **out, size_t *n);
void ot_logs_metric_free(ot_log_metric_filter *f, size_t n);

/* A counter that changes whenever a metric filter of any group is put or deleted (or its group
 * deleted): a holder of compiled filters reloads them when it moved. In memory only. */
uint64_t ot_logs_metric_generation(ot_logs *l);

/* ---- feeds ----
 *
 * A feed copies another log into log streams exactly once (the trail stream copies the WAL):
 * ot_logs_feed_put stores a batch together with the feed's position in its source, in one
 * transaction, so a feed that resumes from ot_logs_feed_position never loses or repeats an
 * event. Each event counts for a source (a trail ARN), whose last outcome is kept. */

typedef struct ot_logs_feed_event {
    ot_logs_scope scope;     /* the group's owner */
    const char *group;
    const char *stream;      /* created when missing */
    const char *source;      /* whose outcome it counts for */
    int64_t ts;
    const char *msg;
    size_t len;
    bool stored;             /* out: false when the group does not exist (skipped) */
} ot_logs_feed_event;

/* Writes ev[0..n) (events of a missing group are skipped: stored false, their source's error
 * set), records each source's outcome and sets the feed's position, all in one transaction. */
int ot_logs_feed_put(ot_logs *l, const char *feed, uint64_t position, ot_logs_feed_event *ev,
                     size_t n, int64_t now_ms);
/* The feed's stored position, 0 if it never wrote. */
int ot_logs_feed_position(ot_logs *l, const char *feed, uint64_t *position);

/* The last outcome of a source: the last time its events were stored (0: never) and, if its
 * last attempt failed, why and when ("" and 0 otherwise). */
typedef struct ot_logs_feed_status {
    int64_t latest_ms;
    int64_t error_ms;
    char error[256];
} ot_logs_feed_status;

/* Records an outcome outside a batch (error NULL: success). */
int ot_logs_feed_note(ot_logs *l, const char *source, int64_t now_ms, const char *error);
/* All zero when the source never had one. */
int ot_logs_feed_status_get(ot_logs *l, const char *source, ot_logs_feed_status *out);

#endif
