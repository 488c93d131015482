/* api_data.c — CloudTrail Data (rest-json): POST /PutAuditEvents?channelArn=...
 *
 * Every event is validated on its own; the valid ones are written to the WAL in one append and
 * acknowledged (in `successful`) only once that append is durable. Invalid ones are listed in
 * `failed` with the per-event error codes of the model. Request-level problems (unknown channel,
 * duplicate ids, > 100 events, > 1 MB) reject the whole request and store nothing. */
#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_data.h"
#include "api/aws_error.h"
#include "api/api.h"
#include "event/activity.h"
#include "event/record_ingest.h"
#include "event/event.h"
#include "trail/trail.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/region.h"
#include "util/timeutil.h"
#include "wal/wal.h"

#define DATA_MAX_EVENTS OT_DATA_MAX_EVENTS
#define DATA_MAX_REQUEST (1024 * 1024)

OT_COUNTER_L(m_events, "opentrail_ingest_events_total",
             "Events sent with PutAuditEvents: accepted (durable in the WAL) or rejected (in "
             "the answer's Failed list).",
             OT_LABELS("result"));

static bool id_valid(const char *id, size_t n)
{
    if (n < 1 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* A channel ARN (arn:aws:cloudtrail:<region>:<12 digits>:channel/<id>) or a bare id. */
static bool channel_ref_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 256)
        return false;
    if (strncmp(s, "arn:", 4))
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
    regex_t re;
    if (regcomp(&re, "^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]{1,31}):[0-9]{12}:channel/[A-Za-z0-9_-]+$",
                REG_EXTENDED))
        return false;
    regmatch_t m[2];
    bool ok = regexec(&re, s, 2, m, 0) == 0;
    regfree(&re);
    char region[32];
    if (ok)
        snprintf(region, sizeof region, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), s + m[1].rm_so);
    return ok && ot_region_valid(region);
}

static void write_result(ot_resp *resp, const ot_audit_item *items, size_t n)
{
    ot_buf_reset(&resp->body);
    ot_jw w;
    ot_jw_init(&w, &resp->body);
    ot_jw_obj(&w);
    ot_jw_key(&w, "successful");
    ot_jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        if (items[i].error_code)
            continue;
        ot_jw_obj(&w);
        ot_jw_key(&w, "id");
        ot_jw_strn(&w, items[i].id, items[i].id_len);
        ot_jw_kstr(&w, "eventID", items[i].event_id);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    ot_jw_key(&w, "failed");
    ot_jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        if (!items[i].error_code)
            continue;
        ot_jw_obj(&w);
        ot_jw_key(&w, "id");
        ot_jw_strn(&w, items[i].id, items[i].id_len);
        ot_jw_kstr(&w, "errorCode", items[i].error_code);
        ot_jw_kstr(&w, "errorMessage", items[i].error_message);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    ot_jw_end(&w);
    snprintf(resp->content_type, sizeof resp->content_type, "application/json");
}

/* Reads the auditEvents array into items; request-level errors are answered here. */
static int read_items(ot_json root, ot_resp *resp, ot_audit_item *items, size_t *n)
{
    ot_json arr, ev;
    if (ot_json_typeof(root) != OT_JSON_OBJECT || ot_json_get(root, "auditEvents", &arr) ||
        ot_json_typeof(arr) != OT_JSON_ARRAY) {
        ot_aws_json_error(resp, 400, "ValidationException",
                          "The request body must be {\"auditEvents\":[...]}.");
        return OT_EINVAL;
    }
    size_t count = ot_json_count(arr);
    if (count < 1 || count > DATA_MAX_EVENTS) {
        ot_aws_json_error(resp, 400, "ValidationException",
                          "auditEvents must hold 1 to %d events; got %zu.", DATA_MAX_EVENTS, count);
        return OT_EINVAL;
    }
    ot_json_iter it;
    ot_json_array_iter(arr, &it);
    *n = 0;
    while (ot_json_array_next(&it, &ev)) {
        ot_audit_item *item = &items[(*n)++];
        memset(item, 0, sizeof *item);
        if (ot_json_typeof(ev) != OT_JSON_OBJECT ||
            ot_json_get_str(ev, "id", &item->id, &item->id_len)) {
            ot_aws_json_error(resp, 400, "ValidationException",
                              "Each audit event must be an object with a string id.");
            return OT_EINVAL;
        }
        for (size_t j = 0; j + 1 < *n; j++)
            if (items[j].id_len == item->id_len && !memcmp(items[j].id, item->id, item->id_len)) {
                ot_aws_json_error(resp, 400, "DuplicatedAuditEventId",
                                  "Audit event id %.*s appears more than once in the request.",
                                  (int)(item->id_len > 128 ? 128 : item->id_len), item->id);
                return OT_EINVAL;
            }
    }
    return OT_OK;
}

/* One event of a Custom channel: an ActivityAuditLog record routed to the channel's
 * destinations. */
