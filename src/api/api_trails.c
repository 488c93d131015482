/* api_trails.c — CreateTrail, UpdateTrail, DeleteTrail, DescribeTrails, GetTrail, ListTrails.
 *
 * Validation order follows AWS where it is known: name, then the parameters' own shapes, then
 * the multi-region/global-events combination, then the bucket's existence, then the limits
 * checked atomically in state.db. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "api/s3_policy.h"
#include "api/s3_write_once.h"
#include "sns/sns.h"
#include "store/store.h"
#include "util/err.h"
#include "util/timeutil.h"

#define PREFIX_MAX 200
#define SNS_MAX 256
#define KMS_MAX 350
#define CW_ARN_MAX 350

/* Which optional members the request gave (UpdateTrail changes only those). */
typedef struct trail_given {
    bool bucket, sns, global, multi;
} trail_given;

static int set_bucket(ct_ctx *c, ot_trail *t, const char *b)
{
    if (!ot_store_bucket_name_valid(b))
        return ct_fail(c, "InvalidS3BucketNameException", "Invalid S3 bucket name: %.100s", b);
    snprintf(t->bucket, sizeof t->bucket, "%s", b);
    return 0;
}

/* Log-file keys are <prefix>/AWSLogs/...: the prefix must make valid object keys. */
static int set_prefix(ct_ctx *c, ot_trail *t, const char *p)
{
    if (strlen(p) > PREFIX_MAX)
        return ct_fail(c, "InvalidS3PrefixException",
                       "S3 key prefix must be at most %d characters (got %zu).", PREFIX_MAX,
                       strlen(p));
    char key[PREFIX_MAX + 32];
    snprintf(key, sizeof key, "%s/AWSLogs/x", p);
    if (p[0] && !ot_store_key_valid(key, strlen(key)))
        return ct_fail(c, "InvalidS3PrefixException",
                       "Invalid S3 key prefix '%s': it must not start or end with '/', contain "
                       "'//', or have '.' or '..' segments.", p);
    snprintf(t->prefix, sizeof t->prefix, "%s", p);
    return 0;
}

