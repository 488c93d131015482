/* trail_stream.c — the trail stream's WAL reader: each batch of records is routed to the trails
 * that stream (delivery's routing), written into their log groups with the reader's position in
 * one logs.db transaction, then shown to the groups' metric filters. See trail_stream.h. */
#include "daemon/trail_stream.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/trail_stream_int.h"
#include "logs/logs.h"
#include "mfilter/mfilter.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"
#include "util/vec.h"
#include "wal/wal_cursor.h"

#define STREAM_BATCH 4096     /* WAL records per batch (and per logs.db transaction) */
#define CURSOR_COMMIT_MS 1000 /* logs.db holds the exact position; the cursor may trail */
#define STREAM_NICE 10        /* its thread's CPU priority below the server's (wal_cursor.h) */
#define FOREIGN_GROUP                                                                        \
    "AccessDeniedException: the log group belongs to another account than the trail."

OT_COUNTER(m_streamed, "opentrail_trail_stream_events_total",
           "Trail events written into CloudWatch Logs log groups (one per trail and event).");
OT_COUNTER(m_skipped, "opentrail_trail_stream_skipped_total",
           "Trail events not written because the trail's log group does not exist.");

/* A stream name: <account>_CloudTrail_<region>. */
typedef struct ts_name {
    char s[64];
} ts_name;

struct ot_trail_stream {
    ot_api *srv;
    _Atomic(ot_wal_reader *) reader; /* set once started (the thread reads it when idle) */
    ts_trails trails;
    ot_json_doc *doc;
    ot_event *ev;             /* the batch's records, decoded (ok[i] false: not an event) */
    bool *ok;
    size_t capev, capok;
    ot_logs_feed_event *out;  /* what the batch writes */
    ts_name *names;           /* out[i].stream */
    size_t nout, capout, capnames;
    _Atomic uint64_t done;    /* records <= this are streamed (or were nobody's) */
};

/* The record's eventTime in ms, or its ingest time when it has none. */
static int64_t event_time(ot_trail_stream *s, const ot_event *e)
{
    ot_json root;
    const char *t;
    size_t n;
    char iso[40], err[32];
    int64_t ms;
    if (ot_json_parse(s->doc, e->json, e->json_len, false, &root, err, sizeof err) == 0 &&
        ot_json_get_str(root, "eventTime", &t, &n) == 0 && n < sizeof iso) {
        memcpy(iso, t, n);
        iso[n] = '\0';
        if (ot_time_parse_iso8601(iso, &ms) == 0)
            return ms;
    }
    return e->ingest_ms;
}

static int grow(ot_trail_stream *s, size_t n)
{
    return OT_VEC_GROW(s->ev, s->capev, n) || OT_VEC_GROW(s->ok, s->capok, n) ? OT_ENOMEM : 0;
}

static int out_add(ot_trail_stream *s, const ts_trail *t, const ot_event *e)
{
    if (OT_VEC_GROW(s->out, s->capout, s->nout + 1) ||
        OT_VEC_GROW(s->names, s->capnames, s->nout + 1))
        return OT_ENOMEM;
    ts_name *name = &s->names[s->nout];
    snprintf(name->s, sizeof name->s, "%s_CloudTrail_%s", e->account_id, e->region);
    s->out[s->nout++] = (ot_logs_feed_event){
        .scope = {t->group_account, t->group_region},
        .group = t->group,
        .source = t->t.arn,
        .ts = event_time(s, e),
        .msg = e->json,
        .len = e->json_len,
    };
    return 0;
}

/* The events trail t records, in WAL order. A trail whose group is another account's gets
 * nothing and says so. */
static int route_trail(ot_trail_stream *s, ts_trail *t, size_t n)
{
    bool any = false;
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (!s->ok[i] ||
            !ot_deliver_trail_wants(&t->t, &s->ev[i], ts_channel_routes, &s->trails))
            continue;
        any = true;
        if (!t->foreign)
            rc = out_add(s, t, &s->ev[i]);
    }
    if (any && t->foreign)
        ot_logs_feed_note(s->srv->logs, t->t.arn, ot_now_ms(), FOREIGN_GROUP);
    return rc;
}

/* Each trail's stored events, as runs of one group, to the groups' metric filters. */
static void apply_metric_filters(ot_trail_stream *s)
{
    ot_log_event_in *in = malloc((s->nout ? s->nout : 1) * sizeof *in);
    for (size_t i = 0, j; in && i < s->nout; i = j) {
        size_t k = 0;
        for (j = i; j < s->nout && s->out[j].source == s->out[i].source; j++)
            if (s->out[j].stored)
                in[k++] = (ot_log_event_in){s->out[j].ts, s->out[j].msg, s->out[j].len};
        int rc = ot_mfilter_apply(s->srv->mfilter, s->srv->cw, &s->out[i].scope,
                                  s->out[i].group, in, k);
        if (rc)
            ot_warn("trail stream: metric filters of %s: %s", s->out[i].group, ot_strerror(rc));
    }
    free(in);
}

