/* sign.c — the SigV4 signing core (see sign.h). */
#include "aws/sign.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/crypto.h"
#include "util/err.h"
#include "util/uri.h"

#define CANON_MAX (1024 * 1024) /* cap on a canonical request built from untrusted input */
#define QUERY_MAX_PARAMS 1000

bool ot_aws_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

void ot_aws_amz_date(int64_t ms, char out[17])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- query ----------------------------------------------------------------------------- */

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
    size_t dlen = ot_pct_decode(raw, n, dec);
    int rc = ot_uri_encode(&b, dec, dlen, false);
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

/* Splits one "name=value" of len bytes into p (re-encoded). */
static int qparam_set(qparam *p, const char *q, size_t len)
{
    const char *eq = memchr(q, '=', len);
    size_t klen = eq ? (size_t)(eq - q) : len;
    p->name = reencode(q, klen);
    p->value = eq ? reencode(eq + 1, len - klen - 1) : strdup("");
    return p->name && p->value ? OT_OK : OT_ENOMEM;
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
        if (len > 0) {
            rc = qparam_set(&p[n++], q, len);
            if (rc)
                goto out;
            if (presigned && strcmp(p[n - 1].name, "X-Amz-Signature") == 0) {
                n--;
                free(p[n].name);
                free(p[n].value);
                p[n].name = p[n].value = NULL;
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

/* ---- URI and headers ------------------------------------------------------------------- */

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
        rc = ot_uri_encode(out, norm.data, norm.len, true);
    ot_buf_free(&norm);
    return rc;
}

static int put_trimmed(ot_buf *out, const char *v)
{
    bool first = true;
    const unsigned char *p = (const unsigned char *)v;
    while (*p) {
        while (*p && ot_aws_space(*p))
            p++;
        const unsigned char *start = p;
        while (*p && !ot_aws_space(*p))
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

static int canonical_header(ot_buf *out, const ot_aws_canon *c, const char *name, size_t nlen)
{
    int rc = ot_buf_append(out, name, nlen);
    if (rc || (rc = ot_buf_putc(out, ':')))
        return rc;
    bool first = true;
    for (size_t i = 0; i < c->nheaders && !rc; i++) {
        const char *hn = c->headers[i].name;
        if (!hn || strlen(hn) != nlen || memcmp(hn, name, nlen) != 0)
            continue;
        if (!first)
            rc = ot_buf_putc(out, ',');
        if (!rc)
            rc = put_trimmed(out, c->headers[i].value ? c->headers[i].value : "");
        first = false;
    }
    return rc ? rc : ot_buf_putc(out, '\n');
}

static int canonical_headers(ot_buf *out, const ot_aws_canon *c)
{
    const char *p = c->signed_headers;
    while (*p) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        int rc = canonical_header(out, c, p, len);
        if (rc)
            return rc;
        if (!semi)
            break;
        p = semi + 1;
    }
    return OT_OK;
}

int ot_aws_canonical_request(ot_buf *cr, const ot_aws_canon *c)
{
    int rc = ot_buf_printf(cr, "%s\n", c->method ? c->method : "");
    if (!rc) rc = canonical_uri(cr, c->path, c->s3);
    if (!rc) rc = ot_buf_putc(cr, '\n');
    if (!rc) rc = canonical_query(cr, c->query ? c->query : "", c->presigned);
    if (!rc) rc = ot_buf_putc(cr, '\n');
    if (!rc) rc = canonical_headers(cr, c);
    if (!rc) rc = ot_buf_printf(cr, "\n%s\n%s", c->signed_headers, c->payload_hash);
    return rc;
}

/* ---- signature ------------------------------------------------------------------------- */

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
static int signing_key(const ot_aws_scope *s, const char *secret_key, uint8_t k[32])
{
    size_t slen = strlen(secret_key);
    char *kin = malloc(slen + 5);
    if (!kin)
        return OT_ENOMEM;
    memcpy(kin, "AWS4", 4);
    memcpy(kin + 4, secret_key, slen + 1);
    ot_hmac_sha256(kin, slen + 4, s->date, strlen(s->date), k);
    OPENSSL_cleanse(kin, slen + 5);
    free(kin);
    ot_hmac_sha256(k, 32, s->region, strlen(s->region), k);
    ot_hmac_sha256(k, 32, s->service, strlen(s->service), k);
    ot_hmac_sha256(k, 32, "aws4_request", 12, k);
    return OT_OK;
}

int ot_aws_signature(const char *canonical, size_t len, const ot_aws_scope *scope,
                     const char *secret_key, char signature_hex[65])
{
    uint8_t h[32], k[32];
    char crhex[65];
    ot_sha256(canonical, len, h);
    ot_hex(h, 32, crhex);
    ot_buf sts;
    ot_buf_init(&sts, 1024);
    int rc = ot_buf_printf(&sts, OT_AWS_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s",
                           scope->amz_date, scope->date, scope->region, scope->service, crhex);
    if (!rc)
        rc = signing_key(scope, secret_key, k);
    if (!rc) {
        ot_hmac_sha256(k, 32, sts.data, sts.len, h);
        OPENSSL_cleanse(k, sizeof k);
        ot_hex(h, 32, signature_hex);
    }
    ot_buf_free(&sts);
    return rc;
}

int ot_aws_sign_canon(const ot_aws_canon *c, const ot_aws_scope *scope, const char *secret_key,
                      char signature_hex[65])
{
    ot_buf cr;
    ot_buf_init(&cr, CANON_MAX);
    int rc = ot_aws_canonical_request(&cr, c);
    if (!rc)
        rc = ot_aws_signature(cr.data, cr.len, scope, secret_key, signature_hex);
    ot_buf_free(&cr);
    return rc;
}
