/* alarm_actions.c — alarm actions as SNS publishes: the alarm's subject and JSON message go to
 * the topic of the action ARN, so they reach its subscribers as CloudWatch's do
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). */
#include "daemon/alarm_actions.h"

#include "api/api.h"
#include "sns/sns.h"
#include "util/err.h"
#include "util/log.h"

int ot_alarm_action(void *ctx, const char *action_arn, const char *subject, const char *message)
{
    ot_api *srv = ctx;
    char region[32], account[16], name[OT_SNS_NAME_MAX + 1];
    if (ot_sns_topic_arn_parse(action_arn, region, account, name)) {
        ot_warn("alarm action %s: not an SNS topic ARN, not run", action_arn);
        return OT_EINVAL;
    }
    if (!srv->sns)
        return OT_EAGAIN;
    char message_id[37];
    ot_sns_message m = {.topic_arn = action_arn, .subject = subject, .message = message};
    int rc = ot_sns_publish(srv->sns, &m, message_id);
    if (rc == OT_ENOTFOUND)
        ot_warn("alarm action %s: the topic does not exist", action_arn);
    else if (rc && rc != OT_EINVAL)
        rc = OT_EAGAIN; /* the outbox could not be written now: try again later */
    return rc;
}
