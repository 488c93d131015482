/* event_fields.c — per-event error reporting and checksum checks for incoming events. */
#include "event/event_fields.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/err.h"

int ot_field_fail(ot_activity_error *err, const char *code, const char *fmt, ...)
{
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return OT_EINVAL;
}

int ot_field_checksum(const char *data, size_t len, const char *checksum, ot_activity_error *err)
{
    uint8_t digest[32];
    char b64[48];
    ot_sha256(data, len, digest);
    ot_base64(digest, sizeof digest, b64);
    if (strcmp(b64, checksum))
        return ot_field_fail(err, "InvalidChecksum",
                             "eventDataChecksum does not match base64(SHA-256(eventData))");
    return OT_OK;
}

int ot_field_parse_event(ot_json_doc *doc, const char *data, size_t len, const char *checksum,
                         ot_json *root, ot_activity_error *err)
{
    if (len > OT_ACTIVITY_MAX_EVENT)
        return ot_field_fail(err, "FieldTooLong",
                             "eventData is %zu bytes; an event is at most %d bytes", len,
                             OT_ACTIVITY_MAX_EVENT);
    if (checksum && ot_field_checksum(data, len, checksum, err))
        return OT_EINVAL;
    char why[128];
    if (ot_json_parse(doc, data, len, false, root, why, sizeof why))
        return ot_field_fail(err, "InvalidData", "eventData is not valid JSON: %s", why);
    if (ot_json_typeof(*root) != OT_JSON_OBJECT)
        return ot_field_fail(err, "InvalidData", "eventData must be a JSON object");
    return OT_OK;
}
