/* record_ingest.c — validate a forwarded CloudTrail record and turn it into a WAL event. */
#include "event/record_ingest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "util/crypto.h"
#include "event/event_fields.h"
#include "util/err.h"
#include "util/region.h"
#include "util/timeutil.h"

typedef struct record_facts {
    const char *version, *time, *source, *name, *region, *id, *type, *recipient;
    const char *user_arn, *error_code;
    uint8_t category, rw, console;
    ot_event_resource res[OT_RECORD_MAX_RESOURCES];
    size_t nres;
} record_facts;

/* A string member with no NUL inside, at most max bytes (and not empty when required);
 * absent or null is allowed when !required (*s stays NULL). */
static int str_member(ot_json obj, const char *key, bool required, size_t max, const char **s,
                      ot_activity_error *err)
{
    ot_json v;
    size_t n;
    *s = NULL;
    if (ot_json_get(obj, key, &v) != OT_OK || ot_json_typeof(v) == OT_JSON_NULL)
        return required ? ot_field_fail(err, "FieldNotFound", "Required field %s is missing", key) : OT_OK;
    if (ot_json_str(v, s, &n) != OT_OK)
        return ot_field_fail(err, "InvalidData", "Field %s must be a string", key);
    if (n > max)
        return ot_field_fail(err, "FieldTooLong", "Field %s exceeds %zu characters", key, max);
    if (strlen(*s) != n || (required && n == 0))
        return ot_field_fail(err, "InvalidData", "Field %s must be a non-empty string without NUL", key);
    return OT_OK;
}

static bool charset(const char *s, const char *allowed)
{
    return strspn(s, allowed) == strlen(s);
}

