/* api_trail_resolve.c — how a trail name or ARN in a request finds its trail, and how a trail
 * is written in responses.
 *
 * A name resolves to the ARN in the request's region; AWS does the same, which is why a
 * multi-region trail's name is not found elsewhere and its shadow is reached by its
 * (home-region) ARN. */
#include <stdio.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "util/err.h"

bool ct_trail_visible(const ct_ctx *c, const ot_trail *t)
{
    return !strcmp(t->home_region, c->region) || t->multi_region;
}

/* The operations whose TrailNotFoundException names a trail given by name by the ARN it
 * resolved to, as AWS answers them (GetTrailStatus:
 * https://github.com/elastic/cloudbeat/issues/1750; GetEventSelectors:
 * https://github.com/aws/aws-sdk-go-v2/issues/1957). The others repeat what was given, as
 * GetTrail does ("Unknown trail: unknowntrail for the user: ..." in moto's tests, copied from
 * AWS: https://github.com/getmoto/moto/blob/master/tests/test_cloudtrail/test_cloudtrail.py). */
static const char *const NOT_FOUND_BY_ARN[] = {"GetTrailStatus", "GetEventSelectors"};

static bool not_found_by_arn(const char *op)
{
    for (size_t i = 0; op && i < sizeof NOT_FOUND_BY_ARN / sizeof *NOT_FOUND_BY_ARN; i++)
        if (!strcmp(op, NOT_FOUND_BY_ARN[i]))
            return true;
    return false;
}

int ct_trail_not_found(ct_ctx *c, const char *given)
{
    char arn[320];
    if (strncmp(given, "arn:", 4) && not_found_by_arn(c->op)) {
        ot_trail_arn_make(arn, sizeof arn, c->region, c->account, given);
        given = arn;
    }
    return ct_fail(c, "TrailNotFoundException", "Unknown trail: %.400s for the user: %s", given,
                   c->account);
}

/* A trail ARN: checks its shape and name, and that it can be reached from here. */
static int resolve_arn(ct_ctx *c, const char *arn, bool for_write, ot_trail *out)
{
    char region[32], account[16], name[129], msg[256];
    if (ot_trail_arn_parse(arn, region, account, name) != 0)
        return ct_fail(c, "CloudTrailARNInvalidException", "Invalid trail ARN: %.400s", arn);
    if (ot_trail_name_check(name, msg, sizeof msg) != 0)
        return ct_fail(c, "InvalidTrailNameException", "%s", msg);
    int rc = strcmp(account, c->account) ? OT_ENOTFOUND
                                         : ot_trail_get_by_arn(c->srv->trails, arn, out);
    bool shadow = !rc && strcmp(out->home_region, c->region) && out->multi_region;
    if (strcmp(region, c->region) && !shadow)
        return ct_fail(c, "CloudTrailARNInvalidException",
                       "Region in ARN is wrong, you can only access resources in region %s.",
                       c->region);
    if (rc == OT_ENOTFOUND)
        return ct_trail_not_found(c, arn);
    if (rc)
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    if (for_write && shadow)
        return ct_fail(c, "InvalidHomeRegionException",
                       "The trail %s can only be changed in its home region %s, not in %s.",
                       arn, out->home_region, c->region);
    return 0;
}

int ct_trail_resolve(ct_ctx *c, const char *name_or_arn, bool for_write, ot_trail *out)
{
    if (!strncmp(name_or_arn, "arn:", 4))
        return resolve_arn(c, name_or_arn, for_write, out);
    char msg[256], arn[320];
    if (ot_trail_name_check(name_or_arn, msg, sizeof msg) != 0)
        return ct_fail(c, "InvalidTrailNameException", "%s", msg);
    ot_trail_arn_make(arn, sizeof arn, c->region, c->account, name_or_arn);
    int rc = ot_trail_get_by_arn(c->srv->trails, arn, out);
    if (rc == OT_ENOTFOUND)
        return ct_trail_not_found(c, name_or_arn);
    if (rc)
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    return 0;
}

int ct_trail_from_name(ct_ctx *c, bool for_write, ot_trail *out)
{
    const char *name;
    int rc = ct_str(c, c->in, "Name", &name);
    if (rc < 0)
        return -1;
    if (rc == 0) /* not TrailNotProvidedException: AWS's model says it is no longer in use */
        return ct_fail(c, "InvalidTrailNameException", "Trail name or ARN must be provided.");
    return ct_trail_resolve(c, name, for_write, out);
}

static void kstr_opt(ot_jw *w, const char *key, const char *v)
{
    if (v[0])
        ot_jw_kstr(w, key, v);
}

/* SnsTopicName may be a topic name or already an SNS ARN. */
static void sns_members(ot_jw *w, const ot_trail *t)
{
    if (!t->sns_topic_name[0])
        return;
    char arn[400];
    ot_trail_sns_topic_arn(t, arn, sizeof arn);
    ot_jw_kstr(w, "SnsTopicName", t->sns_topic_name);
    ot_jw_kstr(w, "SnsTopicARN", arn);
}

void ct_trail_members(ot_jw *w, const ot_trail *t, bool full)
{
    ot_jw_kstr(w, "Name", t->name);
    ot_jw_kstr(w, "S3BucketName", t->bucket);
    kstr_opt(w, "S3KeyPrefix", t->prefix);
    sns_members(w, t);
    ot_jw_kbool(w, "IncludeGlobalServiceEvents", t->include_global);
    ot_jw_kbool(w, "IsMultiRegionTrail", t->multi_region);
    if (full)
        ot_jw_kstr(w, "HomeRegion", t->home_region);
    ot_jw_kstr(w, "TrailARN", t->arn);
    ot_jw_kbool(w, "LogFileValidationEnabled", t->log_validation);
    kstr_opt(w, "CloudWatchLogsLogGroupArn", t->cw_log_group_arn);
    kstr_opt(w, "CloudWatchLogsRoleArn", t->cw_role_arn);
    kstr_opt(w, "KmsKeyId", t->kms_key_id);
    if (full) {
        ot_jw_kbool(w, "HasCustomEventSelectors", t->has_custom_selectors);
        ot_jw_kbool(w, "HasInsightSelectors", t->has_insight_selectors);
    }
    ot_jw_kbool(w, "IsOrganizationTrail", t->organization);
}
