/* http_framing.h — is a request's message framing unambiguous? (RFC 9112 §6.3)
 *
 * libmicrohttpd parses the request, but it takes the first of two Content-Length headers and
 * prefers Transfer-Encoding over Content-Length when both are sent. A proxy in front of us may
 * have decided otherwise, and then the two disagree on where this request ends and the next one
 * begins (request smuggling). So every header line is fed here before the request is handled,
 * and an ambiguous request is refused (400, connection closed), as is one with more header
 * lines than an ot_req holds (431) — none is silently dropped. Pure: no I/O, no allocation. */
#ifndef OT_HTTP_FRAMING_H
#define OT_HTTP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot_framing {
    size_t nheaders;
    unsigned content_lengths;   /* Content-Length header lines seen */
    uint64_t content_length;    /* the value of the first one */
    unsigned transfer_encodings;
    bool bad_content_length;    /* not digits, overflows, or differs from another one */
    bool bad_transfer_encoding; /* anything but "chunked" */
} ot_framing;

void ot_framing_init(ot_framing *f);
/* One header line as received (name in any case; value without surrounding whitespace). */
void ot_framing_header(ot_framing *f, const char *name, const char *value);
/* 0 if the request may be handled, else the HTTP status to refuse it with: 400 (ambiguous or
 * malformed framing) or 431 (more than max_headers header lines). */
int ot_framing_verdict(const ot_framing *f, size_t max_headers);

#endif
