/* s3_xml.c — the XML S3 speaks: escaped writing, url encoding for encoding-type=url, dates,
 * the owner block, and a small reader for the two request bodies we accept
 * (CreateBucketConfiguration, Delete). No DTDs, no namespaces beyond ignoring attributes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/s3_int.h"
#include "util/crypto.h"

void s3_xml_begin(ot_buf *b, const char *root)
{
    ot_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">", root,
                  S3_XMLNS);
}

void s3_xml_end(ot_buf *b, const char *root) { ot_buf_printf(b, "</%s>", root); }

void s3_xml_escape(ot_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '<': ot_buf_puts(b, "&lt;"); break;
        case '>': ot_buf_puts(b, "&gt;"); break;
        case '&': ot_buf_puts(b, "&amp;"); break;
        case '"': ot_buf_puts(b, "&quot;"); break;
        case '\'': ot_buf_puts(b, "&apos;"); break;
        default:
            /* Control characters as references, as S3 does (a parser would drop a raw CR). */
            if (ch < 0x20 || ch == 0x7f)
                ot_buf_printf(b, "&#x%X;", ch);
            else
                ot_buf_putc(b, (char)ch);
        }
    }
}

void s3_url_encode(ot_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == '/') {
            ot_buf_putc(b, (char)ch);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            ot_buf_append(b, e, 3);
        }
    }
}

void s3_xml_elem(ot_buf *b, const char *name, const char *value, bool url)
{
    ot_buf_printf(b, "<%s>", name);
    if (url)
        s3_url_encode(b, value, strlen(value));
    else
        s3_xml_escape(b, value, strlen(value));
    ot_buf_printf(b, "</%s>", name);
}

void s3_xml_elem_u64(ot_buf *b, const char *name, uint64_t v)
{
    ot_buf_printf(b, "<%s>%" PRIu64 "</%s>", name, v, name);
}

/* The canonical user ID is a stable 64-hex digest of the account, as S3's IDs look. */
void s3_owner(ot_buf *b, const char *acct)
{
    char seed[64], id[65];
    uint8_t md[32];
    int n = snprintf(seed, sizeof seed, "opentrail-account:%s", acct);
    ot_sha256(seed, (size_t)n, md);
    ot_hex(md, sizeof md, id);
    ot_buf_puts(b, "<Owner>");
    s3_xml_elem(b, "ID", id, false);
    s3_xml_elem(b, "DisplayName", acct, false);
    ot_buf_puts(b, "</Owner>");
}

void s3_time_iso(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[96];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    snprintf(out, 32, "%.31s", buf);
}

void s3_time_http(int64_t ms, char out[40])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static bool name_ends(char c) { return c == '>' || c == '/' || c == ' ' || c == '\t' ||
                                       c == '\r' || c == '\n'; }

bool s3_xml_find(const char *p, const char *end, const char *tag, const char **in,
                 const char **in_end, const char **after)
{
    size_t tl = strlen(tag);
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt || (size_t)(end - lt) < tl + 2)
            return false;
        if (memcmp(lt + 1, tag, tl) != 0 || !name_ends(lt[1 + tl])) {
            p = lt + 1;
            continue;
        }
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt)
            return false;
        if (gt[-1] == '/') { /* <tag/> */
            *in = *in_end = gt + 1;
            *after = gt + 1;
            return true;
        }
        const char *q = gt + 1;
        while (q < end) {
            const char *c = memchr(q, '<', (size_t)(end - q));
            if (!c || (size_t)(end - c) < tl + 3)
                return false;
            if (c[1] == '/' && memcmp(c + 2, tag, tl) == 0 && c[2 + tl] == '>') {
                *in = gt + 1;
                *in_end = c;
                *after = c + tl + 3;
                return true;
            }
            q = c + 1;
        }
        return false;
    }
    return false;
}

static int put_utf8(char *out, size_t cap, size_t *o, unsigned long cp)
{
    char tmp[4];
    size_t n;
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    if (cp < 0x80) {
        tmp[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | cp >> 6), tmp[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | cp >> 12), tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        tmp[0] = (char)(0xf0 | cp >> 18), tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), tmp[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    }
    if (*o + n >= cap)
        return -1;
    memcpy(out + *o, tmp, n);
    *o += n;
    return 0;
}

long s3_xml_unescape(const char *p, size_t n, char *out, size_t cap)
{
    static const struct { const char *ent; char ch; } ents[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t o = 0;
    if (cap == 0)
        return -1;
    for (size_t i = 0; i < n;) {
        if (p[i] != '&') {
            if (o + 1 >= cap)
                return -1;
            out[o++] = p[i++];
            continue;
        }
        const char *semi = memchr(p + i, ';', n - i);
        if (!semi)
            return -1;
        size_t elen = (size_t)(semi - (p + i)) + 1;
        bool done = false;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0] && !done; e++) {
            if (elen == strlen(ents[e].ent) && memcmp(p + i, ents[e].ent, elen) == 0) {
                if (o + 1 >= cap)
                    return -1;
                out[o++] = ents[e].ch;
                done = true;
            }
        }
        if (!done) {
            if (elen < 4 || p[i + 1] != '#')
                return -1;
            bool hex = p[i + 2] == 'x' || p[i + 2] == 'X';
            unsigned long cp = 0;
            for (size_t k = i + (hex ? 3 : 2); k < i + elen - 1; k++) {
                char d = p[k];
                int v = d >= '0' && d <= '9' ? d - '0'
                        : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                        : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10 : -1;
                if (v < 0 || cp > 0x10ffff)
                    return -1;
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
            }
            if (put_utf8(out, cap, &o, cp))
                return -1;
        }
        i += elen;
    }
    out[o] = '\0';
    return (long)o;
}
