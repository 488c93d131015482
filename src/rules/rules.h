/* rules.h — the EventBridge rules of the default event bus (<data-dir>/rules.db): rules, their
 * targets and tags, behind the `events` API (api/api_events*.c), and the snapshot the event
 * router matches every recorded event against.
 *
 * Everything belongs to an account and a region (ot_rules_scope): a rule of one account is
 * invisible to every other. A write is committed (synchronous=FULL) before the call returns, and
 * every write that changes something moves the generation (ot_rules_generation), so a router
 * that matched with the snapshot of generation g knows to rebuild when it sees another number.
 *
 * A rule may be managed (managed_by set, by opentrail itself for its built-in runbooks; the API
 * never sets it): the API's writes then need force, as EventBridge's ManagedRuleException says.
 *
 * Threads: one connection behind a mutex; every function may be called from any thread. */
#ifndef OT_RULES_H
#define OT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot_rules ot_rules;

/* The owner of a rule: the caller's account and the request's region. */
typedef struct ot_rules_scope {
    const char *account;
    const char *region;
} ot_rules_scope;

#define OT_RULE_NAME_MAX 64        /* RuleName: 1..64 of [.\-_A-Za-z0-9] */
#define OT_RULE_TARGET_ID_MAX 64   /* TargetId: the same */
#define OT_RULES_TARGETS_MAX 5     /* EventBridge's quota of targets per rule */
#define OT_RULES_PER_BUS_MAX 300   /* EventBridge's default quota of rules per event bus */
#define OT_RULES_TAGS_MAX 50       /* tags per resource */
#define OT_RULE_TAG_KEY_MAX 128
#define OT_RULE_TAG_VALUE_MAX 256

/* Which events reach a rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/
 * eb-service-event.html): ENABLED gets every event but read-only CloudTrail management events,
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS those too, DISABLED none. */
typedef enum ot_rule_state {
    OT_RULE_ENABLED,
    OT_RULE_DISABLED,
    OT_RULE_ENABLED_ALL_MANAGEMENT,
} ot_rule_state;

/* The API name of a state ("ENABLED", ...), and the state of an API name: 0 or OT_EINVAL. */
const char *ot_rule_state_name(ot_rule_state st);
int ot_rule_state_parse(const char *name, ot_rule_state *st);

/* The rule's ARN on the default bus: arn:aws:events:<region>:<account>:rule/<name>. */
void ot_rule_arn(const ot_rules_scope *s, const char *name, char *out, size_t cap);

/* One rule. The strings are malloc'd (NULL when absent): free them with ot_rule_clear. */
typedef struct ot_rule {
    char name[OT_RULE_NAME_MAX + 1];
    ot_rule_state state;
    char *pattern;      /* the EventPattern as given */
    char *description;
    char *role_arn;
    char *managed_by;   /* NULL: an ordinary rule */
    char *created_by;   /* the account that created it */
    int64_t created_ms;
} ot_rule;

/* One target. Strings malloc'd (NULL when absent); InputTransformer is input_template (NULL: no
 * transformer) plus input_paths_map, the InputPathsMap as a JSON object's text (NULL: none). */
typedef struct ot_rule_target {
    char id[OT_RULE_TARGET_ID_MAX + 1];
    char *arn;
    char *role_arn;
    char *input;
    char *input_path;
    char *input_paths_map;
    char *input_template;
} ot_rule_target;

typedef struct ot_rule_tag {
    char key[OT_RULE_TAG_KEY_MAX + 1];
    char value[OT_RULE_TAG_VALUE_MAX + 1];
} ot_rule_tag;

void ot_rule_clear(ot_rule *rule);
/* Frees a list: each rule's strings, then the array. */
void ot_rules_free(ot_rule *rules, size_t n);
void ot_rule_targets_free(ot_rule_target *t, size_t n);

/* Opens (creating if needed) the store at path. */
int ot_rules_open(const char *path, ot_rules **out);
void ot_rules_close(ot_rules *r);

