/* sigv4.c — AWS Signature Version 4: parsing, verification and signing of requests.
 *
 * The canonical request is rebuilt the way botocore (auth.py) builds it, since botocore and the
 * aws CLI are the clients that must always pass:
 *   - URI: S3 signs the path exactly as sent (S3SigV4Auth._normalize_url_path); every other
 *     service removes dot segments and empty segments, then percent-encodes the (already
 *     encoded) path once more (SigV4Auth._normalize_url_path: quote(..., safe='/~')).
 *   - Query: each name and value is decoded and re-encoded with the RFC 3986 unreserved set,
 *     then the pairs are sorted by encoded name, then encoded value. For what botocore sends this
 *     is the identity; for other clients it matches what AWS computes. Presigned URLs leave out
 *     X-Amz-Signature.
 *   - Headers: the SignedHeaders list, in the order given; repeated headers joined with ',';
 *     values trimmed and inner whitespace runs collapsed (Python's ' '.join(v.split())).
 *   - Payload: for S3, the x-amz-content-sha256 header as sent if present, for S3 presigned
 *     URLs UNSIGNED-PAYLOAD; otherwise (and always for the other services, as AWS does) hex
 *     SHA-256 of the body.
 * Beyond botocore's rules, the scope's region must be a region name (util/region.h) and host
 * must be signed, as AWS requires. */
#include "api/sigv4.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/region.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define CANON_MAX (1024 * 1024) /* cap on a canonical request built from untrusted input */
#define QUERY_MAX_PARAMS 1000
#define PRESIGN_MAX_EXPIRES 604800 /* one week, as S3 enforces */
#define MSG_BAD_DATE "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""

static const char MSG_MISMATCH[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

/* ---- errors ---------------------------------------------------------------------------- */

static void set_err(ot_sigv4_error *err, int status, const char *json_code, const char *xml_code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void set_err(ot_sigv4_error *err, int status, const char *json_code, const char *xml_code,
                    const char *fmt, ...)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->status = status;
    err->json_code = json_code;
    err->xml_code = xml_code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static int malformed(ot_sigv4_error *err, const ot_sigv4_scope *s, const char *msg)
{
    set_err(err, 400, "IncompleteSignatureException",
            s->presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
            "%s", msg);
    return OT_EINVAL;
}

void ot_sigv4_error_unknown_key(ot_sigv4_error *err)
{
    set_err(err, 403, "UnrecognizedClientException", "InvalidAccessKeyId",
            "The security token included in the request is invalid.");
    if (err)
        err->xml_message = "The AWS Access Key Id you provided does not exist in our records.";
}

/* A well-formed scope naming something that is not a region (ot_region_valid). AWS's JSON
 * services answer 403 InvalidSignatureException "Credential should be scoped to a valid
 * region"; S3 answers 400 AuthorizationHeaderMalformed (AuthorizationQueryParametersError for
 * a presigned URL). */
static int bad_region(ot_sigv4_error *err, const ot_sigv4_scope *s)
{
    set_err(err, 403, "InvalidSignatureException",
            s->presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
            "Credential should be scoped to a valid region, not '%s'.", s->region);
    if (err)
        err->xml_status = 400;
    return OT_EINVAL;
}

/* SignedHeaders without host: a signature that does not bind the request to the endpoint it
 * was meant for. AWS's JSON services answer 400 IncompleteSignatureException; S3 answers 403
 * AccessDenied with <HeadersNotSigned>host</HeadersNotSigned>. */
static int host_not_signed(ot_sigv4_error *err)
{
    set_err(err, 400, "IncompleteSignatureException", "AccessDenied",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    if (err) {
        err->xml_status = 403;
        err->xml_message = "There were headers present in the request which were not signed";
        err->xml_detail_name = "HeadersNotSigned";
        err->xml_detail = "host";
    }
    return OT_EINVAL;
}

/* ---- small helpers --------------------------------------------------------------------- */

static const char *find_header(const ot_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (r->headers[i].name && strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value ? r->headers[i].value : "";
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes n bytes into out (room for n + 1). A '%' that does not start a valid escape
 * stays literal, so a stray '%' is signed as "%25", as a client that encoded it would have. */
static size_t pct_decode(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (in[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)in[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)in[i + 2])) >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
    return o;
}

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* RFC 3986 encoding with uppercase hex; '/' is kept when keep_slash. */
static int uri_encode(ot_buf *b, const char *s, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = ot_buf_reserve(b, n * 3);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            b->data[b->len++] = (char)c;
        } else {
            b->data[b->len++] = '%';
            b->data[b->len++] = hex[c >> 4];
            b->data[b->len++] = hex[c & 15];
        }
    }
    b->data[b->len] = '\0';
    return OT_OK;
}

/* Python's str.isspace() over ASCII, which is what botocore's value.split() splits on. */
static bool py_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* ---- time ------------------------------------------------------------------------------ */

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe - 719468;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int civil_ms(int y, int mo, int d, int h, int mi, int sec, int64_t *ms)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return OT_EINVAL;
    *ms = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec) * 1000;
    return OT_OK;
}

