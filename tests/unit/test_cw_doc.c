/* test_cw_doc.c — the CloudWatch API's request tree and answer writer: the CBOR decoder
 * (src/api/cw_doc_cbor.c) on well-formed and broken bodies (one test per error path), the JSON
 * and form decoders giving the same tree, the accessors' conversions (src/api/cw_doc.c), and the
 * three writer backends (src/api/cw_writer*.c) checked byte for byte. CBOR inputs are built with
 * libcbor's own encoders, not by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <cmocka.h>

#include "api/cw_doc.h"
#include "api/cw_writer.h"
#include "util/err.h"
#include "util/gzip.h"

/* ---- building CBOR with libcbor ---------------------------------------------------------- */

typedef struct cb {
    unsigned char data[4096];
    size_t len;
} cb;

static void cb_put(cb *b, size_t n)
{
    assert_true(n > 0);
    b->len += n;
}

static unsigned char *at(cb *b) { return b->data + b->len; }
static size_t room(cb *b) { return sizeof b->data - b->len; }

static void cb_str(cb *b, const char *s)
{
    size_t n = strlen(s);
    cb_put(b, cbor_encode_string_start(n, at(b), room(b)));
    memcpy(at(b), s, n);
    b->len += n;
}

static void cb_map(cb *b, size_t n) { cb_put(b, cbor_encode_map_start(n, at(b), room(b))); }
static void cb_arr(cb *b, size_t n) { cb_put(b, cbor_encode_array_start(n, at(b), room(b))); }
static void cb_dbl(cb *b, double v) { cb_put(b, cbor_encode_double(v, at(b), room(b))); }
static void cb_uint(cb *b, uint64_t v) { cb_put(b, cbor_encode_uint(v, at(b), room(b))); }

static int decode(cb *b, ot_cwd_doc **d, char err[160])
{
    return ot_cwd_from_cbor(b->data, b->len, d, err);
}

/* {"Namespace":"App","MetricData":[{"MetricName":"Errors","Value":2.5,
 *   "Timestamp":tag1(1700000000),"Dimensions":[{"Name":"Host","Value":"a"}]}]} */
static void put_metric_data_body(cb *b)
{
    cb_map(b, 2);
    cb_str(b, "Namespace");
    cb_str(b, "App");
    cb_str(b, "MetricData");
    cb_arr(b, 1);
    cb_map(b, 4);
    cb_str(b, "MetricName");
    cb_str(b, "Errors");
    cb_str(b, "Value");
    cb_dbl(b, 2.5);
    cb_str(b, "Timestamp");
    cb_put(b, cbor_encode_tag(1, at(b), room(b)));
    cb_uint(b, 1700000000);
    cb_str(b, "Dimensions");
    cb_arr(b, 1);
    cb_map(b, 2);
    cb_str(b, "Name");
    cb_str(b, "Host");
    cb_str(b, "Value");
    cb_str(b, "a");
}

/* The tree every protocol's PutMetricData body above must give. */
static void check_put_metric_data_tree(const ot_cwd_doc *d)
{
    const char *s;
    double v;
    int64_t ms;
    const ot_cwd *list, *dims;
    size_t n;
    assert_int_equal(ot_cwd_str(ot_cwd_get(d->root, "Namespace"), &s), OT_OK);
    assert_string_equal(s, "App");
    assert_int_equal(ot_cwd_list(ot_cwd_get(d->root, "MetricData"), &list, &n), OT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ot_cwd_str(ot_cwd_get(list, "MetricName"), &s), OT_OK);
    assert_string_equal(s, "Errors");
    assert_int_equal(ot_cwd_num(ot_cwd_get(list, "Value"), &v), OT_OK);
    assert_true(v == 2.5);
    assert_int_equal(ot_cwd_time_ms(ot_cwd_get(list, "Timestamp"), &ms), OT_OK);
    assert_int_equal(ms, 1700000000000LL);
    assert_int_equal(ot_cwd_list(ot_cwd_get(list, "Dimensions"), &dims, &n), OT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ot_cwd_str(ot_cwd_get(dims, "Value"), &s), OT_OK);
    assert_string_equal(s, "a");
}

