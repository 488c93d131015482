/* health.h — the two unauthenticated endpoints: GET /health (liveness) and GET /ready
 * (readiness), for load balancers, systemd and orchestrators. See docs/serve.md "Health".
 *
 * A request is a probe only if it is exactly `GET` or `HEAD` of the path /health or /ready,
 * with no query and no credentials (no Authorization header, no presigned query). Anything
 * else — including a signed `GET /health`, which is S3's ListObjects of a bucket called
 * "health" — goes through authentication like every other request. */
#ifndef OT_HEALTH_H
#define OT_HEALTH_H

#include <stdbool.h>

#include "api/api.h"

/* Answers req if it is a health probe (and names its operation); false if it is not one. */
bool ot_health_answer(ot_api *srv, ot_req *req, ot_resp *resp);

#endif
