/* cw_doc_cbor.c — a smithy-rpc-v2-cbor request body into the request tree, with libcbor's
 * streaming decoder (cbor_stream_decode): it hands over one item header at a time, so nothing
 * is allocated from a length the sender declared; this file keeps the stack of open maps and
 * lists (bounded by OT_CWD_DEPTH_MAX) and places each item in the tree.
 *
 * Accepted: one map at the top with text-string keys; text strings (definite or chunked),
 * integers, floats (half, single, double), booleans, null/undefined, maps, lists, and tag 1
 * (epoch seconds) on a number. Refused: byte strings, other tags, anything after the map. */
#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cw_doc.h"
#include "util/buf.h"
#include "util/err.h"

#define STRING_MAX (1u << 20) /* one text string, chunks included */

typedef struct frame {
    ot_cwd *node;       /* the map or list being filled */
    uint64_t left;      /* definite: items (lists) or pairs (maps) still to come */
    bool indefinite;
    bool have_key;      /* a map: its next item is the value of key */
    char *key;
    size_t keylen;
} frame;

typedef struct decoder {
    ot_cwd_doc *d;
    frame stack[OT_CWD_DEPTH_MAX];
    int depth;
    bool started, done;   /* the top-level map was opened / closed */
    bool tagged;          /* the next item carries tag 1 */
    bool in_chunks;       /* inside a chunked text string */
    ot_buf chunks;
    int rc;
    char err[160];
} decoder;

static void fail(decoder *x, int rc, const char *why)
{
    if (x->rc)
        return;
    x->rc = rc;
    snprintf(x->err, sizeof x->err, "%s", why);
}

static frame *top(decoder *x)
{
    return x->depth ? &x->stack[x->depth - 1] : NULL;
}

/* A complete item has been placed: count it in its container, closing the definite
 * containers it completes. */
static void item_end(decoder *x)
{
    while (x->depth) {
        frame *f = top(x);
        if (f->node->type == OT_CWD_MAP) {
            free(f->key);
            f->key = NULL;
            f->have_key = false;
        }
        if (f->indefinite || --f->left)
            return;
        x->depth--;
    }
    x->done = true;
}

/* A new node for the next value, or NULL after failing. */
static ot_cwd *slot(decoder *x, ot_cwd_type type)
{
    frame *f = top(x);
    if (x->rc)
        return NULL;
    if (x->in_chunks) {
        fail(x, OT_EINVAL, "a chunked string holds something other than text");
        return NULL;
    }
    if (!f) {
        fail(x, OT_EINVAL, x->done ? "data after the request map" : "the request is not a map");
        return NULL;
    }
    if (f->node->type == OT_CWD_MAP && !f->have_key) {
        fail(x, OT_EINVAL, "a map key is not a text string");
        return NULL;
    }
    if (x->tagged && type != OT_CWD_NUM) {
        fail(x, OT_EINVAL, "tag 1 (a timestamp) on something other than a number");
        return NULL;
    }
    if (x->tagged)
        type = OT_CWD_TIME;
    x->tagged = false;
    ot_cwd *v = ot_cwd_add(x->d, f->node, f->key, f->keylen, type);
    if (!v)
        fail(x, x->d->nodes >= OT_CWD_NODES_MAX ? OT_ELIMIT : OT_ENOMEM,
             "too many members in the request");
    return v;
}

static void number(decoder *x, double v)
{
    ot_cwd *n = slot(x, OT_CWD_NUM);
    if (!n)
        return;
    n->num = v;
    item_end(x);
}

static void got_string(decoder *x, const char *s, size_t n)
{
    frame *f = top(x);
    if (!x->rc && f && f->node->type == OT_CWD_MAP && !f->have_key && !x->tagged) {
        if (memchr(s, '\0', n) || !(f->key = strndup(s, n))) {
            fail(x, OT_EINVAL, "a map key holds a NUL byte");
            return;
        }
        f->keylen = n;
        f->have_key = true;
        return;
    }
    ot_cwd *v = slot(x, OT_CWD_STR);
    if (!v)
        return;
    if (ot_cwd_set_str(v, s, n)) {
        fail(x, OT_EINVAL, "a string holds a NUL byte");
        return;
    }
    item_end(x);
}

static void open_container(decoder *x, ot_cwd_type type, bool indefinite, uint64_t size)
{
    ot_cwd *node;
    if (x->rc)
        return;
    if (!x->started && type == OT_CWD_MAP && !x->tagged && !x->in_chunks) {
        x->started = true;
        node = x->d->root;
    } else if (!x->started) {
        fail(x, OT_EINVAL, "the request is not a map");
        return;
    } else if (!(node = slot(x, type))) {
        return;
    }
    if (x->depth == OT_CWD_DEPTH_MAX) {
        fail(x, OT_ELIMIT, "the request nests too deep");
        return;
    }
    x->stack[x->depth++] = (frame){.node = node, .left = size, .indefinite = indefinite};
    if (!indefinite && !size) { /* an empty definite container is complete at once */
        x->stack[x->depth - 1].left = 1;
        item_end(x);
    }
}

/* ---- libcbor callbacks ---- */

