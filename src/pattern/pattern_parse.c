/* pattern_parse.c — an event pattern's JSON into its branches (pt_ir), with every check PutRule
 * makes. The reasons are event-ruler's (the matcher EventBridge runs), after "Event pattern is
 * not valid. Reason: ", as InvalidEventPatternException says them. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"

#define PT_ARENA_CHUNK 8192

typedef struct pt_arena {
    struct pt_arena *next;
    size_t used, cap;
    max_align_t data[];
} pt_arena;

typedef struct pt_parse {
    pt_ir *ir;
    char *msg;
    size_t msgcap;
    int rc;
} pt_parse;

static void *arena_alloc(pt_ir *ir, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    pt_arena *a = ir->arena;
    if (!a || a->cap - a->used < n) {
        size_t cap = n > PT_ARENA_CHUNK ? n : PT_ARENA_CHUNK;
        pt_arena *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a, c->used = 0, c->cap = cap;
        ir->arena = a = c;
    }
    void *p = (char *)a->data + a->used;
    a->used += n;
    return p;
}

void pt_ir_free(pt_ir *ir)
{
    for (pt_arena *a = ir->arena, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    ot_json_doc_free(ir->doc);
    memset(ir, 0, sizeof *ir);
}

/* Fails the parse with a reason; returns the failure code for `return fail(...)`. */
__attribute__((format(printf, 2, 3))) static int fail(pt_parse *p, const char *fmt, ...)
{
    if (p->rc)
        return p->rc;
    p->rc = OT_EINVAL;
    int k = snprintf(p->msg, p->msgcap, "Event pattern is not valid. Reason: ");
    if (k < 0 || (size_t)k >= p->msgcap)
        return p->rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg + k, p->msgcap - (size_t)k, fmt, ap);
    va_end(ap);
    return p->rc;
}

static int nomem(pt_parse *p)
{
    if (!p->rc) {
        p->rc = OT_ENOMEM;
        snprintf(p->msg, p->msgcap, "out of memory");
    }
    return p->rc;
}

static bool is_str(ot_json v) { return ot_json_typeof(v) == OT_JSON_STRING; }
static bool is_num(ot_json v) { return ot_json_typeof(v) == OT_JSON_NUMBER; }

/* The only member of an operator object: 0, or the reason it has none or several. */
static int only_member(pt_parse *p, ot_json obj, const char *none, const char **key,
                       size_t *klen, ot_json *val)
{
    ot_json_iter it;
    if (ot_json_object_iter(obj, &it) || !ot_json_object_next(&it, key, klen, val))
        return fail(p, "%s", none);
    const char *k2;
    size_t n2;
    ot_json v2;
    if (ot_json_object_next(&it, &k2, &n2, &v2))
        return fail(p, "Only one key allowed in match expression");
    return 0;
}

static bool key_is(const char *k, size_t n, const char *want)
{
    return n == strlen(want) && !memcmp(k, want, n);
}

static pt_atom *new_atoms(pt_parse *p, size_t n)
{
    pt_atom *a = arena_alloc(p->ir, n * sizeof *a);
    if (!a)
        return nomem(p), NULL;
    memset(a, 0, n * sizeof *a);
    return a;
}

static int string_atom(pt_parse *p, pt_alt *alt, pt_kind kind, ot_json v, const char *why)
{
    if (!is_str(v))
        return fail(p, "%s", why);
    if (!(alt->atoms = new_atoms(p, 1)))
        return p->rc;
    alt->natoms = 1;
    alt->atoms[0].kind = kind;
    ot_json_str(v, &alt->atoms[0].s, &alt->atoms[0].n);
    if (kind == PT_WILDCARD) {
        char why2[160];
        if (pt_wildcard_check(alt->atoms[0].s, alt->atoms[0].n, why2, sizeof why2))
            return fail(p, "%s", why2);
    }
    return 0;
}

