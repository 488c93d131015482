/* api_events.h — private to the EventBridge rules handlers (api_events*.c): AWS JSON 1.1,
 * target prefix AWSEvents, signing name "events", served with the CloudTrail handlers' request
 * reading (ct_ctx, ct_*). Only the default event bus exists.
 *
 * Handlers return 0 after a success and -1 after an error was written, as ct_op_fn does. */
#ifndef OT_API_EVENTS_H
#define OT_API_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api_cloudtrail.h"
#include "rules/rules.h"

#define EV_LIST_LIMIT 100 /* LimitMax100, and the page size when Limit is absent */

/* The store, opened on first use when the daemon did not open it, and the request's scope in
 * *s. NULL after an error was written (InternalException). */
ot_rules *ev_store(ct_ctx *c, ot_rules_scope *s);

/* The request's scope: the caller's account and region. */
ot_rules_scope ev_scope(const ct_ctx *c);

/* ValidationException in AWS's constraint wording ("1 validation error detected: Value '<v>'
 * at '<member>' failed to satisfy constraint: <constraint>"). Returns -1. */
int ev_invalid(ct_ctx *c, const char *member, const char *value, const char *constraint);

/* A RuleName / TargetId member (1..64 of [.\-_A-Za-z0-9]). 1 if present, 0 if absent (an error
 * when required), -1 after an error. member is the JSON key; the message names it in
 * lowerCamelCase as AWS does. */
int ev_name(ct_ctx *c, ot_json obj, const char *key, bool required, const char **out);

/* A string member of at most max characters (min 0, or 1 with nonempty). 1, 0 (absent) or -1. */
int ev_string(ct_ctx *c, ot_json obj, const char *key, size_t max, bool nonempty,
              const char **out);

/* A required list member of 1..EV_LIST_LIMIT entries into *arr. 0 or -1. */
int ev_list(ct_ctx *c, const char *key, ot_json *arr);

/* A required list of 1..EV_LIST_LIMIT strings of 1..maxlen characters into out[0..*n)
 * (borrowed from the request). 0 or -1. */
int ev_string_list(ct_ctx *c, const char *key, size_t maxlen, const char **out, size_t *n);

/* EventBusName: absent, "default" or the default bus's ARN in the caller's account and region.
 * 0, or -1 after ValidationException / ResourceNotFoundException. */
int ev_bus(ct_ctx *c);

/* Limit (1..100, default 100) and a NextToken made by ev_next_token for this operation: 0 and
 * *limit, *after (NULL: from the start; points into c's request), or -1. */
int ev_page(ct_ctx *c, int *limit, const char **after);
/* Writes NextToken when more than limit rows were read (got > limit); after is the last row's
 * key on this page. */
void ev_next_token(ct_ctx *c, size_t got, int limit, const char *after);

/* Answers a store error: OT_ENOTFOUND as the rule's ResourceNotFoundException, OT_EINVAL as
 * ManagedRuleException, OT_ELIMIT as LimitExceededException, anything else as
 * InternalException. Returns -1. */
int ev_store_fail(ct_ctx *c, int rc, const char *rule);

/* Answers a write: an empty success when rc is 0, else as ev_store_fail. 0 or -1. */
int ev_answer(ct_ctx *c, int rc, const char *rule);

/* Tags (a TagList member): 1 and *tags (malloc'd, free it), *n; 0 if absent; -1 after an
 * error. */
int ev_tags_parse(ct_ctx *c, ot_json obj, const char *key, ot_rule_tag **tags, size_t *n);

/* Checks an event pattern as PutRule does: 0, or -1 after InvalidEventPatternException. */
int ev_pattern_check(ct_ctx *c, const char *pattern);

/* ---- the operations ---- */

int ev_put_rule(ct_ctx *c);
int ev_describe_rule(ct_ctx *c);
int ev_list_rules(ct_ctx *c);
int ev_delete_rule(ct_ctx *c);
int ev_enable_rule(ct_ctx *c);
int ev_disable_rule(ct_ctx *c);
int ev_put_targets(ct_ctx *c);
int ev_remove_targets(ct_ctx *c);
int ev_list_targets_by_rule(ct_ctx *c);
int ev_list_rule_names_by_target(ct_ctx *c);
int ev_test_event_pattern(ct_ctx *c);
int ev_tag_resource(ct_ctx *c);
int ev_untag_resource(ct_ctx *c);
int ev_list_tags_for_resource(ct_ctx *c);

#endif
