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
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    int rc = r ? ot_rules_tag(r, &s, name, tags, n, false) : 0;
    free(tags);
    if (!r)
        return -1;
    return ev_answer(c, rc, name);
}

int ev_untag_resource(ct_ctx *c)
{
    char name[OT_RULE_NAME_MAX + 1];
    const char *keys[EV_LIST_LIMIT];
    size_t n;
    if (resource_rule(c, name, sizeof name) < 0 ||
        ev_string_list(c, "TagKeys", OT_RULE_TAG_KEY_MAX, keys, &n) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    int rc = ot_rules_untag(r, &s, name, keys, n, false);
    return ev_answer(c, rc, name);
}

int ev_list_tags_for_resource(ct_ctx *c)
{
    char name[OT_RULE_NAME_MAX + 1];
    if (resource_rule(c, name, sizeof name) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
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
