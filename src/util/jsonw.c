/* jsonw.c — compact JSON writer. */
#include "util/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void ot_jw_init(ot_jw *w, ot_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

int ot_jw_error(const ot_jw *w) { return w->err; }

static void jw_check(ot_jw *w, int rc)
{
    if (rc && !w->err)
        w->err = rc;
}

/* Writes the comma a new value needs, unless it follows its key. */
static void jw_value_start(ot_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        jw_check(w, ot_buf_putc(w->b, ','));
    w->need_comma[w->depth] = true;
}

static void jw_open(ot_jw *w, char open, char close)
{
    jw_value_start(w);
    if (w->depth >= OT_JW_MAX_DEPTH) {
        jw_check(w, OT_ELIMIT);
        return;
    }
    jw_check(w, ot_buf_putc(w->b, open));
    w->depth++;
    w->need_comma[w->depth] = false;
    w->closer[w->depth] = close;
}

void ot_jw_obj(ot_jw *w) { jw_open(w, '{', '}'); }
void ot_jw_arr(ot_jw *w) { jw_open(w, '[', ']'); }

void ot_jw_end(ot_jw *w)
{
    if (w->depth == 0) {
        jw_check(w, OT_EINVAL);
        return;
    }
    jw_check(w, ot_buf_putc(w->b, w->closer[w->depth]));
    w->depth--;
}

int ot_json_escape(ot_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = ot_buf_reserve(b, n + 2);
    if (rc)
        return rc;
    rc = ot_buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = ot_buf_append(b, s + start, i - start);
        char esc[7] = {'\\', 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        if (!rc)
            rc = ot_buf_append(b, esc, elen);
        start = i + 1;
    }
    if (!rc)
        rc = ot_buf_append(b, s + start, n - start);
    if (!rc)
        rc = ot_buf_putc(b, '"');
    return rc;
}

void ot_jw_key(ot_jw *w, const char *key)
{
    jw_value_start(w);
    jw_check(w, ot_json_escape(w->b, key, strlen(key)));
    jw_check(w, ot_buf_putc(w->b, ':'));
    w->after_key = true;
}

void ot_jw_strn(ot_jw *w, const char *s, size_t n)
{
    jw_value_start(w);
    jw_check(w, ot_json_escape(w->b, s, n));
}

void ot_jw_str(ot_jw *w, const char *s)
{
    if (!s) {
        ot_jw_null(w);
        return;
    }
    ot_jw_strn(w, s, strlen(s));
}

void ot_jw_int(ot_jw *w, int64_t v)
{
    jw_value_start(w);
    jw_check(w, ot_buf_printf(w->b, "%lld", (long long)v));
}

void ot_jw_num(ot_jw *w, double v)
{
    jw_value_start(w);
    if (!isfinite(v))
        jw_check(w, ot_buf_puts(w->b, "null"));
    else {
        /* Shortest of %.15g / %.17g that reads back exactly: 1795329283.123, not ...1229999. */
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%.15g", v);
        if (strtod(tmp, NULL) != v)
            snprintf(tmp, sizeof tmp, "%.17g", v);
        jw_check(w, ot_buf_puts(w->b, tmp));
    }
}

void ot_jw_bool(ot_jw *w, bool v)
{
    jw_value_start(w);
    jw_check(w, ot_buf_puts(w->b, v ? "true" : "false"));
}

void ot_jw_null(ot_jw *w)
{
    jw_value_start(w);
    jw_check(w, ot_buf_puts(w->b, "null"));
}

void ot_jw_begin_value(ot_jw *w) { jw_value_start(w); }

void ot_jw_raw(ot_jw *w, const char *json, size_t n)
{
    jw_value_start(w);
    jw_check(w, ot_buf_append(w->b, json, n));
}

void ot_jw_kstr(ot_jw *w, const char *key, const char *s)
{
    ot_jw_key(w, key);
    ot_jw_str(w, s);
}

void ot_jw_kint(ot_jw *w, const char *key, int64_t v)
{
    ot_jw_key(w, key);
    ot_jw_int(w, v);
}

void ot_jw_kbool(ot_jw *w, const char *key, bool v)
{
    ot_jw_key(w, key);
    ot_jw_bool(w, v);
}
