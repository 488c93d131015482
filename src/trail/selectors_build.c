/* selectors_build.c — PutEventSelectors validation, canonical JSON and compilation.
 *
 * One pass over the request: every rule of basic and advanced event selectors is checked, the
 * canonical form (what GetEventSelectors returns) is written and the matcher is built at the
 * same time, so what is stored and what routes can never disagree. Messages follow AWS's
 * wording where it is known ("Value X for Y is invalid."). The rules:
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail/selectors_int.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/vec.h"

#define BAD "InvalidEventSelectorsException"
#define SERIAL "SerializationException"
#define NAME_MAX_LEN 1000
#define FIELD_MAX_LEN 1000
#define VALUE_MAX_LEN 2048

typedef struct bctx {
    ot_selectors *s;
    ot_jw w;
    ot_selectors_error *err;
    size_t data_values;       /* basic: DataResources.Values that count against 250 */
    size_t adv_values;        /* advanced: condition values, at most 500 */
} bctx;

static int fail(bctx *b, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(bctx *b, const char *code, const char *fmt, ...)
{
    b->err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err->message, sizeof b->err->message, fmt, ap);
    va_end(ap);
    return OT_EINVAL;
}

/* 1 if key is present (and not null) with type want, 0 if absent, OT_EINVAL otherwise. */
static int member(bctx *b, ot_json obj, const char *key, ot_json_type want, ot_json *v)
{
    if (ot_json_get(obj, key, v) != OT_OK || ot_json_typeof(*v) == OT_JSON_NULL)
        return 0;
    if (ot_json_typeof(*v) != want)
        return fail(b, SERIAL, "Unexpected %s for member '%s': expected %s.",
                    ot_json_type_name(ot_json_typeof(*v)), key, ot_json_type_name(want));
    return 1;
}

static int elem_str(bctx *b, ot_json v, const char *what, const char **s, size_t *n)
{
    if (ot_json_typeof(v) != OT_JSON_STRING || ot_json_str(v, s, n) != OT_OK)
        return fail(b, SERIAL, "Unexpected %s in '%s': expected string.",
                    ot_json_type_name(ot_json_typeof(v)), what);
    if (strlen(*s) != *n)
        return fail(b, BAD, "Values of %s must not contain NUL characters.", what);
    return OT_OK;
}

/* An element of the list named what must be a JSON object. */
static int elem_obj(bctx *b, ot_json v, const char *what)
{
    if (ot_json_typeof(v) != OT_JSON_OBJECT)
        return fail(b, SERIAL, "Unexpected %s in '%s': expected structure.",
                    ot_json_type_name(ot_json_typeof(v)), what);
    return OT_OK;
}

static bool eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && !memcmp(s, lit, n);
}

static bool has_prefix(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && !memcmp(s, lit, l);
}

static int dup_str(sel_str *out, const char *s, size_t n)
{
    out->s = malloc(n + 1);
    if (!out->s)
        return OT_ENOMEM;
    memcpy(out->s, s, n);
    out->s[n] = '\0';
    out->n = n;
    return OT_OK;
}

/* ------------------------------------------------------------------ basic selectors */

static bool s3_bucket_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* arn:aws:s3 (all), arn:aws:s3::: (all), or arn:aws:s3:::<bucket>/<key prefix>. */
static bool s3_value_ok(const char *v, size_t n, bool *all)
{
    *all = eq(v, n, "arn:aws:s3") || eq(v, n, "arn:aws:s3:::");
    if (*all)
        return true;
    if (!has_prefix(v, n, "arn:aws:s3:::"))
        return false;
    const char *bkt = v + 13, *slash = memchr(bkt, '/', n - 13);
    if (!slash)
        return false;
    size_t bl = (size_t)(slash - bkt);
    if (bl < 3 || bl > 63)
        return false;
    for (size_t i = 0; i < bl; i++)
        if (!s3_bucket_char(bkt[i]))
            return false;
    return true;
}

