/* gzip.h — one gzip member per log or digest file, with ISA-L igzip at level 1. */
#ifndef OT_GZIP_H
#define OT_GZIP_H

#include <stddef.h>

#include "util/buf.h"

/* Compresses in[0..len) as one gzip member (ISA-L, level 1) and appends it to out. */
int ot_gzip(const void *in, size_t len, ot_buf *out);

#endif
