/* router_input.h — what a rule's target receives for a matched event: the event itself, the
 * target's constant Input, the part of the event its InputPath selects, or its
 * InputTransformer's template filled in from the event
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 *
 * Paths are JSONPath in dot notation with array indexes: $, $.detail.x, $.detail.arr[0].y.
 * InputTemplate: each <name> of the InputPathsMap (or a predefined aws.events.* variable) is
 * replaced by the value its path selects. A template whose first non-blank character is { or [
 * is a JSON template: outside quotes a value is written as JSON ("abc", 3, {"a":1}), inside a
 * quoted string as string content (abc, JSON text escaped), and the result must be valid JSON.
 * Any other template is a string template: outside quotes a string value is written as its
 * bare text, other values as JSON; inside quotes as in a JSON template. A path that selects
 * nothing gives null outside quotes in a JSON template and an empty string elsewhere; a <name>
 * that is no variable stays as written.
 *
 * Predefined variables: aws.events.rule-arn, aws.events.rule-name,
 * aws.events.event.ingestion-time and aws.events.event / aws.events.event.json (the whole event).
 *
 * Pure: the event and the target's fields are untrusted input; every failure is an error code
 * with the reason, never a crash. */
#ifndef OT_ROUTER_INPUT_H
#define OT_ROUTER_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"
#include "util/buf.h"
#include "util/json.h"

/* The event's facts the predefined variables name. */
typedef struct ot_router_input_ctx {
    const char *rule_arn;
    const char *rule_name;
    int64_t ingest_ms; /* when the event reached the bus */
} ot_router_input_ctx;

/* Writes what target t receives for event[0..len) into out (reset first). 0; OT_EINVAL with the
 * reason in err (the event is not JSON, a path is malformed, InputPath selects nothing, the
 * InputPathsMap is not an object of string paths, a JSON template does not give JSON);
 * OT_ENOMEM. */
int ot_router_input(ot_json_doc *doc, const ot_rule_target *t, const char *event, size_t len,
                    const ot_router_input_ctx *ctx, ot_buf *out, char *err, size_t errcap);

#endif
