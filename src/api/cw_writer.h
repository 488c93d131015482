/* cw_writer.h — one writer for the answers of the CloudWatch API, with a backend per protocol.
 *
 * An operation writes its output shape once — maps, lists, strings, numbers, timestamps — and
 * the backend makes of it a CBOR map (smithy-rpc-v2-cbor: indefinite-length maps and lists,
 * timestamps as tag 1 epoch seconds), a JSON object (awsJson1_0: timestamps as epoch seconds)
 * or the members of a query-protocol <OpResult> element (list elements are <member>,
 * timestamps ISO 8601 with milliseconds). The caller opens the top-level map (key NULL) first
 * and ends it last; for the query protocol the caller frames the result element around it. */
#ifndef OT_CW_WRITER_H
#define OT_CW_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/jsonw.h"

typedef enum ot_cw_proto {
    OT_CW_PROTO_CBOR,
    OT_CW_PROTO_JSON,
    OT_CW_PROTO_QUERY,
} ot_cw_proto;

#define OT_CWW_DEPTH_MAX 16

typedef struct ot_cww ot_cww;

/* A backend: the bytes of each construct (key is NULL for a list element or the top). */
typedef struct ot_cww_ops {
    void (*open)(ot_cww *w, const char *key, bool list);
    void (*close)(ot_cww *w, const char *key, bool list);
    void (*str)(ot_cww *w, const char *key, const char *s);
    void (*num)(ot_cww *w, const char *key, double v);
    void (*integer)(ot_cww *w, const char *key, int64_t v);
    void (*boolean)(ot_cww *w, const char *key, bool v);
    void (*time)(ot_cww *w, const char *key, int64_t ms);
} ot_cww_ops;

struct ot_cww {
    const ot_cww_ops *ops;
    ot_buf *b;
    int depth;
    const char *keys[OT_CWW_DEPTH_MAX]; /* the open containers (static strings) */
    bool lists[OT_CWW_DEPTH_MAX];
    ot_jw jw;                           /* the JSON backend's */
};

extern const ot_cww_ops ot_cww_cbor_ops, ot_cww_json_ops, ot_cww_xml_ops;

void ot_cww_init(ot_cww *w, ot_cw_proto proto, ot_buf *b);

/* key must be a string that outlives the container (a literal). */
void ot_cww_map(ot_cww *w, const char *key);
void ot_cww_list(ot_cww *w, const char *key);
void ot_cww_end(ot_cww *w);
void ot_cww_str(ot_cww *w, const char *key, const char *s); /* s NULL: the member is left out */
void ot_cww_num(ot_cww *w, const char *key, double v);
void ot_cww_int(ot_cww *w, const char *key, int64_t v);
void ot_cww_bool(ot_cww *w, const char *key, bool v);
void ot_cww_time(ot_cww *w, const char *key, int64_t ms);

#endif
