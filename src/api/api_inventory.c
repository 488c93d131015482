/* api_inventory.c — the read-only CloudTrail calls that compliance and inventory tools make on
 * every account, for the features opentrail does not have: CloudTrail Lake (event data stores,
 * queries, imports, dashboards), data-event Insights and resource policies.
 *
 * Each answers as AWS answers an account that has none of them: an empty list, or the "not
 * found" error of the thing asked for. ListInsightsMetricData is checked here too, then
 * answered from the Insights counts (api_insights_metric.c). The members are checked as the botocore model states
 * them (required members, patterns, enums, ranges), so a malformed call gets the error AWS
 * gives it rather than an empty success. */
#include <stdio.h>
#include <string.h>

#include "api/api_insights_metric.h"
#include "api/api_inventory.h"
#include "api/api_time_range.h"
#include "util/err.h"

#define EDS_NOT_FOUND "The event data store was not found."
#define ARN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-:"

/* ---- member checks ------------------------------------------------------------------- */

/* A required string member: 1, or -1 after InvalidParameterException "<key> must be
 * provided." */
static int required(ct_ctx *c, const char *key, const char **s)
{
    int rc = ct_str(c, c->in, key, s);
    if (rc == 0)
        return ct_fail(c, "InvalidParameterException", "%s must be provided.", key);
    return rc;
}

/* MaxResults-like integer member within [1, max]; err_code names the error AWS models for it. */
static int max_results(ct_ctx *c, const char *key, int64_t max, const char *err_code)
{
    int64_t v;
    int rc = ct_int(c, c->in, key, &v);
    if (rc > 0 && (v < 1 || v > max))
        return ct_fail(c, err_code, "%s must be 1 to %lld.", key, (long long)max);
    return rc < 0 ? -1 : 0;
}

/* NextToken: we never hand one out, so any token is one we did not issue. */
static int next_token(ct_ctx *c)
{
    const char *t;
    int rc = ct_str(c, c->in, "NextToken", &t);
    if (rc > 0)
        return ct_fail(c, "InvalidNextTokenException", "The NextToken is not valid.");
    return rc;
}

/* An optional string member that must be one of values (NULL-terminated). */
static int one_of(ct_ctx *c, const char *key, const char *const *values, const char *err_code)
{
    const char *s;
    int rc = ct_str(c, c->in, key, &s);
    if (rc <= 0)
        return rc;
    for (size_t i = 0; values[i]; i++)
        if (!strcmp(s, values[i]))
            return 0;
    return ct_fail(c, err_code, "Value '%.200s' at '%s' is not valid.", s, key);
}

static bool matches(const char *s, const char *chars, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, chars) == n;
}

/* StartTime/EndTime of a call with nothing to select from: only checked. */
static int any_time_range(ct_ctx *c, const char *err_code)
{
    int64_t start = INT64_MIN, end = INT64_MAX;
    return ct_time_range_ms(c, err_code, &start, &end);
}

/* The common checks of a list call: MaxResults within [1, max] and no NextToken. */
static int list_members(ct_ctx *c, int64_t max, const char *max_err)
{
    return max_results(c, "MaxResults", max, max_err) || next_token(c) ? -1 : 0;
}

/* ---- answers ------------------------------------------------------------------------- */

static int empty_list(ct_ctx *c, const char *key)
{
    ct_ok(c);
    ot_jw_key(&c->w, key);
    ot_jw_arr(&c->w);
    ot_jw_end(&c->w);
    return 0;
}

/* An event data store named by ARN or id. A well-formed reference names a store that does not
 * exist (EventDataStoreNotFoundException); anything else is EventDataStoreARNInvalidException. */
int ct_eds_not_found(ct_ctx *c, const char *ref)
{
    bool arn = !strncmp(ref, "arn:", 4);
    if (!matches(ref, ARN_CHARS, 3, 256) || (arn && !strstr(ref, ":eventdatastore/")))
        return ct_fail(c, "EventDataStoreARNInvalidException",
                       "The specified event data store ARN is not valid or does not map to an "
                       "event data store in your account.");
    return ct_fail(c, "EventDataStoreNotFoundException", EDS_NOT_FOUND);
}

static int eds_member_not_found(ct_ctx *c, const char *key, bool is_required)
{
    const char *ref;
    int rc = is_required ? required(c, key, &ref) : ct_str(c, c->in, key, &ref);
    if (rc <= 0)
        return rc;
    return ct_eds_not_found(c, ref);
}

/* Import and query ids are UUIDs in lowercase hex (the model's UUID shape). */
static int uuid_member(ct_ctx *c, const char *key, const char **id)
{
    if (required(c, key, id) < 0)
        return -1;
    if (!matches(*id, "0123456789abcdef-", 36, 36))
        return ct_fail(c, "InvalidParameterException", "%s is not a valid ID: %.100s", key, *id);
    return 0;
}

/* ---- CloudTrail Lake ----------------------------------------------------------------- */

int ct_list_event_data_stores(ct_ctx *c)
{
    if (list_members(c, 1000, "InvalidMaxResultsException"))
        return -1;
    return empty_list(c, "EventDataStores");
}

