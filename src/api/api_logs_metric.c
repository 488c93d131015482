/* api_logs_metric.c — metric filters: PutMetricFilter, DescribeMetricFilters,
 * DeleteMetricFilter (stored only: the metrics they describe are emitted once CloudWatch
 * metrics exist) and TestMetricFilter (the pattern against sample messages). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_logs.h"
#include "filter/filter.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

#define DESCRIBE_LIMIT 50
#define MAX_DIMENSIONS 3
#define TEST_MAX_MESSAGES 50

/* Compiles the filterPattern member (required): 0 and *f, or -1 (InvalidParameterException
 * with the compiler's message for a bad pattern). */
static int compile_pattern(ct_ctx *c, const char **text, ot_filter **f)
{
    ot_filter_error err = {0};
    *text = NULL;
    int has = ct_str(c, c->in, "filterPattern", text);
    if (has < 0)
        return -1;
    if (has == 0)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value null at 'filterPattern' failed to "
                       "satisfy constraint: Member must not be null");
    size_t len = strlen(*text);
    if (len > OT_FILTER_MAX_PATTERN)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value at 'filterPattern' failed to satisfy "
                       "constraint: Member must have length less than or equal to %d",
                       OT_FILTER_MAX_PATTERN);
    int rc = ot_filter_compile(*text, len, f, &err);
    if (rc == OT_EINVAL)
        return ct_fail(c, "InvalidParameterException", "Invalid metric filter pattern: %s (at "
                       "column %d)", err.message, err.column);
    return rc ? ct_fail(c, "ServiceUnavailableException", "Out of memory.") : 0;
}

/* A required string of a transformation, 1..max characters without ':', '*' or '$'. */
static int metric_str(ct_ctx *c, ot_json t, const char *key, size_t max, bool plain,
                      const char **out)
{
    int has = ct_str(c, t, key, out);
    if (has < 0)
        return -1;
    if (has == 0)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value null at "
                       "'metricTransformations.1.member.%s' failed to satisfy constraint: "
                       "Member must not be null", key);
    size_t len = strlen(*out);
    if (len < 1 || len > max || (plain && strpbrk(*out, ":*$")))
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value '%.300s' at "
                       "'metricTransformations.1.member.%s' failed to satisfy constraint: "
                       "Member must have length between 1 and %zu%s", *out, key, max,
                       plain ? " and must not contain ':', '*' or '$'" : "");
    return 0;
}

/* Dimension values name fields of the event, as strings. 0 or -1. */
static int dimensions_check(ct_ctx *c, ot_json dims)
{
    ot_json_iter it;
    const char *key;
    size_t klen;
    ot_json v;
    ot_json_object_iter(dims, &it);
    while (ot_json_object_next(&it, &key, &klen, &v))
        if (ot_json_typeof(v) != OT_JSON_STRING)
            return ct_fail(c, "SerializationException",
                           "Unexpected %s in 'dimensions': expected string.",
                           ot_json_type_name(ot_json_typeof(v)));
    return 0;
}

/* Writes the optional members of transformation t: defaultValue, dimensions, unit. */
static int write_optional(ct_ctx *c, ot_json t, ot_jw *w)
{
    ot_json v;
    double dflt;
    const char *unit = NULL;
    bool has_default = ot_json_get(t, "defaultValue", &v) == 0 &&
                       ot_json_typeof(v) != OT_JSON_NULL;
    if (has_default && ot_json_double(v, &dflt) != 0)
        return ct_fail(c, "SerializationException", "Member 'defaultValue' must be a number.");
    bool has_dims = ot_json_get(t, "dimensions", &v) == 0 && ot_json_typeof(v) != OT_JSON_NULL;
    if (has_dims && (ct_struct(c, v, "dimensions") < 0))
        return -1;
    if (has_dims && dimensions_check(c, v) < 0)
        return -1;
    if (has_dims && ot_json_count(v) > MAX_DIMENSIONS)
        return ct_fail(c, "InvalidParameterException",
                       "A metric filter can have at most %d dimensions.", MAX_DIMENSIONS);
    if (has_default && has_dims && ot_json_count(v) > 0)
        return ct_fail(c, "InvalidParameterException",
                       "You cannot specify both a default value and dimensions for a metric "
                       "filter.");
    if (ct_str(c, t, "unit", &unit) < 0)
        return -1;
    if (has_default) {
        ot_jw_key(w, "defaultValue");
        ot_jw_num(w, dflt);
    }
    if (has_dims && ot_json_count(v) > 0) {
        ot_jw_key(w, "dimensions");
        ot_jw_begin_value(w);
        ot_json_write(v, w->b);
    }
    if (unit)
        ot_jw_kstr(w, "unit", unit);
    return 0;
}

