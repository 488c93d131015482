/* event_fields.h — helpers shared by the validators of incoming events (activity.c for channel
 * events, record_ingest.c for forwarded CloudTrail records): per-event errors and checksums. */
#ifndef OT_EVENT_FIELDS_H
#define OT_EVENT_FIELDS_H

#include <stddef.h>

#include "event/activity.h"
#include "util/json.h"

/* Fills err with a per-event error code and message; returns OT_EINVAL. */
int ot_field_fail(ot_activity_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* eventDataChecksum must be base64(SHA-256(eventData)); InvalidChecksum otherwise. */
int ot_field_checksum(const char *data, size_t len, const char *checksum, ot_activity_error *err);

/* The checks every incoming eventData gets first: at most OT_ACTIVITY_MAX_EVENT bytes, the
 * checksum when given, valid JSON, an object. *root points into doc. */
int ot_field_parse_event(ot_json_doc *doc, const char *data, size_t len, const char *checksum,
                         ot_json *root, ot_activity_error *err);

#endif
