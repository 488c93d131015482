/* router_envelope.c — the EventBridge envelope around a CloudTrail record. See
 * router_envelope.h. */
#include "respond/router_envelope.h"

#include <stdio.h>
#include <string.h>

#include "util/crypto.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

typedef struct detail_type {
    const char *event_type;
    const char *detail_type;
} detail_type;

/* The sign-in type is documented as "AWS Console Signin via CloudTrail", but the events
 * EventBridge delivers say "AWS Console Sign In via CloudTrail" (and AWS's own sample rules
 * match that), so that is what we send. */
static const detail_type DETAIL_TYPES[] = {
    {"AwsApiCall", "AWS API Call via CloudTrail"},
    {"AwsConsoleSignIn", "AWS Console Sign In via CloudTrail"},
    {"AwsConsoleAction", "AWS Console Action via CloudTrail"},
    {"AwsServiceEvent", "AWS Service Event via CloudTrail"},
    {"AwsCloudTrailInsight", "AWS Insight via CloudTrail"},
    {"AwsVpceEvent", "AWS Network Activity Event via CloudTrail"},
};

const char *ot_router_detail_type(const char *event_type)
{
    for (size_t i = 0; event_type && i < sizeof DETAIL_TYPES / sizeof *DETAIL_TYPES; i++)
        if (!strcmp(event_type, DETAIL_TYPES[i].event_type))
            return DETAIL_TYPES[i].detail_type;
    return NULL;
}

/* Services whose calls CloudTrail records in us-east-1 and sends to that region's bus
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html
 * #cloudtrail-concepts-global-service-events). */
static const char *const GLOBAL_SOURCES[] = {
    "iam.amazonaws.com",        "cloudfront.amazonaws.com",     "route53.amazonaws.com",
    "organizations.amazonaws.com", "signin.amazonaws.com",
};

const char *ot_router_bus_region(const ot_event *e)
{
    for (size_t i = 0; e->event_source && i < sizeof GLOBAL_SOURCES / sizeof *GLOBAL_SOURCES;
         i++)
        if (!strcmp(e->event_source, GLOBAL_SOURCES[i]))
            return "us-east-1";
    return e->region;
}

void ot_router_event_id(const char *event_id, char out[37])
{
    static const char NS[] = "opentrail-eventbridge:";
    uint8_t h[32];
    char in[256];
    int n = snprintf(in, sizeof in, "%s%s", NS, event_id ? event_id : "");
    ot_sha256(in, n < (int)sizeof in ? (size_t)n : sizeof in - 1, h);
    h[6] = (uint8_t)((h[6] & 0x0f) | 0x50); /* version 5 style: name-based, SHA */
    h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
    static const char HEX[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = HEX[h[i] >> 4];
        out[o++] = HEX[h[i] & 15];
    }
    out[o] = '\0';
}

/* "aws." and the eventSource up to its first dot: cloudtrail.amazonaws.com -> aws.cloudtrail. */
static void source_of(const char *event_source, char *out, size_t cap)
{
    const char *s = event_source ? event_source : "";
    size_t n = strcspn(s, ".");
    snprintf(out, cap, "aws.%.*s", (int)n, s);
}

/* The record's eventTime to the second with Z; its ingest time when it has none. */
static void time_of(ot_json_doc *doc, const ot_event *e, char out[32])
{
    ot_json root;
    const char *t;
    size_t n;
    char err[32], iso[40];
    int64_t ms = e->ingest_ms;
    if (ot_json_parse(doc, e->json, e->json_len, false, &root, err, sizeof err) == 0 &&
        ot_json_get_str(root, "eventTime", &t, &n) == 0 && n < sizeof iso) {
        memcpy(iso, t, n);
        iso[n] = '\0';
        if (ot_time_parse_iso8601(iso, &ms))
            ms = e->ingest_ms;
    }
    ot_time_iso8601(ms, out);
}

int ot_router_envelope(ot_json_doc *doc, const ot_event *e, ot_buf *out)
{
    const char *dt = ot_router_detail_type(e->event_type);
    if (!dt)
        return OT_EINVAL;
    char id[37], source[96], when[32];
    ot_router_event_id(e->event_id, id);
    source_of(e->event_source, source, sizeof source);
    time_of(doc, e, when);
    ot_buf_reset(out);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "version", "0");
    ot_jw_kstr(&w, "id", id);
    ot_jw_kstr(&w, "detail-type", dt);
    ot_jw_kstr(&w, "source", source);
    ot_jw_kstr(&w, "account", e->account_id);
    ot_jw_kstr(&w, "time", when);
    ot_jw_kstr(&w, "region", e->region);
    ot_jw_key(&w, "resources");
    ot_jw_arr(&w);
    ot_jw_end(&w);
    ot_jw_key(&w, "detail");
    ot_jw_raw(&w, e->json, e->json_len);
    ot_jw_end(&w);
    return ot_jw_error(&w) ? OT_ENOMEM : OT_OK;
}
