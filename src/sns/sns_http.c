/* sns_http.c — delivery to http and https endpoints: one POST of the message JSON with the
 * headers SNS sends (https://docs.aws.amazon.com/sns/latest/dg/http-header.html). Any 2xx
 * answer is a delivery; anything else (another status, no connection, a timeout) is a failed
 * attempt that the delivery thread retries. Redirects are not followed. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "sns/sns_int.h"
#include "util/err.h"

#define CONNECT_TIMEOUT_S 5L
#define TOTAL_TIMEOUT_S 15L

/* Discards the answer's body: only its status matters. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

static struct curl_slist *headers(const ot_sns_http_msg *m)
{
    char h[OT_SNS_SUB_ARN_MAX + 64];
    struct curl_slist *l = curl_slist_append(NULL, "Content-Type: text/plain; charset=UTF-8");
    snprintf(h, sizeof h, "x-amz-sns-message-type: %s", m->type);
    l = l ? curl_slist_append(l, h) : NULL;
    snprintf(h, sizeof h, "x-amz-sns-message-id: %s", m->message_id);
    l = l ? curl_slist_append(l, h) : NULL;
    snprintf(h, sizeof h, "x-amz-sns-topic-arn: %s", m->topic_arn);
    l = l ? curl_slist_append(l, h) : NULL;
    if (!strcmp(m->type, "Notification")) {
        snprintf(h, sizeof h, "x-amz-sns-subscription-arn: %s", m->sub_arn);
        l = l ? curl_slist_append(l, h) : NULL;
    }
    return l ? curl_slist_append(l, "Expect:") : NULL; /* no 100-continue round trip */
}

int ot_sns_http_post(const ot_sns_http_msg *m, char *err, size_t errcap)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = c ? headers(m) : NULL;
    if (!c || !h) {
        snprintf(err, errcap, "out of memory");
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return OT_ENOMEM;
    }
    curl_easy_setopt(c, CURLOPT_URL, m->endpoint);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Amazon Simple Notification Service Agent");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, m->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)m->body_len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TOTAL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int rc = OT_OK;
    if (cc != CURLE_OK) {
        snprintf(err, errcap, "POST: %s", curl_easy_strerror(cc));
        rc = OT_EAGAIN;
    } else if (status < 200 || status > 299) {
        snprintf(err, errcap, "POST: HTTP %ld", status);
        rc = OT_EAGAIN;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}
