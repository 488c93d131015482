/* insights_count.c — counting a batch of WAL records: each management event a watching trail
 * records adds one call to the minute of its eventTime, in the write-call series
 * (ApiCallRateInsight, write events only) and, when it failed, the error series of its
 * errorCode (ApiErrorRateInsight, read or write); with each call, its user identity ARN, user
 * agent and (call rate only) error code for the attributions. Counts are summed in memory per
 * batch first: a batch is mostly runs of the same API in the same minute. */
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

/* What counting needs from the record itself: the minute of its eventTime (false if it has
 * none that parses) and its userAgent (cut to OT_INSIGHTS_VALUE_MAX; "" if none). */
static bool event_facts(ot_insights *in, const ot_event *e, int64_t *minute,
                        char agent[OT_INSIGHTS_VALUE_MAX + 1])
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
    if (ot_json_get_str(root, "userAgent", &t, &n))
        n = 0;
    n = n > OT_INSIGHTS_VALUE_MAX ? OT_INSIGHTS_VALUE_MAX : n;
    memcpy(agent, t, n);
    agent[n] = '\0';
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

/* The tally entry of the series in that minute (made if new) in *at, one call added. */
static int tally(ot_insights *in, size_t trail, ot_insight_type type, const ot_event *e,
                 const char *error, int64_t minute, size_t *at)
{
    for (size_t k = 0; k < TALLY_LOOKBACK && k < in->ntally; k++) {
        *at = in->ntally - 1 - k;
        ins_tally *a = &in->tally[*at];
        if (same_series(a, trail, type, e, error, minute)) {
            a->n++;
            return OT_OK;
        }
    }
    if (OT_VEC_GROW(in->tally, in->captally, in->ntally + 1))
        return OT_ENOMEM;
    *at = in->ntally;
    in->tally[in->ntally++] = (ins_tally){trail, type, e->account_id, e->region,
                                          e->event_source, e->event_name, error, minute, 1, 0};
    return OT_OK;
}

/* One call of tally entry at with value for attribute attr ("" is not counted). */
static int tally_attr(ot_insights *in, size_t at, ot_insight_attr attr, const char *value)
{
    if (!value[0])
        return OT_OK;
    for (size_t k = 0; k < TALLY_LOOKBACK && k < in->nattrs; k++) {
        ins_attr_tally *a = &in->attrs[in->nattrs - 1 - k];
        if (a->tally == at && a->attr == (int)attr && !strcmp(in->values.data + a->value, value)) {
            a->n++;
            return OT_OK;
        }
    }
    size_t off = in->values.len;
    if (OT_VEC_GROW(in->attrs, in->capattrs, in->nattrs + 1) ||
        ot_buf_append(&in->values, value, strlen(value) + 1))
        return OT_ENOMEM;
    in->attrs[in->nattrs++] = (ins_attr_tally){at, (int)attr, off, 1};
    return OT_OK;
}

/* One call of a series, with its attributions (who, with what, which error). */
static int tally_call(ot_insights *in, size_t trail, ot_insight_type type, const ot_event *e,
                      const char *error, int64_t minute, const char *agent)
{
    size_t at;
    int rc = tally(in, trail, type, e, error, minute, &at);
    if (!rc)
        rc = tally_attr(in, at, OT_INSIGHT_ATTR_USER, e->user_arn);
    if (!rc)
        rc = tally_attr(in, at, OT_INSIGHT_ATTR_AGENT, agent);
    if (!rc && type == OT_INSIGHT_CALL_RATE) /* top error codes: call-rate insights only */
        rc = tally_attr(in, at, OT_INSIGHT_ATTR_ERROR,
                        e->error_code[0] ? e->error_code : "null");
    return rc;
}

static int count_event(ot_insights *in, const ot_event *e, int64_t minute, const char *agent)
{
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < in->ntrails; i++) {
        ins_trail *t = &in->trails[i];
        if (!ot_deliver_trail_wants(&t->t, e, NULL, NULL))
            continue;
        t->low = minute < t->low ? minute : t->low;
        if (t->on[OT_INSIGHT_CALL_RATE] && e->rw == OT_RW_WRITE)
            rc = tally_call(in, i, OT_INSIGHT_CALL_RATE, e, "", minute, agent);
        if (!rc && t->on[OT_INSIGHT_ERROR_RATE] && e->error_code[0])
            rc = tally_call(in, i, OT_INSIGHT_ERROR_RATE, e, e->error_code, minute, agent);
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
        ins_tally *a = &in->tally[i];
        ins_series s = {.type = (int)a->type, .clock = a->minute, .touched_ms = now_ms};
        snprintf(s.trail, sizeof s.trail, "%s", in->trails[a->trail].t.arn);
        snprintf(s.account, sizeof s.account, "%s", a->account);
        snprintf(s.region, sizeof s.region, "%s", a->region);
        snprintf(s.source, sizeof s.source, "%s", a->source);
        snprintf(s.name, sizeof s.name, "%s", a->name);
        snprintf(s.error, sizeof s.error, "%s", a->error);
        rc = ins_db_series(&in->db, &s, &a->series);
        if (!rc)
            rc = ins_db_count_add(&in->db, a->series, a->minute, a->n);
        if (!rc)
            rc = note_touched(in, a->series);
    }
    for (size_t i = 0; !rc && i < in->nattrs; i++) {
        const ins_attr_tally *v = &in->attrs[i];
        const ins_tally *a = &in->tally[v->tally];
        rc = ins_db_attr_add(&in->db, a->series, a->minute, v->attr, in->values.data + v->value,
                             v->n);
    }
    return rc;
}

int ins_count_batch(ot_insights *in, const ot_wal_record *recs, size_t n)
{
    int64_t now_ms = ins_now_ms(in), now_minute = now_ms / INS_MINUTE_MS;
    int rc = OT_OK;
    in->ntally = in->ntouched = in->nattrs = 0;
    ot_buf_reset(&in->values);
    for (size_t i = 0; i < in->ntrails; i++)
        in->trails[i].low = INT64_MAX;
    for (size_t i = 0; !rc && i < n; i++) {
        ot_event e;
        int64_t minute;
        char agent[OT_INSIGHTS_VALUE_MAX + 1];
        if (ot_event_decode(recs[i].payload, recs[i].len, &e) ||
            e.category != OT_CAT_MANAGEMENT || !event_facts(in, &e, &minute, agent))
            continue;
        /* the future would close minutes that have not happened; the distant past is no
         * baseline any more */
        if (minute > now_minute + INS_FUTURE_MIN || minute < now_minute - INS_KEEP_MIN)
            continue;
        rc = count_event(in, &e, minute, agent);
    }
    return rc ? rc : store_tally(in, now_ms);
}