static bool sns_name_ok(const char *s)
{
    if (!strncmp(s, "arn:aws:sns:", 12))
        s = strrchr(s, ':') + 1;
    size_t n = strlen(s);
    return n >= 1 && n <= SNS_MAX &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static int set_sns(ct_ctx *c, ot_trail *t, const char *s)
{
    if (s[0] && (strlen(s) > SNS_MAX || !sns_name_ok(s)))
        return ct_fail(c, "InvalidSnsTopicNameException", "Invalid SNS topic name: %.300s", s);
    snprintf(t->sns_topic_name, sizeof t->sns_topic_name, "%s", s);
    return 0;
}

static int set_kms(ct_ctx *c, ot_trail *t, const char *k)
{
    if (strlen(k) > KMS_MAX)
        return ct_fail(c, "InvalidKmsKeyIdException", "KMS key id must be at most %d characters.",
                       KMS_MAX);
    snprintf(t->kms_key_id, sizeof t->kms_key_id, "%s", k);
    return 0;
}

static bool cw_arn_ok(const char *v, const char *pfx)
{
    return !v[0] || (strlen(v) <= CW_ARN_MAX && !strncmp(v, pfx, strlen(pfx)));
}

/* AWS's text for a log group it cannot validate
 * (https://github.com/hashicorp/terraform-provider-aws/issues/18038). */
static int set_cw_group(ct_ctx *c, ot_trail *t, const char *v)
{
    if (!cw_arn_ok(v, "arn:aws:logs:"))
        return ct_fail(c, "InvalidCloudWatchLogsLogGroupArnException",
                       "Check the log group ARN: CloudTrail can't validate it.");
    snprintf(t->cw_log_group_arn, sizeof t->cw_log_group_arn, "%s", v);
    return 0;
}

static int set_cw_role(ct_ctx *c, ot_trail *t, const char *v)
{
    if (!cw_arn_ok(v, "arn:aws:iam::"))
        return ct_fail(c, "InvalidCloudWatchLogsRoleArnException",
                       "Invalid ARN '%.400s': it must start with arn:aws:iam::.", v);
    snprintf(t->cw_role_arn, sizeof t->cw_role_arn, "%s", v);
    return 0;
}

static const struct {
    const char *key;
    int (*set)(ct_ctx *c, ot_trail *t, const char *v);
} STRING_MEMBERS[] = {
    {"S3BucketName", set_bucket},
    {"S3KeyPrefix", set_prefix},
    {"SnsTopicName", set_sns},
    {"KmsKeyId", set_kms},
    {"CloudWatchLogsLogGroupArn", set_cw_group},
    {"CloudWatchLogsRoleArn", set_cw_role},
};

/* Applies the string members present in the request (an empty string clears an optional
 * one, as in AWS's UpdateTrail). */
static int apply_strings(ct_ctx *c, ot_trail *t, trail_given *g)
{
    for (size_t i = 0; i < sizeof STRING_MEMBERS / sizeof *STRING_MEMBERS; i++) {
        const char *v;
        int rc = ct_str(c, c->in, STRING_MEMBERS[i].key, &v);
        if (rc < 0 || (rc > 0 && STRING_MEMBERS[i].set(c, t, v) != 0))
            return -1;
        if (STRING_MEMBERS[i].set == set_bucket)
            g->bucket = rc > 0;
        if (STRING_MEMBERS[i].set == set_sns)
            g->sns = rc > 0;
    }
    return 0;
}

static int apply_bools(ct_ctx *c, ot_trail *t, trail_given *g)
{
    bool was_multi = t->multi_region, v;
    int rg = ct_bool(c, c->in, "IncludeGlobalServiceEvents", &v);
    if (rg < 0)
        return -1;
    if (rg > 0)
        t->include_global = v;
    int rm = ct_bool(c, c->in, "IsMultiRegionTrail", &v);
    if (rm < 0)
        return -1;
    if (rm > 0)
        t->multi_region = v;
    g->global = rg > 0;
    g->multi = rm > 0;
    /* Switching multi-region on turns global events on, and off turns them off (§2.3),
     * unless the request says otherwise. */
    if (g->multi && !g->global && t->multi_region != was_multi)
        t->include_global = t->multi_region;
    int r = ct_bool(c, c->in, "EnableLogFileValidation", &v);
    if (r < 0)
        return -1;
    if (r > 0)
        t->log_validation = v;
    r = ct_bool(c, c->in, "IsOrganizationTrail", &v);
    if (r < 0)
        return -1;
    if (r > 0)
        t->organization = v;
    return 0;
}

/* An object already stored where delivery needs a folder (a component of the prefix, or one
 * stored before such names were refused) would make every delivery fail: refuse the trail. */
static int check_log_folders(ct_ctx *c, const ot_trail *t)
{
    ot_log_roots roots;
    char key[OT_LOG_ROOT_MAX];
    ot_log_roots_make(t->prefix, t->account_id, t->organization ? t->org_id : "", &roots);
    if (!ot_log_roots_find_blocker(c->srv->store, t->bucket, &roots, key, sizeof key))
        return 0;
    return ct_fail(c, "InvalidS3PrefixException", "The object s3://%s/%s is where log delivery "
                   "needs a folder; delete or rename it, or choose another S3KeyPrefix.",
                   t->bucket, key);
}

/* Whether the bucket's policy lets CloudTrail deliver trail t into it: s3:GetBucketAcl on the
 * bucket and s3:PutObject under each log root, as AWS checks (the statements of
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html).
 * A bucket of the trail's own account needs no policy here (AWS requires one even then). */
static int check_bucket_policy(ct_ctx *c, const ot_trail *t)
{
    char owner[16];
    int orc = ot_s3_bucket_owner(c->srv->store, t->bucket, c->srv->cfg.account_id, owner);
    if (orc == OT_ENOTFOUND || (!orc && !strcmp(owner, t->account_id)))
        return 0; /* no bucket (already answered where it matters), or the trail's own */
    if (orc)
        return ct_fail(c, "InternalFailure", "Could not read the owner of bucket %s.", t->bucket);
    ot_log_roots roots;
    ot_log_roots_make(t->prefix, t->account_id, t->organization ? t->org_id : "", &roots);
    ot_s3_access a = {.service = OT_CLOUDTRAIL_SERVICE, .action = "s3:GetBucketAcl",
                      .bucket = t->bucket, .source_arn = t->arn,
                      .source_account = t->account_id};
    bool ok = false;
    int rc = ot_s3_access_check(c->srv->store, c->srv->cfg.account_id, &a, &ok);
    for (size_t i = 0; !rc && ok && i < roots.n; i++) {
        char key[OT_LOG_ROOT_MAX + 8];
        if (i == 1 && !t->log_validation)
            break; /* the digest root: written only with log file validation */
        snprintf(key, sizeof key, "%sx", roots.root[i]);
        a.action = "s3:PutObject", a.key = key, a.key_len = strlen(key);
        a.acl = "bucket-owner-full-control";
        rc = ot_s3_access_check(c->srv->store, c->srv->cfg.account_id, &a, &ok);
    }
    if (rc == 0 && ok)
        return 0;
    return ct_fail(c, "InsufficientS3BucketPolicyException",
                   "Incorrect S3 bucket policy is detected for bucket: %s", t->bucket);
}

/* The trail's topic must exist in its account and home region (no cross-account topics: we
 * keep no topic policies that could allow one). AWS's error for a missing topic or one whose
 * policy does not let CloudTrail publish, as moto words it too
 * (https://github.com/getmoto/moto/blob/master/moto/cloudtrail/models.py). */
static int check_sns_topic(ct_ctx *c, const ot_trail *t)
{
    char arn[OT_SNS_ARN_MAX], region[32], account[16], name[OT_SNS_NAME_MAX + 1];
    ot_sns_topic topic;
    ot_trail_sns_topic_arn(t, arn, sizeof arn);
    if (!arn[0])
        return 0;
    if (!ot_sns_topic_arn_parse(arn, region, account, name) &&
        !strcmp(region, t->home_region) && !strcmp(account, t->account_id) &&
        c->srv->sns && !ot_sns_topic_get(c->srv->sns, arn, &topic))
        return 0;
    return ct_fail(c, "InsufficientSnsTopicPolicyException",
                   "SNS Topic does not exist or the topic policy is incorrect!");
}

/* The checks on the resulting configuration, then the bucket's existence, then the topic's. */
static int check_config(ct_ctx *c, ot_trail *t, const trail_given *g, bool check_bucket)
{
    if (t->multi_region && !t->include_global)
        return ct_fail(c, "InvalidParameterCombinationException",
                       "Multi-Region trail must include global service events.");
    if (t->cw_log_group_arn[0] && !t->cw_role_arn[0]) /* AWS's text: terraform-provider-aws#148 */
        return ct_fail(c, "InvalidCloudWatchLogsRoleArnException",
                       "You must specify a role ARN as well as a log group.");
    if (t->cw_role_arn[0] && !t->cw_log_group_arn[0])
        return ct_fail(c, "InvalidParameterCombinationException",
                       "CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be specified "
                       "together.");
    if (check_bucket && ot_store_bucket_exists(c->srv->store, t->bucket) != 0)
        return ct_fail(c, "S3BucketDoesNotExistException", "S3 bucket %s does not exist!",
                       t->bucket);
    if (t->organization && !t->org_id[0] &&
        ot_trail_org_id(c->srv->trails, c->account, t->org_id) != 0)
        return ct_fail(c, "InternalFailure", "Could not read the organization id.");
    if (check_bucket_policy(c, t) || check_log_folders(c, t))
        return -1;
    return g->sns ? check_sns_topic(c, t) : 0;
}

static int db_error(ct_ctx *c, int rc, const ot_trail *t)
{
    if (rc == OT_EEXIST)
        return ct_fail(c, "TrailAlreadyExistsException",
                       "Trail %s already exists for customer: %s", t->name, c->account);
    if (rc == OT_ELIMIT)
        return ct_fail(c, "MaximumNumberOfTrailsExceededException",
                       "User: %s already has %d trails in %s.", c->account,
                       OT_TRAIL_MAX_PER_REGION, c->region);
    if (rc == OT_ENOTFOUND)
        return ct_trail_not_found(c, t->arn);
    return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
}

static int create_input(ct_ctx *c, ot_trail *t, trail_given *g)
{
    const char *name;
    char msg[256];
    int rc = ct_str(c, c->in, "Name", &name);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ct_fail(c, "InvalidTrailNameException", "Trail name must be provided.");
    if (ot_trail_name_check(name, msg, sizeof msg) != 0)
        return ct_fail(c, "InvalidTrailNameException", "%s", msg);
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->account_id, sizeof t->account_id, "%s", c->account);
    snprintf(t->home_region, sizeof t->home_region, "%s", c->region);
    ot_trail_arn_make(t->arn, sizeof t->arn, c->region, c->account, name);
    t->include_global = true;
    t->created_ms = ot_now_ms();
    if (apply_strings(c, t, g) || apply_bools(c, t, g))
        return -1;
    if (!g->bucket)
        return ct_fail(c, "InvalidParameterException", "S3BucketName must be provided.");
    return 0;
}