/* arn:aws:<svc>:<region>:<12 digits>:<rest> with a non-empty rest starting with marker. */
static bool arn_shape_ok(const char *v, size_t n, const char *svc, const char *marker)
{
    char head[32];
    snprintf(head, sizeof head, "arn:aws:%s:", svc);
    if (!has_prefix(v, n, head))
        return false;
    const char *p = v + strlen(head), *end = v + n;
    const char *c = memchr(p, ':', (size_t)(end - p));
    if (!c || c == p)
        return false;
    p = c + 1;
    for (int i = 0; i < 12; i++, p++)
        if (p >= end || *p < '0' || *p > '9')
            return false;
    if (p >= end || *p++ != ':')
        return false;
    size_t ml = strlen(marker);
    return (size_t)(end - p) > ml && !memcmp(p, marker, ml);
}

static bool data_value_ok(uint8_t type, const char *v, size_t n, bool *all)
{
    switch (type) {
    case SEL_RES_S3_OBJECT:
        return s3_value_ok(v, n, all);
    case SEL_RES_LAMBDA:
        *all = eq(v, n, "arn:aws:lambda");
        return *all || arn_shape_ok(v, n, "lambda", "function:");
    default:
        *all = eq(v, n, "arn:aws:dynamodb");
        return *all || arn_shape_ok(v, n, "dynamodb", "table/");
    }
}

static int res_type(bctx *b, const char *t, size_t n, uint8_t *out)
{
    static const char *const names[] = {"AWS::S3::Object", "AWS::Lambda::Function",
                                        "AWS::DynamoDB::Table"};
    for (uint8_t i = 0; i < 3; i++)
        if (eq(t, n, names[i])) {
            *out = i;
            return OT_OK;
        }
    return fail(b, BAD, "Value %.*s for DataResources.Type is invalid.", (int)(n > 200 ? 200 : n),
                t);
}

static int data_values(bctx *b, ot_json list, sel_data_res *r)
{
    ot_json_iter it;
    ot_json v;
    ot_json_array_iter(list, &it);
    ot_jw_key(&b->w, "Values");
    ot_jw_arr(&b->w);
    while (ot_json_array_next(&it, &v)) {
        const char *s;
        size_t n;
        bool all = false;
        if (elem_str(b, v, "DataResources.Values", &s, &n))
            return OT_EINVAL;
        if (!data_value_ok(r->type, s, n, &all))
            return fail(b, BAD, "Value %.*s for DataResources.Values is invalid.",
                        (int)(n > 300 ? 300 : n), s);
        if (all) {
            r->all = true;
        } else if (++b->data_values > OT_SELECTORS_MAX_DATA_VALUES) {
            return fail(b, BAD, "Specify a valid number of DataResources.Values (0 to 250) for "
                                "all your selectors");
        }
        if (OT_VEC_GROW(r->values, r->cap, r->n + 1))
            return fail(b, "InternalFailure", "Out of memory.");
        if (dup_str(&r->values[r->n], s, n))
            return fail(b, "InternalFailure", "Out of memory.");
        r->n++;
        ot_jw_strn(&b->w, s, n);
    }
    ot_jw_end(&b->w);
    return OT_OK;
}