/* prefix / suffix: a string, or {"equals-ignore-case": string}. */
static int affix(pt_parse *p, pt_alt *alt, bool prefix, ot_json v)
{
    const char *name = prefix ? "prefix" : "suffix";
    if (ot_json_typeof(v) != OT_JSON_OBJECT) {
        char why[64];
        snprintf(why, sizeof why, "%s match pattern must be a string", name);
        return string_atom(p, alt, prefix ? PT_PREFIX : PT_SUFFIX, v, why);
    }
    const char *k;
    size_t kn;
    ot_json inner;
    char none[64];
    snprintf(none, sizeof none, "%s expression name not found", prefix ? "Prefix" : "Suffix");
    if (only_member(p, v, none, &k, &kn, &inner))
        return p->rc;
    if (!key_is(k, kn, "equals-ignore-case"))
        return fail(p, "Unsupported %s pattern: %.*s", name, (int)kn, k);
    return string_atom(p, alt, prefix ? PT_PREFIX_EIC : PT_SUFFIX_EIC, inner,
                       "equals-ignore-case match pattern must be a string");
}

/* The number after the operator op, at el[i]. */
static int numeric_value(pt_parse *p, const ot_json *el, size_t n, size_t i, const char *op,
                         size_t opn, double *x)
{
    if (i >= n || !is_num(el[i]))
        return fail(p, "Value of %.*s must be numeric", (int)opn, op);
    ot_json_double(el[i], x);
    return 0;
}

/* [op, x] or [">"|">=", x, "<"|"<=", y]. */
static int numeric(pt_parse *p, pt_alt *alt, ot_json v)
{
    if (ot_json_typeof(v) != OT_JSON_ARRAY)
        return fail(p, "Value of numeric must be an array.");
    ot_json el[4];
    size_t n = 0;
    ot_json_iter it;
    ot_json e;
    ot_json_array_iter(v, &it);
    while (ot_json_array_next(&it, &e))
        if (n < 4)
            el[n++] = e;
        else
            return fail(p, "Too many terms in numeric range expression");
    if (!(alt->atoms = new_atoms(p, 1)))
        return p->rc;
    alt->natoms = 1;
    pt_atom *a = &alt->atoms[0];
    a->kind = PT_RANGE, a->lo = -INFINITY, a->hi = INFINITY;
    const char *op;
    size_t opn;
    if (n == 0 || !is_str(el[0]))
        return fail(p, "Invalid member in numeric match: %s", n == 0 ? "]" : "not an operator");
    ot_json_str(el[0], &op, &opn);
    double x;
    bool lower = key_is(op, opn, ">") || key_is(op, opn, ">=");
    if (!lower && !key_is(op, opn, "=") && !key_is(op, opn, "<") && !key_is(op, opn, "<="))
        return fail(p, "Unrecognized numeric range operator: %.*s", (int)opn, op);
    if (numeric_value(p, el, n, 1, op, opn, &x))
        return p->rc;
    if (!lower) {
        if (n != 2)
            return fail(p, "Too many elements in numeric expression");
        if (op[0] == '=')
            a->lo = a->hi = x;
        else
            a->hi = x, a->hi_open = opn == 1;
        return 0;
    }
    a->lo = x, a->lo_open = opn == 1;
    if (n == 2)
        return 0;
    if (!is_str(el[2]))
        return fail(p, "Bad value in numeric range: not an operator");
    ot_json_str(el[2], &op, &opn);
    if (!key_is(op, opn, "<") && !key_is(op, opn, "<="))
        return fail(p, "Bad numeric range operator: %.*s", (int)opn, op);
    if (numeric_value(p, el, n, 3, op, opn, &x))
        return p->rc;
    a->hi = x, a->hi_open = opn == 1;
    if (!(a->lo < a->hi))
        return fail(p, "Bottom must be less than top");
    return 0;
}