static void cb_uint8(void *c, uint8_t v) { number(c, v); }
static void cb_uint16(void *c, uint16_t v) { number(c, v); }
static void cb_uint32(void *c, uint32_t v) { number(c, v); }
static void cb_uint64(void *c, uint64_t v) { number(c, (double)v); }
static void cb_negint8(void *c, uint8_t v) { number(c, -1.0 - v); }
static void cb_negint16(void *c, uint16_t v) { number(c, -1.0 - v); }
static void cb_negint32(void *c, uint32_t v) { number(c, -1.0 - v); }
static void cb_negint64(void *c, uint64_t v) { number(c, -1.0 - (double)v); }
static void cb_float(void *c, float v) { number(c, v); }
static void cb_double(void *c, double v) { number(c, v); }

static void cb_bytes(void *c, cbor_data data, size_t n)
{
    fail(c, OT_EINVAL, "byte strings are not accepted");
}

static void cb_bytes_start(void *c)
{
    fail(c, OT_EINVAL, "byte strings are not accepted");
}

static void cb_string(void *c, cbor_data data, size_t n)
{
    decoder *x = c;
    if (!x->in_chunks) {
        got_string(x, (const char *)data, n);
        return;
    }
    if (ot_buf_append(&x->chunks, data, n))
        fail(x, OT_ELIMIT, "a string is too long");
}

static void cb_string_start(void *c)
{
    decoder *x = c;
    if (x->in_chunks)
        fail(x, OT_EINVAL, "a chunked string inside a chunked string");
    x->in_chunks = true;
    ot_buf_reset(&x->chunks);
}

static void cb_array(void *c, size_t n) { open_container(c, OT_CWD_LIST, false, n); }
static void cb_indef_array(void *c) { open_container(c, OT_CWD_LIST, true, 0); }
static void cb_map(void *c, size_t n) { open_container(c, OT_CWD_MAP, false, n); }
static void cb_indef_map(void *c) { open_container(c, OT_CWD_MAP, true, 0); }

static void cb_tag(void *c, uint64_t tag)
{
    decoder *x = c;
    if (x->in_chunks)
        fail(x, OT_EINVAL, "a chunked string holds something other than text");
    if (tag != 1 || x->tagged)
        fail(x, OT_EINVAL, "a CBOR tag other than 1 (epoch seconds)");
    x->tagged = true;
}

static void cb_null(void *c)
{
    if (slot(c, OT_CWD_NULL))
        item_end(c);
}

static void cb_bool(void *c, bool b)
{
    ot_cwd *v = slot(c, OT_CWD_BOOL);
    if (!v)
        return;
    v->b = b;
    item_end(c);
}

static void cb_break(void *c)
{
    decoder *x = c;
    if (x->in_chunks) {
        x->in_chunks = false;
        got_string(x, x->chunks.data ? x->chunks.data : "", x->chunks.len);
        return;
    }
    frame *f = top(x);
    if (!f || !f->indefinite || f->have_key || x->tagged) {
        fail(x, OT_EINVAL, "an unexpected break");
        return;
    }
    f->left = 1;
    f->indefinite = false;
    item_end(x);
}

static const struct cbor_callbacks CALLBACKS = {
    .uint8 = cb_uint8, .uint16 = cb_uint16, .uint32 = cb_uint32, .uint64 = cb_uint64,
    .negint8 = cb_negint8, .negint16 = cb_negint16, .negint32 = cb_negint32,
    .negint64 = cb_negint64,
    .byte_string_start = cb_bytes_start, .byte_string = cb_bytes,
    .string = cb_string, .string_start = cb_string_start,
    .indef_array_start = cb_indef_array, .array_start = cb_array,
    .indef_map_start = cb_indef_map, .map_start = cb_map,
    .tag = cb_tag, .float2 = cb_float, .float4 = cb_float, .float8 = cb_double,
    .undefined = cb_null, .null = cb_null, .boolean = cb_bool, .indef_break = cb_break,
};

static void run(decoder *x, const uint8_t *data, size_t n)
{
    size_t at = 0;
    while (at < n && !x->rc) {
        if (x->done) {
            fail(x, OT_EINVAL, "data after the request map");
            break;
        }
        struct cbor_decoder_result r = cbor_stream_decode(data + at, n - at, &CALLBACKS, x);
        if (r.status != CBOR_DECODER_FINISHED) {
            char why[64];
            snprintf(why, sizeof why, "malformed or truncated CBOR at byte %zu", at);
            fail(x, OT_EINVAL, why);
            break;
        }
        at += r.read;
    }
    if (!x->rc && n && !x->done)
        fail(x, OT_EINVAL, "truncated CBOR: the request map is not closed");
}

int ot_cwd_from_cbor(const uint8_t *data, size_t n, ot_cwd_doc **out, char err[160])
{
    *out = NULL;
    decoder x;
    memset(&x, 0, sizeof x);
    ot_buf_init(&x.chunks, STRING_MAX);
    if (!(x.d = ot_cwd_doc_new()))
        return OT_ENOMEM;
    run(&x, data, n);
    for (int i = 0; i < x.depth; i++)
        free(x.stack[i].key);
    ot_buf_free(&x.chunks);
    if (x.rc) {
        if (err)
            snprintf(err, 160, "%s", x.err);
        ot_cwd_free(x.d);
        return x.rc;
    }
    *out = x.d;
    return OT_OK;
}