static int data_resource(bctx *b, ot_json obj, sel_basic *sel)
{
    if (elem_obj(b, obj, "DataResources"))
        return OT_EINVAL;
    ot_json tv, vals;
    const char *t;
    size_t tn;
    int rc = member(b, obj, "Type", OT_JSON_STRING, &tv);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fail(b, BAD, "DataResources.Type must be specified for each data resource.");
    if (elem_str(b, tv, "DataResources.Type", &t, &tn))
        return OT_EINVAL;
    if (OT_VEC_GROW(sel->res, sel->cap_res, sel->nres + 1))
        return fail(b, "InternalFailure", "Out of memory.");
    sel_data_res *r = &sel->res[sel->nres++];
    memset(r, 0, sizeof *r);
    if (res_type(b, t, tn, &r->type))
        return OT_EINVAL;
    rc = member(b, obj, "Values", OT_JSON_ARRAY, &vals);
    if (rc < 0)
        return rc;
    if (rc == 0 || ot_json_count(vals) == 0)
        return fail(b, BAD, "Specify at least one value in DataResources.Values for %.*s.",
                    (int)tn, t);
    ot_jw_obj(&b->w);
    ot_jw_key(&b->w, "Type");
    ot_jw_strn(&b->w, t, tn);
    rc = data_values(b, vals, r);
    ot_jw_end(&b->w);
    return rc;
}

static int basic_rw(bctx *b, ot_json obj, sel_basic *sel)
{
    ot_json v;
    const char *s = "All";
    size_t n = 3;
    int rc = member(b, obj, "ReadWriteType", OT_JSON_STRING, &v);
    if (rc < 0 || (rc > 0 && elem_str(b, v, "ReadWriteType", &s, &n)))
        return OT_EINVAL;
    if (eq(s, n, "All"))
        sel->rw = SEL_RW_ALL;
    else if (eq(s, n, "ReadOnly"))
        sel->rw = SEL_RW_READ;
    else if (eq(s, n, "WriteOnly"))
        sel->rw = SEL_RW_WRITE;
    else
        return fail(b, BAD, "Value %.*s for ReadWriteType is invalid.", (int)(n > 200 ? 200 : n),
                    s);
    ot_jw_key(&b->w, "ReadWriteType");
    ot_jw_strn(&b->w, s, n);
    bool mgmt = true;
    rc = member(b, obj, "IncludeManagementEvents", OT_JSON_BOOL, &v);
    if (rc < 0)
        return rc;
    if (rc > 0)
        ot_json_bool(v, &mgmt);
    sel->management = mgmt;
    ot_jw_kbool(&b->w, "IncludeManagementEvents", mgmt);
    return OT_OK;
}

static int basic_excludes(bctx *b, ot_json obj, sel_basic *sel)
{
    ot_json list, v;
    int rc = member(b, obj, "ExcludeManagementEventSources", OT_JSON_ARRAY, &list);
    if (rc < 0)
        return rc;
    ot_jw_key(&b->w, "ExcludeManagementEventSources");
    ot_jw_arr(&b->w);
    ot_json_iter it;
    if (rc > 0)
        ot_json_array_iter(list, &it);
    while (rc > 0 && ot_json_array_next(&it, &v)) {
        const char *s;
        size_t n;
        if (elem_str(b, v, "ExcludeManagementEventSources", &s, &n))
            return OT_EINVAL;
        if (eq(s, n, "kms.amazonaws.com"))
            sel->exclude_kms = true;
        else if (eq(s, n, "rdsdata.amazonaws.com"))
            sel->exclude_rdsdata = true;
        else
            return fail(b, BAD, "Value %.*s for ExcludeManagementEventSources is invalid.",
                        (int)(n > 200 ? 200 : n), s);
        ot_jw_strn(&b->w, s, n);
    }
    ot_jw_end(&b->w);
    return OT_OK;
}

static int basic_one(bctx *b, ot_json obj)
{
    if (elem_obj(b, obj, "EventSelectors"))
        return OT_EINVAL;
    ot_selectors *s = b->s;
    if (OT_VEC_GROW(s->basic, s->cap_basic, s->nbasic + 1))
        return fail(b, "InternalFailure", "Out of memory.");
    sel_basic *sel = &s->basic[s->nbasic++];
    memset(sel, 0, sizeof *sel);
    ot_jw_obj(&b->w);
    if (basic_rw(b, obj, sel))
        return OT_EINVAL;
    ot_json list, v;
    int rc = member(b, obj, "DataResources", OT_JSON_ARRAY, &list);
    if (rc < 0)
        return rc;
    ot_jw_key(&b->w, "DataResources");
    ot_jw_arr(&b->w);
    ot_json_iter it;
    if (rc > 0)
        ot_json_array_iter(list, &it);
    while (rc > 0 && ot_json_array_next(&it, &v))
        if (data_resource(b, v, sel))
            return OT_EINVAL;
    ot_jw_end(&b->w);
    if (basic_excludes(b, obj, sel))
        return OT_EINVAL;
    ot_jw_end(&b->w);
    return OT_OK;
}