/* "yyyymmddThhmmssZ" to ms since the epoch. */
static int parse_amz_date(const char *s, int64_t *ms)
{
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z' || !all_digits(s, 8) || !all_digits(s + 9, 6))
        return OT_EINVAL;
    return civil_ms(num(s, 4), num(s + 4, 2), num(s + 6, 2), num(s + 9, 2), num(s + 11, 2),
                    num(s + 13, 2), ms);
}

static void format_amz_date(int64_t ms, char out[17])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* RFC 1123 ("Sun, 06 Nov 1994 08:49:37 GMT"), which botocore signs when a Date header is set. */
static int parse_http_date(const char *s, char amz[17])
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char wd[4], mon[4];
    int d, y, h, mi, sec, used = 0;
    if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &h, &mi, &sec, &used) != 7 ||
        used == 0 || s[used] != '\0')
        return OT_EINVAL;
    const char *m = strstr(months, mon);
    if (strlen(mon) != 3 || !m || (m - months) % 3)
        return OT_EINVAL;
    int64_t ms;
    if (civil_ms(y, (int)(m - months) / 3 + 1, d, h, mi, sec, &ms))
        return OT_EINVAL;
    format_amz_date(ms, amz);
    return OT_OK;
}

/* ---- query parameters ------------------------------------------------------------------ */

/* Finds a query parameter by exact (decoded) name and decodes its value into out. */
static int query_get(const char *q, const char *name, char *out, size_t outcap)
{
    size_t nlen = strlen(name);
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        size_t klen = eq ? (size_t)(eq - q) : len;
        if (klen < 3 * nlen + 1) {
            char key[3 * 128 + 2];
            if (klen < sizeof key && pct_decode(q, klen, key) == nlen && memcmp(key, name, nlen) == 0) {
                size_t vlen = eq ? len - klen - 1 : 0;
                if (vlen >= outcap)
                    return OT_ELIMIT;
                pct_decode(eq ? eq + 1 : q + len, vlen, out);
                return OT_OK;
            }
        }
        q = amp ? amp + 1 : NULL;
    }
    return OT_ENOTFOUND;
}

typedef struct qparam {
    char *name;  /* encoded */
    char *value; /* encoded */
} qparam;

static int qparam_cmp(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Decodes then re-encodes n raw bytes into a malloc'd string. */
static char *reencode(const char *raw, size_t n)
{
    char *dec = malloc(n + 1);
    ot_buf b;
    ot_buf_init(&b, 0);
    if (!dec)
        return NULL;
    size_t dlen = pct_decode(raw, n, dec);
    int rc = uri_encode(&b, dec, dlen, false);
    free(dec);
    if (rc) {
        ot_buf_free(&b);
        return NULL;
    }
    if (!b.data)
        return strdup("");
    return ot_buf_take(&b, NULL);
}

static void qparams_free(qparam *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    free(p);
}

static int canonical_query(ot_buf *out, const char *q, bool presigned)
{
    size_t cap = 1;
    for (const char *c = q; *c; c++)
        cap += *c == '&';
    if (cap > QUERY_MAX_PARAMS)
        return OT_ELIMIT;
    qparam *p = calloc(cap, sizeof *p);
    size_t n = 0;
    int rc = OT_OK;
    if (!p)
        return OT_ENOMEM;
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        size_t klen = eq ? (size_t)(eq - q) : len;
        if (len > 0) {
            p[n].name = reencode(q, klen);
            p[n].value = eq ? reencode(eq + 1, len - klen - 1) : strdup("");
            if (!p[n].name || !p[n].value) {
                n++;
                rc = OT_ENOMEM;
                goto out;
            }
            if (presigned && strcmp(p[n].name, "X-Amz-Signature") == 0) {
                free(p[n].name);
                free(p[n].value);
                p[n].name = p[n].value = NULL;
            } else {
                n++;
            }
        }
        if (!amp)
            break;
        q = amp + 1;
    }
    qsort(p, n, sizeof *p, qparam_cmp);
    for (size_t i = 0; i < n && !rc; i++)
        rc = ot_buf_printf(out, "%s%s=%s", i ? "&" : "", p[i].name, p[i].value);
out:
    qparams_free(p, n);
    return rc;
}

