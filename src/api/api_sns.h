/* api_sns.h — SNS-compatible topics on the main port: the AWS query protocol (version
 * 2010-03-31, form-encoded requests, XML answers in SNS's namespace), signed for the service
 * "sns". Storage and delivery are src/sns/; this layer reads the parameters, checks them as SNS
 * does and answers SNS's result and error shapes (docs/sns.md). */
#ifndef OT_API_SNS_H
#define OT_API_SNS_H

#include "api/api.h"

#define OT_SNS_VERSION "2010-03-31"
#define OT_SNS_XMLNS "http://sns.amazonaws.com/doc/2010-03-31/"

/* Answers one authenticated request signed for "sns" (an ot_service_fn). Topics belong to the
 * caller's account: a topic or subscription ARN of another account is 403 AuthorizationError. */
void ot_api_sns_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation);

/* Answers the two unsigned SNS requests, as SNS does: the SubscribeURL of a
 * SubscriptionConfirmation, which the subscribed endpoint visits (GET / with
 * Action=ConfirmSubscription, TopicArn and Token confirms the pending subscription holding that
 * token), and the SigningCertURL (GET OT_SNS_CERT_PATH: the certificate that verifies message
 * signatures). Returns false, touching nothing, for any other request (dispatch then
 * authenticates it as usual). */
bool ot_api_sns_public(ot_api *srv, const ot_req *req, ot_resp *resp);

#endif
