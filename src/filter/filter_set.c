/* filter_set.c — many filters matched against one event at once (a log group's metric
 * filters).
 *
 * Checking each filter's literals against every string of the event in turn
 * (filter_prefilter.c) makes a pack of fifteen cost fifteen passes over the strings. A set puts the literals of all its filters into one table
 * at build time: each string of the event is looked up once, and marks the literal groups it
 * hits in every filter at the same time. Only the filters whose every group was hit are then
 * evaluated, sharing one parse of the event. The literals and the rule (a filter can match only
 * if each of its groups is hit) are the prefilter's; only the bookkeeping is shared. */
#include <stdlib.h>
#include <string.h>

#include "filter/filter_int.h"
#include "filter/filter_scan_int.h"
#include "util/err.h"

#define HASH_BITS 12
#define NBUCKETS (1u << HASH_BITS)

typedef struct set_lit {
    const char *s;
    uint32_t len;
    uint32_t filter;
    uint8_t group;
    uint8_t kind; /* flt_lit_kind */
} set_lit;

struct ot_filter_set {
    ot_filter **filters;
    size_t n;
    uint8_t *need;                  /* per filter: the groups to hit; 0: always evaluated */
    uint64_t bloom[NBUCKETS / 64];  /* buckets that hold an exact literal */
    uint32_t start[NBUCKETS + 1];   /* exact[start[h] .. start[h + 1]) hash to h */
    set_lit *exact, *affix;
    size_t nexact, naffix;
};

/* A cheap hash of a non-empty string: its length and three of its bytes. */
static inline unsigned hash12(const char *s, size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u;
    h ^= (unsigned char)s[0] * 0x85EBCA77u;
    h ^= (unsigned char)s[n - 1] * 0xC2B2AE3Du;
    h ^= (unsigned char)s[n / 2] * 0x27D4EB2Fu;
    return (h * 0x9E3779B1u) >> (32 - HASH_BITS);
}

static int by_hash(const void *a, const void *b)
{
    const set_lit *x = a, *y = b;
    unsigned hx = hash12(x->s, x->len), hy = hash12(y->s, y->len);
    return hx < hy ? -1 : hx > hy;
}

/* Counts the literals of the set's filters: exact ones and prefixes/suffixes. */
static void count_lits(ot_filter *const *filters, size_t n, size_t *nexact, size_t *naffix)
{
    *nexact = *naffix = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < filters[i]->nlits; k++)
            *(filters[i]->lits[k].kind == FLT_LIT_EXACT ? nexact : naffix) += 1;
}

static void fill_lits(ot_filter_set *s)
{
    size_t ne = 0, na = 0;
    for (size_t i = 0; i < s->n; i++) {
        const ot_filter *f = s->filters[i];
        s->need[i] = f->kind == OT_FILTER_JSON && f->nlits ? f->lit_groups : 0;
        for (size_t k = 0; k < f->nlits; k++) {
            const flt_lit *l = &f->lits[k];
            set_lit sl = {flt_str(f, l->off), l->len, (uint32_t)i, l->group, l->kind};
            if (l->kind == FLT_LIT_EXACT)
                s->exact[ne++] = sl;
            else
                s->affix[na++] = sl;
        }
    }
    qsort(s->exact, s->nexact, sizeof *s->exact, by_hash);
    size_t k = 0;
    for (unsigned h = 0; h < NBUCKETS; h++) {
        s->start[h] = (uint32_t)k;
        while (k < s->nexact && hash12(s->exact[k].s, s->exact[k].len) == h)
            k++;
        if (k > s->start[h])
            s->bloom[h / 64] |= (uint64_t)1 << (h % 64);
    }
    s->start[NBUCKETS] = (uint32_t)k;
}

int ot_filter_set_new(ot_filter *const *filters, size_t n, ot_filter_set **out)
{
    *out = NULL;
    ot_filter_set *s = calloc(1, sizeof *s);
    if (!s)
        return OT_ENOMEM;
    count_lits(filters, n, &s->nexact, &s->naffix);
    s->n = n;
    s->filters = malloc((n ? n : 1) * sizeof *s->filters);
    s->need = malloc(n ? n : 1);
    s->exact = malloc((s->nexact ? s->nexact : 1) * sizeof *s->exact);
    s->affix = malloc((s->naffix ? s->naffix : 1) * sizeof *s->affix);
    if (!s->filters || !s->need || !s->exact || !s->affix) {
        ot_filter_set_free(s);
        return OT_ENOMEM;
    }
    if (n)
        memcpy(s->filters, filters, n * sizeof *filters);
    fill_lits(s);
    *out = s;
    return OT_OK;
}

void ot_filter_set_free(ot_filter_set *s)
{
    if (!s)
        return;
    free(s->filters);
    free(s->need);
    free(s->exact);
    free(s->affix);
    free(s);
}

size_t ot_filter_set_size(const ot_filter_set *s)
{
    return s->n;
}

typedef struct visit_ctx {
    const ot_filter_set *s;
    uint8_t *got;
} visit_ctx;

static bool affix_hit(const set_lit *l, const char *str, size_t n)
{
    if (n < l->len)
        return false;
    const char *at = l->kind == FLT_LIT_SUFFIX ? str + n - l->len : str;
    return at[0] == l->s[0] && !memcmp(at, l->s, l->len);
}

/* Marks the groups the string hits, in every filter at once; never stops the scan. */
static bool mark_string(void *ctx, const char *msg, size_t start, size_t n)
{
    visit_ctx *c = ctx;
    const ot_filter_set *s = c->s;
    const char *str = msg + start;
    if (n) {
        unsigned h = hash12(str, n);
        if (s->bloom[h / 64] >> (h % 64) & 1)
            for (uint32_t k = s->start[h]; k < s->start[h + 1]; k++) {
                const set_lit *l = &s->exact[k];
                if (l->len == n && !memcmp(l->s, str, n))
                    c->got[l->filter] |= (uint8_t)(1u << l->group);
            }
    }
    for (size_t k = 0; k < s->naffix; k++)
        if (affix_hit(&s->affix[k], str, n))
            c->got[s->affix[k].filter] |= (uint8_t)(1u << s->affix[k].group);
    return false;
}

static bool json_object(const char *msg, size_t len)
{
    size_t i = 0;
    while (i < len && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' || msg[i] == '\n'))
        i++;
    return i < len && msg[i] == '{';
}

/* Fills fx->got for the event; false when nothing could be ruled out (escapes, no memory). */
__attribute__((flatten)) static bool mark_event(const ot_filter_set *s, const char *msg, size_t len,
                       ot_filter_fields *fx)
{
    if (!json_object(msg, len))
        return false;
    if (fx->got_cap < s->n) {
        uint8_t *got = realloc(fx->got, s->n);
        if (!got)
            return false;
        fx->got = got, fx->got_cap = s->n;
    }
    memset(fx->got, 0, s->n);
    visit_ctx c = {s, fx->got};
    return flt_scan_strings(msg, len, mark_string, &c) == 0;
}

size_t ot_filter_set_match(const ot_filter_set *s, const char *msg, size_t len,
                           ot_filter_fields *fx, bool *hit)
{
    flt_new_event(fx, msg, true);
    bool marked = mark_event(s, msg, len, fx);
    fx->prefiltered = marked;
    size_t count = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (marked && s->need[i] && fx->got[i] != s->need[i])
            hit[i] = false;
        else
            count += hit[i] = flt_match_one(s->filters[i], msg, len, fx);
    }
    fx->shared = fx->prefiltered = false;
    return count;
}