int ct_get_event_data_store(ct_ctx *c)
{
    return eds_member_not_found(c, "EventDataStore", true) ? -1 : 0;
}

int ct_list_queries(ct_ctx *c)
{
    static const char *const statuses[] = {"QUEUED", "RUNNING", "FINISHED", "FAILED",
                                           "CANCELLED", "TIMED_OUT", NULL};
    const char *eds;
    if (required(c, "EventDataStore", &eds) < 0 ||
        list_members(c, 1000, "InvalidMaxResultsException") ||
        one_of(c, "QueryStatus", statuses, "InvalidQueryStatusException") ||
        any_time_range(c, "InvalidDateRangeException"))
        return -1;
    return ct_eds_not_found(c, eds);
}

/* A query named by QueryId (or, for DescribeQuery, QueryAlias): none exists. */
static int query_not_found(ct_ctx *c)
{
    return ct_fail(c, "QueryIdNotFoundException",
                   "The query ID does not exist or does not map to a query.");
}

int ct_describe_query(ct_ctx *c)
{
    const char *id = NULL, *alias = NULL;
    int ri = ct_str(c, c->in, "QueryId", &id);
    int ra = ri < 0 ? -1 : ct_str(c, c->in, "QueryAlias", &alias);
    if (ri < 0 || ra < 0 || eds_member_not_found(c, "EventDataStore", false))
        return -1;
    if (!id && !alias)
        return ct_fail(c, "InvalidParameterException", "QueryId or QueryAlias must be provided.");
    if (id && uuid_member(c, "QueryId", &id))
        return -1;
    return query_not_found(c);
}

int ct_get_query_results(ct_ctx *c)
{
    const char *id;
    if (uuid_member(c, "QueryId", &id) || next_token(c) ||
        max_results(c, "MaxQueryResults", 1000, "InvalidMaxResultsException") ||
        eds_member_not_found(c, "EventDataStore", false))
        return -1;
    return query_not_found(c);
}

/* ---- imports ------------------------------------------------------------------------- */

int ct_list_imports(ct_ctx *c)
{
    static const char *const statuses[] = {"INITIALIZING", "IN_PROGRESS", "FAILED", "STOPPED",
                                           "COMPLETED", NULL};
    const char *dest;
    int rc = ct_str(c, c->in, "Destination", &dest);
    if (rc < 0 || list_members(c, 1000, "InvalidParameterException") ||
        one_of(c, "ImportStatus", statuses, "InvalidParameterException"))
        return -1;
    if (rc > 0 && (!matches(dest, ARN_CHARS, 3, 256) || !strstr(dest, ":eventdatastore/")))
        return ct_fail(c, "EventDataStoreARNInvalidException",
                       "The specified event data store ARN is not valid or does not map to an "
                       "event data store in your account.");
    return empty_list(c, "Imports");
}

int ct_get_import(ct_ctx *c)
{
    const char *id;
    if (uuid_member(c, "ImportId", &id))
        return -1;
    return ct_fail(c, "ImportNotFoundException", "The specified import was not found.");
}

/* AWS models no ImportNotFoundException here: an import without failures lists none. */
int ct_list_import_failures(ct_ctx *c)
{
    const char *id;
    if (uuid_member(c, "ImportId", &id) || list_members(c, 1000, "InvalidParameterException"))
        return -1;
    return empty_list(c, "Failures");
}

/* ---- dashboards ---------------------------------------------------------------------- */

