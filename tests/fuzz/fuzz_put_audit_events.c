/* fuzz_put_audit_events.c — a PutAuditEvents request body (src/api/api_data.c and the event
 * validators it calls: src/event/activity.c for Custom channels, src/event/record_ingest.c for
 * CloudTrailRecords channels).
 *
 * The input is read as a body, and as the eventData of a one-event body (so that the mutations
 * reach the event validators without having to keep a JSON string's escaping intact), each for
 * both kinds of channel. Whatever it holds, every accepted event's WAL payload must decode,
 * and the CloudTrail record in it must be a JSON object: it goes verbatim into a log file, where
 * one malformed record would spoil the whole file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_data.h"
#include "event/event.h"
#include "util/json.h"
#include "util/jsonw.h"

static void check_accepted(ot_json_doc *doc, const ot_audit_item *items, size_t n,
                           const ot_buf *payloads)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i].error_code)
            continue;
        ot_event e;
        if (!items[i].event_id[0] ||
            ot_event_decode(payloads->data + items[i].payload_off, items[i].payload_len, &e))
            abort();
        ot_json root;
        char why[128];
        if (ot_json_parse(doc, e.json, e.json_len, false, &root, why, sizeof why) ||
            ot_json_typeof(root) != OT_JSON_OBJECT)
            abort();
    }
}

static void read_body(const ot_buf *body, bool records)
{
    static ot_json_doc *doc, *check;
    static ot_audit_item items[OT_DATA_MAX_EVENTS];
    if ((!doc && !(doc = ot_json_doc_new())) || (!check && !(check = ot_json_doc_new())))
        abort();
    ot_activity_ctx actx = {.region = "us-east-1", .account_id = "123456789012",
                            .channel_arn = "arn:aws:cloudtrail:us-east-1:123456789012:channel/c1",
                            .ingest_ms = 1700000000000};
    ot_buf payloads;
    ot_buf_init(&payloads, 0);
    ot_resp resp;
    ot_resp_init(&resp);
    size_t n = 0;
    if (ot_data_read_events(doc, body->data, body->len, &actx, records, items, &n, &payloads,
                            &resp) == 0)
        check_accepted(check, items, n, &payloads);
    ot_resp_free(&resp);
    ot_buf_free(&payloads);
}

/* {"auditEvents":[{"id":"e1","eventData":"<data, escaped>"}]} */
static void wrap_as_event(const uint8_t *data, size_t size, ot_buf *body)
{
    ot_jw w;
    ot_jw_init(&w, body);
    ot_jw_obj(&w);
    ot_jw_key(&w, "auditEvents");
    ot_jw_arr(&w);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "id", "e1");
    ot_jw_key(&w, "eventData");
    ot_jw_strn(&w, (const char *)data, size);
    ot_jw_end(&w);
    ot_jw_end(&w);
    ot_jw_end(&w);
    if (ot_jw_error(&w))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ot_buf body; /* a request body always has OT_BUF_PAD bytes past its end, as here */
    ot_buf_init(&body, 0);
    if (ot_buf_append(&body, data, size))
        abort();
    read_body(&body, false);
    read_body(&body, true);
    ot_buf_reset(&body);
    wrap_as_event(data, size, &body);
    read_body(&body, false);
    read_body(&body, true);
    ot_buf_free(&body);
    return 0;
}
