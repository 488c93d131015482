/* daemon.c — the running server: opens the data dir's components in order, serves the port
 * until SIGINT/SIGTERM (reloading the credentials file on SIGHUP), then stops them in reverse
 * order. */
#include "daemon/daemon.h"
#include "daemon/readers.h"
#include "daemon/trail_stream.h"
#include "daemon/ready.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "api/creds.h"
#include "api/dispatch.h"
#include "api/http_server.h"
#include "cw/cw.h"
#include "daemon/alarm_actions.h"
#include "deliver/deliver.h"
#include "digest/digest.h"
#include "logs/logs.h"
#include "mfilter/mfilter.h"
#include "rules/rules.h"
#include "sns/sns.h"
#include "store/store.h"
#include "sys/datadir.h"
#include "trail/trail.h"
#include "util/err.h"
#include "util/cidr.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "wal/wal.h"

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) && errno != EEXIST) {
        ot_error("cannot create %s: %s", path, strerror(errno));
        return OT_EIO;
    }
    return OT_OK;
}

/* ---- the components, each opened and closed by one pair of functions ---- */

static int open_datadir(ot_api *srv)
{
    char err[1024];
    int rc = ot_datadir_prepare(srv->cfg.data_dir, err, sizeof err);
    if (rc)
        ot_error("%s", err);
    return rc;
}

static int open_store(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/buckets", srv->cfg.data_dir);
    int rc;
    if ((rc = make_dir(path)) || (rc = ot_store_open_local(path, &srv->store)))
        ot_error("cannot open the object store in %s: %s", path, ot_strerror(rc));
    return rc;
}

static void close_store(ot_api *srv) { ot_store_close(srv->store); }

static int open_trails(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/state.db", srv->cfg.data_dir);
    int rc = ot_trail_db_open(path, &srv->trails);
    if (rc)
        ot_error("cannot open %s: %s", path, ot_strerror(rc));
    return rc;
}

static void close_trails(ot_api *srv) { ot_trail_db_close(srv->trails); }

static int open_creds(ot_api *srv)
{
    int rc = ot_creds_open(srv->cfg.data_dir, srv->cfg.account_id, &srv->creds);
    if (rc)
        ot_error("cannot open %s/credentials: %s", srv->cfg.data_dir, ot_strerror(rc));
    return rc;
}

static void close_creds(ot_api *srv) { ot_creds_close(srv->creds); }

static int open_wal(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/wal", srv->cfg.data_dir);
    ot_wal_opts wopts = {.dir = path, .no_sync = srv->cfg.no_fsync};
    ot_wal_recovery rec;
    memset(&rec, 0, sizeof rec);
    int rc = ot_wal_open(&wopts, &srv->wal, &rec);
    if (rc == OT_EEXIST) /* the WAL's lock: the data dir's other server, not damage */
        ot_error("data dir %s is in use by another opentrail server (%s); stop it or use "
                 "another --data-dir", srv->cfg.data_dir, rec.detail);
    else if (rc)
        ot_error("cannot open the WAL in %s: %s (%s); inspect it with 'opentrail wal check %s'",
                 path, ot_strerror(rc), rec.detail, path);
    if (rc)
        return rc;
    if (rec.torn_tail)
        ot_warn("WAL: torn tail truncated (%llu bytes): %s",
                (unsigned long long)rec.truncated_bytes, rec.detail);
    ot_info("WAL: %llu records, LSN %llu..%llu", (unsigned long long)rec.records,
            (unsigned long long)rec.first_lsn, (unsigned long long)rec.last_lsn);
    return OT_OK;
}

static void close_wal(ot_api *srv) { ot_wal_close(srv->wal); }

static int open_keys(ot_api *srv)
{
    const char *dir = srv->cfg.data_dir;
    int rc = ot_keystore_open(dir, srv->trails, srv->cfg.key_rotation_ms, &srv->keys);
    if (rc)
        ot_error("cannot open the signing keys in %s/keys: %s", dir, ot_strerror(rc));
    return rc;
}

