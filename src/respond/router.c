/* router.c — the rule router's WAL reader: each batch of recorded events is enveloped, matched
 * against the enabled rules in one pass per event, and every (event, target) it matches is
 * written to the outbox with the reader's position in one router.db transaction. See router.h. */
#include "respond/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "respond/router_envelope.h"
#include "respond/router_input.h"
#include "respond/router_int.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"
#include "util/vec.h"

#define ROUTER_BATCH 1024
#define CURSOR_COMMIT_MS 1000 /* router.db holds the exact position; the cursor may trail */

OT_COUNTER(m_matches, "opentrail_rule_matches_total",
           "Events matched by an EventBridge rule (one per event and rule).");
OT_COUNTER(m_oversize, "opentrail_rule_events_oversize_total",
           "Recorded events not offered to the rules because their envelope is over 256 KB.");
OT_COUNTER(m_dead, "opentrail_rule_dead_letters_total",
           "Rule target invocations given up on and kept as dead letters.");

struct ot_router {
    ot_api *srv;
    rt_db db;
    rt_rules rules;
    rt_dispatch dispatch;
    ot_wal_reader *reader;
    ot_json_doc *doc;
    ot_buf env, input;
    rt_entry *ok, *dead; /* the batch's invocations, and those whose input failed */
    size_t nok, capok, ndead, capdead;
};

/* Whether a rule of this state is offered this event: read-only management events only reach
 * rules in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS. */
static bool state_wants(ot_rule_state st, const ot_event *e)
{
    if (st == OT_RULE_DISABLED)
        return false;
    bool read_only = e->category == OT_CAT_MANAGEMENT && e->rw == OT_RW_READ;
    return !read_only || st == OT_RULE_ENABLED_ALL_MANAGEMENT;
}

static char *dup_or_abort(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        abort(); /* small internal allocations abort on OOM (STYLE) */
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* One invocation of target t of rule r for the enveloped event in rt->env. */
static int add_invocation(ot_router *rt, const ot_rules_entry *r, const ot_rule_target *t,
                          const ot_event *e)
{
    char err[256];
    ot_router_input_ctx ctx = {.rule_arn = r->arn, .rule_name = r->name,
                               .ingest_ms = e->ingest_ms};
    ot_target_ref ref;
    /* a runbook acts on the matched event itself, never on a transformed input */
    bool runbook = ot_rules_target_parse(t->arn, &ref) == OT_TARGET_RUNBOOK;
    int rc = runbook ? 0
                     : ot_router_input(rt->doc, t, rt->env.data, rt->env.len, &ctx, &rt->input,
                                       err, sizeof err);
    if (rc == OT_ENOMEM)
        return rc;
    bool ok = rc == 0;
    rt_entry **v = ok ? &rt->ok : &rt->dead;
    size_t *n = ok ? &rt->nok : &rt->ndead, *cap = ok ? &rt->capok : &rt->capdead;
    if (OT_VEC_GROW(*v, *cap, *n + 1))
        return OT_ENOMEM;
    rt_entry *en = &(*v)[(*n)++];
    memset(en, 0, sizeof *en);
    ot_router_event_id(e->event_id, en->event_id);
    snprintf(en->rule_arn, sizeof en->rule_arn, "%s", r->arn);
    snprintf(en->target_id, sizeof en->target_id, "%s", t->id);
    en->target_arn = dup_or_abort(t->arn, strlen(t->arn));
    en->payload = ok && !runbook ? dup_or_abort(rt->input.data, rt->input.len)
                     : dup_or_abort(rt->env.data, rt->env.len);
    en->first_ms = ot_now_ms();
    en->event_ms = e->ingest_ms;
    if (!ok) {
        snprintf(en->last_error, sizeof en->last_error, "input: %.240s", err);
        ot_warn("rule %s target %s: dead letter for event %s: %s", r->arn, t->id, en->event_id,
                en->last_error);
    }
    return 0;
}

/* The rules the event in rt->env matched, narrowed to its account, bus and state. */
static int route_event(ot_router *rt, const ot_event *e)
{
    rt_rules *rr = &rt->rules;
    int rc = ot_pattern_set_match(rr->set, rt->env.data, rt->env.len, &rr->hits);
    if (rc)
        return rc == OT_ENOMEM ? rc : 0;
    const char *bus = ot_router_bus_region(e);
    for (size_t h = 0; !rc && h < rr->hits.n; h++) {
        const ot_rules_entry *r = &rr->snap->rules[rr->hits.ids[h]];
        if (strcmp(r->account, e->account_id) || strcmp(r->region, bus) ||
            !state_wants(r->state, e))
            continue;
        ot_metric_inc(&m_matches);
        for (size_t t = 0; !rc && t < r->ntargets; t++)
            rc = add_invocation(rt, r, &r->targets[t], e);
    }
    return rc;
}

static void batch_clear(ot_router *rt)
{
    for (size_t i = 0; i < rt->nok; i++)
        rt_entry_clear(&rt->ok[i]);
    for (size_t i = 0; i < rt->ndead; i++)
        rt_entry_clear(&rt->dead[i]);
    rt->nok = rt->ndead = 0;
}

static int route_records(ot_router *rt, const ot_wal_record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ot_event e;
        if (ot_event_decode(recs[i].payload, recs[i].len, &e) ||
            !ot_router_detail_type(e.event_type))
            continue;
        int rc = ot_router_envelope(rt->doc, &e, &rt->env);
        if (rc == OT_EINVAL)
            continue;
        if (rc)
            return rc;
        if (rt->env.len > OT_ROUTER_EVENT_MAX) {
            ot_metric_inc(&m_oversize);
            continue;
        }
        if ((rc = route_event(rt, &e)) != 0)
            return rc;
    }
    return 0;
}