static void count_outcome(const ot_trail_stream *s)
{
    uint64_t stored = 0;
    for (size_t i = 0; i < s->nout; i++)
        stored += s->out[i].stored;
    ot_metric_add(&m_streamed, stored);
    ot_metric_add(&m_skipped, s->nout - stored);
}

/* Routes and writes one batch: 0 once it is stored (or nobody's). */
static int stream_records(ot_trail_stream *s, const ot_wal_record *recs, size_t n)
{
    int rc = ts_trails_refresh(&s->trails);
    if (rc || s->trails.n == 0)
        return rc; /* nothing streams: nothing to remember either */
    if ((rc = grow(s, n)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        s->ok[i] = ot_event_decode(recs[i].payload, recs[i].len, &s->ev[i]) == OT_OK;
    s->nout = 0;
    for (size_t t = 0; !rc && t < s->trails.n; t++)
        rc = route_trail(s, &s->trails.v[t], n);
    if (rc || s->nout == 0)
        return rc;
    for (size_t i = 0; i < s->nout; i++)
        s->out[i].stream = s->names[i].s;
    rc = ot_logs_feed_put(s->srv->logs, OT_TRAIL_STREAM_CURSOR, recs[n - 1].lsn, s->out,
                          s->nout, ot_now_ms());
    if (rc)
        return rc; /* rolled back: the runner reads the batch again */
    count_outcome(s);
    apply_metric_filters(s);
    return 0;
}

static int stream_batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    ot_trail_stream *s = ctx;
    int rc = stream_records(s, recs, n);
    if (!rc)
        atomic_store(&s->done, recs[n - 1].lsn);
    return rc;
}

/* Nothing left to read: everything read so far is done (batches never see it again). */
static int stream_idle(void *ctx)
{
    ot_trail_stream *s = ctx;
    ot_wal_reader *r = atomic_load(&s->reader);
    if (r)
        atomic_store(&s->done, ot_wal_cursor_position(ot_wal_reader_cursor(r)));
    return 0;
}

void ot_trail_stream_catch_up(ot_trail_stream *s, int timeout_ms)
{
    ot_wal_reader *r = s ? atomic_load(&s->reader) : NULL;
    if (!r)
        return;
    uint64_t target = ot_wal_durable_lsn(s->srv->wal);
    int64_t deadline = ot_monotonic_ms() + timeout_ms;
    ot_wal_cursor_wake(ot_wal_reader_cursor(r)); /* an idle reader says where it is at once */
    while (atomic_load(&s->done) < target && ot_monotonic_ms() < deadline)
        usleep(1000);
}

void ot_trail_stream_stop(ot_trail_stream *s)
{
    if (!s)
        return;
    ot_wal_reader_stop(atomic_load(&s->reader));
    ts_trails_free(&s->trails);
    ot_json_doc_free(s->doc);
    free(s->ev);
    free(s->ok);
    free(s->out);
    free(s->names);
    free(s);
}

int ot_trail_stream_start(ot_api *srv, ot_trail_stream **out)
{
    *out = NULL;
    ot_trail_stream *s = calloc(1, sizeof *s);
    if (!s)
        return OT_ENOMEM;
    s->srv = srv;
    s->trails.db = srv->trails;
    uint64_t position = 0;
    int rc = (s->doc = ot_json_doc_new()) ? OT_OK : OT_ENOMEM;
    if (!rc)
        rc = ot_logs_feed_position(srv->logs, OT_TRAIL_STREAM_CURSOR, &position);
    ot_wal_reader_def def = {.name = OT_TRAIL_STREAM_CURSOR,
                             .batch = stream_batch,
                             .idle = stream_idle,
                             .ctx = s,
                             .checkpoint = position,
                             .batch_max = STREAM_BATCH,
                             .commit_every_ms = CURSOR_COMMIT_MS,
                             /* watching must not slow acceptance: under a load that keeps
                              * both cores busy the stream falls behind, then catches up */
                             .nice = STREAM_NICE};
    ot_wal_reader *r = NULL;
    if (!rc)
        rc = ot_wal_reader_start(srv->wal, &def, &r);
    atomic_store(&s->reader, r);
    if (rc) {
        ot_trail_stream_stop(s);
        return rc;
    }
    *out = s;
    return OT_OK;
}
