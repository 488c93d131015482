/* uri.h — percent-encoding as SigV4 and S3 use it (RFC 3986, uppercase hex).
 *
 * Shared by the server's SigV4 verifier, the outbound AWS client and S3 key handling, so
 * every side encodes and decodes a key the same way. */
#ifndef OT_URI_H
#define OT_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* The value of one hex digit, or -1. */
int ot_hexval(int c);

/* RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
bool ot_uri_unreserved(unsigned char c);

/* Percent-decodes n bytes into out (room for n + 1) and NUL-terminates; returns the decoded
 * length. A '%' that does not start a valid escape stays literal (a stray '%' is then signed
 * as "%25", as a client that encoded it would have). '+' is left alone. */
size_t ot_pct_decode(const char *in, size_t n, char *out);

/* Appends n bytes percent-encoded (everything but unreserved; '/' kept when keep_slash). */
int ot_uri_encode(ot_buf *b, const char *s, size_t n, bool keep_slash);

#endif
