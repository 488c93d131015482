/* api_sns_subs.c — the subscription operations: Subscribe, ConfirmSubscription, Unsubscribe,
 * ListSubscriptions(ByTopic) and GetSubscriptionAttributes. The protocols delivered are `file`
 * (our extension, docs/sns.md), `http` and `https`; every other one is refused at Subscribe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_sns_int.h"
#include "api/aws_error.h"
#include "util/err.h"
#include "util/timeutil.h"

#define SUPPORTED_PROTOCOLS "file, http, https"

static bool protocol_ok(ot_sns_call *c, const char *protocol)
{
    if (!strcmp(protocol, "file") || !strcmp(protocol, "http") || !strcmp(protocol, "https"))
        return true;
    ot_snsapi_error(c, 400, "InvalidParameter",
                    "Invalid parameter: Amazon SNS does not support this protocol string: %.32s "
                    "(this server supports: " SUPPORTED_PROTOCOLS ")", protocol);
    return false;
}

/* An http/https endpoint: a URL of that scheme with a host, no spaces or control bytes. */
static bool url_endpoint_ok(ot_sns_call *c, const char *protocol, const char *endpoint)
{
    size_t plen = strlen(protocol), n = strlen(endpoint);
    bool ok = !strncmp(endpoint, protocol, plen) && !strncmp(endpoint + plen, "://", 3) &&
              n > plen + 3 && endpoint[plen + 3] != '/';
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)endpoint[i] > 0x20 && (unsigned char)endpoint[i] < 0x7f;
    if (!ok)
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Endpoint Reason: an "
                        "%s endpoint is a URL beginning with %s://", protocol, protocol);
    return ok;
}

static bool endpoint_ok(ot_sns_call *c, const char *protocol, const char *endpoint)
{
    if (strcmp(protocol, "file"))
        return url_endpoint_ok(c, protocol, endpoint);
    if (ot_sns_file_endpoint_ok(endpoint))
        return true;
    ot_snsapi_error(c, 400, "InvalidParameter",
                    "Invalid parameter: Endpoint Reason: a file endpoint is a file name in the "
                    "data dir's sns/ directory: 1 to 255 of A-Z a-z 0-9 . _ -, not starting "
                    "with '.'");
    return false;
}

/* Subscription attributes (filter policies, raw delivery, ...) are not served yet. */
static bool no_sub_attributes(ot_sns_call *c)
{
    char name[64];
    if (ot_snsapi_param(c, "Attributes.entry.1.key", name, sizeof name) == OT_ENOTFOUND)
        return true;
    ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Attributes Reason: "
                    "subscription attributes are not supported by this server yet");
    return false;
}

static void answer_sub_arn(ot_sns_call *c, const ot_sns_sub *s)
{
    ot_snsapi_answer_one(c, "SubscriptionArn", s->confirmed ? s->arn : "pending confirmation");
}

void ot_snsapi_subscribe(ot_sns_call *c)
{
    ot_sns_topic t;
    ot_sns_sub s;
    memset(&s, 0, sizeof s);
    if (!ot_snsapi_topic(c, "TopicArn", &t) ||
        !ot_snsapi_required(c, "Protocol", s.protocol, sizeof s.protocol) ||
        !protocol_ok(c, s.protocol) ||
        !ot_snsapi_required(c, "Endpoint", s.endpoint, sizeof s.endpoint) ||
        !endpoint_ok(c, s.protocol, s.endpoint) || !no_sub_attributes(c))
        return;
    snprintf(s.topic_arn, sizeof s.topic_arn, "%s", t.arn);
    snprintf(s.owner, sizeof s.owner, "%s", c->req->principal.account_id);
    int rc = ot_sns_sub_create(c->sns, &s);
    if (rc)
        ot_snsapi_store_error(c, rc, "Topic does not exist");
    else
        answer_sub_arn(c, &s);
}

