/* api_logs_events.c — PutLogEvents and GetLogEvents.
 *
 * PutLogEvents follows AWS's current rules (API_PutLogEvents): sequence tokens are ignored; a
 * batch holds 1..10,000 events of at most 1,048,576 bytes counting 26 bytes per event, in
 * chronological order, spanning at most 24 hours; events more than 14 days old (or older than
 * the group's retention) or more than 2 hours ahead are skipped and reported in
 * rejectedLogEventsInfo while the rest are stored. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_logs.h"
#include "mfilter/mfilter.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#define BATCH_MAX_EVENTS 10000
#define BATCH_MAX_BYTES 1048576
#define EVENT_OVERHEAD 26
#define MAX_AGE_MS (14 * LG_DAY_MS)
#define MAX_AHEAD_MS (2 * 3600 * 1000LL)
#define MAX_SPAN_MS LG_DAY_MS
#define PAGE_MAX_BYTES (1 << 20) /* a response holds about 1 MB of events */

/* Reads logEvents[i] into ev[i]. 0 or -1. */
static int read_event(ct_ctx *c, ot_json item, size_t i, ot_log_event_in *ev)
{
    const char *msg;
    if (ct_struct(c, item, "logEvents") < 0)
        return -1;
    int has_ts = ct_int(c, item, "timestamp", &ev->ts);
    int has_msg = has_ts < 0 ? -1 : ct_str(c, item, "message", &msg);
    if (has_ts < 0 || has_msg < 0)
        return -1;
    if (!has_ts || !has_msg)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value null at 'logEvents.%zu.member.%s' "
                       "failed to satisfy constraint: Member must not be null", i + 1,
                       has_ts ? "message" : "timestamp");
    ev->msg = msg;
    ev->len = strlen(msg);
    if (ev->len == 0)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value '' at 'logEvents.%zu.member.message' "
                       "failed to satisfy constraint: Member must have length greater than or "
                       "equal to 1", i + 1);
    return 0;
}

/* The batch's events, checked for count, size and order. 0 and *out (malloc'd), or -1. */
static int read_batch(ct_ctx *c, ot_log_event_in **out, size_t *n)
{
    ot_json arr, item;
    ot_json_iter it;
    int has = ct_list(c, c->in, "logEvents", &arr);
    if (has < 0)
        return -1;
    size_t count = has ? ot_json_count(arr) : 0;
    if (count < 1 || count > BATCH_MAX_EVENTS)
        return ct_fail(c, "InvalidParameterException",
                       "1 validation error detected: Value at 'logEvents' failed to satisfy "
                       "constraint: Member must have length between 1 and %d", BATCH_MAX_EVENTS);
    ot_log_event_in *ev = calloc(count, sizeof *ev);
    if (!ev)
        return ct_fail(c, "ServiceUnavailableException", "Out of memory.");
    size_t i = 0, bytes = 0;
    ot_json_array_iter(arr, &it);
    while (ot_json_array_next(&it, &item) && i < count) {
        if (read_event(c, item, i, &ev[i]) < 0)
            goto fail;
        if (i > 0 && ev[i].ts < ev[i - 1].ts) {
            ct_fail(c, "InvalidParameterException",
                    "Log events in a single PutLogEvents request must be in chronological order.");
            goto fail;
        }
        bytes += ev[i++].len + EVENT_OVERHEAD;
    }
    if (bytes > BATCH_MAX_BYTES) {
        ct_fail(c, "InvalidParameterException", "Upload too large: %zu bytes exceeds limit of %d",
                bytes, BATCH_MAX_BYTES);
        goto fail;
    }
    *out = ev;
    *n = i;
    return 0;
fail:
    free(ev);
    return -1;
}

/* What PutLogEvents skips: [0, expired_end) older than the retention, [0, too_old_end) older
 * than 14 days, [too_new_start, n) too far ahead. The events are in time order. */
typedef struct rejected {
    size_t too_old_end, expired_end, too_new_start;
} rejected;

static rejected classify(const ot_log_event_in *ev, size_t n, int64_t now, int retention_days)
{
    rejected r = {0, 0, n};
    int64_t expire_before = retention_days > 0 ? now - retention_days * LG_DAY_MS : INT64_MIN;
    while (r.too_old_end < n && ev[r.too_old_end].ts < now - MAX_AGE_MS)
        r.too_old_end++;
    while (r.expired_end < n && ev[r.expired_end].ts < expire_before)
        r.expired_end++;
    while (r.too_new_start > 0 && ev[r.too_new_start - 1].ts > now + MAX_AHEAD_MS)
        r.too_new_start--;
    return r;
}

