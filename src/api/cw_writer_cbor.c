/* cw_writer_cbor.c — the smithy-rpc-v2-cbor backend of the CloudWatch answer writer, with
 * libcbor's encoders: maps and lists indefinite-length (closed by a break, so nothing is
 * counted ahead), text strings, integers, doubles, and timestamps as tag 1 on epoch seconds
 * (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html). */
#include <cbor.h>
#include <string.h>

#include "api/cw_writer.h"

static void put(ot_cww *w, const unsigned char *p, size_t n)
{
    ot_buf_append(w->b, p, n); /* a full buffer is caught by the caller's cap check */
}

static void key(ot_cww *w, const char *k)
{
    if (!k)
        return;
    unsigned char head[9];
    size_t n = strlen(k);
    put(w, head, cbor_encode_string_start(n, head, sizeof head));
    put(w, (const unsigned char *)k, n);
}

static void c_open(ot_cww *w, const char *k, bool list)
{
    unsigned char head[1];
    key(w, k);
    put(w, head, list ? cbor_encode_indef_array_start(head, 1)
                      : cbor_encode_indef_map_start(head, 1));
}

static void c_close(ot_cww *w, const char *k, bool list)
{
    unsigned char head[1];
    put(w, head, cbor_encode_break(head, 1));
}

static void c_str(ot_cww *w, const char *k, const char *s)
{
    key(w, k);
    key(w, s); /* a text string, written as keys are */
}

static void c_num(ot_cww *w, const char *k, double v)
{
    unsigned char b[9];
    key(w, k);
    put(w, b, cbor_encode_double(v, b, sizeof b));
}

static void c_int(ot_cww *w, const char *k, int64_t v)
{
    unsigned char b[9];
    key(w, k);
    put(w, b, v >= 0 ? cbor_encode_uint((uint64_t)v, b, sizeof b)
                     : cbor_encode_negint((uint64_t)(-1 - v), b, sizeof b));
}

static void c_bool(ot_cww *w, const char *k, bool v)
{
    unsigned char b[1];
    key(w, k);
    put(w, b, cbor_encode_bool(v, b, 1));
}

static void c_time(ot_cww *w, const char *k, int64_t ms)
{
    unsigned char b[9];
    key(w, k);
    put(w, b, cbor_encode_tag(1, b, sizeof b));
    put(w, b, cbor_encode_double((double)ms / 1000.0, b, sizeof b));
}

const ot_cww_ops ot_cww_cbor_ops = {
    .open = c_open, .close = c_close, .str = c_str, .num = c_num,
    .integer = c_int, .boolean = c_bool, .time = c_time,
};