/* Confirms the pending subscription of topic_arn whose token is the Token parameter. */
/* AuthenticateOnUnsubscribe: "true" (any case) takes away the unsigned UnsubscribeURL. */
static bool auth_on_unsubscribe(ot_sns_call *c, bool *out)
{
    char v[8];
    int rc = ot_snsapi_param(c, "AuthenticateOnUnsubscribe", v, sizeof v);
    *out = !rc && !strcasecmp(v, "true");
    if (rc == OT_OK && !*out && strcasecmp(v, "false"))
        rc = OT_EINVAL;
    if (rc == OT_OK || rc == OT_ENOTFOUND)
        return true;
    ot_snsapi_error(c, 400, "InvalidParameter",
                    "Invalid parameter: AuthenticateOnUnsubscribe (true or false)");
    return false;
}

static void confirm(ot_sns_call *c, const char *topic_arn, bool signed_call)
{
    ot_sns_sub s;
    char token[128];
    bool auth_unsubscribe = false;
    if (!ot_snsapi_required(c, "Token", token, sizeof token) ||
        (signed_call && !auth_on_unsubscribe(c, &auth_unsubscribe)))
        return;
    int rc = ot_sns_sub_confirm(c->sns, topic_arn, token, auth_unsubscribe, &s);
    if (rc == OT_ENOTFOUND)
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid token");
    else if (rc)
        ot_snsapi_store_error(c, rc, "");
    else
        answer_sub_arn(c, &s);
}

void ot_snsapi_confirm_subscription(ot_sns_call *c)
{
    ot_sns_topic t;
    if (ot_snsapi_topic(c, "TopicArn", &t))
        confirm(c, t.arn, true);
}

void ot_snsapi_confirm_by_token(ot_sns_call *c)
{
    char arn[OT_SNS_ARN_MAX];
    if (!ot_snsapi_required(c, "TopicArn", arn, sizeof arn))
        return;
    if (ot_sns_topic_arn_parse(arn, NULL, NULL, NULL))
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: TopicArn");
    else
        confirm(c, arn, false);
}

/* The subscription named by SubscriptionArn, if it is the caller's; false after answering. */
static bool own_sub(ot_sns_call *c, ot_sns_sub *s)
{
    char arn[OT_SNS_SUB_ARN_MAX], topic[OT_SNS_ARN_MAX], account[16];
    if (!ot_snsapi_required(c, "SubscriptionArn", arn, sizeof arn))
        return false;
    if (ot_sns_sub_arn_topic(arn, topic) ||
        ot_sns_topic_arn_parse(topic, NULL, account, NULL)) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: SubscriptionArn");
        return false;
    }
    if (!ot_snsapi_own(c, account, arn))
        return false;
    int rc = ot_sns_sub_get(c->sns, arn, s);
    if (rc)
        ot_snsapi_store_error(c, rc, "Subscription does not exist");
    return rc == OT_OK;
}

static void unsubscribe(ot_sns_call *c, const ot_sns_sub *s)
{
    int rc = ot_sns_sub_delete(c->sns, s->arn);
    if (rc)
        ot_snsapi_store_error(c, rc, "Subscription does not exist");
    else
        ot_snsapi_empty(c, false);
}

void ot_snsapi_unsubscribe(ot_sns_call *c)
{
    ot_sns_sub s;
    if (own_sub(c, &s))
        unsubscribe(c, &s);
}

void ot_snsapi_unsubscribe_by_url(ot_sns_call *c)
{
    char arn[OT_SNS_SUB_ARN_MAX], topic[OT_SNS_ARN_MAX];
    ot_sns_sub s;
    if (!ot_snsapi_required(c, "SubscriptionArn", arn, sizeof arn))
        return;
    int rc = ot_sns_sub_arn_topic(arn, topic) ? OT_EINVAL : ot_sns_sub_get(c->sns, arn, &s);
    if (rc == OT_EINVAL)
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: SubscriptionArn");
    else if (rc)
        ot_snsapi_store_error(c, rc, "Subscription does not exist");
    else if (s.auth_unsubscribe)
        ot_snsapi_error(c, 403, "AuthorizationError", "This subscription was confirmed with "
                        "AuthenticateOnUnsubscribe: Unsubscribe must be a signed request");
    else
        unsubscribe(c, &s);
}

