/* api_tags.c — AddTags, RemoveTags, ListTags on trails and channels (by ARN), and the
 * TagsList parser CreateTrail and CreateChannel share.
 *
 * Resources are named by ARN in the request's region only (AWS: "all in the current
 * Region"). Event data stores and dashboards do not exist in opentrail yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "util/err.h"
#include "util/region.h"

#define LIST_TAGS_MAX_ARNS 20
#define TAG_KEY_MAX 128
#define TAG_VALUE_MAX 256

/* Letters (any UTF-8), digits, whitespace and _ . : / = + - @, as AWS tag keys allow. */
static bool tag_text_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || strchr(" _.:/=+-@", ch))
            continue;
        return false;
    }
    return true;
}

static int tag_parse(ct_ctx *c, ot_json v, bool for_remove, ot_tag *t)
{
    const char *key, *value;
    if (ct_struct(c, v, "TagsList"))
        return -1;
    int rk = ct_str(c, v, "Key", &key);
    int rv = rk < 0 ? -1 : ct_str(c, v, "Value", &value);
    if (rk < 0 || rv < 0)
        return -1;
    if (rk == 0 || !key[0] || strlen(key) > TAG_KEY_MAX)
        return ct_fail(c, "InvalidTagParameterException",
                       "Tag keys must be 1 to %d characters long.", TAG_KEY_MAX);
    if (!tag_text_ok(key) || !strncmp(key, "aws:", 4))
        return ct_fail(c, "InvalidTagParameterException",
                       "Invalid tag key '%.128s': use letters, digits, spaces and _ . : / = + "
                       "- @; the aws: prefix is reserved.", key);
    memset(t, 0, sizeof *t);
    snprintf(t->key, sizeof t->key, "%s", key);
    if (rv == 0 || for_remove)
        return 0;
    if (strlen(value) > TAG_VALUE_MAX || !tag_text_ok(value))
        return ct_fail(c, "InvalidTagParameterException",
                       "Invalid value for tag '%s': at most %d characters of letters, digits, "
                       "spaces and _ . : / = + - @.", key, TAG_VALUE_MAX);
    snprintf(t->value, sizeof t->value, "%s", value);
    t->has_value = true;
    return 0;
}

int ct_tags_parse(ct_ctx *c, ot_json obj, const char *key, bool for_remove, ot_tag **tags,
                  size_t *n)
{
    *tags = NULL;
    *n = 0;
    ot_json list, v;
    int rc = ct_list(c, obj, key, &list);
    if (rc <= 0)
        return rc;
    size_t count = ot_json_count(list);
    if (count > OT_TAGS_MAX_PER_RESOURCE)
        return ct_fail(c, "TagsLimitExceededException",
                       "A resource can have at most %d tags; the request has %zu.",
                       OT_TAGS_MAX_PER_RESOURCE, count);
    ot_tag *out = calloc(count ? count : 1, sizeof *out);
    if (!out)
        return ct_fail(c, "InternalFailure", "Out of memory.");
    ot_json_iter it;
    ot_json_array_iter(list, &it);
    size_t i = 0;
    while (ot_json_array_next(&it, &v)) {
        if (tag_parse(c, v, for_remove, &out[i++])) {
            free(out);
            return -1;
        }
    }
    *tags = out;
    *n = count;
    return 1;
}

void ct_tags_write(ot_jw *w, const ot_tag *tags, size_t n)
{
    ot_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "Key", tags[i].key);
        if (tags[i].has_value)
            ot_jw_kstr(w, "Value", tags[i].value);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

/* Splits arn:aws:cloudtrail:<region>:<account>:<type>/<id>; 0 or -1 (no error written). */
static int arn_split(const char *arn, char region[32], char account[16], char type[32])
{
    static const char pfx[] = "arn:aws:cloudtrail:";
    if (strncmp(arn, pfx, sizeof pfx - 1))
        return -1;
    const char *r = arn + sizeof pfx - 1, *a = strchr(r, ':');
    const char *t = a ? strchr(a + 1, ':') : NULL;
    const char *slash = t ? strchr(t + 1, '/') : NULL;
    if (!slash || a == r || a - r >= 32 || t - a - 1 != 12 || slash - t - 1 >= 32 || !slash[1])
        return -1;
    snprintf(region, 32, "%.*s", (int)(a - r), r);
    snprintf(account, 16, "%.*s", (int)(t - a - 1), a + 1);
    snprintf(type, 32, "%.*s", (int)(slash - t - 1), t + 1);
    return strspn(account, "0123456789") == 12 && ot_region_valid(region) ? 0 : -1;
}

/* Checks that arn names an existing trail or channel reachable from here. list_op selects
 * ListTags's error codes. 0 or -1 with the error written. */
