/* pattern.h — EventBridge event patterns: many patterns compiled together into one matcher that
 * reads each event once, whatever the number of patterns.
 *
 * The language is EventBridge's (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * and eb-create-pattern-operators.html): a pattern mirrors the event's structure, every leaf is
 * an array of alternatives (OR), fields are ANDed, fields the pattern does not name are ignored.
 * Leaf alternatives are exact JSON values (strings, numbers, true/false, null) or one operator
 * object: prefix, suffix, equals-ignore-case, wildcard, anything-but (values, prefix, suffix,
 * equals-ignore-case, wildcard), numeric, cidr, exists; and `$or` at any object level. An array
 * in the event matches when any element does; fields matched inside one pattern object come from
 * the same array element (event-ruler's rulesForJSONEvent semantics). Matching is case-sensitive
 * and typed ("true" is not true).
 *
 * Thread safety: a built set is read-only; any number of threads may match against it at once,
 * each with its own ot_pattern_hits. */
#ifndef OT_PATTERN_H
#define OT_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* EventBridge's default limit on a pattern's length, in characters. */
#define OT_PATTERN_MAX_LEN 4096

typedef struct ot_pattern_set ot_pattern_set;

/* What one match call found: the ids of the matching patterns, each once, in no set order.
 * Zero-initialise before first use; reuse across calls (it keeps its scratch space). */
typedef struct ot_pattern_hits {
    uint32_t *ids;
    size_t n, cap;
    void *scratch; /* the matcher's per-call state; owned, freed by ot_pattern_hits_free */
} ot_pattern_hits;

/* Checks one pattern as PutRule and TestEventPattern do. 0 when valid; else OT_EINVAL (or
 * OT_ELIMIT when over OT_PATTERN_MAX_LEN) with the reason, worded like EventBridge's
 * InvalidEventPatternException message, in msg. */
int ot_pattern_check(const char *json, size_t len, char *msg, size_t msgcap);

ot_pattern_set *ot_pattern_set_new(void);
void ot_pattern_set_free(ot_pattern_set *s);

/* Adds a pattern under the caller's id (ids need not be dense; one id may be added once).
 * Invalid patterns are refused as by ot_pattern_check and leave the set unchanged. */
int ot_pattern_set_add(ot_pattern_set *s, uint32_t id, const char *json, size_t len, char *msg,
                       size_t msgcap);

/* Compiles everything added so far into the matcher. Call once after the adds, before matching;
 * adding after a build is OT_EINVAL (build a new set instead: sets are cheap to rebuild). */
int ot_pattern_set_build(ot_pattern_set *s);

/* Matches one event (a JSON object's text, len bytes, no padding needed) against every pattern
 * of a built set in one pass. Fills hits (hits->n = 0 first). OT_EINVAL if the event is not a
 * JSON object; OT_ENOMEM. */
int ot_pattern_set_match(const ot_pattern_set *s, const char *event, size_t len,
                         ot_pattern_hits *hits);

void ot_pattern_hits_free(ot_pattern_hits *hits);

/* One pattern against one event, as TestEventPattern does: 1 match, 0 no match, or an error
 * (pattern invalid: OT_EINVAL with msg; event not a JSON object: OT_EINVAL, msg says so). */
int ot_pattern_test(const char *pattern, size_t plen, const char *event, size_t elen, char *msg,
                    size_t msgcap);

#endif
