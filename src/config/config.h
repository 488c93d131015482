/* config.h — the options of `opentrail serve`, from the command line and --config FILE. */
#ifndef OT_CONFIG_H
#define OT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

void ot_config_defaults(ot_config *cfg);
/* Applies one key (as in the config file, e.g. "delivery-interval") = value. Returns 0 or
 * OT_EINVAL with a message in err. */
int ot_config_set(ot_config *cfg, const char *key, const char *value, char *err, size_t errlen);
/* Checks the options against each other (after all are set). 0 or OT_EINVAL with a message. */
int ot_config_check(const ot_config *cfg, char *err, size_t errlen);
/* Reads "key = value" lines (# comments) from path. */
int ot_config_load_file(ot_config *cfg, const char *path, char *err, size_t errlen);

#endif