/* The operand of anything-but's inner operator: one string or a list of them. */
static int anything_but_inner(pt_parse *p, pt_alt *alt, const char *k, size_t kn, ot_json v)
{
    pt_kind kind = key_is(k, kn, "prefix")               ? PT_PREFIX
                   : key_is(k, kn, "suffix")             ? PT_SUFFIX
                   : key_is(k, kn, "equals-ignore-case") ? PT_EIC
                   : key_is(k, kn, "wildcard")           ? PT_WILDCARD
                                                         : PT_KINDS;
    if (kind == PT_KINDS)
        return fail(p, "Unsupported anything-but pattern: %.*s", (int)kn, k);
    ot_json one[1] = {v};
    ot_json *vals = one;
    size_t n = 1;
    if (ot_json_typeof(v) == OT_JSON_ARRAY) {
        n = ot_json_count(v);
        if (n == 0)
            return fail(p, "Empty arrays are not allowed");
        if (!(vals = arena_alloc(p->ir, n * sizeof *vals)))
            return nomem(p);
        ot_json_iter it;
        ot_json_array_iter(v, &it);
        for (size_t i = 0; ot_json_array_next(&it, &vals[i]); i++)
            ;
    } else if (!is_str(v) && !is_num(v)) {
        return fail(p, "Value of anything-but must be an array or single string/number value.");
    }
    const char *why = kind == PT_EIC ? "Inside anything-but/equals-ignore-case list, "
                                       "number|start|null|boolean is not supported."
                      : kind == PT_WILDCARD ? "wildcard match pattern must be a string"
                                            : "prefix/suffix match pattern must be a string";
    if (!(alt->atoms = new_atoms(p, n)))
        return p->rc;
    alt->natoms = n;
    for (size_t i = 0; i < n; i++) {
        pt_alt one_alt = {0};
        if (string_atom(p, &one_alt, kind, vals[i], why))
            return p->rc;
        if ((kind == PT_PREFIX || kind == PT_SUFFIX) && one_alt.atoms[0].n == 0)
            return fail(p, "Null prefix/suffix not allowed");
        alt->atoms[i] = one_alt.atoms[0];
    }
    return 0;
}

/* anything-but a value or a list of values, all strings or all numbers. */
static int anything_but_values(pt_parse *p, pt_alt *alt, ot_json v)
{
    ot_json one[1] = {v};
    ot_json *vals = one;
    size_t n = 1;
    if (ot_json_typeof(v) == OT_JSON_ARRAY) {
        n = ot_json_count(v);
        if (!(vals = arena_alloc(p->ir, (n ? n : 1) * sizeof *vals)))
            return nomem(p);
        ot_json_iter it;
        ot_json_array_iter(v, &it);
        for (size_t i = 0; ot_json_array_next(&it, &vals[i]); i++)
            ;
    } else if (!is_str(v) && !is_num(v)) {
        return fail(p, "Value of anything-but must be an array or single string/number value.");
    }
    size_t strings = 0, numbers = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_str(vals[i]))
            strings++;
        else if (is_num(vals[i]))
            numbers++;
        else
            return fail(p, "Inside anything but list, start|null|boolean is not supported.");
    }
    if ((strings && numbers) || n == 0)
        return fail(p, "Inside anything but list, either all values are number or string, "
                       "mixed type is not supported");
    if (!(alt->atoms = new_atoms(p, n)))
        return p->rc;
    alt->natoms = n;
    alt->numeric = numbers > 0;
    for (size_t i = 0; i < n; i++) {
        pt_atom *a = &alt->atoms[i];
        if (numbers) {
            a->kind = PT_NUM;
            ot_json_double(vals[i], &a->lo);
        } else {
            a->kind = PT_STR;
            ot_json_str(vals[i], &a->s, &a->n);
        }
    }
    return 0;
}

static int anything_but(pt_parse *p, pt_alt *alt, ot_json v)
{
    alt->negated = true;
    if (ot_json_typeof(v) != OT_JSON_OBJECT)
        return anything_but_values(p, alt, v);
    const char *k;
    size_t kn;
    ot_json inner;
    if (only_member(p, v, "Anything-But expression name not found", &k, &kn, &inner))
        return p->rc;
    return anything_but_inner(p, alt, k, kn, inner);
}

