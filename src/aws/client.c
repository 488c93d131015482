/* client.c — signed requests with retries (see aws.h).
 *
 * Every attempt is signed afresh (X-Amz-Date moves on) with aws/sign.c, the signer the server
 * verifies with. The signed headers are host, x-amz-date, content-type (when there is a body),
 * x-amz-content-sha256 (S3), x-amz-security-token, x-amz-target (JSON 1.0, 1.1) and the caller's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/aws.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/timeutil.h"

#define MAX_SIGNED 24

static int pick(int v, int def) { return v > 0 ? v : def; }

/* scheme://authority/base: the Host header (without a default port) and where the base
 * path starts. */
static const char *split_endpoint(const char *url, char *host, size_t cap)
{
    const char *a = strstr(url, "://");
    a = a ? a + 3 : url;
    size_t n = strcspn(a, "/?");
    snprintf(host, cap, "%.*s", (int)n, a);
    size_t hl = strlen(host);
    bool https = !strncasecmp(url, "https:", 6);
    const char *dflt = https ? ":443" : ":80";
    if (hl > strlen(dflt) && !strcmp(host + hl - strlen(dflt), dflt))
        host[hl - strlen(dflt)] = '\0';
    return a + n;
}

int ot_aws_client_init(ot_aws_client *c, const ot_aws_client_opts *o, char *err, size_t errlen)
{
    ot_aws_creds creds;
    int rc = ot_aws_creds_load(&creds, o, err, errlen);
    if (!rc)
        ot_aws_client_setup(c, o, &creds);
    return rc;
}

void ot_aws_client_setup(ot_aws_client *c, const ot_aws_client_opts *o, const ot_aws_creds *creds)
{
    memset(c, 0, sizeof *c);
    c->creds = *creds;
    ot_aws_region(o->region, o->profile, c->region, sizeof c->region);
    snprintf(c->service, sizeof c->service, "%s", o->service);
    if (o->endpoint && *o->endpoint) {
        snprintf(c->endpoint, sizeof c->endpoint, "%s", o->endpoint);
        c->endpoint_given = true;
        size_t n = strlen(c->endpoint);
        while (n && c->endpoint[n - 1] == '/')
            c->endpoint[--n] = '\0';
    } else {
        ot_aws_endpoint(o->service_id ? o->service_id : o->service, o->service, c->region,
                        c->endpoint, sizeof c->endpoint);
    }
    split_endpoint(c->endpoint, c->host, sizeof c->host);
    snprintf(c->target_prefix, sizeof c->target_prefix, "%s", o->target_prefix ? o->target_prefix : "");
    snprintf(c->api_version, sizeof c->api_version, "%s", o->api_version ? o->api_version : "");
    c->protocol = o->protocol;
    c->max_attempts = pick(o->max_attempts, 5);
    c->base_delay_ms = pick(o->base_delay_ms, 100);
    c->max_delay_ms = pick(o->max_delay_ms, 10000);
    c->timeout_s = o->timeout_s > 0 ? o->timeout_s : 300;
    const char *ca = getenv("AWS_CA_BUNDLE");
    snprintf(c->ca_bundle, sizeof c->ca_bundle, "%s", ca ? ca : "");
    c->seed = (unsigned)ot_monotonic_ms() ^ (unsigned)(uintptr_t)c;
}

void ot_aws_response_init(ot_aws_response *r, size_t body_max)
{
    memset(r, 0, sizeof *r);
    ot_buf_init(&r->body, body_max);
    ot_buf_init(&r->headers, 1u << 20);
}

void ot_aws_response_free(ot_aws_response *r)
{
    ot_buf_free(&r->body);
    ot_buf_free(&r->headers);
}

static void response_reset(ot_aws_response *r)
{
    ot_buf_reset(&r->body);
    ot_buf_reset(&r->headers);
    r->status = 0;
    r->code[0] = r->message[0] = '\0';
}

