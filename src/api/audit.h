/* audit.h — the trail audits itself: every control-plane call and S3 access becomes a
 * CloudTrail record appended to the WAL like any other event. Record fields:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html */
#ifndef OT_AUDIT_H
#define OT_AUDIT_H

#include "api/api.h"

/* Records the call `operation` made by req with outcome resp. Blocks until the event is durable.
 * A failure to record is logged and returned, never turned into a failed API call. */
int ot_audit_record(ot_api *srv, const ot_req *req, const ot_resp *resp, const char *operation);

#endif
