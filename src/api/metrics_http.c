/* metrics_http.c — GET /metrics (metrics_http.h).
 *
 * The series that are states rather than events are read when scraped: the process's
 * (util/metrics_process.c) and each WAL reader's lag (ot_wal_cursors_list). Everything else was
 * counted where it happened. An unsigned scrape from a peer --metrics-access does not admit is
 * refused with 403 and a plain-text reason (Prometheus shows the status; curl the reason). */
#include "api/metrics_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cidr.h"
#include "util/metrics.h"
#include "wal/wal_cursor.h"

OT_GAUGE_L(m_lag_records, "opentrail_wal_reader_lag_records",
           "Durable WAL records a reader has not committed yet, by reader.",
           OT_LABELS("reader"));
OT_GAUGE_L(m_lag_seconds, "opentrail_wal_reader_lag_seconds",
           "Age of the oldest WAL record a reader has not committed yet (0 if none), by reader.",
           OT_LABELS("reader"));

/* A peer on the loopback network that did not come through a proxy: behind a proxy on the
 * same host, the peer is the proxy, not the client. */
static bool from_loopback(const ot_req *req)
{
    ot_ip ip;
    static const uint8_t v6_loopback[16] = {[15] = 1};
    if (ot_req_header(req, "forwarded") || ot_req_header(req, "x-forwarded-for") ||
        ot_ip_parse(req->source_ip, strlen(req->source_ip), &ip))
        return false;
    return ip.family == 4 ? ip.a[0] == 127 : !memcmp(ip.a, v6_loopback, sizeof v6_loopback);
}

static bool admitted(const ot_api *srv, const ot_req *req)
{
    switch (srv->cfg.metrics_access) {
    case OT_METRICS_PUBLIC:
        return true;
    case OT_METRICS_LOOPBACK:
        return from_loopback(req);
    default:
        return false;
    }
}

static void refresh_reader_lag(ot_api *srv)
{
    ot_wal_cursor_info *v = NULL;
    size_t n = 0;
    if (!srv->wal || ot_wal_cursors_list(srv->wal, &v, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        const char *label[] = {v[i].name};
        ot_series_set(ot_metric_with(&m_lag_records, label), (double)v[i].lag_records);
        ot_series_set(ot_metric_with(&m_lag_seconds, label), v[i].lag_seconds);
    }
    free(v);
}

static void plain(ot_resp *resp, int status, const char *msg)
{
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "text/plain; charset=utf-8");
    ot_buf_reset(&resp->body);
    ot_buf_puts(&resp->body, msg);
}

static void answer(ot_api *srv, ot_req *req, ot_resp *resp)
{
    req->operation = "GetMetrics";
    ot_resp_header(resp, "Cache-Control", "no-store");
    refresh_reader_lag(srv);
    ot_metrics_process_refresh();
    if (ot_metrics_write(NULL, &resp->body)) {
        plain(resp, 500, "the metrics could not be written (out of memory)\n");
        return;
    }
    resp->status = 200;
    snprintf(resp->content_type, sizeof resp->content_type, OT_METRICS_CONTENT_TYPE);
}

bool ot_metrics_answer(ot_api *srv, ot_req *req, ot_resp *resp)
{
    if (!ot_req_is_probe(req, "/metrics"))
        return false;
    if (admitted(srv, req)) {
        answer(srv, req, resp);
        return true;
    }
    req->operation = "GetMetrics";
    plain(resp, 403,
          srv->cfg.metrics_access == OT_METRICS_SIGV4
              ? "GET /metrics must be signed (SigV4, service \"metrics\"): --metrics-access is "
                "sigv4. See docs/metrics.md.\n"
              : "GET /metrics is served unsigned only to loopback peers (--metrics-access "
                "loopback); sign it (SigV4, service \"metrics\") or see docs/metrics.md.\n");
    return true;
}

bool ot_metrics_answer_signed(ot_api *srv, ot_req *req, ot_resp *resp)
{
    if (strcmp(req->service, "metrics"))
        return false;
    if ((strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) ||
        strcmp(req->raw_path, "/metrics")) {
        req->operation = "GetMetrics";
        plain(resp, 404, "the service \"metrics\" serves GET /metrics only\n");
        return true;
    }
    answer(srv, req, resp);
    return true;
}
