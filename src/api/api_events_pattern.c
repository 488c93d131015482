/* api_events_pattern.c — event patterns at the API: PutRule's check and TestEventPattern
 * (pattern/pattern.h is the matcher). TestEventPattern's event must carry EventBridge's envelope
 * fields (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html):
 * id, account, source, time, region, resources and detail-type. */
#include <string.h>

#include "api/api_events.h"
#include "pattern/pattern.h"
#include "util/err.h"
#include "util/json.h"

static const char *const ENVELOPE[] = {"id",     "account",   "source",     "time",
                                       "region", "resources", "detail-type"};

/* EventBridge words its reason after this; the matcher may or may not have. */
#define INVALID_PREFIX "Event pattern is not valid. Reason: "

static int invalid_pattern(ct_ctx *c, const char *msg)
{
    if (!strncmp(msg, "Event pattern is not valid", 26))
        return ct_fail(c, "InvalidEventPatternException", "%s", msg);
    return ct_fail(c, "InvalidEventPatternException", INVALID_PREFIX "%s",
                   msg[0] ? msg : "the pattern is not valid");
}

int ev_pattern_check(ct_ctx *c, const char *pattern)
{
    char msg[512] = "";
    int rc = ot_pattern_check(pattern, strlen(pattern), msg, sizeof msg);
    if (rc == OT_ELIMIT)
        return ev_invalid(c, "EventPattern", pattern,
                          "Member must have length less than or equal to 4096");
    return rc ? invalid_pattern(c, msg) : 0;
}

/* The event: a JSON object with every envelope field. 0, or -1 after ValidationException. */
static int event_check(ct_ctx *c, const char *event)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, v;
    if (!doc)
        return ct_fail(c, "InternalException", "Out of memory.");
    int rc = 0;
    if (ot_json_parse(doc, event, strlen(event), false, &root, NULL, 0) ||
        ot_json_typeof(root) != OT_JSON_OBJECT)
        rc = ct_fail(c, "ValidationException",
                     "Parameter Event is not valid. Reason: the event is not a JSON object.");
    for (size_t i = 0; !rc && i < sizeof ENVELOPE / sizeof *ENVELOPE; i++)
        if (ot_json_get(root, ENVELOPE[i], &v))
            rc = ct_fail(c, "ValidationException",
                         "Parameter Event is not valid. Reason: Provided Event is missing the "
                         "required field %s (id, account, source, time, region, resources and "
                         "detail-type are required).",
                         ENVELOPE[i]);
    ot_json_doc_free(doc);
    return rc;
}

int ev_test_event_pattern(ct_ctx *c)
{
    const char *pattern, *event;
    if (ev_string(c, c->in, "EventPattern", 4096, false, &pattern) < 0 ||
        ev_string(c, c->in, "Event", (size_t)-1, false, &event) < 0)
        return -1;
    if (!pattern)
        return ev_invalid(c, "EventPattern", NULL, "Member must not be null");
    if (!event)
        return ev_invalid(c, "Event", NULL, "Member must not be null");
    if (ev_pattern_check(c, pattern) < 0 || event_check(c, event) < 0)
        return -1;
    char msg[512] = "";
    int rc = ot_pattern_test(pattern, strlen(pattern), event, strlen(event), msg, sizeof msg);
    if (rc < 0)
        return invalid_pattern(c, msg);
    ct_ok(c);
    ot_jw_kbool(&c->w, "Result", rc == 1);
    return 0;
}
