/* mfilter_transform.c — a metric filter's transformation, read from the JSON the API stored
 * ([{"metricName":…,"metricNamespace":…,"metricValue":…,"defaultValue"?,"dimensions"?,
 * "unit"?}]) into what applying it needs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfilter/mfilter_int.h"
#include "util/err.h"
#include "util/json.h"

/* The string member key of obj, copied (NULL if absent or not a string). */
static char *get_str(ot_json obj, const char *key)
{
    const char *s;
    size_t n;
    return ot_json_get_str(obj, key, &s, &n) == 0 ? strndup(s, n) : NULL;
}

/* metricValue: "$..." is read from the event; anything else must be a literal number. */
static void parse_value(mf_transform *t, char *text)
{
    if (text[0] == '$') {
        t->value_field = text;
        return;
    }
    char *end;
    t->value = strtod(text, &end);
    t->value_ok = end != text && *end == '\0' && isfinite(t->value);
    free(text);
}

static int parse_dims(ot_json dims, mf_transform *t)
{
    ot_json_iter it;
    const char *key;
    size_t klen;
    ot_json v;
    if (ot_json_object_iter(dims, &it))
        return OT_EINVAL;
    while (ot_json_object_next(&it, &key, &klen, &v)) {
        const char *field;
        size_t flen;
        if (t->ndims == MF_DIMS_MAX || ot_json_str(v, &field, &flen))
            return OT_EINVAL;
        t->dim_name[t->ndims] = strndup(key, klen);
        t->dim_field[t->ndims] = strndup(field, flen);
        if (!t->dim_name[t->ndims] || !t->dim_field[t->ndims++])
            return OT_ENOMEM;
    }
    return 0;
}

static int parse_object(ot_json o, mf_transform *t)
{
    char *value = get_str(o, "metricValue");
    t->ns = get_str(o, "metricNamespace");
    t->name = get_str(o, "metricName");
    t->unit = get_str(o, "unit");
    if (!value || !t->ns || !t->name) {
        free(value);
        return OT_EINVAL;
    }
    parse_value(t, value);
    ot_json v;
    if (ot_json_get(o, "defaultValue", &v) == 0 && ot_json_typeof(v) != OT_JSON_NULL) {
        if (ot_json_double(v, &t->default_value))
            return OT_EINVAL;
        t->has_default = true;
    }
    if (ot_json_get(o, "dimensions", &v) == 0 && ot_json_typeof(v) != OT_JSON_NULL)
        return parse_dims(v, t);
    return 0;
}

int mf_transform_parse(const char *json, mf_transform *out)
{
    memset(out, 0, sizeof *out);
    ot_json_doc *doc = ot_json_doc_new();
    if (!doc)
        return OT_ENOMEM;
    ot_json root, first;
    ot_json_iter it;
    char err[64];
    int rc = ot_json_parse(doc, json, strlen(json), false, &root, err, sizeof err);
    if (!rc && (ot_json_array_iter(root, &it) || !ot_json_array_next(&it, &first)))
        rc = OT_EINVAL;
    if (!rc)
        rc = parse_object(first, out);
    ot_json_doc_free(doc);
    if (rc)
        mf_transform_free(out);
    return rc;
}

void mf_transform_free(mf_transform *t)
{
    free(t->ns);
    free(t->name);
    free(t->value_field);
    free(t->unit);
    for (size_t i = 0; i < t->ndims; i++) {
        free(t->dim_name[i]);
        free(t->dim_field[i]);
    }
    memset(t, 0, sizeof *t);
}

bool mf_transform_reads_fields(const mf_transform *t)
{
    return t->value_field || t->ndims > 0;
}
