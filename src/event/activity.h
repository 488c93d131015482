/* activity.h — the CloudTrail record of an event sent through a channel (PutAuditEvents).
 *
 * The caller's eventData is validated field by field and flattened into a regular CloudTrail
 * record so every CloudTrail reader understands it; docs/putauditevents.md gives the mapping.
 * eventData's fields, and what CloudTrail adds around them:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-integration-event-schema.html */
#ifndef OT_ACTIVITY_H
#define OT_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/json.h"

#define OT_ACTIVITY_MAX_EVENT (256 * 1024) /* any CloudTrail event is capped at 256 KB */

typedef struct ot_activity_ctx {
    const char *region;       /* region of the PutAuditEvents call */
    const char *account_id;   /* the channel owner: recipientAccountId must equal it */
    const char *channel_arn;
    int64_t ingest_ms;
} ot_activity_ctx;

typedef struct ot_activity_error {
    const char *code;         /* FieldTooLong, FieldNotFound, InvalidChecksum, InvalidData, ... */
    char message[256];
} ot_activity_error;

/* Validates one audit event and appends its CloudTrail record (compact JSON) to out, with a new
 * eventID in event_id. checksum may be NULL. doc is scratch space reused between calls. Returns
 * 0, or OT_EINVAL with err filled (out unchanged). */
int ot_activity_record(ot_json_doc *doc, const char *event_data, size_t len, const char *checksum,
                       const ot_activity_ctx *ctx, char event_id[37], ot_buf *out,
                       ot_activity_error *err);

#endif
