/* sigv4.c — AWS Signature Version 4: parsing, verification and signing of requests.
 *
 * The canonical request, string to sign and signing key come from aws/sign.c, which the
 * outbound AWS client signs with too. This file adds what only a verifier needs: the payload
 * rule (for S3, the x-amz-content-sha256 header as sent if present, for S3 presigned URLs
 * UNSIGNED-PAYLOAD; otherwise, and always for the other services as AWS does, hex SHA-256 of
 * the body), parsing the Authorization header or presigned query, and the clock check.
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

#include "aws/sign.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/region.h"
#include "util/timeutil.h"
#include "util/uri.h"

#define ALGORITHM OT_AWS_ALGORITHM
#define PRESIGN_MAX_EXPIRES 604800 /* one week, as S3 enforces */
#define MSG_BAD_DATE "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""

static const char MSG_MISMATCH[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

/* ---- errors ---------------------------------------------------------------------------- */

static void set_err(ot_sigv4_error *err, int status, const char *json_code, const char *xml_code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The query protocol's name for each JSON-protocol code (AWS common errors: the query services
 * drop the "Exception" suffix and say SignatureDoesNotMatch / InvalidClientTokenId). */
static const char *query_code_of(const char *json_code)
{
    static const char *const map[][2] = {
        {"MissingAuthenticationTokenException", "MissingAuthenticationToken"},
        {"IncompleteSignatureException", "IncompleteSignature"},
        {"InvalidSignatureException", "SignatureDoesNotMatch"},
        {"UnrecognizedClientException", "InvalidClientTokenId"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], json_code))
            return map[i][1];
    return json_code;
}

static void set_err(ot_sigv4_error *err, int status, const char *json_code, const char *xml_code,
                    const char *fmt, ...)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->status = status;
    err->json_code = json_code;
    err->xml_code = xml_code;
    err->query_code = query_code_of(json_code);
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

/* ---- time ------------------------------------------------------------------------------ */

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
    *ms = ((ot_days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec) * 1000;
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
    ot_aws_amz_date(ms, amz);
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
            if (klen < sizeof key && ot_pct_decode(q, klen, key) == nlen && memcmp(key, name, nlen) == 0) {
                size_t vlen = eq ? len - klen - 1 : 0;
                if (vlen >= outcap)
                    return OT_ELIMIT;
                ot_pct_decode(eq ? eq + 1 : q + len, vlen, out);
                return OT_OK;
            }
        }
        q = amp ? amp + 1 : NULL;
    }
    return OT_ENOTFOUND;
}

/* ---- payload --------------------------------------------------------------------------- */

static bool is_sha256_hex(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (ot_hexval((unsigned char)s[i]) < 0)
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

int ot_sigv4_sign(const ot_req *req, const ot_sigv4_scope *scope, const char *secret_key,
                  char signature_hex[65])
{
    ot_aws_kv kv[OT_MAX_HEADERS];
    char hashbuf[65];
    size_t n = req->nheaders < OT_MAX_HEADERS ? req->nheaders : OT_MAX_HEADERS;
    for (size_t i = 0; i < n; i++)
        kv[i] = (ot_aws_kv){req->headers[i].name, req->headers[i].value};
    ot_aws_canon c = {
        .method = req->method, .path = req->raw_path, .query = req->raw_query,
        .headers = kv, .nheaders = n, .signed_headers = scope->signed_headers,
        .payload_hash = payload_hash(req, scope, hashbuf), .s3 = is_s3(scope),
        .presigned = scope->presigned != 0,
    };
    ot_aws_scope sc = {scope->amz_date, scope->date, scope->region, scope->service};
    return ot_aws_sign_canon(&c, &sc, secret_key, signature_hex);
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
    while (n && ot_aws_space((unsigned char)v[n - 1]))
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

/* Signature Version 2 in the query: an S3 presigned URL (AWSAccessKeyId, Expires, Signature)
 * or a signed query-protocol call (AWSAccessKeyId, SignatureVersion=2, Signature). */
static bool has_sigv2_params(const char *q)
{
    char tmp[2];
    return query_get(q, "AWSAccessKeyId", tmp, 0) != OT_ENOTFOUND ||
           query_get(q, "Signature", tmp, 0) != OT_ENOTFOUND;
}

static bool is_sigv2_header(const char *auth) { return !strncmp(auth, "AWS ", 4); }

/* SigV2 is refused with S3's answer in the regions that never had it. */
static int sigv2_refused(ot_sigv4_error *err)
{
    set_err(err, 400, "IncompleteSignatureException", "InvalidRequest",
            "The authorization mechanism you have provided is not supported. Please use "
            "AWS4-HMAC-SHA256.");
    return OT_EINVAL;
}

int ot_sigv4_parse(const ot_req *req, ot_sigv4_scope *scope, ot_sigv4_error *err)
{
    memset(scope, 0, sizeof *scope);
    const char *auth = find_header(req, "authorization");
    const char *q = req->raw_query ? req->raw_query : "";
    bool sigv2_query = has_sigv2_params(q);
    bool presigned = has_presign_params(q) || sigv2_query;
    int rc;
    if (!auth && !presigned) {
        set_err(err, 403, "MissingAuthenticationTokenException", "AccessDenied",
                "Missing Authentication Token");
        if (err)
            err->query_message = "Request is missing Authentication Token";
        return OT_ENOTFOUND;
    }
    if (auth && presigned) {
        set_err(err, 400, "IncompleteSignatureException", "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified");
        return OT_EINVAL;
    }
    if (sigv2_query || (!presigned && is_sigv2_header(auth))) {
        rc = sigv2_refused(err);
    } else if (presigned) {
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
    ot_aws_amz_date(now_ms, now);
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
        ot_aws_amz_date(now_ms - OT_SIGV4_MAX_SKEW_MS, bound);
        set_err(err, 403, "InvalidSignatureException", "RequestTimeTooSkewed",
                "Signature expired: %s is now earlier than %s (%s - 15 min.)", s->amz_date, bound, now);
        return OT_EINVAL;
    }
    if (t > now_ms + OT_SIGV4_MAX_SKEW_MS) {
        ot_aws_amz_date(now_ms + OT_SIGV4_MAX_SKEW_MS, bound);
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
