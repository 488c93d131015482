/* api_cloudtrail.c — the CloudTrail control plane (AWS JSON 1.1): one table of operations
 * keyed by the X-Amz-Target suffix, request-body parsing and the typed member getters.
 *
 * Member types are checked strictly (a string where a boolean belongs is a
 * SerializationException, as AWS answers), unknown members are ignored, and every handler
 * validates fully before it changes state, so a refused call changes nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "api/api_inventory.h"
#include "api/api_lookup.h"
#include "api/aws_error.h"
#include "util/err.h"
#include "util/log.h"

#define CT_TARGET_PREFIX "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."

typedef struct ct_op {
    const char *name;
    ct_op_fn fn;
    bool read_only;
} ct_op;

static const ct_op OPS[] = {
    {"CreateTrail", ct_create_trail, false},
    {"UpdateTrail", ct_update_trail, false},
    {"DeleteTrail", ct_delete_trail, false},
    {"DescribeTrails", ct_describe_trails, true},
    {"GetTrail", ct_get_trail, true},
    {"ListTrails", ct_list_trails, true},
    {"StartLogging", ct_start_logging, false},
    {"StopLogging", ct_stop_logging, false},
    {"GetTrailStatus", ct_get_trail_status, true},
    {"AddTags", ct_add_tags, false},
    {"RemoveTags", ct_remove_tags, false},
    {"ListTags", ct_list_tags, true},
    {"CreateChannel", ct_create_channel, false},
    {"GetChannel", ct_get_channel, true},
    {"ListChannels", ct_list_channels, true},
    {"UpdateChannel", ct_update_channel, false},
    {"DeleteChannel", ct_delete_channel, false},
    {"ListPublicKeys", ct_list_public_keys, true},
    {"LookupEvents", ct_lookup_events, true},
    {"PutEventSelectors", ct_put_event_selectors, false},
    {"GetEventSelectors", ct_get_event_selectors, true},
    {"PutInsightSelectors", ct_put_insight_selectors, false},
    {"GetInsightSelectors", ct_get_insight_selectors, true},
    /* features opentrail does not have, answered as for an account without any */
    {"ListEventDataStores", ct_list_event_data_stores, true},
    {"GetEventDataStore", ct_get_event_data_store, true},
    {"ListQueries", ct_list_queries, true},
    {"DescribeQuery", ct_describe_query, true},
    {"GetQueryResults", ct_get_query_results, true},
    {"ListImports", ct_list_imports, true},
    {"GetImport", ct_get_import, true},
    {"ListImportFailures", ct_list_import_failures, true},
    {"ListDashboards", ct_list_dashboards, true},
    {"GetDashboard", ct_get_dashboard, true},
    {"ListInsightsMetricData", ct_list_insights_metric_data, true},
    {"ListInsightsData", ct_list_insights_data, true},
    {"GetResourcePolicy", ct_get_resource_policy, true},
};

static const ct_op *op_find(const char *name)
{
    for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++)
        if (!strcmp(OPS[i].name, name))
            return &OPS[i];
    return NULL;
}

bool ot_cloudtrail_read_only(const char *operation)
{
    const ct_op *op = op_find(operation);
    return op && op->read_only;
}

int ct_fail(ct_ctx *c, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ot_aws_json_verror(c->resp, 400, code, fmt, ap);
    va_end(ap);
    return -1;
}

void ct_ok(ct_ctx *c)
{
    c->resp->status = 200;
    snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/x-amz-json-1.1");
    ot_buf_reset(&c->resp->body);
    ot_jw_init(&c->w, &c->resp->body);
    ot_jw_obj(&c->w);
}

/* Looks up key; 1 if present with type want, 0 if absent or null, -1 on a type mismatch. */
static int member(ct_ctx *c, ot_json obj, const char *key, ot_json_type want, ot_json *v)
{
    if (ot_json_get(obj, key, v) != 0 || ot_json_typeof(*v) == OT_JSON_NULL)
        return 0;
    ot_json_type t = ot_json_typeof(*v);
    if (t != want)
        return ct_fail(c, "SerializationException",
                       "Unexpected %s for member '%s': expected %s.", ot_json_type_name(t), key,
                       ot_json_type_name(want));
    return 1;
}

int ct_elem_str(ct_ctx *c, ot_json v, const char *what, const char **s)
{
    size_t len;
    if (ot_json_typeof(v) != OT_JSON_STRING || ot_json_str(v, s, &len) != 0)
        return ct_fail(c, "SerializationException", "Unexpected %s in '%s': expected string.",
                       ot_json_type_name(ot_json_typeof(v)), what);
    if (strlen(*s) != len)
        return ct_fail(c, "InvalidParameterException", "'%s' must not contain NUL characters.",
                       what);
    return 0;
}

