/* activity.c — validate a channel event's eventData and write its CloudTrail record. */
#include "event/activity.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "event/event_fields.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

/* A string member: required or not, at most max bytes. *s is NULL when absent and optional. */
static int get_string(ot_json obj, const char *key, bool required, size_t max, const char **s,
                      size_t *n, ot_activity_error *err)
{
    *s = NULL;
    *n = 0;
    int rc = ot_json_get_str(obj, key, s, n);
    if (rc == OT_ENOTFOUND)
        return required ? ot_field_fail(err, "FieldNotFound", "Required field %s is missing", key)
                        : OT_OK;
    if (rc)
        return ot_field_fail(err, "InvalidData", "Field %s must be a string", key);
    if (*n > max)
        return ot_field_fail(err, "FieldTooLong", "Field %s exceeds %zu characters", key, max);
    return OT_OK;
}

/* An object member (may be absent or null), whose compact JSON is at most max bytes. */
static int get_object(ot_json obj, const char *key, ot_json *out, bool *present,
                      ot_activity_error *err)
{
    *present = false;
    int rc = ot_json_get(obj, key, out);
    if (rc == OT_ENOTFOUND || (rc == OT_OK && ot_json_typeof(*out) == OT_JSON_NULL))
        return OT_OK;
    if (ot_json_typeof(*out) != OT_JSON_OBJECT)
        return ot_field_fail(err, "InvalidData", "Field %s must be a JSON object", key);
    *present = true;
    return OT_OK;
}

typedef struct activity_fields {
    const char *version, *event_source, *event_name, *event_time, *uid, *recipient;
    const char *user_agent, *error_code, *error_message, *source_ip;
    size_t version_n, event_source_n, event_name_n, event_time_n, uid_n, recipient_n;
    size_t user_agent_n, error_code_n, error_message_n, source_ip_n;
    ot_json identity, request_parameters, response_elements, additional;
    bool has_request_parameters, has_response_elements, has_additional;
    int64_t event_time_ms;
} activity_fields;

static int check_identity(ot_json root, activity_fields *f, ot_activity_error *err)
{
    if (ot_json_get(root, "userIdentity", &f->identity) != OT_OK)
        return ot_field_fail(err, "FieldNotFound", "Required field userIdentity is missing");
    if (ot_json_typeof(f->identity) != OT_JSON_OBJECT)
        return ot_field_fail(err, "InvalidData", "Field userIdentity must be a JSON object");
    const char *s;
    size_t n;
    if (get_string(f->identity, "type", true, 128, &s, &n, err) ||
        get_string(f->identity, "principalId", true, 1024, &s, &n, err))
        return OT_EINVAL;
    ot_json details;
    bool present;
    return get_object(f->identity, "details", &details, &present, err);
}

static int check_fields(ot_json root, const ot_activity_ctx *ctx, activity_fields *f,
                        ot_activity_error *err)
{
    if (get_string(root, "version", true, 256, &f->version, &f->version_n, err) ||
        check_identity(root, f, err) ||
        get_string(root, "userAgent", false, 1024, &f->user_agent, &f->user_agent_n, err) ||
        get_string(root, "eventSource", true, 1024, &f->event_source, &f->event_source_n, err) ||
        get_string(root, "eventName", true, 1024, &f->event_name, &f->event_name_n, err) ||
        get_string(root, "eventTime", true, 64, &f->event_time, &f->event_time_n, err) ||
        get_string(root, "UID", true, 1024, &f->uid, &f->uid_n, err) ||
        get_string(root, "errorCode", false, 256, &f->error_code, &f->error_code_n, err) ||
        get_string(root, "errorMessage", false, 256, &f->error_message, &f->error_message_n, err) ||
        get_string(root, "sourceIPAddress", false, 64, &f->source_ip, &f->source_ip_n, err) ||
        get_string(root, "recipientAccountId", true, 12, &f->recipient, &f->recipient_n, err) ||
        get_object(root, "requestParameters", &f->request_parameters, &f->has_request_parameters,
                   err) ||
        get_object(root, "responseElements", &f->response_elements, &f->has_response_elements,
                   err) ||
        get_object(root, "additionalEventData", &f->additional, &f->has_additional, err))
        return OT_EINVAL;
    if (ot_time_parse_iso8601(f->event_time, &f->event_time_ms))
        return ot_field_fail(err, "InvalidData",
                             "eventTime must be yyyy-MM-ddTHH:mm:ss in UTC, got '%.64s'",
                    f->event_time);
    if (f->source_ip) {
        unsigned char addr[16];
        /* the whole string: inet_pton would stop at an embedded NUL ("10.0.0.1\u0000...") */
        if (strlen(f->source_ip) != f->source_ip_n ||
            (inet_pton(AF_INET, f->source_ip, addr) != 1 &&
             inet_pton(AF_INET6, f->source_ip, addr) != 1))
            return ot_field_fail(err, "InvalidData",
                                 "sourceIPAddress must be an IPv4 or IPv6 address");
    }
    if (strcmp(f->recipient, ctx->account_id))
        return ot_field_fail(err, "InvalidRecipient",
                    "recipientAccountId %.12s does not match the channel owner %s", f->recipient,
                    ctx->account_id);
    return OT_OK;
}

