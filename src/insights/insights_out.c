/* insights_out.c — writing queued Insights events out, each at least once:
 *   1. into the trail's bucket as a gzipped {"Records":[...]} file per (trail, account,
 *      region) under CloudTrail-Insight/, named as delivery names log files, then
 *   2. into the WAL as Insight events (the history indexes them for LookupEvents
 *      EventCategory=insight; rules and every other reader see them there); in this order, so
 *      an event LookupEvents shows is in the bucket already (unless writing it failed).
 * A row is deleted once both are done. Their IDs are digests of the anomaly, so writing one
 * again after a crash repeats the same record (the history keeps one copy per eventID). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver/deliver.h"
#include "event/event.h"
#include "insights/insights_int.h"
#include "store/store.h"
#include "util/err.h"
#include "util/gzip.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/vec.h"
#include "wal/wal.h"

OT_COUNTER(m_files, "opentrail_insights_files_total",
           "Insights files written under CloudTrail-Insight/ in the trails' buckets.");

/* Appends the WAL payload of one queued record to payloads. */
static int encode_row(ot_insights *in, const ins_outbox_row *r, ot_buf *payloads)
{
    ot_json root, details;
    char id[40], source[256], name[256];
    size_t len = strlen(r->record);
    if (ot_json_parse(in->doc, r->record, len, false, &root, NULL, 0) ||
        ot_json_get(root, "insightDetails", &details))
        return OT_EINVAL;
    (void)ot_json_get_strbuf(root, "eventID", id, sizeof id);
    (void)ot_json_get_strbuf(details, "eventSource", source, sizeof source);
    (void)ot_json_get_strbuf(details, "eventName", name, sizeof name);
    ot_event e = {.ingest_ms = ins_now_ms(in),
                  .category = OT_CAT_INSIGHT,
                  .rw = OT_RW_UNKNOWN,
                  .account_id = r->account,
                  .region = r->region,
                  .event_source = source,
                  .event_name = name,
                  .event_id = id,
                  .channel_arn = "",
                  .json = r->record,
                  .json_len = len,
                  .event_type = "AwsCloudTrailInsight",
                  .user_arn = "",
                  .error_code = ""};
    return ot_event_encode(&e, payloads);
}

static int append_rows(ot_insights *in, const ins_outbox_row *v, size_t n)
{
    ot_buf payloads;
    ot_buf_init(&payloads, 0);
    size_t *ends = malloc(n * sizeof *ends), *lens = malloc(n * sizeof *lens);
    const void **ptrs = malloc(n * sizeof *ptrs);
    int rc = ends && lens && ptrs ? OT_OK : OT_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = encode_row(in, &v[i], &payloads);
        ends[i] = payloads.len;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        size_t start = i ? ends[i - 1] : 0;
        ptrs[i] = payloads.data + start;
        lens[i] = ends[i] - start;
    }
    uint64_t first;
    if (!rc)
        rc = ot_wal_append(in->o.wal, ptrs, lens, n, &first);
    free(ends);
    free(lens);
    free(ptrs);
    ot_buf_free(&payloads);
    return rc;
}

static int to_wal(ot_insights *in)
{
    ins_outbox_row *v = NULL;
    size_t n = 0;
    int rc = ins_db_outbox(&in->db, false, &v, &n);
    int64_t *ids = n ? malloc(n * sizeof *ids) : NULL;
    if (!rc && n && !ids)
        rc = OT_ENOMEM;
    if (!rc && n)
        rc = append_rows(in, v, n);
    for (size_t i = 0; !rc && i < n; i++)
        ids[i] = v[i].id;
    if (!rc && n)
        rc = ins_db_outbox_mark(&in->db, true, ids, n);
    if (rc)
        ot_warn("insights: Insights events not recorded yet (retried): %s", ot_strerror(rc));
    free(ids);
    ins_outbox_free(v, n);
    return rc;
}

static bool same_file(const ins_outbox_row *a, const ins_outbox_row *b)
{
    return !strcmp(a->trail, b->trail) && !strcmp(a->account, b->account) &&
           !strcmp(a->region, b->region);
}

/* Writes v[0..n) (one trail, account and region) as one file. */
static int write_file(ot_insights *in, const ot_trail *t, const ins_outbox_row *v, size_t n)
{
    ot_buf_reset(&in->rec);
    int rc = ot_buf_puts(&in->rec, "{\"Records\":[");
    for (size_t i = 0; !rc && i < n; i++)
        rc = (i ? ot_buf_putc(&in->rec, ',') : 0) || ot_buf_puts(&in->rec, v[i].record)
                 ? OT_ENOMEM
                 : OT_OK;
    if (!rc)
        rc = ot_buf_puts(&in->rec, "]}");
    ot_buf_reset(&in->gz);
    if (!rc)
        rc = ot_gzip(in->rec.data, in->rec.len, &in->gz);
    char key[OT_DELIVER_KEY_MAX + 1];
    if (!rc)
        rc = ot_deliver_file_key(t, OT_DELIVER_KIND_INSIGHTS, v[0].account, v[0].region,
                                 ins_now_ms(in), (uint64_t)v[0].id, (uint64_t)v[n - 1].id, key,
                                 sizeof key);
    ot_object_info info = {0};
    snprintf(info.content_type, sizeof info.content_type, "application/x-gzip");
    if (!rc)
        rc = ot_store_put(in->o.store, t->bucket, key, in->gz.data, in->gz.len, &info);
    if (rc)
        ot_warn("insights: writing the Insights file of %s to s3://%s failed (retried): %s",
                t->arn, t->bucket, ot_strerror(rc));
    else {
        atomic_fetch_add(&in->files, 1);
        ot_metric_inc(&m_files);
    }
    return rc;
}

/* One group: written, or dropped when its trail is gone. */
static int deliver_group(ot_insights *in, const ins_outbox_row *v, size_t n)
{
    ot_trail t;
    int rc = ot_trail_get_by_arn(in->o.trails, v[0].trail, &t);
    if (rc == OT_ENOTFOUND) {
        ot_warn("insights: trail %s is gone; its %zu Insights events are not delivered",
                v[0].trail, n);
        rc = OT_OK;
    } else if (!rc) {
        rc = write_file(in, &t, v, n);
    }
    int64_t *ids = malloc(n * sizeof *ids);
    if (!rc && !ids)
        rc = OT_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        ids[i] = v[i].id;
    if (!rc)
        rc = ins_db_outbox_mark(&in->db, false, ids, n);
    free(ids);
    return rc;
}

static int to_buckets(ot_insights *in)
{
    ins_outbox_row *v = NULL;
    size_t n = 0;
    int rc = ins_db_outbox(&in->db, true, &v, &n);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && same_file(&v[i], &v[j]); j++)
            ;
        int r = deliver_group(in, v + i, j - i);
        rc = rc ? rc : r;
    }
    ins_outbox_free(v, n);
    return rc;
}

void ins_out_flush(ot_insights *in)
{
    int64_t now = ins_now_ms(in);
    if (now < in->out_retry_ms)
        return;
    int rb = to_buckets(in); /* first: what LookupEvents shows is in the bucket already */
    int rc = to_wal(in);
    in->out_retry_ms = rc || rb ? now + INS_RETRY_MS : 0;
}
