/* access_log.h — one line per request in the server log (docs/serve.md "Access log"). */
#ifndef OT_ACCESS_LOG_H
#define OT_ACCESS_LOG_H

#include <stdint.h>

#include "api/http.h"

/* Logs req and its answer at info level, with bytes_in body bytes received, the answer's size
 * and latency_ms from the end of the headers to the answer being queued. */
void ot_access_log(const ot_req *req, const ot_resp *resp, uint64_t bytes_in,
                   int64_t latency_ms);

#endif