static int router_batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    ot_router *rt = ctx;
    int rc = rt_rules_refresh(&rt->rules, rt->srv->rules);
    if (rc || rt->rules.snap->n == 0)
        return rc; /* no rules: nothing to remember either (the cursor holds the position) */
    batch_clear(rt);
    rc = route_records(rt, recs, n);
    if (!rc && (rt->nok || rt->ndead))
        rc = rt_db_commit_batch(&rt->db, recs[n - 1].lsn, rt->ok, rt->nok, rt->dead, rt->ndead);
    if (!rc && rt->ndead)
        ot_metric_add(&m_dead, rt->ndead);
    if (!rc && rt->nok)
        rt_dispatch_kick(&rt->dispatch);
    batch_clear(rt);
    return rc; /* an error: nothing was stored, the runner reads the batch again */
}

void rt_count_dead_letter(void) { ot_metric_inc(&m_dead); }

void ot_router_stop(ot_router *rt)
{
    if (!rt)
        return;
    ot_wal_reader_stop(rt->reader);
    rt_dispatch_stop(&rt->dispatch);
    rt_rules_free(&rt->rules);
    rt_db_close(&rt->db);
    ot_json_doc_free(rt->doc);
    ot_buf_free(&rt->env);
    ot_buf_free(&rt->input);
    batch_clear(rt);
    free(rt->ok);
    free(rt->dead);
    free(rt);
}

int ot_router_start(ot_api *srv, ot_router **out)
{
    *out = NULL;
    ot_router *rt = calloc(1, sizeof *rt);
    if (!rt)
        return OT_ENOMEM;
    rt->srv = srv;
    ot_buf_init(&rt->env, 0);
    ot_buf_init(&rt->input, 0);
    char path[1100];
    snprintf(path, sizeof path, "%s/router.db", srv->cfg.data_dir);
    uint64_t position = 0;
    int rc = (rt->doc = ot_json_doc_new()) ? rt_db_open(path, &rt->db) : OT_ENOMEM;
    if (!rc)
        rc = rt_db_position(&rt->db, &position);
    rt->dispatch = (rt_dispatch){.srv = srv, .db = &rt->db,
                                 .retry_window_ms = srv->cfg.rules_retry_window_ms};
    if (!rc)
        rc = rt_dispatch_start(&rt->dispatch);
    ot_wal_reader_def def = {.name = OT_ROUTER_CURSOR,
                             .batch = router_batch,
                             .ctx = rt,
                             .checkpoint = position,
                             .batch_max = ROUTER_BATCH,
                             .commit_every_ms = CURSOR_COMMIT_MS};
    if (!rc)
        rc = ot_wal_reader_start(srv->wal, &def, &rt->reader);
    if (rc) {
        ot_error("cannot start the rule router (%s): %s", path, ot_strerror(rc));
        ot_router_stop(rt);
        return rc;
    }
    *out = rt;
    return OT_OK;
}
