/* sns_http.c — delivery to http and https endpoints: one POST of the message JSON with the
 * headers SNS sends (https://docs.aws.amazon.com/sns/latest/dg/http-header.html). Any 2xx
 * answer is a delivery; anything else (another status, no connection, a timeout) is a failed
 * attempt that the delivery thread retries. Redirects are not followed (util/http_post.h). */
#include <stdio.h>
#include <string.h>

#include "sns/sns_int.h"
#include "util/err.h"
#include "util/http_post.h"

#define CONNECT_TIMEOUT_S 5L
#define TOTAL_TIMEOUT_S 15L

int ot_sns_http_post(const ot_sns_http_msg *m, char *err, size_t errcap)
{
    char type[64], id[96], topic[OT_SNS_SUB_ARN_MAX + 64], sub[OT_SNS_SUB_ARN_MAX + 64];
    snprintf(type, sizeof type, "x-amz-sns-message-type: %s", m->type);
    snprintf(id, sizeof id, "x-amz-sns-message-id: %s", m->message_id);
    snprintf(topic, sizeof topic, "x-amz-sns-topic-arn: %s", m->topic_arn);
    snprintf(sub, sizeof sub, "x-amz-sns-subscription-arn: %s", m->sub_arn);
    const char *headers[] = {"Content-Type: text/plain; charset=UTF-8", type, id, topic,
                             !strcmp(m->type, "Notification") ? sub : NULL, NULL};
    ot_http_post p = {.url = m->endpoint, .headers = headers,
                      .user_agent = "Amazon Simple Notification Service Agent", .body = m->body,
                      .body_len = m->body_len, .connect_timeout_s = CONNECT_TIMEOUT_S,
                      .timeout_s = TOTAL_TIMEOUT_S};
    long status;
    char why[256];
    int rc = ot_http_post_once(&p, &status, why, sizeof why);
    if (rc)
        snprintf(err, errcap, "%s%s", rc == OT_ENOMEM ? "" : "POST: ", why);
    return rc;
}
