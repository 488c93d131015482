/* filter_terms.c — unstructured patterns: terms, "exact phrases", ?or and -not.
 *
 * Terms are case-sensitive substrings of the message. Plain terms are ANDed; a '?' term opens
 * an OR branch that the plain and '-' terms after it join, and the terms before the first '?'
 * apply to every branch: `A ?B C ?D` is A AND ((B AND C) OR D). An unquoted term may hold only
 * letters, digits and '_' (AWS: "Invalid character(s) in term"); quote anything else. */
#include <string.h>

#include "filter/filter_int.h"
#include "util/err.h"
#include "util/vec.h"

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int bare_term(flt_parser *p, uint32_t *off, uint32_t *len)
{
    size_t start = p->pos;
    while (p->pos < p->len && !is_space(p->s[p->pos])) {
        if (!word_char(p->s[p->pos]))
            return flt_fail(p, p->pos, "Invalid character(s) in term");
        p->pos++;
    }
    if (p->pos == start)
        return flt_fail(p, start, "Invalid metric filter pattern: a term is missing after "
                        "'%c'", p->s[start - 1]);
    *len = (uint32_t)(p->pos - start);
    return flt_arena_put(p->f, p->s + start, p->pos - start, off);
}

static int one_term(flt_parser *p)
{
    ot_filter *f = p->f;
    flt_term t = {0};
    char c = p->s[p->pos];
    if (c == '?') {
        t.branch = ++f->nbranches;
        p->pos++;
    } else {
        t.branch = f->nbranches;
        t.negate = c == '-';
        p->pos += t.negate;
    }
    int rc = p->pos < p->len && p->s[p->pos] == '"' ? flt_parse_quoted(p, &t.off, &t.len)
                                                    : bare_term(p, &t.off, &t.len);
    if (rc)
        return rc;
    if (p->pos < p->len && !is_space(p->s[p->pos]))
        return flt_fail(p, p->pos, "Invalid character(s) in term");
    if (OT_VEC_GROW(f->terms, f->terms_cap, f->nterms + 1))
        return OT_ENOMEM;
    f->terms[f->nterms++] = t;
    return 0;
}

int flt_compile_terms(flt_parser *p)
{
    for (flt_skip_space(p); p->pos < p->len; flt_skip_space(p)) {
        int rc = one_term(p);
        if (rc)
            return rc;
    }
    return 0;
}

/* Do all the terms of `branch` hold? */
static bool branch_holds(const ot_filter *f, uint32_t branch, const char *msg, size_t len)
{
    for (size_t i = 0; i < f->nterms; i++) {
        const flt_term *t = &f->terms[i];
        if (t->branch != branch)
            continue;
        bool found = t->len == 0 || memmem(msg, len, flt_str(f, t->off), t->len) != NULL;
        if (found == t->negate)
            return false;
    }
    return true;
}

bool flt_match_terms(const ot_filter *f, const char *msg, size_t len)
{
    if (!branch_holds(f, 0, msg, len))
        return false;
    if (f->nbranches == 0)
        return true;
    for (uint32_t b = 1; b <= f->nbranches; b++)
        if (branch_holds(f, b, msg, len))
            return true;
    return false;
}
