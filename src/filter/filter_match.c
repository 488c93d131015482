/* filter_match.c — ot_filter_match: one evaluator for every sub-language, and the values a
 * match leaves behind (ot_filter_value). */
#include <stdlib.h>
#include <string.h>

#include "filter/filter_int.h"
#include "util/err.h"

#define FLT_SCRATCH_MAX (1u << 20)

ot_filter_fields *ot_filter_fields_new(void)
{
    ot_filter_fields *fx = calloc(1, sizeof *fx);
    if (!fx)
        return NULL;
    fx->doc = ot_json_doc_new();
    if (!fx->doc) {
        free(fx);
        return NULL;
    }
    ot_buf_init(&fx->scratch, FLT_SCRATCH_MAX);
    return fx;
}

void ot_filter_fields_free(ot_filter_fields *fx)
{
    if (!fx)
        return;
    ot_json_doc_free(fx->doc);
    ot_buf_free(&fx->scratch);
    free(fx->got);
    free(fx);
}

bool flt_glob(const char *pat, size_t pn, const char *t, size_t tn)
{
    size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;
    while (i < tn) {
        if (p < pn && pat[p] == '*') {
            star_p = p++;
            star_i = i;
        } else if (p < pn && pat[p] == t[i]) {
            p++, i++;
        } else if (star_p != (size_t)-1) {
            p = star_p + 1;
            i = ++star_i;
        } else {
            return false;
        }
    }
    while (p < pn && pat[p] == '*')
        p++;
    return p == pn;
}

bool flt_text_test(const ot_filter *f, flt_op op, const flt_value *v, const char *t, size_t n)
{
    bool m;
    switch (v->kind) {
    case FLT_V_ANY:
        m = true;
        break;
    case FLT_V_TEXT:
        m = v->glob ? flt_glob(flt_str(f, v->off), v->len, t, n)
                    : n == v->len && !memcmp(flt_str(f, v->off), t, n);
        break;
    case FLT_V_REGEX:
        m = flt_regex_search(f->regexes[v->regex], t, n);
        break;
    default:
        return false;
    }
    return op == FLT_EQ ? m : op == FLT_NE ? !m && v->kind != FLT_V_ANY : false;
}

static bool array_at(ot_json arr, int32_t index, ot_json *out)
{
    ot_json_iter it;
    if (ot_json_typeof(arr) != OT_JSON_ARRAY || ot_json_array_iter(arr, &it))
        return false;
    for (int32_t i = 0; ot_json_array_next(&it, out); i++)
        if (i == index)
            return true;
    return false;
}

bool flt_resolve(const ot_filter *f, const flt_step *steps, uint32_t n, ot_json root,
                 ot_json *out)
{
    ot_json cur = root;
    for (uint32_t i = 0; i < n; i++) {
        ot_json next;
        if (steps[i].index >= 0 ? !array_at(cur, steps[i].index, &next)
                                : ot_json_get(cur, flt_str(f, steps[i].key_off), &next) != 0)
            return false;
        cur = next;
    }
    *out = cur;
    return true;
}

bool flt_number_test(flt_op op, double x, double want)
{
    switch (op) {
    case FLT_EQ: return x == want;
    case FLT_NE: return x != want;
    case FLT_LT: return x < want;
    case FLT_GT: return x > want;
    case FLT_LE: return x <= want;
    case FLT_GE: return x >= want;
    default: return false;
    }
}

/* A scalar's text: a string's bytes, a number's JSON text, true/false. */
static bool scalar_text(ot_json v, ot_buf *scratch, const char **t, size_t *n)
{
    bool b;
    switch (ot_json_typeof(v)) {
    case OT_JSON_STRING:
        return ot_json_str(v, t, n) == 0;
    case OT_JSON_BOOL:
        ot_json_bool(v, &b);
        *t = b ? "true" : "false";
        *n = strlen(*t);
        return true;
    case OT_JSON_NUMBER:
        ot_buf_reset(scratch);
        if (ot_json_write(v, scratch))
            return false;
        *t = scratch->data, *n = scratch->len;
        return true;
    default:
        return false;
    }
}

static bool json_test(const ot_filter *f, const flt_test *t, ot_filter_fields *fx)
{
    ot_json v;
    bool found = flt_resolve(f, f->steps + t->step0, t->nsteps, fx->root, &v);
    if (t->op == FLT_NOT_EXISTS || !found)
        return t->op == FLT_NOT_EXISTS && !found;
    ot_json_type type = ot_json_typeof(v);
    bool b = false;
    if (t->op == FLT_IS_NULL)
        return type == OT_JSON_NULL;
    if (t->op == FLT_IS_TRUE || t->op == FLT_IS_FALSE)
        return type == OT_JSON_BOOL && !ot_json_bool(v, &b) && b == (t->op == FLT_IS_TRUE);
    if (t->v.kind == FLT_V_NUMBER) {
        double x;
        return type == OT_JSON_NUMBER && !ot_json_double(v, &x) && flt_number_test(t->op, x, t->v.num);
    }
    const char *text;
    size_t n;
    if (!scalar_text(v, &fx->scratch, &text, &n))
        return false; /* null, object, array: no comparison holds */
    return flt_text_test(f, t->op, &t->v, text, n);
}

