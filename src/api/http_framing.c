/* http_framing.c — refuse requests whose length two parsers could read differently. */
#include "api/http_framing.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

void ot_framing_init(ot_framing *f)
{
    memset(f, 0, sizeof *f);
}

/* Skips optional whitespace (RFC 9110 OWS). */
static const char *ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A Content-Length value: 1*DIGIT, or a list of identical ones ("5, 5", which RFC 9110 §8.6 lets
 * a recipient accept). Returns false on anything else. */
static bool parse_content_length(const char *v, uint64_t *out)
{
    bool any = false;
    uint64_t first = 0;
    const char *p = ows(v);
    for (;;) {
        if (!isdigit((unsigned char)*p))
            return false;
        uint64_t n = 0;
        for (; isdigit((unsigned char)*p); p++) {
            uint64_t digit = (uint64_t)(*p - '0');
            if (n > (UINT64_MAX - digit) / 10)
                return false;
            n = n * 10 + digit;
        }
        if (any && n != first)
            return false;
        first = n;
        any = true;
        p = ows(p);
        if (!*p)
            break;
        if (*p != ',')
            return false;
        p = ows(p + 1);
    }
    *out = first;
    return true;
}

static bool is_chunked(const char *v)
{
    const char *p = ows(v);
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n == 7 && !strncasecmp(p, "chunked", 7);
}

void ot_framing_header(ot_framing *f, const char *name, const char *value)
{
    f->nheaders++;
    if (!value)
        value = "";
    if (!strcasecmp(name, "content-length")) {
        uint64_t n;
        if (!parse_content_length(value, &n) || (f->content_lengths && n != f->content_length))
            f->bad_content_length = true;
        else if (!f->content_lengths)
            f->content_length = n;
        f->content_lengths++;
    } else if (!strcasecmp(name, "transfer-encoding")) {
        /* Only chunked is implemented; a list ("gzip, chunked") or a repeat is refused. */
        if (f->transfer_encodings || !is_chunked(value))
            f->bad_transfer_encoding = true;
        f->transfer_encodings++;
    }
}

int ot_framing_verdict(const ot_framing *f, size_t max_headers)
{
    if (f->nheaders > max_headers)
        return 431;
    if (f->bad_content_length || f->bad_transfer_encoding)
        return 400;
    if (f->content_lengths && f->transfer_encodings)
        return 400;
    return 0;
}
