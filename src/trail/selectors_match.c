/* selectors_match.c — does an event pass a trail's compiled event selectors?
 *
 * An event is recorded if it matches any selector. Basic: ReadWriteType, then management
 * events (IncludeManagementEvents minus ExcludeManagementEventSources) or data events whose
 * resources match a DataResources entry. Advanced: every field selector of the selector holds
 * (AND); within an operator its values are alternatives; a negative operator holds when no
 * value matches; several operators on one field must all hold. resources.type and
 * resources.ARN are evaluated together on one resource of the event. */
#include <string.h>

#include "trail/selectors_int.h"

#define S3_OBJECT "AWS::S3::Object"
#define S3_BUCKET "AWS::S3::Bucket"

static bool starts(const char *s, size_t n, const sel_str *v)
{
    return n >= v->n && !memcmp(s, v->s, v->n);
}

static bool ends(const char *s, size_t n, const sel_str *v)
{
    return n >= v->n && !memcmp(s + n - v->n, v->s, v->n);
}

static bool any_value(const sel_cond *c, int op, const char *s, size_t n)
{
    for (size_t i = 0; i < c->n; i++) {
        const sel_str *v = &c->values[i];
        bool hit = op == OP_EQUALS ? (n == v->n && !memcmp(s, v->s, n))
                   : op == OP_STARTS ? starts(s, n, v)
                                     : ends(s, n, v);
        if (hit)
            return true;
    }
    return false;
}

static bool cond_holds(const sel_cond *c, const char *s)
{
    size_t n = strlen(s);
    switch (c->op) {
    case OP_EQUALS: return any_value(c, OP_EQUALS, s, n);
    case OP_STARTS: return any_value(c, OP_STARTS, s, n);
    case OP_ENDS: return any_value(c, OP_ENDS, s, n);
    case OP_NOT_EQUALS: return !any_value(c, OP_EQUALS, s, n);
    case OP_NOT_STARTS: return !any_value(c, OP_STARTS, s, n);
    default: return !any_value(c, OP_ENDS, s, n);
    }
}

static const char *category_name(uint8_t c)
{
    switch (c) {
    case OT_CAT_MANAGEMENT: return "Management";
    case OT_CAT_DATA: return "Data";
    case OT_CAT_ACTIVITY: return "ActivityAuditLog";
    case OT_CAT_INSIGHT: return "Insight";
    default: return "";
    }
}

/* The event's value of a (non-resource) field; "" when the event does not have it. */
static const char *field_value(const ot_event *e, uint8_t field)
{
    const char *v = NULL;
    switch (field) {
    case F_CATEGORY: v = category_name(e->category); break;
    case F_EVENT_SOURCE: v = e->event_source; break;
    case F_EVENT_NAME: v = e->event_name; break;
    case F_EVENT_TYPE: v = e->event_type; break;
    case F_READ_ONLY:
        v = e->rw == OT_RW_READ ? "true" : e->rw == OT_RW_WRITE ? "false" : "";
        break;
    case F_USER_ARN: v = e->user_arn; break;
    case F_ERROR_CODE: v = e->error_code; break;
    case F_CONSOLE:
        v = e->console == OT_CONSOLE_TRUE ? "true" : e->console == OT_CONSOLE_FALSE ? "false" : "";
        break;
    default: break; /* vpcEndpointId: network activity events are not recorded here */
    }
    return v ? v : "";
}

static bool has_object_resource(const ot_event *e)
{
    size_t cur = 0;
    ot_event_resource r;
    while (ot_event_resource_next(e, &cur, &r))
        if (!strcmp(r.type, S3_OBJECT))
            return true;
    return false;
}

/* A bucket-level S3 data event (ListObjects …) names only its bucket: for object selectors
 * it counts as the object ARN "arn:aws:s3:::<bucket>/" (docs/selectors.md). */
static bool as_object(const ot_event_resource *r, char *buf, size_t cap, const char **arn)
{
    size_t n = strlen(r->arn);
    if (strcmp(r->type, S3_BUCKET) || n + 2 > cap)
        return false;
    memcpy(buf, r->arn, n);
    buf[n] = '/';
    buf[n + 1] = '\0';
    *arn = buf;
    return true;
}

