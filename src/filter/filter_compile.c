/* filter_compile.c — ot_filter_compile: pick the sub-language, and the pieces every
 * sub-language shares (errors, the string arena, values and operators). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter_int.h"
#include "util/err.h"
#include "util/vec.h"

int flt_fail(flt_parser *p, size_t at, const char *fmt, ...)
{
    if (p->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
        p->err->column = (int)(at < p->len ? at : p->len) + 1;
    }
    return OT_EINVAL;
}

void flt_skip_space(flt_parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

int flt_arena_put(ot_filter *f, const char *s, size_t n, uint32_t *off)
{
    if (OT_VEC_GROW(f->arena, f->arena_cap, f->arena_len + n + 1))
        return OT_ENOMEM;
    memcpy(f->arena + f->arena_len, s, n);
    f->arena[f->arena_len + n] = '\0';
    *off = (uint32_t)f->arena_len;
    f->arena_len += n + 1;
    return 0;
}

int flt_add_node(ot_filter *f, uint8_t kind, uint32_t a, uint32_t b, int32_t *out)
{
    if (OT_VEC_GROW(f->nodes, f->nodes_cap, f->nnodes + 1))
        return OT_ENOMEM;
    f->nodes[f->nnodes] = (flt_node){.kind = kind, .a = a, .b = b};
    *out = (int32_t)f->nnodes++;
    return 0;
}

int flt_add_test(ot_filter *f, const flt_test *t, int32_t *out)
{
    if (OT_VEC_GROW(f->tests, f->tests_cap, f->ntests + 1))
        return OT_ENOMEM;
    f->tests[f->ntests] = *t;
    return flt_add_node(f, FLT_N_TEST, (uint32_t)f->ntests++, 0, out);
}

int flt_add_regex(flt_parser *p, size_t at, const char *re, size_t n, uint32_t *out)
{
    ot_filter *f = p->f;
    if (f->kind != OT_FILTER_REGEX && f->nregexes >= FLT_MAX_REGEX_PER_PATTERN)
        return flt_fail(p, at, "Invalid metric filter pattern: at most %d regular expressions "
                        "per pattern", FLT_MAX_REGEX_PER_PATTERN);
    if (OT_VEC_GROW(f->regexes, f->regexes_cap, f->nregexes + 1))
        return OT_ENOMEM;
    char msg[128];
    size_t where = 0;
    flt_regex *r;
    int rc = flt_regex_compile(re, n, &r, msg, sizeof msg, &where);
    if (rc == OT_EINVAL)
        return flt_fail(p, at + 1 + where, "Invalid metric filter pattern: %s", msg);
    if (rc)
        return rc;
    f->regexes[f->nregexes] = r;
    *out = (uint32_t)f->nregexes++;
    return 0;
}

int flt_parse_quoted(flt_parser *p, uint32_t *off, uint32_t *len)
{
    size_t open = p->pos++;
    ot_buf text;
    ot_buf_init(&text, OT_FILTER_MAX_PATTERN);
    int rc = 0;
    while (p->pos < p->len && p->s[p->pos] != '"' && !rc) {
        char c = p->s[p->pos++];
        if (c == '\\' && p->pos < p->len)
            c = p->s[p->pos++];
        rc = ot_buf_putc(&text, c);
    }
    if (!rc && p->pos >= p->len)
        rc = flt_fail(p, open, "Invalid metric filter pattern: unterminated quoted string");
    if (!rc) {
        p->pos++;
        rc = flt_arena_put(p->f, text.data ? text.data : "", text.len, off);
        *len = (uint32_t)text.len;
    }
    ot_buf_free(&text);
    return rc;
}

bool flt_number(const char *t, size_t n, double *out)
{
    size_t i = 0;
    if (i < n && (t[i] == '+' || t[i] == '-'))
        i++;
    size_t digits = i;
    while (i < n && t[i] >= '0' && t[i] <= '9')
        i++;
    if (i == digits)
        return false;
    if (i < n && t[i] == '.') {
        size_t frac = ++i;
        while (i < n && t[i] >= '0' && t[i] <= '9')
            i++;
        if (i == frac)
            return false;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        size_t exp = i;
        while (i < n && t[i] >= '0' && t[i] <= '9')
            i++;
        if (i == exp)
            return false;
    }
    if (i != n || n > 64)
        return false;
    char tmp[65];
    memcpy(tmp, t, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return true;
}

int flt_parse_op(flt_parser *p, flt_op *op)
{
    const char *s = p->s + p->pos;
    size_t left = p->len - p->pos;
    static const struct { const char *text; flt_op op; } ops[] = {
        {"!=", FLT_NE}, {"<=", FLT_LE}, {">=", FLT_GE}, {"=", FLT_EQ}, {"<", FLT_LT}, {">", FLT_GT},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].text);
        if (left >= n && !memcmp(s, ops[i].text, n)) {
            *op = ops[i].op;
            p->pos += n;
            return 0;
        }
    }
    return OT_ENOTFOUND;
}

/* Where a bare value ends: whitespace, ) , ] } or the start of && / ||. */
static size_t bare_end(const flt_parser *p)
{
    size_t i = p->pos;
    for (; i < p->len; i++) {
        char c = p->s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ')' || c == ',' ||
            c == ']' || c == '}')
            break;
        if (i + 1 < p->len && ((c == '&' && p->s[i + 1] == '&') || (c == '|' && p->s[i + 1] == '|')))
            break;
    }
    return i;
}

