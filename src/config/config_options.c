/* config_options.c — every option of `opentrail serve`, once (config.h). To add one: a field
 * in ot_config, a row here, a row in docs/config.md (tests/unit/test_config.c checks it). */
#include "config/config.h"

#include <string.h>

#include "util/log.h"

#define FIELD(f) offsetof(ot_config, f), sizeof(((ot_config *)0)->f)
#define SECONDS 1000.0
#define HOUR (3600 * SECONDS)

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const log_formats[] = {"text", "logfmt", "json", NULL};
static const char *const metrics_access[] = {"loopback", "sigv4", "public", NULL};
static const char *const runbook_modes[] = {"on", "off", "dry-run", NULL};

/* The stored value of an enum is its index among the choices: keep them in the enum's order. */
_Static_assert(OT_LOG_DEBUG == 0 && OT_LOG_INFO == 1 && OT_LOG_WARN == 2 && OT_LOG_ERROR == 3,
               "log_levels follows util/log.h");
_Static_assert(OT_LOG_TEXT == 0 && OT_LOG_LOGFMT == 1 && OT_LOG_JSON == 2,
               "log_formats follows util/log.h");
_Static_assert(OT_METRICS_LOOPBACK == 0 && OT_METRICS_SIGV4 == 1 && OT_METRICS_PUBLIC == 2,
               "metrics_access follows ot_metrics_access");
_Static_assert(OT_RUNBOOK_ON == 0 && OT_RUNBOOK_OFF == 1 && OT_RUNBOOK_DRY_RUN == 2,
               "runbook_modes follows ot_runbook_mode");

