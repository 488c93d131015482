/* api_events.c — the EventBridge rules API (AWS JSON 1.1, target prefix AWSEvents) on the
 * default event bus: one table of operations keyed by the X-Amz-Target suffix, and the member
 * checks its handlers share.
 *
 * Every rule belongs to the caller's account and the request's region, so another account's
 * rules answer exactly as missing ones do. Each call is audited as a management event of
 * events.amazonaws.com by dispatch (read-only for Describe, List and Test). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "api/aws_error.h"
#include "util/err.h"
#include "util/log.h"

#define EV_TARGET_PREFIX "AWSEvents."
#define EV_TOKEN_PREFIX "r1:" /* NextToken: this prefix and the last key of the page */
#define BUS_ARN_PATTERN                                                                        \
    "(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+"

typedef struct ev_op {
    const char *name;
    ct_op_fn fn;
} ev_op;

static const ev_op OPS[] = {
    {"PutRule", ev_put_rule},
    {"DescribeRule", ev_describe_rule},
    {"ListRules", ev_list_rules},
    {"DeleteRule", ev_delete_rule},
    {"EnableRule", ev_enable_rule},
    {"DisableRule", ev_disable_rule},
    {"PutTargets", ev_put_targets},
    {"RemoveTargets", ev_remove_targets},
    {"ListTargetsByRule", ev_list_targets_by_rule},
    {"ListRuleNamesByTarget", ev_list_rule_names_by_target},
    {"TestEventPattern", ev_test_event_pattern},
    {"TagResource", ev_tag_resource},
    {"UntagResource", ev_untag_resource},
    {"ListTagsForResource", ev_list_tags_for_resource},
};

void ot_api_events_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation)
{
    *operation = NULL;
    const ev_op *op = ct_op_by_target(req, resp, EV_TARGET_PREFIX, OPS, sizeof OPS / sizeof *OPS,
                                      sizeof *OPS);
    if (!op)
        return;
    ct_ctx c = {.srv = srv, .req = req, .resp = resp, .region = req->region,
                .account = req->principal.account_id};
    *operation = op->name;
    ct_serve(&c, op->name, op->fn);
}

/* Until the daemon opens rules.db with the other components (with the event router), the API
 * opens it on first use. The handle then lives as long as the process: every write is committed
 * before its call returns, so nothing needs a close. */
static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static ot_rules *opened_here;

ot_rules *ev_store(ct_ctx *c, ot_rules_scope *s)
{
    *s = ev_scope(c);
    if (c->srv->rules)
        return c->srv->rules;
    pthread_mutex_lock(&open_mu);
    if (!opened_here) {
        char path[1100];
        snprintf(path, sizeof path, "%s/rules.db", c->srv->cfg.data_dir);
        int rc = ot_rules_open(path, &opened_here);
        if (rc)
            ot_error("cannot open %s: %s", path, ot_strerror(rc));
    }
    ot_rules *r = opened_here;
    pthread_mutex_unlock(&open_mu);
    if (!r)
        ot_aws_json_error(c->resp, 500, "InternalException", "The rules store is not open.");
    return r;
}

ot_rules_scope ev_scope(const ct_ctx *c)
{
    return (ot_rules_scope){.account = c->account, .region = c->region};
}

int ev_invalid(ct_ctx *c, const char *member, const char *value, const char *constraint)
{
    char camel[64];
    snprintf(camel, sizeof camel, "%s", member);
    camel[0] = (char)tolower((unsigned char)camel[0]);
    if (!value)
        return ct_fail(c, "ValidationException",
                       "1 validation error detected: Value null at '%s' failed to satisfy "
                       "constraint: %s", camel, constraint);
    return ct_fail(c, "ValidationException",
                   "1 validation error detected: Value '%.256s' at '%s' failed to satisfy "
                   "constraint: %s", value, camel, constraint);
}

static bool name_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(".-_", *s))
            return false;
    return true;
}

int ev_string(ct_ctx *c, ot_json obj, const char *key, size_t max, bool nonempty,
              const char **out)
{
    *out = NULL;
    int rc = ct_str(c, obj, key, out);
    if (rc <= 0)
        return rc;
    size_t len = strlen(*out);
    char why[96];
    if (nonempty && len == 0)
        return ev_invalid(c, key, *out, "Member must have length greater than or equal to 1");
    if (len > max) {
        snprintf(why, sizeof why, "Member must have length less than or equal to %zu", max);
        return ev_invalid(c, key, *out, why);
    }
    return 1;
}

int ev_name(ct_ctx *c, ot_json obj, const char *key, bool required, const char **out)
{
    int rc = ev_string(c, obj, key, OT_RULE_NAME_MAX, true, out);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return required ? ev_invalid(c, key, NULL, "Member must not be null") : 0;
    if (!name_chars_ok(*out))
        return ev_invalid(c, key, *out,
                          "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
    return 1;
}

int ev_list(ct_ctx *c, const char *key, ot_json *arr)
{
    int rc = ct_list(c, c->in, key, arr);
    if (rc <= 0)
        return rc < 0 ? -1 : ev_invalid(c, key, NULL, "Member must not be null");
    size_t count = ot_json_count(*arr);
    if (count < 1 || count > EV_LIST_LIMIT)
        return ev_invalid(c, key, count ? "[...]" : "[]",
                          count ? "Member must have length less than or equal to 100"
                                : "Member must have length greater than or equal to 1");
    return 0;
}

int ev_string_list(ct_ctx *c, const char *key, size_t maxlen, const char **out, size_t *n)
{
    ot_json arr, v;
    ot_json_iter it;
    *n = 0;
    if (ev_list(c, key, &arr) < 0)
        return -1;
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &v)) {
        if (ct_elem_str(c, v, key, &out[*n]) < 0)
            return -1;
        size_t len = strlen(out[*n]);
        if (len < 1 || len > maxlen) {
            char why[80];
            snprintf(why, sizeof why, "Member must have length between 1 and %zu", maxlen);
            return ev_invalid(c, key, out[*n], why);
        }
        (*n)++;
    }
    return 0;
}