static void entry_int(ot_sns_call *c, const char *key, int64_t v)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    ot_snsapi_entry(c, key, num);
}

static void entry_time(ot_sns_call *c, const char *key, int64_t ms)
{
    char when[32] = "";
    if (ms)
        ot_time_iso8601(ms, when);
    ot_snsapi_entry(c, key, when);
}

void ot_snsapi_get_subscription_attributes(ot_sns_call *c)
{
    ot_sns_sub s;
    if (!own_sub(c, &s))
        return;
    ot_snsapi_begin(c, true);
    ot_snsapi_list_open(c, "Attributes");
    ot_snsapi_entry(c, "SubscriptionArn", s.arn);
    ot_snsapi_entry(c, "TopicArn", s.topic_arn);
    ot_snsapi_entry(c, "Owner", s.owner);
    ot_snsapi_entry(c, "Protocol", s.protocol);
    ot_snsapi_entry(c, "Endpoint", s.endpoint);
    ot_snsapi_entry(c, "PendingConfirmation", s.confirmed ? "false" : "true");
    ot_snsapi_entry(c, "ConfirmationWasAuthenticated", s.auth_unsubscribe ? "true" : "false");
    ot_snsapi_entry(c, "RawMessageDelivery", "false");
    /* opentrail's delivery status (docs/sns.md): not SNS attributes */
    entry_int(c, "DeliveryAttempts", s.attempts);
    entry_int(c, "MessagesDelivered", s.delivered);
    entry_int(c, "MessagesPending", s.backlog);
    entry_time(c, "LastDeliveryAttemptTime", s.last_attempt_ms);
    entry_time(c, "LastDeliverySuccessTime", s.last_success_ms);
    ot_snsapi_entry(c, "LastDeliveryError", s.last_error);
    ot_snsapi_list_close(c, "Attributes", NULL);
    ot_snsapi_end(c, true);
}

/* One page of the caller's subscriptions in region (of topic_arn only, when not NULL). */
static void list_subs(ot_sns_call *c, const char *region, const char *topic_arn)
{
    char after[OT_SNS_SUB_ARN_MAX];
    if (!ot_snsapi_next_token(c, after, sizeof after))
        return;
    ot_sns_sub *subs = NULL;
    size_t n = 0;
    int rc = ot_sns_sub_list(c->sns, c->req->principal.account_id, region, topic_arn, after,
                             OT_SNS_PAGE + 1, &subs, &n);
    if (rc) {
        ot_snsapi_store_error(c, rc, "");
        return;
    }
    ot_buf *b = &c->resp->body;
    ot_snsapi_begin(c, true);
    ot_snsapi_list_open(c, "Subscriptions");
    for (size_t i = 0; i < n && i < OT_SNS_PAGE; i++) {
        ot_buf_puts(b, "      <member>");
        ot_aws_xml_elem(b, "SubscriptionArn",
                        subs[i].confirmed ? subs[i].arn : "PendingConfirmation");
        ot_aws_xml_elem(b, "Owner", subs[i].owner);
        ot_aws_xml_elem(b, "Protocol", subs[i].protocol);
        ot_aws_xml_elem(b, "Endpoint", subs[i].endpoint);
        ot_aws_xml_elem(b, "TopicArn", subs[i].topic_arn);
        ot_buf_puts(b, "</member>\n");
    }
    ot_snsapi_list_close(c, "Subscriptions", n > OT_SNS_PAGE ? subs[OT_SNS_PAGE - 1].arn : NULL);
    ot_snsapi_end(c, true);
    free(subs);
}

void ot_snsapi_list_subscriptions(ot_sns_call *c)
{
    list_subs(c, c->req->region, NULL);
}

void ot_snsapi_list_subscriptions_by_topic(ot_sns_call *c)
{
    ot_sns_topic t;
    if (ot_snsapi_topic(c, "TopicArn", &t))
        list_subs(c, t.region, t.arn);
}