/* ---- canonical URI and headers --------------------------------------------------------- */

/* botocore.utils.remove_dot_segments: drops empty and "." segments, resolves "..". */
static int remove_dot_segments(ot_buf *out, const char *path)
{
    size_t plen = strlen(path);
    size_t *starts = calloc(plen / 2 + 2, sizeof *starts); /* output segment start offsets */
    size_t nseg = 0;
    int rc = OT_OK;
    if (!starts)
        return OT_ENOMEM;
    const char *p = path;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (nseg)
                out->len = starts[--nseg];
        } else if (len && !(len == 1 && p[0] == '.')) {
            starts[nseg++] = out->len;
            if ((rc = ot_buf_putc(out, '/')) || (rc = ot_buf_append(out, p, len)))
                goto out;
        }
        if (!e)
            break;
        p = e + 1;
    }
    if (out->data)
        out->data[out->len] = '\0';
    if (nseg && plen && path[plen - 1] == '/')
        rc = ot_buf_putc(out, '/');
    else if (!nseg)
        rc = ot_buf_putc(out, '/');
out:
    free(starts);
    return rc;
}

static int canonical_uri(ot_buf *out, const char *raw_path, bool s3)
{
    if (!raw_path || !*raw_path)
        return ot_buf_putc(out, '/');
    if (s3)
        return ot_buf_puts(out, raw_path);
    ot_buf norm;
    ot_buf_init(&norm, CANON_MAX);
    int rc = remove_dot_segments(&norm, raw_path);
    if (!rc)
        rc = uri_encode(out, norm.data, norm.len, true);
    ot_buf_free(&norm);
    return rc;
}

static int put_trimmed(ot_buf *out, const char *v)
{
    bool first = true;
    const unsigned char *p = (const unsigned char *)v;
    while (*p) {
        while (*p && py_space(*p))
            p++;
        const unsigned char *start = p;
        while (*p && !py_space(*p))
            p++;
        if (p > start) {
            int rc = first ? 0 : ot_buf_putc(out, ' ');
            if (rc || (rc = ot_buf_append(out, start, (size_t)(p - start))))
                return rc;
            first = false;
        }
    }
    return OT_OK;
}

static int canonical_header(ot_buf *out, const ot_req *req, const char *name, size_t nlen)
{
    int rc = ot_buf_append(out, name, nlen);
    if (rc || (rc = ot_buf_putc(out, ':')))
        return rc;
    bool first = true;
    for (size_t i = 0; i < req->nheaders && !rc; i++) {
        const char *hn = req->headers[i].name;
        if (!hn || strlen(hn) != nlen || memcmp(hn, name, nlen) != 0)
            continue;
        if (!first)
            rc = ot_buf_putc(out, ',');
        if (!rc)
            rc = put_trimmed(out, req->headers[i].value ? req->headers[i].value : "");
        first = false;
    }
    return rc ? rc : ot_buf_putc(out, '\n');
}

static int canonical_headers(ot_buf *out, const ot_req *req, const char *signed_headers)
{
    const char *p = signed_headers;
    while (*p) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        int rc = canonical_header(out, req, p, len);
        if (rc)
            return rc;
        if (!semi)
            break;
        p = semi + 1;
    }
    return OT_OK;
}

/* ---- payload --------------------------------------------------------------------------- */

static bool is_sha256_hex(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (hexval((unsigned char)s[i]) < 0)
            return false;
    return true;
}

static bool is_s3(const ot_sigv4_scope *scope) { return strcmp(scope->service, "s3") == 0; }

