/* api.h — what the API handlers reach: the configuration and the components they serve.
 *
 * One ot_api lives inside the daemon (src/daemon/) for the life of `opentrail serve`. Every
 * handler gets it, reads the configuration from it and reaches the other components through it. */
#ifndef OT_API_H
#define OT_API_H

#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"
#include "config/config.h"

struct ot_store;
struct ot_trail_db;
struct ot_wal;
struct ot_creds;
struct ot_deliver;
struct ot_digest;
struct ot_keystore;
struct ot_history;
struct ot_history_feed;
struct ot_logs;
struct ot_sns;
struct ot_cw;
struct ot_mfilter;
struct ot_trail_stream;
struct ot_rules;
struct ot_insights;
struct ot_router;
struct ot_runbooks;

/* One readiness check of the running server (GET /ready, api/health.c). */
typedef struct ot_ready_check {
    const char *name;  /* static: "wal", "state_db", "delivery", "disk" */
    bool ok;
    char detail[200];  /* why it failed ("" when ok) */
} ot_ready_check;

#define OT_READY_MAX_CHECKS 8

typedef struct ot_api {
    ot_config cfg;
    struct ot_store *store;      /* the embedded object store (data-dir/buckets) */
    struct ot_trail_db *trails;  /* state.db */
    struct ot_wal *wal;
    struct ot_creds *creds;
    struct ot_deliver *deliver;
    struct ot_keystore *keys;    /* digest signing keys (data-dir/keys, state.db) */
    struct ot_digest *digest;    /* the digest writer */
    struct ot_history *history;           /* history.db (LookupEvents) */
    struct ot_history_feed *history_feed; /* indexes the WAL into it */
    struct ot_logs *logs;                 /* logs.db (the CloudWatch Logs API) */
    struct ot_sns *sns;                   /* SNS topics and their delivery (state.db) */
    struct ot_cw *cw;                     /* CloudWatch metrics and alarms (cloudwatch.db) */
    struct ot_mfilter *mfilter;           /* the log groups' metric filters, compiled */
    struct ot_trail_stream *trail_stream; /* trails into their log groups (a WAL reader) */
    struct ot_rules *rules;               /* EventBridge rules (rules.db) */
    struct ot_insights *insights;         /* CloudTrail Insights (a WAL reader, insights.db) */
    struct ot_router *router;             /* the rule router: WAL reader + target delivery */
    struct ot_runbooks *runbooks;         /* the built-in runbooks (a WAL reader, respond/) */
    /* Set by the daemon; called by ot_api_trail_changed(). */
    void (*trail_changed)(void *ctx, const char *trail_arn);
    void *trail_changed_ctx;
    /* Set by the daemon; called by GET /ready: fills at most OT_READY_MAX_CHECKS checks and
     * returns how many (the api layer knows none of the components' internals). */
    size_t (*ready)(void *ctx, ot_ready_check *checks);
    void *ready_ctx;
    int64_t started_ms; /* monotonic clock at start, for /health's uptime */
} ot_api;

/* A service handler answers one authenticated request. It names the API operation it ran in
 * *operation (static string, e.g. "CreateTrail", "GetObject") for the audit event, the access
 * log and the metrics; resp->skip_audit keeps a named call out of the trail. */
typedef void (*ot_service_fn)(ot_api *srv, const ot_req *req, ot_resp *resp,
                              const char **operation);

void ot_cloudtrail_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation);
void ot_cloudtrail_data_handle(ot_api *srv, const ot_req *req, ot_resp *resp,
                               const char **operation);
void ot_logs_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation);
void ot_s3_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation);
/* EventBridge rules on the default bus (api_events*.c). */
void ot_api_events_handle(ot_api *srv, const ot_req *req, ot_resp *resp,
                          const char **operation);
/* The rules store (rules.db): srv->rules, opened by the daemon. */
struct ot_rules *ot_api_rules(ot_api *srv);

/* Called by the control plane after StopLogging / DeleteTrail / UpdateTrail on a trail, so
 * delivery flushes what it holds for it now (through the daemon's trail_changed hook). */
void ot_api_trail_changed(ot_api *srv, const char *trail_arn);

#endif
