/* request_metrics.h — the HTTP request series of GET /metrics (docs/metrics.md): requests by
 * service, operation and status class, and their latency. Fed where the access log line is
 * written, for every request, logged or not. */
#ifndef OT_REQUEST_METRICS_H
#define OT_REQUEST_METRICS_H

#include <stdint.h>

#include "api/http.h"

/* Counts req answered with status after latency_us (from its headers to the answer queued). */
void ot_request_metrics_note(const ot_req *req, int status, uint64_t latency_us);

#endif
