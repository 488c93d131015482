/* login_webhook.c — the isolation webhook of the instance-login runbook: the contract in
 * docs/runbooks.md "The isolation webhook". One POST of a JSON body, at most
 * LOGIN_HOOK_ATTEMPTS times: again after a network error, a timeout, 429 or 5xx (after 1 s,
 * then 2 s); any 2xx is done; another status is a refusal, not retried. Every attempt carries
 * the same Idempotency-Key (the incident id), so a receiver that sees it twice (a retry after
 * a lost answer, a re-run after kill -9) isolates once. Redirects are not followed. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "respond/login_int.h"
#include "util/err.h"

#define CONNECT_TIMEOUT_S 5L
#define TOTAL_TIMEOUT_S 5L

/* The answer's body is not read: only its status counts. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

static struct curl_slist *headers(const rb_webhook_req *req)
{
    char h[128];
    struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(h, sizeof h, "Idempotency-Key: %s", req->idempotency_key);
    l = l ? curl_slist_append(l, h) : NULL;
    if (l && req->secret_header && req->secret_header[0])
        l = curl_slist_append(l, req->secret_header);
    return l ? curl_slist_append(l, "Expect:") : NULL; /* no 100-continue round trip */
}

/* One POST; its HTTP status in *status (0: no answer). 0 for a 2xx, OT_EAGAIN when worth
 * trying again, OT_EINVAL for a refusal, OT_ENOMEM. */
static int attempt(const rb_webhook_req *req, long *status, char *err, size_t errcap)
{
    *status = 0;
    CURL *c = curl_easy_init();
    struct curl_slist *h = c ? headers(req) : NULL;
    if (!c || !h) {
        snprintf(err, errcap, "out of memory");
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return OT_ENOMEM;
    }
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, OT_RESPONDER_USER_AGENT_PREFIX RB_INSTANCE_LOGIN);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TOTAL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    int rc = OT_OK;
    if (cc != CURLE_OK) {
        snprintf(err, errcap, "%s", curl_easy_strerror(cc));
        rc = OT_EAGAIN;
    } else if (*status < 200 || *status > 299) {
        snprintf(err, errcap, "HTTP %ld", *status);
        rc = *status == 429 || *status >= 500 ? OT_EAGAIN : OT_EINVAL;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
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
