/* gzip.h — one gzip member per log or digest file, with ISA-L igzip at level 1; and a capped
 * gunzip for untrusted bodies. */
#ifndef OT_GZIP_H
#define OT_GZIP_H

#include <stddef.h>

#include "util/buf.h"

/* Compresses in[0..len) as one gzip member (ISA-L, level 1) and appends it to out. */
int ot_gzip(const void *in, size_t len, ot_buf *out);

/* Inflates one gzip member in[0..n) into out (appended, NUL-terminated), at most max bytes:
 * 0, OT_EINVAL (not gzip, corrupt, truncated, bytes after the member), OT_ELIMIT (over max)
 * or OT_ENOMEM. */
int ot_gunzip(const void *in, size_t n, size_t max, ot_buf *out);

#endif
