/* vl_src_s3.c — an S3 endpoint as the source (ours, moto_server, MinIO, AWS).
 *
 * Path-style requests signed by libcurl (CURLOPT_AWS_SIGV4). Easy handles are kept and reused
 * (an idle stack), and a shared connection cache keeps their connections alive, so a run opens a
 * few connections, not one per object. Log files come through fetch_many: one curl multi handle
 * with many transfers in flight, which hides the per-request latency (on our server, every
 * GetObject waits for its audit record's group-committed fsync). Listing is ListObjectsV2 with
 * max-keys=1000 and encoding-type=url; GetObject returns the bytes and the x-amz-meta-* headers
 * the digest checks need. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "validate/vl_int.h"

#define LIST_PAGE_MAX (16u << 20)
#define IDLE_MAX 64
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct s3_source {
    vl_source base;
    vl_aws aws;
    char endpoint[1024];
    char sigv4[128];
    char userpwd[600];
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
    struct curl_slist *headers;
    pthread_mutex_t idle_mu;
    CURL *idle[IDLE_MAX];   /* easy handles between requests (their options stay set) */
    size_t nidle;
} s3_source;

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *ud)
{
    pthread_mutex_lock(&((s3_source *)ud)->locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *ud)
{
    pthread_mutex_unlock(&((s3_source *)ud)->locks[d]);
}

/* Percent-encodes everything but unreserved characters (and '/' when keep_slash). */
static void url_encode(ot_buf *b, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            ot_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            ot_buf_append(b, e, 3);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes %XX (and '+' as space, as S3's url encoding-type does) in place; XML entities too. */
static void url_decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *o++ = (char)(hexval(p[1]) << 4 | hexval(p[2]));
            p += 2;
        } else if (*p == '+') {
            *o++ = ' ';
        } else if (*p == '&') {
            static const struct { const char *ent; char c; } ents[] = {
                {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
            size_t i;
            for (i = 0; i < 5; i++)
                if (!strncmp(p, ents[i].ent, strlen(ents[i].ent)))
                    break;
            *o++ = i < 5 ? ents[i].c : '&';
            if (i < 5)
                p += strlen(ents[i].ent) - 1;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

typedef struct req_ctx {
    ot_buf *body;
    vl_obj *obj;
} req_ctx;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    return ot_buf_append(((req_ctx *)ud)->body, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    req_ctx *rc = ud;
    size_t len = size * n;
    if (!rc->obj || len < 12 || strncasecmp(p, "x-amz-meta-", 11))
        return len;
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return len;
    char name[64], value[VL_SIG_MAX + 1];
    size_t nl = (size_t)(colon - p) - 11;
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    if (nl >= sizeof name || (size_t)(end - v) >= sizeof value)
        return len;
    for (size_t i = 0; i < nl; i++)
        name[i] = (char)(p[11 + i] | 0x20);
    name[nl] = '\0';
    memcpy(value, v, (size_t)(end - v));
    value[end - v] = '\0';
    vl_obj *o = rc->obj;
    if (!strcmp(name, "signature"))
        o->has_sig = true, snprintf(o->sig, sizeof o->sig, "%s", value);
    else if (!strcmp(name, "signature-algorithm"))
        o->has_sigalg = true, snprintf(o->sigalg, sizeof o->sigalg, "%.63s", value);
    else if (!strcmp(name, "backfill-generation-timestamp"))
        o->has_backfill_ts = true, snprintf(o->backfill_ts, sizeof o->backfill_ts, "%.63s", value);
    return len;
}

/* The <Code> of an S3 error document, or "". */
static void error_code(const ot_buf *b, char *out, size_t cap)
{
    out[0] = '\0';
    const char *s = b->data ? strstr(b->data, "<Code>") : NULL, *e;
    if (s && (e = strstr(s, "</Code>")) && (size_t)(e - s - 6) < cap)
        snprintf(out, cap, "%.*s", (int)(e - s - 6), s + 6);
}

/* An easy handle with the options every request shares: reused from the idle stack. */
static CURL *easy_take(s3_source *s)
{
    pthread_mutex_lock(&s->idle_mu);
    CURL *c = s->nidle ? s->idle[--s->nidle] : NULL;
    pthread_mutex_unlock(&s->idle_mu);
    if (c || !(c = curl_easy_init()))
        return c;
    curl_easy_setopt(c, CURLOPT_SHARE, s->share);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(c, CURLOPT_USERPWD, s->userpwd);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    return c;
}

static void easy_give(s3_source *s, CURL *c)
{
    pthread_mutex_lock(&s->idle_mu);
    if (s->nidle < IDLE_MAX) {
        s->idle[s->nidle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&s->idle_mu);
    curl_easy_cleanup(c);
}

static void easy_prepare(CURL *c, const char *url, req_ctx *ctx)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ctx);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, ctx);
}

static int curl_rc(CURLcode cc, char *err, size_t errlen)
{
    if (cc == CURLE_OK)
        return OT_OK;
    snprintf(err, errlen, "%s", curl_easy_strerror(cc));
    return cc == CURLE_WRITE_ERROR ? OT_ELIMIT : OT_EIO;
}

static int perform(s3_source *s, const char *url, req_ctx *ctx, long *status, char *err,
                   size_t errlen)
{
    CURL *c = easy_take(s);
    if (!c)
        return OT_ENOMEM;
    easy_prepare(c, url, ctx);
    CURLcode cc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    easy_give(s, c);
    return curl_rc(cc, err, errlen);
}

static int s3_list(vl_source *src, const char *bucket, const char *prefix, vl_strv *out,
                   char *err, size_t errlen)
{
    s3_source *s = (s3_source *)src;
    char token[2048] = "";
    int rc;
    do {
        ot_buf url, body;
        ot_buf_init(&url, 0);
        ot_buf_init(&body, LIST_PAGE_MAX);
        ot_buf_printf(&url, "%s/", s->endpoint);
        url_encode(&url, bucket, false);
        ot_buf_puts(&url, "?");
        if (token[0]) {
            ot_buf_puts(&url, "continuation-token=");
            url_encode(&url, token, false);
            ot_buf_puts(&url, "&");
        }
        ot_buf_puts(&url, "encoding-type=url&list-type=2&max-keys=1000&prefix=");
        url_encode(&url, prefix ? prefix : "", false);
        req_ctx ctx = {&body, NULL};
        long status = 0;
        rc = perform(s, url.data, &ctx, &status, err, errlen);
        if (!rc && status != 200) {
            char code[64];
            error_code(&body, code, sizeof code);
            snprintf(err, errlen, "An error occurred (%s) when calling the ListObjectsV2 "
                     "operation on bucket %s (HTTP %ld)", code[0] ? code : "?", bucket, status);
            rc = OT_EIO;
        }
        token[0] = '\0';
        for (const char *p = body.data; !rc && p && (p = strstr(p, "<Key>"));) {
            const char *e = strstr(p, "</Key>");
            if (!e)
                break;
            char *k = strndup(p + 5, (size_t)(e - p - 5));
            url_decode(k);
            rc = vl_strv_push(out, k);
            free(k);
            p = e;
        }
        const char *t = body.data ? strstr(body.data, "<NextContinuationToken>") : NULL;
        if (!rc && t && strstr(body.data, "<IsTruncated>true</IsTruncated>")) {
            const char *e = strstr(t, "</NextContinuationToken>");
            if (e && (size_t)(e - t - 23) < sizeof token)
                snprintf(token, sizeof token, "%.*s", (int)(e - t - 23), t + 23);
            url_decode(token);
        }
        ot_buf_free(&url);
        ot_buf_free(&body);
    } while (!rc && token[0]);
    vl_strv_sort(out);
    return rc;
}

static void object_url(s3_source *s, ot_buf *url, const char *bucket, const char *key)
{
    ot_buf_reset(url);
    ot_buf_printf(url, "%s/", s->endpoint);
    url_encode(url, bucket, false);
    ot_buf_putc(url, '/');
    url_encode(url, key, true);
}

/* The outcome of a GetObject that got an answer: NoSuchKey is OT_ENOTFOUND. */
static int get_status(vl_obj *o, long status, char *err, size_t errlen)
{
    int rc = OT_OK;
    if (status != 200) {
        char code[64];
        error_code(&o->data, code, sizeof code);
        if (!strcmp(code, "NoSuchKey")) {
            rc = OT_ENOTFOUND;
        } else {
            snprintf(err, errlen, "An error occurred (%s) when calling the GetObject operation",
                     code[0] ? code : "?");
            rc = OT_EIO;
        }
    }
    if (o->data.data)
        o->data.data[o->data.len] = '\0';
    return rc;
}

static int s3_get(vl_source *src, const char *bucket, const char *key, bool meta, vl_obj *o,
                  char *err, size_t errlen)
{
    s3_source *s = (s3_source *)src;
    ot_buf url;
    ot_buf_init(&url, 0);
    object_url(s, &url, bucket, key);
    ot_buf_reset(&o->data);
    o->has_sig = o->has_sigalg = o->has_backfill_ts = false;
    req_ctx ctx = {&o->data, meta ? o : NULL};
    long status = 0;
    int rc = perform(s, url.data, &ctx, &status, err, errlen);
    if (!rc)
        rc = get_status(o, status, err, errlen);
    ot_buf_free(&url);
    return rc;
}

/* One transfer of fetch_many. */
typedef struct slot {
    CURL *easy;
    vl_obj obj;
    req_ctx ctx;
    ot_buf url;
    size_t tag;
} slot;

static bool slot_start(s3_source *s, CURLM *m, slot *sl, vl_fetch_sink *sink)
{
    const char *bucket, *key;
    if (!sink->next(sink->ctx, &bucket, &key, &sl->tag))
        return false;
    object_url(s, &sl->url, bucket, key);
    ot_buf_reset(&sl->obj.data);
    sl->ctx = (req_ctx){&sl->obj.data, NULL};
    easy_prepare(sl->easy, sl->url.data, &sl->ctx);
    curl_easy_setopt(sl->easy, CURLOPT_PRIVATE, sl);
    curl_multi_add_handle(m, sl->easy);
    return true;
}

static void slot_done(s3_source *s, CURLM *m, CURLMsg *msg, vl_fetch_sink *sink)
{
    slot *sl = NULL;
    char err[256] = "";
    long status = 0;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
    curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(m, msg->easy_handle);
    int rc = curl_rc(msg->data.result, err, sizeof err);
    if (!rc)
        rc = get_status(&sl->obj, status, err, sizeof err);
    sink->done(sink->ctx, sl->tag, rc, &sl->obj, err);
}

static int s3_fetch_many(vl_source *src, vl_fetch_sink *sink, int inflight)
{
    s3_source *s = (s3_source *)src;
    if (inflight < 1)
        inflight = 1;
    CURLM *m = curl_multi_init();
    slot *slots = calloc((size_t)inflight, sizeof *slots);
    slot **free_slots = calloc((size_t)inflight, sizeof *free_slots);
    int nfree = 0, running = 0, rc = OT_OK;
    if (!m || !slots || !free_slots) {
        rc = OT_ENOMEM;
        goto out;
    }
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)inflight);
    curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    for (int i = 0; i < inflight; i++) {
        vl_obj_init(&slots[i].obj, VL_LOG_MAX);
        ot_buf_init(&slots[i].url, 0);
        if (!(slots[i].easy = easy_take(s)))
            rc = OT_ENOMEM;
        free_slots[nfree++] = &slots[i];
    }
    bool more = !rc;
    while (more || running) {
        while (more && nfree > 0 && (more = slot_start(s, m, free_slots[nfree - 1], sink)))
            nfree--;
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            rc = OT_EIO;
            break;
        }
        CURLMsg *msg;
        int left;
        bool finished = false;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            slot *sl = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
            slot_done(s, m, msg, sink);
            free_slots[nfree++] = sl;
            finished = true;
        }
        if (!finished && running && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK) {
            rc = OT_EIO;
            break;
        }
    }
