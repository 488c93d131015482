/* api_lookup.c — LookupEvents: the event history of the request's region, newest first.
 *
 * Validation follows AWS: one lookup attribute at most, keys case-sensitive, EventCategory only
 * "insight" (then only EventId/EventName/EventSource), StartTime <= EndTime, MaxResults 1..50
 * (default 50), and a NextToken only with the parameters it was made for. The 2-per-second AWS
 * rate limit is off by default; --lookup-rate sets one per account. See
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html */
#include "api/api_lookup.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api/api_time_range.h"
#include "api/aws_error.h"
#include "history/history.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/timeutil.h"

#define LOOKUP_DEFAULT_MAX 50
#define LOOKUP_VALUE_MAX 2000

typedef struct lookup_req {
    ot_history_query q;
    const char *token;
    uint8_t params[32];
} lookup_req;

/* ---- rate limit: a token bucket per account ---- */

#define RATE_ACCOUNTS 64

static struct {
    pthread_mutex_t mu;
    struct {
        char account[16];
        double tokens;
        int64_t at_ms;
    } b[RATE_ACCOUNTS];
} g_rate = {.mu = PTHREAD_MUTEX_INITIALIZER};

static bool rate_allow(const char *account, double rate)
{
    int64_t now = ot_monotonic_ms();
    double burst = rate < 1 ? 1 : rate;
    pthread_mutex_lock(&g_rate.mu);
    int slot = -1, oldest = 0;
    for (int i = 0; i < RATE_ACCOUNTS && slot < 0; i++) {
        if (!strcmp(g_rate.b[i].account, account))
            slot = i;
        else if (g_rate.b[i].at_ms < g_rate.b[oldest].at_ms)
            oldest = i;
    }
    if (slot < 0) {
        slot = oldest;
        snprintf(g_rate.b[slot].account, sizeof g_rate.b[slot].account, "%s", account);
        g_rate.b[slot].tokens = burst;
        g_rate.b[slot].at_ms = now;
    }
    double t = g_rate.b[slot].tokens + (double)(now - g_rate.b[slot].at_ms) * rate / 1000.0;
    if (t > burst)
        t = burst;
    bool ok = t >= 1.0;
    g_rate.b[slot].tokens = ok ? t - 1.0 : t;
    g_rate.b[slot].at_ms = now;
    pthread_mutex_unlock(&g_rate.mu);
    return ok;
}

/* ---- request parsing ---- */

/* AWS counts '_', ' ', ',' and '\n' as two characters towards the 2000 limit. */
static size_t value_length(const char *v)
{
    size_t n = 0;
    for (const char *p = v; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue; /* count characters, not bytes */
        n += (*p == '_' || *p == ' ' || *p == ',' || *p == '\n') ? 2 : 1;
    }
    return n;
}

static int parse_attributes(ct_ctx *c, lookup_req *r)
{
    ot_json arr, el;
    int rc = ct_list(c, c->in, "LookupAttributes", &arr);
    if (rc <= 0)
        return rc;
    size_t n = ot_json_count(arr);
    if (n > 1)
        return ct_fail(c, "InvalidLookupAttributesException",
                       "You can specify only one lookup attribute; %zu were given.", n);
    ot_json_iter it;
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &el)) {
        const char *key = NULL, *value = NULL;
        if (ct_struct(c, el, "LookupAttributes") || ct_str(c, el, "AttributeKey", &key) < 0 ||
            ct_str(c, el, "AttributeValue", &value) < 0)
            return -1;
        ot_history_key k;
        if (!key || ot_history_key_parse(key, &k) != 0)
            return ct_fail(c, "InvalidLookupAttributesException",
                           "Invalid lookup attribute key: %.100s. Valid keys are EventId, "
                           "EventName, ReadOnly, Username, ResourceType, ResourceName, "
                           "EventSource and AccessKeyId.", key ? key : "(none)");
        if (!value || !*value || value_length(value) > LOOKUP_VALUE_MAX)
            return ct_fail(c, "InvalidLookupAttributesException",
                           "The value of lookup attribute %s must be 1 to %d characters long.",
                           key, LOOKUP_VALUE_MAX);
        r->q.attrs[0].key = k;
        r->q.attrs[0].value = value;
        r->q.nattrs = 1;
    }
    return 0;
}

static int parse_range(ct_ctx *c, lookup_req *r)
{
    r->q.start_ms = INT64_MIN;
    r->q.end_ms = INT64_MAX;
    return ct_time_range_ms(c, "InvalidTimeRangeException", &r->q.start_ms, &r->q.end_ms);
}

