/* api_cw_tags.c — the tags of alarms: ListTagsForResource shows the Tags an alarm was created
 * with (PutMetricAlarm), and PutMetricAlarm on an existing alarm keeps its tags, as CloudWatch
 * ignores Tags when it updates an alarm
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * TagResource and UntagResource are not served yet (the store has no call that changes tags
 * alone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cw_int.h"
#include "util/err.h"
#include "util/json.h"

#define ARN_PREFIX "arn:aws:cloudwatch:"

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

void ot_cwapi_list_tags_for_resource(ot_cw_call *c)
{
    const char *arn, *name;
    ot_cw_alarm *a = NULL;
    if (!ot_cwapi_str(c, c->in, "ResourceARN", true, 1, 1024, &arn))
        return;
    if (strncmp(arn, ARN_PREFIX, sizeof ARN_PREFIX - 1)) {
        ot_cwapi_fail(c, "InvalidParameterValue", "Invalid ARN: %s", arn);
        return;
    }
    /* another account's or region's alarm answers as a missing one */
    int rc = (name = alarm_name_of(c, arn)) ? ot_cwapi_alarm_get(c, name, &a) : OT_OK;
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return;
    }
    if (!a) {
        ot_cwapi_fail(c, "ResourceNotFoundException", "The specified resource does not exist "
                      "(%s).", arn);
        return;
    }
    ot_cwapi_begin(c);
    write_tags(&c->w, a->tags_json);
    ot_cwapi_end(c);
    ot_cw_alarms_free(a, 1);
}
