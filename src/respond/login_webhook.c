/* login_webhook.c — the isolation webhook of the instance-login runbook: the contract in
 * docs/runbooks.md "The isolation webhook". One POST of a JSON body, at most
 * LOGIN_HOOK_ATTEMPTS times: again after a network error, a timeout, 429 or 5xx (after 1 s,
 * then 2 s); any 2xx is done; another status is a refusal, not retried. Every attempt carries
 * the same Idempotency-Key (the incident id), so a receiver that sees it twice (a retry after
 * a lost answer, a re-run after kill -9) isolates once. Redirects are not followed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "respond/login_int.h"
#include "util/err.h"
#include "util/http_post.h"

#define CONNECT_TIMEOUT_S 5L
#define TOTAL_TIMEOUT_S 5L

/* One POST; its HTTP status in *status (0: no answer). 0 for a 2xx, OT_EAGAIN when worth
 * trying again, OT_EINVAL for a refusal, OT_ENOMEM. */
static int attempt(const rb_webhook_req *req, long *status, char *err, size_t errcap)
{
    char key[128];
    snprintf(key, sizeof key, "Idempotency-Key: %s", req->idempotency_key);
    const char *secret = req->secret_header && req->secret_header[0] ? req->secret_header : NULL;
    const char *headers[] = {"Content-Type: application/json", key, secret, NULL};
    ot_http_post p = {.url = req->url, .headers = headers,
                      .user_agent = OT_RESPONDER_USER_AGENT_PREFIX RB_INSTANCE_LOGIN,
                      .body = req->body, .body_len = req->body_len,
                      .connect_timeout_s = CONNECT_TIMEOUT_S, .timeout_s = TOTAL_TIMEOUT_S};
    int rc = ot_http_post_once(&p, status, err, errcap);
    if (rc == OT_EAGAIN && *status && *status != 429 && *status < 500)
        rc = OT_EINVAL; /* the receiver said no: asking again will not change its mind */
    return rc;
}

int rb_webhook_post(const rb_webhook_req *req, rb_webhook_result *out)
{
    memset(out, 0, sizeof *out);
    int rc = OT_EAGAIN;
    for (int i = 0; i < LOGIN_HOOK_ATTEMPTS && rc == OT_EAGAIN; i++) {
        if (i) {
            struct timespec pause = {i, 0}; /* 1 s, then 2 s */
            nanosleep(&pause, NULL);
        }
        out->attempts = i + 1;
        rc = attempt(req, &out->status, out->error, sizeof out->error);
    }
    if (!rc)
        out->error[0] = '\0';
    return rc;
}
