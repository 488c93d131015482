/* buf.h — growable byte buffer with a hard cap (like curl's dynbuf).
 *
 * Every append checks the cap before it allocates, so untrusted input can never make a buffer
 * grow past what its owner allowed. The data is always NUL-terminated and has OT_BUF_PAD spare
 * bytes after it, so it can be handed to the JSON parser without a copy. */
#ifndef OT_BUF_H
#define OT_BUF_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdarg.h>
#include <stddef.h>

#define OT_BUF_PAD 64 /* spare bytes kept past len (simdjson needs 64 readable bytes) */

typedef struct ot_buf {
    char *data;
    size_t len;
    size_t cap; /* allocated bytes, excluding the padding */
    size_t max; /* hard cap on len; 0 means SIZE_MAX/2 */
} ot_buf;

void ot_buf_init(ot_buf *b, size_t max);
void ot_buf_free(ot_buf *b);
void ot_buf_reset(ot_buf *b);                  /* len = 0, keeps memory */
int ot_buf_reserve(ot_buf *b, size_t extra);   /* room for extra more bytes */
int ot_buf_append(ot_buf *b, const void *p, size_t n);
int ot_buf_puts(ot_buf *b, const char *s);
int ot_buf_putc(ot_buf *b, char c);
int ot_buf_printf(ot_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ot_buf_vprintf(ot_buf *b, const char *fmt, va_list ap);
/* Hands the data to the caller (free() it) and leaves b empty. */
char *ot_buf_take(ot_buf *b, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
