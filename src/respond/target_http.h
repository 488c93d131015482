/* target_http.h — delivering a matched event to an EventBridge API destination (an HTTP
 * endpoint with its connection's authorization), one attempt at a time. Retries, their backoff
 * and the dead-letter record belong to the caller (the rule router), which keeps the pending
 * invocation durable between attempts.
 *
 * API destinations: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html */
#ifndef OT_TARGET_HTTP_H
#define OT_TARGET_HTTP_H

#include <stddef.h>

#include "api/api.h"

/* Sends payload (the event or its transformed input, JSON or text) to the API destination
 * destination_arn of account (its InvocationEndpoint, HttpMethod and its connection's
 * authorization). Returns:
 *   0           delivered (a 2xx answer);
 *   OT_EAGAIN   worth retrying (a network error, a timeout, 429 or 5xx), reason in err;
 *   OT_EINVAL   never worth retrying (unknown or deauthorized destination, another 4xx), reason
 *               in err;
 *   OT_ENOMEM.
 * Bounded: one attempt takes at most the configured HTTP timeout (5 s, as EventBridge allows
 * an API destination). */
int ot_target_http_send(ot_api *srv, const char *account, const char *destination_arn,
                        const char *payload, size_t len, char *err, size_t errcap);

#endif