static void close_keys(ot_api *srv) { ot_keystore_close(srv->keys); }

static int open_digest(ot_api *srv)
{
    ot_digest_opts dopts = {.trails = srv->trails, .store = srv->store, .keys = srv->keys,
                            .interval_ms = srv->cfg.digest_interval_ms};
    int rc = ot_digest_start(&dopts, &srv->digest);
    if (rc)
        ot_error("cannot start the digest writer: %s", ot_strerror(rc));
    return rc;
}

static void close_digest(ot_api *srv) { ot_digest_stop(srv->digest); }

static int open_logs(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/logs.db", srv->cfg.data_dir);
    int rc = ot_logs_open(path, 0, &srv->logs);
    if (rc)
        ot_error("cannot open %s: %s", path, ot_strerror(rc));
    if (!rc && (rc = ot_mfilter_new(srv->logs, &srv->mfilter)) != 0)
        ot_logs_close(srv->logs);
    return rc;
}

static void close_logs(ot_api *srv)
{
    ot_mfilter_free(srv->mfilter);
    ot_logs_close(srv->logs);
}

/* Writes the bound port over the port of listen (host:port, checked by the config). */
static void set_listen_port(char *listen, size_t cap, int port)
{
    char *colon = strrchr(listen, ':');
    snprintf(colon + 1, cap - (size_t)(colon + 1 - listen), "%d", port);
}

/* Whether u is a base URL for links: http:// or https://, a host, nothing after it but an
 * optional port and one trailing '/', and only printable characters that need no escaping. */
static bool base_url_ok(const char *u)
{
    const char *host = !strncmp(u, "http://", 7) ? u + 7 : !strncmp(u, "https://", 8) ? u + 8
                                                                                         : NULL;
    if (!host || !*host || *host == '/')
        return false;
    size_t n = strlen(host);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}?#@%", c) ||
            (c == '/' && i != n - 1))
            return false;
    }
    return true;
}

/* --public-url, checked and without its trailing '/' (before anything is made). */
static int check_public_url(ot_config *cfg)
{
    if (!cfg->public_url[0]) {
        if (!strncmp(cfg->listen, "0.0.0.0:", 8) || !strncmp(cfg->listen, "[::]:", 5))
            ot_warn("links in SNS messages will name %s, which subscribers cannot reach: set "
                    "--public-url to the address they use",
                    cfg->listen);
        return OT_OK;
    }
    if (!base_url_ok(cfg->public_url)) {
        ot_error("--public-url %s: expected http://HOST[:PORT] or https://HOST[:PORT], without "
                 "a path, query or user",
                 cfg->public_url);
        return OT_EINVAL;
    }
    size_t n = strlen(cfg->public_url);
    if (cfg->public_url[n - 1] == '/')
        cfg->public_url[n - 1] = '\0';
    return OT_OK;
}

/* SNS topics and their delivery thread. */
static int open_sns(ot_api *srv)
{
    char url[256]; /* the base of SubscribeURL, UnsubscribeURL and SigningCertURL */
    if (srv->cfg.public_url[0])
        snprintf(url, sizeof url, "%s", srv->cfg.public_url);
    else
        snprintf(url, sizeof url, "%s://%s", srv->cfg.tls_cert[0] ? "https" : "http",
                 srv->cfg.listen);
    ot_sns_opts opts = {.data_dir = srv->cfg.data_dir, .public_url = url,
                        .no_fsync = srv->cfg.no_fsync};
    int rc = ot_sns_open(&opts, &srv->sns);
    if (rc)
        ot_error("cannot open the SNS topics in %s/state.db: %s", srv->cfg.data_dir,
                 ot_strerror(rc));
    return rc;
}

static void close_sns(ot_api *srv) { ot_sns_close(srv->sns); }