bool ot_aws_response_header(const ot_aws_response *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = r->headers.data; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1, *e = p + len;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' '))
                e--;
            snprintf(out, cap, "%.*s", (int)(e - v), v);
            return true;
        }
        p = eol ? eol + 1 : p + len;
    }
    return false;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    return ot_buf_append(&((ot_aws_response *)ud)->body, p, size * n) ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    ot_aws_response *r = ud;
    if (size * n > 5 && !strncmp(p, "HTTP/", 5))
        ot_buf_reset(&r->headers); /* a new answer (after 100 Continue): keep only its lines */
    return ot_buf_append(&r->headers, p, size * n) ? 0 : size * n;
}

/* ---- one attempt ----------------------------------------------------------------------- */

typedef struct signed_set {
    ot_aws_kv kv[MAX_SIGNED];
    size_t n;
} signed_set;

static void add(signed_set *s, const char *name, const char *value)
{
    if (s->n < MAX_SIGNED)
        s->kv[s->n++] = (ot_aws_kv){name, value};
}

/* Sorts by name, keeping repeated headers in the order given (their values join in it). */
static void sort_stable(ot_aws_kv *kv, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        ot_aws_kv x = kv[i];
        size_t j = i;
        for (; j > 0 && strcmp(kv[j - 1].name, x.name) > 0; j--)
            kv[j] = kv[j - 1];
        kv[j] = x;
    }
}

int ot_aws_authorization(const ot_aws_client *c, const char *method, const char *path,
                         const char *query, ot_aws_kv *kv, size_t n, const char *payload_hash,
                         const char *amz_date, char *auth, size_t cap)
{
    char names[1024] = "", date[9], sig[65];
    size_t nl = 0;
    sort_stable(kv, n);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(kv[i].name, kv[i - 1].name))
            continue;
        int w = snprintf(names + nl, sizeof names - nl, "%s%s", nl ? ";" : "", kv[i].name);
        if (w < 0 || (size_t)w >= sizeof names - nl)
            return OT_ELIMIT;
        nl += (size_t)w;
    }
    snprintf(date, sizeof date, "%.8s", amz_date);
    ot_aws_canon canon = {.method = method, .path = path, .query = query, .headers = kv,
                          .nheaders = n, .signed_headers = names, .payload_hash = payload_hash,
                          .s3 = !strcmp(c->service, "s3")};
    ot_aws_scope scope = {amz_date, date, c->region, c->service};
    int rc = ot_aws_sign_canon(&canon, &scope, c->creds.secret_key, sig);
    if (!rc && snprintf(auth, cap, OT_AWS_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, "
                        "SignedHeaders=%s, Signature=%s", c->creds.access_key, date, c->region,
                        c->service, names, sig) >= (int)cap)
        rc = OT_ELIMIT;
    return rc;
}

/* The body that goes on the wire: the query protocol's form, or the caller's. */
static int wire_body(const ot_aws_client *c, const ot_aws_request *req, ot_buf *scratch,
                     const char **body, size_t *len)
{
    if (c->protocol == OT_AWS_QUERY && req->operation) {
        int rc = ot_buf_printf(scratch, "Action=%s&Version=%s%s%.*s", req->operation,
                               c->api_version, req->body_len ? "&" : "", (int)req->body_len,
                               req->body ? req->body : "");
        *body = scratch->data;
        *len = scratch->len;
        return rc;
    }
    *body = req->body ? req->body : (ot_aws_protocol_is_target_json(c->protocol) ? "{}" : "");
    *len = req->body ? req->body_len : strlen(*body);
    return OT_OK;
}

static const char *content_type(const ot_aws_client *c, size_t body_len)
{
    switch (c->protocol) {
    case OT_AWS_JSON: return "application/x-amz-json-1.1";
    case OT_AWS_JSON_1_0: return "application/x-amz-json-1.0";
    case OT_AWS_QUERY: return "application/x-www-form-urlencoded; charset=utf-8";
    case OT_AWS_REST_JSON: return body_len ? "application/json" : NULL;
    default: return NULL;
    }
}