static int build_basic(bctx *b, ot_json list)
{
    size_t n = ot_json_count(list);
    if (n < 1 || n > OT_SELECTORS_MAX_BASIC)
        return fail(b, BAD, "Specify a valid number of event selectors (1 to 5) for a trail.");
    ot_jw_key(&b->w, "EventSelectors");
    ot_jw_arr(&b->w);
    ot_json_iter it;
    ot_json v;
    ot_json_array_iter(list, &it);
    while (ot_json_array_next(&it, &v))
        if (basic_one(b, v))
            return OT_EINVAL;
    ot_jw_end(&b->w);
    return OT_OK;
}

/* --------------------------------------------------------------- advanced selectors */

static const char *const FIELD_NAMES[F__COUNT] = {
    [F_CATEGORY] = "eventCategory", [F_EVENT_SOURCE] = "eventSource",
    [F_EVENT_NAME] = "eventName", [F_EVENT_TYPE] = "eventType", [F_READ_ONLY] = "readOnly",
    [F_RES_TYPE] = "resources.type", [F_RES_ARN] = "resources.ARN",
    [F_USER_ARN] = "userIdentity.arn", [F_ERROR_CODE] = "errorCode",
    [F_CONSOLE] = "sessionCredentialFromConsole", [F_VPCE] = "vpcEndpointId"};

static const char *const OP_NAMES[OP__COUNT] = {
    [OP_EQUALS] = "Equals", [OP_STARTS] = "StartsWith", [OP_ENDS] = "EndsWith",
    [OP_NOT_EQUALS] = "NotEquals", [OP_NOT_STARTS] = "NotStartsWith",
    [OP_NOT_ENDS] = "NotEndsWith"};

enum { CAT_MANAGEMENT, CAT_DATA, CAT_NETWORK, CAT__COUNT };

/* Which fields a trail accepts per eventCategory (API_AdvancedFieldSelector.html). */
static const uint16_t ALLOWED[CAT__COUNT] = {
    [CAT_MANAGEMENT] = 1u << F_CATEGORY | 1u << F_EVENT_SOURCE | 1u << F_READ_ONLY,
    [CAT_DATA] = 1u << F_CATEGORY | 1u << F_RES_TYPE | 1u << F_RES_ARN | 1u << F_EVENT_NAME |
                 1u << F_EVENT_SOURCE | 1u << F_EVENT_TYPE | 1u << F_READ_ONLY |
                 1u << F_CONSOLE | 1u << F_USER_ARN,
    [CAT_NETWORK] = 1u << F_CATEGORY | 1u << F_EVENT_SOURCE | 1u << F_EVENT_NAME |
                    1u << F_ERROR_CODE | 1u << F_VPCE | 1u << F_USER_ARN};
static const char *const CAT_NAMES[CAT__COUNT] = {"Management", "Data", "NetworkActivity"};

