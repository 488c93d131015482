/* cw_doc_json.c — an awsJson1_0 request body into the request tree (simdjson parses it, through
 * util/json.h; this copies the DOM into ot_cwd nodes, within the tree's depth and node caps). */
#include <stdio.h>
#include <string.h>

#include "api/cw_doc.h"
#include "util/err.h"
#include "util/json.h"

static int copy(ot_cwd_doc *d, ot_cwd *parent, const char *key, size_t keylen, ot_json v,
                int depth, char err[160]);

static int copy_children(ot_cwd_doc *d, ot_cwd *node, ot_json v, int depth, char err[160])
{
    ot_json_iter it;
    ot_json child;
    if (node->type == OT_CWD_LIST) {
        ot_json_array_iter(v, &it);
        while (ot_json_array_next(&it, &child)) {
            int rc = copy(d, node, NULL, 0, child, depth + 1, err);
            if (rc)
                return rc;
        }
        return OT_OK;
    }
    const char *k;
    size_t kl;
    ot_json_object_iter(v, &it);
    while (ot_json_object_next(&it, &k, &kl, &child)) {
        if (memchr(k, '\0', kl)) {
            snprintf(err, 160, "a member name holds a NUL character");
            return OT_EINVAL;
        }
        int rc = copy(d, node, k, kl, child, depth + 1, err);
        if (rc)
            return rc;
    }
    return OT_OK;
}

static ot_cwd_type type_of(ot_json v)
{
    switch (ot_json_typeof(v)) {
    case OT_JSON_BOOL: return OT_CWD_BOOL;
    case OT_JSON_NUMBER: return OT_CWD_NUM;
    case OT_JSON_STRING: return OT_CWD_STR;
    case OT_JSON_ARRAY: return OT_CWD_LIST;
    case OT_JSON_OBJECT: return OT_CWD_MAP;
    default: return OT_CWD_NULL;
    }
}

static int copy(ot_cwd_doc *d, ot_cwd *parent, const char *key, size_t keylen, ot_json v,
                int depth, char err[160])
{
    if (depth > OT_CWD_DEPTH_MAX) {
        snprintf(err, 160, "the request nests too deep");
        return OT_ELIMIT;
    }
    ot_cwd *node = ot_cwd_add(d, parent, key, keylen, type_of(v));
    if (!node) {
        snprintf(err, 160, "too many members in the request");
        return d->nodes >= OT_CWD_NODES_MAX ? OT_ELIMIT : OT_ENOMEM;
    }
    const char *s;
    size_t n;
    switch (node->type) {
    case OT_CWD_BOOL: ot_json_bool(v, &node->b); return OT_OK;
    case OT_CWD_NUM: ot_json_double(v, &node->num); return OT_OK;
    case OT_CWD_STR:
        ot_json_str(v, &s, &n);
        if (ot_cwd_set_str(node, s, n)) {
            snprintf(err, 160, "a string holds a NUL character");
            return OT_EINVAL;
        }
        return OT_OK;
    case OT_CWD_LIST:
    case OT_CWD_MAP: return copy_children(d, node, v, depth, err);
    default: return OT_OK;
    }
}

int ot_cwd_from_json(const char *data, size_t n, ot_cwd_doc **out, char err[160])
{
    char why[160] = "";
    *out = NULL;
    ot_cwd_doc *d = ot_cwd_doc_new();
    ot_json_doc *jd = ot_json_doc_new();
    ot_json root;
    int rc = d && jd ? OT_OK : OT_ENOMEM;
    if (!rc && n && ot_json_parse(jd, data, n, false, &root, why, sizeof why))
        rc = OT_EINVAL;
    if (!rc && n && ot_json_typeof(root) != OT_JSON_OBJECT) {
        snprintf(why, sizeof why, "the request is not a JSON object");
        rc = OT_EINVAL;
    }
    if (!rc && n)
        rc = copy_children(d, d->root, root, 0, why);
    ot_json_doc_free(jd);
    if (rc) {
        if (err)
            snprintf(err, 160, "%s", why[0] ? why : "out of memory");
        ot_cwd_free(d);
        return rc;
    }
    *out = d;
    return OT_OK;
}
