/* alarm_actions.h — what an alarm's state change does: publish CloudWatch's alarm message to
 * the SNS topic named by each action ARN, through the SNS module's durable outbox. */
#ifndef OT_DAEMON_ALARM_ACTIONS_H
#define OT_DAEMON_ALARM_ACTIONS_H

/* The cw action callback (ot_cw_action_fn); ctx is the ot_api. 0 once the message is in the
 * topic's outbox; OT_ENOTFOUND (the topic is gone) and OT_EINVAL (not an SNS topic ARN: EC2,
 * Auto Scaling and other actions are not run here) are final failures; a store error is
 * OT_EAGAIN, retried later. */
int ot_alarm_action(void *ctx, const char *action_arn, const char *subject,
                    const char *message);

#endif
