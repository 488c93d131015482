/* api_data.h — reading a PutAuditEvents request body, apart from the server.
 *
 * The handler (api_data.c) resolves the channel, reads the body with ot_data_read_events(),
 * appends the accepted payloads to the WAL and answers; the fuzz target
 * (tests/fuzz/fuzz_put_audit_events.c) calls ot_data_read_events() on arbitrary bytes. */
#ifndef OT_API_DATA_H
#define OT_API_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "api/http.h"
#include "event/activity.h"
#include "util/buf.h"
#include "util/json.h"

#define OT_DATA_MAX_EVENTS 100

typedef struct ot_audit_item {
    const char *id;                /* points into the parsed body (the doc) */
    size_t id_len;
    char event_id[37];
    const char *error_code;        /* NULL if accepted */
    char error_message[256];
    size_t payload_off, payload_len; /* the event's WAL payload in payloads */
} ot_audit_item;

/* Parses body[0..len) (OT_BUF_PAD readable bytes past len) with doc, which must outlive items.
 * A request-level problem (not JSON, not {"auditEvents":[1..100 objects with a string id]},
 * duplicate ids) is answered in resp and returns OT_EINVAL. Otherwise returns 0 with items[0..*n)
 * (room for OT_DATA_MAX_EVENTS) each accepted with its payload appended to payloads, or failed
 * with its error code. records: the channel's Source is CloudTrailRecords. */
int ot_data_read_events(ot_json_doc *doc, const char *body, size_t len,
                        const ot_activity_ctx *actx, bool records, ot_audit_item *items,
                        size_t *n, ot_buf *payloads, ot_resp *resp);

#endif
