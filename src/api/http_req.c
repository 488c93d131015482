/* http_req.c — accessors on ot_req / ot_resp shared by every service handler. */
#include "api/http.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/uri.h"

const char *ot_req_header(const ot_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcmp(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

bool ot_req_is_probe(const ot_req *r, const char *path)
{
    return (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) &&
           !strcmp(r->raw_path, path) && r->raw_query[0] == '\0' &&
           !ot_req_header(r, "authorization");
}

/* Percent-decoding; with form, '+' is a space (application/x-www-form-urlencoded). */
static long decode(const char *in, size_t n, bool form, char *out, size_t outcap)
{
    size_t o = 0;
    if (outcap == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= n || (hi = ot_hexval(in[i + 1])) < 0 || (lo = ot_hexval(in[i + 2])) < 0) {
                out[o < outcap ? o : outcap - 1] = '\0';
                return -1;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && form) {
            c = ' ';
        }
        if (o + 1 >= outcap) {
            out[outcap - 1] = '\0';
            return -1;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

long ot_percent_decode(const char *in, size_t n, char *out, size_t outcap)
{
    return decode(in, n, false, out, outcap);
}

int ot_form_param(const char *s, size_t n, const char *name, bool form, char *out,
                  size_t outcap)
{
    size_t nlen = strlen(name);
    const char *end = s + n;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        size_t plen = amp ? (size_t)(amp - s) : (size_t)(end - s);
        const char *eq = memchr(s, '=', plen);
        size_t klen = eq ? (size_t)(eq - s) : plen;
        char key[256];
        long kl = klen < sizeof key ? decode(s, klen, form, key, sizeof key) : -1;
        if (kl >= 0 && (size_t)kl == nlen && !memcmp(key, name, nlen)) {
            const char *v = eq ? eq + 1 : s + plen;
            size_t vlen = eq ? plen - klen - 1 : 0;
            long vl = decode(v, vlen, form, out, outcap);
            if (vl < 0 || (form && memchr(out, '\0', (size_t)vl)))
                return OT_ELIMIT;
            return OT_OK;
        }
        s += plen + (amp ? 1 : 0);
    }
    return OT_ENOTFOUND;
}

int ot_req_query(const ot_req *r, const char *name, char *out, size_t outcap)
{
    const char *q = r->raw_query ? r->raw_query : "";
    return ot_form_param(q, strlen(q), name, false, out, outcap);
}

void ot_resp_init(ot_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    resp->file_fd = -1;
    ot_buf_init(&resp->body, 0);
}

void ot_resp_free(ot_resp *resp)
{
    for (size_t i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    resp->nheaders = 0;
    ot_buf_free(&resp->body);
    free(resp->audit_params);
    resp->audit_params = NULL;
}

int ot_resp_header(ot_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders >= sizeof resp->headers / sizeof resp->headers[0])
        return OT_ELIMIT;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return OT_ENOMEM;
    }
    resp->headers[resp->nheaders].name = n;
    resp->headers[resp->nheaders].value = v;
    resp->nheaders++;
    return OT_OK;
}