int ct_str(ct_ctx *c, ot_json obj, const char *key, const char **s)
{
    ot_json v;
    int rc = member(c, obj, key, OT_JSON_STRING, &v);
    if (rc <= 0)
        return rc;
    return ct_elem_str(c, v, key, s) ? -1 : 1;
}

int ct_bool(ct_ctx *c, ot_json obj, const char *key, bool *b)
{
    ot_json v;
    int rc = member(c, obj, key, OT_JSON_BOOL, &v);
    if (rc > 0)
        ot_json_bool(v, b);
    return rc;
}

int ct_int(ct_ctx *c, ot_json obj, const char *key, int64_t *out)
{
    ot_json v;
    int rc = member(c, obj, key, OT_JSON_NUMBER, &v);
    if (rc > 0 && ot_json_int64(v, out) != 0)
        return ct_fail(c, "SerializationException", "Member '%s' must be an integer.", key);
    return rc;
}

int ct_list(ct_ctx *c, ot_json obj, const char *key, ot_json *arr)
{
    return member(c, obj, key, OT_JSON_ARRAY, arr);
}

int ct_struct(ct_ctx *c, ot_json v, const char *what)
{
    if (ot_json_typeof(v) != OT_JSON_OBJECT)
        return ct_fail(c, "SerializationException", "Unexpected %s in '%s': expected structure.",
                       ot_json_type_name(ot_json_typeof(v)), what);
    return 0;
}

void ct_ktime(ot_jw *w, const char *key, int64_t ms)
{
    ot_jw_key(w, key);
    if (ms % 1000 == 0)
        ot_jw_int(w, ms / 1000);
    else
        ot_jw_num(w, (double)ms / 1000.0);
}

/* The operation named by X-Amz-Target, or NULL after writing UnknownOperationException. */
static const ct_op *op_from_target(ct_ctx *c)
{
    const char *target = ot_req_header(c->req, "x-amz-target");
    const char *name = target ? target : "";
    if (!strncmp(name, CT_TARGET_PREFIX, sizeof CT_TARGET_PREFIX - 1))
        name += sizeof CT_TARGET_PREFIX - 1;
    const ct_op *op = target && name != target ? op_find(name) : NULL;
    if (!op || strcmp(c->req->method, "POST") != 0)
        ct_fail(c, "UnknownOperationException", "Unknown operation: %.200s %.200s",
                c->req->method, target ? target : "(no X-Amz-Target)");
    return op;
}

static int run(ct_ctx *c, const char *name, ct_op_fn fn, ot_json_doc *doc)
{
    char err[128] = "";
    const char *body = c->req->body_len ? c->req->body : "{}";
    size_t len = c->req->body_len ? c->req->body_len : 2;
    ot_json root;
    if (ot_json_parse(doc, body, len, c->req->body_len > 0, &root, err, sizeof err) != 0)
        return ct_fail(c, "SerializationException", "Malformed JSON request body: %s", err);
    if (ot_json_typeof(root) != OT_JSON_OBJECT)
        return ct_fail(c, "SerializationException",
                       "The request body must be a JSON object, not a %s.",
                       ot_json_type_name(ot_json_typeof(root)));
    c->in = root;
    if (fn(c) != 0)
        return -1;
    ot_jw_end(&c->w);
    if (ot_jw_error(&c->w)) {
        ot_error("%s: response too large or malformed: %s", name,
                 ot_strerror(ot_jw_error(&c->w)));
        ot_aws_json_error(c->resp, 500, "InternalFailure", "The response could not be built.");
        return -1;
    }
    return 0;
}

void ct_serve(ct_ctx *c, const char *name, ct_op_fn fn)
{
    c->op = name;
    ot_json_doc *doc = ot_json_doc_new();
    if (!doc) {
        ot_aws_json_error(c->resp, 500, "InternalFailure", "Out of memory.");
        return;
    }
    run(c, name, fn, doc);
    ot_json_doc_free(doc);
}

void ot_cloudtrail_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation)
{
    ct_ctx c = {.srv = srv, .req = req, .resp = resp, .region = req->region,
                .account = req->principal.account_id};
    *operation = NULL;
    const ct_op *op = op_from_target(&c);
    if (!op)
        return;
    *operation = op->name;
    ct_serve(&c, op->name, op->fn);
    resp->skip_audit = c.audited; /* already in the WAL: dispatch must not record it again */
}