static int parse_category(ct_ctx *c, lookup_req *r)
{
    const char *cat = NULL;
    int rc = ct_str(c, c->in, "EventCategory", &cat);
    if (rc < 0)
        return -1;
    r->q.cat = OT_HCAT_MANAGEMENT;
    if (!rc)
        return 0;
    if (strcmp(cat, "insight") != 0)
        return ct_fail(c, "InvalidEventCategoryException",
                       "Invalid event category: %.100s. The only valid value is insight.", cat);
    r->q.cat = OT_HCAT_INSIGHT;
    ot_history_key k = r->q.nattrs ? r->q.attrs[0].key : OT_HK_EVENT_ID;
    if (k != OT_HK_EVENT_ID && k != OT_HK_EVENT_NAME && k != OT_HK_EVENT_SOURCE)
        return ct_fail(c, "InvalidLookupAttributesException",
                       "For Insights events only EventId, EventName and EventSource are "
                       "supported lookup attributes, not %s.", ot_history_key_name(k));
    return 0;
}

static int parse_max(ct_ctx *c, lookup_req *r)
{
    ot_json v;
    int64_t n = LOOKUP_DEFAULT_MAX;
    if (ot_json_get(c->in, "MaxResults", &v) == 0 && ot_json_typeof(v) == OT_JSON_NUMBER &&
        ot_json_int64(v, &n) != 0)
        return ct_fail(c, "InvalidMaxResultsException", "MaxResults must be an integer from 1 to 50.");
    if (ct_int(c, c->in, "MaxResults", &n) < 0)
        return -1;
    if (n < 1 || n > 50)
        return ct_fail(c, "InvalidMaxResultsException",
                       "MaxResults must be from 1 to 50, not %lld.", (long long)n);
    r->q.limit = (size_t)n;
    return 0;
}

/* What a NextToken is bound to: everything but MaxResults, plus region and account. */
static void params_hash(const ct_ctx *c, const lookup_req *r, uint8_t out[32])
{
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_buf_printf(&b, "%s\n%s\n%d\n%lld\n%lld\n", c->account, c->region, r->q.cat,
                  (long long)r->q.start_ms, (long long)r->q.end_ms);
    for (size_t i = 0; i < r->q.nattrs; i++)
        ot_buf_printf(&b, "%d=%s\n", (int)r->q.attrs[i].key, r->q.attrs[i].value);
    ot_sha256(b.data ? b.data : "", b.len, out);
    ot_buf_free(&b);
}

/* ---- response ---- */

static int write_event(void *ctx, const ot_history_hit *e)
{
    return ot_history_json_event(ctx, e, NULL);
}

int ct_lookup_events(ct_ctx *c)
{
    ot_history *h = c->srv->history;
    if (!h)
        return ct_fail(c, "OperationNotPermittedException", "Event history is not enabled.");
    if (c->srv->cfg.lookup_rate > 0 && !rate_allow(c->account, c->srv->cfg.lookup_rate))
        return ct_fail(c, "ThrottlingException", "Rate exceeded");
    lookup_req r;
    memset(&r, 0, sizeof r);
    if (parse_attributes(c, &r) || parse_category(c, &r) || parse_range(c, &r) ||
        parse_max(c, &r))
        return -1;
    r.q.region = c->region;
    params_hash(c, &r, r.params);
    ot_history_cursor after;
    if (ct_str(c, c->in, "NextToken", &r.token) < 0)
        return -1;
    if (r.token) {
        if (ot_history_token_parse(h, r.token, r.params, &after) != 0)
            return ct_fail(c, "InvalidNextTokenException",
                           "Invalid NextToken, or a NextToken used with parameters other than "
                           "those of the request that returned it.");
        r.q.after = &after;
    }
    ct_ok(c);
    ot_jw_key(&c->w, "Events");
    ot_jw_arr(&c->w);
    bool more = false;
    ot_history_cursor next;
    int rc = ot_history_query_run(h, &r.q, write_event, &c->w, &more, &next);
    if (rc && !ot_jw_error(&c->w)) {
        ot_aws_json_error(c->resp, 500, "InternalFailure",
                          "The event history could not be read (%s).", ot_strerror(rc));
        return -1;
    }
    ot_jw_end(&c->w);
    if (more) {
        char tok[OT_HISTORY_TOKEN_MAX];
        ot_history_token_make(h, r.params, &next, tok);
        ot_jw_kstr(&c->w, "NextToken", tok);
    }
    return 0;
}
