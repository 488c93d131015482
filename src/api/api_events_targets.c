/* api_events_targets.c — a rule's targets: PutTargets, RemoveTargets, ListTargetsByRule,
 * ListRuleNamesByTarget.
 *
 * A request that breaks the model's constraints, or a target whose ARN or input is malformed,
 * fails the whole call (ValidationException), as EventBridge does; a well-formed target that
 * opentrail cannot deliver to (another service, another account) is one of FailedEntries and
 * the others are kept. More than five targets on the rule is LimitExceededException. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "util/err.h"

#define TARGETS_MAX_PER_CALL EV_LIST_LIMIT /* TargetList and TargetIdList: 1..100 */

/* Target members opentrail does not keep: refused rather than silently dropped. */
static const char *const UNSUPPORTED_MEMBERS[] = {
    "KinesisParameters", "RunCommandParameters", "EcsParameters",  "BatchParameters",
    "SqsParameters",     "HttpParameters",       "RedshiftDataParameters",
    "SageMakerPipelineParameters", "DeadLetterConfig", "RetryPolicy", "AppSyncParameters",
};

typedef struct failed_entry {
    char id[OT_RULE_TARGET_ID_MAX + 1];
    char message[400];
} failed_entry;

/* InputTransformer: its InputTemplate and InputPathsMap (kept as JSON text). 0 or -1. */
static int transformer_parse(ct_ctx *c, ot_json tv, ot_rule_target *t, ot_buf *map_text)
{
    ot_json xf, map;
    if (ot_json_get(tv, "InputTransformer", &xf) || ot_json_typeof(xf) == OT_JSON_NULL)
        return 0;
    const char *tpl;
    if (ct_struct(c, xf, "InputTransformer") < 0 ||
        ev_string(c, xf, "InputTemplate", 8192, true, &tpl) < 0)
        return -1;
    if (!tpl)
        return ev_invalid(c, "targets.member.inputTransformer.inputTemplate", NULL,
                          "Member must not be null");
    t->input_template = (char *)tpl;
    int has = ot_json_get(xf, "InputPathsMap", &map) == 0 && ot_json_typeof(map) != OT_JSON_NULL;
    if (!has)
        return 0;
    if (ct_struct(c, map, "InputPathsMap") < 0)
        return -1;
    if (ot_json_write(map, map_text) || ot_buf_append(map_text, "", 1))
        return ct_fail(c, "ValidationException", "InputPathsMap is too large.");
    t->input_paths_map = map_text->data;
    return 0;
}

/* One Target into *t (its strings borrowed from the request); 0 or -1. */
static int target_parse(ct_ctx *c, ot_json tv, ot_rule_target *t, ot_buf *map_text)
{
    const char *id, *arn;
    memset(t, 0, sizeof *t);
    if (ct_struct(c, tv, "Targets") < 0 || ev_name(c, tv, "Id", true, &id) < 0 ||
        ev_string(c, tv, "Arn", 1600, true, &arn) < 0 ||
        ev_string(c, tv, "RoleArn", 1600, true, (const char **)&t->role_arn) < 0 ||
        ev_string(c, tv, "Input", 8192, false, (const char **)&t->input) < 0 ||
        ev_string(c, tv, "InputPath", 256, false, (const char **)&t->input_path) < 0 ||
        transformer_parse(c, tv, t, map_text) < 0)
        return -1;
    if (!arn)
        return ev_invalid(c, "targets.member.arn", NULL, "Member must not be null");
    snprintf(t->id, sizeof t->id, "%s", id);
    t->arn = (char *)arn;
    ot_json v;
    for (size_t i = 0; i < sizeof UNSUPPORTED_MEMBERS / sizeof *UNSUPPORTED_MEMBERS; i++)
        if (!ot_json_get(tv, UNSUPPORTED_MEMBERS[i], &v) && ot_json_typeof(v) != OT_JSON_NULL)
            return ct_fail(c, "ValidationException",
                           "opentrail does not support %s on targets (target %s).",
                           UNSUPPORTED_MEMBERS[i], t->id);
    char msg[400];
    if (ot_rules_input_check(t, msg, sizeof msg))
        return ct_fail(c, "ValidationException", "%s", msg);
    return 0;
}

/* *missing: no API destination of the caller's has this ARN. -1 when the store is not open. */
static int api_destination_missing(ct_ctx *c, const char *arn, bool *missing)
{
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    ot_api_destination d;
    if (!r)
        return -1;
    *missing = ot_apidest_get_by_arn(r, arn, &d) != 0;
    return 0;
}

