/* daemon.c — the running server: opens the data dir's components in order, serves the port
 * until SIGINT/SIGTERM, then stops them in reverse order. */
#include "daemon/daemon.h"
#include "daemon/readers.h"

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
#include "deliver/deliver.h"
#include "digest/digest.h"
#include "history/history.h"
#include "store/store.h"
#include "sys/datadir.h"
#include "trail/trail.h"
#include "util/err.h"
#include "util/log.h"
#include "wal/wal.h"

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) && errno != EEXIST) {
        ot_error("cannot create %s: %s", path, strerror(errno));
        return OT_EIO;
    }
    return OT_OK;
}

static int open_components(ot_api *srv)
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
    return ot_readers_start(srv); /* the WAL readers: history, delivery */
}

static void close_components(ot_api *srv)
{
    if (srv->wal)
        ot_readers_stop(srv);
    if (srv->digest)
        ot_digest_stop(srv->digest);
    if (srv->keys)
        ot_keystore_close(srv->keys);
    if (srv->wal)
        ot_wal_close(srv->wal);
    if (srv->creds)
        ot_creds_close(srv->creds);
    if (srv->trails)
        ot_trail_db_close(srv->trails);
    if (srv->store)
        ot_store_close(srv->store);
}

static void trail_changed(void *ctx, const char *trail_arn)
{
    ot_api *srv = ctx;
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

int ot_daemon_run(const ot_config *cfg)
{
    static ot_api srv;
    srv.cfg = *cfg;
    srv.trail_changed = trail_changed;
    srv.trail_changed_ctx = &srv;
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