/* Data resource types advanced selectors accept on a trail. */
static const char *const ADV_RES_TYPES[] = {
    "AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream", "AWS::S3Outposts::Object", "AWS::ManagedBlockchain::Node",
    "AWS::ManagedBlockchain::Network", "AWS::S3ObjectLambda::AccessPoint", "AWS::EC2::Snapshot",
    "AWS::S3::AccessPoint", "AWS::Glue::Table", "AWS::FinSpace::Environment",
    "AWS::SageMaker::ExperimentTrialComponent", "AWS::SageMaker::FeatureGroup",
    "AWS::SNS::Topic", "AWS::SNS::PlatformEndpoint", "AWS::SQS::Queue",
    "AWS::S3Express::Object", "AWS::KMS::Key", "AWS::SecretsManager::Secret",
    "AWS::Bedrock::AgentAlias", "AWS::Bedrock::KnowledgeBase", "AWS::CloudTrail::Channel",
    "AWS::CodeWhisperer::Profile", "AWS::Cognito::IdentityPool", "AWS::GuardDuty::Detector",
    "AWS::KendraRanking::ExecutionPlan", "AWS::IoT::Certificate", "AWS::IoT::Thing",
    "AWS::Lambda::Function", "AWS::QBusiness::Application", "AWS::StepFunctions::StateMachine",
    "AWS::SSMMessages::ControlChannel", "AWS::VerifiedPermissions::PolicyStore",
    "AWS::XRay::Trace"};

typedef struct adv_state {
    uint16_t seen;            /* fields present in this selector */
    int category;             /* CAT_*, -1 until seen */
    bool network_has_source;
} adv_state;

static int field_id(bctx *b, const char *s, size_t n)
{
    if (n < 1 || n > FIELD_MAX_LEN)
        return fail(b, BAD, "Value %.*s for Field is invalid.", (int)(n > 200 ? 200 : n), s);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '|'))
            return fail(b, BAD, "Value %.*s for Field is invalid.", (int)(n > 200 ? 200 : n), s);
    }
    for (int f = 0; f < F__COUNT; f++)
        if (eq(s, n, FIELD_NAMES[f]))
            return f;
    return fail(b, BAD, "Value %.*s for Field is invalid.", (int)(n > 200 ? 200 : n), s);
}

/* Reads one operator's value list into c (n = 0 when the operator is absent). */
static int op_values(bctx *b, ot_json obj, int field, int op, sel_cond *c)
{
    ot_json list, v;
    memset(c, 0, sizeof *c);
    c->field = (uint8_t)field;
    c->op = (uint8_t)op;
    int rc = member(b, obj, OP_NAMES[op], OT_JSON_ARRAY, &list);
    if (rc <= 0)
        return rc < 0 ? rc : OT_OK;
    if (ot_json_count(list) == 0)
        return fail(b, BAD, "Operator %s of field %s must have at least one value.",
                    OP_NAMES[op], FIELD_NAMES[field]);
    c->values = calloc(ot_json_count(list), sizeof *c->values);
    if (!c->values)
        return fail(b, "InternalFailure", "Out of memory.");
    ot_json_iter it;
    ot_json_array_iter(list, &it);
    while (ot_json_array_next(&it, &v)) {
        const char *s;
        size_t n;
        if (elem_str(b, v, OP_NAMES[op], &s, &n))
            return OT_EINVAL;
        if (n < 1 || n > VALUE_MAX_LEN)
            return fail(b, BAD, "Values of %s for field %s must be 1 to %d characters long.",
                        OP_NAMES[op], FIELD_NAMES[field], VALUE_MAX_LEN);
        if (++b->adv_values > OT_SELECTORS_MAX_ADV_VALUES)
            return fail(b, BAD, "Specify up to 500 values for all conditions in all advanced "
                                "event selectors for a trail.");
        if (dup_str(&c->values[c->n++], s, n))
            return fail(b, "InternalFailure", "Out of memory.");
    }
    return OT_OK;
}

static void cond_free(sel_cond *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->values[i].s);
    free(c->values);
    c->values = NULL;
    c->n = 0;
}