/* CloudWatch metrics and alarms, and the evaluator thread whose actions publish to SNS. */
static int open_cw(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cloudwatch.db", srv->cfg.data_dir);
    /* A tick a second: an alarm notices its window has moved within a second of the window's
     * end, so an alert takes about one period (docs/alarms.md), not a period plus 10 s. */
    ot_cw_opts opts = {.path = path, .tick_ms = 1000, .action = ot_alarm_action,
                       .action_ctx = srv};
    int rc = ot_cw_open(&opts, &srv->cw);
    if (rc)
        ot_error("cannot open %s: %s", path, ot_strerror(rc));
    return rc;
}

static void close_cw(ot_api *srv) { ot_cw_close(srv->cw); }

/* EventBridge rules (rules.db): the events API and the rule router's reader. */
static int open_rules(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rules.db", srv->cfg.data_dir);
    int rc = ot_rules_open(path, &srv->rules);
    if (rc)
        ot_error("cannot open %s: %s", path, ot_strerror(rc));
    return rc;
}

static void close_rules(ot_api *srv)
{
    ot_rules_close(srv->rules);
    srv->rules = NULL;
}

/* The WAL readers (history, delivery): their table is daemon/readers.c. */
static int open_readers(ot_api *srv)
{
    int rc = ot_readers_start(srv);
    if (rc)
        ot_readers_stop(srv); /* stops those that started */
    return rc;
}

/* ---- start and stop order ---- */

typedef struct component {
    const char *name;
    int (*open)(ot_api *srv);   /* logs why it failed; leaves nothing open when it fails */
    void (*close)(ot_api *srv); /* NULL: nothing to close */
} component;

/* Opened top to bottom, closed bottom to top, so each component's dependencies are open for its
 * whole life. The threads of `serve` are listed in daemon.h. */
static const component components[] = {
    {"data dir", open_datadir, NULL}, /* refuses a dir of another user before anything is made */
    {"object store", open_store, close_store},
    {"trails", open_trails, close_trails},
    {"credentials", open_creds, close_creds},
    {"CloudWatch Logs", open_logs, close_logs},
    {"WAL", open_wal, close_wal}, /* its flusher thread; everything below reads or appends */
    {"signing keys", open_keys, close_keys},
    /* Digests before delivery: delivery's recovery records redone files for them. */
    {"digest writer", open_digest, close_digest},
    /* SNS before delivery: delivery's recovery notifies the topics of redone files. */
    {"SNS topics", open_sns, close_sns},
    /* After SNS (alarm actions publish to it), before the WAL readers (metric filters). */
    {"CloudWatch alarms", open_cw, close_cw},
    /* Before the WAL readers: the rule router matches every event against its rules. */
    {"EventBridge rules", open_rules, close_rules},
    {"WAL readers", open_readers, ot_readers_stop},
};

#define NCOMPONENTS (sizeof components / sizeof components[0])

/* Opens the components in order; returns how many are open (all of them, or up to a failure). */
static size_t open_components(ot_api *srv, int *rc)
{
    size_t n = 0;
    *rc = OT_OK;
    while (n < NCOMPONENTS && !(*rc = components[n].open(srv))) {
        ot_debug("started: %s", components[n].name);
        n++;
    }
    return n;
}

static void close_components(ot_api *srv, size_t nopen)
{
    while (nopen-- > 0)
        if (components[nopen].close)
            components[nopen].close(srv);
}

/* How long a trail change waits for the CloudWatch Logs stream to route what came before it. */
#define STREAM_CATCH_UP_MS 5000

static void trail_changed(void *ctx, const char *trail_arn)
{
    ot_api *srv = ctx;
    ot_trail_stream_catch_up(srv->trail_stream, STREAM_CATCH_UP_MS);
    if (srv->deliver)
        ot_deliver_flush_trail(srv->deliver, trail_arn);
    if (srv->digest) /* after the flush: a final digest lists the trail's last files */
        ot_digest_trail_changed(srv->digest, trail_arn);
}

