/* dispatch.h — one request from arrival to answer: authenticate, route by service, audit. */
#ifndef OT_DISPATCH_H
#define OT_DISPATCH_H

#include <stddef.h>

#include "api/api.h"

#define OT_MAX_JSON_BODY (2u << 20)       /* control plane and PutAuditEvents (1 MB + slack) */
#define OT_MAX_OBJECT_BODY (256u << 20)   /* S3 PutObject held in memory */

size_t ot_dispatch_body_cap(void *srv, const ot_req *req);
void ot_dispatch_too_large(void *srv, const ot_req *req, size_t cap, ot_resp *resp);
void ot_dispatch(void *srv, ot_req *req, ot_resp *resp);
/* A call made inside the server (a runbook, src/respond/): req is authenticated already —
 * its principal, service and region are set by the caller — so no signature is checked; the
 * service handler answers and the call is audited like any other. */
void ot_api_invoke(ot_api *srv, ot_req *req, ot_resp *resp);

#endif
