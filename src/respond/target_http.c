/* target_http.c — one attempt to deliver to an API destination (target_http.h): its method on
 * its endpoint, the payload as JSON, its connection's authorization, 5 s at most, no redirect
 * followed, and the answer sorted into delivered, worth retrying and never worth retrying.
 *
 * Headers as EventBridge sends them
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html):
 * Content-Type application/json; charset=utf-8 and User-Agent Amazon/EventBridge/ApiDestinations,
 * plus Authorization: Basic (BASIC) or the key's own header (API_KEY). */
#include "respond/target_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "rules/destinations.h"
#include "util/err.h"

#define ATTEMPT_TIMEOUT_MS 5000L /* EventBridge's limit on an API destination's answer */
#define USER_AGENT "Amazon/EventBridge/ApiDestinations"

/* Only the status of the answer matters: its body is read and dropped. */
static size_t drop_body(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

/* The request's header list: the content type, the API key (API_KEY), no 100-continue. */
static struct curl_slist *request_headers(const ot_connection *conn)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    h = h ? curl_slist_append(h, "Expect:") : NULL;
    if (h && conn->auth == OT_CONN_API_KEY) {
        char line[2 * OT_DEST_AUTH_MAX + 4];
        snprintf(line, sizeof line, "%s: %s", conn->auth_name, conn->secret);
        struct curl_slist *with_key = curl_slist_append(h, line);
        if (!with_key)
            curl_slist_free_all(h);
        h = with_key;
    }
    return h;
}

/* Sets the attempt's options on easy: method, body, authorization, limits. */
static void set_options(CURL *easy, const ot_api_destination *d, const ot_connection *conn,
                        struct curl_slist *h, bool allow_http, const char *payload, size_t len)
{
    bool no_body = !strcmp(d->method, "GET") || !strcmp(d->method, "HEAD");
    curl_easy_setopt(easy, CURLOPT_URL, d->endpoint);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, allow_http ? "http,https" : "https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is an answer, not a hop */
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, USER_AGENT);
    if (!strcmp(d->method, "HEAD"))
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    else if (!no_body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (strcmp(d->method, "POST") && strcmp(d->method, "HEAD"))
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, d->method);
    if (conn->auth == OT_CONN_BASIC) {
        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(easy, CURLOPT_USERNAME, conn->auth_name);
        curl_easy_setopt(easy, CURLOPT_PASSWORD, conn->secret);
    }
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, drop_body);
}

/* The contract's classification of a finished attempt. */
static int classify(CURLcode cc, long status, const char *endpoint, char *err, size_t errcap)
{
    if (cc != CURLE_OK) {
        snprintf(err, errcap, "%.256s: %s", endpoint, curl_easy_strerror(cc));
        /* an http:// endpoint the server no longer allows stays refused */
        return cc == CURLE_UNSUPPORTED_PROTOCOL ? OT_EINVAL : OT_EAGAIN;
    }
    if (status >= 200 && status <= 299)
        return 0;
    snprintf(err, errcap, "%.256s answered HTTP %ld", endpoint, status);
    return status == 429 || status >= 500 ? OT_EAGAIN : OT_EINVAL;
}

/* The destination and its connection: 0, or OT_EINVAL with why in err (OT_EAGAIN while the
 * store cannot be opened). */
static int resolve(ot_api *srv, const char *account, const char *arn, ot_api_destination *d,
                   ot_connection *conn, char *err, size_t errcap)
{
    struct ot_rules *r = ot_api_rules(srv);
    ot_target_ref ref;
    if (!r) {
        snprintf(err, errcap, "the rules store is not open");
        return OT_EAGAIN;
    }
    if (ot_rules_target_parse(arn, &ref) != OT_TARGET_API_DESTINATION ||
        strcmp(ref.account, account) || ot_apidest_get_by_arn(r, arn, d)) {
        snprintf(err, errcap, "API destination %.300s does not exist in account %s", arn,
                 account);
        return OT_EINVAL;
    }
    if (ot_conn_get_by_arn(r, d->connection_arn, conn)) {
        snprintf(err, errcap, "connection %.300s of API destination %s does not exist",
                 d->connection_arn, d->name);
        return OT_EINVAL;
    }
    return 0;
}

int ot_target_http_send(ot_api *srv, const char *account, const char *destination_arn,
                        const char *payload, size_t len, char *err, size_t errcap)
{
    ot_api_destination d;
    ot_connection conn;
    err[0] = '\0';
    int rc = resolve(srv, account, destination_arn, &d, &conn, err, errcap);
    if (rc)
        return rc;
    CURL *easy = curl_easy_init();
    struct curl_slist *h = easy ? request_headers(&conn) : NULL;
    if (h) {
        set_options(easy, &d, &conn, h, srv->cfg.api_destination_allow_http, payload, len);
        CURLcode cc = curl_easy_perform(easy);
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        rc = classify(cc, status, d.endpoint, err, errcap);
    } else {
        snprintf(err, errcap, "out of memory");
        rc = OT_ENOMEM;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(easy);
    return rc;
}
