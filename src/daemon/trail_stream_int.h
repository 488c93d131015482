/* trail_stream_int.h — private to the trail stream (daemon/trail_stream*.c): the trails that
 * stream, as the reader caches them with what routing needs. */
#ifndef OT_DAEMON_TRAIL_STREAM_INT_H
#define OT_DAEMON_TRAIL_STREAM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "deliver/deliver_route.h"
#include "trail/selectors.h"
#include "trail/trail.h"

/* A logging trail with a log group, and where its group is. */
typedef struct ts_trail {
    ot_trail t;              /* t.selectors points at its compiled selectors */
    char group_account[16];  /* from the log group ARN */
    char group_region[32];
    char group[513];
    bool foreign;            /* the group ARN names another account: never written */
} ts_trail;

/* Compiled selector versions, kept across refreshes (a version never changes). */
typedef struct ts_selectors {
    int64_t id;
    ot_selectors *sel;
} ts_selectors;

/* A channel's AWS_SERVICE destinations, looked up once per batch. */
typedef struct ts_channel {
    char *arn;
    char **trails;
    size_t ntrails;
} ts_channel;

typedef struct ts_trails {
    ot_trail_db *db;
    ts_trail *v;
    size_t n, cap;
    ts_selectors *sel;
    size_t nsel, capsel;
    ts_channel *chans;
    size_t nchans, capchans;
} ts_trails;

/* Splits arn:aws:logs:<region>:<account>:log-group:<name>[:*]. false if it is not one. */
bool ts_log_group_arn_parse(const char *arn, char region[32], char account[16],
                            char name[513]);
/* Re-reads the logging trails that have a log group (and forgets the channel answers). */
int ts_trails_refresh(ts_trails *ts);
/* delivery's channel question (ot_deliver_chan_fn) over ts's per-batch cache. */
bool ts_channel_routes(void *ctx, const char *channel_arn, const char *trail_arn);
void ts_trails_free(ts_trails *ts);

#endif
