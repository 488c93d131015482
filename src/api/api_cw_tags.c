/* api_cw_tags.c — the tags of alarms: ListTagsForResource shows the Tags an alarm was created
 * with (PutMetricAlarm), and PutMetricAlarm on an existing alarm keeps its tags, as CloudWatch
 * ignores Tags when it updates an alarm
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * TagResource adds or replaces tags and UntagResource removes them, changing nothing else of
 * the alarm (no history item, no new configuration time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cw_int.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"

#define ARN_PREFIX "arn:aws:cloudwatch:"

bool ot_cwapi_read_tags(ot_cw_call *c, bool optional, ot_buf *json)
{
    const ot_cwd *v;
    size_t n;
    if (!ot_cwapi_list(c, c->in, "Tags", !optional, OT_CWAPI_TAGS_MAX, &v, &n))
        return false;
    ot_jw w;
    ot_jw_init(&w, json);
    ot_jw_arr(&w);
    for (; v; v = v->next) {
        const char *k, *val;
        if (v->type != OT_CWD_MAP)
            return ot_cwapi_fail(c, "InvalidParameterValue", "The parameter Tags must be a "
                                 "list of Key/Value pairs.");
        if (!ot_cwapi_str(c, v, "Key", true, 1, 128, &k) ||
            !ot_cwapi_str(c, v, "Value", true, 0, 256, &val))
            return false;
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "Key", k);
        ot_jw_kstr(&w, "Value", val);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    return true;
}

/* The alarm named name in the caller's scope into *out (one row, ot_cw_alarms_free), or
 * *out NULL when there is none. */
int ot_cwapi_alarm_get(ot_cw_call *c, const char *name, ot_cw_alarm **out)
{
    const char *names[1] = {name};
    ot_cw_alarm_query q = {.names = names, .n_names = 1, .limit = 1};
    size_t n = 0;
    *out = NULL;
    int rc = ot_cw_alarms_list(c->cw, &c->scope, &q, out, &n);
    if (!rc && !n) {
        ot_cw_alarms_free(*out, 0);
        *out = NULL;
    }
    return rc;
}

/* The alarm name of an alarm ARN of the caller's account and region, or NULL. */
static const char *alarm_name_of(const ot_cw_call *c, const char *arn)
{
    char prefix[160];
    snprintf(prefix, sizeof prefix, ARN_PREFIX "%s:%s:alarm:", c->scope.region,
             c->scope.account);
    size_t n = strlen(prefix);
    return !strncmp(arn, prefix, n) && arn[n] ? arn + n : NULL;
}

static void write_tags(ot_cww *w, const char *tags_json)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, tag;
    ot_json_iter it;
    ot_cww_list(w, "Tags");
    if (doc && tags_json &&
        !ot_json_parse(doc, tags_json, strlen(tags_json), false, &root, NULL, 0) &&
        !ot_json_array_iter(root, &it)) {
        while (ot_json_array_next(&it, &tag)) {
            const char *k, *v;
            size_t kl, vl;
            if (ot_json_get_str(tag, "Key", &k, &kl) || ot_json_get_str(tag, "Value", &v, &vl))
                continue;
            ot_cww_map(w, NULL);
            ot_cww_str(w, "Key", k);
            ot_cww_str(w, "Value", v);
            ot_cww_end(w);
        }
    }
    ot_cww_end(w);
    ot_json_doc_free(doc);
}

/* The alarm ResourceARN names, in the caller's account and region, into *out (one row,
 * ot_cw_alarms_free); false after answering the error. */
static bool resource_alarm(ot_cw_call *c, ot_cw_alarm **out)
{
    const char *arn, *name;
    *out = NULL;
    if (!ot_cwapi_str(c, c->in, "ResourceARN", true, 1, 1024, &arn))
        return false;
    if (strncmp(arn, ARN_PREFIX, sizeof ARN_PREFIX - 1))
        return ot_cwapi_fail(c, "InvalidParameterValue", "Invalid ARN: %s", arn);
    /* another account's or region's alarm answers as a missing one */
    int rc = (name = alarm_name_of(c, arn)) ? ot_cwapi_alarm_get(c, name, out) : OT_OK;
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return false;
    }
    if (!*out)
        return ot_cwapi_fail(c, "ResourceNotFoundException", "The specified resource does not "
                             "exist (%s).", arn);
    return true;
}