static int cidr(pt_parse *p, pt_alt *alt, ot_json v)
{
    if (string_atom(p, alt, PT_CIDR, v, "cidr match pattern must be a string"))
        return p->rc;
    char why[160];
    pt_atom *a = &alt->atoms[0];
    if (!memchr(a->s, '/', a->n) || ot_cidr_parse(a->s, a->n, &a->cidr, why, sizeof why))
        return fail(p, "Invalid CIDR: %.*s", (int)(a->n > 64 ? 64 : a->n), a->s);
    return 0;
}

static int exists(pt_parse *p, pt_field *f, pt_alt *alt, ot_json v)
{
    bool b;
    if (ot_json_typeof(v) != OT_JSON_BOOL || ot_json_bool(v, &b))
        return fail(p, "exists match pattern must be either true or false.");
    if (!b) {
        f->absent_ok = true;
        alt->natoms = 0; /* nothing to look up: absence is checked per branch */
        return 0;
    }
    if (!(alt->atoms = new_atoms(p, 1)))
        return p->rc;
    alt->natoms = 1;
    alt->atoms[0].kind = PT_EXISTS;
    return 0;
}

/* One {operator: operand} of a field's list. */
static int match_expression(pt_parse *p, pt_field *f, pt_alt *alt, ot_json obj)
{
    const char *k;
    size_t kn;
    ot_json v;
    if (only_member(p, obj, "Match expression name not found", &k, &kn, &v))
        return p->rc;
    if (key_is(k, kn, "prefix") || key_is(k, kn, "suffix"))
        return affix(p, alt, k[0] == 'p', v);
    if (key_is(k, kn, "equals-ignore-case"))
        return string_atom(p, alt, PT_EIC, v, "equals-ignore-case match pattern must be a string");
    if (key_is(k, kn, "wildcard"))
        return string_atom(p, alt, PT_WILDCARD, v, "wildcard match pattern must be a string");
    if (key_is(k, kn, "exactly"))
        return string_atom(p, alt, PT_STR, v, "exact match pattern must be a string");
    if (key_is(k, kn, "numeric"))
        return numeric(p, alt, v);
    if (key_is(k, kn, "anything-but"))
        return anything_but(p, alt, v);
    if (key_is(k, kn, "cidr"))
        return cidr(p, alt, v);
    if (key_is(k, kn, "exists"))
        return exists(p, f, alt, v);
    return fail(p, "Unrecognized match type %.*s", (int)kn, k);
}

static int plain_value(pt_parse *p, pt_alt *alt, ot_json v)
{
    if (!(alt->atoms = new_atoms(p, 1)))
        return p->rc;
    alt->natoms = 1;
    pt_atom *a = &alt->atoms[0];
    bool b;
    switch (ot_json_typeof(v)) {
    case OT_JSON_STRING:
        a->kind = PT_STR;
        ot_json_str(v, &a->s, &a->n);
        return 0;
    case OT_JSON_NUMBER:
        a->kind = PT_NUM;
        ot_json_double(v, &a->lo);
        return 0;
    case OT_JSON_BOOL:
        ot_json_bool(v, &b);
        a->kind = b ? PT_TRUE : PT_FALSE;
        return 0;
    case OT_JSON_NULL:
        a->kind = PT_NULL;
        return 0;
    default:
        return fail(p, "Match value must be String, number, true, false, or null");
    }
}

