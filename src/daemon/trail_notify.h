/* trail_notify.h — trail notifications: after delivery writes a log file of a trail that has an
 * SNS topic, the topic gets CloudTrail's message naming the file. */
#ifndef OT_DAEMON_TRAIL_NOTIFY_H
#define OT_DAEMON_TRAIL_NOTIFY_H

#include "trail/trail.h"

/* The delivery hook (ot_deliver_file_hook); ctx is the ot_api. Publishes
 * {"s3Bucket":"<bucket>","s3ObjectKey":["<key>"]} to the trail's topic and records the outcome
 * for GetTrailStatus (LatestNotification*). A trail without a topic is left alone. */
void ot_trail_notify_file(void *ctx, const ot_trail *trail, const char *bucket,
                          const char *key);

#endif