static int check_value(bctx *b, int field, const sel_str *v, adv_state *st, sel_adv *a)
{
    if (field == F_CATEGORY) {
        for (int k = 0; k < CAT__COUNT; k++)
            if (eq(v->s, v->n, CAT_NAMES[k]))
                st->category = k;
        if (st->category < 0)
            return fail(b, BAD, "Value %.200s for eventCategory is invalid.", v->s);
    } else if (field == F_READ_ONLY && !eq(v->s, v->n, "true") && !eq(v->s, v->n, "false")) {
        return fail(b, BAD, "Value %.200s for readOnly is invalid.", v->s);
    } else if (field == F_RES_TYPE) {
        bool known = false;
        for (size_t k = 0; k < sizeof ADV_RES_TYPES / sizeof *ADV_RES_TYPES; k++)
            known = known || eq(v->s, v->n, ADV_RES_TYPES[k]);
        if (!known)
            return fail(b, BAD, "Value %.200s for resources.type is invalid.", v->s);
        a->res_type = strdup(v->s);
        if (!a->res_type)
            return fail(b, "InternalFailure", "Out of memory.");
    }
    return OT_OK;
}

/* eventCategory, readOnly and resources.type: Equals with exactly one value. */
static int check_equals_only(bctx *b, int field, const sel_cond *ops, adv_state *st, sel_adv *a)
{
    for (int op = OP_STARTS; op < OP__COUNT; op++)
        if (ops[op].n)
            return fail(b, BAD, "Field %s accepts only the Equals operator.", FIELD_NAMES[field]);
    if (ops[OP_EQUALS].n != 1)
        return fail(b, BAD, "Field %s must have exactly one Equals value.", FIELD_NAMES[field]);
    return check_value(b, field, &ops[OP_EQUALS].values[0], st, a);
}

static int keep_cond(bctx *b, sel_adv *a, sel_cond *c)
{
    bool arn = c->field == F_RES_ARN;
    sel_cond **v = arn ? &a->arn : &a->conds;
    size_t *n = arn ? &a->narn : &a->nconds, *cap = arn ? &a->cap_arn : &a->cap_conds;
    if (ot_vec_grow(v, cap, *n + 1, sizeof **v))
        return fail(b, "InternalFailure", "Out of memory.");
    (*v)[(*n)++] = *c;
    memset(c, 0, sizeof *c);
    return OT_OK;
}

static void write_field(bctx *b, int field, const sel_cond *ops)
{
    ot_jw_obj(&b->w);
    ot_jw_kstr(&b->w, "Field", FIELD_NAMES[field]);
    for (int op = 0; op < OP__COUNT; op++) {
        if (!ops[op].n)
            continue;
        ot_jw_key(&b->w, OP_NAMES[op]);
        ot_jw_arr(&b->w);
        for (size_t i = 0; i < ops[op].n; i++)
            ot_jw_strn(&b->w, ops[op].values[i].s, ops[op].values[i].n);
        ot_jw_end(&b->w);
    }
    ot_jw_end(&b->w);
}

static int field_selector(bctx *b, ot_json fs, sel_adv *a, adv_state *st)
{
    if (elem_obj(b, fs, "FieldSelectors"))
        return OT_EINVAL;
    ot_json fv;
    const char *name;
    size_t nn;
    int rc = member(b, fs, "Field", OT_JSON_STRING, &fv);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return fail(b, BAD, "Each field selector must name a Field.");
    if (elem_str(b, fv, "Field", &name, &nn))
        return OT_EINVAL;
    int field = field_id(b, name, nn);
    if (field < 0)
        return OT_EINVAL;
    if (st->seen & (1u << field))
        return fail(b, BAD, "Field %s appears more than once in one advanced event selector.",
                    FIELD_NAMES[field]);
    st->seen |= (uint16_t)(1u << field);
    sel_cond ops[OP__COUNT];
    size_t total = 0;
    rc = OT_OK;
    for (int op = 0; op < OP__COUNT; op++) {
        if (!rc)
            rc = op_values(b, fs, field, op, &ops[op]);
        else
            memset(&ops[op], 0, sizeof ops[op]);
        total += ops[op].n;
    }
    if (!rc && total == 0)
        rc = fail(b, BAD, "Field selector %s must have at least one operator.",
                  FIELD_NAMES[field]);
    if (!rc && (field == F_CATEGORY || field == F_READ_ONLY || field == F_RES_TYPE))
        rc = check_equals_only(b, field, ops, st, a);
    if (!rc) {
        write_field(b, field, ops);
        for (int op = 0; op < OP__COUNT && !rc; op++)
            if (ops[op].n && field != F_RES_TYPE)
                rc = keep_cond(b, a, &ops[op]);
    }
    for (int op = 0; op < OP__COUNT; op++)
        cond_free(&ops[op]);
    return rc;
}

