/* router_targets.c — one delivery attempt of an invocation to its target: an SNS topic (the
 * SNS module's durable outbox, as alarm actions publish), a CloudWatch Logs log group (one log
 * event in the stream named by the event's id, as EventBridge writes log-group targets), an API
 * destination (one HTTP request, target_http.h), or a built-in runbook (runbook_target.c). */
#include <stdio.h>
#include <string.h>

#include "logs/logs.h"
#include "respond/respond_int.h"
#include "respond/router_int.h"
#include "respond/target_http.h"
#include "sns/sns.h"
#include "util/err.h"
#include "util/timeutil.h"

static int send_sns(ot_api *srv, const rt_entry *e, char *err, size_t cap)
{
    if (!srv->sns)
        return OT_EAGAIN;
    char message_id[37];
    ot_sns_message m = {.topic_arn = e->target_arn, .message = e->payload};
    int rc = ot_sns_publish(srv->sns, &m, message_id);
    if (rc == OT_ENOTFOUND)
        snprintf(err, cap, "the SNS topic does not exist");
    else if (rc == OT_EINVAL)
        snprintf(err, cap, "the SNS topic refused the message");
    else if (rc)
        rc = OT_EAGAIN; /* the outbox could not be written now */
    return rc;
}

static int send_logs(ot_api *srv, const ot_target_ref *ref, const rt_entry *e, char *err,
                     size_t cap)
{
    if (!srv->logs)
        return OT_EAGAIN;
    char group[513];
    snprintf(group, sizeof group, "%.*s", (int)ref->name_len, ref->name);
    ot_logs_scope scope = {ref->account, ref->region};
    ot_log_event_in ev = {e->event_ms, e->payload, strlen(e->payload)};
    int64_t now = ot_now_ms();
    bool stream_missing = false;
    int rc = ot_logs_put(srv->logs, &scope, group, e->event_id, &ev, 1, now, &stream_missing);
    if (rc == OT_ENOTFOUND && stream_missing) {
        rc = ot_logs_stream_create(srv->logs, &scope, group, e->event_id, now);
        if (!rc || rc == OT_EEXIST)
            rc = ot_logs_put(srv->logs, &scope, group, e->event_id, &ev, 1, now, NULL);
    }
    if (rc == OT_ENOTFOUND)
        snprintf(err, cap, "the log group %s does not exist", group);
    else if (rc && rc != OT_EINVAL)
        rc = OT_EAGAIN;
    else if (rc)
        snprintf(err, cap, "the log group refused the event: %s", ot_strerror(rc));
    return rc;
}

int rt_target_send(ot_api *srv, const rt_entry *e, char *err, size_t cap)
{
    ot_target_ref ref;
    int rc;
    switch (ot_rules_target_parse(e->target_arn, &ref)) {
    case OT_TARGET_SNS:
        return send_sns(srv, e, err, cap);
    case OT_TARGET_LOGS:
        return send_logs(srv, &ref, e, err, cap);
    case OT_TARGET_API_DESTINATION:
        /* the destination belongs to the rule's account, which the target ARN names */
        rc = ot_target_http_send(srv, ref.account, e->target_arn, e->payload,
                                 strlen(e->payload), err, cap);
        return rc == OT_ENOMEM ? OT_EAGAIN : rc;
    case OT_TARGET_RUNBOOK: /* the payload is the matched event's envelope (router.c) */
        return rb_run_for_rule(srv->runbooks, ref.name, ref.name_len, e->payload,
                               strlen(e->payload), e->event_ms, err, cap);
    default:
        snprintf(err, cap, "opentrail does not deliver to this kind of target");
        return OT_EINVAL;
    }
}
