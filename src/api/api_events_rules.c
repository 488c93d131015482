/* api_events_rules.c — the rules: PutRule, DescribeRule, ListRules, DeleteRule, EnableRule,
 * DisableRule (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html).
 *
 * opentrail runs rules on events only: ScheduleExpression (scheduled rules) is refused. RoleArn
 * is kept and shown as given; nothing assumes it. */
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "util/err.h"
#include "util/timeutil.h"

#define STATE_ENUM "[ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]"

/* State: 0 and *st (ENABLED when absent), or -1. */
static int rule_state(ct_ctx *c, ot_rule_state *st)
{
    const char *state;
    *st = OT_RULE_ENABLED;
    int rc = ct_str(c, c->in, "State", &state);
    if (rc <= 0)
        return rc;
    if (ot_rule_state_parse(state, st))
        return ev_invalid(c, "State", state, "Member must satisfy enum value set: " STATE_ENUM);
    return 0;
}

/* EventPattern (required: scheduled rules are not run) and the ScheduleExpression refusal. */
static int rule_pattern(ct_ctx *c, const char **pattern)
{
    const char *schedule;
    if (ev_string(c, c->in, "ScheduleExpression", 256, false, &schedule) < 0 ||
        ev_string(c, c->in, "EventPattern", 4096, false, pattern) < 0)
        return -1;
    if (schedule)
        return ct_fail(c, "ValidationException",
                       "Parameter ScheduleExpression is not supported: opentrail runs rules on "
                       "events only, not on a schedule. Give an EventPattern instead.");
    if (!*pattern)
        return ct_fail(c, "ValidationException",
                       "Parameter(s) EventPattern or ScheduleExpression must be specified.");
    return ev_pattern_check(c, *pattern);
}

int ev_put_rule(ct_ctx *c)
{
    ot_rule_def d = {.created_by = c->account};
    ot_rule_tag *tags = NULL;
    size_t ntags = 0;
    if (ev_name(c, c->in, "Name", true, &d.name) < 0 || ev_bus(c) < 0 ||
        rule_state(c, &d.state) < 0 ||
        ev_string(c, c->in, "Description", 512, false, &d.description) < 0 ||
        ev_string(c, c->in, "RoleArn", 1600, true, &d.role_arn) < 0 ||
        rule_pattern(c, &d.pattern) < 0 || ev_tags_parse(c, c->in, "Tags", &tags, &ntags) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    int rc = r ? ot_rules_put(r, &s, &d, tags, ntags, ot_now_ms(), NULL) : 0;
    free(tags);
    if (!r)
        return -1;
    if (rc)
        return ev_store_fail(c, rc, d.name);
    char arn[256];
    ot_rule_arn(&s, d.name, arn, sizeof arn);
    ct_ok(c);
    ot_jw_kstr(&c->w, "RuleArn", arn);
    return 0;
}

/* The members of a Rule (ListRules) or of DescribeRule's answer (describe: CreatedBy too). */
static void write_rule(ct_ctx *c, const ot_rules_scope *s, const ot_rule *r, bool describe)
{
    char arn[256];
    ot_jw *w = &c->w;
    ot_rule_arn(s, r->name, arn, sizeof arn);
    ot_jw_kstr(w, "Name", r->name);
    ot_jw_kstr(w, "Arn", arn);
    if (r->pattern)
        ot_jw_kstr(w, "EventPattern", r->pattern);
    ot_jw_kstr(w, "State", ot_rule_state_name(r->state));
    if (r->description)
        ot_jw_kstr(w, "Description", r->description);
    if (r->role_arn)
        ot_jw_kstr(w, "RoleArn", r->role_arn);
    if (r->managed_by)
        ot_jw_kstr(w, "ManagedBy", r->managed_by);
    ot_jw_kstr(w, "EventBusName", "default");
    if (describe && r->created_by)
        ot_jw_kstr(w, "CreatedBy", r->created_by);
}

/* The Name and EventBusName members of a call on one rule, and the store. NULL after an error
 * was written. */
static ot_rules *named_rule(ct_ctx *c, const char **name, ot_rules_scope *s)
{
    if (ev_name(c, c->in, "Name", true, name) < 0 || ev_bus(c) < 0)
        return NULL;
    return ev_store(c, s);
}

int ev_describe_rule(ct_ctx *c)
{
    const char *name;
    ot_rules_scope s;
    ot_rules *r = named_rule(c, &name, &s);
    if (!r)
        return -1;
    ot_rule rule;
    int rc = ot_rules_get(r, &s, name, &rule);
    if (rc)
        return ev_store_fail(c, rc, name);
    ct_ok(c);
    write_rule(c, &s, &rule, true);
    ot_rule_clear(&rule);
    return 0;
}

int ev_list_rules(ct_ctx *c)
{
    const char *prefix, *after;
    int limit;
    if (ev_name(c, c->in, "NamePrefix", false, &prefix) < 0 || ev_bus(c) < 0 ||
        ev_page(c, &limit, &after) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    ot_rule *rules = NULL;
    size_t n = 0;
    int rc = ot_rules_list(r, &s, prefix, after, limit + 1, &rules, &n);
    if (rc)
        return ev_store_fail(c, rc, "");
    ct_ok(c);
    ot_jw_key(&c->w, "Rules");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        ot_jw_obj(&c->w);
        write_rule(c, &s, &rules[i], false);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
    ev_next_token(c, n, limit, n > (size_t)limit ? rules[limit - 1].name : "");
    ot_rules_free(rules, n);
    return 0;
}

int ev_delete_rule(ct_ctx *c)
{
    const char *name;
    bool force = false;
    ot_rules_scope s;
    if (ct_bool(c, c->in, "Force", &force) < 0)
        return -1;
    ot_rules *r = named_rule(c, &name, &s);
    if (!r)
        return -1;
    int rc = ot_rules_delete(r, &s, name, force);
    if (rc == OT_EEXIST)
        return ct_fail(c, "ValidationException", "Rule can't be deleted since it has targets.");
    return ev_answer(c, rc, name);
}

static int set_state(ct_ctx *c, ot_rule_state st)
{
    const char *name;
    ot_rules_scope s;
    ot_rules *r = named_rule(c, &name, &s);
    if (!r)
        return -1;
    int rc = ot_rules_set_state(r, &s, name, st, false);
    return ev_answer(c, rc, name);
}

int ev_enable_rule(ct_ctx *c) { return set_state(c, OT_RULE_ENABLED); }
int ev_disable_rule(ct_ctx *c) { return set_state(c, OT_RULE_DISABLED); }
