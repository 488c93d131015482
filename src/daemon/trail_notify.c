/* trail_notify.c — the message CloudTrail sends to a trail's SNS topic for each log file it
 * delivers (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/configure-sns-notifications-for-cloudtrail.html),
 * handed to the SNS module's durable outbox. Delivery calls this before it marks the seal
 * done, so a crash in between sends the notification again at the redo: at least once. */
#include "daemon/trail_notify.h"

#include "api/api.h"
#include "sns/sns.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"

OT_COUNTER_L(m_notes, "opentrail_trail_notifications_total",
             "Log-file notifications of trails to their SNS topics: sent (in the topic's "
             "outbox) or failed (e.g. the topic is gone).",
             OT_LABELS("result"));

/* {"s3Bucket":"<bucket>","s3ObjectKey":["<key>"]}, NUL-terminated, into out. */
static int message_json(ot_buf *out, const char *bucket, const char *key)
{
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "s3Bucket", bucket);
    ot_jw_key(&w, "s3ObjectKey");
    ot_jw_arr(&w);
    ot_jw_str(&w, key);
    ot_jw_end(&w);
    ot_jw_end(&w);
    return ot_jw_error(&w) ? OT_ENOMEM : ot_buf_putc(out, '\0');
}

/* The GetTrailStatus LatestNotificationError for a failed publish; SNS's NotFound text for a
 * topic deleted since the trail named it. */
static const char *publish_error(int rc)
{
    return rc == OT_ENOTFOUND ? "NotFound: Topic does not exist" : ot_strerror(rc);
}

void ot_trail_notify_file(void *ctx, const ot_trail *trail, const char *bucket, const char *key)
{
    ot_api *srv = ctx;
    char arn[OT_SNS_ARN_MAX], message_id[37];
    ot_trail_sns_topic_arn(trail, arn, sizeof arn);
    if (!arn[0])
        return;
    ot_buf msg;
    ot_buf_init(&msg, OT_SNS_MESSAGE_MAX);
    int rc = srv->sns ? message_json(&msg, bucket, key) : OT_ECLOSED;
    if (!rc) {
        ot_sns_message m = {.topic_arn = arn, .message = msg.data};
        rc = ot_sns_publish(srv->sns, &m, message_id);
    }
    ot_buf_free(&msg);
    static _Atomic(ot_metric_series *) sent, failed;
    ot_series_add(rc ? ot_metric_cached(&m_notes, &failed, OT_VALUES("failed"))
                     : ot_metric_cached(&m_notes, &sent, OT_VALUES("sent")), 1);
    if (rc)
        ot_warn("trail %s: notifying %s of s3://%s/%s failed: %s", trail->arn, arn, bucket, key,
                publish_error(rc));
    int nrc = ot_trail_note_notification(srv->trails, trail->arn, ot_now_ms(),
                                         rc ? publish_error(rc) : NULL);
    if (nrc)
        ot_warn("trail %s: notification status not recorded: %s", trail->arn, ot_strerror(nrc));
}