/* A leaf's list of alternatives, at the path keys[0..nkeys). */
static pt_field *leaf(pt_parse *p, const char **keys, size_t *keylens, size_t nkeys, ot_json arr)
{
    size_t n = ot_json_count(arr);
    if (n == 0)
        return fail(p, "Empty arrays are not allowed"), NULL;
    pt_field *f = arena_alloc(p->ir, sizeof *f);
    pt_alt *alts = arena_alloc(p->ir, n * sizeof *alts);
    const char **k = arena_alloc(p->ir, nkeys * sizeof *k);
    size_t *kl = arena_alloc(p->ir, nkeys * sizeof *kl);
    if (!f || !alts || !k || !kl)
        return nomem(p), NULL;
    memset(alts, 0, n * sizeof *alts);
    memcpy(k, keys, nkeys * sizeof *k);
    memcpy(kl, keylens, nkeys * sizeof *kl);
    *f = (pt_field){.keys = k, .keylens = kl, .nkeys = nkeys, .alts = alts, .nalts = n};
    ot_json_iter it;
    ot_json v;
    ot_json_array_iter(arr, &it);
    for (size_t i = 0; ot_json_array_next(&it, &v); i++) {
        int rc = ot_json_typeof(v) == OT_JSON_OBJECT ? match_expression(p, f, &alts[i], v)
                                                     : plain_value(p, &alts[i], v);
        if (rc)
            return NULL;
    }
    return f;
}

static bool same_path(const pt_field *a, const pt_field *b)
{
    if (a->nkeys != b->nkeys)
        return false;
    for (size_t i = 0; i < a->nkeys; i++)
        if (a->keylens[i] != b->keylens[i] || memcmp(a->keys[i], b->keys[i], a->keylens[i]))
            return false;
    return true;
}

static int branch_add(pt_parse *p, pt_branch *b, pt_field *f)
{
    for (size_t i = 0; i < b->n; i++)
        if (same_path(b->fields[i], f)) {
            char path[256];
            size_t k = 0;
            for (size_t j = 0; j < f->nkeys && k < sizeof path - 1; j++)
                k += (size_t)snprintf(path + k, sizeof path - k, "%s%.*s", j ? "." : "",
                                      (int)f->keylens[j], f->keys[j]);
            return fail(p, "Path `%s` cannot be allowed multiple times", path);
        }
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        pt_field **nf = arena_alloc(p->ir, cap * sizeof *nf);
        if (!nf)
            return nomem(p);
        if (b->n)
            memcpy(nf, b->fields, b->n * sizeof *nf);
        b->fields = nf, b->cap = cap;
    }
    b->fields[b->n++] = f;
    return 0;
}

typedef struct pt_branches {
    pt_branch *v;
    size_t n;
} pt_branches;

static int copy_branches(pt_parse *p, const pt_branches *from, pt_branches *to)
{
    to->n = from->n ? from->n : 1;
    if (!(to->v = arena_alloc(p->ir, to->n * sizeof *to->v)))
        return nomem(p);
    memset(to->v, 0, to->n * sizeof *to->v);
    for (size_t i = 0; i < from->n; i++)
        for (size_t j = 0; j < from->v[i].n; j++)
            if (branch_add(p, &to->v[i], from->v[i].fields[j]))
                return p->rc;
    return 0;
}

static int parse_object(pt_parse *p, const char **keys, size_t *keylens, size_t depth,
                        ot_json obj, pt_branches *bs, bool in_or);