out:
    for (int i = 0; slots && i < inflight; i++) {
        if (slots[i].easy) {
            curl_multi_remove_handle(m, slots[i].easy);
            easy_give(s, slots[i].easy);
        }
        vl_obj_free(&slots[i].obj);
        ot_buf_free(&slots[i].url);
    }
    free(slots);
    free(free_slots);
    curl_multi_cleanup(m);
    return rc;
}

static void s3_close(vl_source *src)
{
    s3_source *s = (s3_source *)src;
    for (size_t i = 0; i < s->nidle; i++)
        curl_easy_cleanup(s->idle[i]);
    curl_slist_free_all(s->headers);
    pthread_mutex_destroy(&s->idle_mu);
    curl_share_cleanup(s->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&s->locks[i]);
    free(s);
}

static const vl_source_ops s3_ops = {s3_list, s3_get, s3_close, s3_fetch_many};

int vl_src_s3_open(const char *bucket, const char *prefix, const char *region, vl_source **out,
                   char *err, size_t errlen)
{
    s3_source *s = calloc(1, sizeof *s);
    if (!s)
        return OT_ENOMEM;
    int rc = vl_aws_load(&s->aws, region, err, errlen);
    if (rc) {
        free(s);
        return rc;
    }
    s->base.ops = &s3_ops;
    snprintf(s->base.bucket, sizeof s->base.bucket, "%s", bucket);
    snprintf(s->base.prefix, sizeof s->base.prefix, "%s", prefix ? prefix : "");
    vl_aws_endpoint("AWS_ENDPOINT_URL_S3", "s3", s->aws.region, s->endpoint, sizeof s->endpoint);
    snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", s->aws.region);
    snprintf(s->userpwd, sizeof s->userpwd, "%s:%s", s->aws.access_key, s->aws.secret_key);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->locks[i], NULL);
    pthread_mutex_init(&s->idle_mu, NULL);
    s->headers = curl_slist_append(NULL, "x-amz-content-sha256: " EMPTY_SHA256);
    if (s->aws.session_token[0]) {
        char tok[4200];
        snprintf(tok, sizeof tok, "x-amz-security-token: %s", s->aws.session_token);
        s->headers = curl_slist_append(s->headers, tok);
    }
    s->share = curl_share_init();
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
    *out = &s->base;
    return OT_OK;
}
