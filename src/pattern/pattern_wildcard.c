/* pattern_wildcard.c — EventBridge's wildcard operand: '*' matches any run of characters
 * (none included); "\*" is a literal star and "\\" a literal backslash; any other escape, and
 * two stars in a row, are refused, in event-ruler's words.
 *
 * A checked operand is compiled to its literal segments (unescaped) between the stars, and
 * matched by finding each segment leftmost after the previous one: right for globs whose only
 * metacharacter is '*', and linear in the value, so no operand makes a long value slow (a
 * backtracking glob is quadratic). */
#include <stdio.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"

int pt_wildcard_check(const char *s, size_t n, char *msg, size_t msgcap)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            if (i + 1 >= n || (s[i + 1] != '*' && s[i + 1] != '\\')) {
                snprintf(msg, msgcap, "Invalid escape character at pos %zu", i);
                return OT_EINVAL;
            }
            i++;
        } else if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
            snprintf(msg, msgcap, "Consecutive wildcard characters at pos %zu", i);
            return OT_EINVAL;
        }
    }
    return 0;
}

/* The compiled form: a flags byte (1: a leading star, 2: a trailing one), a uint32 count of
 * segments, then each segment as a uint32 length and its bytes. */
enum { WC_LEAD = 1, WC_TRAIL = 2 };

static void put_u32(char *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static uint32_t get_u32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

size_t pt_wildcard_compile(const char *w, size_t wn, char *out)
{
    size_t k = 5, seg = 0, nseg = 0; /* seg: where the current segment's length goes */
    bool open = false;
    out[0] = 0;
    for (size_t i = 0; i < wn; i++) {
        if (w[i] == '*') {
            if (i == 0)
                out[0] |= WC_LEAD;
            if (i == wn - 1)
                out[0] |= WC_TRAIL;
            if (open)
                put_u32(out + seg, (uint32_t)(k - seg - 4)), open = false;
            continue;
        }
        if (!open) {
            seg = k, k += 4, nseg++, open = true;
        }
        if (w[i] == '\\')
            i++;
        out[k++] = w[i];
    }
    if (open)
        put_u32(out + seg, (uint32_t)(k - seg - 4));
    put_u32(out + 1, (uint32_t)nseg);
    return k;
}

size_t pt_wildcard_compiled_max(size_t wn) { return 5 + 5 * wn; }

bool pt_wildcard_match(const char *c, const char *v, size_t vn)
{
    uint8_t flags = (uint8_t)c[0];
    uint32_t nseg = get_u32(c + 1);
    const char *p = c + 5;
    if (nseg == 0)
        return flags || vn == 0; /* "*" matches anything; "" only "" */
    size_t pos = 0, end = vn;
    uint32_t first = 0, last = nseg;
    if (!(flags & WC_LEAD)) { /* the first segment is a prefix */
        uint32_t n = get_u32(p);
        if (n > vn || memcmp(v, p + 4, n))
            return false;
        pos = n, p += 4 + n, first = 1;
        if (nseg == 1 && !(flags & WC_TRAIL))
            return pos == vn; /* no star at all: the whole value */
    }
    if (!(flags & WC_TRAIL) && first < nseg) { /* the last segment is a suffix */
        const char *q = p;
        for (uint32_t i = first; i + 1 < nseg; i++)
            q += 4 + get_u32(q);
        uint32_t n = get_u32(q);
        if (n > vn - pos || memcmp(v + vn - n, q + 4, n))
            return false;
        end = vn - n, last = nseg - 1;
    }
    for (uint32_t i = first; i < last; i++) { /* the middle ones, leftmost, in order */
        uint32_t n = get_u32(p);
        const char *hit = memmem(v + pos, end - pos, p + 4, n);
        if (!hit)
            return false;
        pos = (size_t)(hit - v) + n;
        p += 4 + n;
    }
    return true;
}

size_t pt_wildcard_head(const char *c, const char **seg)
{
    if ((uint8_t)c[0] & WC_LEAD || get_u32(c + 1) == 0)
        return 0;
    *seg = c + 9;
    return get_u32(c + 5);
}

size_t pt_wildcard_tail(const char *c, const char **seg)
{
    uint32_t nseg = get_u32(c + 1);
    if ((uint8_t)c[0] & WC_TRAIL || nseg == 0)
        return 0;
    const char *p = c + 5;
    for (uint32_t i = 0; i + 1 < nseg; i++)
        p += 4 + get_u32(p);
    *seg = p + 4;
    return get_u32(p);
}