/* The string that ends the canonical request. Points at the header value or at out. Only S3
 * takes the payload hash from the client (x-amz-content-sha256, which is how it allows
 * UNSIGNED-PAYLOAD and streaming): every other AWS service hashes the body it received. */
static const char *payload_hash(const ot_req *req, const ot_sigv4_scope *scope, char out[65])
{
    const char *h = is_s3(scope) ? find_header(req, "x-amz-content-sha256") : NULL;
    if (h)
        return h;
    if (scope->presigned && is_s3(scope))
        return "UNSIGNED-PAYLOAD";
    uint8_t d[32];
    ot_sha256(req->body ? req->body : "", req->body ? req->body_len : 0, d);
    ot_hex(d, 32, out);
    return out;
}

/* Checks an S3 client's declared payload hash against the body, so the header (which is
 * signed) cannot vouch for a body it does not describe. Other services ignore the header. */
static int check_declared_payload(const ot_req *req, const ot_sigv4_scope *scope,
                                  ot_sigv4_error *err)
{
    const char *h = find_header(req, "x-amz-content-sha256");
    if (!h || !is_s3(scope))
        return OT_OK;
    if (strcmp(h, "UNSIGNED-PAYLOAD") == 0 || strncmp(h, "STREAMING-", 10) == 0)
        return OT_OK;
    if (!is_sha256_hex(h)) {
        set_err(err, 400, "IncompleteSignatureException", "InvalidArgument",
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value, or a valid "
                "sha256 value.");
        return OT_EINVAL;
    }
    uint8_t d[32];
    char hex[65];
    ot_sha256(req->body ? req->body : "", req->body ? req->body_len : 0, d);
    ot_hex(d, 32, hex);
    if (strcasecmp(hex, h) != 0) {
        set_err(err, 400, "InvalidSignatureException", "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.");
        return OT_EINVAL;
    }
    return OT_OK;
}

/* ---- signing --------------------------------------------------------------------------- */

static int canonical_request(ot_buf *cr, const ot_req *req, const ot_sigv4_scope *scope)
{
    char hashbuf[65];
    bool s3 = is_s3(scope);
    int rc = ot_buf_printf(cr, "%s\n", req->method ? req->method : "");
    if (!rc) rc = canonical_uri(cr, req->raw_path, s3);
    if (!rc) rc = ot_buf_putc(cr, '\n');
    if (!rc) rc = canonical_query(cr, req->raw_query ? req->raw_query : "", scope->presigned);
    if (!rc) rc = ot_buf_putc(cr, '\n');
    if (!rc) rc = canonical_headers(cr, req, scope->signed_headers);
    if (!rc) rc = ot_buf_printf(cr, "\n%s\n%s", scope->signed_headers, payload_hash(req, scope, hashbuf));
    return rc;
}

int ot_sigv4_sign(const ot_req *req, const ot_sigv4_scope *scope, const char *secret_key,
                  char signature_hex[65])
{
    ot_buf cr, sts;
    ot_buf_init(&cr, CANON_MAX);
    ot_buf_init(&sts, 1024);
    uint8_t h[32], k[32];
    int rc = canonical_request(&cr, req, scope);
    if (rc)
        goto out;
    ot_sha256(cr.data, cr.len, h);
    char crhex[65];
    ot_hex(h, 32, crhex);
    rc = ot_buf_printf(&sts, ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", scope->amz_date,
                       scope->date, scope->region, scope->service, crhex);
    if (rc)
        goto out;
    size_t slen = strlen(secret_key);
    char *kin = malloc(slen + 5);
    if (!kin) {
        rc = OT_ENOMEM;
        goto out;
    }
    memcpy(kin, "AWS4", 4);
    memcpy(kin + 4, secret_key, slen + 1);
    ot_hmac_sha256(kin, slen + 4, scope->date, strlen(scope->date), k);
    OPENSSL_cleanse(kin, slen + 5);
    free(kin);
    ot_hmac_sha256(k, 32, scope->region, strlen(scope->region), k);
    ot_hmac_sha256(k, 32, scope->service, strlen(scope->service), k);
    ot_hmac_sha256(k, 32, "aws4_request", 12, k);
    ot_hmac_sha256(k, 32, sts.data, sts.len, h);
    OPENSSL_cleanse(k, sizeof k);
    ot_hex(h, 32, signature_hex);
out:
    ot_buf_free(&cr);
    ot_buf_free(&sts);
    return rc;
}

