/* filter_scan_int.h — the scan of a JSON event's value strings that the prefilters share
 * (filter_prefilter.c, filter_set.c). Inline, so that each caller's visit is inlined into the
 * loop: it runs once per string of every event. */
#ifndef OT_FILTER_SCAN_INT_H
#define OT_FILTER_SCAN_INT_H

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Calls visit(ctx, msg, start, len) for each JSON string of msg that is no member name
 * (directly followed by ':'), until visit returns true. Returns 1 if a visit returned true, 0
 * at the end, -1 at a backslash (escapes: raw bytes are not the values, nothing can be said). */
typedef bool (*flt_string_visit)(void *ctx, const char *msg, size_t start, size_t len);

static inline int flt_quote_at(const char *msg, size_t len, size_t q, size_t *start,
                           flt_string_visit visit, void *ctx)
{
    if (*start == SIZE_MAX) {
        *start = q + 1;
        return 0;
    }
    size_t from = *start;
    *start = SIZE_MAX;
    return !(q + 1 < len && msg[q + 1] == ':') && visit(ctx, msg, from, q - from);
}

static inline int flt_scan_strings(const char *msg, size_t len, flt_string_visit visit,
                                   void *ctx)
{
    size_t start = SIZE_MAX, i = 0; /* start: SIZE_MAX outside a string */
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(msg + i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash)))
            return -1;
        for (unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)); m; m &= m - 1)
            if (flt_quote_at(msg, len, i + (size_t)__builtin_ctz(m), &start, visit, ctx))
                return 1;
    }
#endif
    for (; i < len; i++) {
        if (msg[i] == '\\')
            return -1;
        if (msg[i] == '"' && flt_quote_at(msg, len, i, &start, visit, ctx))
            return 1;
    }
    return 0;
}

#endif