static ot_http_opts http_opts(const ot_config *cfg, const ot_cidr_list *trusted)
{
    return (ot_http_opts){.threads = cfg->http_threads,
                          .max_connections = cfg->max_connections,
                          .max_per_ip = cfg->max_connections_per_ip,
                          .header_timeout_ms = cfg->header_timeout_ms,
                          .body_timeout_ms = cfg->body_timeout_ms,
                          .tls_cert = cfg->tls_cert,
                          .tls_key = cfg->tls_key,
                          .access_log = cfg->access_log,
                          .trusted_proxies = trusted};
}

static int parse_trusted_proxies(const ot_config *cfg, ot_cidr_list *out)
{
    char err[256];
    int rc = ot_cidr_list_parse(cfg->trusted_proxy, out, err, sizeof err);
    if (rc == OT_EINVAL)
        ot_error("--trusted-proxy: %s (expected CIDR blocks such as 10.0.0.0/8,::1/128)", err);
    else if (!rc && out->n)
        ot_info("trusting Forwarded / X-Forwarded-For from %s", cfg->trusted_proxy);
    return rc;
}

/* The main thread's life while serving: SIGHUP reloads the credentials, SIGINT and SIGTERM
 * end it. The signals are blocked in every thread and taken here with sigwait, so the reload
 * runs as ordinary code, not in a signal handler. */
static void serve_signals(ot_api *srv, const sigset_t *signals)
{
    for (;;) {
        int sig = 0;
        sigwait(signals, &sig);
        if (sig != SIGHUP) {
            ot_info("shutting down (signal %d)", sig);
            return;
        }
        if (srv->cfg.any_credentials)
            ot_info("SIGHUP: --any-credentials is on, no credentials file to reload");
        else
            ot_creds_reload(srv->creds);
    }
}

int ot_daemon_run(const ot_config *cfg)
{
    static ot_api srv;
    srv.cfg = *cfg;
    srv.trail_changed = trail_changed;
    srv.trail_changed_ctx = &srv;
    srv.ready = ot_ready_checks;
    srv.ready_ctx = &srv;
    srv.started_ms = ot_monotonic_ms();
    signal(SIGPIPE, SIG_IGN);
    /* Block the signals before any thread exists, so every thread inherits the mask and the
     * main thread alone takes them with sigwait: no window where a signal is missed. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    static ot_cidr_list trusted; /* read by the HTTP workers until ot_http_stop */
    if (parse_trusted_proxies(&srv.cfg, &trusted) || check_public_url(&srv.cfg))
        return 1;

    /* The port and the TLS files first: a busy port or a bad certificate must not leave a
     * data dir behind. */
    ot_http *http = NULL;
    int port = 0;
    ot_http_opts ho = http_opts(&srv.cfg, &trusted);
    int rc = ot_http_open(srv.cfg.listen, &ho, &http, &port);
    if (!rc) /* port 0 picked a free port: from here on the address says which (SNS URLs) */
        set_listen_port(srv.cfg.listen, sizeof srv.cfg.listen, port);
    size_t nopen = 0;
    if (!rc)
        nopen = open_components(&srv, &rc);
    if (!rc) {
        ot_http_handlers h = {.body_cap = ot_dispatch_body_cap,
                              .too_large = ot_dispatch_too_large,
                              .handle = ot_dispatch,
                              .ctx = &srv};
        rc = ot_http_serve(http, &h);
    }
    if (!rc) {
        ot_info("opentrail listening on %s://%s (account %s, data dir %s%s)",
                ot_http_is_tls(http) ? "https" : "http", srv.cfg.listen,
                srv.cfg.account_id, srv.cfg.data_dir,
                srv.cfg.any_credentials ? ", ANY credentials accepted" : "");
        ot_info("credentials for clients: AWS_SHARED_CREDENTIALS_FILE=%s/credentials",
                srv.cfg.data_dir);
        serve_signals(&srv, &signals);
    }
    ot_http_stop(http); /* first: no request in progress may reach a closed component */
    close_components(&srv, nopen);
    ot_cidr_list_free(&trusted);
    ot_log_flush(); /* the counts of lines held back by the rate limit */
    return rc ? 1 : 0;
}
