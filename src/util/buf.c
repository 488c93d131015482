/* buf.c — capped growable buffer. */
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static size_t buf_max(const ot_buf *b) { return b->max ? b->max : SIZE_MAX / 2; }

void ot_buf_init(ot_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void ot_buf_free(ot_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void ot_buf_reset(ot_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int ot_buf_reserve(ot_buf *b, size_t extra)
{
    if (extra > buf_max(b) - b->len)
        return OT_ELIMIT;
    size_t need = b->len + extra;
    if (need <= b->cap && b->data)
        return OT_OK;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap = ncap < SIZE_MAX / 4 ? ncap * 2 : need;
    char *p = realloc(b->data, ncap + OT_BUF_PAD);
    if (!p)
        return OT_ENOMEM;
    memset(p + ncap, 0, OT_BUF_PAD);
    b->data = p;
    b->cap = ncap;
    b->data[b->len] = '\0';
    return OT_OK;
}

int ot_buf_append(ot_buf *b, const void *p, size_t n)
{
    int rc = ot_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return OT_OK;
}

int ot_buf_puts(ot_buf *b, const char *s) { return ot_buf_append(b, s, strlen(s)); }

int ot_buf_putc(ot_buf *b, char c) { return ot_buf_append(b, &c, 1); }

int ot_buf_vprintf(ot_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return OT_EINVAL;
    int rc = ot_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return OT_OK;
}

int ot_buf_printf(ot_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ot_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *ot_buf_take(ot_buf *b, size_t *len)
{
    if (ot_buf_reserve(b, 0))
        return NULL;
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
