/* jsonw.h — compact JSON writer into an ot_buf.
 *
 * The writer inserts commas itself, so callers write keys and values in order:
 *     ot_jw w; ot_jw_init(&w, &buf);
 *     ot_jw_obj(&w); ot_jw_key(&w, "Name"); ot_jw_str(&w, name); ot_jw_end(&w);
 * Errors (buffer cap, too deep) are sticky: check ot_jw_error() once at the end. */
#ifndef OT_JSONW_H
#define OT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/json.h"

#define OT_JW_MAX_DEPTH 64

typedef struct ot_jw {
    ot_buf *b;
    int depth;
    int err;
    bool after_key;
    bool need_comma[OT_JW_MAX_DEPTH + 1];
    char closer[OT_JW_MAX_DEPTH + 1];
} ot_jw;

void ot_jw_init(ot_jw *w, ot_buf *b);
int ot_jw_error(const ot_jw *w);

void ot_jw_obj(ot_jw *w);
void ot_jw_arr(ot_jw *w);
void ot_jw_end(ot_jw *w); /* closes the innermost object or array */
void ot_jw_key(ot_jw *w, const char *key);
void ot_jw_str(ot_jw *w, const char *s);             /* NULL writes null */
void ot_jw_strn(ot_jw *w, const char *s, size_t n);
void ot_jw_int(ot_jw *w, int64_t v);
void ot_jw_num(ot_jw *w, double v);
void ot_jw_bool(ot_jw *w, bool v);
void ot_jw_null(ot_jw *w);
void ot_jw_raw(ot_jw *w, const char *json, size_t n); /* an already-encoded JSON value */
/* Writes the separator a value needs; the caller then appends one JSON value to w->b itself
 * (e.g. with ot_json_write), saving a copy. */
void ot_jw_begin_value(ot_jw *w);

/* Shorthands for "key": value members. */
void ot_jw_kstr(ot_jw *w, const char *key, const char *s);
void ot_jw_kint(ot_jw *w, const char *key, int64_t v);
void ot_jw_kbool(ot_jw *w, const char *key, bool v);

/* Rewrites an object member while ot_jw_json copies a value: writes the member (its key and
 * value) itself and returns true, or returns false to have it copied as it is. It may call
 * ot_jw_json on the value to copy it with the same hook. */
typedef bool (*ot_jw_member_fn)(ot_jw *w, const char *key, size_t keylen, ot_json v, void *ctx);
/* Writes the parsed value v; every object member at any depth goes through member (NULL: none).
 * A value that cannot be encoded is written as null. (jsonw_copy.c) */
void ot_jw_json(ot_jw *w, ot_json v, ot_jw_member_fn member, void *ctx);
/* The keylen bytes of key as a C string in out (truncated to cap - 1 bytes); returns out. */
const char *ot_jw_key_copy(const char *key, size_t keylen, char *out, size_t cap);

/* Appends s as a quoted, escaped JSON string (no writer state). */
int ot_json_escape(ot_buf *b, const char *s, size_t n);

#endif