static int check_required(ot_json root, const ot_activity_ctx *ctx, record_facts *f,
                          ot_activity_error *err)
{
    ot_json ident;
    int64_t ms;
    if (str_member(root, "eventVersion", true, 16, &f->version, err) ||
        str_member(root, "eventTime", true, 64, &f->time, err) ||
        str_member(root, "eventSource", true, 1024, &f->source, err) ||
        str_member(root, "eventName", true, 1024, &f->name, err) ||
        str_member(root, "awsRegion", true, 31, &f->region, err) ||
        str_member(root, "eventID", true, 36, &f->id, err) ||
        str_member(root, "eventType", true, 128, &f->type, err) ||
        str_member(root, "recipientAccountId", true, 12, &f->recipient, err))
        return OT_EINVAL;
    if (ot_json_get(root, "userIdentity", &ident) != OT_OK)
        return ot_field_fail(err, "FieldNotFound", "Required field userIdentity is missing");
    if (ot_json_typeof(ident) != OT_JSON_OBJECT)
        return ot_field_fail(err, "InvalidData", "Field userIdentity must be a JSON object");
    if (str_member(ident, "arn", false, 2048, &f->user_arn, err))
        return OT_EINVAL;
    if (ot_time_parse_iso8601(f->time, &ms))
        return ot_field_fail(err, "InvalidData", "eventTime must be yyyy-MM-ddTHH:mm:ssZ, got '%.64s'",
                    f->time);
    if (!ot_region_valid(f->region))
        return ot_field_fail(err, "InvalidData", "awsRegion '%.31s' is not a region name", f->region);
    if (!charset(f->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"))
        return ot_field_fail(err, "InvalidData", "eventID must be at most 36 characters of [-A-Za-z0-9]");
    if (strcmp(f->recipient, ctx->account_id))
        return ot_field_fail(err, "InvalidRecipient",
                    "recipientAccountId %.12s does not match the channel owner %s", f->recipient,
                    ctx->account_id);
    return OT_OK;
}

/* eventCategory Management or Data (older records: managementEvent false means Data). */
static int check_category(ot_json root, record_facts *f, ot_activity_error *err)
{
    const char *cat;
    if (str_member(root, "eventCategory", false, 32, &cat, err))
        return OT_EINVAL;
    bool mgmt = true;
    ot_json v;
    if (ot_json_get(root, "managementEvent", &v) == OT_OK && ot_json_typeof(v) != OT_JSON_NULL &&
        ot_json_bool(v, &mgmt))
        return ot_field_fail(err, "InvalidData", "Field managementEvent must be a boolean");
    if (!cat)
        f->category = mgmt ? OT_CAT_MANAGEMENT : OT_CAT_DATA;
    else if (!strcmp(cat, "Management"))
        f->category = OT_CAT_MANAGEMENT;
    else if (!strcmp(cat, "Data"))
        f->category = OT_CAT_DATA;
    else
        return ot_field_fail(err, "InvalidData",
                    "eventCategory must be Management or Data for a CloudTrailRecords channel, "
                    "not '%.32s'", cat);
    return OT_OK;
}

static int check_flags(ot_json root, record_facts *f, ot_activity_error *err)
{
    ot_json v;
    bool b;
    f->rw = OT_RW_UNKNOWN;
    if (ot_json_get(root, "readOnly", &v) == OT_OK && ot_json_typeof(v) != OT_JSON_NULL) {
        if (ot_json_bool(v, &b))
            return ot_field_fail(err, "InvalidData", "Field readOnly must be a boolean");
        f->rw = b ? OT_RW_READ : OT_RW_WRITE;
    }
    f->console = OT_CONSOLE_ABSENT;
    if (ot_json_get(root, "sessionCredentialFromConsole", &v) == OT_OK &&
        ot_json_typeof(v) != OT_JSON_NULL) {
        const char *s;
        size_t n;
        if (ot_json_typeof(v) == OT_JSON_BOOL)
            ot_json_bool(v, &b);
        else if (ot_json_str(v, &s, &n) == OT_OK && (!strcmp(s, "true") || !strcmp(s, "false")))
            b = !strcmp(s, "true");
        else
            return ot_field_fail(err, "InvalidData", "sessionCredentialFromConsole must be true or false");
        f->console = b ? OT_CONSOLE_TRUE : OT_CONSOLE_FALSE;
    }
    return str_member(root, "errorCode", false, 256, &f->error_code, err);
}

static int check_resources(ot_json root, record_facts *f, ot_activity_error *err)
{
    ot_json list, r;
    f->nres = 0;
    if (ot_json_get(root, "resources", &list) != OT_OK || ot_json_typeof(list) == OT_JSON_NULL)
        return OT_OK;
    if (ot_json_typeof(list) != OT_JSON_ARRAY)
        return ot_field_fail(err, "InvalidData", "Field resources must be a list");
    if (ot_json_count(list) > OT_RECORD_MAX_RESOURCES)
        return ot_field_fail(err, "InvalidData", "A record may name at most %d resources",
                    OT_RECORD_MAX_RESOURCES);
    ot_json_iter it;
    ot_json_array_iter(list, &it);
    while (ot_json_array_next(&it, &r)) {
        const char *type, *arn;
        if (ot_json_typeof(r) != OT_JSON_OBJECT)
            return ot_field_fail(err, "InvalidData", "Each entry of resources must be an object");
        if (str_member(r, "type", false, 256, &type, err) ||
            str_member(r, "ARN", false, 2048, &arn, err))
            return OT_EINVAL;
        if (arn)
            f->res[f->nres++] = (ot_event_resource){type ? type : "", arn};
    }
    return OT_OK;
}

static int encode(const record_facts *f, const ot_activity_ctx *ctx, const ot_buf *json,
                  ot_buf *payloads, ot_activity_error *err)
{
    ot_event e = {.ingest_ms = ctx->ingest_ms, .category = f->category, .rw = f->rw,
                  .account_id = f->recipient, .region = f->region, .event_source = f->source,
                  .event_name = f->name, .event_id = f->id, .channel_arn = "",
                  .json = json->data, .json_len = json->len, .event_type = f->type,
                  .user_arn = f->user_arn, .error_code = f->error_code, .console = f->console,
                  .resources = f->res, .nresources = f->nres};
    if (ot_event_encode(&e, payloads))
        return ot_field_fail(err, "InternalFailure", "out of memory");
    return OT_OK;
}

int ot_record_ingest(ot_json_doc *doc, const char *event_data, size_t len, const char *checksum,
                     const ot_activity_ctx *ctx, ot_buf *scratch, ot_buf *payloads,
                     char event_id[37], ot_activity_error *err)
{
    ot_json root;
    if (ot_field_parse_event(doc, event_data, len, checksum, &root, err))
        return OT_EINVAL;
    record_facts f;
    memset(&f, 0, sizeof f);
    if (check_required(root, ctx, &f, err) || check_category(root, &f, err) ||
        check_flags(root, &f, err) || check_resources(root, &f, err))
        return OT_EINVAL;
    ot_buf_reset(scratch);
    if (ot_json_write(root, scratch))
        return ot_field_fail(err, "InternalFailure", "could not encode the record");
    if (encode(&f, ctx, scratch, payloads, err))
        return OT_EINVAL;
    snprintf(event_id, 37, "%s", f.id);
    return OT_OK;
}
