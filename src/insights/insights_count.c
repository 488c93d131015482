/* insights_count.c — counting a batch of WAL records: each management event a watching trail
 * records adds one call to the minute of its eventTime, in the write-call series
 * (ApiCallRateInsight, write events only) and, when it failed, the error series of its
 * errorCode (ApiErrorRateInsight, read or write). Counts are summed in memory per batch first:
 * a batch is mostly runs of the same API in the same minute. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "deliver/deliver_route.h"
#include "event/event.h"
#include "insights/insights_int.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "util/vec.h"
#include "wal/wal_cursor.h"

#define TALLY_LOOKBACK 32 /* how far back a batch's tally is searched for the same series */

/* The minute of the record's eventTime; false if it has none that parses. */
static bool event_minute(ot_insights *in, const ot_event *e, int64_t *minute)
{
    ot_json root;
    const char *t;
    size_t n;
    char iso[40];
    int64_t ms;
    if (ot_json_parse(in->doc, e->json, e->json_len, false, &root, NULL, 0) ||
        ot_json_get_str(root, "eventTime", &t, &n) || n >= sizeof iso)
        return false;
    memcpy(iso, t, n);
    iso[n] = '\0';
    if (ot_time_parse_iso8601(iso, &ms) || ms < 0)
        return false;
    *minute = ms / INS_MINUTE_MS;
    return true;
}

static bool same_series(const ins_tally *a, size_t trail, ot_insight_type type,
                        const ot_event *e, const char *error, int64_t minute)
{
    return a->trail == trail && a->type == type && a->minute == minute &&
           !strcmp(a->name, e->event_name) && !strcmp(a->source, e->event_source) &&
           !strcmp(a->error, error) && !strcmp(a->region, e->region) &&
           !strcmp(a->account, e->account_id);
}

static int tally(ot_insights *in, size_t trail, ot_insight_type type, const ot_event *e,
                 const char *error, int64_t minute)
{
    for (size_t k = 0; k < TALLY_LOOKBACK && k < in->ntally; k++) {
        ins_tally *a = &in->tally[in->ntally - 1 - k];
        if (same_series(a, trail, type, e, error, minute)) {
            a->n++;
            return OT_OK;
        }
    }
    if (OT_VEC_GROW(in->tally, in->captally, in->ntally + 1))
        return OT_ENOMEM;
    in->tally[in->ntally++] = (ins_tally){trail, type, e->account_id, e->region,
                                          e->event_source, e->event_name, error, minute, 1};
    return OT_OK;
}

static int count_event(ot_insights *in, const ot_event *e, int64_t minute)
{
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < in->ntrails; i++) {
        ins_trail *t = &in->trails[i];
        if (!ot_deliver_trail_wants(&t->t, e, NULL, NULL))
            continue;
        t->low = minute < t->low ? minute : t->low;
        if (t->on[OT_INSIGHT_CALL_RATE] && e->rw == OT_RW_WRITE)
            rc = tally(in, i, OT_INSIGHT_CALL_RATE, e, "", minute);
        if (!rc && t->on[OT_INSIGHT_ERROR_RATE] && e->error_code[0])
            rc = tally(in, i, OT_INSIGHT_ERROR_RATE, e, e->error_code, minute);
    }
    return rc;
}

static int note_touched(ot_insights *in, int64_t id)
{
    for (size_t i = 0; i < in->ntouched; i++)
        if (in->touched[i] == id)
            return OT_OK;
    if (OT_VEC_GROW(in->touched, in->captouched, in->ntouched + 1))
        return OT_ENOMEM;
    in->touched[in->ntouched++] = id;
    return OT_OK;
}

static int store_tally(ot_insights *in, int64_t now_ms)
{
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < in->ntally; i++) {
        const ins_tally *a = &in->tally[i];
        ins_series s = {.type = (int)a->type, .clock = a->minute, .touched_ms = now_ms};
        snprintf(s.trail, sizeof s.trail, "%s", in->trails[a->trail].t.arn);
        snprintf(s.account, sizeof s.account, "%s", a->account);
        snprintf(s.region, sizeof s.region, "%s", a->region);
        snprintf(s.source, sizeof s.source, "%s", a->source);
        snprintf(s.name, sizeof s.name, "%s", a->name);
        snprintf(s.error, sizeof s.error, "%s", a->error);
        rc = ins_db_series(&in->db, &s, &s.id);
        if (!rc)
            rc = ins_db_count_add(&in->db, s.id, a->minute, a->n);
        if (!rc)
            rc = note_touched(in, s.id);
    }
    return rc;
}

int ins_count_batch(ot_insights *in, const ot_wal_record *recs, size_t n)
{
    int64_t now_ms = ins_now_ms(in), now_minute = now_ms / INS_MINUTE_MS;
    int rc = OT_OK;
    in->ntally = in->ntouched = 0;
    for (size_t i = 0; i < in->ntrails; i++)
        in->trails[i].low = INT64_MAX;
    for (size_t i = 0; !rc && i < n; i++) {
        ot_event e;
        int64_t minute;
        if (ot_event_decode(recs[i].payload, recs[i].len, &e) ||
            e.category != OT_CAT_MANAGEMENT || !event_minute(in, &e, &minute))
            continue;
        /* the future would close minutes that have not happened; the distant past is no
         * baseline any more */
        if (minute > now_minute + INS_FUTURE_MIN || minute < now_minute - INS_KEEP_MIN)
            continue;
        rc = count_event(in, &e, minute);
    }
    return rc ? rc : store_tally(in, now_ms);
}