static bool reserved(const char *k, size_t n)
{
    static const char *const names[] = {"prefix", "suffix", "equals-ignore-case", "wildcard",
                                        "anything-but", "numeric", "cidr", "exists", "exactly"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (key_is(k, n, names[i]))
            return true;
    return false;
}

/* "$or": [ {...}, {...}, ... ]: every current branch forks once per object. */
static int parse_or(pt_parse *p, const char **keys, size_t *keylens, size_t depth, ot_json arr,
                    pt_branches *bs)
{
    if (ot_json_typeof(arr) != OT_JSON_ARRAY)
        return fail(p, "It must be an Array followed with $or.");
    size_t n = 0;
    ot_json_iter it;
    ot_json v;
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &v))
        if (ot_json_typeof(v) != OT_JSON_OBJECT)
            return fail(p, "Only JSON object is allowed in array of $or relationship.");
        else
            n++;
    if (n < 2)
        return fail(p, "There must have at least 2 Objects in $or relationship.");
    size_t base = bs->n ? bs->n : 1;
    if (base * n > PT_MAX_BRANCHES)
        return fail(p, "The pattern has more than %d $or combinations", PT_MAX_BRANCHES);
    pt_branches all = {arena_alloc(p->ir, PT_MAX_BRANCHES * sizeof(pt_branch)), 0};
    if (!all.v)
        return nomem(p);
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &v)) {
        pt_branches fork;
        if (copy_branches(p, bs, &fork) ||
            parse_object(p, keys, keylens, depth, v, &fork, true))
            return p->rc;
        if (all.n + fork.n > PT_MAX_BRANCHES)
            return fail(p, "The pattern has more than %d $or combinations", PT_MAX_BRANCHES);
        memcpy(all.v + all.n, fork.v, fork.n * sizeof *fork.v);
        all.n += fork.n;
    }
    *bs = all;
    return 0;
}

static int parse_object(pt_parse *p, const char **keys, size_t *keylens, size_t depth,
                        ot_json obj, pt_branches *bs, bool in_or)
{
    ot_json_iter it;
    const char *k;
    size_t kn;
    ot_json v;
    bool any = false;
    ot_json_object_iter(obj, &it);
    while (ot_json_object_next(&it, &k, &kn, &v)) {
        any = true;
        if (key_is(k, kn, "$or")) {
            if (parse_or(p, keys, keylens, depth, v, bs))
                return p->rc;
            continue;
        }
        if (in_or && reserved(k, kn))
            return fail(p, "%.*s is Ruler reserved fieldName which cannot be used inside $or.",
                        (int)kn, k);
        if (depth >= OT_JSON_MAX_DEPTH)
            return fail(p, "The pattern is nested too deeply");
        keys[depth] = k, keylens[depth] = kn;
        ot_json_type t = ot_json_typeof(v);
        if (t == OT_JSON_OBJECT) {
            if (parse_object(p, keys, keylens, depth + 1, v, bs, in_or))
                return p->rc;
        } else if (t == OT_JSON_ARRAY) {
            pt_field *f = leaf(p, keys, keylens, depth + 1, v);
            if (!f)
                return p->rc;
            if (bs->n == 0 && copy_branches(p, bs, bs))
                return p->rc;
            for (size_t i = 0; i < bs->n; i++)
                if (branch_add(p, &bs->v[i], f))
                    return p->rc;
        } else {
            return fail(p, "\"%.*s\" must be an object or an array", (int)kn, k);
        }
    }
    if (!any)
        return fail(p, "Empty objects are not allowed");
    return 0;
}

int pt_ir_parse(const char *json, size_t len, pt_ir *ir, char *msg, size_t msgcap)
{
    memset(ir, 0, sizeof *ir);
    pt_parse p = {ir, msg, msgcap, 0};
    if (msgcap)
        msg[0] = '\0';
    if (len > OT_PATTERN_MAX_LEN) {
        fail(&p, "The event pattern is %zu characters long; the limit is %d", len,
             OT_PATTERN_MAX_LEN);
        return OT_ELIMIT;
    }
    if (!(ir->doc = ot_json_doc_new()))
        return nomem(&p);
    ot_json root;
    char why[128];
    int rc = ot_json_parse(ir->doc, json, len, false, &root, why, sizeof why);
    if (rc == OT_ENOMEM)
        return nomem(&p);
    if (rc)
        return fail(&p, "The event pattern is not valid JSON: %s", why);
    if (ot_json_typeof(root) != OT_JSON_OBJECT)
        return fail(&p, "Filter is not an object");
    const char *keys[OT_JSON_MAX_DEPTH];
    size_t keylens[OT_JSON_MAX_DEPTH];
    pt_branches bs = {0};
    if (parse_object(&p, keys, keylens, 0, root, &bs, false))
        return p.rc;
    ir->branches = bs.v, ir->n = bs.n;
    return 0;
}