/* ---- parsing --------------------------------------------------------------------------- */

static bool copy_field(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

/* Access keys: 1–127 printable characters without '/' or whitespace. */
static bool valid_key(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 127)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)s[i]))
            return false;
    return true;
}

static bool valid_scope_part(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

/* "AKID/yyyymmdd/region/service/aws4_request" */
static int parse_credential(const char *cred, ot_sigv4_scope *s, ot_sigv4_error *err)
{
    const char *part[5];
    size_t len[5];
    const char *p = cred;
    int n = 0;
    while (n < 5) {
        const char *slash = strchr(p, '/');
        part[n] = p;
        len[n] = slash ? (size_t)(slash - p) : strlen(p);
        n++;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (n != 5 || strchr(part[4], '/') ||
        !copy_field(s->access_key, sizeof s->access_key, part[0], len[0]) ||
        !copy_field(s->date, sizeof s->date, part[1], len[1]) ||
        !copy_field(s->region, sizeof s->region, part[2], len[2]) ||
        !copy_field(s->service, sizeof s->service, part[3], len[3]) || !valid_key(s->access_key) ||
        strlen(s->date) != 8 || !all_digits(s->date, 8) || !valid_scope_part(s->region) ||
        !valid_scope_part(s->service))
        return malformed(err, s,
                         "The authorization header is malformed; the Credential is mal-formed; "
                         "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
    if (len[4] != 12 || memcmp(part[4], "aws4_request", 12) != 0) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "Credential should be scoped with a valid terminator: 'aws4_request', not '%.64s'.",
                 part[4]);
        return malformed(err, s, msg);
    }
    if (!ot_region_valid(s->region))
        return bad_region(err, s);
    return OT_OK;
}

/* Whether the ';'-separated list names host. */
static bool signs_host(const char *sh)
{
    for (const char *p = sh;; p++) {
        if (strncmp(p, "host", 4) == 0 && (p[4] == ';' || p[4] == '\0'))
            return true;
        if (!(p = strchr(p, ';')))
            return false;
    }
}

static bool valid_signed_headers(const char *sh)
{
    if (!*sh || *sh == ';')
        return false;
    for (const char *p = sh; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ';' ? (p[1] == ';' || p[1] == '\0') : !(isgraph(c) && !isupper(c)))
            return false;
    }
    return true;
}

static bool valid_signature(const char *sig)
{
    if (strlen(sig) != 64)
        return false;
    for (const char *p = sig; *p; p++)
        if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
            return false;
    return true;
}

/* Components of "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". */
typedef struct auth_parts {
    char credential[256];
    bool has_cred, has_sh, has_sig;
} auth_parts;

static bool take_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && py_space((unsigned char)v[n - 1]))
        n--;
    return copy_field(dst, cap, v, n);
}

static int split_auth_header(const char *h, ot_sigv4_scope *s, auth_parts *a, ot_sigv4_error *err)
{
    const char *p = h + strlen(ALGORITHM);
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *eq = strchr(p, '=');
        const char *comma = strchr(p, ',');
        size_t end = comma ? (size_t)(comma - p) : strlen(p);
        if (!eq || (size_t)(eq - p) > end)
            return malformed(err, s, "The authorization header is malformed; expected key=value "
                                     "components separated by commas.");
        size_t klen = (size_t)(eq - p), vlen = end - klen - 1;
        const char *v = eq + 1;
        bool ok = true;
        if (klen == 10 && memcmp(p, "Credential", 10) == 0)
            ok = a->has_cred = take_value(a->credential, sizeof a->credential, v, vlen);
        else if (klen == 13 && memcmp(p, "SignedHeaders", 13) == 0)
            ok = a->has_sh = take_value(s->signed_headers, sizeof s->signed_headers, v, vlen);
        else if (klen == 9 && memcmp(p, "Signature", 9) == 0)
            ok = a->has_sig = take_value(s->signature, sizeof s->signature, v, vlen);
        if (!ok)
            return malformed(err, s, "The authorization header is malformed; a component is too long.");
        p += end;
    }
    return OT_OK;
}