static bool json_node(const ot_filter *f, int32_t node, ot_filter_fields *fx)
{
    const flt_node *nd = &f->nodes[node];
    switch (nd->kind) {
    case FLT_N_AND:
        return json_node(f, (int32_t)nd->a, fx) && json_node(f, (int32_t)nd->b, fx);
    case FLT_N_OR:
        return json_node(f, (int32_t)nd->a, fx) || json_node(f, (int32_t)nd->b, fx);
    default:
        return json_test(f, &f->tests[nd->a], fx);
    }
}

/* A JSON log event is a message that is one JSON object (leading whitespace allowed). */
bool flt_match_json(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx)
{
    size_t i = 0;
    while (i < len && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' || msg[i] == '\n'))
        i++;
    if (i >= len || msg[i] != '{')
        return false;
    if (!fx->prefiltered && !flt_prefilter_pass(f, msg, len))
        return false;
    if (!fx->shared || fx->parsed < 0) {
        char err[64];
        fx->have_doc = ot_json_parse(fx->doc, msg, len, false, &fx->root, err, sizeof err) == 0;
        fx->parsed = fx->have_doc;
    }
    return fx->have_doc && json_node(f, f->root, fx);
}

bool flt_match_one(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx)
{
    fx->last = f;
    switch (f->kind) {
    case OT_FILTER_ALL:
        return true;
    case OT_FILTER_TERMS:
        return flt_match_terms(f, msg, len);
    case OT_FILTER_REGEX:
        return flt_regex_search(f->regexes[0], msg, len);
    case OT_FILTER_JSON:
        return flt_match_json(f, msg, len, fx);
    case OT_FILTER_DELIM:
        return flt_match_delim(f, msg, len, fx);
    }
    return false;
}

void flt_new_event(ot_filter_fields *fx, const char *msg, bool shared)
{
    fx->prefiltered = false;
    fx->msg = msg;
    fx->have_doc = false;
    fx->nfields = 0;
    fx->shared = shared;
    fx->parsed = -1;
}

bool ot_filter_match(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx)
{
    flt_new_event(fx, msg, false);
    return flt_match_one(f, msg, len, fx);
}

size_t ot_filter_match_each(ot_filter *const *filters, size_t n, const char *msg, size_t len,
                            ot_filter_fields *fx, bool *hit)
{
    ot_filter_set *set = NULL;
    if (ot_filter_set_new(filters, n, &set) == OT_OK) {
        size_t count = ot_filter_set_match(set, msg, len, fx, hit);
        ot_filter_set_free(set);
        return count;
    }
    flt_new_event(fx, msg, true); /* out of memory: one filter after the other */
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += hit[i] = flt_match_one(filters[i], msg, len, fx);
    fx->shared = false;
    return count;
}

/* A selector given by name, compiled into a throwaway filter (steps and keys). */
static int json_value(ot_filter_fields *fx, const char *name, const char **val, size_t *vlen)
{
    ot_filter tmp = {0};
    flt_parser p = {.f = &tmp, .s = name, .len = strlen(name)};
    int rc = flt_parse_selector(&p, &(uint32_t){0}, &(uint32_t){0});
    if (!rc && p.pos != p.len)
        rc = OT_EINVAL;
    ot_json v;
    if (!rc && !flt_resolve(&tmp, tmp.steps, (uint32_t)tmp.nsteps, fx->root, &v))
        rc = OT_ENOTFOUND;
    if (!rc && !scalar_text(v, &fx->scratch, val, vlen))
        rc = OT_ENOTFOUND;
    free(tmp.steps);
    free(tmp.arena);
    return rc;
}

static int field_value(ot_filter_fields *fx, const char *name, const char **val, size_t *vlen)
{
    const ot_filter *f = fx->last;
    size_t n = strlen(name);
    for (size_t c = 0; c < f->ncols; c++) {
        const flt_col *col = &f->cols[c];
        if (col->ellipsis || col->name_len != n || memcmp(flt_str(f, col->name_off), name, n))
            continue;
        uint32_t j = fx->cap[c];
        *val = fx->msg + fx->field[j].off;
        *vlen = fx->field[j].len;
        return 0;
    }
    return OT_ENOTFOUND;
}

int ot_filter_value(ot_filter_fields *fx, const char *name, const char **val, size_t *vlen)
{
    if (!name || (name[0] != '$' && fx->have_doc))
        return OT_EINVAL;
    if (fx->have_doc)
        return json_value(fx, name, val, vlen);
    if (fx->last && fx->last->kind == OT_FILTER_DELIM && fx->nfields)
        return field_value(fx, name[0] == '$' ? name + 1 : name, val, vlen);
    return OT_ENOTFOUND;
}
