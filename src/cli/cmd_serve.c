/* cmd_serve.c — `opentrail serve`: open the data dir, recover, serve until SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/creds.h"
#include "api/dispatch.h"
#include "api/http_server.h"
#include "api/server.h"
#include "cli/cli.h"
#include "cli/serve_config.h"
#include "deliver/deliver.h"
#include "digest/digest.h"
#include "history/history.h"
#include "store/store.h"
#include "sys/datadir.h"
#include "trail/trail.h"
#include "util/err.h"
#include "util/log.h"
#include "wal/wal.h"

static const char serve_help[] =
    "usage: opentrail serve [options]\n"
    "\n"
    "Runs the CloudTrail-compatible server: the CloudTrail API (JSON 1.1), CloudTrail Data\n"
    "(PutAuditEvents) and an embedded S3, all on one port, told apart by the SigV4 scope.\n"
    "\n"
    "options (each is also a key of the --config file, e.g. 'delivery-interval = 2s'):\n"
    "  --listen HOST:PORT        address to listen on (default 127.0.0.1:4590)\n"
    "  --data-dir DIR            state, WAL, keys and buckets (default ./opentrail-data)\n"
    "  --account-id ID           12-digit account of the built-in principals (default 123456789012)\n"
    "  --region REGION           region for requests that name none (default us-east-1)\n"
    "  --delivery-interval DUR   how often log files are delivered (default 5m; e.g. 2s, 250ms)\n"
    "  --delivery-max-bytes N    deliver early once a file would exceed N uncompressed bytes\n"
    "                            (default 67108864)\n"
    "  --digest-interval DUR     how often each validating trail gets a signed digest file per\n"
    "                            region (default 1h; e.g. 5s for tests)\n"
    "  --key-rotation DUR        a new digest signing key per region this often; each key stays\n"
    "                            valid for two periods (default 30d)\n"
    "  --history-retention DUR   how long event history (LookupEvents) keeps events (default\n"
    "                            90d; 0 keeps them forever; imported events are exempt)\n"
    "  --lookup-rate N           LookupEvents calls per second per account before\n"
    "                            ThrottlingException (default 0: unlimited; AWS allows 2)\n"
    "  --any-credentials         emulator mode: accept any access key without checking\n"
    "                            signatures (for local testing only; never the default)\n"
    "  --log-bucket-write-once B objects under AWSLogs/ of a trail's bucket cannot be\n"
    "                            overwritten or deleted over S3 (default true)\n"
    "  --tls-cert FILE           serve HTTPS with this PEM certificate (chain) ...\n"
    "  --tls-key FILE            ... and its PEM private key (both or neither)\n"
    "  --http-threads N          worker threads serving requests (default 16)\n"
    "  --max-connections N       open client connections at most (default 10000)\n"
    "  --max-connections-per-ip N  per client address (default 256; 0 = no cap)\n"
    "  --header-timeout DUR      a request's line and headers must arrive within this\n"
    "                            (default 20s; also closes idle kept-alive connections)\n"
    "  --body-timeout DUR        its body within this plus 1s per 500 bytes (default 20s)\n"
    "  --config FILE             read 'key = value' lines; command-line options win\n"
    "  -h, --help                show this help\n"
    "\n"
    "On first start, DIR/credentials is created with an admin access key:\n"
    "  export AWS_SHARED_CREDENTIALS_FILE=DIR/credentials AWS_ENDPOINT_URL=http://127.0.0.1:4590\n";


/* Options are applied after --config so the command line wins. */
static int parse_args(int argc, char **argv, ot_config *cfg)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'},       {"data-dir", required_argument, 0, 'd'},
        {"account-id", required_argument, 0, 'a'},   {"region", required_argument, 0, 'r'},
        {"delivery-interval", required_argument, 0, 'i'},
        {"delivery-max-bytes", required_argument, 0, 'm'},
        {"digest-interval", required_argument, 0, 'g'},
        {"key-rotation", required_argument, 0, 'k'},
        {"history-retention", required_argument, 0, 'R'},
        {"lookup-rate", required_argument, 0, 'L'},
        {"any-credentials", no_argument, 0, 'A'},    {"no-fsync", no_argument, 0, 'F'},
        {"config", required_argument, 0, 'c'},       {"help", no_argument, 0, 'h'},
        {"log-bucket-write-once", required_argument, 0, 'W'},
        {"tls-cert", required_argument, 0, 'T'},     {"tls-key", required_argument, 0, 'K'},
        {"http-threads", required_argument, 0, 't'},
        {"max-connections", required_argument, 0, 'M'},
        {"max-connections-per-ip", required_argument, 0, 'P'},
        {"header-timeout", required_argument, 0, 'H'},
        {"body-timeout", required_argument, 0, 'B'},
        {0, 0, 0, 0}};
    char err[512];
    for (int pass = 0; pass < 2; pass++) {
        optind = 1;
        int c, idx;
        while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
            if (c == 'h') {
                fputs(serve_help, stdout);
                exit(0);
            }
            if (c == '?') {
                fprintf(stderr, "see 'opentrail serve --help'\n");
                return OT_EINVAL;
            }
            if ((pass == 0) != (c == 'c'))
                continue;
            if (c == 'c') {
                if (ot_config_load_file(cfg, optarg, err, sizeof err)) {
                    fprintf(stderr, "opentrail serve: %s\n", err);
                    return OT_EINVAL;
                }
                continue;
            }
            const char *name = opts[idx].name;
            const char *value = opts[idx].has_arg ? optarg : "true";
            if (ot_config_set(cfg, name, value, err, sizeof err)) {
                fprintf(stderr, "opentrail serve: %s\n", err);
                return OT_EINVAL;
            }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "opentrail serve: unexpected argument '%s'\n", argv[optind]);
        return OT_EINVAL;
    }
    if (ot_config_check(cfg, err, sizeof err)) {
        fprintf(stderr, "opentrail serve: %s\n", err);
        return OT_EINVAL;
    }
    return OT_OK;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) && errno != EEXIST) {
        ot_error("cannot create %s: %s", path, strerror(errno));
        return OT_EIO;
    }
    return OT_OK;
}