static int activity_event(ot_json_doc *doc, const char *data, size_t len, const char *sum,
                          const ot_activity_ctx *actx, ot_audit_item *item, ot_buf *record,
                          ot_buf *payloads, ot_activity_error *err)
{
    ot_buf_reset(record);
    if (ot_activity_record(doc, data, len, sum, actx, item->event_id, record, err))
        return OT_EINVAL;
    ot_event e = {.ingest_ms = actx->ingest_ms, .category = OT_CAT_ACTIVITY,
                  .rw = OT_RW_UNKNOWN, .account_id = actx->account_id,
                  .region = actx->region, .event_source = "", .event_name = "",
                  .event_id = item->event_id, .channel_arn = actx->channel_arn,
                  .json = record->data, .json_len = record->len};
    if (ot_event_encode(&e, payloads)) {
        err->code = "InternalFailure";
        snprintf(err->message, sizeof err->message, "out of memory");
        return OT_ENOMEM;
    }
    return OT_OK;
}

/* Turns each event into a WAL payload in payloads, or marks it failed. records: the channel
 * takes complete CloudTrail records (Source CloudTrailRecords), routed by trail selectors. */
static void build_events(ot_json root, const ot_activity_ctx *actx, bool records,
                         ot_audit_item *items, size_t n, ot_buf *payloads)
{
    ot_json arr, ev, v;
    ot_json_get(root, "auditEvents", &arr);
    ot_json_iter it;
    ot_json_array_iter(arr, &it);
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf record;
    ot_buf_init(&record, 0);
    for (size_t i = 0; i < n && ot_json_array_next(&it, &ev); i++) {
        ot_audit_item *item = &items[i];
        const char *data, *sum = NULL;
        size_t data_len, sum_len;
        ot_activity_error err = {0};
        if (!id_valid(item->id, item->id_len)) {
            item->error_code = "InvalidData";
            snprintf(item->error_message, sizeof item->error_message,
                     "id must be 1-128 characters of [-_A-Za-z0-9]");
            continue;
        }
        if (ot_json_get_str(ev, "eventData", &data, &data_len)) {
            item->error_code = ot_json_get(ev, "eventData", &v) ? "FieldNotFound" : "InvalidData";
            snprintf(item->error_message, sizeof item->error_message,
                     "eventData must be a string holding the event's JSON");
            continue;
        }
        if (ot_json_get(ev, "eventDataChecksum", &v) == OT_OK &&
            ot_json_typeof(v) != OT_JSON_NULL && ot_json_str(v, &sum, &sum_len)) {
            item->error_code = "InvalidData";
            snprintf(item->error_message, sizeof item->error_message,
                     "eventDataChecksum must be a string");
            continue;
        }
        item->payload_off = payloads->len;
        int rc = !doc ? OT_ENOMEM
                 : records ? ot_record_ingest(doc, data, data_len, sum, actx, &record, payloads,
                                              item->event_id, &err)
                           : activity_event(doc, data, data_len, sum, actx, item, &record,
                                            payloads, &err);
        if (rc) {
            item->error_code = doc ? err.code : "InternalFailure";
            snprintf(item->error_message, sizeof item->error_message, "%s",
                     doc ? err.message : "out of memory");
            continue;
        }
        item->payload_len = payloads->len - item->payload_off;
    }
    ot_buf_free(&record);
    ot_json_doc_free(doc);
}

int ot_data_read_events(ot_json_doc *doc, const char *body, size_t len,
                        const ot_activity_ctx *actx, bool records, ot_audit_item *items,
                        size_t *n, ot_buf *payloads, ot_resp *resp)
{
    ot_json root;
    char why[128];
    *n = 0;
    if (ot_json_parse(doc, body, len, true, &root, why, sizeof why)) {
        ot_aws_json_error(resp, 400, "SerializationException",
                          "The request body is not valid JSON: %s.", why);
        return OT_EINVAL;
    }
    if (read_items(root, resp, items, n))
        return OT_EINVAL;
    build_events(root, actx, records, items, *n, payloads);
    return OT_OK;
}

static void count_events(const ot_audit_item *items, size_t n)
{
    static _Atomic(ot_metric_series *) accepted, rejected;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += items[i].error_code != NULL;
    ot_series_add(ot_metric_cached(&m_events, &accepted, OT_VALUES("accepted")), n - bad);
    ot_series_add(ot_metric_cached(&m_events, &rejected, OT_VALUES("rejected")), bad);
}

static int append_to_wal(ot_api *srv, ot_audit_item *items, size_t n, const ot_buf *payloads)
{
    const void *ptrs[DATA_MAX_EVENTS];
    size_t lens[DATA_MAX_EVENTS];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].error_code)
            continue;
        ptrs[k] = payloads->data + items[i].payload_off;
        lens[k++] = items[i].payload_len;
    }
    if (!k)
        return OT_OK;
    uint64_t lsn;
    return ot_wal_append(srv->wal, ptrs, lens, k, &lsn);
}