int ct_create_trail(ct_ctx *c)
{
    ot_trail t;
    trail_given g = {0};
    ot_tag *tags = NULL;
    size_t ntags = 0;
    int rc = create_input(c, &t, &g);
    if (!rc)
        rc = ct_tags_parse(c, c->in, "TagsList", false, &tags, &ntags) < 0 ? -1 : 0;
    if (!rc)
        rc = check_config(c, &t, &g, true);
    if (!rc) {
        int db = ot_trail_create(c->srv->trails, &t, OT_TRAIL_MAX_PER_REGION);
        if (!db && ntags)
            db = ot_tags_add(c->srv->trails, t.arn, tags, ntags, OT_TAGS_MAX_PER_RESOURCE);
        rc = db ? db_error(c, db, &t) : 0;
    }
    free(tags);
    if (rc)
        return -1;
    ct_ok(c);
    ct_trail_members(&c->w, &t, false);
    return 0;
}

int ct_update_trail(ct_ctx *c)
{
    ot_trail t;
    trail_given g = {0};
    if (ct_trail_from_name(c, true, &t) || apply_strings(c, &t, &g) || apply_bools(c, &t, &g) ||
        check_config(c, &t, &g, g.bucket))
        return -1;
    int rc = ot_trail_update(c->srv->trails, &t, OT_TRAIL_MAX_PER_REGION);
    if (rc)
        return db_error(c, rc, &t);
    ot_api_trail_changed(c->srv, t.arn);
    ct_ok(c);
    ct_trail_members(&c->w, &t, false);
    return 0;
}

