/* router_envelope.h — a recorded CloudTrail event as EventBridge delivers it to the default
 * event bus: the envelope of https://docs.aws.amazon.com/eventbridge/latest/userguide/
 * eb-service-event-cloudtrail.html around the record, and which bus (region) it goes to.
 * Pure functions: no I/O, no state. */
#ifndef OT_ROUTER_ENVELOPE_H
#define OT_ROUTER_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "event/event.h"
#include "util/buf.h"
#include "util/json.h"

/* EventBridge's largest event (https://docs.aws.amazon.com/eventbridge/latest/userguide/
 * eb-putevent-size.html): CloudTrail does not send larger records to EventBridge. */
#define OT_ROUTER_EVENT_MAX 262144

/* The detail-type of a record's eventType ("AwsApiCall" -> "AWS API Call via CloudTrail"), or
 * NULL for a type CloudTrail does not send to EventBridge. */
const char *ot_router_detail_type(const char *event_type);

/* The region of the bus the event goes to: us-east-1 for the global services (IAM, STS's
 * global endpoint, CloudFront, Route 53, Organizations ...), else the record's awsRegion. */
const char *ot_router_bus_region(const ot_event *e);

/* The envelope's id: a UUID derived from the record's eventID, so a re-run after a crash sends
 * the same id. out needs 37 bytes. */
void ot_router_event_id(const char *event_id, char out[37]);

/* Writes the envelope of e into out (reset first): version "0", id, detail-type, source
 * "aws.<service>", account (recipientAccountId), time (eventTime, to the second, Z), region
 * (awsRegion), resources [] and detail (the record, byte for byte). doc parses the record for
 * its eventTime. OT_EINVAL when the record has no eventType CloudTrail sends to EventBridge,
 * OT_ENOMEM. */
int ot_router_envelope(ot_json_doc *doc, const ot_event *e, ot_buf *out);

#endif