static void test_cw_doc__cbor_request(void **state)
{
    (void)state;
    cb b = {.len = 0};
    put_metric_data_body(&b);
    ot_cwd_doc *d;
    assert_int_equal(decode(&b, &d, NULL), OT_OK);
    check_put_metric_data_tree(d);
    assert_null(ot_cwd_get(d->root, "Absent"));
    ot_cwd_free(d);
}

static void test_cw_doc__cbor_indefinite_and_chunked(void **state)
{
    (void)state;
    cb b = {.len = 0};
    cb_put(&b, cbor_encode_indef_map_start(at(&b), room(&b)));
    cb_str(&b, "AlarmNames");
    cb_put(&b, cbor_encode_indef_array_start(at(&b), room(&b)));
    cb_put(&b, cbor_encode_indef_string_start(at(&b), room(&b)));
    cb_str(&b, "high-");
    cb_str(&b, "cpu");
    cb_put(&b, cbor_encode_break(at(&b), room(&b)));
    cb_put(&b, cbor_encode_break(at(&b), room(&b)));
    cb_str(&b, "Flag");
    cb_put(&b, cbor_encode_bool(true, at(&b), room(&b)));
    cb_str(&b, "Neg");
    cb_put(&b, cbor_encode_negint(4, at(&b), room(&b))); /* -5 */
    cb_put(&b, cbor_encode_break(at(&b), room(&b)));
    ot_cwd_doc *d;
    assert_int_equal(decode(&b, &d, NULL), OT_OK);
    const ot_cwd *first;
    size_t n;
    const char *s;
    bool flag;
    int64_t neg;
    assert_int_equal(ot_cwd_list(ot_cwd_get(d->root, "AlarmNames"), &first, &n), OT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ot_cwd_str(first, &s), OT_OK);
    assert_string_equal(s, "high-cpu");
    assert_int_equal(ot_cwd_bool(ot_cwd_get(d->root, "Flag"), &flag), OT_OK);
    assert_true(flag);
    assert_int_equal(ot_cwd_int(ot_cwd_get(d->root, "Neg"), &neg), OT_OK);
    assert_int_equal(neg, -5);
    ot_cwd_free(d);
}

/* Each refusal: the code, and a reason naming the fault. */
static void refused(cb *b, int code, const char *why)
{
    ot_cwd_doc *d = (ot_cwd_doc *)1;
    char err[160] = "";
    assert_int_equal(decode(b, &d, err), code);
    assert_null(d);
    assert_non_null(strstr(err, why));
}

static void test_cw_doc__cbor_errors(void **state)
{
    (void)state;
    cb b = {.len = 0};
    cb_arr(&b, 0); /* not a map */
    refused(&b, OT_EINVAL, "not a map");

    b.len = 0;
    put_metric_data_body(&b);
    b.len -= 3; /* cut inside the last string */
    refused(&b, OT_EINVAL, "truncated");

    b.len = 0;
    put_metric_data_body(&b);
    b.len--;                  /* drop the last value "a" ... */
    b.data[b.len - 1] = 0xff; /* ... and put a break where it must be */
    refused(&b, OT_EINVAL, "unexpected break");

    b.len = 0;
    cb_map(&b, 1);
    cb_uint(&b, 7); /* a key that is not a string */
    cb_str(&b, "x");
    refused(&b, OT_EINVAL, "map key");

    b.len = 0;
    cb_map(&b, 1);
    cb_str(&b, "Blob");
    cb_put(&b, cbor_encode_bytestring_start(1, at(&b), room(&b)));
    b.data[b.len++] = 'x';
    refused(&b, OT_EINVAL, "byte strings");

    b.len = 0;
    cb_map(&b, 1);
    cb_str(&b, "T");
    cb_put(&b, cbor_encode_tag(2, at(&b), room(&b)));
    cb_uint(&b, 1);
    refused(&b, OT_EINVAL, "tag");

    b.len = 0;
    cb_map(&b, 1);
    cb_str(&b, "T");
    cb_put(&b, cbor_encode_tag(1, at(&b), room(&b)));
    cb_str(&b, "soon");
    refused(&b, OT_EINVAL, "tag 1");

    b.len = 0;
    cb_map(&b, 0);
    cb_map(&b, 0); /* a second item after the request */
    refused(&b, OT_EINVAL, "after the request");

    b.len = 0;
    cb_map(&b, 1);
    cb_str(&b, "K");
    cb_str(&b, "a");
    b.data[b.len - 1] = '\0'; /* a NUL inside a string */
    refused(&b, OT_EINVAL, "NUL");

    b.len = 0;
    cb_map(&b, 1);
    cb_str(&b, "Deep");
    for (int i = 0; i < OT_CWD_DEPTH_MAX + 2; i++)
        cb_arr(&b, 1);
    cb_uint(&b, 1);
    refused(&b, OT_ELIMIT, "too deep");

    b.len = 0;
    cb_map(&b, 1);
    cb_str(&b, "S");
    cb_put(&b, cbor_encode_indef_string_start(at(&b), room(&b)));
    cb_uint(&b, 7); /* a chunk that is not text */
    cb_put(&b, cbor_encode_break(at(&b), room(&b)));
    refused(&b, OT_EINVAL, "chunked string");

    b.len = 0;
    b.data[b.len++] = 0x1c; /* a reserved additional-information value */
    refused(&b, OT_EINVAL, "malformed");

    /* A huge declared length allocates nothing: it is simply never complete. */
    b.len = 0;
    cb_map(&b, 1);
    cb_str(&b, "L");
    cb_arr(&b, (size_t)1 << 40);
    refused(&b, OT_EINVAL, "not closed");
}