int ct_delete_trail(ct_ctx *c)
{
    ot_trail t;
    if (ct_trail_from_name(c, true, &t))
        return -1;
    int rc = ot_trail_delete(c->srv->trails, t.arn);
    if (rc)
        return db_error(c, rc, &t);
    ot_api_trail_changed(c->srv, t.arn);
    ct_ok(c);
    return 0;
}

int ct_get_trail(ct_ctx *c)
{
    ot_trail t;
    if (ct_trail_from_name(c, false, &t))
        return -1;
    ct_ok(c);
    ot_jw_key(&c->w, "Trail");
    ot_jw_obj(&c->w);
    ct_trail_members(&c->w, &t, true);
    ot_jw_end(&c->w);
    return 0;
}

/* Whether a DescribeTrails trailNameList entry (already validated) names trail t. */
static bool entry_matches(const ct_ctx *c, const char *entry, const ot_trail *t)
{
    if (!strncmp(entry, "arn:", 4))
        return !strcmp(entry, t->arn);
    return !strcmp(t->home_region, c->region) && !strcmp(entry, t->name);
}

static int check_entries(ct_ctx *c, ot_json list, const char ***entries, size_t *n)
{
    *n = ot_json_count(list);
    *entries = calloc(*n ? *n : 1, sizeof **entries);
    if (!*entries)
        return ct_fail(c, "InternalFailure", "Out of memory.");
    ot_json_iter it;
    ot_json v;
    size_t i = 0;
    char msg[256], r[32], a[16], nm[129];
    ot_json_array_iter(list, &it);
    while (ot_json_array_next(&it, &v)) {
        const char *s;
        if (ct_elem_str(c, v, "trailNameList", &s))
            return -1;
        if (!strncmp(s, "arn:", 4) && ot_trail_arn_parse(s, r, a, nm) != 0)
            return ct_fail(c, "CloudTrailARNInvalidException", "Invalid trail ARN: %.400s", s);
        if (strncmp(s, "arn:", 4) && ot_trail_name_check(s, msg, sizeof msg) != 0)
            return ct_fail(c, "InvalidTrailNameException", "%s", msg);
        (*entries)[i++] = s;
    }
    return 0;
}

