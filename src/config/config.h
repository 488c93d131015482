/* config.h — the options of `opentrail serve`, from the command line, the environment and
 * --config FILE.
 *
 * One table (ot_config_options, config_options.c) names every option once: its type, the
 * ot_config field it sets, its default, its bounds and its help. The defaults, the config
 * file's keys, the command line (cli/cmd_serve.c builds its getopt list from the table), the
 * environment variables (config_env.c), the --help text and the check of docs/config.md (tests/unit/test_config.c) all read it, so an
 * option is added in one place: a field below and a row of the table. */
#ifndef OT_CONFIG_H
#define OT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
    int64_t rules_retry_window_ms; /* rule targets retried this long; default 24 h */
    double lookup_rate;        /* LookupEvents calls per second per account; 0 = unlimited */
    /* HTTP listener (docs/serve.md "Connections and TLS"): */
    char tls_cert[512];        /* PEM certificate; with tls_key, serve HTTPS */
    char tls_key[512];
    unsigned http_threads;     /* worker threads, default 16 */
    unsigned max_connections;  /* default 10000, capped by the open-file limit */
    unsigned max_connections_per_ip; /* default 256; 0 = no cap */
    int64_t header_timeout_ms; /* default 20 s */
    int64_t body_timeout_ms;   /* default 20 s, plus 1 s per 500 bytes received */
    /* The server log (util/log.h): */
    int log_level;             /* OT_LOG_DEBUG .. OT_LOG_ERROR; default info */
    int log_format;            /* OT_LOG_TEXT, OT_LOG_LOGFMT or OT_LOG_JSON; default text */
    bool access_log;           /* one info line per request; default true */
    /* Operations (docs/serve.md "Health", docs/proxy.md): */
    char trusted_proxy[1024];  /* CIDRs whose X-Forwarded-For / Forwarded name the client */
    char public_url[256];      /* how clients reach the server, for links in SNS messages;
                                * "": http(s)://<listen> */
    uint64_t ready_min_free_bytes; /* GET /ready fails below this much free disk; default 64 MiB */
    int64_t ready_delivery_lag_ms; /* ... or when delivery lags by more than the delivery
                                    * interval plus this; default 15 minutes */
    int metrics_access;        /* who may GET /metrics unsigned (ot_metrics_access); loopback */
    bool api_destination_allow_http; /* http:// InvocationEndpoints; default false (https) */
    /* The built-in runbooks (docs/runbooks.md "Configuration"): */
    int runbook_trail_restore; /* ot_runbook_mode; default on */
    char runbook_trail_restore_exclude[1024]; /* comma-separated trail names or ARNs */
    int runbook_bucket_policy_restore; /* ot_runbook_mode; default on */
    char runbook_bucket_policy_restore_exclude[1024]; /* comma-separated bucket names */
    char runbook_topic[256];   /* SNS topic ARN the incidents are published to; "" none */
    int runbook_instance_login; /* ot_runbook_mode; default on */
    char runbook_instance_login_allow[1024];   /* the allowlist (respond/login_allowlist.h) */
    char runbook_instance_login_webhook[512];  /* the isolation webhook's URL; "" none */
    char runbook_instance_login_webhook_header[512]; /* "Name: value" sent with it; "" none */
} ot_config;

/* What a runbook does when its trigger fires (--runbook-trail-restore). */
typedef enum ot_runbook_mode {
    OT_RUNBOOK_ON,      /* acts and writes the incident */
    OT_RUNBOOK_OFF,     /* does nothing */
    OT_RUNBOOK_DRY_RUN, /* writes the incident, changes nothing */
} ot_runbook_mode;

/* --metrics-access (docs/metrics.md "Access"): who may read GET /metrics without signing.
 * A SigV4-signed scrape (service "metrics") is always answered. */
typedef enum ot_metrics_access {
    OT_METRICS_LOOPBACK, /* peers on 127.0.0.0/8 and ::1, not through a proxy */
    OT_METRICS_SIGV4,    /* nobody: every scrape is signed */
    OT_METRICS_PUBLIC,   /* everyone who can reach the port */
} ot_metrics_access;