static int missing_parts(const char *h, const auth_parts *a, ot_sigv4_scope *s, ot_sigv4_error *err)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s%s%sAuthorization=%.200s",
             a->has_cred ? "" : "Authorization header requires 'Credential' parameter. ",
             a->has_sig ? "" : "Authorization header requires 'Signature' parameter. ",
             a->has_sh ? "" : "Authorization header requires 'SignedHeaders' parameter. ", h);
    return malformed(err, s, msg);
}

static int request_date(const ot_req *req, ot_sigv4_scope *s, ot_sigv4_error *err)
{
    const char *xd = find_header(req, "x-amz-date");
    const char *d = find_header(req, "date");
    int64_t ms;
    if (xd) {
        if (!copy_field(s->amz_date, sizeof s->amz_date, xd, strlen(xd)) ||
            parse_amz_date(s->amz_date, &ms))
            return malformed(err, s, MSG_BAD_DATE);
        return OT_OK;
    }
    if (d && parse_http_date(d, s->amz_date) == 0)
        return OT_OK;
    set_err(err, 403, "IncompleteSignatureException", "AccessDenied",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    return OT_EINVAL;
}

static int parse_header_auth(const ot_req *req, const char *h, ot_sigv4_scope *s, ot_sigv4_error *err)
{
    auth_parts a = {0};
    int rc = split_auth_header(h, s, &a, err);
    if (rc)
        return rc;
    if (!a.has_cred || !a.has_sh || !a.has_sig)
        return missing_parts(h, &a, s, err);
    if ((rc = parse_credential(a.credential, s, err)))
        return rc;
    if (!valid_signed_headers(s->signed_headers))
        return malformed(err, s, "The authorization header is malformed; SignedHeaders must be a "
                                 "';'-separated list of lowercase header names.");
    if (!signs_host(s->signed_headers))
        return host_not_signed(err);
    if (!valid_signature(s->signature))
        return malformed(err, s, "The authorization header is malformed; Signature must be 64 "
                                 "lowercase hexadecimal characters.");
    return request_date(req, s, err);
}

static int parse_presigned(const ot_req *req, ot_sigv4_scope *s, ot_sigv4_error *err)
{
    const char *q = req->raw_query;
    char alg[32], cred[256], expires[24];
    s->presigned = 1;
    if (query_get(q, "X-Amz-Algorithm", alg, sizeof alg) || strcmp(alg, ALGORITHM) != 0)
        return malformed(err, s, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    if (query_get(q, "X-Amz-Credential", cred, sizeof cred) ||
        query_get(q, "X-Amz-SignedHeaders", s->signed_headers, sizeof s->signed_headers) ||
        query_get(q, "X-Amz-Signature", s->signature, sizeof s->signature) ||
        query_get(q, "X-Amz-Date", s->amz_date, sizeof s->amz_date) ||
        query_get(q, "X-Amz-Expires", expires, sizeof expires))
        return malformed(err, s, "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                                 "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                                 "and X-Amz-Expires parameters.");
    int rc = parse_credential(cred, s, err);
    if (rc)
        return rc;
    int64_t ms;
    if (parse_amz_date(s->amz_date, &ms))
        return malformed(err, s, MSG_BAD_DATE);
    if (!*expires || strlen(expires) > 9 || !all_digits(expires, strlen(expires)))
        return malformed(err, s, "X-Amz-Expires should be a number");
    s->expires_s = atol(expires);
    if (s->expires_s < 1)
        return malformed(err, s, "X-Amz-Expires must be non-negative");
    if (s->expires_s > PRESIGN_MAX_EXPIRES)
        return malformed(err, s, "X-Amz-Expires must be less than a week (in seconds) that is; 604800");
    if (!valid_signed_headers(s->signed_headers) || !valid_signature(s->signature))
        return malformed(err, s, "X-Amz-SignedHeaders or X-Amz-Signature is malformed.");
    if (!signs_host(s->signed_headers))
        return host_not_signed(err);
    return OT_OK;
}

static bool has_presign_params(const char *q)
{
    char tmp[2];
    return query_get(q, "X-Amz-Algorithm", tmp, 0) != OT_ENOTFOUND ||
           query_get(q, "X-Amz-Credential", tmp, 0) != OT_ENOTFOUND ||
           query_get(q, "X-Amz-Signature", tmp, 0) != OT_ENOTFOUND;
}

int ot_sigv4_parse(const ot_req *req, ot_sigv4_scope *scope, ot_sigv4_error *err)
{
    memset(scope, 0, sizeof *scope);
    const char *auth = find_header(req, "authorization");
    bool presigned = has_presign_params(req->raw_query ? req->raw_query : "");
    int rc;
    if (!auth && !presigned) {
        set_err(err, 403, "MissingAuthenticationTokenException", "AccessDenied",
                "Missing Authentication Token");
        return OT_ENOTFOUND;
    }
    if (auth && presigned) {
        set_err(err, 400, "IncompleteSignatureException", "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified");
        return OT_EINVAL;
    }
    if (presigned) {
        rc = parse_presigned(req, scope, err);
    } else if (strncmp(auth, ALGORITHM, strlen(ALGORITHM)) != 0 ||
               (auth[strlen(ALGORITHM)] != ' ' && auth[strlen(ALGORITHM)] != '\0')) {
        set_err(err, 400, "IncompleteSignatureException", "InvalidArgument",
                "Unsupported Authorization Type");
        rc = OT_EINVAL;
    } else {
        rc = parse_header_auth(req, auth, scope, err);
    }
    if (!rc && memcmp(scope->date, scope->amz_date, 8) != 0) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                 "from HTTP: '%s' != '%.8s', from '%s'.", scope->date, scope->amz_date, scope->amz_date);
        rc = malformed(err, scope, msg);
    }
    if (rc)
        memset(scope, 0, sizeof *scope);
    return rc;
}

