/* health.c — GET /health and GET /ready (health.h).
 *
 * /health says the process serves requests: 200 {"status":"ok","uptime_seconds":N}.
 * /ready runs the daemon's readiness checks (ot_api.ready): 200 when all pass, else 503; the
 * body lists every check, and "failed" names the failed ones:
 *     {"status":"unavailable","failed":["disk"],
 *      "checks":[{"name":"wal","ok":true},{"name":"disk","ok":false,"detail":"..."}]} */
#include "api/health.h"

#include <stdio.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/timeutil.h"

static void json_reply(ot_resp *resp, int status)
{
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "application/json");
    ot_resp_header(resp, "Cache-Control", "no-store");
}

static void answer_health(ot_api *srv, ot_resp *resp)
{
    ot_jw w;
    ot_jw_init(&w, &resp->body);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "status", "ok");
    ot_jw_kint(&w, "uptime_seconds", (ot_monotonic_ms() - srv->started_ms) / 1000);
    ot_jw_end(&w);
    json_reply(resp, ot_jw_error(&w) ? 500 : 200);
}

static void write_checks(ot_jw *w, const ot_ready_check *c, size_t n)
{
    ot_jw_key(w, "failed");
    ot_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        if (!c[i].ok)
            ot_jw_str(w, c[i].name);
    ot_jw_end(w);
    ot_jw_key(w, "checks");
    ot_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "name", c[i].name);
        ot_jw_kbool(w, "ok", c[i].ok);
        if (!c[i].ok)
            ot_jw_kstr(w, "detail", c[i].detail);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

static void answer_ready(ot_api *srv, ot_resp *resp)
{
    ot_ready_check checks[OT_READY_MAX_CHECKS];
    memset(checks, 0, sizeof checks);
    size_t n = srv->ready ? srv->ready(srv->ready_ctx, checks) : 0;
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        ok = ok && checks[i].ok;
    ot_jw w;
    ot_jw_init(&w, &resp->body);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "status", ok ? "ready" : "unavailable");
    write_checks(&w, checks, n);
    ot_jw_end(&w);
    json_reply(resp, ot_jw_error(&w) ? 500 : ok ? 200 : 503);
}

bool ot_health_answer(ot_api *srv, ot_req *req, ot_resp *resp)
{
    bool health = ot_req_is_probe(req, "/health");
    if (!health && !ot_req_is_probe(req, "/ready"))
        return false;
    req->operation = health ? "Health" : "Ready";
    if (health)
        answer_health(srv, resp);
    else
        answer_ready(srv, resp);
    return true;
}