/* After the WAL and before delivery, so delivery sees srv->wal_keep_from from its start. */
static int open_history(ot_server *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/history.db", srv->cfg.data_dir);
    ot_history *h = NULL;
    int rc = ot_history_open(path, NULL, &h);
    ot_history_feed_opts fo = {.retention_ms = srv->cfg.history_retention_ms};
    if (!rc && (rc = ot_history_feed_start(srv, h, &fo, &srv->history_feed)))
        ot_history_close(h);
    if (rc)
        ot_error("cannot open the event history %s: %s", path, ot_strerror(rc));
    return rc;
}

static int open_components(ot_server *srv)
{
    char path[1024], err[1024];
    const char *dir = srv->cfg.data_dir;
    int rc = ot_datadir_prepare(dir, err, sizeof err);
    if (rc) {
        ot_error("%s", err);
        return rc;
    }
    snprintf(path, sizeof path, "%s/buckets", dir);
    if ((rc = make_dir(path)) || (rc = ot_store_open_local(path, &srv->store))) {
        ot_error("cannot open the object store in %s: %s", path, ot_strerror(rc));
        return rc;
    }
    snprintf(path, sizeof path, "%s/state.db", dir);
    if ((rc = ot_trail_db_open(path, &srv->trails))) {
        ot_error("cannot open %s: %s", path, ot_strerror(rc));
        return rc;
    }
    if ((rc = ot_creds_open(dir, srv->cfg.account_id, &srv->creds))) {
        ot_error("cannot open %s/credentials: %s", dir, ot_strerror(rc));
        return rc;
    }
    snprintf(path, sizeof path, "%s/wal", dir);
    ot_wal_opts wopts = {.dir = path, .no_sync = srv->cfg.no_fsync};
    ot_wal_recovery rec;
    memset(&rec, 0, sizeof rec);
    if ((rc = ot_wal_open(&wopts, &srv->wal, &rec))) {
        ot_error("cannot open the WAL in %s: %s (%s); inspect it with 'opentrail wal check %s'",
                 path, ot_strerror(rc), rec.detail, path);
        return rc;
    }
    if (rec.torn_tail)
        ot_warn("WAL: torn tail truncated (%llu bytes): %s",
                (unsigned long long)rec.truncated_bytes, rec.detail);
    ot_info("WAL: %llu records, LSN %llu..%llu", (unsigned long long)rec.records,
            (unsigned long long)rec.first_lsn, (unsigned long long)rec.last_lsn);
    if ((rc = ot_keystore_open(dir, srv->trails, srv->cfg.key_rotation_ms, &srv->keys))) {
        ot_error("cannot open the signing keys in %s/keys: %s", dir, ot_strerror(rc));
        return rc;
    }
    /* Digests before delivery: delivery's recovery records redone files for them. */
    ot_digest_opts dopts = {.trails = srv->trails, .store = srv->store, .keys = srv->keys,
                            .interval_ms = srv->cfg.digest_interval_ms};
    if ((rc = ot_digest_start(&dopts, &srv->digest))) {
        ot_error("cannot start the digest writer: %s", ot_strerror(rc));
        return rc;
    }
    if ((rc = open_history(srv)))
        return rc;
    if ((rc = ot_deliver_start(srv, &srv->deliver))) {
        ot_error("cannot start delivery: %s", ot_strerror(rc));
        return rc;
    }
    return OT_OK;
}

