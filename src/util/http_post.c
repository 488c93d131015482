/* http_post.c — one POST with libcurl (http_post.h). */
#include "util/http_post.h"

#include <curl/curl.h>
#include <stdio.h>

#include "util/err.h"

/* Discards the answer's body: only its status matters. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

static struct curl_slist *header_list(const char *const *headers)
{
    struct curl_slist *l = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
    for (size_t i = 0; l && headers && headers[i]; i++) {
        struct curl_slist *next = curl_slist_append(l, headers[i]);
        if (!next)
            curl_slist_free_all(l);
        l = next;
    }
    return l;
}

int ot_http_post_once(const ot_http_post *p, long *status, char *err, size_t errcap)
{
    *status = 0;
    CURL *c = curl_easy_init();
    struct curl_slist *h = c ? header_list(p->headers) : NULL;
    if (!c || !h) {
        snprintf(err, errcap, "out of memory");
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return OT_ENOMEM;
    }
    curl_easy_setopt(c, CURLOPT_URL, p->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_USERAGENT, p->user_agent);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->body_len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, p->connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, p->timeout_s);
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
        rc = OT_EAGAIN;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}
