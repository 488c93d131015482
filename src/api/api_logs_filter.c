/* api_logs_filter.c — FilterLogEvents: a group's events in time order across its streams,
 * matched against a filter pattern (src/filter/), paged with a cursor token.
 *
 * One call reads at most SCAN_BUDGET events; when it stops there (or at the limit, or at about
 * 1 MB of answer) it hands back a nextToken, possibly with no events, as AWS may. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api_logs.h"
#include "filter/filter.h"
#include "util/err.h"

#define FILTER_LIMIT 10000
#define SCAN_BUDGET 200000
#define ANSWER_MAX_BYTES (1 << 20)
#define MAX_STREAM_NAMES 100

typedef struct filter_scan {
    ct_ctx *c;
    const ot_filter *f;
    ot_filter_fields *fx;
    const char *names[MAX_STREAM_NAMES]; /* logStreamNames, or none */
    size_t nnames;
    int64_t limit, matched, scanned, max_scan;
    int64_t last_ts, last_id; /* the last event looked at */
} filter_scan;

static bool stream_wanted(const filter_scan *fs, const char *stream)
{
    if (fs->nnames == 0)
        return true;
    for (size_t i = 0; i < fs->nnames; i++)
        if (!strcmp(fs->names[i], stream))
            return true;
    return false;
}

static int on_event(void *ctx, const ot_log_event *e)
{
    filter_scan *fs = ctx;
    ot_jw *w = &fs->c->w;
    fs->scanned++;
    fs->last_ts = e->ts;
    fs->last_id = e->id;
    if (stream_wanted(fs, e->stream) && ot_filter_match(fs->f, e->msg, e->len, fs->fx)) {
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, e->id);
        ot_jw_obj(w);
        ot_jw_kstr(w, "logStreamName", e->stream);
        ot_jw_kint(w, "timestamp", e->ts);
        ot_jw_key(w, "message");
        ot_jw_strn(w, e->msg, e->len);
        ot_jw_kint(w, "ingestionTime", e->ingest_ms);
        ot_jw_kstr(w, "eventId", id);
        ot_jw_end(w);
        fs->matched++;
    }
    return fs->matched >= fs->limit || fs->c->resp->body.len >= ANSWER_MAX_BYTES;
}

/* logStreamNames and logStreamNamePrefix (not both). 0 or -1. */
static int read_streams(ct_ctx *c, filter_scan *fs, ot_logs_query *q)
{
    ot_json arr, item;
    ot_json_iter it;
    int has = ct_list(c, c->in, "logStreamNames", &arr);
    if (has < 0 || lg_name(c, "logStreamNamePrefix", LG_STREAM, false, &q->stream_prefix) < 0)
        return -1;
    if (has && q->stream_prefix)
        return ct_fail(c, "InvalidParameterException",
                       "You cannot specify both logStreamNames and logStreamNamePrefix.");
    size_t n = has ? ot_json_count(arr) : 0;
    if (has && (n < 1 || n > MAX_STREAM_NAMES))
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value at 'logStreamNames' failed to "
                       "satisfy constraint: Member must have length between 1 and %d",
                       MAX_STREAM_NAMES);
    if (has)
        ot_json_array_iter(arr, &it);
    while (has && ot_json_array_next(&it, &item))
        if (ct_elem_str(c, item, "logStreamNames", &fs->names[fs->nnames++]) < 0)
            return -1;
    return 0;
}

/* The range (endTime is inclusive here, unlike GetLogEvents), limit and cursor. 0 or -1. */
static int read_range(ct_ctx *c, filter_scan *fs, ot_logs_query *q)
{
    const char *tok = NULL;
    int64_t end = INT64_MAX - 1;
    q->start_ms = INT64_MIN;
    fs->limit = FILTER_LIMIT;
    if (lg_int_in(c, "startTime", 0, INT64_MAX - 1, &q->start_ms) < 0 ||
        lg_int_in(c, "endTime", 0, INT64_MAX - 1, &end) < 0 ||
        lg_int_in(c, "limit", 1, FILTER_LIMIT, &fs->limit) < 0 ||
        ct_str(c, c->in, "nextToken", &tok) < 0)
        return -1;
    q->end_ms = end + 1;
    q->cursor_ts = INT64_MIN;
    bool backward = false;
    if (tok && (ot_logs_token_parse(tok, &backward, &q->cursor_ts, &q->cursor_id) || backward))
        return ct_fail(c, "InvalidParameterException", "The specified nextToken is invalid.");
    q->max_rows = fs->max_scan = SCAN_BUDGET;
    return 0;
}

/* filterPattern compiled; a bad one is InvalidParameterException with the compiler's words. */
static int read_pattern(ct_ctx *c, ot_filter **f)
{
    const char *pattern = "";
    ot_filter_error err = {0};
    if (ct_str(c, c->in, "filterPattern", &pattern) < 0)
        return -1;
    size_t len = strlen(pattern);
    if (len > OT_FILTER_MAX_PATTERN)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value at 'filterPattern' failed to satisfy "
                       "constraint: Member must have length less than or equal to %d",
                       OT_FILTER_MAX_PATTERN);
    int rc = ot_filter_compile(pattern, len, f, &err);
    if (rc == OT_EINVAL)
        return ct_fail(c, "InvalidParameterException", "Invalid filter pattern: %s (at column %d)",
                       err.message, err.column);
    if (rc)
        return ct_fail(c, "ServiceUnavailableException", "Out of memory.");
    return 0;
}

static int run_scan(ct_ctx *c, filter_scan *fs, ot_logs_query *q)
{
    ot_logs_scope s = lg_scope(c);
    ot_log_group g;
    int rc = ot_logs_group_get(c->srv->logs, &s, q->group, &g);
    if (rc)
        return lg_store_fail(c, rc, false);
    ct_ok(c);
    ot_jw_key(&c->w, "events");
    ot_jw_arr(&c->w);
    rc = ot_logs_events(c->srv->logs, &s, q, on_event, fs, NULL);
    if (rc)
        return lg_store_fail(c, rc, false);
    ot_jw_end(&c->w);
    ot_jw_key(&c->w, "searchedLogStreams"); /* no longer filled by AWS since 2020 */
    ot_jw_arr(&c->w);
    ot_jw_end(&c->w);
    bool stopped = fs->matched >= fs->limit || fs->scanned >= fs->max_scan ||
                   c->resp->body.len >= ANSWER_MAX_BYTES;
    if (stopped && fs->scanned > 0) {
        char tok[64];
        ot_logs_token_format(tok, sizeof tok, false, fs->last_ts, fs->last_id);
        ot_jw_kstr(&c->w, "nextToken", tok);
    }
    return 0;
}

int lg_filter_log_events(ct_ctx *c)
{
    char group[OT_LOGS_NAME_MAX + 1];
    filter_scan fs = {.c = c};
    ot_logs_query q = {.group = group};
    ot_filter *f = NULL;
    if (lg_group_ref(c, group, sizeof group) < 0 || read_streams(c, &fs, &q) < 0 ||
        read_range(c, &fs, &q) < 0 || read_pattern(c, &f) < 0)
        return -1;
    fs.f = f;
    fs.fx = ot_filter_fields_new();
    int rc = fs.fx ? run_scan(c, &fs, &q)
                   : ct_fail(c, "ServiceUnavailableException", "Out of memory.");
    ot_filter_fields_free(fs.fx);
    ot_filter_free(f);
    return rc;
}