/* Whether opentrail delivers to the target; if not, why, in f. A malformed ARN is -1 after
 * ValidationException. */
static int target_deliverable(ct_ctx *c, const ot_rule_target *t, failed_entry *f, bool *ok)
{
    ot_target_ref ref;
    ot_target_kind kind = ot_rules_target_parse(t->arn, &ref);
    char why[sizeof f->message] = "";
    bool missing = false;
    if (kind == OT_TARGET_MALFORMED)
        return ct_fail(c, "ValidationException",
                       "Parameter %.1600s is not valid. Reason: Provided Arn is not in correct "
                       "format.", t->arn);
    if (kind == OT_TARGET_UNSUPPORTED)
        snprintf(why, sizeof why,
                 "opentrail does not deliver to %s targets: a target is an SNS topic, a "
                 "CloudWatch Logs log group, an API destination or an opentrail runbook.",
                 ref.service);
    else if (strcmp(ref.account, c->account))
        snprintf(why, sizeof why,
                 "Target %s is in account %s: a rule's targets must be in its own account.",
                 t->id, ref.account);
    else if ((kind == OT_TARGET_RUNBOOK || kind == OT_TARGET_API_DESTINATION) &&
             strcmp(ref.region, c->region))
        snprintf(why, sizeof why,
                 "Target %s is in region %s: API destinations and runbooks must be in the "
                 "rule's region.", t->id, ref.region);
    else if (kind == OT_TARGET_RUNBOOK && !ot_rules_runbook_known(ref.name, ref.name_len))
        snprintf(why, sizeof why,
                 "Target %s: opentrail has no runbook %.*s (its runbooks: trail-restore, "
                 "bucket-policy-restore, instance-login).", t->id, (int)ref.name_len, ref.name);
    else if (kind == OT_TARGET_API_DESTINATION && api_destination_missing(c, t->arn, &missing))
        return -1;
    if (!why[0] && missing)
        snprintf(why, sizeof why, "Target %s: API destination %.*s does not exist.", t->id,
                 (int)ref.name_len, ref.name);
    *ok = !why[0];
    memcpy(f->id, t->id, sizeof f->id);
    memcpy(f->message, why, sizeof why);
    return 0;
}

static void write_failed(ct_ctx *c, const failed_entry *f, size_t nf)
{
    ot_jw *w = &c->w;
    ot_jw_kint(w, "FailedEntryCount", (int64_t)nf);
    ot_jw_key(w, "FailedEntries");
    ot_jw_arr(w);
    for (size_t i = 0; i < nf; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "TargetId", f[i].id);
        ot_jw_kstr(w, "ErrorCode", "ValidationException");
        ot_jw_kstr(w, "ErrorMessage", f[i].message);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

/* Rule (required) and EventBusName. */
static int rule_member(ct_ctx *c, const char **rule)
{
    return ev_name(c, c->in, "Rule", true, rule) < 0 || ev_bus(c) < 0 ? -1 : 0;
}

typedef struct parsed_targets {
    ot_rule_target t[TARGETS_MAX_PER_CALL];
    ot_buf maps[TARGETS_MAX_PER_CALL];
    failed_entry failed[TARGETS_MAX_PER_CALL];
    size_t n, nfailed, nkept;
} parsed_targets;

/* Parses every target, keeping the deliverable ones first in p->t[0..nkept). 0 or -1. */
static int targets_parse(ct_ctx *c, ot_json arr, parsed_targets *p)
{
    ot_json_iter it;
    ot_json tv;
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &tv)) {
        ot_rule_target *t = &p->t[p->nkept];
        ot_buf_init(&p->maps[p->n], 0);
        bool ok = false;
        if (target_parse(c, tv, t, &p->maps[p->n++]) < 0 ||
            target_deliverable(c, t, &p->failed[p->nfailed], &ok) < 0)
            return -1;
        if (ok)
            p->nkept++;
        else
            p->nfailed++;
    }
    return 0;
}

/* 0 when the rule exists (a call whose targets were all refused still needs its rule). */
static int rule_exists(ot_rules *r, const ot_rules_scope *s, const char *name)
{
    ot_rule rule;
    int rc = ot_rules_get(r, s, name, &rule);
    if (!rc)
        ot_rule_clear(&rule);
    return rc;
}