/* Whether s matches the EventBusNameOrArn pattern (a name, or an event-bus ARN's shape). */
static bool bus_shape_ok(const char *s)
{
    const char *name = s;
    if (!strncmp(s, "arn:", 4)) {
        const char *slash = strstr(s, ":event-bus/");
        if (!slash || strncmp(s, "arn:aws", 7) || !strstr(s, ":events:"))
            return false;
        name = slash + strlen(":event-bus/");
    }
    if (!*name)
        return false;
    for (; *name; name++)
        if (!isalnum((unsigned char)*name) && !strchr("/.-_", *name))
            return false;
    return true;
}

int ev_bus(ct_ctx *c)
{
    const char *bus;
    int rc = ev_string(c, c->in, "EventBusName", 1600, true, &bus);
    if (rc <= 0)
        return rc;
    if (!bus_shape_ok(bus))
        return ev_invalid(c, "EventBusName", bus,
                          "Member must satisfy regular expression pattern: " BUS_ARN_PATTERN);
    char arn[200];
    snprintf(arn, sizeof arn, "arn:aws:events:%s:%s:event-bus/default", c->region, c->account);
    if (strcmp(bus, "default") && strcmp(bus, arn)) {
        const char *slash = strncmp(bus, "arn:", 4) ? NULL : strstr(bus, ":event-bus/");
        return ct_fail(c, "ResourceNotFoundException", "Event bus %.256s does not exist.",
                       slash ? slash + strlen(":event-bus/") : bus);
    }
    return 0;
}

int ev_page(ct_ctx *c, int *limit, const char **after)
{
    int64_t v = EV_LIST_LIMIT;
    const char *token;
    *after = NULL;
    int rc = ct_int(c, c->in, "Limit", &v);
    if (rc < 0 || ev_string(c, c->in, "NextToken", 2048, true, &token) < 0)
        return -1;
    if (rc > 0 && (v < 1 || v > EV_LIST_LIMIT)) {
        char value[32];
        snprintf(value, sizeof value, "%lld", (long long)v);
        return ev_invalid(c, "Limit", value,
                          v < 1 ? "Member must have value greater than or equal to 1"
                                : "Member must have value less than or equal to 100");
    }
    if (token && (strncmp(token, EV_TOKEN_PREFIX, strlen(EV_TOKEN_PREFIX)) ||
                  !token[strlen(EV_TOKEN_PREFIX)]))
        return ct_fail(c, "ValidationException", "The NextToken provided is not valid.");
    *limit = (int)v;
    *after = token ? token + strlen(EV_TOKEN_PREFIX) : NULL;
    return 0;
}

void ev_next_token(ct_ctx *c, size_t got, int limit, const char *after)
{
    if (got <= (size_t)limit)
        return;
    char tok[128];
    snprintf(tok, sizeof tok, "%s%s", EV_TOKEN_PREFIX, after);
    ot_jw_kstr(&c->w, "NextToken", tok);
}

int ev_store_fail(ct_ctx *c, int rc, const char *rule)
{
    switch (rc) {
    case OT_ENOTFOUND:
        return ct_fail(c, "ResourceNotFoundException", "Rule %s does not exist on EventBus default.",
                       rule);
    case OT_EINVAL:
        return ct_fail(c, "ManagedRuleException",
                       "%s is a managed rule. Set 'force' parameter to true to override.", rule);
    case OT_ELIMIT:
        return ct_fail(c, "LimitExceededException",
                       "The requested resource exceeds the maximum number allowed.");
    default:
        ot_aws_json_error(c->resp, 500, "InternalException", "The rules store failed: %s.",
                          ot_strerror(rc));
        return -1;
    }
}

int ev_answer(ct_ctx *c, int rc, const char *rule)
{
    if (rc)
        return ev_store_fail(c, rc, rule);
    ct_ok(c);
    return 0;
}

/* One Tag {Key, Value} into *t. 0 or -1. */
static int tag_parse(ct_ctx *c, ot_json v, ot_rule_tag *t)
{
    const char *key, *value;
    if (ct_struct(c, v, "Tags") < 0 || ev_string(c, v, "Key", OT_RULE_TAG_KEY_MAX, true, &key) < 0 ||
        ev_string(c, v, "Value", OT_RULE_TAG_VALUE_MAX, false, &value) < 0)
        return -1;
    if (!key)
        return ev_invalid(c, "tags.member.key", NULL, "Member must not be null");
    if (!value)
        return ev_invalid(c, "tags.member.value", NULL, "Member must not be null");
    snprintf(t->key, sizeof t->key, "%s", key);
    snprintf(t->value, sizeof t->value, "%s", value);
    return 0;
}

int ev_tags_parse(ct_ctx *c, ot_json obj, const char *key, ot_rule_tag **tags, size_t *n)
{
    ot_json arr, v;
    ot_json_iter it;
    *tags = NULL;
    *n = 0;
    int rc = ct_list(c, obj, key, &arr);
    if (rc <= 0)
        return rc;
    size_t count = ot_json_count(arr);
    if (count > OT_RULES_TAGS_MAX)
        return ct_fail(c, "LimitExceededException",
                       "The requested resource exceeds the maximum number allowed.");
    *tags = calloc(count ? count : 1, sizeof **tags);
    if (!*tags)
        abort();
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &v))
        if (tag_parse(c, v, &(*tags)[(*n)++]) < 0) {
            free(*tags);
            *tags = NULL;
            return -1;
        }
    return 1;
}