/* What a value must look like; it decides the field's C type (in brackets). */
typedef enum ot_option_type {
    OT_OPT_STRING,    /* char[size]: at most size - 1 characters */
    OT_OPT_FLAG,      /* bool: no value on the command line (it means true); true/false in a file */
    OT_OPT_BOOL,      /* bool: true/false (also 1/0, yes/no) everywhere */
    OT_OPT_DURATION,  /* int64_t ms: ot_duration_parse (250ms, 2s, 5m, 1h, 30d) */
    OT_OPT_BYTES,     /* uint64_t: a byte count */
    OT_OPT_UNSIGNED,  /* unsigned: a whole number */
    OT_OPT_DOUBLE,    /* double */
    OT_OPT_REGION,    /* char[size]: an AWS region name (util/region.h) */
    OT_OPT_ACCOUNT,   /* char[size]: a 12-digit account id */
    OT_OPT_HOSTPORT,  /* char[size]: host:port, port 0-65535 (0: any free port) */
    OT_OPT_ENUM,      /* int: the index of the value in choices */
} ot_option_type;

typedef struct ot_option {
    const char *name;     /* --name on the command line and the config file's key */
    ot_option_type type;
    size_t offset;        /* offsetof(ot_config, field) */
    size_t size;          /* sizeof the field */
    const char *def;      /* the default as it would be typed; NULL: empty, false */
    double lo, hi;        /* numbers: bounds (durations in ms); hi == 0: no upper bound */
    const char *zero;     /* what 0 means ("unlimited"), or NULL */
    const char *const *choices; /* OT_OPT_ENUM: the names, NULL-terminated */
    const char *metavar;  /* the value's placeholder in --help (DUR, N ...); NULL for flags */
    const char *help;     /* one sentence for --help, without the default */
} ot_option;

/* The table, in the order of --help; *n gets its length. */
const ot_option *ot_config_options(size_t *n);
/* The option called name, or NULL. */
const ot_option *ot_config_option(const char *name);

void ot_config_defaults(ot_config *cfg);
/* Applies one key (as in the config file, e.g. "delivery-interval") = value. Returns 0 or
 * OT_EINVAL with a message in err. */
int ot_config_set(ot_config *cfg, const char *key, const char *value, char *err, size_t errlen);
/* Checks the options against each other (after all are set). 0 or OT_EINVAL with a message. */
int ot_config_check(const ot_config *cfg, char *err, size_t errlen);
/* Reads "key = value" lines (# comments) from path. */
int ot_config_load_file(ot_config *cfg, const char *path, char *err, size_t errlen);

/* The environment: every option can also be set from OPENTRAIL_<NAME>, its name in upper
 * case with '-' as '_' (data-dir: OPENTRAIL_DATA_DIR), and OT_CONFIG_ENV_FILE names the config
 * file as --config does. Precedence: flag > environment > config file > default. */
#define OT_CONFIG_ENV_FILE "OPENTRAIL_CONFIG"
/* The variable of the option called option, into out. */
void ot_config_env_name(const char *option, char *out, size_t n);
/* Applies every OPENTRAIL_<NAME> of env (environ's shape: "NAME=value" strings, NULL-ended)
 * that names an option; an empty value counts as unset. 0, or OT_EINVAL with
 * "environment variable OPENTRAIL_<NAME>: expected ..., got '...'" in err. */
int ot_config_load_env(ot_config *cfg, char *const *env, char *err, size_t errlen);
/* The layers under the command line, over what cfg holds (the defaults): the config file
 * (config_path, the --config flag; NULL: OT_CONFIG_ENV_FILE of env, if set), then env over it.
 * The caller applies the flags last. 0, or an error with its message in err. */
int ot_config_load_layers(ot_config *cfg, const char *config_path, char *const *env, char *err,
                          size_t errlen);
/* Logs a warning (util/log.h) for every OPENTRAIL_* variable of env that is neither an option
 * nor OT_CONFIG_ENV_FILE, naming the closest one; returns how many. */
size_t ot_config_env_warn_unknown(char *const *env);

/* o's value in cfg as it would be typed (durations in their largest exact unit), so that
 * ot_config_set(o->name, out) sets the same value again. */
void ot_config_format_value(const ot_config *cfg, const ot_option *o, char *out, size_t n);

/* --help: one entry per option of the table, "  --name METAVAR  help (default D) [$ENV]",
 * wrapped. */
void ot_config_print_help(FILE *out);
/* One entry in the same layout, for options that are not in the table (--config, --help). */
void ot_config_print_help_entry(FILE *out, const char *option, const char *help);

#endif