static void set_method(CURL *easy, const char *method, const char *body, size_t len)
{
    curl_easy_setopt(easy, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
        return;
    }
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    if (strcmp(method, "POST"))
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
}

static struct curl_slist *header_lines(const signed_set *s, const char *auth)
{
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    char line[8192];
    for (size_t i = 0; i < s->n; i++) {
        snprintf(line, sizeof line, "%s: %s", s->kv[i].name, s->kv[i].value);
        h = curl_slist_append(h, line);
    }
    snprintf(line, sizeof line, "Authorization: %s", auth);
    return curl_slist_append(h, line);
}

int ot_aws_prepare(const ot_aws_client *c, CURL *easy, const ot_aws_request *req,
                   ot_aws_response *resp, struct curl_slist **headers, ot_buf *scratch)
{
    const char *body, *base = split_endpoint(c->endpoint, (char[512]){0}, 512);
    size_t body_len;
    char amz_date[17], hash[65], target[256], auth[1400];
    uint8_t d[32];
    ot_buf url, path;
    ot_buf_init(&url, 0);
    ot_buf_init(&path, 0);
    int rc = wire_body(c, req, scratch, &body, &body_len);
    const char *method = req->method ? req->method : req->body || ot_aws_protocol_is_target_json(c->protocol) ||
                         c->protocol == OT_AWS_QUERY ? "POST" : "GET";
    ot_sha256(body, body_len, d);
    ot_hex(d, 32, hash);
    ot_aws_amz_date(ot_now_ms(), amz_date);
    signed_set s = {.n = 0};
    add(&s, "host", c->host);
    add(&s, "x-amz-date", amz_date);
    if (content_type(c, body_len))
        add(&s, "content-type", content_type(c, body_len));
    if (!strcmp(c->service, "s3"))
        add(&s, "x-amz-content-sha256", hash);
    if (c->creds.session_token[0])
        add(&s, "x-amz-security-token", c->creds.session_token);
    snprintf(target, sizeof target, "%s.%s", c->target_prefix, req->operation ? req->operation : "");
    if (ot_aws_protocol_is_target_json(c->protocol))
        add(&s, "x-amz-target", target);
    for (size_t i = 0; i < req->nheaders; i++)
        add(&s, req->headers[i].name, req->headers[i].value);
    if (!rc)
        rc = ot_buf_printf(&path, "%s%s", base, req->path && *req->path ? req->path : "/");
    if (!rc)
        rc = ot_aws_authorization(c, method, path.data, req->query, s.kv, s.n, hash, amz_date,
                                  auth, sizeof auth);
    if (!rc)
        rc = ot_buf_printf(&url, "%.*s%s%s%s", (int)(base - c->endpoint), c->endpoint, path.data,
                           req->query && *req->query ? "?" : "", req->query ? req->query : "");
    if (!rc) {
        *headers = header_lines(&s, auth);
        curl_easy_setopt(easy, CURLOPT_URL, url.data);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, *headers);
        set_method(easy, method, body, body_len);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, resp);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, resp);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT, c->timeout_s);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        if (c->ca_bundle[0])
            curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_bundle);
    }
    ot_buf_free(&url);
    ot_buf_free(&path);
    return rc;
}

/* ---- outcome and retries --------------------------------------------------------------- */