static int resource_check(ct_ctx *c, const char *arn, bool list_op)
{
    char region[32], account[16], type[32];
    if (arn_split(arn, region, account, type) ||
        (strcmp(type, "trail") && strcmp(type, "channel") && strcmp(type, "eventdatastore") &&
         strcmp(type, "dashboard")))
        return ct_fail(c, "CloudTrailARNInvalidException", "Invalid resource ARN: %.400s", arn);
    bool trail = !strcmp(type, "trail"), channel = !strcmp(type, "channel");
    if (!trail && !channel)
        return ct_fail(c, "ResourceTypeNotSupportedException",
                       "Tags on %s resources are not supported by opentrail yet.", type);
    /* AWS's texts (https://github.com/cloudquery/cq-provider-aws/issues/236,
     * https://github.com/prowler-cloud/prowler/pull/2025). */
    const char *invalid = trail ? "CloudTrailARNInvalidException" : "ChannelARNInvalidException";
    if (strcmp(region, c->region))
        return ct_fail(c, invalid,
                       "Region in ARN is wrong, you can only access resources in region %s.",
                       c->region);
    if (strcmp(account, c->account))
        return ct_fail(c, invalid,
                       "AccountID in ARN is wrong, you can only access resources with AccountID "
                       "%s.", c->account);
    int rc;
    if (trail) {
        ot_trail t;
        rc = ot_trail_get_by_arn(c->srv->trails, arn, &t);
    } else {
        ot_channel ch;
        rc = ot_channel_get(c->srv->trails, arn, &ch);
        rc = !rc && strcmp(ch.arn, arn) ? OT_ENOTFOUND : rc;
        ot_channel_free(&ch);
    }
    if (rc == OT_ENOTFOUND)
        return ct_fail(c, channel && !list_op ? "ChannelNotFoundException"
                                              : "ResourceNotFoundException",
                       "Resource not found: %s", arn);
    return rc ? ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc)) : 0;
}

static int tags_change(ct_ctx *c, bool remove)
{
    const char *arn;
    int rc = ct_str(c, c->in, "ResourceId", &arn);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ct_fail(c, "InvalidParameterException", "ResourceId must be provided.");
    ot_tag *tags;
    size_t n;
    rc = ct_tags_parse(c, c->in, "TagsList", remove, &tags, &n);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ct_fail(c, "InvalidParameterException", "TagsList must be provided.");
    if (resource_check(c, arn, false)) {
        free(tags);
        return -1;
    }
    rc = remove ? ot_tags_remove(c->srv->trails, arn, tags, n)
                : ot_tags_add(c->srv->trails, arn, tags, n, OT_TAGS_MAX_PER_RESOURCE);
    free(tags);
    if (rc == OT_ELIMIT)
        return ct_fail(c, "TagsLimitExceededException",
                       "The resource %s would have more than %d tags.", arn,
                       OT_TAGS_MAX_PER_RESOURCE);
    if (rc == OT_ENOTFOUND)
        return ct_fail(c, "ResourceNotFoundException", "Resource not found: %s", arn);
    if (rc)
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    ct_ok(c);
    return 0;
}

int ct_add_tags(ct_ctx *c) { return tags_change(c, false); }
int ct_remove_tags(ct_ctx *c) { return tags_change(c, true); }

static int list_arns(ct_ctx *c, ot_json list, const char **arns, size_t *n)
{
    ot_json_iter it;
    ot_json v;
    *n = 0;
    ot_json_array_iter(list, &it);
    while (ot_json_array_next(&it, &v)) {
        if (ct_elem_str(c, v, "ResourceIdList", &arns[*n]) || resource_check(c, arns[*n], true))
            return -1;
        (*n)++;
    }
    return 0;
}

int ct_list_tags(ct_ctx *c)
{
    ot_json list;
    const char *token, *arns[LIST_TAGS_MAX_ARNS];
    size_t n;
    int rc = ct_list(c, c->in, "ResourceIdList", &list);
    if (rc < 0 || ct_str(c, c->in, "NextToken", &token) < 0)
        return -1;
    if (rc == 0)
        return ct_fail(c, "InvalidParameterException", "ResourceIdList must be provided.");
    if (ot_json_count(list) > LIST_TAGS_MAX_ARNS)
        return ct_fail(c, "InvalidParameterException",
                       "ResourceIdList can hold at most %d ARNs.", LIST_TAGS_MAX_ARNS);
    if (list_arns(c, list, arns, &n))
        return -1;
    ct_ok(c);
    ot_jw_key(&c->w, "ResourceTagList");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n; i++) {
        ot_tag *tags;
        size_t ntags;
        if (ot_tags_list(c->srv->trails, arns[i], &tags, &ntags) != 0)
            return ct_fail(c, "InternalFailure", "state.db: cannot read tags.");
        ot_jw_obj(&c->w);
        ot_jw_kstr(&c->w, "ResourceId", arns[i]);
        ot_jw_key(&c->w, "TagsList");
        ct_tags_write(&c->w, tags, ntags);
        ot_jw_end(&c->w);
        free(tags);
    }
    ot_jw_end(&c->w);
    return 0;
}
