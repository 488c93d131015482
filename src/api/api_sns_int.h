/* api_sns_int.h — private to src/api: what the SNS operation files share (api_sns.c reads the
 * request and frames the answer; api_sns_topics.c, api_sns_subs.c and api_sns_publish.c run the
 * operations). */
#ifndef OT_API_SNS_INT_H
#define OT_API_SNS_INT_H

#include <stdbool.h>

#include "api/api_sns.h"
#include "sns/sns.h"

/* One SNS call being answered. */
typedef struct ot_sns_call {
    ot_api *srv;
    const ot_req *req;
    ot_resp *resp;
    ot_sns *sns;
    const char *action; /* static: "CreateTopic", ... */
} ot_sns_call;

/* A request parameter (the form body of a POST, else the query string) into out[cap]: 0,
 * OT_ENOTFOUND, or OT_ELIMIT (too long or malformed). */
int ot_snsapi_param(const ot_sns_call *c, const char *name, char *out, size_t cap);
/* The same, malloc'd whatever its size (NULL with *rc set when absent or malformed). */
char *ot_snsapi_param_dup(const ot_sns_call *c, const char *name, int *rc);
/* A required parameter: false after answering InvalidParameter when it is absent, empty or
 * malformed ("Invalid parameter: <name>"). */
bool ot_snsapi_required(ot_sns_call *c, const char *name, char *out, size_t cap);

/* The NextToken parameter of a List call (the last ARN of the previous page) into out, ""
 * when absent; false after answering InvalidParameter when it is empty or malformed. */
bool ot_snsapi_next_token(ot_sns_call *c, char *out, size_t cap);

/* An SNS error answer (query protocol: 400/403/404 Sender, 500 Receiver). */
void ot_snsapi_error(ot_sns_call *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The answer for a failure of the store: OT_ENOTFOUND is 404 NotFound with not_found as its
 * message, anything else 500 InternalError. */
void ot_snsapi_store_error(ot_sns_call *c, int rc, const char *not_found);

/* Reads the topic ARN in parameter `param`, answering InvalidParameter (missing or not a topic
 * ARN) or AuthorizationError (another account's); returns whether arn was filled. */
bool ot_snsapi_topic_arn(ot_sns_call *c, const char *param, char arn[OT_SNS_ARN_MAX]);
/* The same, then looks the topic up (NotFound "Topic does not exist"); returns whether t was
 * filled. */
bool ot_snsapi_topic(ot_sns_call *c, const char *param, ot_sns_topic *t);
/* Answers AuthorizationError unless account is the caller's; returns whether it is. */
bool ot_snsapi_own(ot_sns_call *c, const char *account, const char *resource);

/* Starts the answer: <ActionResponse xmlns=...>, and <ActionResult> when with_result. */
void ot_snsapi_begin(ot_sns_call *c, bool with_result);
/* Ends it: </ActionResult> (when with_result) and the ResponseMetadata with the RequestId. */
void ot_snsapi_end(ot_sns_call *c, bool with_result);
/* An answer with no result members (DeleteTopic, TagResource, ...). */
void ot_snsapi_empty(ot_sns_call *c, bool with_result);
/* A whole answer whose result is one element <name>value</name> (TopicArn, MessageId, ...). */
void ot_snsapi_answer_one(ot_sns_call *c, const char *name, const char *value);
/* Opens a result list (<Topics>, <Subscriptions>, <Tags>, <Attributes>) after begin. */
void ot_snsapi_list_open(ot_sns_call *c, const char *name);
/* Closes it, adding <NextToken> when next is not NULL. */
void ot_snsapi_list_close(ot_sns_call *c, const char *name, const char *next);
/* Appends <entry><key>k</key><value>v</value></entry> (a map member). */
void ot_snsapi_entry(ot_sns_call *c, const char *key, const char *value);

/* The operations (one function per Action). */
void ot_snsapi_create_topic(ot_sns_call *c);
void ot_snsapi_delete_topic(ot_sns_call *c);
void ot_snsapi_list_topics(ot_sns_call *c);
void ot_snsapi_get_topic_attributes(ot_sns_call *c);
void ot_snsapi_set_topic_attributes(ot_sns_call *c);
void ot_snsapi_tag_resource(ot_sns_call *c);
void ot_snsapi_untag_resource(ot_sns_call *c);
void ot_snsapi_list_tags(ot_sns_call *c);
void ot_snsapi_subscribe(ot_sns_call *c);
void ot_snsapi_confirm_subscription(ot_sns_call *c);
/* ConfirmSubscription by the token alone (the unsigned SubscribeURL): no account check, the
 * 64-character random token is the proof. */
void ot_snsapi_confirm_by_token(ot_sns_call *c);
void ot_snsapi_unsubscribe(ot_sns_call *c);
/* Unsubscribe by the subscription ARN alone (the unsigned UnsubscribeURL in every message, as
 * with SNS): refused for a subscription confirmed with AuthenticateOnUnsubscribe. The ARN's
 * random id is the proof, as the token is for the SubscribeURL. */
void ot_snsapi_unsubscribe_by_url(ot_sns_call *c);
void ot_snsapi_list_subscriptions(ot_sns_call *c);
void ot_snsapi_list_subscriptions_by_topic(ot_sns_call *c);
void ot_snsapi_get_subscription_attributes(ot_sns_call *c);
void ot_snsapi_publish(ot_sns_call *c);

#endif