int ev_put_targets(ct_ctx *c)
{
    const char *rule;
    ot_json arr;
    if (rule_member(c, &rule) < 0 || ev_list(c, "Targets", &arr) < 0)
        return -1;
    parsed_targets *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    int rc = targets_parse(c, arr, p);
    ot_rules_scope s;
    ot_rules *r = rc ? NULL : ev_store(c, &s);
    if (r) {
        int src = p->nkept ? ot_rules_targets_put(r, &s, rule, p->t, p->nkept, false)
                           : rule_exists(r, &s, rule);
        rc = src ? ev_store_fail(c, src, rule) : 0;
        if (!rc) {
            ct_ok(c);
            write_failed(c, p->failed, p->nfailed);
        }
    }
    for (size_t i = 0; i < p->n; i++)
        ot_buf_free(&p->maps[i]);
    free(p);
    return r && !rc ? 0 : -1;
}

int ev_remove_targets(ct_ctx *c)
{
    const char *rule, *ids[TARGETS_MAX_PER_CALL];
    size_t n;
    bool force = false;
    if (rule_member(c, &rule) < 0 ||
        ev_string_list(c, "Ids", OT_RULE_TARGET_ID_MAX, ids, &n) < 0 ||
        ct_bool(c, c->in, "Force", &force) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    int rc = ot_rules_targets_remove(r, &s, rule, ids, n, force, NULL);
    if (rc)
        return ev_store_fail(c, rc, rule);
    ct_ok(c);
    write_failed(c, NULL, 0);
    return 0;
}

static void write_target(ot_jw *w, const ot_rule_target *t)
{
    ot_jw_obj(w);
    ot_jw_kstr(w, "Id", t->id);
    ot_jw_kstr(w, "Arn", t->arn);
    if (t->role_arn)
        ot_jw_kstr(w, "RoleArn", t->role_arn);
    if (t->input)
        ot_jw_kstr(w, "Input", t->input);
    if (t->input_path)
        ot_jw_kstr(w, "InputPath", t->input_path);
    if (t->input_template) {
        ot_jw_key(w, "InputTransformer");
        ot_jw_obj(w);
        if (t->input_paths_map) {
            ot_jw_key(w, "InputPathsMap");
            ot_jw_raw(w, t->input_paths_map, strlen(t->input_paths_map));
        }
        ot_jw_kstr(w, "InputTemplate", t->input_template);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

/* The index after target `after` (0 without one); -1 when no target has that id. */
static long page_start(const ot_rule_target *t, size_t n, const char *after)
{
    if (!after)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].id, after))
            return (long)i + 1;
    return -1;
}

int ev_list_targets_by_rule(ct_ctx *c)
{
    const char *rule, *after;
    int limit;
    if (rule_member(c, &rule) < 0 || ev_page(c, &limit, &after) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    ot_rule_target *t = NULL;
    size_t n = 0;
    int rc = ot_rules_targets_list(r, &s, rule, &t, &n);
    if (rc)
        return ev_store_fail(c, rc, rule);
    long start = page_start(t, n, after);
    if (start < 0) {
        ot_rule_targets_free(t, n);
        return ct_fail(c, "ValidationException", "The NextToken provided is not valid.");
    }
    ct_ok(c);
    ot_jw_key(&c->w, "Targets");
    ot_jw_arr(&c->w);
    size_t end = (size_t)start;
    for (; end < n && end < (size_t)start + (size_t)limit; end++)
        write_target(&c->w, &t[end]);
    ot_jw_end(&c->w);
    ev_next_token(c, n - (size_t)start, limit, end > 0 ? t[end - 1].id : "");
    ot_rule_targets_free(t, n);
    return 0;
}

int ev_list_rule_names_by_target(ct_ctx *c)
{
    const char *arn, *after;
    int limit;
    if (ev_string(c, c->in, "TargetArn", 1600, true, &arn) < 0 || ev_bus(c) < 0 ||
        ev_page(c, &limit, &after) < 0)
        return -1;
    if (!arn)
        return ev_invalid(c, "TargetArn", NULL, "Member must not be null");
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    char (*names)[OT_RULE_NAME_MAX + 1] = NULL;
    size_t n = 0;
    int rc = ot_rules_names_by_target(r, &s, arn, after, limit + 1, &names, &n);
    if (rc)
        return ev_store_fail(c, rc, "");
    ct_ok(c);
    ot_jw_key(&c->w, "RuleNames");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        ot_jw_str(&c->w, names[i]);
    ot_jw_end(&c->w);
    ev_next_token(c, n, limit, n > (size_t)limit ? names[limit - 1] : "");
    free(names);
    return 0;
}