int ct_list_dashboards(ct_ctx *c)
{
    static const char *const types[] = {"MANAGED", "CUSTOM", NULL};
    const char *prefix;
    int rc = ct_str(c, c->in, "NamePrefix", &prefix);
    if (rc < 0 || list_members(c, 1000, "InvalidParameterException") ||
        one_of(c, "Type", types, "InvalidParameterException"))
        return -1;
    if (rc > 0 && !matches(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789_-", 3, 128))
        return ct_fail(c, "InvalidParameterException",
                       "NamePrefix must be 3 to 128 letters, digits, '_' or '-'.");
    return empty_list(c, "Dashboards");
}

int ct_get_dashboard(ct_ctx *c)
{
    const char *id;
    if (required(c, "DashboardId", &id) < 0)
        return -1;
    return ct_fail(c, "ResourceNotFoundException", "The dashboard %.300s was not found.", id);
}

/* ---- Insights ------------------------------------------------------------------------ */

/* The members that name the metric of ListInsightsMetricData, checked as the model states. */
static int metric_members(ct_ctx *c, const char **source, const char **name, const char **type,
                          const char **error_code)
{
    static const char *const types[] = {"ApiCallRateInsight", "ApiErrorRateInsight", NULL};
    static const char *const data_types[] = {"FillWithZeros", "NonZeroData", NULL};
    static const char *const lower = "abcdefghijklmnopqrstuvwxyz0123456789_-";
    static const char *const word = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
    if (required(c, "EventSource", source) < 0 || required(c, "EventName", name) < 0 ||
        required(c, "InsightType", type) < 0 ||
        one_of(c, "InsightType", types, "InvalidParameterException") ||
        one_of(c, "DataType", data_types, "InvalidParameterException") ||
        ct_str(c, c->in, "ErrorCode", error_code) < 0)
        return -1;
    size_t sl = strlen(*source), host = sl > 14 ? sl - 14 : 0;
    if (sl > 256 || !host || strcmp(*source + host, ".amazonaws.com") ||
        strspn(*source, lower) != host)
        return ct_fail(c, "InvalidParameterException", "EventSource is not valid: %.300s",
                       *source);
    if (!matches(*name, word, 1, 128))
        return ct_fail(c, "InvalidParameterException", "EventName is not valid: %.200s", *name);
    if (*error_code &&
        !matches(*error_code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
                              " \t\r\n.,-:[]", 1, 128))
        return ct_fail(c, "InvalidParameterException", "ErrorCode is not valid: %.200s",
                       *error_code);
    return 0;
}

/* ErrorCode names the error of an ApiErrorRateInsight metric and nothing else. */
static int error_code_fits(ct_ctx *c, ot_insight_type type, const char *error_code)
{
    if (type == OT_INSIGHT_ERROR_RATE && !error_code)
        return ct_fail(c, "InvalidParameterException",
                       "ErrorCode must be provided when InsightType is ApiErrorRateInsight.");
    if (type == OT_INSIGHT_CALL_RATE && error_code)
        return ct_fail(c, "InvalidParameterException",
                       "ErrorCode is only valid when InsightType is ApiErrorRateInsight.");
    return 0;
}

/* The counts of insights.db (api_insights_metric.c), for the account's trails or the one named. */
int ct_list_insights_metric_data(ct_ctx *c)
{
    const char *type, *trail_name = NULL;
    ct_metric_req m = {0};
    if (metric_members(c, &m.source, &m.name, &type, &m.error_code))
        return -1;
    m.type = strcmp(type, "ApiErrorRateInsight") ? OT_INSIGHT_CALL_RATE : OT_INSIGHT_ERROR_RATE;
    if (error_code_fits(c, m.type, m.error_code))
        return -1;
    ot_trail t;
    int rn = ct_str(c, c->in, "TrailName", &trail_name);
    if (rn < 0 || (rn > 0 && ct_trail_resolve(c, trail_name, false, &t)))
        return -1;
    m.trail_arn = rn > 0 ? t.arn : NULL;
    return ct_insights_metric_answer(c, &m);
}

int ct_list_insights_data(ct_ctx *c)
{
    static const char *const data_types[] = {"InsightsEvents", NULL};
    const char *source, *type;
    if (required(c, "InsightSource", &source) < 0 || required(c, "DataType", &type) < 0 ||
        one_of(c, "DataType", data_types, "InvalidParameterException") ||
        list_members(c, 50, "InvalidParameterException") ||
        any_time_range(c, "InvalidParameterException"))
        return -1;
    if (!matches(source, ARN_CHARS, 3, 256))
        return ct_fail(c, "InvalidParameterException", "InsightSource is not valid: %.300s",
                       source);
    return empty_list(c, "Events");
}

/* ---- resource policies --------------------------------------------------------------- */

/* Whether the caller has the channel id in this region (channels exist; their policies do
 * not, as opentrail has no PutResourcePolicy). */
static bool own_channel(ct_ctx *c, const char *id)
{
    ot_channel ch;
    if (ot_channel_get(c->srv->trails, id, &ch))
        return false;
    bool own = !strcmp(ch.account_id, c->account) && !strcmp(ch.region, c->region);
    ot_channel_free(&ch);
    return own;
}

/* arn:<partition>:cloudtrail:<region>:<account>:<type>/<id> */
int ct_get_resource_policy(ct_ctx *c)
{
    const char *arn;
    if (required(c, "ResourceArn", &arn) < 0)
        return -1;
    const char *p = arn;
    for (int i = 0; i < 5 && p; i++)
        p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
    const char *slash = p ? strchr(p, '/') : NULL;
    if (!matches(arn, ARN_CHARS, 3, 256) || strncmp(arn, "arn:", 4) ||
        !strstr(arn, ":cloudtrail:") || !slash || !slash[1])
        return ct_fail(c, "ResourceARNNotValidException", "Resource ARN is not valid: %.300s",
                       arn);
    size_t tl = (size_t)(slash - p);
    if (tl == 7 && !memcmp(p, "channel", 7) && own_channel(c, slash + 1))
        return ct_fail(c, "ResourcePolicyNotFoundException",
                       "No resource policy is attached to %.300s.", arn);
    if ((tl == 7 && !memcmp(p, "channel", 7)) || (tl == 9 && !memcmp(p, "dashboard", 9)) ||
        (tl == 14 && !memcmp(p, "eventdatastore", 14)))
        return ct_fail(c, "ResourceNotFoundException", "Resource not found: %.300s", arn);
    return ct_fail(c, "ResourceTypeNotSupportedException",
                   "Resource type %.*s does not support resource policies.", (int)tl, p);
}
