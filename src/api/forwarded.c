/* forwarded.c — Forwarded (RFC 7239) and X-Forwarded-For, read from the right (forwarded.h).
 *
 * Grammar (RFC 7239 section 4, with RFC 7230 tokens and quoted strings):
 *     Forwarded = element *( OWS "," OWS element )
 *     element   = pair *( OWS ";" OWS pair )
 *     pair      = token "=" ( token / quoted-string )
 *     node      = IPv4 [ ":" port ] / "[" IPv6 "]" [ ":" port ] / "unknown" / obfnode
 * An IPv6 node or any node with a port contains ':' or '[', which a token may not: it must be
 * quoted. X-Forwarded-For has no standard; proxies write a comma-separated list of addresses,
 * some with a port. */
#include "api/forwarded.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"

#define NODE_MAX 64 /* "[" IPv6 "]:" port fits */

/* One list entry: bytes of a header value. */
typedef struct span {
    const char *p;
    size_t n;
} span;

/* The last OT_FWD_MAX_HOPS entries of the list. */
typedef struct hops {
    span v[OT_FWD_MAX_HOPS];
    size_t n;     /* entries seen; the kept ones are the last min(n, MAX) */
} hops;

static void hops_add(hops *h, const char *p, size_t n)
{
    h->v[h->n % OT_FWD_MAX_HOPS] = (span){p, n};
    h->n++;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

static bool is_tchar(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static span trim(const char *p, size_t n)
{
    while (n && is_ows(*p))
        p++, n--;
    while (n && is_ows(p[n - 1]))
        n--;
    return (span){p, n};
}

/* Splits a header value at the commas outside quoted strings (an unterminated quote runs to
 * the end: that last entry is then malformed). */
static void split_value(const char *v, hops *h)
{
    const char *start = v;
    bool quoted = false;
    for (const char *p = v;; p++) {
        if (quoted && *p == '\\' && p[1])
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if ((*p == ',' && !quoted) || !*p) {
            span s = trim(start, (size_t)(p - start));
            if (s.n)
                hops_add(h, s.p, s.n);
            if (!*p)
                return;
            start = p + 1;
        }
    }
}

/* ---- nodes ------------------------------------------------------------------------------ */

static bool valid_port(const char *p, size_t n)
{
    if (n == 0)
        return false;
    if (p[0] == '_') /* obfuscated port: ALPHA / DIGIT / "." / "_" / "-" */
        return true;
    if (n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    return true;
}

/* "[v6]" or "[v6]:port". */
static int bracketed_node(const char *p, size_t n, ot_ip *out)
{
    const char *close = memchr(p, ']', n);
    if (!close)
        return OT_EINVAL;
    size_t after = n - (size_t)(close + 1 - p);
    if (after && (close[1] != ':' || !valid_port(close + 2, after - 1)))
        return OT_EINVAL;
    if (ot_ip_parse(p + 1, (size_t)(close - p - 1), out) || out->family != 6)
        return OT_EINVAL;
    return OT_OK;
}

/* An address with an optional port; bare IPv6 only where allow_bare_v6 (X-Forwarded-For). */
static int parse_node(const char *p, size_t n, bool allow_bare_v6, ot_ip *out)
{
    if (n && p[0] == '[')
        return bracketed_node(p, n, out);
    const char *colon = memchr(p, ':', n);
    if (!colon || memchr(colon + 1, ':', n - (size_t)(colon + 1 - p))) {
        if (colon && !allow_bare_v6)
            return OT_EINVAL;
        return ot_ip_parse(p, n, out);
    }
    /* exactly one ':': IPv4 and a port */
    size_t hostlen = (size_t)(colon - p);
    if (!valid_port(colon + 1, n - hostlen - 1) || ot_ip_parse(p, hostlen, out) ||
        out->family != 4)
        return OT_EINVAL;
    return OT_OK;
}

/* ---- Forwarded pairs -------------------------------------------------------------------- */

/* Reads a quoted string at *p (past its opening quote) into out; *p ends past the closing one. */
static int unquote(const char **p, const char *end, char *out, size_t cap, size_t *outlen)
{
    size_t o = 0;
    const char *s = *p;
    while (s < end && *s != '"') {
        if (*s == '\\' && s + 1 < end)
            s++;
        if (o + 1 >= cap)
            return OT_EINVAL;
        out[o++] = *s++;
    }
    if (s >= end)
        return OT_EINVAL;
    *p = s + 1;
    *outlen = o;
    return OT_OK;
}

/* Reads one pair's value at *p into out (token or quoted string). */
static int pair_value(const char **p, const char *end, char *out, size_t cap, size_t *outlen)
{
    if (*p < end && **p == '"') {
        (*p)++;
        return unquote(p, end, out, cap, outlen);
    }
    size_t o = 0;
    while (*p < end && is_tchar(**p)) {
        if (o + 1 >= cap)
            return OT_EINVAL;
        out[o++] = *(*p)++;
    }
    *outlen = o;
    return o ? OT_OK : OT_EINVAL;
}

/* The for= node of one Forwarded element; OT_EINVAL if it is malformed or has none. */
static int element_for(span e, ot_ip *out)
{
    const char *p = e.p, *end = e.p + e.n;
    bool found = false;
    int rc = OT_EINVAL;
    for (;;) {
        const char *name = p;
        while (p < end && is_tchar(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        if (!nlen || p >= end || *p++ != '=')
            return OT_EINVAL;
        char value[NODE_MAX];
        size_t vlen;
        if (pair_value(&p, end, value, sizeof value, &vlen))
            return OT_EINVAL;
        if (nlen == 3 && !strncasecmp(name, "for", 3)) {
            if (found)
                return OT_EINVAL; /* two for= in one element: which one? */
            found = true;
            rc = parse_node(value, vlen, false, out);
        }
        while (p < end && is_ows(*p))
            p++;
        if (p >= end)
            return found ? rc : OT_EINVAL;
        if (*p++ != ';')
            return OT_EINVAL;
        while (p < end && is_ows(*p))
            p++;
    }
}

/* ---- the pick --------------------------------------------------------------------------- */

static int entry_node(ot_fwd_kind kind, span e, ot_ip *out)
{
    if (kind == OT_FWD_FORWARDED)
        return element_for(e, out);
    return parse_node(e.p, e.n, true, out);
}

int ot_forwarded_pick(ot_fwd_kind kind, const char *const *values, size_t nvalues,
                      const ot_cidr_list *trusted, ot_ip *out)
{
    hops h = {.n = 0};
    for (size_t i = 0; i < nvalues; i++)
        split_value(values[i], &h);
    if (!h.n)
        return OT_ENOTFOUND;
    size_t kept = h.n < OT_FWD_MAX_HOPS ? h.n : OT_FWD_MAX_HOPS;
    for (size_t k = 0; k < kept; k++) {
        span e = h.v[(h.n - 1 - k) % OT_FWD_MAX_HOPS];
        if (entry_node(kind, e, out))
            return OT_EINVAL;
        if (!ot_cidr_list_contains(trusted, out))
            return OT_OK;
    }
    return OT_OK; /* every hop is a trusted proxy: the left-most one we read is the client */
}

/* The values of every header line called name, in order. */
static size_t header_values(const ot_req *req, const char *name, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < req->nheaders && n < cap; i++)
        if (!strcmp(req->headers[i].name, name))
            out[n++] = req->headers[i].value;
    return n;
}

int ot_forwarded_client(const ot_req *req, const ot_cidr_list *trusted, ot_ip *out)
{
    const char *values[OT_MAX_HEADERS];
    size_t n = header_values(req, "forwarded", values, OT_MAX_HEADERS);
    if (n)
        return ot_forwarded_pick(OT_FWD_FORWARDED, values, n, trusted, out);
    n = header_values(req, "x-forwarded-for", values, OT_MAX_HEADERS);
    return ot_forwarded_pick(OT_FWD_XFF, values, n, trusted, out);
}
