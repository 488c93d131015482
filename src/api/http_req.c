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

long ot_percent_decode(const char *in, size_t n, char *out, size_t outcap)
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

int ot_req_query(const ot_req *r, const char *name, char *out, size_t outcap)
{
    const char *p = r->raw_query ? r->raw_query : "";
    size_t nlen = strlen(name);
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t plen = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        char key[256];
        long kl = klen < sizeof key ? ot_percent_decode(p, klen, key, sizeof key) : -1;
        if (kl >= 0 && (size_t)kl == nlen && !memcmp(key, name, nlen)) {
            const char *v = eq ? eq + 1 : p + plen;
            size_t vlen = eq ? plen - klen - 1 : 0;
            return ot_percent_decode(v, vlen, out, outcap) < 0 ? OT_ELIMIT : OT_OK;
        }
        p += plen;
        if (*p == '&')
            p++;
    }
    return OT_ENOTFOUND;
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