static void test_cw_doc__cbor_node_cap(void **state)
{
    (void)state;
    static unsigned char big[4 + OT_CWD_NODES_MAX + 16];
    size_t n = 0;
    n += cbor_encode_map_start(1, big + n, sizeof big - n);
    big[n++] = 0x61; /* "L" */
    big[n++] = 'L';
    n += cbor_encode_array_start(OT_CWD_NODES_MAX + 1, big + n, sizeof big - n);
    memset(big + n, 0x01, OT_CWD_NODES_MAX + 1); /* the integer 1, many times */
    n += OT_CWD_NODES_MAX + 1;
    ot_cwd_doc *d;
    char err[160];
    assert_int_equal(ot_cwd_from_cbor(big, n, &d, err), OT_ELIMIT);
    assert_non_null(strstr(err, "too many"));
}

static void test_cw_doc__empty_body_is_empty_map(void **state)
{
    (void)state;
    ot_cwd_doc *d;
    assert_int_equal(ot_cwd_from_cbor((const uint8_t *)"", 0, &d, NULL), OT_OK);
    assert_int_equal(d->root->type, OT_CWD_MAP);
    assert_int_equal(d->root->n, 0);
    ot_cwd_free(d);
    assert_int_equal(ot_cwd_from_json("", 0, &d, NULL), OT_OK);
    assert_int_equal(d->root->n, 0);
    ot_cwd_free(d);
}

/* ---- JSON and form give the same tree -------------------------------------------------- */

static void test_cw_doc__json_request(void **state)
{
    (void)state;
    const char *j = "{\"Namespace\":\"App\",\"MetricData\":[{\"MetricName\":\"Errors\","
                    "\"Value\":2.5,\"Timestamp\":1700000000,"
                    "\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"a\"}]}]}";
    ot_cwd_doc *d;
    assert_int_equal(ot_cwd_from_json(j, strlen(j), &d, NULL), OT_OK);
    check_put_metric_data_tree(d);
    ot_cwd_free(d);
    char err[160];
    assert_int_equal(ot_cwd_from_json("[1]", 3, &d, err), OT_EINVAL);
    assert_non_null(strstr(err, "not a JSON object"));
    assert_int_equal(ot_cwd_from_json("{\"a\":", 5, &d, err), OT_EINVAL);
    assert_int_equal(ot_cwd_from_json("{\"a\":\"x\\u0000\"}", 15, &d, err), OT_EINVAL);
}