static int transport_error(const ot_aws_client *c, CURLcode cc, char *err, size_t errlen)
{
    if (cc == CURLE_WRITE_ERROR) {
        snprintf(err, errlen, "%s: the answer is larger than allowed", c->endpoint);
        return OT_ELIMIT;
    }
    if (cc == CURLE_COULDNT_RESOLVE_HOST && c->endpoint_given)
        snprintf(err, errlen, "cannot resolve host '%s' (endpoint %s, given on the command line): "
                 "check the URL", c->host, c->endpoint);
    else if (cc == CURLE_COULDNT_RESOLVE_HOST)
        snprintf(err, errlen, "cannot resolve host '%s' (endpoint %s): to reach a server that is "
                 "not AWS, set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>) to its URL",
                 c->host, c->endpoint);
    else
        snprintf(err, errlen, "%s: %s", c->endpoint, curl_easy_strerror(cc));
    return OT_EIO;
}

int ot_aws_finish(const ot_aws_client *c, const ot_aws_request *req, CURLcode cc,
                  ot_aws_response *resp, char *err, size_t errlen)
{
    if (cc != CURLE_OK) {
        resp->status = 0;
        return transport_error(c, cc, err, errlen);
    }
    ot_aws_parse_error(c->protocol, resp);
    if (resp->status >= 200 && resp->status < 300)
        return OT_OK;
    snprintf(err, errlen, "An error occurred (%s) when calling the %s operation%s%s", resp->code,
             req->operation ? req->operation : req->method ? req->method : "?",
             resp->message[0] ? ": " : "", resp->message);
    return OT_EIO;
}

bool ot_aws_retryable(CURLcode cc, const ot_aws_response *resp)
{
    static const char *const throttling[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException"};
    if (cc != CURLE_OK)
        return cc == CURLE_COULDNT_CONNECT || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
               cc == CURLE_GOT_NOTHING || cc == CURLE_OPERATION_TIMEDOUT ||
               cc == CURLE_PARTIAL_FILE;
    if (resp->status == 429 || resp->status >= 500)
        return true;
    for (size_t i = 0; i < sizeof throttling / sizeof throttling[0]; i++)
        if (!strcmp(resp->code, throttling[i]))
            return true;
    return false;
}

int ot_aws_backoff_ms(int attempt, int base_ms, int max_ms, unsigned *seed)
{
    long ceil = base_ms;
    for (int i = 1; i < attempt && ceil < max_ms; i++)
        ceil *= 2;
    if (ceil > max_ms)
        ceil = max_ms;
    return (int)(rand_r(seed) % (unsigned)(ceil + 1));
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts))
        ;
}

static int attempt(const ot_aws_client *c, CURL *easy, const ot_aws_request *req,
                   ot_aws_response *resp, CURLcode *cc)
{
    struct curl_slist *h = NULL;
    ot_buf scratch;
    ot_buf_init(&scratch, 0);
    response_reset(resp);
    int rc = ot_aws_prepare(c, easy, req, resp, &h, &scratch);
    if (!rc) {
        *cc = curl_easy_perform(easy);
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp->status);
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    ot_buf_free(&scratch);
    resp->attempts++;
    return rc;
}

int ot_aws_call(const ot_aws_client *c, CURL *easy, const ot_aws_request *req, ot_aws_response *resp,
                char *err, size_t errlen)
{
    CURL *own = easy ? NULL : curl_easy_init();
    CURL *h = easy ? easy : own;
    int rc = h ? OT_OK : OT_ENOMEM;
    unsigned seed = c->seed ^ (unsigned)ot_monotonic_ms() ^ (unsigned)(uintptr_t)&seed;
    resp->attempts = 0;
    for (int i = 1; !rc && i <= c->max_attempts; i++) {
        CURLcode cc = CURLE_OK;
        if ((rc = attempt(c, h, req, resp, &cc)))
            break;
        rc = ot_aws_finish(c, req, cc, resp, err, errlen);
        if (!rc || i == c->max_attempts || !ot_aws_retryable(cc, resp))
            break;
        sleep_ms(ot_aws_backoff_ms(i, c->base_delay_ms, c->max_delay_ms, &seed));
        rc = OT_OK;
    }
    curl_easy_cleanup(own);
    return rc;
}
