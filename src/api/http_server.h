/* http_server.h — the HTTP(S) listener (libmicrohttpd: epoll in a fixed pool of worker threads).
 *
 * It reads a whole request into an ot_req (raw path and query as sent, lowercased headers,
 * body capped before allocation), calls the handler, and sends the ot_resp. Requests with
 * ambiguous framing or too many header lines are refused before a handler sees them
 * (http_framing.h); slow clients are cut by read deadlines (http_deadline.h). Behind a trusted
 * proxy the client address comes from its Forwarded / X-Forwarded-For (forwarded.h); each
 * answered request can get an access log line (access_log.h). */
#ifndef OT_HTTP_SERVER_H
#define OT_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "util/cidr.h"

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

typedef struct ot_http_opts {
    unsigned threads;          /* worker threads; handlers run on them (and may wait for fsync) */
    unsigned max_connections;  /* lowered to what the open-file limit allows */
    unsigned max_per_ip;       /* connections per client address; 0 = no cap */
    int64_t header_timeout_ms; /* request line + headers must arrive within this */
    int64_t body_timeout_ms;   /* the body within this, plus 1 s per 500 bytes received */
    const char *tls_cert;      /* PEM files; both set = HTTPS, both NULL/"" = plain HTTP */
    const char *tls_key;
    bool access_log;           /* one info line per request (api/access_log.h) */
    /* Peers whose Forwarded / X-Forwarded-For name the client (api/forwarded.h); borrowed,
     * must outlive the server; NULL or empty: the TCP peer is always the client. */
    const ot_cidr_list *trusted_proxies;
} ot_http_opts;

/* Checks the TLS files and binds "host:port" (port 0 picks a free one; *bound_port gets it),
 * exclusively, without accepting connections yet: called before anything else is set up, so a
 * busy port or a bad certificate stops the server at once. */
int ot_http_open(const char *listen, const ot_http_opts *o, ot_http **out, int *bound_port);
/* Starts accepting and serving requests. */
int ot_http_serve(ot_http *s, const ot_http_handlers *h);
bool ot_http_is_tls(const ot_http *s);
/* Stops serving (waits for requests in progress) and frees s; NULL is fine. */
void ot_http_stop(ot_http *s);

#endif