static bool described(const ct_ctx *c, const ot_trail *t, bool shadows, const char **entries,
                      size_t n, bool have_list)
{
    bool home = !strcmp(t->home_region, c->region);
    if (!home && !(shadows && t->multi_region))
        return false;
    if (!have_list)
        return true;
    for (size_t i = 0; i < n; i++)
        if (entry_matches(c, entries[i], t))
            return true;
    return false;
}

int ct_describe_trails(ct_ctx *c)
{
    ot_json list;
    bool shadows = true;
    const char **entries = NULL;
    size_t nentries = 0;
    int rl = ct_list(c, c->in, "trailNameList", &list);
    if (rl < 0 || ct_bool(c, c->in, "includeShadowTrails", &shadows) < 0)
        return -1;
    if (rl > 0 && check_entries(c, list, &entries, &nentries)) {
        free(entries);
        return -1;
    }
    ot_trail *trails;
    size_t n;
    int rc = ot_trail_list(c->srv->trails, c->account, &trails, &n);
    if (rc) {
        free(entries);
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    }
    ct_ok(c);
    ot_jw_key(&c->w, "trailList");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n; i++) {
        if (!described(c, &trails[i], shadows, entries, nentries, rl > 0 && nentries > 0))
            continue;
        ot_jw_obj(&c->w);
        ct_trail_members(&c->w, &trails[i], true);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
    free(trails);
    free(entries);
    return 0;
}

int ct_list_trails(ct_ctx *c)
{
    const char *token;
    if (ct_str(c, c->in, "NextToken", &token) < 0)
        return -1;
    ot_trail *trails;
    size_t n;
    int rc = ot_trail_list(c->srv->trails, c->account, &trails, &n);
    if (rc)
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    /* At most 5 trails are visible per region: every answer fits in one page. */
    ct_ok(c);
    ot_jw_key(&c->w, "Trails");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n; i++) {
        if (!ct_trail_visible(c, &trails[i]))
            continue;
        ot_jw_obj(&c->w);
        ot_jw_kstr(&c->w, "TrailARN", trails[i].arn);
        ot_jw_kstr(&c->w, "Name", trails[i].name);
        ot_jw_kstr(&c->w, "HomeRegion", trails[i].home_region);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
    free(trails);
    return 0;
}
