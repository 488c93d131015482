/* cw_doc.h — one request tree for the three protocols CloudWatch is spoken in.
 *
 * botocore speaks the `monitoring` API as smithy-rpc-v2-cbor (a CBOR map body), awsJson1_0 (a
 * JSON object) or the query protocol (a form: `Dimensions.member.1.Name=..`). Each decoder turns
 * its body into the same tree of maps, lists and scalars, so each operation reads its input
 * once, through the accessors below, whatever the protocol. Scalars keep the form the wire gave
 * them (the query protocol has only strings); the accessors convert: a number may be given as a
 * numeric string, a boolean as "true"/"false", a timestamp as epoch seconds (number, CBOR tag
 * 1, numeric string) or an ISO 8601 string.
 *
 * The decoders face untrusted bytes: they bound the nesting depth and the number of nodes and
 * answer OT_EINVAL (malformed) or OT_ELIMIT (too deep or too many nodes), never crashing. */
#ifndef OT_CW_DOC_H
#define OT_CW_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define OT_CWD_DEPTH_MAX 32      /* nesting of maps and lists */
#define OT_CWD_NODES_MAX 200000  /* every map, list and scalar of one request */

typedef enum ot_cwd_type {
    OT_CWD_NULL,
    OT_CWD_BOOL,
    OT_CWD_NUM,
    OT_CWD_STR,
    OT_CWD_TIME, /* CBOR tag 1: epoch seconds in num */
    OT_CWD_LIST,
    OT_CWD_MAP,
} ot_cwd_type;

/* A node: a scalar, or a map / list whose children are chained through next. */
typedef struct ot_cwd {
    ot_cwd_type type;
    char *key;            /* its name in the parent map; NULL in a list */
    char *str;            /* OT_CWD_STR: NUL-terminated (a string holding NUL is refused) */
    size_t len;
    double num;           /* OT_CWD_NUM, OT_CWD_TIME */
    bool b;               /* OT_CWD_BOOL */
    struct ot_cwd *first, *last, *next;
    size_t n;             /* children */
    long index;           /* query decoding: the member number N, to order a list */
} ot_cwd;

/* The whole tree of one request (ot_cwd_free frees it). */
typedef struct ot_cwd_doc {
    ot_cwd *root;         /* a map */
    size_t nodes;
    char error[160];      /* why a decoder refused the body */
} ot_cwd_doc;

/* Decoders: 0 with *out a new document (root a map; an empty body is an empty map), or
 * OT_EINVAL / OT_ELIMIT / OT_ENOMEM with *out NULL and the reason in err[160] when given. */
int ot_cwd_from_cbor(const uint8_t *data, size_t n, ot_cwd_doc **out, char err[160]);
int ot_cwd_from_json(const char *data, size_t n, ot_cwd_doc **out, char err[160]);
/* A form body (application/x-www-form-urlencoded; Action and Version are members too); keys
 * `A.member.N.B` make lists (ordered by N), `A.entry.N.key/value` stay maps of key/value. */
int ot_cwd_from_form(const char *data, size_t n, ot_cwd_doc **out, char err[160]);
void ot_cwd_free(ot_cwd_doc *d);

/* The members of map m but the query protocol's envelope (Action, Version) as one JSON object,
 * malloc'd, NUL-terminated: what CloudTrail records as a call's requestParameters, whatever
 * the protocol (timestamps as ISO 8601 text). NULL when out of memory. */
char *ot_cwd_params_json(const ot_cwd *m);

/* Building (for the decoders): a new node added to parent (NULL: the root map). key is copied
 * (NULL in a list). NULL when out of memory or past OT_CWD_NODES_MAX. */
ot_cwd *ot_cwd_add(ot_cwd_doc *d, ot_cwd *parent, const char *key, size_t keylen,
                   ot_cwd_type type);
int ot_cwd_set_str(ot_cwd *v, const char *s, size_t n); /* OT_EINVAL if s holds a NUL */
ot_cwd_doc *ot_cwd_doc_new(void);

/* ---- accessors: every one takes NULL (absent) and answers OT_ENOTFOUND for it ---- */

/* The member key of map m, or NULL (also when m is not a map). */
const ot_cwd *ot_cwd_get(const ot_cwd *m, const char *key);
/* 0, OT_ENOTFOUND (v NULL or a null), or OT_EINVAL (another type) for each: */
int ot_cwd_str(const ot_cwd *v, const char **s);
int ot_cwd_num(const ot_cwd *v, double *d);           /* number or numeric string */
int ot_cwd_int(const ot_cwd *v, int64_t *i);          /* integral number or string */
int ot_cwd_bool(const ot_cwd *v, bool *b);            /* bool or "true" / "false" */
int ot_cwd_time_ms(const ot_cwd *v, int64_t *ms);     /* epoch seconds or ISO 8601 */
/* A list (or "" — how the query protocol sends an empty list): its first element in *first
 * (NULL when empty) and its size in *n; walk with ->next. */
int ot_cwd_list(const ot_cwd *v, const ot_cwd **first, size_t *n);

#endif