/* The number of the last committed write; it changes with every write that changed something. */
uint64_t ot_rules_generation(ot_rules *r);

/* ---- rules ---- */

/* What PutRule writes. An existing rule of that name is replaced (pattern, state, description,
 * role), keeping its targets, creation and creator; tags are added to its tags. */
typedef struct ot_rule_def {
    const char *name;
    const char *pattern;     /* required by the API, NULL allowed here */
    ot_rule_state state;
    const char *description; /* NULL: none */
    const char *role_arn;    /* NULL: none */
    const char *managed_by;  /* NULL for the API; the manager's name for built-in rules */
    const char *created_by;  /* the caller's account */
} ot_rule_def;

/* 0 (and *created, may be NULL), OT_ELIMIT (OT_RULES_PER_BUS_MAX rules, or more than
 * OT_RULES_TAGS_MAX tags), OT_EINVAL (the rule exists and is managed by another manager: only
 * its manager replaces it), or OT_E*. */
int ot_rules_put(ot_rules *r, const ot_rules_scope *s, const ot_rule_def *def,
                 const ot_rule_tag *tags, size_t ntags, int64_t now_ms, bool *created);

/* 0 and *out (free its strings with ot_rule_clear), OT_ENOTFOUND or OT_E*. */
int ot_rules_get(ot_rules *r, const ot_rules_scope *s, const char *name, ot_rule *out);

/* The scope's rules in name order whose name starts with prefix (NULL: any) and sorts after
 * `after` (NULL: from the first), at most limit: *out malloc'd (ot_rules_free), *n. */
int ot_rules_list(ot_rules *r, const ot_rules_scope *s, const char *prefix, const char *after,
                  int limit, ot_rule **out, size_t *n);

/* Deletes the rule and its tags. A missing rule is 0 (DeleteRule is idempotent). OT_EEXIST
 * while it has targets, OT_EINVAL for a managed rule without force. */
int ot_rules_delete(ot_rules *r, const ot_rules_scope *s, const char *name, bool force);

/* 0, OT_ENOTFOUND, OT_EINVAL (managed, without force) or OT_E*. */
int ot_rules_set_state(ot_rules *r, const ot_rules_scope *s, const char *name,
                       ot_rule_state st, bool force);

/* ---- targets ---- */

/* Adds t[0..n) to the rule, replacing targets of the same ids, in one transaction. OT_ELIMIT
 * (and nothing changes) when the rule would have more than OT_RULES_TARGETS_MAX;
 * OT_ENOTFOUND, OT_EINVAL (managed, without force) or OT_E*. */
int ot_rules_targets_put(ot_rules *r, const ot_rules_scope *s, const char *rule,
                         const ot_rule_target *t, size_t n, bool force);

/* Removes the targets of these ids (ids the rule does not have are ignored). *removed (may be
 * NULL) counts those removed. 0, OT_ENOTFOUND, OT_EINVAL (managed, without force) or OT_E*. */
int ot_rules_targets_remove(ot_rules *r, const ot_rules_scope *s, const char *rule,
                            const char *const *ids, size_t n, bool force, size_t *removed);

/* The rule's targets in the order they were first added: *out malloc'd
 * (ot_rule_targets_free), *n. 0, OT_ENOTFOUND or OT_E*. */
int ot_rules_targets_list(ot_rules *r, const ot_rules_scope *s, const char *rule,
                          ot_rule_target **out, size_t *n);

/* The names of the scope's rules with a target of this ARN, in name order after `after` (NULL:
 * from the first), at most limit: *names malloc'd (free it), each OT_RULE_NAME_MAX + 1 bytes. */
int ot_rules_names_by_target(ot_rules *r, const ot_rules_scope *s, const char *arn,
                             const char *after, int limit, char (**names)[OT_RULE_NAME_MAX + 1],
                             size_t *n);

/* ---- tags ---- */

/* Adds or replaces tags: 0, OT_ENOTFOUND, OT_ELIMIT (over OT_RULES_TAGS_MAX, nothing changes),
 * OT_EINVAL (managed, without force) or OT_E*. */