/* ---- verification ---------------------------------------------------------------------- */

static int check_clock(const ot_sigv4_scope *s, int64_t now_ms, ot_sigv4_error *err)
{
    int64_t t;
    char now[17], bound[17];
    if (parse_amz_date(s->amz_date, &t))
        return malformed(err, s, MSG_BAD_DATE);
    format_amz_date(now_ms, now);
    if (s->presigned) {
        if (t > now_ms + OT_SIGV4_MAX_SKEW_MS) {
            set_err(err, 403, "InvalidSignatureException", "AccessDenied", "Request is not valid yet");
            return OT_EINVAL;
        }
        if (now_ms > t + s->expires_s * 1000) {
            set_err(err, 403, "InvalidSignatureException", "AccessDenied", "Request has expired");
            return OT_EINVAL;
        }
        return OT_OK;
    }
    if (t < now_ms - OT_SIGV4_MAX_SKEW_MS) {
        format_amz_date(now_ms - OT_SIGV4_MAX_SKEW_MS, bound);
        set_err(err, 403, "InvalidSignatureException", "RequestTimeTooSkewed",
                "Signature expired: %s is now earlier than %s (%s - 15 min.)", s->amz_date, bound, now);
        return OT_EINVAL;
    }
    if (t > now_ms + OT_SIGV4_MAX_SKEW_MS) {
        format_amz_date(now_ms + OT_SIGV4_MAX_SKEW_MS, bound);
        set_err(err, 403, "InvalidSignatureException", "RequestTimeTooSkewed",
                "Signature not yet current: %s is still later than %s (%s + 15 min.)", s->amz_date,
                bound, now);
        return OT_EINVAL;
    }
    return OT_OK;
}

int ot_sigv4_verify(const ot_req *req, const ot_sigv4_scope *scope, const char *secret_key,
                    int64_t now_ms, ot_sigv4_error *err)
{
    char sig[65];
    int rc = check_clock(scope, now_ms, err);
    if (rc)
        return rc;
    if ((rc = check_declared_payload(req, scope, err)))
        return rc;
    rc = ot_sigv4_sign(req, scope, secret_key, sig);
    if (rc) {
        /* Only an over-long canonical request gets here: treat it as a bad signature. */
        set_err(err, 403, "InvalidSignatureException", "SignatureDoesNotMatch", "%s", MSG_MISMATCH);
        return OT_EINVAL;
    }
    if (strlen(scope->signature) != 64 || CRYPTO_memcmp(sig, scope->signature, 64) != 0) {
        set_err(err, 403, "InvalidSignatureException", "SignatureDoesNotMatch", "%s", MSG_MISMATCH);
        return OT_EINVAL;
    }
    return OT_OK;
}