/* Records the request's last event as the channel's latest ingestion (GetChannel's
 * IngestionStatus). state.db writes are fsynced, so on the ingest hot path a channel is noted
 * at most once a second: the status may trail the truth by up to a second. */
static void note_ingestion(ot_api *srv, const ot_channel *ch, const ot_audit_item *items,
                           size_t n)
{
    enum { SLOTS = 32, EVERY_MS = 1000 };
    static struct { char arn[160]; int64_t at; } recent[SLOTS];
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int64_t now = ot_now_ms();
    size_t slot = 0;
    for (const char *p = ch->arn; *p; p++)
        slot = slot * 31 + (unsigned char)*p;
    slot %= SLOTS;
    pthread_mutex_lock(&mu);
    bool due = strcmp(recent[slot].arn, ch->arn) || now - recent[slot].at >= EVERY_MS;
    if (due) {
        snprintf(recent[slot].arn, sizeof recent[slot].arn, "%s", ch->arn);
        recent[slot].at = now;
    }
    pthread_mutex_unlock(&mu);
    if (!due || !n)
        return;
    const ot_audit_item *last = &items[n - 1];
    ot_channel_note_ingestion(srv->trails, ch->arn, now, last->error_code ? "" : last->event_id,
                              last->error_code);
}

/* Resolves the channel and checks the caller may write to it. */
static int find_channel(ot_api *srv, const ot_req *req, ot_resp *resp, ot_channel *ch)
{
    char ref[512];
    int rc = ot_req_query(req, "channelArn", ref, sizeof ref);
    if (rc || !channel_ref_valid(ref)) {
        ot_aws_json_error(resp, 400, "InvalidChannelARN",
                          rc == OT_ENOTFOUND ? "channelArn is required."
                                             : "The channel ARN is not valid.");
        return OT_EINVAL;
    }
    if (ot_channel_get(srv->trails, ref, ch)) {
        ot_aws_json_error(resp, 404, "ChannelNotFound", "Channel %s was not found.", ref);
        return OT_ENOTFOUND;
    }
    if (strcmp(ch->account_id, req->principal.account_id)) {
        ot_aws_json_error(resp, 403, "ChannelInsufficientPermission",
                          "Account %s may not put events to channel %s.",
                          req->principal.account_id, ch->arn);
        ot_channel_free(ch);
        return OT_EINVAL;
    }
    return OT_OK;
}

static void put_audit_events(ot_api *srv, const ot_req *req, ot_resp *resp)
{
    if (req->body_len > DATA_MAX_REQUEST) {
        ot_aws_json_error(resp, 413, "ValidationException",
                          "The request is %zu bytes; PutAuditEvents accepts at most 1 MB.",
                          req->body_len);
        return;
    }
    ot_channel ch;
    if (find_channel(srv, req, resp, &ch))
        return;
    ot_json_doc *doc = ot_json_doc_new();
    ot_audit_item *items = calloc(DATA_MAX_EVENTS, sizeof *items);
    ot_buf payloads;
    ot_buf_init(&payloads, 0);
    size_t n = 0;
    ot_activity_ctx actx = {.region = req->region, .account_id = ch.account_id,
                            .channel_arn = ch.arn, .ingest_ms = ot_now_ms()};
    if (!doc || !items) {
        ot_aws_json_error(resp, 500, "InternalFailure", "out of memory");
    } else if (ot_data_read_events(doc, req->body, req->body_len, &actx,
                                   !strcmp(ch.source, OT_RECORDS_SOURCE), items, &n, &payloads,
                                   resp) == OT_OK) {
        int rc = append_to_wal(srv, items, n, &payloads);
        if (rc) {
            ot_error("PutAuditEvents: WAL append failed: %s", ot_strerror(rc));
            ot_aws_json_error(resp, 500, "InternalFailure",
                              "The events could not be stored durably; nothing was acknowledged. Retry.");
        } else {
            write_result(resp, items, n);
            count_events(items, n);
            note_ingestion(srv, &ch, items, n);
        }
    }
    ot_buf_free(&payloads);
    free(items);
    ot_json_doc_free(doc);
    ot_channel_free(&ch);
}

void ot_cloudtrail_data_handle(ot_api *srv, const ot_req *req, ot_resp *resp,
                               const char **operation)
{
    *operation = NULL; /* ingestion is the data itself; it is not audited as a call */
    if (!strcmp(req->raw_path, "/PutAuditEvents") && !strcmp(req->method, "POST")) {
        /* Named for the access log and the request metrics, but not audited as a call. */
        *operation = "PutAuditEvents";
        resp->skip_audit = true;
        put_audit_events(srv, req, resp);
        return;
    }
    ot_aws_json_error(resp, 404, "UnknownOperationException",
                      "CloudTrail Data supports POST /PutAuditEvents only; got %s %s.",
                      req->method, req->raw_path);
}