static void test_cw_doc__form_request(void **state)
{
    (void)state;
    /* Members out of order, as a client may send them. */
    const char *f = "Action=PutMetricData&Version=2010-08-01&Namespace=App"
                    "&MetricData.member.1.Dimensions.member.1.Value=a"
                    "&MetricData.member.1.MetricName=Errors"
                    "&MetricData.member.1.Value=2.5"
                    "&MetricData.member.1.Timestamp=2023-11-14T22%3A13%3A20Z"
                    "&MetricData.member.1.Dimensions.member.1.Name=Host";
    ot_cwd_doc *d;
    assert_int_equal(ot_cwd_from_form(f, strlen(f), &d, NULL), OT_OK);
    check_put_metric_data_tree(d);
    const char *action;
    assert_int_equal(ot_cwd_str(ot_cwd_get(d->root, "Action"), &action), OT_OK);
    assert_string_equal(action, "PutMetricData");
    ot_cwd_free(d);
}

static void test_cw_doc__form_lists(void **state)
{
    (void)state;
    const char *f = "AlarmNames.member.3=c&AlarmNames.member.1=a+b&AlarmNames.member.2=%2B&E=";
    ot_cwd_doc *d;
    assert_int_equal(ot_cwd_from_form(f, strlen(f), &d, NULL), OT_OK);
    const ot_cwd *v;
    size_t n;
    const char *s;
    assert_int_equal(ot_cwd_list(ot_cwd_get(d->root, "AlarmNames"), &v, &n), OT_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ot_cwd_str(v, &s), OT_OK);
    assert_string_equal(s, "a b");
    assert_int_equal(ot_cwd_str(v->next, &s), OT_OK);
    assert_string_equal(s, "+");
    assert_int_equal(ot_cwd_str(v->next->next, &s), OT_OK);
    assert_string_equal(s, "c");
    /* "E=" is how the query protocol sends an empty list. */
    assert_int_equal(ot_cwd_list(ot_cwd_get(d->root, "E"), &v, &n), OT_OK);
    assert_int_equal(n, 0);
    ot_cwd_free(d);
}

static void test_cw_doc__form_errors(void **state)
{
    (void)state;
    ot_cwd_doc *d;
    char err[160];
    const char *conflict = "A=1&A.member.1=x";
    assert_int_equal(ot_cwd_from_form(conflict, strlen(conflict), &d, err), OT_EINVAL);
    assert_non_null(strstr(err, "conflicts"));
    const char *bad = "A=%zz";
    assert_int_equal(ot_cwd_from_form(bad, strlen(bad), &d, err), OT_EINVAL);
    const char *nul = "A=%00";
    assert_int_equal(ot_cwd_from_form(nul, strlen(nul), &d, err), OT_EINVAL);
    const char *empty = "A..B=1";
    assert_int_equal(ot_cwd_from_form(empty, strlen(empty), &d, err), OT_EINVAL);
    /* A list number past 1000 is not a list member: "member.1001" names a map member. */
    const char *far = "A.member.1=x&A.member.1001=y";
    assert_int_equal(ot_cwd_from_form(far, strlen(far), &d, err), OT_EINVAL);
    char deep[400] = "A";
    for (int i = 0; i < OT_CWD_DEPTH_MAX + 2; i++)
        strcat(deep, ".b");
    strcat(deep, "=1");
    assert_int_equal(ot_cwd_from_form(deep, strlen(deep), &d, err), OT_ELIMIT);
}

/* ---- accessors ----------------------------------------------------------------------------- */

