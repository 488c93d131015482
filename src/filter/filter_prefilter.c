/* filter_prefilter.c — ruling a JSON event out before parsing it.
 *
 * Parsing the event is most of what a JSON pattern costs, and most events match none of the
 * patterns a log group carries. So each JSON pattern gets, at compile time, a set of literals
 * of which at least one must be the whole, the start or the end of some JSON string in any
 * event it matches (from its `= "text"` tests: the CIS patterns are all of that kind). An event
 * none of whose strings hits the set cannot match and is not parsed.
 *
 * This holds only where a string's raw bytes are its value, that is when the message has no
 * backslash (no escapes); such messages skip the check. Literals that a number or a boolean
 * could match as text (digits, true, ...) are not used, since those are not quoted in JSON. */
#include <stdint.h>
#include <string.h>

#include "filter/filter_int.h"
#include "filter/filter_scan_int.h"

/* What is known of the events a (sub)pattern matches: each of ngroups groups has a literal
 * that hits (a conjunction of disjunctions), or nothing is known (trivial). */
typedef struct lit_set {
    bool trivial;
    uint32_t n, ngroups;
    flt_lit l[FLT_MAX_LITS];
} lit_set;

/* Could a number or a boolean's text (unquoted in JSON) contain s? */
static bool maybe_unquoted(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789+-.eEtrufalsn", s[i]))
            return false;
    return true;
}

/* Is s a usable literal: raw bytes equal to its JSON text, never unquoted? */
static bool plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20)
            return false;
    return n > 0 && !maybe_unquoted(s, n);
}

/* A cheap 8-bit hash of a non-empty string, for the set of exact literals' fingerprints. */
static inline unsigned exact_hash(const char *s, size_t n)
{
    return (unsigned)(n * 37 + (unsigned char)s[0] * 5 + (unsigned char)s[n - 1] +
                      (unsigned char)s[n / 2] * 3) & 255;
}

static void test_lits(const ot_filter *f, const flt_test *t, lit_set *out)
{
    out->trivial = true;
    out->n = 0;
    if (t->op != FLT_EQ || t->v.kind != FLT_V_TEXT)
        return;
    const char *s = flt_str(f, t->v.off);
    size_t n = t->v.len;
    flt_lit lit = {.off = t->v.off, .len = (uint32_t)n, .kind = FLT_LIT_EXACT};
    if (t->v.glob) {
        const char *first = memchr(s, '*', n), *last = strrchr(s, '*');
        if (first != s) {
            lit.kind = FLT_LIT_PREFIX, lit.len = (uint32_t)(first - s);
        } else if (last != s + n - 1) {
            lit.kind = FLT_LIT_SUFFIX;
            lit.off += (uint32_t)(last + 1 - s);
            lit.len = (uint32_t)(s + n - last - 1);
        } else {
            return;
        }
    }
    if (!plain(flt_str(f, lit.off), lit.len))
        return;
    out->trivial = false;
    out->ngroups = 1;
    lit.group = 0;
    out->l[out->n++] = lit;
}

/* The group of s with the fewest literals, alone as group 0. */
static void best_group(lit_set *s)
{
    uint32_t count[FLT_MAX_GROUPS] = {0}, best = 0;
    for (uint32_t i = 0; i < s->n; i++)
        count[s->l[i].group]++;
    for (uint32_t g = 1; g < s->ngroups; g++)
        if (count[g] < count[best])
            best = g;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->l[i].group == best)
            s->l[n] = s->l[i], s->l[n++].group = 0;
    s->n = n, s->ngroups = 1;
}

/* a AND b: both conjunctions, if they fit; else the smaller best group. */
static void both(lit_set *a, lit_set *b)
{
    if (a->trivial || b->trivial) {
        if (a->trivial)
            *a = *b;
        return;
    }
    if (a->n + b->n <= FLT_MAX_LITS && a->ngroups + b->ngroups <= FLT_MAX_GROUPS) {
        for (uint32_t i = 0; i < b->n; i++)
            a->l[a->n] = b->l[i], a->l[a->n++].group = (uint8_t)(b->l[i].group + a->ngroups);
        a->ngroups += b->ngroups;
        return;
    }
    best_group(a), best_group(b);
    if (b->n < a->n)
        *a = *b;
}

/* a OR b: one group with the literals of each side's best group, if they fit. */
static void either(lit_set *a, lit_set *b)
{
    if (a->trivial || b->trivial) {
        a->trivial = true;
        return;
    }
    best_group(a), best_group(b);
    if (a->n + b->n > FLT_MAX_LITS) {
        a->trivial = true;
        return;
    }
    memcpy(a->l + a->n, b->l, b->n * sizeof b->l[0]);
    a->n += b->n;
}

static void node_lits(const ot_filter *f, int32_t node, lit_set *out)
{
    const flt_node *nd = &f->nodes[node];
    if (nd->kind == FLT_N_TEST) {
        test_lits(f, &f->tests[nd->a], out);
        return;
    }
    lit_set right;
    node_lits(f, (int32_t)nd->a, out);
    node_lits(f, (int32_t)nd->b, &right);
    if (nd->kind == FLT_N_AND)
        both(out, &right);
    else
        either(out, &right);
}

void flt_prefilter_build(ot_filter *f)
{
    lit_set set;
    node_lits(f, f->root, &set);
    f->nlits = set.trivial ? 0 : set.n;
    f->lit_groups = set.trivial ? 0 : (uint8_t)((1u << set.ngroups) - 1);
    memcpy(f->lits, set.l, f->nlits * sizeof set.l[0]);
    for (size_t i = 0; i < f->nlits; i++) {
        const flt_lit *l = &f->lits[i];
        if (l->kind == FLT_LIT_EXACT) {
            unsigned h = exact_hash(flt_str(f, l->off), l->len);
            f->lit_bloom[h >> 6] |= (uint64_t)1 << (h & 63);
        } else {
            f->lit_affixes = true;
        }
    }
}

/* The groups whose literals s hits; h is exact_hash(s, n) (any value if n is 0). */
static unsigned hits(const ot_filter *f, const char *s, size_t n, unsigned h)
{
    if (!f->lit_affixes && (!n || !(f->lit_bloom[h >> 6] >> (h & 63) & 1)))
        return 0; /* the common case: no literal has this fingerprint */
    unsigned groups = 0;
    for (size_t i = 0; i < f->nlits; i++) {
        const flt_lit *l = &f->lits[i];
        const char *t = flt_str(f, l->off);
        if (n < l->len)
            continue;
        /* a first-byte check before each memcmp: most strings differ there */
        const char *at = l->kind == FLT_LIT_SUFFIX ? s + n - l->len : s;
        if (at[0] == t[0] && (l->kind != FLT_LIT_EXACT || n == l->len) && !memcmp(at, t, l->len))
            groups |= 1u << l->group;
    }
    return groups;
}

typedef struct pass_ctx {
    const ot_filter *f;
    unsigned hit;
} pass_ctx;

/* True once a literal of every group is hit. */
static bool check_string(void *ctx, const char *msg, size_t start, size_t n)
{
    pass_ctx *c = ctx;
    c->hit |= hits(c->f, msg + start, n, n ? exact_hash(msg + start, n) : 0);
    return c->hit == c->f->lit_groups;
}

bool flt_prefilter_pass(const ot_filter *f, const char *msg, size_t len)
{
    pass_ctx c = {.f = f};
    return f->nlits == 0 || flt_scan_strings(msg, len, check_string, &c) != 0;
}