/* The rules that need the whole selector: eventCategory and what it allows. */
static int check_selector(bctx *b, const adv_state *st)
{
    if (st->category < 0)
        return fail(b, BAD, "Each advanced event selector must have an eventCategory field "
                            "selector (Equals Management, Data or NetworkActivity).");
    uint16_t extra = st->seen & (uint16_t)~ALLOWED[st->category];
    for (int f = 0; f < F__COUNT; f++)
        if (extra & (1u << f))
            return fail(b, BAD, "Field %s is not supported for %s events on a trail.",
                        FIELD_NAMES[f], CAT_NAMES[st->category]);
    if (st->category == CAT_DATA && !(st->seen & (1u << F_RES_TYPE)))
        return fail(b, BAD, "Field resources.type is required for data event selectors.");
    if (st->category == CAT_NETWORK && !(st->seen & (1u << F_EVENT_SOURCE)))
        return fail(b, BAD, "Field eventSource is required for network activity event "
                            "selectors.");
    return OT_OK;
}

static int adv_one(bctx *b, ot_json obj)
{
    if (elem_obj(b, obj, "AdvancedEventSelectors"))
        return OT_EINVAL;
    ot_selectors *s = b->s;
    if (OT_VEC_GROW(s->adv, s->cap_adv, s->nadv + 1))
        return fail(b, "InternalFailure", "Out of memory.");
    sel_adv *a = &s->adv[s->nadv++];
    memset(a, 0, sizeof *a);
    ot_json nv, list, fs;
    const char *name = NULL;
    size_t nn = 0;
    int rc = member(b, obj, "Name", OT_JSON_STRING, &nv);
    if (rc < 0 || (rc > 0 && elem_str(b, nv, "Name", &name, &nn)))
        return OT_EINVAL;
    if (nn > NAME_MAX_LEN)
        return fail(b, BAD, "The Name of an advanced event selector is at most %d characters.",
                    NAME_MAX_LEN);
    rc = member(b, obj, "FieldSelectors", OT_JSON_ARRAY, &list);
    if (rc < 0)
        return rc;
    if (rc == 0 || ot_json_count(list) == 0)
        return fail(b, BAD, "Each advanced event selector must have at least one field "
                            "selector.");
    ot_jw_obj(&b->w);
    if (name) {
        ot_jw_key(&b->w, "Name");
        ot_jw_strn(&b->w, name, nn);
    }
    ot_jw_key(&b->w, "FieldSelectors");
    ot_jw_arr(&b->w);
    adv_state st = {0, -1, false};
    ot_json_iter it;
    ot_json_array_iter(list, &it);
    while (ot_json_array_next(&it, &fs))
        if (field_selector(b, fs, a, &st))
            return OT_EINVAL;
    ot_jw_end(&b->w);
    ot_jw_end(&b->w);
    return check_selector(b, &st);
}