static void close_components(ot_server *srv)
{
    if (srv->deliver)
        ot_deliver_stop(srv->deliver);
    if (srv->digest)
        ot_digest_stop(srv->digest);
    if (srv->keys)
        ot_keystore_close(srv->keys);
    if (srv->history_feed)
        ot_history_feed_stop(srv->history_feed);
    srv->wal_keep_from = NULL;
    if (srv->history)
        ot_history_close(srv->history);
    if (srv->wal)
        ot_wal_close(srv->wal);
    if (srv->creds)
        ot_creds_close(srv->creds);
    if (srv->trails)
        ot_trail_db_close(srv->trails);
    if (srv->store)
        ot_store_close(srv->store);
}

void ot_server_trail_changed(ot_server *srv, const char *trail_arn)
{
    if (srv->deliver)
        ot_deliver_flush_trail(srv->deliver, trail_arn);
    if (srv->digest) /* after the flush: a final digest lists the trail's last files */
        ot_digest_trail_changed(srv->digest, trail_arn);
}

static ot_http_opts http_opts(const ot_config *cfg)
{
    return (ot_http_opts){.threads = cfg->http_threads,
                          .max_connections = cfg->max_connections,
                          .max_per_ip = cfg->max_connections_per_ip,
                          .header_timeout_ms = cfg->header_timeout_ms,
                          .body_timeout_ms = cfg->body_timeout_ms,
                          .tls_cert = cfg->tls_cert,
                          .tls_key = cfg->tls_key};
}

int ot_cmd_serve(int argc, char **argv)
{
    static ot_server srv;
    ot_config_defaults(&srv.cfg);
    if (parse_args(argc, argv, &srv.cfg))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    /* Block the stop signals before any thread exists, so every thread inherits the mask and
     * the main thread alone takes them with sigwait: no window where a signal is missed. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    /* The port and the TLS files first: a busy port or a bad certificate must not leave a
     * data dir behind. */
    ot_http *http = NULL;
    int port = 0;
    ot_http_opts ho = http_opts(&srv.cfg);
    int rc = ot_http_open(srv.cfg.listen, &ho, &http, &port);
    if (!rc)
        rc = open_components(&srv);
    if (!rc) {
        ot_http_handlers h = {.body_cap = ot_dispatch_body_cap,
                              .too_large = ot_dispatch_too_large,
                              .handle = ot_dispatch,
                              .ctx = &srv};
        rc = ot_http_serve(http, &h);
    }
    if (!rc) {
        ot_info("opentrail listening on %s://%.*s:%d (account %s, data dir %s%s)",
                ot_http_is_tls(http) ? "https" : "http",
                (int)(strrchr(srv.cfg.listen, ':') - srv.cfg.listen), srv.cfg.listen, port,
                srv.cfg.account_id, srv.cfg.data_dir,
                srv.cfg.any_credentials ? ", ANY credentials accepted" : "");
        ot_info("credentials for clients: AWS_SHARED_CREDENTIALS_FILE=%s/credentials",
                srv.cfg.data_dir);
        int sig = 0;
        sigwait(&stop_signals, &sig);
        ot_info("shutting down (signal %d)", sig);
    }
    ot_http_stop(http);
    close_components(&srv);
    ot_log_flush(); /* the counts of lines held back by the rate limit */
    return rc ? 1 : 0;
}
