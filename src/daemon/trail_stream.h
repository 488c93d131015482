/* trail_stream.h — trails into CloudWatch Logs: every event a logging trail with a
 * CloudWatchLogsLogGroupArn records is written into that log group, stream
 * <account>_CloudTrail_<region>, as it is acknowledged (not when its log file is delivered).
 *
 * A WAL reader (cursor OT_TRAIL_STREAM_CURSOR). The trails' routing is delivery's own
 * (deliver/deliver_route.h), so the stream holds exactly the events of the trail's log files.
 * Each batch's events are stored with the reader's WAL position in one logs.db transaction
 * (ot_logs_feed_put) and the reader resumes from that position: exactly once across crashes.
 * A log group that does not exist (or belongs to another account than the trail's) gets
 * nothing: those events are skipped and the trail's LatestCloudWatchLogsDeliveryError says why;
 * delivery resumes with the next event once the group exists. After each batch the groups'
 * metric filters see the stored events (mfilter/mfilter.h). */
#ifndef OT_DAEMON_TRAIL_STREAM_H
#define OT_DAEMON_TRAIL_STREAM_H

#include "api/api.h"

#define OT_TRAIL_STREAM_CURSOR "trail-stream" /* its WAL cursor and its logs.db feed */

typedef struct ot_trail_stream ot_trail_stream;

/* Call after the WAL, state.db and logs.db are open. The metrics store is srv->cw (read at
 * each batch; NULL: no metric filters). */
int ot_trail_stream_start(ot_api *srv, ot_trail_stream **out);
/* Waits (at most timeout_ms) until every record durable now is streamed: called before a
 * trail's change is committed, so what the trail recorded before it (its StopLogging event) is
 * routed with the trail as it was, as delivery does with its flush. NULL is ok. */
void ot_trail_stream_catch_up(ot_trail_stream *s, int timeout_ms);
/* Stops the reader after its current batch (NULL is ok). */
void ot_trail_stream_stop(ot_trail_stream *s);

#endif
