/* http_server.h — the HTTP listener (libmicrohttpd, a thread per connection).
 *
 * It reads a whole request into an ot_req (raw path and query as sent, lowercased headers,
 * body capped before allocation), calls the handler, and sends the ot_resp. */
#ifndef OT_HTTP_SERVER_H
#define OT_HTTP_SERVER_H

#include <stddef.h>

#include "api/http.h"

typedef struct ot_http ot_http;

/* The most body bytes a request may carry, decided from its method/path/headers before any of
 * the body is read. */
typedef size_t (*ot_http_body_cap_fn)(void *ctx, const ot_req *req);
/* Answers a request whose body exceeded the cap (the body is discarded). */
typedef void (*ot_http_too_large_fn)(void *ctx, const ot_req *req, size_t cap, ot_resp *resp);
typedef void (*ot_http_handler_fn)(void *ctx, ot_req *req, ot_resp *resp);

typedef struct ot_http_handlers {
    ot_http_body_cap_fn body_cap;
    ot_http_too_large_fn too_large;
    ot_http_handler_fn handle;
    void *ctx;
} ot_http_handlers;

/* Listens on "host:port" (port 0 picks a free one; *bound_port gets the port). */
int ot_http_start(const char *listen, const ot_http_handlers *h, ot_http **out, int *bound_port);
void ot_http_stop(ot_http *s);

#endif