static void test_cw_doc__accessor_conversions(void **state)
{
    (void)state;
    const char *f = "N=42&F=1.5&B=true&X=4x&T=2023-11-14T22%3A13%3A20.250Z&S=1700000000.5&H=";
    ot_cwd_doc *d;
    assert_int_equal(ot_cwd_from_form(f, strlen(f), &d, NULL), OT_OK);
    int64_t i, ms;
    double v;
    bool b;
    const ot_cwd *r = d->root;
    assert_int_equal(ot_cwd_int(ot_cwd_get(r, "N"), &i), OT_OK);
    assert_int_equal(i, 42);
    assert_int_equal(ot_cwd_int(ot_cwd_get(r, "F"), &i), OT_EINVAL); /* not integral */
    assert_int_equal(ot_cwd_num(ot_cwd_get(r, "F"), &v), OT_OK);
    assert_true(v == 1.5);
    assert_int_equal(ot_cwd_num(ot_cwd_get(r, "X"), &v), OT_EINVAL);
    assert_int_equal(ot_cwd_num(ot_cwd_get(r, "H"), &v), OT_EINVAL);
    assert_int_equal(ot_cwd_bool(ot_cwd_get(r, "B"), &b), OT_OK);
    assert_true(b);
    assert_int_equal(ot_cwd_bool(ot_cwd_get(r, "N"), &b), OT_EINVAL);
    assert_int_equal(ot_cwd_time_ms(ot_cwd_get(r, "T"), &ms), OT_OK);
    assert_int_equal(ms, 1700000000250LL);
    assert_int_equal(ot_cwd_time_ms(ot_cwd_get(r, "S"), &ms), OT_OK);
    assert_int_equal(ms, 1700000000500LL);
    assert_int_equal(ot_cwd_time_ms(ot_cwd_get(r, "X"), &ms), OT_EINVAL);
    assert_int_equal(ot_cwd_int(ot_cwd_get(r, "Absent"), &i), OT_ENOTFOUND);
    const char *s;
    assert_int_equal(ot_cwd_str(ot_cwd_get(r, "Absent"), &s), OT_ENOTFOUND);
    ot_cwd_free(d);
    const char *j = "{\"L\":[1],\"S\":5,\"Z\":null}";
    assert_int_equal(ot_cwd_from_json(j, strlen(j), &d, NULL), OT_OK);
    assert_int_equal(ot_cwd_str(ot_cwd_get(d->root, "S"), &s), OT_EINVAL);
    assert_int_equal(ot_cwd_str(ot_cwd_get(d->root, "Z"), &s), OT_ENOTFOUND);
    const ot_cwd *first;
    size_t n;
    assert_int_equal(ot_cwd_list(ot_cwd_get(d->root, "S"), &first, &n), OT_EINVAL);
    ot_cwd_free(d);
}

/* ---- the writer's three backends ------------------------------------------------------------ */

static void write_sample(ot_cww *w)
{
    ot_cww_map(w, NULL);
    ot_cww_str(w, "Label", "cpu<1>");
    ot_cww_list(w, "Values");
    ot_cww_num(w, NULL, 0.1);
    ot_cww_int(w, NULL, -3);
    ot_cww_end(w);
    ot_cww_bool(w, "Ok", true);
    ot_cww_time(w, "At", 1700000000250LL);
    ot_cww_str(w, "Skipped", NULL);
    ot_cww_end(w);
}

static void test_cw_doc__writer_json(void **state)
{
    (void)state;
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_cww w;
    ot_cww_init(&w, OT_CW_PROTO_JSON, &b);
    write_sample(&w);
    ot_buf_putc(&b, '\0');
    assert_string_equal(b.data, "{\"Label\":\"cpu<1>\",\"Values\":[0.1,-3],\"Ok\":true,"
                                "\"At\":1700000000.25}");
    ot_buf_free(&b);
}

static void test_cw_doc__writer_xml(void **state)
{
    (void)state;
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_cww w;
    ot_cww_init(&w, OT_CW_PROTO_QUERY, &b);
    write_sample(&w);
    ot_buf_putc(&b, '\0');
    assert_string_equal(b.data, "    <Label>cpu&lt;1&gt;</Label>\n"
                                "    <Values>\n"
                                "      <member>0.1</member>\n"
                                "      <member>-3</member>\n"
                                "    </Values>\n"
                                "    <Ok>true</Ok>\n"
                                "    <At>2023-11-14T22:13:20.250Z</At>\n");
    ot_buf_free(&b);
}

