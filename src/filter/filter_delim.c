/* filter_delim.c — space-delimited patterns: [ip, user, ..., status = 4*, bytes > 1000].
 *
 * The message splits into fields at runs of spaces; a field that starts with '"' runs to the
 * next '"', one that starts with '[' to the next ']' (the delimiters are not part of the value).
 * Columns match fields in order; '...' matches any number of fields. Without '...', the last
 * column takes the rest of the message, so [w1=ERROR, w2] matches any line whose first word is
 * ERROR. A column's conditions combine with && and || on that column only. */
#include <string.h>

#include "filter/filter_int.h"
#include "util/err.h"
#include "util/vec.h"

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int column_name(flt_parser *p, flt_col *c)
{
    size_t start = p->pos;
    while (p->pos < p->len && name_char(p->s[p->pos]))
        p->pos++;
    if (p->pos == start)
        return flt_fail(p, start, "Invalid metric filter pattern: expected a field name or "
                        "'...'");
    c->name_len = (uint32_t)(p->pos - start);
    return flt_arena_put(p->f, p->s + start, p->pos - start, &c->name_off);
}

/* `name op value`; the first condition of a column has its name already read. */
static int condition(flt_parser *p, const flt_col *c, bool named, int32_t *out)
{
    flt_skip_space(p);
    if (named) {
        size_t at = p->pos, start = p->pos;
        while (p->pos < p->len && name_char(p->s[p->pos]))
            p->pos++;
        if (p->pos - start != c->name_len ||
            memcmp(p->s + start, flt_str(p->f, c->name_off), c->name_len))
            return flt_fail(p, at, "Invalid metric filter pattern: a condition may only test "
                            "its own field (%s)", flt_str(p->f, c->name_off));
        flt_skip_space(p);
    }
    flt_test t = {0};
    flt_op op;
    if (flt_parse_op(p, &op))
        return flt_fail(p, p->pos, "Invalid metric filter pattern: expected = != < > <= >=");
    t.op = (uint8_t)op;
    int rc = flt_parse_value(p, op, &t.v);
    if (rc)
        return rc;
    return flt_add_test(p->f, &t, out);
}

static bool connective(flt_parser *p, const char *op)
{
    flt_skip_space(p);
    if (p->len - p->pos < 2 || memcmp(p->s + p->pos, op, 2))
        return false;
    p->pos += 2;
    return true;
}

static int and_conds(flt_parser *p, const flt_col *c, bool named, int32_t *out)
{
    int rc = condition(p, c, named, out);
    int32_t right;
    while (!rc && connective(p, "&&") && !(rc = condition(p, c, true, &right)))
        rc = flt_add_node(p->f, FLT_N_AND, (uint32_t)*out, (uint32_t)right, out);
    return rc;
}

static int conditions(flt_parser *p, flt_col *c)
{
    int rc = and_conds(p, c, false, &c->cond);
    int32_t right;
    while (!rc && connective(p, "||") && !(rc = and_conds(p, c, true, &right)))
        rc = flt_add_node(p->f, FLT_N_OR, (uint32_t)c->cond, (uint32_t)right, &c->cond);
    return rc;
}

static int column(flt_parser *p)
{
    flt_col c = {.cond = -1};
    flt_skip_space(p);
    int rc;
    if (p->len - p->pos >= 3 && !memcmp(p->s + p->pos, "...", 3)) {
        p->pos += 3;
        c.ellipsis = true;
        p->f->has_ellipsis = true;
        rc = flt_arena_put(p->f, "", 0, &c.name_off);
    } else if (!(rc = column_name(p, &c))) {
        flt_skip_space(p);
        if (p->pos < p->len && p->s[p->pos] != ',' && p->s[p->pos] != ']')
            rc = conditions(p, &c);
    }
    if (rc)
        return rc;
    ot_filter *f = p->f;
    /* "[" then at least 2 characters a column ("a," or "a]"): fewer than fx->cap holds */
    _Static_assert((OT_FILTER_MAX_PATTERN - 1) / 2 < FLT_MAX_FIELDS, "columns must fit fx->cap");
    if (OT_VEC_GROW(f->cols, f->cols_cap, f->ncols + 1))
        return OT_ENOMEM;
    f->cols[f->ncols++] = c;
    return 0;
}

