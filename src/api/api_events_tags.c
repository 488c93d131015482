/* api_events_tags.c — the tags of rules: TagResource, UntagResource, ListTagsForResource. The
 * resource is a rule's ARN on the default bus of the caller's account and the request's
 * region; any other account's or region's rule answers as a missing one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "util/err.h"

/* ResourceARN (required) resolved to a rule name in *name. 0 or -1. */
static int resource_rule(ct_ctx *c, char *name, size_t cap)
{
    const char *arn;
    if (ev_string(c, c->in, "ResourceARN", 1600, true, &arn) < 0)
        return -1;
    if (!arn)
        return ev_invalid(c, "ResourceARN", NULL, "Member must not be null");
    const char *rule = strncmp(arn, "arn:aws", 7) || !strstr(arn, ":events:")
                           ? NULL
                           : strstr(arn, ":rule/");
    if (!rule || !rule[6] || strchr(rule + 6, '/'))
        return ct_fail(c, "ValidationException",
                       "Parameter %.1600s is not valid. Reason: Provided Arn is not in correct "
                       "format.", arn);
    snprintf(name, cap, "%.64s", rule + 6);
    char mine[256];
    ot_rules_scope s = ev_scope(c);
    ot_rule_arn(&s, name, mine, sizeof mine);
    if (strcmp(mine, arn))
        return ct_fail(c, "ResourceNotFoundException",
                       "Rule %.64s does not exist on EventBus default.", rule + 6);
    return 0;
}

int ev_tag_resource(ct_ctx *c)
{
    char name[OT_RULE_NAME_MAX + 1];
    ot_rule_tag *tags = NULL;
    size_t n = 0;
    if (resource_rule(c, name, sizeof name) < 0)
        return -1;
    int has = ev_tags_parse(c, c->in, "Tags", &tags, &n);
    if (has < 0)
        return -1;
    if (has == 0)
        return ev_invalid(c, "Tags", NULL, "Member must not be null");
    ot_rules *r = ev_store(c);
    ot_rules_scope s = ev_scope(c);
    int rc = r ? ot_rules_tag(r, &s, name, tags, n, false) : OT_EIO;
    free(tags);
    if (!r)
        return -1;
    if (rc)
        return ev_store_fail(c, rc, name);
    ct_ok(c);
    return 0;
}

int ev_untag_resource(ct_ctx *c)
{
    char name[OT_RULE_NAME_MAX + 1];
    ot_json arr, v;
    ot_json_iter it;
    if (resource_rule(c, name, sizeof name) < 0)
        return -1;
    int has = ct_list(c, c->in, "TagKeys", &arr);
    if (has < 0)
        return -1;
    if (has == 0)
        return ev_invalid(c, "TagKeys", NULL, "Member must not be null");
    size_t count = ot_json_count(arr), n = 0;
    const char **keys = calloc(count ? count : 1, sizeof *keys);
    if (!keys)
        abort();
    ot_json_array_iter(arr, &it);
    int rc = 0;
    while (!rc && ot_json_array_next(&it, &v))
        rc = ct_elem_str(c, v, "TagKeys", &keys[n++]);
    ot_rules *r = rc ? NULL : ev_store(c);
    ot_rules_scope s = ev_scope(c);
    if (r && (rc = ot_rules_untag(r, &s, name, keys, n, false)) != 0)
        ev_store_fail(c, rc, name);
    free(keys);
    if (!r || rc)
        return -1;
    ct_ok(c);
    return 0;
}

int ev_list_tags_for_resource(ct_ctx *c)
{
    char name[OT_RULE_NAME_MAX + 1];
    if (resource_rule(c, name, sizeof name) < 0)
        return -1;
    ot_rules *r = ev_store(c);
    if (!r)
        return -1;
    ot_rules_scope s = ev_scope(c);
    ot_rule_tag *tags = NULL;
    size_t n = 0;
    int rc = ot_rules_tags(r, &s, name, &tags, &n);
    if (rc)
        return ev_store_fail(c, rc, name);
    ct_ok(c);
    ot_jw_key(&c->w, "Tags");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n; i++) {
        ot_jw_obj(&c->w);
        ot_jw_kstr(&c->w, "Key", tags[i].key);
        ot_jw_kstr(&c->w, "Value", tags[i].value);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
    free(tags);
    return 0;
}
