/* json.h — a thin C reader over simdjson's DOM (json.cpp).
 *
 * Why simdjson: parsing is on the ingest hot path (PutAuditEvents parses the request and every
 * eventData string) and simdjson parses ~1.3 GB/s per core here, 8x cJSON (see
 * docs/benchmarks.md). It also validates UTF-8 and bounds nesting depth for us.
 *
 * An ot_json is a small handle into the document last parsed by its ot_json_doc: it stays valid
 * until that doc parses again or is freed. Strings returned point into the doc, are
 * NUL-terminated and may contain NUL bytes (use the length). */
#ifndef OT_JSON_H
#define OT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OT_JSON_MAX_DEPTH 128

typedef struct ot_json_doc ot_json_doc;
typedef struct ot_json { uint64_t opaque[2]; } ot_json;
typedef struct ot_json_iter { uint64_t opaque[4]; } ot_json_iter;

typedef enum {
    OT_JSON_NULL,
    OT_JSON_BOOL,
    OT_JSON_NUMBER,
    OT_JSON_STRING,
    OT_JSON_ARRAY,
    OT_JSON_OBJECT,
} ot_json_type;

ot_json_doc *ot_json_doc_new(void);
void ot_json_doc_free(ot_json_doc *d);

/* Parses buf[0..len). If padded is true, buf has OT_BUF_PAD readable bytes past len (an ot_buf
 * always has) and is parsed in place; otherwise it is copied first. Returns 0, or OT_EINVAL with
 * a short reason in err (malformed JSON, invalid UTF-8, too deep, ...). */
int ot_json_parse(ot_json_doc *d, const char *buf, size_t len, bool padded, ot_json *root,
                  char *err, size_t errlen);

ot_json_type ot_json_typeof(ot_json v);

/* The AWS name of a JSON type, for "expected <type>" messages: boolean, number, string, list,
 * structure or null. A static string. */
const char *ot_json_type_name(ot_json_type t);

/* Object member lookup: 0 if found, OT_ENOTFOUND if absent, OT_EINVAL if v is no object. */
int ot_json_get(ot_json obj, const char *key, ot_json *out);

/* Typed reads: 0, or OT_EINVAL if the value has another type. */
int ot_json_str(ot_json v, const char **s, size_t *len);
int ot_json_bool(ot_json v, bool *b);
int ot_json_double(ot_json v, double *d); /* any number */
int ot_json_int64(ot_json v, int64_t *i); /* integral numbers only */

/* Convenience: member `key` as a string / bool. Returns OT_ENOTFOUND if absent, OT_EINVAL if it
 * has another type (null counts as absent). */
int ot_json_get_str(ot_json obj, const char *key, const char **s, size_t *len);
int ot_json_get_bool(ot_json obj, const char *key, bool *b);
/* Member `key` as a string copied into out (cap bytes, NUL-terminated). A value that does not
 * fit is not cut (a cut ARN or key id would name something else): out is "" and the result
 * OT_ELIMIT. out is also "" when the member is absent or not a string (the codes above). */
int ot_json_get_strbuf(ot_json obj, const char *key, char *out, size_t cap);

/* Iteration over arrays and objects. Returns 0 and fills the iterator, or OT_EINVAL. */
int ot_json_array_iter(ot_json arr, ot_json_iter *it);
bool ot_json_array_next(ot_json_iter *it, ot_json *val);
int ot_json_object_iter(ot_json obj, ot_json_iter *it);
bool ot_json_object_next(ot_json_iter *it, const char **key, size_t *keylen, ot_json *val);
size_t ot_json_count(ot_json v); /* elements of an array / members of an object, else 0 */

/* Appends v as compact JSON. */
int ot_json_write(ot_json v, ot_buf *out);

#ifdef __cplusplus
}
#endif
#endif