/* Every resources.ARN condition holds on arn. */
static bool arn_conds_hold(const sel_adv *a, const char *arn)
{
    for (size_t i = 0; i < a->narn; i++)
        if (!cond_holds(&a->arn[i], arn))
            return false;
    return true;
}

static bool resources_hold(const sel_adv *a, const ot_event *e)
{
    if (!a->res_type && !a->narn)
        return true;
    bool s3_object = a->res_type && !strcmp(a->res_type, S3_OBJECT);
    bool bucket_fallback = s3_object && !has_object_resource(e);
    char buf[2100];
    size_t cur = 0;
    ot_event_resource r;
    while (ot_event_resource_next(e, &cur, &r)) {
        const char *arn = r.arn;
        bool typed = !a->res_type || !strcmp(r.type, a->res_type);
        if (!typed && bucket_fallback)
            typed = as_object(&r, buf, sizeof buf, &arn);
        if (typed && arn_conds_hold(a, arn))
            return true;
    }
    return false;
}

static bool adv_matches(const sel_adv *a, const ot_event *e)
{
    for (size_t i = 0; i < a->nconds; i++)
        if (!cond_holds(&a->conds[i], field_value(e, a->conds[i].field)))
            return false;
    return resources_hold(a, e);
}

/* ---- basic ---- */

static bool rw_ok(uint8_t want, uint8_t rw)
{
    return want == SEL_RW_ALL || (want == SEL_RW_READ && rw == OT_RW_READ) ||
           (want == SEL_RW_WRITE && rw == OT_RW_WRITE);
}

static const char *const RES_TYPES[] = {[SEL_RES_S3_OBJECT] = S3_OBJECT,
                                        [SEL_RES_LAMBDA] = "AWS::Lambda::Function",
                                        [SEL_RES_DYNAMODB] = "AWS::DynamoDB::Table"};

static bool value_hits(const sel_data_res *d, const char *arn)
{
    size_t n = strlen(arn);
    for (size_t i = 0; i < d->n; i++) {
        const sel_str *v = &d->values[i];
        /* S3 values are key prefixes; Lambda and DynamoDB ARNs are exact. */
        bool hit = d->type == SEL_RES_S3_OBJECT ? starts(arn, n, v)
                                                : (n == v->n && !memcmp(arn, v->s, n));
        if (hit)
            return true;
    }
    return false;
}

static bool data_res_matches(const sel_data_res *d, const ot_event *e)
{
    const char *want = RES_TYPES[d->type];
    bool bucket_fallback = d->type == SEL_RES_S3_OBJECT && !has_object_resource(e);
    char buf[2100];
    size_t cur = 0;
    ot_event_resource r;
    while (ot_event_resource_next(e, &cur, &r)) {
        const char *arn = r.arn;
        bool typed = !strcmp(r.type, want);
        if (!typed && bucket_fallback)
            typed = as_object(&r, buf, sizeof buf, &arn);
        if (typed && (d->all || value_hits(d, arn)))
            return true;
    }
    return false;
}

static bool basic_matches(const sel_basic *b, const ot_event *e)
{
    if (!rw_ok(b->rw, e->rw))
        return false;
    if (e->category == OT_CAT_MANAGEMENT) {
        if (!b->management)
            return false;
        if (b->exclude_kms && !strcmp(e->event_source, "kms.amazonaws.com"))
            return false;
        return !(b->exclude_rdsdata && !strcmp(e->event_source, "rdsdata.amazonaws.com"));
    }
    if (e->category != OT_CAT_DATA)
        return false;
    for (size_t i = 0; i < b->nres; i++)
        if (data_res_matches(&b->res[i], e))
            return true;
    return false;
}

bool ot_selectors_match(const ot_selectors *s, const ot_event *e)
{
    if (!s)
        return e->category == OT_CAT_MANAGEMENT;
    if (s->advanced) {
        for (size_t i = 0; i < s->nadv; i++)
            if (adv_matches(&s->adv[i], e))
                return true;
        return false;
    }
    for (size_t i = 0; i < s->nbasic; i++)
        if (basic_matches(&s->basic[i], e))
            return true;
    return false;
}