/* metricTransformations (exactly one), re-encoded as the JSON array stored and described. */
static int read_transformations(ct_ctx *c, ot_buf *out)
{
    ot_json arr, t;
    ot_json_iter it;
    const char *name, *ns, *value;
    int has = ct_list(c, c->in, "metricTransformations", &arr);
    if (has < 0)
        return -1;
    if (has == 0 || ot_json_count(arr) != 1)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value at 'metricTransformations' failed to "
                       "satisfy constraint: Member must have length between 1 and 1");
    ot_json_array_iter(arr, &it);
    ot_json_array_next(&it, &t);
    if (ct_struct(c, t, "metricTransformations") < 0 ||
        metric_str(c, t, "metricName", 255, true, &name) < 0 ||
        metric_str(c, t, "metricNamespace", 255, true, &ns) < 0 ||
        metric_str(c, t, "metricValue", 100, false, &value) < 0)
        return -1;
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_arr(&w);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "metricName", name);
    ot_jw_kstr(&w, "metricNamespace", ns);
    ot_jw_kstr(&w, "metricValue", value);
    if (write_optional(c, t, &w) < 0)
        return -1;
    ot_jw_end(&w);
    ot_jw_end(&w);
    return ot_jw_error(&w) ? ct_fail(c, "ServiceUnavailableException", "Out of memory.") : 0;
}

int lg_put_metric_filter(ct_ctx *c)
{
    const char *group, *name, *pattern;
    ot_filter *f = NULL;
    ot_buf t;
    ot_buf_init(&t, 64 * 1024);
    int rc = -1;
    if (lg_name(c, "logGroupName", LG_GROUP, true, &group) < 0 ||
        lg_name(c, "filterName", LG_STREAM, true, &name) < 0 ||
        compile_pattern(c, &pattern, &f) < 0 || read_transformations(c, &t) < 0 ||
        ot_buf_putc(&t, '\0') != 0)
        goto out;
    ot_logs_scope s = lg_scope(c);
    int src = ot_logs_metric_put(c->srv->logs, &s, group, name, pattern, t.data, ot_now_ms());
    if (src) {
        lg_store_fail(c, src, false);
        goto out;
    }
    ct_ok(c);
    rc = 0;
out:
    ot_filter_free(f);
    ot_buf_free(&t);
    return rc;
}

static void write_filter(ot_jw *w, const ot_log_metric_filter *f)
{
    ot_jw_obj(w);
    ot_jw_kstr(w, "filterName", f->name);
    ot_jw_kstr(w, "filterPattern", f->pattern);
    ot_jw_key(w, "metricTransformations");
    ot_jw_raw(w, f->transformations, strlen(f->transformations));
    ot_jw_kint(w, "creationTime", f->created_ms);
    ot_jw_kstr(w, "logGroupName", f->group);
    ot_jw_end(w);
}

/* DescribeMetricFilters' selection. 0 or -1. */
static int read_describe(ct_ctx *c, ot_logs_metric_query *q, int64_t *limit)
{
    if (lg_name(c, "logGroupName", LG_GROUP, false, &q->group) < 0 ||
        lg_name(c, "filterNamePrefix", LG_STREAM, false, &q->name_prefix) < 0 ||
        ct_str(c, c->in, "metricName", &q->metric_name) < 0 ||
        ct_str(c, c->in, "metricNamespace", &q->metric_namespace) < 0 ||
        lg_int_in(c, "limit", 1, DESCRIBE_LIMIT, limit) < 0 || lg_offset_token(c, &q->offset) < 0)
        return -1;
    if (q->name_prefix && !q->group)
        return ct_fail(c, "InvalidParameterException",
                       "If you specify filterNamePrefix, you must also specify logGroupName.");
    if (!q->metric_name != !q->metric_namespace)
        return ct_fail(c, "InvalidParameterException",
                       "If you specify metricName, you must also specify metricNamespace, and "
                       "the other way around.");
    return 0;
}

