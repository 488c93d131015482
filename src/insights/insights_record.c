/* insights_record.c — the Insights event record, in the trail flavour AWS documents:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-insights-fields-trails.html
 * Top-level eventName, eventSource, userIdentity and the like are absent: the API is named in
 * insightDetails. */
#include "insights/insights.h"

#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

#define MINUTE_MS 60000LL

/* A UUID-shaped (version 8, "custom") digest of the subject, the start minute and a tag, so
 * the same anomaly always gets the same IDs. */
static void digest_uuid(const ot_insight_subject *sub, int64_t start_minute, const char *tag,
                        char out[37])
{
    uint8_t msg[4096];
    int n = snprintf((char *)msg, sizeof msg, "%zu:%s|%zu:%s|%zu:%s|%zu:%s|%zu:%s|%d|%lld|%s",
                     strlen(sub->trail_arn), sub->trail_arn, strlen(sub->region), sub->region,
                     strlen(sub->event_source), sub->event_source, strlen(sub->event_name),
                     sub->event_name, strlen(sub->error_code), sub->error_code, (int)sub->type,
                     (long long)start_minute, tag);
    uint8_t h[32];
    ot_sha256(msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg, h);
    h[6] = (uint8_t)((h[6] & 0x0f) | 0x80);
    h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
    char hex[65];
    ot_hex(h, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static void write_statistics(ot_jw *w, const ot_insight_state *s, bool end)
{
    int64_t duration = end ? s->last_minute - s->start_minute + 1 : 1;
    double average = end ? (double)s->calls / (double)duration : (double)s->first_count;
    ot_jw_key(w, "statistics");
    ot_jw_obj(w);
    ot_jw_key(w, "baseline");
    ot_jw_obj(w);
    ot_jw_key(w, "average");
    ot_jw_num(w, s->baseline);
    ot_jw_end(w);
    ot_jw_key(w, "insight");
    ot_jw_obj(w);
    ot_jw_key(w, "average");
    ot_jw_num(w, average);
    ot_jw_end(w);
    ot_jw_kint(w, "insightDuration", duration);
    ot_jw_kint(w, "baselineDuration", s->baseline_minutes);
    ot_jw_end(w);
}

const char *ot_insight_attr_name(ot_insight_attr a)
{
    static const char *const names[] = {"userIdentityArn", "userAgent", "errorCode"};
    return a < OT_INSIGHT_NATTRS ? names[a] : "";
}

static void write_values(ot_jw *w, const char *key, const ot_insight_value *v, size_t n)
{
    ot_jw_key(w, key);
    ot_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "value", v[i].value);
        ot_jw_key(w, "average");
        ot_jw_num(w, v[i].average);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

static void write_attributions(ot_jw *w, const ot_insight_attribution *a, size_t n)
{
    ot_jw_key(w, "attributions");
    ot_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "attribute", ot_insight_attr_name(a[i].attr));
        write_values(w, "insight", a[i].insight, a[i].ninsight);
        write_values(w, "baseline", a[i].baseline, a[i].nbaseline);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

static void write_details(ot_jw *w, const ot_insight_subject *sub, const ot_insight_state *s,
                          bool end, const ot_insight_attribution *attrs, size_t nattrs)
{
    ot_jw_key(w, "insightDetails");
    ot_jw_obj(w);
    ot_jw_kstr(w, "state", end ? "End" : "Start");
    ot_jw_kstr(w, "eventSource", sub->event_source);
    ot_jw_kstr(w, "eventName", sub->event_name);
    ot_jw_kstr(w, "insightType", ot_insight_type_name(sub->type));
    if (sub->type == OT_INSIGHT_ERROR_RATE)
        ot_jw_kstr(w, "errorCode", sub->error_code);
    ot_jw_key(w, "insightContext");
    ot_jw_obj(w);
    write_statistics(w, s, end);
    if (nattrs)
        write_attributions(w, attrs, nattrs);
    ot_jw_end(w);
    ot_jw_end(w);
}

int ot_insight_record(const ot_insight_subject *sub, const ot_insight_state *s, bool end,
                      const ot_insight_attribution *attrs, size_t nattrs, ot_buf *out)
{
    char when[32], event_id[37], shared_id[37];
    ot_time_iso8601((end ? s->last_minute + 1 : s->start_minute) * MINUTE_MS, when);
    digest_uuid(sub, s->start_minute, end ? "End" : "Start", event_id);
    digest_uuid(sub, s->start_minute, "shared", shared_id);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "eventVersion", "1.07");
    ot_jw_kstr(&w, "eventTime", when);
    ot_jw_kstr(&w, "awsRegion", sub->region);
    ot_jw_kstr(&w, "eventID", event_id);
    ot_jw_kstr(&w, "eventType", "AwsCloudTrailInsight");
    ot_jw_kstr(&w, "recipientAccountId", sub->account_id);
    ot_jw_kstr(&w, "sharedEventID", shared_id);
    write_details(&w, sub, s, end, attrs, nattrs);
    ot_jw_kstr(&w, "eventCategory", "Insight");
    ot_jw_end(&w);
    return ot_jw_error(&w);
}