void ot_cwapi_list_tags_for_resource(ot_cw_call *c)
{
    ot_cw_alarm *a;
    if (!resource_alarm(c, &a))
        return;
    ot_cwapi_begin(c);
    write_tags(&c->w, a->tags_json);
    ot_cwapi_end(c);
    ot_cw_alarms_free(a, 1);
}

typedef struct tag_pair {
    const char *key, *value;
} tag_pair;

/* The tags of a JSON array [{"Key","Value"}] into t (at most cap), borrowed from doc. */
static size_t tags_of(ot_json_doc *doc, const char *json, tag_pair *t, size_t cap)
{
    ot_json root, tag;
    ot_json_iter it;
    size_t n = 0, kl, vl;
    if (!json || ot_json_parse(doc, json, strlen(json), false, &root, NULL, 0) ||
        ot_json_array_iter(root, &it))
        return 0;
    while (n < cap && ot_json_array_next(&it, &tag))
        if (!ot_json_get_str(tag, "Key", &t[n].key, &kl) &&
            !ot_json_get_str(tag, "Value", &t[n].value, &vl))
            n++;
    return n;
}

/* Removes key from t[0..*n). */
static void tag_remove(tag_pair *t, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(t[i].key, key)) {
            memmove(t + i, t + i + 1, (*n - i - 1) * sizeof *t);
            (*n)--;
            return;
        }
}

/* Stores t[0..n) as the alarm's tags and answers. */
static void store_tags(ot_cw_call *c, const ot_cw_alarm *a, const tag_pair *t, size_t n)
{
    ot_buf json;
    ot_buf_init(&json, 0);
    ot_jw w;
    ot_jw_init(&w, &json);
    ot_jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "Key", t[i].key);
        ot_jw_kstr(&w, "Value", t[i].value);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    int rc = ot_jw_error(&w) ? OT_ENOMEM : OT_OK;
    if (!rc)
        rc = ot_cw_alarm_tags_set(c->cw, &c->scope, a->name, n ? json.data : NULL);
    ot_buf_free(&json);
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return;
    }
    ot_cwapi_begin(c);
    ot_cwapi_end(c);
}

void ot_cwapi_tag_resource(ot_cw_call *c)
{
    ot_cw_alarm *a;
    ot_buf given;
    ot_buf_init(&given, 0);
    ot_json_doc *old_doc = ot_json_doc_new(), *new_doc = ot_json_doc_new();
    if (!old_doc || !new_doc) {
        ot_cwapi_store_error(c, OT_ENOMEM, "");
    } else if (ot_cwapi_read_tags(c, false, &given) && resource_alarm(c, &a)) {
        tag_pair t[2 * OT_CWAPI_TAGS_MAX], add[OT_CWAPI_TAGS_MAX];
        size_t n = tags_of(old_doc, a->tags_json, t, OT_CWAPI_TAGS_MAX);
        size_t nadd = tags_of(new_doc, given.data, add, OT_CWAPI_TAGS_MAX);
        for (size_t i = 0; i < nadd; i++) {
            tag_remove(t, &n, add[i].key); /* a key given again takes the new value */
            t[n++] = add[i];
        }
        if (n > OT_CWAPI_TAGS_MAX)
            ot_cwapi_fail(c, "InvalidParameterValue", "An alarm may have at most %d tags.",
                          OT_CWAPI_TAGS_MAX);
        else
            store_tags(c, a, t, n);
        ot_cw_alarms_free(a, 1);
    }
    ot_json_doc_free(old_doc);
    ot_json_doc_free(new_doc);
    ot_buf_free(&given);
}

void ot_cwapi_untag_resource(ot_cw_call *c)
{
    const char *keys[OT_CWAPI_TAGS_MAX];
    size_t nkeys;
    ot_cw_alarm *a;
    ot_json_doc *doc = ot_json_doc_new();
    if (!doc) {
        ot_cwapi_store_error(c, OT_ENOMEM, "");
    } else if (ot_cwapi_strings(c, c->in, "TagKeys", true, OT_CWAPI_TAGS_MAX, 128, keys,
                                &nkeys) &&
               resource_alarm(c, &a)) {
        tag_pair t[OT_CWAPI_TAGS_MAX];
        size_t n = tags_of(doc, a->tags_json, t, OT_CWAPI_TAGS_MAX);
        for (size_t i = 0; i < nkeys; i++)
            tag_remove(t, &n, keys[i]);
        store_tags(c, a, t, n);
        ot_cw_alarms_free(a, 1);
    }
    ot_json_doc_free(doc);
}