static int build_advanced(bctx *b, ot_json list)
{
    b->s->advanced = true;
    if (ot_json_count(list) == 0)
        return fail(b, BAD, "Specify at least one advanced event selector.");
    ot_jw_key(&b->w, "AdvancedEventSelectors");
    ot_jw_arr(&b->w);
    ot_json_iter it;
    ot_json v;
    ot_json_array_iter(list, &it);
    while (ot_json_array_next(&it, &v))
        if (adv_one(b, v))
            return OT_EINVAL;
    ot_jw_end(&b->w);
    return OT_OK;
}

/* ------------------------------------------------------------------------- entry points */

void ot_selectors_free(ot_selectors *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nbasic; i++) {
        for (size_t j = 0; j < s->basic[i].nres; j++) {
            sel_data_res *r = &s->basic[i].res[j];
            for (size_t k = 0; k < r->n; k++)
                free(r->values[k].s);
            free(r->values);
        }
        free(s->basic[i].res);
    }
    free(s->basic);
    for (size_t i = 0; i < s->nadv; i++) {
        sel_adv *a = &s->adv[i];
        for (size_t j = 0; j < a->nconds; j++)
            cond_free(&a->conds[j]);
        for (size_t j = 0; j < a->narn; j++)
            cond_free(&a->arn[j]);
        free(a->conds);
        free(a->arn);
        free(a->res_type);
    }
    free(s->adv);
    free(s);
}

static int build_body(bctx *b, ot_json obj)
{
    if (ot_json_typeof(obj) != OT_JSON_OBJECT)
        return fail(b, SERIAL, "The selectors must be a JSON object.");
    ot_json basic, adv;
    int rb = member(b, obj, "EventSelectors", OT_JSON_ARRAY, &basic);
    if (rb < 0)
        return rb;
    int ra = member(b, obj, "AdvancedEventSelectors", OT_JSON_ARRAY, &adv);
    if (ra < 0)
        return ra;
    if (rb > 0 && ra > 0)
        return fail(b, BAD, "Specify either EventSelectors or AdvancedEventSelectors, but not "
                            "both.");
    if (rb == 0 && ra == 0)
        return fail(b, BAD, "Specify EventSelectors or AdvancedEventSelectors.");
    ot_jw_obj(&b->w);
    int rc = rb > 0 ? build_basic(b, basic) : build_advanced(b, adv);
    ot_jw_end(&b->w);
    return rc;
}

int ot_selectors_build(ot_json obj, ot_buf *canonical, ot_selectors **out,
                       ot_selectors_error *err)
{
    if (out)
        *out = NULL;
    err->code = NULL;
    err->message[0] = '\0';
    ot_buf tmp;
    ot_buf_init(&tmp, 0);
    bctx b = {.err = err};
    b.s = calloc(1, sizeof *b.s);
    if (!b.s)
        return OT_ENOMEM;
    ot_jw_init(&b.w, &tmp);
    int rc = build_body(&b, obj);
    if (!rc && ot_jw_error(&b.w))
        rc = fail(&b, "InternalFailure", "The selectors could not be encoded.");
    if (!rc && canonical && ot_buf_append(canonical, tmp.data, tmp.len))
        rc = fail(&b, "InternalFailure", "Out of memory.");
    ot_buf_free(&tmp);
    if (rc || !out) {
        ot_selectors_free(b.s);
        return rc ? OT_EINVAL : OT_OK;
    }
    *out = b.s;
    return OT_OK;
}

int ot_selectors_compile(const char *json, size_t len, ot_selectors **out,
                         ot_selectors_error *err)
{
    *out = NULL;
    ot_json_doc *doc = ot_json_doc_new();
    if (!doc)
        return OT_ENOMEM;
    ot_json root;
    char why[128] = "";
    int rc = ot_json_parse(doc, json, len, false, &root, why, sizeof why);
    if (rc) {
        err->code = SERIAL;
        snprintf(err->message, sizeof err->message, "Malformed selectors JSON: %s", why);
        rc = OT_EINVAL;
    } else {
        rc = ot_selectors_build(root, NULL, out, err);
    }
    ot_json_doc_free(doc);
    return rc;
}