static void test_cw_doc__writer_cbor(void **state)
{
    (void)state;
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_cww w;
    ot_cww_init(&w, OT_CW_PROTO_CBOR, &b);
    write_sample(&w);
    /* libcbor reads it back: an indefinite map of 4, a tag-1 double, ... */
    struct cbor_load_result r;
    cbor_item_t *item = cbor_load((const unsigned char *)b.data, b.len, &r);
    assert_non_null(item);
    assert_int_equal(r.read, b.len);
    assert_true(cbor_isa_map(item) && cbor_map_is_indefinite(item));
    assert_int_equal(cbor_map_size(item), 4);
    struct cbor_pair *p = cbor_map_handle(item);
    assert_memory_equal(cbor_string_handle(p[0].key), "Label", 5);
    assert_memory_equal(cbor_string_handle(p[0].value), "cpu<1>", 6);
    assert_int_equal(cbor_array_size(p[1].value), 2);
    assert_true(cbor_float_get_float8(cbor_array_handle(p[1].value)[0]) == 0.1);
    assert_true(cbor_isa_negint(cbor_array_handle(p[1].value)[1]));
    assert_true(cbor_get_bool(p[2].value));
    assert_true(cbor_isa_tag(p[3].value));
    assert_int_equal(cbor_tag_value(p[3].value), 1);
    cbor_item_t *t = cbor_tag_item(p[3].value);
    assert_true(cbor_float_get_float8(t) == 1700000000.25);
    cbor_decref(&t);
    cbor_decref(&item);
    /* and our decoder too, into the same values */
    ot_cwd_doc *d;
    assert_int_equal(ot_cwd_from_cbor((const uint8_t *)b.data, b.len, &d, NULL), OT_OK);
    int64_t ms;
    assert_int_equal(ot_cwd_time_ms(ot_cwd_get(d->root, "At"), &ms), OT_OK);
    assert_int_equal(ms, 1700000000250LL);
    ot_cwd_free(d);
    ot_buf_free(&b);
}

/* ---- gzip bodies ------------------------------------------------------------------------------ */

static void test_cw_doc__gunzip(void **state)
{
    (void)state;
    const char *text = "{\"Namespace\":\"App\"}";
    ot_buf gz, out;
    ot_buf_init(&gz, 0);
    ot_buf_init(&out, 0);
    assert_int_equal(ot_gzip(text, strlen(text), &gz), OT_OK);
    assert_int_equal(ot_gunzip(gz.data, gz.len, 1024, &out), OT_OK);
    assert_int_equal(out.len, strlen(text));
    assert_string_equal(out.data, text);
    /* over the cap */
    ot_buf_reset(&out);
    assert_int_equal(ot_gunzip(gz.data, gz.len, 5, &out), OT_ELIMIT);
    /* truncated */
    ot_buf_reset(&out);
    assert_int_equal(ot_gunzip(gz.data, gz.len - 4, 1024, &out), OT_EINVAL);
    /* trailing bytes after the member */
    ot_buf_reset(&out);
    ot_buf_puts(&gz, "junk");
    assert_int_equal(ot_gunzip(gz.data, gz.len, 1024, &out), OT_EINVAL);
    /* not gzip at all */
    ot_buf_reset(&out);
    assert_int_equal(ot_gunzip(text, strlen(text), 1024, &out), OT_EINVAL);
    /* a bomb: 8 MB of zeros stops at the cap */
    char *zeros = calloc(8u << 20, 1);
    assert_non_null(zeros);
    ot_buf_reset(&gz);
    ot_buf_reset(&out);
    assert_int_equal(ot_gzip(zeros, 8u << 20, &gz), OT_OK);
    assert_int_equal(ot_gunzip(gz.data, gz.len, 1u << 20, &out), OT_ELIMIT);
    assert_true(out.len <= 1u << 20);
    free(zeros);
    ot_buf_free(&gz);
    ot_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cw_doc__cbor_request),
        cmocka_unit_test(test_cw_doc__cbor_indefinite_and_chunked),
        cmocka_unit_test(test_cw_doc__cbor_errors),
        cmocka_unit_test(test_cw_doc__cbor_node_cap),
        cmocka_unit_test(test_cw_doc__empty_body_is_empty_map),
        cmocka_unit_test(test_cw_doc__json_request),
        cmocka_unit_test(test_cw_doc__form_request),
        cmocka_unit_test(test_cw_doc__form_lists),
        cmocka_unit_test(test_cw_doc__form_errors),
        cmocka_unit_test(test_cw_doc__accessor_conversions),
        cmocka_unit_test(test_cw_doc__writer_json),
        cmocka_unit_test(test_cw_doc__writer_xml),
        cmocka_unit_test(test_cw_doc__writer_cbor),
        cmocka_unit_test(test_cw_doc__gunzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
