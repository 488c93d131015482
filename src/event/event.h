/* event.h — an event as the WAL carries it: routing facts plus the CloudTrail record.
 *
 * Each WAL record is one event: a small binary header with what routing needs (category,
 * read/write, account, region, source, channel) followed by the record's compact JSON exactly
 * as it will appear inside {"Records":[...]}. Delivery never re-serialises the JSON. */
#ifndef OT_EVENT_H
#define OT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef enum {
    OT_CAT_MANAGEMENT = 1, /* eventCategory Management */
    OT_CAT_DATA = 2,       /* eventCategory Data (S3 object access) */
    OT_CAT_ACTIVITY = 3,   /* ActivityAuditLog from a channel (PutAuditEvents) */
    OT_CAT_INSIGHT = 4,
} ot_event_category;

typedef enum { OT_RW_WRITE = 0, OT_RW_READ = 1, OT_RW_UNKNOWN = 2 } ot_event_rw;

/* sessionCredentialFromConsole of the record: absent, "false" or "true". */
typedef enum { OT_CONSOLE_ABSENT = 0, OT_CONSOLE_FALSE = 1, OT_CONSOLE_TRUE = 2 } ot_event_console;

/* One entry of the record's resources[] (type may be "" when the record gives none). */
typedef struct ot_event_resource {
    const char *type;         /* e.g. AWS::S3::Object */
    const char *arn;
} ot_event_resource;

typedef struct ot_event {
    int64_t ingest_ms;        /* when the server accepted it */
    uint8_t category;         /* ot_event_category */
    uint8_t rw;               /* ot_event_rw */
    const char *account_id;   /* recipientAccountId: the account whose trails get it */
    const char *region;       /* awsRegion */
    const char *event_source; /* e.g. cloudtrail.amazonaws.com */
    const char *event_name;
    const char *event_id;
    const char *channel_arn;  /* "" unless category == OT_CAT_ACTIVITY */
    const char *json;         /* the CloudTrail record, compact, no trailing newline */
    size_t json_len;
    /* Facts for event selectors (version 2 of the payload; "" / 0 / none in version 1). */
    const char *event_type;   /* AwsApiCall, ... */
    const char *user_arn;     /* userIdentity.arn */
    const char *error_code;
    uint8_t console;          /* ot_event_console */
    const ot_event_resource *resources; /* encode: the caller's array (may be NULL) */
    size_t nresources;
    const uint8_t *resources_raw;       /* decode: the encoded list (nresources entries,
                                           resources_raw_len bytes); ot_event_resource_next() */
    size_t resources_raw_len;
} ot_event;

/* Serialises e as a WAL payload (appends to out). */
int ot_event_encode(const ot_event *e, ot_buf *out);
/* Parses a WAL payload; the strings point into p (NUL-terminated there). OT_ECORRUPT if
 * malformed. */
int ot_event_decode(const void *p, size_t n, ot_event *e);
/* The resources of e one by one, whether e was built by hand (resources) or decoded
 * (resources_raw): *cursor starts at 0. False after the last one. */
bool ot_event_resource_next(const ot_event *e, size_t *cursor, ot_event_resource *out);

#endif