static int parse_regex_value(flt_parser *p, flt_op op, flt_value *v)
{
    size_t open = p->pos;
    const char *close = memchr(p->s + open + 1, '%', p->len - open - 1);
    if (!close)
        return flt_fail(p, open, "Invalid metric filter pattern: unterminated %%regex%%");
    if (op != FLT_EQ && op != FLT_NE)
        return flt_fail(p, open, "Invalid metric filter pattern: a regex takes = or != only");
    size_t n = (size_t)(close - (p->s + open + 1));
    p->pos = open + n + 2;
    v->kind = FLT_V_REGEX;
    return flt_add_regex(p, open, p->s + open + 1, n, &v->regex);
}

/* A text value (quoted or bare) becomes '*' alone, a number (bare only), or text. */
static int classify_text(flt_parser *p, size_t at, flt_op op, bool quoted, flt_value *v)
{
    const char *t = flt_str(p->f, v->off);
    if (v->len == 1 && t[0] == '*') {
        v->kind = FLT_V_ANY;
    } else if (!quoted && flt_number(t, v->len, &v->num)) {
        v->kind = FLT_V_NUMBER;
    } else {
        v->kind = FLT_V_TEXT;
        v->glob = memchr(t, '*', v->len) != NULL;
    }
    if (v->kind != FLT_V_NUMBER && v->kind != FLT_V_ANY && op != FLT_EQ && op != FLT_NE)
        return flt_fail(p, at, "Invalid metric filter pattern: < > <= >= need a number");
    return 0;
}

int flt_parse_value(flt_parser *p, flt_op op, flt_value *v)
{
    memset(v, 0, sizeof *v);
    flt_skip_space(p);
    size_t at = p->pos;
    if (p->pos >= p->len)
        return flt_fail(p, at, "Invalid metric filter pattern: a value is missing");
    if (p->s[p->pos] == '%')
        return parse_regex_value(p, op, v);
    int rc;
    bool quoted = p->s[p->pos] == '"';
    if (quoted) {
        rc = flt_parse_quoted(p, &v->off, &v->len);
    } else {
        size_t end = bare_end(p);
        if (end == p->pos)
            return flt_fail(p, at, "Invalid metric filter pattern: a value is missing");
        rc = flt_arena_put(p->f, p->s + p->pos, end - p->pos, &v->off);
        v->len = (uint32_t)(end - p->pos);
        p->pos = end;
    }
    return rc ? rc : classify_text(p, at, op, quoted, v);
}

/* "%...%" alone, trimmed: a regex pattern. */
static bool is_regex_pattern(const char *s, size_t n)
{
    return n >= 2 && s[0] == '%' && s[n - 1] == '%' && !memchr(s + 1, '%', n - 2);
}

static int compile_regex_pattern(flt_parser *p, size_t start, size_t end)
{
    p->f->kind = OT_FILTER_REGEX;
    uint32_t idx;
    return flt_add_regex(p, start, p->s + start + 1, end - start - 2, &idx);
}

static int dispatch(flt_parser *p)
{
    flt_skip_space(p);
    size_t end = p->len;
    while (end > p->pos && strchr(" \t\r\n", p->s[end - 1]))
        end--;
    if (p->pos == end) {
        p->f->kind = OT_FILTER_ALL;
        return 0;
    }
    switch (p->s[p->pos]) {
    case '{':
        p->f->kind = OT_FILTER_JSON;
        return flt_compile_json(p);
    case '[':
        p->f->kind = OT_FILTER_DELIM;
        return flt_compile_delim(p);
    default:
        if (is_regex_pattern(p->s + p->pos, end - p->pos))
            return compile_regex_pattern(p, p->pos, end);
        p->f->kind = OT_FILTER_TERMS;
        return flt_compile_terms(p);
    }
}

int ot_filter_compile(const char *pattern, size_t len, ot_filter **out, ot_filter_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    ot_filter *f = calloc(1, sizeof *f);
    if (!f)
        return OT_ENOMEM;
    f->root = -1;
    flt_parser p = {.f = f, .s = pattern, .len = len, .err = err};
    int rc;
    if (len > OT_FILTER_MAX_PATTERN)
        rc = flt_fail(&p, OT_FILTER_MAX_PATTERN, "Invalid metric filter pattern: longer than "
                      "%d characters", OT_FILTER_MAX_PATTERN);
    else if (memchr(pattern, '\0', len))
        rc = flt_fail(&p, (size_t)((const char *)memchr(pattern, '\0', len) - pattern),
                      "Invalid character(s) in term");
    else
        rc = dispatch(&p);
    if (rc) {
        ot_filter_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

ot_filter_kind ot_filter_kind_of(const ot_filter *f)
{
    return f->kind;
}

void ot_filter_free(ot_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nregexes; i++)
        flt_regex_free(f->regexes[i]);
    free(f->regexes);
    free(f->arena);
    free(f->nodes);
    free(f->tests);
    free(f->steps);
    free(f->terms);
    free(f->cols);
    free(f);
}
