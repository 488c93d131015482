/* record_ingest.h — complete CloudTrail records sent through a channel whose Source is
 * CloudTrailRecords (an opentrail extension; docs/putauditevents.md).
 *
 * Such a record (e.g. one forwarded from a real AWS account's trail) is validated, kept as is
 * (compacted) with its own eventID, and enters the WAL as the Management or Data event it is,
 * with read/write, resources and the other selector facts taken from it, so every logging
 * trail of the account records it according to its event selectors. */
#ifndef OT_RECORD_INGEST_H
#define OT_RECORD_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "event/activity.h"
#include "util/buf.h"
#include "util/json.h"

#define OT_RECORDS_SOURCE "CloudTrailRecords"
#define OT_RECORD_MAX_RESOURCES 256

/* Validates one record (eventData) and appends its WAL payload (ot_event_encode) to payloads;
 * its eventID is copied to event_id. checksum may be NULL. doc and scratch are reused between
 * calls. ctx->account_id is the channel owner; ctx->region is not used (records carry their
 * own awsRegion). Returns 0, or OT_EINVAL with err filled and payloads unchanged. */
int ot_record_ingest(ot_json_doc *doc, const char *event_data, size_t len, const char *checksum,
                     const ot_activity_ctx *ctx, ot_buf *scratch, ot_buf *payloads,
                     char event_id[37], ot_activity_error *err);

#endif