int ot_rules_tag(ot_rules *r, const ot_rules_scope *s, const char *rule, const ot_rule_tag *tags,
                 size_t n, bool force);
/* Removes the tags of these keys (missing keys are ignored). */
int ot_rules_untag(ot_rules *r, const ot_rules_scope *s, const char *rule,
                   const char *const *keys, size_t n, bool force);
/* The rule's tags in key order: *out malloc'd (free it), *n. 0, OT_ENOTFOUND or OT_E*. */
int ot_rules_tags(ot_rules *r, const ot_rules_scope *s, const char *rule, ot_rule_tag **out,
                  size_t *n);

/* ---- the router's view ---- */

/* One rule of any scope, with its targets. Strings malloc'd; arn is the rule's ARN. */
typedef struct ot_rules_entry {
    char account[16];
    char region[32];
    char name[OT_RULE_NAME_MAX + 1];
    char *arn;
    ot_rule_state state;
    char *pattern;
    char *managed_by;
    ot_rule_target *targets;
    size_t ntargets;
} ot_rules_entry;

/* Every rule of every account and region, as of one generation. */
typedef struct ot_rules_snapshot {
    uint64_t generation;
    ot_rules_entry *rules;
    size_t n;
} ot_rules_snapshot;

/* Reads the whole store in one read transaction: *out malloc'd (ot_rules_snapshot_free). */
int ot_rules_snapshot_load(ot_rules *r, ot_rules_snapshot **out);
void ot_rules_snapshot_free(ot_rules_snapshot *snap);

/* ---- target ARNs ---- */

/* What a target's ARN names. opentrail delivers to SNS topics, CloudWatch Logs log groups, API
 * destinations (HTTP endpoints) and its own built-in runbooks, named
 * arn:aws:events:<region>:<account>:opentrail-runbook/<runbook>. */
typedef enum ot_target_kind {
    OT_TARGET_MALFORMED,   /* not arn:aws...:<service>:<region>:<account>:<resource> */
    OT_TARGET_UNSUPPORTED, /* a well-formed ARN of a service opentrail does not deliver to */
    OT_TARGET_SNS,         /* arn:aws:sns:<region>:<account>:<topic> */
    OT_TARGET_LOGS,        /* arn:aws:logs:<region>:<account>:log-group:<name>[:*] */
    OT_TARGET_API_DESTINATION, /* arn:aws:events:<region>:<account>:api-destination/<name>[/<id>] */
    OT_TARGET_RUNBOOK,     /* arn:aws:events:<region>:<account>:opentrail-runbook/<name> */
} ot_target_kind;

typedef struct ot_target_ref {
    ot_target_kind kind;
    char service[32];
    char region[32];
    char account[16];
    const char *name; /* into the ARN: the topic, log group, destination or runbook name */
    size_t name_len;
} ot_target_ref;

/* Parses a target ARN into *out (kind OT_TARGET_MALFORMED when it is not one) and returns the
 * kind. */
ot_target_kind ot_rules_target_parse(const char *arn, ot_target_ref *out);

/* Whether name[0..len) is a built-in runbook a runbook target may name (docs/runbooks.md). */
bool ot_rules_runbook_known(const char *name, size_t len);

/* ---- target input (PutTargets' Input, InputPath, InputTransformer) ---- */

/* Checks a target's input as EventBridge does at PutTargets: at most one of input, input_path,
 * input_template; input is JSON text; a path is a JSONPath in dot notation ($, $.a.b, with
 * [n] indexes); InputPathsMap is a JSON object of at most 100 such paths under keys of
 * [A-Za-z0-9_-] that do not start with "AWS"; a template that is a JSON object or array is
 * valid JSON once its <placeholders> are filled in. 0, or OT_EINVAL with the reason in msg
 * (a ValidationException's message). */
int ot_rules_input_check(const ot_rule_target *t, char *msg, size_t msgcap);

#endif
