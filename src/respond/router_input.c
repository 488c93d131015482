/* router_input.c — a target's input from the matched event: constant Input, InputPath,
 * InputTransformer. See router_input.h. */
#include "respond/router_input.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

#define VARS_MAX 110 /* InputPathsMap's 100 and the predefined ones */
#define VAR_NAME_MAX 256

/* One template variable: its value's JSON text (text), or a string's bare content (is_str). */
typedef struct tvar {
    char name[VAR_NAME_MAX];
    bool found, is_str;
    ot_buf text;
} tvar;

typedef struct tvars {
    tvar v[VARS_MAX];
    size_t n;
} tvars;

static int fail(char *err, size_t cap, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t cap, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return rc;
}

/* The array element at index i, false if there is none. */
static bool array_at(ot_json arr, unsigned long i, ot_json *out)
{
    ot_json_iter it;
    if (ot_json_array_iter(arr, &it))
        return false;
    for (unsigned long k = 0; ot_json_array_next(&it, out); k++)
        if (k == i)
            return true;
    return false;
}

/* Follows path ($, $.a.b, $.a[0].b) from root: 1 found (*out), 0 nothing there, OT_EINVAL for a
 * malformed path. */
static int path_resolve(ot_json root, const char *path, ot_json *out)
{
    if (path[0] != '$')
        return OT_EINVAL;
    ot_json cur = root;
    bool there = true;
    const char *p = path + 1;
    while (*p) {
        char key[VAR_NAME_MAX];
        if (*p == '.') {
            size_t n = strcspn(++p, ".[");
            if (n == 0 || n >= sizeof key)
                return OT_EINVAL;
            memcpy(key, p, n);
            key[n] = '\0';
            p += n;
            there = there && ot_json_typeof(cur) == OT_JSON_OBJECT && !ot_json_get(cur, key, &cur);
        } else if (*p == '[') {
            char *end;
            if (!isdigit((unsigned char)p[1]))
                return OT_EINVAL;
            unsigned long i = strtoul(p + 1, &end, 10);
            if (*end != ']')
                return OT_EINVAL;
            p = end + 1;
            there = there && ot_json_typeof(cur) == OT_JSON_ARRAY && array_at(cur, i, &cur);
        } else {
            return OT_EINVAL;
        }
    }
    if (there)
        *out = cur;
    return there;
}

/* Stores value v into var (a string's bare content, anything else as JSON text). */
static int var_set(tvar *var, ot_json v)
{
    var->found = true;
    var->is_str = ot_json_typeof(v) == OT_JSON_STRING;
    if (!var->is_str)
        return ot_json_write(v, &var->text);
    const char *s;
    size_t n;
    return ot_json_str(v, &s, &n) || ot_buf_append(&var->text, s, n) ? OT_ENOMEM : 0;
}

static tvar *var_add(tvars *vs, const char *name, size_t n)
{
    if (vs->n == VARS_MAX || n >= VAR_NAME_MAX)
        return NULL;
    tvar *v = &vs->v[vs->n++];
    memcpy(v->name, name, n);
    v->name[n] = '\0';
    ot_buf_init(&v->text, 0);
    return v;
}

static void vars_free(tvars *vs)
{
    for (size_t i = 0; i < vs->n; i++)
        ot_buf_free(&vs->v[i].text);
}

/* The predefined variables (a string each, the whole event as JSON). */
static int vars_predefined(tvars *vs, const ot_router_input_ctx *ctx, const char *event,
                           size_t len)
{
    char when[32];
    ot_time_iso8601(ctx->ingest_ms, when);
    const char *const strs[][2] = {{"aws.events.rule-arn", ctx->rule_arn},
                                   {"aws.events.rule-name", ctx->rule_name},
                                   {"aws.events.event.ingestion-time", when}};
    for (size_t i = 0; i < 3; i++) {
        tvar *v = var_add(vs, strs[i][0], strlen(strs[i][0]));
        v->found = v->is_str = true;
        if (ot_buf_puts(&v->text, strs[i][1] ? strs[i][1] : ""))
            return OT_ENOMEM;
    }
    const char *const whole[] = {"aws.events.event", "aws.events.event.json"};
    for (size_t i = 0; i < 2; i++) {
        tvar *v = var_add(vs, whole[i], strlen(whole[i]));
        v->found = true;
        if (ot_buf_append(&v->text, event, len))
            return OT_ENOMEM;
    }
    return 0;
}

/* A copy of the InputPathsMap's entries: name and path each. */
typedef struct path_entry {
    char name[VAR_NAME_MAX];
    char path[VAR_NAME_MAX * 4];
} path_entry;

static int paths_read(ot_json_doc *doc, const char *map, path_entry *pe, size_t *n, char *err,
                      size_t cap)
{
    ot_json root, val;
    ot_json_iter it;
    const char *key, *s;
    size_t klen, slen;
    char why[64];
    *n = 0;
    if (ot_json_parse(doc, map, strlen(map), false, &root, why, sizeof why) ||
        ot_json_object_iter(root, &it))
        return fail(err, cap, OT_EINVAL, "InputPathsMap is not a JSON object");
    while (ot_json_object_next(&it, &key, &klen, &val)) {
        if (*n == 100)
            return fail(err, cap, OT_EINVAL, "InputPathsMap has more than 100 entries");
        if (ot_json_str(val, &s, &slen) || klen >= VAR_NAME_MAX || slen >= sizeof pe->path)
            return fail(err, cap, OT_EINVAL, "InputPathsMap entry %.*s is not a path",
                        (int)(klen < 64 ? klen : 64), key);
        memcpy(pe[*n].name, key, klen);
        pe[*n].name[klen] = '\0';
        memcpy(pe[*n].path, s, slen);
        pe[*n].path[slen] = '\0';
        (*n)++;
    }
    return 0;
}