int flt_compile_delim(flt_parser *p)
{
    p->pos++; /* '[' */
    for (;;) {
        int rc = column(p);
        if (rc)
            return rc;
        flt_skip_space(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']')
            break;
        return flt_fail(p, p->pos, "Invalid metric filter pattern: expected ',' or ']'");
    }
    p->pos++;
    flt_skip_space(p);
    if (p->pos < p->len)
        return flt_fail(p, p->pos, "Invalid metric filter pattern: text after the closing ']'");
    return 0;
}

/* ---- matching ---- */

/* Splits msg into fx->field; the last field takes the rest if there are too many. */
static void split_fields(const char *msg, size_t len, ot_filter_fields *fx)
{
    size_t i = 0, n = 0;
    while (n < FLT_MAX_FIELDS) {
        while (i < len && msg[i] == ' ')
            i++;
        if (i >= len)
            break;
        size_t start = i, end;
        char close = msg[i] == '"' ? '"' : msg[i] == '[' ? ']' : 0;
        if (close) {
            const char *e = memchr(msg + i + 1, close, len - i - 1);
            start = i + 1;
            end = e ? (size_t)(e - msg) : len;
            i = e ? end + 1 : len;
        } else {
            while (i < len && msg[i] != ' ')
                i++;
            end = i;
        }
        if (n == FLT_MAX_FIELDS - 1)
            end = len, i = len;
        fx->field[n].off = (uint32_t)start;
        fx->field[n++].len = (uint32_t)(end - start);
    }
    fx->nfields = n;
}

static bool cond_holds(const ot_filter *f, int32_t node, const char *t, size_t n)
{
    const flt_node *nd = &f->nodes[node];
    if (nd->kind == FLT_N_AND)
        return cond_holds(f, (int32_t)nd->a, t, n) && cond_holds(f, (int32_t)nd->b, t, n);
    if (nd->kind == FLT_N_OR)
        return cond_holds(f, (int32_t)nd->a, t, n) || cond_holds(f, (int32_t)nd->b, t, n);
    const flt_test *ts = &f->tests[nd->a];
    if (ts->v.kind == FLT_V_NUMBER) {
        double x;
        return flt_number(t, n, &x) && flt_number_test(ts->op, x, ts->v.num);
    }
    return flt_text_test(f, ts->op, &ts->v, t, n);
}

static bool col_matches(const ot_filter *f, size_t col, const char *msg,
                        const ot_filter_fields *fx, size_t field)
{
    const flt_col *c = &f->cols[col];
    return c->cond < 0 || cond_holds(f, c->cond, msg + fx->field[field].off, fx->field[field].len);
}

/* Without '...': exactly as many fields as columns, the last taking the rest. */
static bool match_fixed(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx)
{
    if (fx->nfields < f->ncols)
        return false;
    if (fx->nfields > f->ncols) {
        size_t last = f->ncols - 1;
        fx->field[last].len = (uint32_t)(len - fx->field[last].off);
        fx->nfields = f->ncols;
    }
    for (size_t c = 0; c < f->ncols; c++) {
        if (!col_matches(f, c, msg, fx, c))
            return false;
        fx->cap[c] = (uint32_t)c;
    }
    return true;
}

/* With '...': wildcard matching over fields ('...' is the star), greedy with backtracking to
 * the last '...' only, so O(columns x fields). The captures of the final attempt stand. */
static bool match_ellipsis(const ot_filter *f, const char *msg, ot_filter_fields *fx)
{
    size_t c = 0, j = 0, nc = f->ncols, nf = fx->nfields;
    long star_c = -1;
    size_t star_j = 0;
    while (j < nf) {
        if (c < nc && f->cols[c].ellipsis) {
            star_c = (long)c++;
            star_j = j;
        } else if (c < nc && col_matches(f, c, msg, fx, j)) {
            fx->cap[c++] = (uint32_t)j++;
        } else if (star_c >= 0) {
            c = (size_t)star_c + 1;
            j = ++star_j;
        } else {
            return false;
        }
    }
    while (c < nc && f->cols[c].ellipsis)
        c++;
    return c == nc;
}

bool flt_match_delim(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx)
{
    split_fields(msg, len, fx);
    return f->has_ellipsis ? match_ellipsis(f, msg, fx) : match_fixed(f, msg, len, fx);
}
