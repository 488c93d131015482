/* filter_json.c — compiling JSON patterns: { selector op value && ... || (...) }.
 *
 *   or    := and ( '||' and )*          && binds tighter than ||; ( ) group
 *   and   := unary ( '&&' unary )*
 *   unary := '(' or ')' | test
 *   test  := sel op value | sel IS NULL | sel IS TRUE | sel IS FALSE | sel NOT EXISTS
 *   sel   := '$' ( '.' name | '[' index ']' )+      name: letters, digits, '_', '-'  */
#include <string.h>

#include "filter/filter_int.h"
#include "util/err.h"
#include "util/vec.h"

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static int add_step(ot_filter *f, flt_step st)
{
    if (OT_VEC_GROW(f->steps, f->steps_cap, f->nsteps + 1))
        return OT_ENOMEM;
    f->steps[f->nsteps++] = st;
    return 0;
}

static int index_step(flt_parser *p)
{
    size_t open = p->pos++;
    long v = 0;
    size_t digits = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9' && v < 1000000)
        v = v * 10 + (p->s[p->pos++] - '0');
    if (p->pos == digits || p->pos >= p->len || p->s[p->pos] != ']')
        return flt_fail(p, p->pos == digits ? p->pos : open, "Invalid metric filter pattern: "
                        "an array index is [digits]");
    p->pos++;
    return add_step(p->f, (flt_step){.index = (int32_t)v});
}

static int name_step(flt_parser *p)
{
    size_t start = ++p->pos;
    while (p->pos < p->len && name_char(p->s[p->pos]))
        p->pos++;
    if (p->pos == start)
        return flt_fail(p, start, "Invalid metric filter pattern: a field name is missing "
                        "after '.'");
    flt_step st = {.index = -1};
    int rc = flt_arena_put(p->f, p->s + start, p->pos - start, &st.key_off);
    return rc ? rc : add_step(p->f, st);
}

int flt_parse_selector(flt_parser *p, uint32_t *step0, uint32_t *nsteps)
{
    size_t at = p->pos;
    if (p->pos >= p->len || p->s[p->pos] != '$')
        return flt_fail(p, at, "Invalid metric filter pattern: expected a selector ($.field)");
    p->pos++;
    *step0 = (uint32_t)p->f->nsteps;
    while (p->pos < p->len && (p->s[p->pos] == '.' || p->s[p->pos] == '[')) {
        int rc = p->s[p->pos] == '.' ? name_step(p) : index_step(p);
        if (rc)
            return rc;
    }
    *nsteps = (uint32_t)p->f->nsteps - *step0;
    if (*nsteps == 0)
        return flt_fail(p, p->pos, "Invalid metric filter pattern: a selector needs a field "
                        "after '$' ($.field)");
    return 0;
}

/* The bare word at p->pos equals kw (followed by a non-name character). */
static bool keyword(flt_parser *p, const char *kw)
{
    size_t n = strlen(kw);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, kw, n) ||
        (p->pos + n < p->len && name_char(p->s[p->pos + n])))
        return false;
    p->pos += n;
    return true;
}

static int unary_test(flt_parser *p, flt_test *t)
{
    size_t at = p->pos;
    if (keyword(p, "IS")) {
        flt_skip_space(p);
        if (keyword(p, "NULL"))
            t->op = FLT_IS_NULL;
        else if (keyword(p, "TRUE"))
            t->op = FLT_IS_TRUE;
        else if (keyword(p, "FALSE"))
            t->op = FLT_IS_FALSE;
        else
            return flt_fail(p, p->pos, "Invalid metric filter pattern: IS takes NULL, TRUE or "
                            "FALSE (use = * for exists)");
        return 0;
    }
    if (keyword(p, "NOT")) {
        flt_skip_space(p);
        if (!keyword(p, "EXISTS"))
            return flt_fail(p, p->pos, "Invalid metric filter pattern: NOT takes EXISTS");
        t->op = FLT_NOT_EXISTS;
        return 0;
    }
    return flt_fail(p, at, "Invalid metric filter pattern: expected an operator (= != < > <= "
                    ">=, IS, NOT EXISTS) after the selector");
}

static int test(flt_parser *p, int32_t *out)
{
    flt_test t = {0};
    int rc = flt_parse_selector(p, &t.step0, &t.nsteps);
    if (rc)
        return rc;
    flt_skip_space(p);
    flt_op op;
    if (flt_parse_op(p, &op) == 0) {
        t.op = (uint8_t)op;
        rc = flt_parse_value(p, op, &t.v);
    } else {
        rc = unary_test(p, &t);
    }
    if (rc)
        return rc;
    return flt_add_test(p->f, &t, out);
}

static int or_expr(flt_parser *p, int32_t *out);

static int unary(flt_parser *p, int32_t *out)
{
    flt_skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == '(') {
        size_t open = p->pos++;
        if (++p->depth > FLT_MAX_DEPTH)
            return flt_fail(p, open, "Invalid metric filter pattern: parentheses nested too "
                            "deep");
        int rc = or_expr(p, out);
        if (rc)
            return rc;
        flt_skip_space(p);
        if (p->pos >= p->len || p->s[p->pos] != ')')
            return flt_fail(p, p->pos, "Invalid metric filter pattern: expected ')' to close "
                            "the '(' at column %zu", open + 1);
        p->pos++;
        p->depth--;
        return 0;
    }
    return test(p, out);
}

/* Parses `item (sep item)*` into a left-leaning chain of `kind` nodes. */
static int chain(flt_parser *p, const char *sep, uint8_t kind, int (*item)(flt_parser *, int32_t *),
                 int32_t *out)
{
    int rc = item(p, out);
    while (!rc) {
        flt_skip_space(p);
        if (p->len - p->pos < 2 || memcmp(p->s + p->pos, sep, 2))
            break;
        p->pos += 2;
        int32_t right;
        if ((rc = item(p, &right)))
            break;
        rc = flt_add_node(p->f, kind, (uint32_t)*out, (uint32_t)right, out);
    }
    return rc;
}

static int and_expr(flt_parser *p, int32_t *out)
{
    return chain(p, "&&", FLT_N_AND, unary, out);
}

static int or_expr(flt_parser *p, int32_t *out)
{
    return chain(p, "||", FLT_N_OR, and_expr, out);
}

int flt_compile_json(flt_parser *p)
{
    p->pos++; /* '{' */
    int rc = or_expr(p, &p->f->root);
    if (rc)
        return rc;
    flt_skip_space(p);
    if (p->pos >= p->len || p->s[p->pos] != '}')
        return flt_fail(p, p->pos, "Invalid metric filter pattern: expected && || or '}'");
    p->pos++;
    flt_skip_space(p);
    if (p->pos < p->len)
        return flt_fail(p, p->pos, "Invalid metric filter pattern: text after the closing '}'");
    flt_prefilter_build(p->f);
    return 0;
}