static const ot_option options[] = {
    {.name = "listen", .type = OT_OPT_HOSTPORT, FIELD(listen), .def = "127.0.0.1:4590",
     .metavar = "HOST:PORT", .help = "address to listen on; port 0 picks a free one, which is logged"},
    {.name = "data-dir", .type = OT_OPT_STRING, FIELD(data_dir), .def = "./opentrail-data",
     .metavar = "DIR", .help = "state, WAL, keys and buckets"},
    {.name = "account-id", .type = OT_OPT_ACCOUNT, FIELD(account_id), .def = "123456789012",
     .metavar = "ID", .help = "12-digit account of the built-in principals"},
    {.name = "region", .type = OT_OPT_REGION, FIELD(default_region), .def = "us-east-1",
     .metavar = "REGION", .help = "region for requests that name none"},
    {.name = "delivery-interval", .type = OT_OPT_DURATION, FIELD(delivery_interval_ms),
     .def = "5m", .lo = 100, .metavar = "DUR",
     .help = "how often log files are delivered (e.g. 2s, 250ms)"},
    {.name = "delivery-max-bytes", .type = OT_OPT_BYTES, FIELD(delivery_max_bytes),
     .def = "67108864", .lo = 1024, .metavar = "N",
     .help = "deliver early once a file would exceed N uncompressed bytes"},
    {.name = "digest-interval", .type = OT_OPT_DURATION, FIELD(digest_interval_ms), .def = "1h",
     .lo = SECONDS, .metavar = "DUR",
     .help = "how often each validating trail gets a signed digest file per region (e.g. 5s "
             "for tests)"},
    {.name = "key-rotation", .type = OT_OPT_DURATION, FIELD(key_rotation_ms), .def = "30d",
     .lo = SECONDS, .metavar = "DUR",
     .help = "a new digest signing key per region this often; each key stays valid for two "
             "periods"},
    {.name = "history-retention", .type = OT_OPT_DURATION, FIELD(history_retention_ms),
     .def = "90d", .zero = "forever", .metavar = "DUR",
     .help = "how long event history (LookupEvents) keeps events; imported events are exempt"},
    {.name = "rules-retry-window", .type = OT_OPT_DURATION, FIELD(rules_retry_window_ms),
     .def = "24h", .lo = SECONDS, .metavar = "DUR",
     .help = "how long a rule target that fails is retried (at most 185 attempts) before the "
             "invocation becomes a dead letter (EventBridge: 24h)"},
    {.name = "lookup-rate", .type = OT_OPT_DOUBLE, FIELD(lookup_rate), .def = "0", .hi = 1e6,
     .zero = "unlimited", .metavar = "N",
     .help = "LookupEvents calls per second per account before ThrottlingException (AWS "
             "allows 2)"},
    {.name = "any-credentials", .type = OT_OPT_FLAG, FIELD(any_credentials),
     .help = "emulator mode: accept any access key without checking signatures (for local "
             "testing only; never the default)"},
    {.name = "log-bucket-write-once", .type = OT_OPT_BOOL, FIELD(log_bucket_write_once),
     .def = "true", .metavar = "B",
     .help = "objects under AWSLogs/ of a trail's bucket cannot be overwritten or deleted over "
             "S3"},
    {.name = "tls-cert", .type = OT_OPT_STRING, FIELD(tls_cert), .metavar = "FILE",
     .help = "serve HTTPS with this PEM certificate (chain); needs --tls-key"},
    {.name = "tls-key", .type = OT_OPT_STRING, FIELD(tls_key), .metavar = "FILE",
     .help = "the certificate's unencrypted PEM private key (both or neither)"},
    {.name = "http-threads", .type = OT_OPT_UNSIGNED, FIELD(http_threads), .def = "16", .lo = 1,
     .hi = 1024, .metavar = "N", .help = "worker threads serving requests"},
    {.name = "max-connections", .type = OT_OPT_UNSIGNED, FIELD(max_connections), .def = "10000",
     .lo = 1, .hi = 1000000, .metavar = "N",
     .help = "open client connections at most (lowered to fit the open-file limit)"},
    {.name = "max-connections-per-ip", .type = OT_OPT_UNSIGNED, FIELD(max_connections_per_ip),
     .def = "256", .hi = 1000000, .zero = "no cap", .metavar = "N",
     .help = "open connections per client address"},
    {.name = "header-timeout", .type = OT_OPT_DURATION, FIELD(header_timeout_ms), .def = "20s",
     .lo = SECONDS, .hi = HOUR, .metavar = "DUR",
     .help = "a request's line and headers must arrive within this; also closes idle "
             "kept-alive connections"},
    {.name = "body-timeout", .type = OT_OPT_DURATION, FIELD(body_timeout_ms), .def = "20s",
     .lo = SECONDS, .hi = HOUR, .metavar = "DUR",
     .help = "its body within this plus 1s per 500 bytes received"},
    {.name = "log-level", .type = OT_OPT_ENUM, FIELD(log_level), .def = "info",
     .choices = log_levels, .metavar = "LEVEL",
     .help = "the least important log lines written: debug, info, warn or error"},
    {.name = "log-format", .type = OT_OPT_ENUM, FIELD(log_format), .def = "text",
     .choices = log_formats, .metavar = "FMT",
     .help = "log lines as text ('TIME LEVEL message'), logfmt (time=.. level=.. msg=\"..\") "
             "or json (one object a line)"},
    {.name = "access-log", .type = OT_OPT_BOOL, FIELD(access_log), .def = "true",
     .metavar = "B",
     .help = "log one info line per request (source IP, principal, operation, status, bytes, "
             "latency)"},
    {.name = "trusted-proxy", .type = OT_OPT_STRING, FIELD(trusted_proxy), .metavar = "CIDRS",
     .help = "comma-separated IPv4/IPv6 CIDR blocks of reverse proxies whose Forwarded or "
             "X-Forwarded-For header names the client (sourceIPAddress)"},
    {.name = "public-url", .type = OT_OPT_STRING, FIELD(public_url), .metavar = "URL",
     .help = "the server's address as subscribers reach it (http:// or https://, no path), "
             "for SubscribeURL, UnsubscribeURL and SigningCertURL in SNS messages; default "
             "http(s)://<listen address>"},
    {.name = "ready-min-free-bytes", .type = OT_OPT_BYTES, FIELD(ready_min_free_bytes),
     .def = "67108864", .zero = "no check", .metavar = "N",
     .help = "GET /ready answers 503 when the data dir's file system has less free space"},
    {.name = "ready-delivery-lag", .type = OT_OPT_DURATION, FIELD(ready_delivery_lag_ms),
     .def = "15m", .lo = SECONDS, .metavar = "DUR",
     .help = "GET /ready answers 503 when the oldest event not yet delivered is older than "
             "the delivery interval plus this"},
    {.name = "metrics-access", .type = OT_OPT_ENUM, FIELD(metrics_access), .def = "loopback",
     .choices = metrics_access, .metavar = "WHO",
     .help = "who may read GET /metrics (Prometheus) without signing: loopback (127.0.0.0/8 "
             "and ::1, not through a proxy), sigv4 (nobody) or public (anyone); a SigV4 request "
             "signed for service 'metrics' is always answered"},
    {.name = "api-destination-allow-http", .type = OT_OPT_BOOL,
     FIELD(api_destination_allow_http), .def = "false", .metavar = "B",
     .help = "EventBridge API destinations may call http:// endpoints too (EventBridge "
             "requires https://): for receivers on a private network"},
    {.name = "runbook-trail-restore", .type = OT_OPT_ENUM, FIELD(runbook_trail_restore),
     .def = "on", .choices = runbook_modes, .metavar = "MODE",
     .help = "the trail-restore runbook: on (restarts a trail's logging and writes an "
             "incident), off, or dry-run (writes the incident, changes nothing)"},
    {.name = "runbook-trail-restore-exclude", .type = OT_OPT_STRING,
     FIELD(runbook_trail_restore_exclude), .metavar = "TRAILS",
     .help = "comma-separated trail names or ARNs that trail-restore leaves alone"},
    {.name = "runbook-bucket-policy-restore", .type = OT_OPT_ENUM,
     FIELD(runbook_bucket_policy_restore), .def = "on", .choices = runbook_modes,
     .metavar = "MODE",
     .help = "the bucket-policy-restore runbook: on (puts a bucket's earlier policy back when a "
             "change makes it public, turns Block Public Access on, writes an incident), off, "
             "or dry-run (writes the incident, changes nothing)"},
    {.name = "runbook-bucket-policy-restore-exclude", .type = OT_OPT_STRING,
     FIELD(runbook_bucket_policy_restore_exclude), .metavar = "BUCKETS",
     .help = "comma-separated bucket names that bucket-policy-restore leaves alone"},
    {.name = "runbook-topic", .type = OT_OPT_STRING, FIELD(runbook_topic), .metavar = "ARN",
     .help = "the SNS topic (ARN) every runbook publishes its incidents to; none by default"},
    {.name = "runbook-instance-login", .type = OT_OPT_ENUM, FIELD(runbook_instance_login),
     .def = "on", .choices = runbook_modes, .metavar = "MODE",
     .help = "the instance-login runbook: on (a login to an EC2 instance not on the allowlist "
             "is isolated through the webhook; an incident either way), off, or dry-run"},
    {.name = "runbook-instance-login-allow", .type = OT_OPT_STRING,
     FIELD(runbook_instance_login_allow), .metavar = "ENTRIES",
     .help = "logins instance-login does not isolate: ';'-separated entries of user=GLOB "
             "actor=GLOB cidr=BLOCK, every part given must match"},
    {.name = "runbook-instance-login-webhook", .type = OT_OPT_STRING,
     FIELD(runbook_instance_login_webhook), .metavar = "URL",
     .help = "the isolation webhook instance-login POSTs the instance and the incident to; "
             "none: logins are only recorded"},
    {.name = "runbook-instance-login-webhook-header", .type = OT_OPT_STRING,
     FIELD(runbook_instance_login_webhook_header), .metavar = "HEADER",
     .help = "one 'Name: value' header sent with every webhook call (a shared secret)"},
    {.name = "no-fsync", .type = OT_OPT_FLAG, FIELD(no_fsync),
     .help = "skip fdatasync in the WAL: only for measuring the machine's ceiling in "
             "benchmarks; acknowledged events can be lost"},
};

const ot_option *ot_config_options(size_t *n)
{
    *n = sizeof options / sizeof options[0];
    return options;
}

const ot_option *ot_config_option(const char *name)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (!strcmp(options[i].name, name))
            return &options[i];
    return NULL;
}
