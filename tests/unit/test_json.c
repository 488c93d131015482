/* test_json.c — the simdjson reader shim and the JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"

static void test_reader_types_and_lookup(void **state)
{
    const char *text = "{\"s\":\"h\\u00e9\",\"b\":true,\"n\":1.5,\"i\":-42,\"z\":null,"
                       "\"a\":[1,2,3],\"o\":{\"k\":\"v\"}}";
    ot_json_doc *d = ot_json_doc_new();
    ot_json root, v;
    assert_int_equal(ot_json_parse(d, text, strlen(text), false, &root, NULL, 0), OT_OK);
    assert_int_equal(ot_json_typeof(root), OT_JSON_OBJECT);
    const char *s;
    size_t n;
    assert_int_equal(ot_json_get_str(root, "s", &s, &n), OT_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(s, "h\xc3\xa9", 3);
    bool b;
    assert_int_equal(ot_json_get_bool(root, "b", &b), OT_OK);
    assert_true(b);
    double dv;
    assert_int_equal(ot_json_get(root, "n", &v), OT_OK);
    assert_int_equal(ot_json_double(v, &dv), OT_OK);
    assert_true(dv == 1.5);
    int64_t iv;
    assert_int_equal(ot_json_get(root, "i", &v), OT_OK);
    assert_int_equal(ot_json_int64(v, &iv), OT_OK);
    assert_int_equal(iv, -42);
    assert_int_equal(ot_json_get_str(root, "z", &s, &n), OT_ENOTFOUND); /* null = absent */
    assert_int_equal(ot_json_get_str(root, "missing", &s, &n), OT_ENOTFOUND);
    assert_int_equal(ot_json_get_str(root, "b", &s, &n), OT_EINVAL);     /* wrong type */
    assert_int_equal(ot_json_get(root, "a", &v), OT_OK);
    assert_int_equal(ot_json_count(v), 3);
    ot_json_iter it;
    ot_json e;
    int64_t sum = 0, x;
    assert_int_equal(ot_json_array_iter(v, &it), OT_OK);
    while (ot_json_array_next(&it, &e)) {
        assert_int_equal(ot_json_int64(e, &x), OT_OK);
        sum += x;
    }
    assert_int_equal(sum, 6);
    assert_int_equal(ot_json_object_iter(v, &it), OT_EINVAL);
    ot_json_doc_free(d);
}

static void test_reader_rejects_bad_input(void **state)
{
    const char *bad[] = {"{\"a\":", "{\"a\" 1}", "[1,2,]", "{\"a\":\"\xff\"}", "nul", ""};
    ot_json_doc *d = ot_json_doc_new();
    ot_json root;
    char why[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ot_json_parse(d, bad[i], strlen(bad[i]), false, &root, why, sizeof why),
                         OT_EINVAL);
    /* Deep nesting past OT_JSON_MAX_DEPTH is refused, not a stack overflow. */
    ot_buf deep;
    ot_buf_init(&deep, 0);
    for (int i = 0; i < 10000; i++)
        ot_buf_putc(&deep, '[');
    for (int i = 0; i < 10000; i++)
        ot_buf_putc(&deep, ']');
    assert_int_equal(ot_json_parse(d, deep.data, deep.len, true, &root, why, sizeof why), OT_EINVAL);
    assert_string_equal(why, "nesting too deep");
    ot_buf_free(&deep);
    ot_json_doc_free(d);
}

static void test_writer_escapes_and_commas(void **state)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_jw w;
    ot_jw_init(&w, &b);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "s", "a\"b\\c\n\x01");
    ot_jw_key(&w, "arr");
    ot_jw_arr(&w);
    ot_jw_int(&w, 1);
    ot_jw_num(&w, 1795329283.123);
    ot_jw_bool(&w, false);
    ot_jw_null(&w);
    ot_jw_end(&w);
    ot_jw_kint(&w, "n", -7);
    ot_jw_end(&w);
    assert_int_equal(ot_jw_error(&w), OT_OK);
    assert_string_equal(b.data, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"arr\":[1,1795329283.123,false,null],\"n\":-7}");
    /* What we write, we read back identically. */
    ot_json_doc *d = ot_json_doc_new();
    ot_json root;
    const char *s;
    size_t n;
    assert_int_equal(ot_json_parse(d, b.data, b.len, true, &root, NULL, 0), OT_OK);
    assert_int_equal(ot_json_get_str(root, "s", &s, &n), OT_OK);
    assert_memory_equal(s, "a\"b\\c\n\x01", 7);
    ot_json_doc_free(d);
    ot_buf_free(&b);
}

static void test_writer_respects_cap(void **state)
{
    ot_buf b;
    ot_buf_init(&b, 16);
    ot_jw w;
    ot_jw_init(&w, &b);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "key", "a value longer than sixteen bytes");
    ot_jw_end(&w);
    assert_int_equal(ot_jw_error(&w), OT_ELIMIT);
    assert_true(b.len <= 16);
    ot_buf_free(&b);
}

/* A string member into a fixed buffer: whole, or "" with the reason. */
static void test_get_strbuf(void **state)
{
    (void)state;
    const char *text = "{\"s\":\"abcd\",\"b\":true,\"z\":null}";
    ot_json_doc *d = ot_json_doc_new();
    ot_json root;
    assert_int_equal(ot_json_parse(d, text, strlen(text), false, &root, NULL, 0), OT_OK);
    char out[5] = "xxxx";
    assert_int_equal(ot_json_get_strbuf(root, "s", out, sizeof out), OT_OK);
    assert_string_equal(out, "abcd");
    char small[4] = "xxx";
    assert_int_equal(ot_json_get_strbuf(root, "s", small, sizeof small), OT_ELIMIT);
    assert_string_equal(small, ""); /* never cut */
    strcpy(out, "xxxx");
    assert_int_equal(ot_json_get_strbuf(root, "b", out, sizeof out), OT_EINVAL);
    assert_string_equal(out, "");
    strcpy(out, "xxxx");
    assert_int_equal(ot_json_get_strbuf(root, "z", out, sizeof out), OT_ENOTFOUND);
    assert_string_equal(out, "");
    strcpy(out, "xxxx");
    assert_int_equal(ot_json_get_strbuf(root, "missing", out, sizeof out), OT_ENOTFOUND);
    assert_string_equal(out, "");
    ot_json_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_types_and_lookup),
        cmocka_unit_test(test_reader_rejects_bad_input),
        cmocka_unit_test(test_writer_escapes_and_commas),
        cmocka_unit_test(test_writer_respects_cap),
        cmocka_unit_test(test_get_strbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
