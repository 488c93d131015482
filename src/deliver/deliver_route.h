/* deliver_route.h — which trails record which events: delivery's one routing decision, public so
 * that every other consumer of a trail's events (the CloudWatch Logs stream) selects exactly what
 * the trail's log files hold: event selectors, multi-region, global service events,
 * organization trails, channels. */
#ifndef OT_DELIVER_ROUTE_H
#define OT_DELIVER_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "trail/trail.h"

struct ot_selectors;

/* Does the channel channel_arn name trail_arn as an AWS_SERVICE destination? */
typedef bool (*ot_deliver_chan_fn)(void *ctx, const char *channel_arn, const char *trail_arn);

/* The one routing decision: should trail t (logging) record event e? Event selectors plug in
 * here (t->selectors: the compiled version t->selectors_id names). chan answers for activity
 * events (channel destinations). */
bool ot_deliver_trail_wants(const ot_trail *t, const ot_event *e, ot_deliver_chan_fn chan,
                            void *chan_ctx);
/* IAM, STS and CloudFront events recorded in us-east-1: they need IncludeGlobalServiceEvents. */
bool ot_deliver_is_global_event(const ot_event *e);

/* The compiled event selectors of stored version id (> 0). */
int ot_deliver_selectors_load(ot_trail_db *db, int64_t id, struct ot_selectors **out);
/* The trail ARNs channel arn names as AWS_SERVICE destinations (malloc'd array of malloc'd
 * strings); OT_ENOTFOUND if there is no such channel. */
int ot_deliver_channel_trails(ot_trail_db *db, const char *arn, char ***trails, size_t *n);

#endif
