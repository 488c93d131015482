/* deliver_route.c — which trails record which events.
 *
 * Everything that decides routing is a pure function of the trail snapshot and the event (plus
 * the channel answer for activity events), so a seal can be redone from the WAL after a crash
 * and select exactly the same records. */
#include "deliver/deliver_int.h"

#include <string.h>

#include "trail/selectors.h"

/* The trail's event selectors (docs/selectors.md): the default ones (management events, read
 * and write) or the compiled version selectors_id names. A version that could not be loaded
 * selects nothing rather than something it was not asked for. */
static bool selectors_want(const ot_trail *t, const ot_event *e)
{
    if (t->selectors_id && !t->selectors)
        return false;
    return ot_selectors_match(t->selectors, e);
}

bool ot_deliver_is_global_event(const ot_event *e)
{
    static const char *const global[] = {"iam.amazonaws.com", "sts.amazonaws.com",
                                         "cloudfront.amazonaws.com"};
    if (strcmp(e->region, "us-east-1") != 0)
        return false;
    for (size_t i = 0; i < sizeof global / sizeof global[0]; i++)
        if (strcmp(e->event_source, global[i]) == 0)
            return true;
    return false;
}

static bool region_covered(const ot_trail *t, const ot_event *e)
{
    if (ot_deliver_is_global_event(e) && !t->include_global)
        return false;
    return t->multi_region || strcmp(t->home_region, e->region) == 0;
}

/* Organization trails take every account's events: opentrail serves one organisation. */
static bool account_covered(const ot_trail *t, const ot_event *e)
{
    return t->organization || strcmp(t->account_id, e->account_id) == 0;
}

bool ot_deliver_trail_wants(const ot_trail *t, const ot_event *e, ot_deliver_chan_fn chan,
                            void *chan_ctx)
{
    /* Events accepted before the trail (re)started logging are not its business, even when
     * the router sees them after the cached trail list caught up. */
    if (e->ingest_ms < t->start_logging_ms)
        return false;
    switch (e->category) {
    case OT_CAT_MANAGEMENT:
    case OT_CAT_DATA:
        return selectors_want(t, e) && account_covered(t, e) && region_covered(t, e);
    case OT_CAT_ACTIVITY:
        return e->channel_arn[0] && chan && chan(chan_ctx, e->channel_arn, t->arn);
    default:
        return false; /* Insights go to CloudTrail-Insight/, written by the insights module */
    }
}

bool ot_deliver_same_routing(const ot_trail *x, const ot_trail *y)
{
    return strcmp(x->arn, y->arn) == 0 && strcmp(x->account_id, y->account_id) == 0 &&
           strcmp(x->home_region, y->home_region) == 0 && strcmp(x->bucket, y->bucket) == 0 &&
           strcmp(x->prefix, y->prefix) == 0 && strcmp(x->org_id, y->org_id) == 0 &&
           x->organization == y->organization && x->multi_region == y->multi_region &&
           x->include_global == y->include_global && x->logging == y->logging &&
           x->start_logging_ms == y->start_logging_ms &&
           x->has_custom_selectors == y->has_custom_selectors &&
           x->selectors_id == y->selectors_id;
}
