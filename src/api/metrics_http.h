/* metrics_http.h — GET /metrics: every series of the process (util/metrics.h) in the
 * Prometheus text format. See docs/metrics.md.
 *
 * An unsigned scrape is exactly `GET` or `HEAD` of /metrics with no query and no
 * Authorization header; --metrics-access decides who may make one (loopback peers by default).
 * A scrape signed with SigV4 for the service "metrics" is answered for any valid credentials.
 * A request signed for s3 (ListObjects of a bucket called "metrics") is S3's, as ever. */
#ifndef OT_METRICS_HTTP_H
#define OT_METRICS_HTTP_H

#include <stdbool.h>

#include "api/api.h"

/* Before authentication: answers (or refuses) req if it is an unsigned scrape; false if it is
 * not one. */
bool ot_metrics_answer(ot_api *srv, ot_req *req, ot_resp *resp);
/* After authentication: answers req if it was signed for the service "metrics". */
bool ot_metrics_answer_signed(ot_api *srv, ot_req *req, ot_resp *resp);

#endif
