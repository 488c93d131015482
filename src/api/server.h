/* server.h — the running server's shared state and the service handlers it dispatches to.
 *
 * One ot_server lives for the life of `opentrail serve`. Every handler gets it, reads the
 * configuration from it and reaches the other components through it. */
#ifndef OT_SERVER_H
#define OT_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"

struct ot_store;
struct ot_trail_db;
struct ot_wal;
struct ot_creds;
struct ot_deliver;
struct ot_digest;
struct ot_keystore;
struct ot_history;
struct ot_history_feed;

typedef struct ot_config {
    char listen[128];          /* host:port, default 127.0.0.1:4590 */
    char data_dir[512];        /* default ./opentrail-data */
    char account_id[16];       /* default 123456789012 */
    char default_region[32];   /* used when a request names none; default us-east-1 */
    int64_t delivery_interval_ms; /* default 5 minutes */
    uint64_t delivery_max_bytes;  /* flush a batch past this many uncompressed bytes */
    int64_t digest_interval_ms;   /* digest files per trail and region; default 1 hour */
    int64_t key_rotation_ms;      /* a new signing key per region this often; default 30 days */
    bool any_credentials;      /* emulator mode: accept any access key */
    bool no_fsync;             /* benchmarks of the ceiling only; never the default */
    bool log_bucket_write_once; /* AWSLogs/ of trail buckets: no overwrite/delete; default true */
    int64_t history_retention_ms; /* event history kept this long; default 90 days, 0 = forever */
    double lookup_rate;        /* LookupEvents calls per second per account; 0 = unlimited */
    /* HTTP listener (docs/serve.md "Connections and TLS"): */
    char tls_cert[512];        /* PEM certificate; with tls_key, serve HTTPS */
    char tls_key[512];
    unsigned http_threads;     /* worker threads, default 16 */
    unsigned max_connections;  /* default 10000, capped by the open-file limit */
    unsigned max_connections_per_ip; /* default 256; 0 = no cap */
    int64_t header_timeout_ms; /* default 20 s */
    int64_t body_timeout_ms;   /* default 20 s, plus 1 s per 500 bytes received */
} ot_config;

typedef struct ot_server {
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
    /* Set by another WAL reader (the history feeder): the oldest LSN it still needs. Delivery
     * releases segments only below min(its floor + 1, this). NULL = no other reader. */
    uint64_t (*wal_keep_from)(struct ot_server *srv);
} ot_server;

/* A service handler answers one authenticated request. It names the API operation it ran in
 * *operation (static string, e.g. "CreateTrail", "GetObject") so the call can be audited, or
 * leaves it NULL when nothing should be recorded. */
typedef void (*ot_service_fn)(ot_server *srv, const ot_req *req, ot_resp *resp,
                              const char **operation);

void ot_cloudtrail_handle(ot_server *srv, const ot_req *req, ot_resp *resp, const char **operation);
void ot_cloudtrail_data_handle(ot_server *srv, const ot_req *req, ot_resp *resp,
                               const char **operation);
void ot_s3_handle(ot_server *srv, const ot_req *req, ot_resp *resp, const char **operation);

/* Called by the control plane after StopLogging / DeleteTrail / UpdateTrail on a trail, so
 * delivery flushes what it holds for it now. */
void ot_server_trail_changed(ot_server *srv, const char *trail_arn);

#endif