int lg_describe_metric_filters(ct_ctx *c)
{
    ot_logs_metric_query q = {0};
    int64_t limit = DESCRIBE_LIMIT;
    ot_log_group g;
    ot_logs_scope s = lg_scope(c);
    if (read_describe(c, &q, &limit) < 0)
        return -1;
    int rc = q.group ? ot_logs_group_get(c->srv->logs, &s, q.group, &g) : 0;
    q.limit = (int)limit + 1;
    ot_log_metric_filter *f = NULL;
    size_t n = 0;
    if (!rc)
        rc = ot_logs_metric_list(c->srv->logs, &s, &q, &f, &n);
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    ot_jw_key(&c->w, "metricFilters");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        write_filter(&c->w, &f[i]);
    ot_jw_end(&c->w);
    lg_next_offset(c, q.offset, (int)limit, n);
    ot_logs_metric_free(f, n);
    return 0;
}

int lg_delete_metric_filter(ct_ctx *c)
{
    const char *group, *name;
    bool filter_missing;
    if (lg_name(c, "logGroupName", LG_GROUP, true, &group) < 0 ||
        lg_name(c, "filterName", LG_STREAM, true, &name) < 0)
        return -1;
    ot_logs_scope s = lg_scope(c);
    int rc = ot_logs_metric_delete(c->srv->logs, &s, group, name, &filter_missing);
    if (rc == OT_ENOTFOUND && filter_missing)
        return ct_fail(c, "ResourceNotFoundException",
                       "The specified metric filter does not exist.");
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    return 0;
}

/* ---- TestMetricFilter ---- */

typedef struct extract_ctx {
    ot_filter_fields *fx;
    ot_jw *w;
} extract_ctx;

/* One extractedValues member: "$.a.b" for a JSON selector, "$name" for a named field. */
static void extract_one(void *ctx, const char *name, size_t len)
{
    extract_ctx *x = ctx;
    char key[OT_FILTER_MAX_PATTERN + 2];
    const char *val;
    size_t vlen;
    bool json = len > 1 && name[0] == '$';
    snprintf(key, sizeof key, "%s%.*s", json ? "" : "$", (int)len, name);
    if (ot_filter_value(x->fx, key, &val, &vlen) != 0)
        return;
    ot_jw_key(x->w, key);
    ot_jw_strn(x->w, val, vlen);
}

static int test_messages(ct_ctx *c, ot_json arr, const ot_filter *f, const char *pattern,
                         ot_filter_fields *fx)
{
    ot_json item;
    ot_json_iter it;
    const char *msg;
    int64_t number = 0;
    ct_ok(c);
    ot_jw_key(&c->w, "matches");
    ot_jw_arr(&c->w);
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &item)) {
        number++;
        if (ct_elem_str(c, item, "logEventMessages", &msg) < 0)
            return -1;
        if (!ot_filter_match(f, msg, strlen(msg), fx))
            continue;
        ot_jw_obj(&c->w);
        ot_jw_kint(&c->w, "eventNumber", number);
        ot_jw_kstr(&c->w, "eventMessage", msg);
        ot_jw_key(&c->w, "extractedValues");
        ot_jw_obj(&c->w);
        extract_ctx x = {.fx = fx, .w = &c->w};
        ot_logs_pattern_fields(pattern, extract_one, &x);
        ot_jw_end(&c->w);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
    return 0;
}

int lg_test_metric_filter(ct_ctx *c)
{
    const char *pattern;
    ot_filter *f = NULL;
    ot_json arr;
    if (compile_pattern(c, &pattern, &f) < 0)
        return -1;
    int has = ct_list(c, c->in, "logEventMessages", &arr);
    size_t n = has > 0 ? ot_json_count(arr) : 0;
    int rc = -1;
    ot_filter_fields *fx = NULL;
    if (has >= 0 && (n < 1 || n > TEST_MAX_MESSAGES))
        ct_fail(c, "InvalidParameterException",
                "1 validation error detected: Value at 'logEventMessages' failed to satisfy "
                "constraint: Member must have length between 1 and %d", TEST_MAX_MESSAGES);
    else if (has >= 0 && !(fx = ot_filter_fields_new()))
        ct_fail(c, "ServiceUnavailableException", "Out of memory.");
    else if (has >= 0)
        rc = test_messages(c, arr, f, pattern, fx);
    ot_filter_fields_free(fx);
    ot_filter_free(f);
    return rc;
}