/* Writes a sub-object verbatim; enforces the size cap CloudTrail documents for it. */
static int write_object(ot_jw *w, const char *key, ot_json v, bool present, size_t max,
                        ot_activity_error *err)
{
    ot_jw_key(w, key);
    if (!present) {
        ot_jw_null(w);
        return OT_OK;
    }
    ot_jw_begin_value(w);
    size_t before = w->b->len;
    if (ot_json_write(v, w->b))
        return ot_field_fail(err, "InternalFailure", "out of memory");
    if (w->b->len - before > max)
        return ot_field_fail(err, "FieldTooLong", "Field %s exceeds %zu bytes", key, max);
    return OT_OK;
}

/* A string member written only when the caller gave it. */
static void opt_strn(ot_jw *w, const char *key, const char *s, size_t n)
{
    if (s) {
        ot_jw_key(w, key);
        ot_jw_strn(w, s, n);
    }
}

static int write_record(const activity_fields *f, const ot_activity_ctx *ctx,
                        const char *event_id, ot_buf *out, ot_activity_error *err)
{
    char when[32], ingested[32];
    ot_time_iso8601(f->event_time_ms, when);
    ot_time_iso8601(ctx->ingest_ms, ingested);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "eventVersion", "1.11");
    if (write_object(&w, "userIdentity", f->identity, true, SIZE_MAX, err))
        return OT_EINVAL;
    ot_jw_kstr(&w, "eventTime", when);
    ot_jw_key(&w, "eventSource");
    ot_jw_strn(&w, f->event_source, f->event_source_n);
    ot_jw_key(&w, "eventName");
    ot_jw_strn(&w, f->event_name, f->event_name_n);
    ot_jw_kstr(&w, "awsRegion", ctx->region);
    opt_strn(&w, "sourceIPAddress", f->source_ip, f->source_ip_n);
    opt_strn(&w, "userAgent", f->user_agent, f->user_agent_n);
    opt_strn(&w, "errorCode", f->error_code, f->error_code_n);
    opt_strn(&w, "errorMessage", f->error_message, f->error_message_n);
    if (write_object(&w, "requestParameters", f->request_parameters, f->has_request_parameters,
                     100 * 1024, err) ||
        write_object(&w, "responseElements", f->response_elements, f->has_response_elements,
                     100 * 1024, err))
        return OT_EINVAL;
    if (f->has_additional &&
        write_object(&w, "additionalEventData", f->additional, true, 28 * 1024, err))
        return OT_EINVAL;
    ot_jw_key(&w, "requestID");
    ot_jw_strn(&w, f->uid, f->uid_n);
    ot_jw_kstr(&w, "eventID", event_id);
    ot_jw_kstr(&w, "eventType", "ActivityLog");
    ot_jw_kstr(&w, "recipientAccountId", ctx->account_id);
    ot_jw_kstr(&w, "eventCategory", "ActivityAuditLog");
    ot_jw_key(&w, "metadata");
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "ingestionTime", ingested);
    ot_jw_kstr(&w, "channelARN", ctx->channel_arn);
    ot_jw_end(&w);
    ot_jw_end(&w);
    if (ot_jw_error(&w))
        return ot_field_fail(err, "InternalFailure", "could not encode the record");
    return OT_OK;
}

int ot_activity_record(ot_json_doc *doc, const char *event_data, size_t len, const char *checksum,
                       const ot_activity_ctx *ctx, char event_id[37], ot_buf *out,
                       ot_activity_error *err)
{
    ot_json root;
    if (ot_field_parse_event(doc, event_data, len, checksum, &root, err))
        return OT_EINVAL;
    activity_fields f;
    memset(&f, 0, sizeof f);
    if (check_fields(root, ctx, &f, err))
        return OT_EINVAL;
    ot_uuid4(event_id);
    size_t mark = out->len;
    if (write_record(&f, ctx, event_id, out, err)) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
        return OT_EINVAL;
    }
    return OT_OK;
}
