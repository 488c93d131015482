/* runbook_target.c — a rule's runbook target (docs/rules.md "Runbook targets"): the router's
 * dispatcher offers the CloudTrail record of a matched event to the named runbook, which acts
 * on it exactly as when its own trigger fires. The incident store keeps one incident per
 * (runbook, trigger event), so a record acted on by the runbook's reader and by a rule gives
 * one incident; the per-runbook lock (respond_int.h) keeps the two runs from interleaving. */
#include <stdio.h>
#include <string.h>

#include "respond/respond_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "wal/wal.h"

/* The routing facts of a record the WAL header would carry, from the record itself. */
typedef struct record_facts {
    char id[128], name[128], source[128], account[16], region[32], error[128], type[32];
} record_facts;

static uint8_t category_of(ot_json rec)
{
    char cat[32];
    (void)ot_json_get_strbuf(rec, "eventCategory", cat, sizeof cat);
    return !strcmp(cat, "Data") ? OT_CAT_DATA
           : !strcmp(cat, "Insight") ? OT_CAT_INSIGHT
                                     : OT_CAT_MANAGEMENT;
}

/* The envelope's detail (the record) into json and its facts into ev. */
static int read_record(ot_json_doc *doc, const char *envelope, size_t len, ot_buf *json,
                       record_facts *f, ot_event *ev)
{
    ot_json root, rec;
    if (ot_json_parse(doc, envelope, len, false, &root, NULL, 0) ||
        ot_json_get(root, "detail", &rec) || ot_json_typeof(rec) != OT_JSON_OBJECT)
        return OT_EINVAL;
    (void)ot_json_get_strbuf(rec, "eventID", f->id, sizeof f->id);
    (void)ot_json_get_strbuf(rec, "eventName", f->name, sizeof f->name);
    (void)ot_json_get_strbuf(rec, "eventSource", f->source, sizeof f->source);
    (void)ot_json_get_strbuf(rec, "recipientAccountId", f->account, sizeof f->account);
    (void)ot_json_get_strbuf(rec, "awsRegion", f->region, sizeof f->region);
    (void)ot_json_get_strbuf(rec, "errorCode", f->error, sizeof f->error);
    (void)ot_json_get_strbuf(rec, "eventType", f->type, sizeof f->type);
    if (!f->id[0] || !f->name[0] || !f->source[0] || !f->account[0])
        return OT_EINVAL;
    *ev = (ot_event){.category = category_of(rec), .account_id = f->account,
                     .region = f->region, .event_source = f->source, .event_name = f->name,
                     .event_id = f->id, .channel_arn = "", .event_type = f->type,
                     .user_arn = "", .error_code = f->error};
    if (ot_json_write(rec, json))
        return OT_ENOMEM;
    ev->json = json->data;
    ev->json_len = json->len;
    return OT_OK;
}

static int offer(ot_runbooks *rb, const rb_runbook *book, size_t i, const char *envelope,
                 size_t len, int64_t ingest_ms, ot_json_doc *doc, char *err, size_t cap)
{
    ot_buf json;
    ot_buf_init(&json, 0);
    record_facts f;
    ot_event ev;
    int rc = read_record(doc, envelope, len, &json, &f, &ev);
    ev.ingest_ms = ingest_ms;
    if (rc == OT_EINVAL)
        snprintf(err, cap, "the event is not a CloudTrail record (an envelope whose detail has "
                           "eventID, eventName, eventSource and recipientAccountId)");
    else if (!rc && !book->wants(&ev)) {
        snprintf(err, cap, "runbook %s does not act on %s%s %s: its triggers are %s",
                 book->name, f.error[0] ? "a failed " : "", f.source, f.name, book->triggers);
        rc = OT_EINVAL;
    } else if (!rc) {
        /* the record is in the WAL already (the router read it): wait for the history to
         * reach what is durable now, so the incident can name what the history holds */
        rc = rb_offer(rb, i, ot_wal_durable_lsn(rb->srv->wal), &ev, doc, true);
        if (rc) {
            snprintf(err, cap, "runbook %s: the incident was not stored: %s", book->name,
                     ot_strerror(rc));
            rc = OT_EAGAIN;
        }
    }
    ot_buf_free(&json);
    return rc == OT_ENOMEM ? OT_EAGAIN : rc;
}

int rb_run_for_rule(ot_runbooks *rb, const char *name, size_t name_len, const char *envelope,
                    size_t len, int64_t ingest_ms, char *err, size_t cap)
{
    size_t i;
    const rb_runbook *book = rb_runbook_named(name, name_len, &i);
    if (!book) {
        snprintf(err, cap, "opentrail has no runbook %.*s", (int)(name_len < 64 ? name_len : 64),
                 name);
        return OT_EINVAL;
    }
    if (!rb) {
        snprintf(err, cap, "the runbooks are not running");
        return OT_EAGAIN;
    }
    ot_json_doc *doc = ot_json_doc_new();
    if (!doc)
        return OT_EAGAIN;
    int rc = offer(rb, book, i, envelope, len, ingest_ms, doc, err, cap);
    ot_json_doc_free(doc);
    return rc;
}