static int vars_from_paths(tvars *vs, ot_json root, const path_entry *pe, size_t n, char *err,
                           size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        ot_json v;
        int found = path_resolve(root, pe[i].path, &v);
        if (found < 0)
            return fail(err, cap, OT_EINVAL, "InputPathsMap path %s is not a JSONPath",
                        pe[i].path);
        tvar *var = var_add(vs, pe[i].name, strlen(pe[i].name));
        if (!var)
            return fail(err, cap, OT_EINVAL, "too many InputPathsMap entries");
        if (found && var_set(var, v))
            return OT_ENOMEM;
    }
    return 0;
}

static const tvar *var_find(const tvars *vs, const char *name, size_t n)
{
    for (size_t i = vs->n; i-- > 0;) /* the map's own entries win over predefined ones */
        if (strlen(vs->v[i].name) == n && !memcmp(vs->v[i].name, name, n))
            return &vs->v[i];
    return NULL;
}

/* Appends s escaped as the inside of a JSON string (ot_json_escape without its quotes). */
static int escape_bare(ot_buf *out, const char *s, size_t n)
{
    size_t at = out->len;
    if (ot_json_escape(out, s, n))
        return OT_ENOMEM;
    memmove(out->data + at, out->data + at + 1, out->len - at - 2);
    out->len -= 2;
    return 0;
}

/* Writes var's value at a place in the template: in a quoted string, bare outside one. */
static int put_value(ot_buf *out, const tvar *var, bool in_string, bool json_template)
{
    if (in_string)
        return var->found ? escape_bare(out, var->text.data, var->text.len) : 0;
    if (!var->found)
        return json_template ? ot_buf_puts(out, "null") : 0;
    if (var->is_str && json_template)
        return ot_json_escape(out, var->text.data, var->text.len);
    return ot_buf_append(out, var->text.data, var->text.len);
}

/* Fills the template's placeholders; quotes (not escaped) toggle whether we are in a string. */
static int fill(const char *tpl, const tvars *vs, bool json_template, ot_buf *out)
{
    bool in_string = false;
    for (const char *p = tpl; *p;) {
        if (*p == '\\' && in_string && p[1]) {
            if (ot_buf_append(out, p, 2))
                return OT_ENOMEM;
            p += 2;
            continue;
        }
        if (*p == '"')
            in_string = !in_string;
        /* a name is short: looking no further keeps a template of many '<' linear */
        const char *close = *p == '<' ? memchr(p + 1, '>', strnlen(p + 1, VAR_NAME_MAX)) : NULL;
        const tvar *var = close ? var_find(vs, p + 1, (size_t)(close - p - 1)) : NULL;
        if (var) {
            if (put_value(out, var, in_string, json_template))
                return OT_ENOMEM;
            p = close + 1;
        } else if (ot_buf_putc(out, *p++)) {
            return OT_ENOMEM;
        }
    }
    return 0;
}

static bool is_json_template(const char *tpl)
{
    while (isspace((unsigned char)*tpl))
        tpl++;
    return *tpl == '{' || *tpl == '[';
}

static int transform(ot_json_doc *doc, const ot_rule_target *t, const char *event, size_t len,
                     const ot_router_input_ctx *ctx, ot_buf *out, char *err, size_t cap)
{
    path_entry *pe = calloc(100, sizeof *pe);
    tvars *vs = calloc(1, sizeof *vs);
    size_t npaths = 0;
    int rc = pe && vs ? 0 : OT_ENOMEM;
    if (!rc && t->input_paths_map)
        rc = paths_read(doc, t->input_paths_map, pe, &npaths, err, cap);
    ot_json root;
    char why[64];
    if (!rc)
        rc = vars_predefined(vs, ctx, event, len);
    if (!rc && ot_json_parse(doc, event, len, false, &root, why, sizeof why))
        rc = fail(err, cap, OT_EINVAL, "the event is not JSON: %s", why);
    if (!rc)
        rc = vars_from_paths(vs, root, pe, npaths, err, cap);
    bool json_template = is_json_template(t->input_template);
    if (!rc)
        rc = fill(t->input_template, vs, json_template, out);
    if (!rc && json_template &&
        ot_json_parse(doc, out->data, out->len, false, &root, why, sizeof why))
        rc = fail(err, cap, OT_EINVAL, "InputTemplate does not give valid JSON: %s", why);
    if (vs)
        vars_free(vs);
    free(vs);
    free(pe);
    return rc;
}

static int select_path(ot_json_doc *doc, const char *path, const char *event, size_t len,
                       ot_buf *out, char *err, size_t cap)
{
    ot_json root, v;
    char why[64];
    if (ot_json_parse(doc, event, len, false, &root, why, sizeof why))
        return fail(err, cap, OT_EINVAL, "the event is not JSON: %s", why);
    int found = path_resolve(root, path, &v);
    if (found < 0)
        return fail(err, cap, OT_EINVAL, "InputPath %s is not a JSONPath", path);
    if (!found)
        return fail(err, cap, OT_EINVAL, "InputPath %s selects nothing in the event", path);
    return ot_json_write(v, out);
}

int ot_router_input(ot_json_doc *doc, const ot_rule_target *t, const char *event, size_t len,
                    const ot_router_input_ctx *ctx, ot_buf *out, char *err, size_t errcap)
{
    ot_buf_reset(out);
    if (err && errcap)
        err[0] = '\0';
    if (t->input)
        return ot_buf_puts(out, t->input);
    if (t->input_path)
        return select_path(doc, t->input_path, event, len, out, err, errcap);
    if (t->input_template)
        return transform(doc, t, event, len, ctx, out, err, errcap);
    return ot_buf_append(out, event, len);
}