static void write_rejected(ot_jw *w, const rejected *r, size_t n)
{
    if (!r->too_old_end && !r->expired_end && r->too_new_start == n)
        return;
    ot_jw_key(w, "rejectedLogEventsInfo");
    ot_jw_obj(w);
    if (r->too_new_start < n) {
        ot_jw_kint(w, "tooNewLogEventStartIndex", (int64_t)r->too_new_start);
    }
    if (r->too_old_end) {
        ot_jw_kint(w, "tooOldLogEventEndIndex", (int64_t)r->too_old_end);
    }
    if (r->expired_end) {
        ot_jw_kint(w, "expiredLogEventEndIndex", (int64_t)r->expired_end);
    }
    ot_jw_end(w);
}

/* The group's metric filters see the events once they are stored; a failure to emit costs the
 * datapoints, not the stored events. */
static void apply_metric_filters(ct_ctx *c, const ot_logs_scope *s, const char *group,
                                 const ot_log_event_in *ev, size_t n)
{
    int rc = ot_mfilter_apply(c->srv->mfilter, c->srv->cw, s, group, ev, n);
    if (rc)
        ot_warn("logs: metric filters of %s: %s", group, ot_strerror(rc));
}

static int store_batch(ct_ctx *c, const char *group, const char *stream,
                       const ot_log_event_in *ev, size_t n)
{
    ot_logs_scope s = lg_scope(c);
    ot_log_group g;
    int64_t now = ot_now_ms();
    int rc = ot_logs_group_get(c->srv->logs, &s, group, &g);
    if (rc)
        return lg_store_fail(c, rc, false);
    rejected r = classify(ev, n, now, g.retention_days);
    size_t first = r.too_old_end > r.expired_end ? r.too_old_end : r.expired_end;
    size_t end = r.too_new_start > first ? r.too_new_start : first;
    if (end > first && ev[end - 1].ts - ev[first].ts > MAX_SPAN_MS)
        return ct_fail(c, "InvalidParameterException",
                       "The batch of log events in a single PutLogEvents request cannot span "
                       "more than 24 hours.");
    bool stream_missing;
    rc = ot_logs_put(c->srv->logs, &s, group, stream, ev + first, end - first, now,
                     &stream_missing);
    if (rc)
        return lg_store_fail(c, rc, stream_missing);
    apply_metric_filters(c, &s, group, ev + first, end - first);
    ct_ok(c);
    char token[40];
    snprintf(token, sizeof token, "%020" PRId64, now);
    ot_jw_kstr(&c->w, "nextSequenceToken", token);
    write_rejected(&c->w, &r, n);
    return 0;
}

int lg_put_log_events(ct_ctx *c)
{
    const char *group, *stream;
    ot_log_event_in *ev = NULL;
    size_t n = 0;
    if (lg_name(c, "logGroupName", LG_GROUP, true, &group) < 0 ||
        lg_name(c, "logStreamName", LG_STREAM, true, &stream) < 0 || read_batch(c, &ev, &n) < 0)
        return -1;
    int rc = store_batch(c, group, stream, ev, n);
    free(ev);
    return rc;
}

/* ---- GetLogEvents ---- */

typedef struct page_event {
    int64_t id, ts, ingest_ms;
    char *msg;
    size_t len;
} page_event;

typedef struct page {
    page_event *ev;
    size_t n, bytes;
    bool oom;
} page;

static int collect(void *ctx, const ot_log_event *e)
{
    page *p = ctx;
    page_event *pe = &p->ev[p->n];
    pe->msg = malloc(e->len + 1);
    if (!pe->msg) {
        p->oom = true;
        return 1;
    }
    memcpy(pe->msg, e->msg, e->len);
    pe->msg[e->len] = '\0';
    pe->len = e->len;
    pe->id = e->id;
    pe->ts = e->ts;
    pe->ingest_ms = e->ingest_ms;
    p->n++;
    p->bytes += e->len + EVENT_OVERHEAD;
    return p->bytes >= PAGE_MAX_BYTES;
}

