/* api_insights.c — PutInsightSelectors and GetInsightSelectors for trails
 * (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutInsightSelectors.html,
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetInsightSelectors.html).
 *
 * The selectors are only stored (trail/trail.h): nothing computes Insights events yet. Put
 * checks the whole list before it changes anything and stores a canonical array (InsightType,
 * then EventCategories when given); an empty list turns Insights off. Event data stores do
 * not exist here, so naming one is answered as for an unknown store (api_inventory.c). */
#include <stdlib.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "api/api_inventory.h"
#include "util/buf.h"
#include "util/err.h"

#define BAD_SELECTORS "InvalidInsightSelectorsException"

/* The request's target: a trail (returns 1 with *trail set), or 0/-1 after an answer was
 * written (an event data store, a bad combination, nothing named). */
static int target_trail(ct_ctx *c, const char **trail)
{
    const char *eds = NULL, *dest = NULL;
    *trail = NULL;
    if (ct_str(c, c->in, "TrailName", trail) < 0 ||
        ct_str(c, c->in, "EventDataStore", &eds) < 0 ||
        ct_str(c, c->in, "InsightsDestination", &dest) < 0)
        return -1;
    if (*trail && (eds || dest))
        return ct_fail(c, "InvalidParameterCombinationException",
                       "Specify either TrailName or EventDataStore, not both.");
    if (eds || dest)
        return ct_eds_not_found(c, eds ? eds : dest);
    if (!*trail)
        return ct_fail(c, "InvalidParameterException",
                       "TrailName or EventDataStore must be provided.");
    return 1;
}

/* Index of s in values (NULL-terminated), or -1. */
static int index_of(const char *s, const char *const *values)
{
    for (int i = 0; values[i]; i++)
        if (!strcmp(s, values[i]))
            return i;
    return -1;
}

/* Appends an EventCategories member: each value Management or Data, each at most once. */
static int put_categories(ct_ctx *c, ot_json sel, ot_buf *out, int *oom)
{
    static const char *const cats[] = {"Management", "Data", NULL};
    ot_json arr, v;
    int rc = ct_list(c, sel, "EventCategories", &arr);
    if (rc <= 0)
        return rc;
    unsigned seen = 0;
    *oom |= ot_buf_puts(out, ",\"EventCategories\":[");
    ot_json_iter it;
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &v)) {
        const char *s;
        if (ct_elem_str(c, v, "EventCategories", &s))
            return -1;
        int i = index_of(s, cats);
        if (i < 0 || (seen & (1u << i)))
            return ct_fail(c, BAD_SELECTORS, "%s event category: %.100s. Valid values are "
                           "Management and Data, each at most once.",
                           i < 0 ? "Invalid" : "Duplicate", s);
        *oom |= ot_buf_puts(out, seen ? ",\"" : "\"");
        *oom |= ot_buf_puts(out, s);
        *oom |= ot_buf_puts(out, "\"");
        seen |= 1u << i;
    }
    *oom |= ot_buf_puts(out, "]");
    return 0;
}

/* Checks InsightSelectors and writes its canonical array into out; 0 or -1 (answered). */
static int build_selectors(ct_ctx *c, ot_buf *out)
{
    static const char *const types[] = {"ApiCallRateInsight", "ApiErrorRateInsight", NULL};
    ot_json arr, sel;
    int rc = ct_list(c, c->in, "InsightSelectors", &arr);
    if (rc == 0)
        return ct_fail(c, BAD_SELECTORS, "InsightSelectors must be provided.");
    if (rc < 0)
        return -1;
    unsigned seen = 0;
    int oom = 0;
    oom |= ot_buf_puts(out, "[");
    ot_json_iter it;
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &sel)) {
        const char *type;
        if (ct_struct(c, sel, "InsightSelectors"))
            return -1;
        if ((rc = ct_str(c, sel, "InsightType", &type)) < 0)
            return -1;
        int i = rc ? index_of(type, types) : -1;
        if (i < 0)
            return ct_fail(c, BAD_SELECTORS, "Invalid InsightType: %.100s. Valid values are "
                           "ApiCallRateInsight and ApiErrorRateInsight.", rc ? type : "(none)");
        if (seen & (1u << i))
            return ct_fail(c, BAD_SELECTORS, "Duplicate InsightType: %s. Each Insights type "
                           "can be specified only once.", type);
        oom |= ot_buf_puts(out, seen ? ",{\"InsightType\":\"" : "{\"InsightType\":\"");
        oom |= ot_buf_puts(out, type);
        oom |= ot_buf_puts(out, "\"");
        if (put_categories(c, sel, out, &oom))
            return -1;
        oom |= ot_buf_puts(out, "}");
        seen |= 1u << i;
    }
    oom |= ot_buf_puts(out, "]");
    return oom ? ct_fail(c, "InternalFailure", "Out of memory.") : 0;
}

static void respond(ct_ctx *c, const ot_trail *t, const char *array)
{
    ct_ok(c);
    ot_jw_kstr(&c->w, "TrailARN", t->arn);
    ot_jw_key(&c->w, "InsightSelectors");
    ot_jw_raw(&c->w, array, strlen(array));
}

int ct_put_insight_selectors(ct_ctx *c)
{
    const char *name;
    ot_trail t;
    int rc = target_trail(c, &name);
    if (rc <= 0 || ct_trail_resolve(c, name, true, &t))
        return -1;
    ot_buf canon;
    ot_buf_init(&canon, 0);
    if (build_selectors(c, &canon)) {
        ot_buf_free(&canon);
        return -1;
    }
    bool off = !strcmp(canon.data, "[]");
    rc = ot_trail_insights_put(c->srv->trails, t.arn, off ? NULL : canon.data);
    if (rc == OT_ENOTFOUND)
        rc = ct_trail_not_found(c, name);
    else if (rc)
        rc = ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    else
        respond(c, &t, canon.data);
    ot_buf_free(&canon);
    return rc;
}

int ct_get_insight_selectors(ct_ctx *c)
{
    const char *name;
    ot_trail t;
    int rc = target_trail(c, &name);
    if (rc <= 0 || ct_trail_resolve(c, name, false, &t))
        return -1;
    char *json = NULL;
    rc = ot_trail_insights_get(c->srv->trails, t.arn, &json);
    if (rc == OT_ENOTFOUND)
        rc = ct_fail(c, "InsightNotEnabledException",
                     "Trail %s does not have Insights enabled. Edit the trail settings to "
                     "enable Insights, and then try the operation again.", t.arn);
    else if (rc)
        rc = ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    else
        respond(c, &t, json);
    free(json);
    return rc;
}
