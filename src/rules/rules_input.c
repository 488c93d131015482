/* rules_input.c — a target's input checked as PutTargets checks it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
 * Input is JSON text; InputPath and the values of InputPathsMap are JSON paths in dot notation;
 * the keys of InputPathsMap are [A-Za-z0-9_-], not starting with "AWS"; an InputTemplate that
 * is a JSON object or array is valid JSON once its placeholders are filled in (so a placeholder
 * cannot be an object key). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"

#define PATHS_MAP_MAX 100
#define PATH_MAX_LEN 256
#define PLACEHOLDER_MAX 256

static int refuse(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return OT_EINVAL;
}

static bool is_json(const char *text, size_t len)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    bool ok = doc && ot_json_parse(doc, text, len, false, &root, NULL, 0) == 0;
    ot_json_doc_free(doc);
    return ok;
}

/* "$", then any number of ".name" (no '.', '[', ']' or blank in a name) and "[digits]". */
static bool json_path_ok(const char *p, size_t len)
{
    if (len == 0 || len > PATH_MAX_LEN || p[0] != '$')
        return false;
    size_t i = 1;
    while (i < len) {
        if (p[i] == '.') {
            size_t start = ++i;
            while (i < len && !strchr(".[]", p[i]) && !isspace((unsigned char)p[i]))
                i++;
            if (i == start)
                return false;
        } else if (p[i] == '[') {
            size_t start = ++i;
            while (i < len && isdigit((unsigned char)p[i]))
                i++;
            if (i == start || i >= len || p[i] != ']')
                return false;
            i++;
        } else {
            return false;
        }
    }
    return true;
}

static bool map_key_ok(const char *k, size_t len)
{
    if (len == 0 || len > 256 || (len >= 3 && !strncmp(k, "AWS", 3)))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)k[i]) && k[i] != '_' && k[i] != '-')
            return false;
    return true;
}

/* Checks InputPathsMap (parsed into *map, valid while doc is). */
static int check_paths_map(const ot_rule_target *t, ot_json_doc *doc, ot_json *map, char *msg,
                           size_t cap)
{
    const char *text = t->input_paths_map;
    if (ot_json_parse(doc, text, strlen(text), false, map, NULL, 0) ||
        ot_json_typeof(*map) != OT_JSON_OBJECT)
        return refuse(msg, cap, "InputPathsMap of target %s must be a JSON object.", t->id);
    if (ot_json_count(*map) > PATHS_MAP_MAX)
        return refuse(msg, cap, "InputPathsMap of target %s has more than %d entries.", t->id,
                      PATHS_MAP_MAX);
    ot_json_iter it;
    const char *k, *v;
    size_t kl, vl;
    ot_json val;
    ot_json_object_iter(*map, &it);
    while (ot_json_object_next(&it, &k, &kl, &val)) {
        if (!map_key_ok(k, kl))
            return refuse(msg, cap,
                          "InputPathsMap of target %s: key '%.*s' is not valid: keys are "
                          "[A-Za-z0-9_-]+ and cannot start with AWS.",
                          t->id, (int)(kl < 64 ? kl : 64), k);
        if (ot_json_str(val, &v, &vl) || !json_path_ok(v, vl))
            return refuse(msg, cap,
                          "InputPathsMap of target %s: the value of key '%.*s' is not a valid "
                          "JSON path.",
                          t->id, (int)(kl < 64 ? kl : 64), k);
    }
    return 0;
}

/* The template with each <placeholder> replaced by a JSON value (outside a string) or by text
 * (inside one), as EventBridge fills it in. */
static int fill_placeholders(const char *tpl, ot_buf *out)
{
    bool in_string = false;
    for (const char *p = tpl; *p; p++) {
        const char *close = *p == '<' ? strchr(p, '>') : NULL;
        if (close && close - p - 1 > 0 && close - p - 1 <= PLACEHOLDER_MAX &&
            !memchr(p + 1, '<', (size_t)(close - p - 1))) {
            const char *fill = in_string ? "x" : "null";
            if (ot_buf_append(out, fill, strlen(fill)))
                return OT_ENOMEM;
            p = close;
            continue;
        }
        if (*p == '\\' && in_string && p[1]) {
            if (ot_buf_append(out, p, 2))
                return OT_ENOMEM;
            p++;
            continue;
        }
        if (*p == '"')
            in_string = !in_string;
        if (ot_buf_append(out, p, 1))
            return OT_ENOMEM;
    }
    return 0;
}

static int check_template(const ot_rule_target *t, char *msg, size_t cap)
{
    const char *p = t->input_template;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '{' && *p != '[')
        return 0; /* a text template: any text */
    ot_buf filled;
    ot_buf_init(&filled, 0);
    int rc = fill_placeholders(p, &filled);
    bool ok = !rc && is_json(filled.data ? filled.data : "", filled.len);
    ot_buf_free(&filled);
    if (rc)
        return rc;
    return ok ? 0
              : refuse(msg, cap,
                       "InputTemplate of target %s is not valid JSON once its placeholders "
                       "are filled in (a placeholder cannot be an object key).",
                       t->id);
}

static int check_transformer(const ot_rule_target *t, char *msg, size_t cap)
{
    if (t->input_paths_map) {
        ot_json_doc *doc = ot_json_doc_new();
        if (!doc)
            return OT_ENOMEM;
        ot_json map;
        int rc = check_paths_map(t, doc, &map, msg, cap);
        ot_json_doc_free(doc);
        if (rc)
            return rc;
    }
    return check_template(t, msg, cap);
}

int ot_rules_input_check(const ot_rule_target *t, char *msg, size_t msgcap)
{
    int given = !!t->input + !!t->input_path + !!t->input_template;
    if (given > 1)
        return refuse(msg, msgcap,
                      "Only one of Input, InputPath, or InputTransformer must be provided for "
                      "target %s.",
                      t->id);
    if (t->input_paths_map && !t->input_template)
        return refuse(msg, msgcap, "InputTransformer of target %s needs an InputTemplate.",
                      t->id);
    if (t->input && !is_json(t->input, strlen(t->input)))
        return refuse(msg, msgcap, "Input of target %s is not valid JSON text.", t->id);
    if (t->input_path && !json_path_ok(t->input_path, strlen(t->input_path)))
        return refuse(msg, msgcap, "InputPath of target %s is not a valid JSON path: %.256s",
                      t->id, t->input_path);
    return t->input_template ? check_transformer(t, msg, msgcap) : 0;
}