static void page_free(page *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->ev[i].msg);
    free(p->ev);
}

/* A backward read comes newest first; the answer lists events oldest first. */
static void write_events(ct_ctx *c, const page *p, bool backward)
{
    ot_jw_key(&c->w, "events");
    ot_jw_arr(&c->w);
    for (size_t k = 0; k < p->n; k++) {
        const page_event *e = &p->ev[backward ? p->n - 1 - k : k];
        ot_jw_obj(&c->w);
        ot_jw_kint(&c->w, "timestamp", e->ts);
        ot_jw_key(&c->w, "message");
        ot_jw_strn(&c->w, e->msg, e->len);
        ot_jw_kint(&c->w, "ingestionTime", e->ingest_ms);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
}

/* nextForwardToken continues after the newest event shown, nextBackwardToken before the
 * oldest; an empty page hands the cursor it was read from back in both. */
static void write_tokens(ct_ctx *c, const page *p, const ot_logs_query *q)
{
    char fwd[64], back[64];
    if (p->n == 0) {
        /* A first read from the tail found nothing: later events are read from the start. */
        int64_t ts = q->cursor_ts == INT64_MAX ? INT64_MIN : q->cursor_ts;
        ot_logs_token_format(fwd, sizeof fwd, false, ts, q->cursor_id);
        ot_logs_token_format(back, sizeof back, true, ts, q->cursor_id);
    } else {
        const page_event *oldest = &p->ev[q->backward ? p->n - 1 : 0];
        const page_event *newest = &p->ev[q->backward ? 0 : p->n - 1];
        ot_logs_token_format(fwd, sizeof fwd, false, newest->ts, newest->id);
        ot_logs_token_format(back, sizeof back, true, oldest->ts, oldest->id);
    }
    ot_jw_kstr(&c->w, "nextForwardToken", fwd);
    ot_jw_kstr(&c->w, "nextBackwardToken", back);
}

/* Fills q's range, cursor and direction from the request. 0 or -1. */
static int read_get_query(ct_ctx *c, ot_logs_query *q)
{
    const char *tok = NULL;
    bool from_head = false;
    int64_t limit = BATCH_MAX_EVENTS;
    q->start_ms = INT64_MIN;
    q->end_ms = INT64_MAX;
    if (lg_int_in(c, "startTime", 0, INT64_MAX, &q->start_ms) < 0 ||
        lg_int_in(c, "endTime", 0, INT64_MAX, &q->end_ms) < 0 ||
        lg_int_in(c, "limit", 1, BATCH_MAX_EVENTS, &limit) < 0 ||
        ct_bool(c, c->in, "startFromHead", &from_head) < 0 ||
        ct_str(c, c->in, "nextToken", &tok) < 0)
        return -1;
    q->max_rows = limit;
    if (tok) {
        if (ot_logs_token_parse(tok, &q->backward, &q->cursor_ts, &q->cursor_id))
            return ct_fail(c, "InvalidParameterException", "The specified nextToken is invalid.");
        return 0;
    }
    /* No token: the oldest events after the start, or the newest before the end. */
    q->backward = !from_head;
    q->cursor_ts = from_head ? INT64_MIN : INT64_MAX;
    q->cursor_id = 0;
    return 0;
}

int lg_get_log_events(ct_ctx *c)
{
    char group[OT_LOGS_NAME_MAX + 1];
    ot_logs_query q = {.group = group};
    if (lg_group_ref(c, group, sizeof group) < 0 ||
        lg_name(c, "logStreamName", LG_STREAM, true, &q.stream) < 0 || read_get_query(c, &q) < 0)
        return -1;
    page p = {.ev = calloc((size_t)q.max_rows, sizeof(page_event))};
    if (!p.ev)
        return ct_fail(c, "ServiceUnavailableException", "Out of memory.");
    ot_logs_scope s = lg_scope(c);
    bool stream_missing;
    int rc = ot_logs_events(c->srv->logs, &s, &q, collect, &p, &stream_missing);
    if (!rc && p.oom)
        rc = OT_ENOMEM;
    if (rc) {
        page_free(&p);
        return lg_store_fail(c, rc, stream_missing);
    }
    ct_ok(c);
    write_events(c, &p, q.backward);
    write_tokens(c, &p, &q);
    page_free(&p);
    return 0;
}
