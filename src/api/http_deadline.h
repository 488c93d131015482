/* http_deadline.h — read deadlines for HTTP connections (the slowloris defence).
 *
 * An idle timeout is not enough: a client that sends one header byte every few seconds is never
 * idle, and a few thousand of them hold every connection slot. So each connection is tracked
 * through the phases of a request, and a reaper thread cuts (shutdown(2)) the socket of any
 * connection that overstays its phase:
 *
 *   waiting  from accept, or from the end of the previous response on a kept-alive connection,
 *            until the request line and headers are complete: at most header_ms;
 *   body     until the body is complete: at most body_ms plus one second per min_rate bytes
 *            received (so a large upload at a sane rate is never cut; cf. Apache mod_reqtimeout);
 *   busy     while the handler runs and the reply is sent: no deadline here (the server's idle
 *            timeout still applies).
 *
 * shutdown() does not release the descriptor, so the server's own close stays the only close;
 * the reaper only touches a descriptor while its connection is registered, and the server
 * unregisters it (ot_deadline_close, under the same lock) before it closes the socket. */
#ifndef OT_HTTP_DEADLINE_H
#define OT_HTTP_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ot_deadlines ot_deadlines;
typedef struct ot_deadline_conn ot_deadline_conn;

typedef struct ot_deadline_opts {
    int64_t header_ms;  /* request line + headers */
    int64_t body_ms;    /* body, before the per-byte allowance */
    uint64_t min_rate;  /* body bytes that earn one more second */
    int64_t tick_ms;    /* how often the reaper looks (0: 250; < 0: no reaper thread, the
                         * caller runs ot_deadlines_reap itself — for tests) */
    int64_t (*clock_ms)(void); /* a monotonic clock in ms; NULL = CLOCK_MONOTONIC */
} ot_deadline_opts;

int ot_deadlines_start(const ot_deadline_opts *o, ot_deadlines **out);
void ot_deadlines_stop(ot_deadlines *d);
/* Connections cut so far. */
uint64_t ot_deadlines_cut(ot_deadlines *d);
/* One pass of the reaper: cuts every overdue connection; returns how many. */
unsigned ot_deadlines_reap(ot_deadlines *d);

/* A new connection on socket fd, now waiting for its first request. NULL if out of memory (the
 * connection is then not policed; the server's idle timeout still applies). */
ot_deadline_conn *ot_deadline_open(ot_deadlines *d, int fd);
/* Headers complete: the body phase starts. */
void ot_deadline_headers_done(ot_deadlines *d, ot_deadline_conn *c);
/* n more body bytes arrived. */
void ot_deadline_body_bytes(ot_deadlines *d, ot_deadline_conn *c, size_t n);
/* Body complete: the handler runs and the reply is sent, without a deadline. */
void ot_deadline_busy(ot_deadlines *d, ot_deadline_conn *c);
/* Reply sent: waiting for the next request on the kept-alive connection. */
void ot_deadline_waiting(ot_deadlines *d, ot_deadline_conn *c);
/* The connection is about to be closed: forget it (the reaper will not touch its fd again). */
void ot_deadline_close(ot_deadlines *d, ot_deadline_conn *c);

#endif
