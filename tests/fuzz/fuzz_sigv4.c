/* fuzz_sigv4.c — SigV4 on untrusted requests (src/api/sigv4.c): the Authorization header and
 * presigned-query parsers, the canonical request (path, query, headers, payload) and the
 * verification around them.
 *
 * The input is a request in a small text form, close to what arrives on the wire:
 *     METHOD SP PATH[?QUERY] LF
 *     name: value LF            (up to OT_MAX_HEADERS header lines; names lowercased as the
 *     ...                        HTTP layer does)
 *     LF
 *     body
 * Every request is parsed; one that parses is verified with a fixed secret at its own
 * X-Amz-Date (so the canonicalisation always runs), and then signed with that secret: the
 * request with that signature must verify, a parsed scope must hold a valid region, and
 * nothing may crash, leak or be undefined. */
#define _GNU_SOURCE /* timegm */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/sigv4.h"
#include "util/buf.h"
#include "util/region.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

typedef struct fuzz_req {
    ot_req req;
    char *text;   /* the input, NUL-terminated, cut into the pieces req points at */
    char *body;   /* body copy with OT_BUF_PAD bytes of NULs after it */
    char *auth;   /* replacement authorization value for the re-signed check */
} fuzz_req;

/* Cuts the line at *p (up to LF or the end) and advances past it. */
static char *next_line(char **p)
{
    char *s = *p, *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

static void parse_request_line(fuzz_req *f, char *line)
{
    char *sp = strchr(line, ' ');
    f->req.method = line;
    f->req.raw_path = "/";
    f->req.raw_query = "";
    if (!sp)
        return;
    *sp = '\0';
    char *path = sp + 1, *q = strchr(path, '?');
    if (q) {
        *q = '\0';
        f->req.raw_query = q + 1;
    }
    f->req.raw_path = path;
}

static void parse_headers(fuzz_req *f, char **p)
{
    while (**p && f->req.nheaders < OT_MAX_HEADERS) {
        char *line = next_line(p);
        if (!*line)
            break;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        for (char *c = line; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        f->req.headers[f->req.nheaders].name = line;
        f->req.headers[f->req.nheaders].value = v;
        f->req.nheaders++;
    }
}

static int build(fuzz_req *f, const uint8_t *data, size_t size)
{
    memset(f, 0, sizeof *f);
    f->text = malloc(size + 1);
    if (!f->text)
        return -1;
    memcpy(f->text, data, size);
    f->text[size] = '\0'; /* an embedded NUL ends the request early, as a C string would */
    char *p = f->text;
    parse_request_line(f, next_line(&p));
    parse_headers(f, &p);
    size_t blen = strlen(p);
    f->body = calloc(1, blen + OT_BUF_PAD + 1);
    if (!f->body)
        return -1;
    memcpy(f->body, p, blen);
    f->req.body = f->body;
    f->req.body_len = blen;
    return 0;
}

static void release(fuzz_req *f)
{
    free(f->text);
    free(f->body);
    free(f->auth);
}

/* Milliseconds of a "yyyymmddThhmmssZ" that ot_sigv4_parse accepted (so it is well formed). */
static int64_t amz_ms(const char *s)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        abort();
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    return (int64_t)timegm(&tm) * 1000;
}

static bool same_scope(const ot_sigv4_scope *a, const ot_sigv4_scope *b)
{
    return !strcmp(a->access_key, b->access_key) && !strcmp(a->date, b->date) &&
           !strcmp(a->region, b->region) && !strcmp(a->service, b->service) &&
           !strcmp(a->amz_date, b->amz_date) && !strcmp(a->signed_headers, b->signed_headers);
}

/* Puts our own signature into the header form's Authorization, which must then verify. */
static void check_resigned(fuzz_req *f, const ot_sigv4_scope *s, const char *sig, int64_t now)
{
    size_t ai = f->req.nheaders;
    for (size_t i = 0; i < f->req.nheaders; i++)
        if (!strcmp(f->req.headers[i].name, "authorization"))
            ai = i;
    if (s->presigned || ai == f->req.nheaders)
        return;
    ot_buf b;
    ot_buf_init(&b, 0);
    if (ot_buf_printf(&b, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
                          "SignedHeaders=%s, Signature=%s", s->access_key, s->date, s->region,
                      s->service, s->signed_headers, sig)) {
        ot_buf_free(&b);
        return;
    }
    f->auth = ot_buf_take(&b, NULL);
    f->req.headers[ai].value = f->auth;
    ot_sigv4_scope s2;
    ot_sigv4_error err;
    /* A repeated authorization header, or a signed one, is part of what is signed: skip. */
    for (size_t i = 0; i < f->req.nheaders; i++)
        if (i != ai && !strcmp(f->req.headers[i].name, "authorization"))
            return;
    if (strstr(s->signed_headers, "authorization"))
        return;
    /* The same scope (a key holding ',' or ' ' may parse differently once re-joined) gives the
     * same canonical request, so our own signature of it must verify. */
    if (ot_sigv4_parse(&f->req, &s2, &err) != 0 || !same_scope(s, &s2))
        return;
    if (ot_sigv4_verify(&f->req, &s2, SECRET, now, &err) != 0 &&
        strcmp(err.xml_code, "SignatureDoesNotMatch") == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    fuzz_req f;
    if (build(&f, data, size) == 0) {
        ot_sigv4_scope s;
        ot_sigv4_error err;
        if (ot_sigv4_parse(&f.req, &s, &err) == 0) {
            if (!ot_region_valid(s.region))
                abort();
            int64_t now = amz_ms(s.amz_date);
            (void)ot_sigv4_verify(&f.req, &s, SECRET, now, &err);
            char sig[65];
            if (ot_sigv4_sign(&f.req, &s, SECRET, sig) == 0)
                check_resigned(&f, &s, sig, now);
        }
    }
    release(&f);
    return 0;
}
