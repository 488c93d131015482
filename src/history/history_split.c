/* history_split.c — find CloudTrail records in a stream of JSON, chunk by chunk.
 *
 * A byte scanner that tracks strings and the open brackets only (simdjson validates each record
 * later). The framing is learnt from the stream: '[' at the top makes its objects records; an
 * object at the top is an envelope if one of its members is "Records": [...] (then that array's
 * objects are records, and the envelope itself is never held in memory), else it is a record
 * itself (NDJSON, concatenated objects). */
#include "history/import.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

void ot_hsplit_init(ot_hsplit *s)
{
    memset(s, 0, sizeof *s);
    s->rec_start = s->obj_start = s->key_start = -1;
}

static int fail(ot_hsplit *s, const char *why, size_t at)
{
    snprintf(s->err, sizeof s->err, "%s (after %llu records)", why,
             (unsigned long long)s->records);
    (void)at;
    return OT_EINVAL;
}

static int open_bracket(ot_hsplit *s, char ch, size_t i)
{
    if (ch == '{' && s->rec_start < 0 &&
        ((s->top_array && s->depth == 1) || (s->in_records && s->depth == 2)))
        s->rec_start = (long long)i;
    if (s->depth == 0) {
        if (ch == '[') {
            s->top_array = true;
        } else {
            s->top_obj = true;
            s->envelope = false;
            s->obj_start = (long long)i;
            s->key[0] = '\0';
        }
    } else if (s->depth == 1 && s->top_obj && !s->envelope && ch == '[' &&
               !strcmp(s->key, "Records")) {
        s->envelope = s->in_records = true;
        s->obj_start = -1; /* the envelope is never needed whole */
    }
    if (s->depth >= OT_HSPLIT_MAX_DEPTH)
        return fail(s, "JSON nested too deeply", i);
    uint8_t bit = (uint8_t)(1u << (s->depth % 8));
    if (ch == '[')
        s->arrays[s->depth / 8] |= bit;
    else
        s->arrays[s->depth / 8] &= (uint8_t)~bit;
    s->depth++;
    return OT_OK;
}

static int close_bracket(ot_hsplit *s, char ch, size_t i, const char *d, ot_hsplit_fn fn,
                         void *ctx)
{
    if (s->depth == 0)
        return fail(s, "unbalanced JSON: unexpected closing bracket", i);
    /* A record must end with the bracket that opened it, or its span would be wrong. */
    bool array = s->arrays[(s->depth - 1) / 8] & (1u << ((s->depth - 1) % 8));
    if (array != (ch == ']'))
        return fail(s, "unbalanced JSON: mismatched closing bracket", i);
    s->depth--;
    int rc = OT_OK;
    if (ch == '}' && s->rec_start >= 0 &&
        ((s->top_array && s->depth == 1) || (s->in_records && s->depth == 2))) {
        s->records++;
        rc = fn(ctx, d + s->rec_start, i + 1 - (size_t)s->rec_start);
        s->rec_start = -1;
    } else if (ch == ']' && s->in_records && s->depth == 1) {
        s->in_records = false;
    }
    if (s->depth == 0) {
        if (s->top_obj && !s->envelope && s->obj_start >= 0) {
            s->records++;
            rc = fn(ctx, d + s->obj_start, i + 1 - (size_t)s->obj_start);
        }
        s->top_obj = s->top_array = s->envelope = s->in_records = false;
        s->obj_start = -1;
    }
    return rc;
}

/* Skips to the end of a string quickly: most bytes are neither '"' nor '\\'. */
static size_t scan_string(ot_hsplit *s, const char *d, size_t i, size_t n)
{
    while (i < n) {
        if (s->esc) {
            s->esc = false;
            i++;
            continue;
        }
        const char *q = memchr(d + i, '"', n - i);
        const char *b = memchr(d + i, '\\', (q ? (size_t)(q - d) : n) - i);
        if (b) {
            s->esc = true;
            i = (size_t)(b - d) + 1;
            continue;
        }
        if (!q)
            return n;
        s->in_str = false;
        if (s->track_key) {
            size_t kl = (size_t)(q - d) - (size_t)s->key_start;
            if (kl >= sizeof s->key)
                kl = 0; /* longer than any key we look for */
            memcpy(s->key, d + s->key_start, kl);
            s->key[kl] = '\0';
            s->key_start = -1;
        }
        return (size_t)(q - d) + 1;
    }
    return n;
}

static void compact(ot_hsplit *s, ot_buf *win)
{
    long long keep = (long long)s->pos;
    if (s->rec_start >= 0 && s->rec_start < keep)
        keep = s->rec_start;
    if (s->obj_start >= 0 && s->obj_start < keep)
        keep = s->obj_start;
    if (s->key_start >= 0 && s->key_start < keep)
        keep = s->key_start;
    if (keep <= 0)
        return;
    memmove(win->data, win->data + keep, win->len - (size_t)keep);
    win->len -= (size_t)keep;
    win->data[win->len] = '\0';
    s->pos -= (size_t)keep;
    if (s->rec_start >= 0)
        s->rec_start -= keep;
    if (s->obj_start >= 0)
        s->obj_start -= keep;
    if (s->key_start >= 0)
        s->key_start -= keep;
}

int ot_hsplit_feed(ot_hsplit *s, ot_buf *win, ot_hsplit_fn fn, void *ctx)
{
    const char *d = win->data;
    size_t n = win->len, i = s->pos;
    int rc = OT_OK;
    while (!rc && i < n) {
        if (s->in_str) {
            i = scan_string(s, d, i, n);
            continue;
        }
        char ch = d[i];
        switch (ch) {
        case '"':
            s->in_str = true;
            s->track_key = s->depth == 1 && s->top_obj && !s->envelope;
            s->key_start = s->track_key ? (long long)i + 1 : -1;
            break;
        case '{':
        case '[':
            rc = open_bracket(s, ch, i);
            break;
        case '}':
        case ']':
            rc = close_bracket(s, ch, i, d, fn, ctx);
            break;
        case ' ': case '\t': case '\r': case '\n': case ',':
            break;
        default:
            if (s->depth == 0)
                rc = fail(s, "not JSON: expected an object or an array", i);
        }
        i++;
    }
    s->pos = i;
    if (rc)
        return rc;
    compact(s, win);
    if (win->len > OT_HSPLIT_MAX_RECORD)
        return fail(s, "a record is larger than 64 MiB", i);
    return OT_OK;
}

int ot_hsplit_finish(ot_hsplit *s, const ot_buf *win)
{
    (void)win;
    if (s->in_str || s->depth > 0) {
        snprintf(s->err, sizeof s->err, "truncated JSON: the file ends inside %s (after %llu "
                 "records)", s->rec_start >= 0 || (s->top_obj && !s->envelope) ? "a record"
                 : "the Records array", (unsigned long long)s->records);
        return OT_ETORN;
    }
    return OT_OK;
}
