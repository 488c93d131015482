/* test_http_framing.c — which header sets make a request's length ambiguous (400), too many
 * header lines (431), and which are fine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "api/http_framing.h"

/* Feeds name/value pairs (NULL-terminated list) and returns the verdict with a cap of 64. */
static int verdict_of(const char *const *kv)
{
    ot_framing f;
    ot_framing_init(&f);
    for (size_t i = 0; kv[i]; i += 2)
        ot_framing_header(&f, kv[i], kv[i + 1]);
    return ot_framing_verdict(&f, 64);
}

#define V(...) verdict_of((const char *const[]){__VA_ARGS__, NULL})

static void test_fine(void **state)
{
    (void)state;
    assert_int_equal(V("Host", "x"), 0);
    assert_int_equal(V("Content-Length", "0"), 0);
    assert_int_equal(V("content-length", " 12 "), 0);
    assert_int_equal(V("Content-Length", "5", "CONTENT-LENGTH", "5"), 0);
    assert_int_equal(V("Content-Length", "5, 5"), 0);
    assert_int_equal(V("Transfer-Encoding", "chunked"), 0);
    assert_int_equal(V("Transfer-Encoding", " Chunked"), 0);
}

static void test_ambiguous(void **state)
{
    (void)state;
    assert_int_equal(V("Content-Length", "2", "Content-Length", "5"), 400);
    assert_int_equal(V("Content-Length", "5", "Content-Length", "2"), 400);
    assert_int_equal(V("Content-Length", "2, 5"), 400);
    assert_int_equal(V("Content-Length", "2", "Transfer-Encoding", "chunked"), 400);
    assert_int_equal(V("Transfer-Encoding", "chunked", "Content-Length", "2"), 400);
    assert_int_equal(V("Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked"), 400);
}

static void test_malformed(void **state)
{
    (void)state;
    assert_int_equal(V("Content-Length", ""), 400);
    assert_int_equal(V("Content-Length", "-1"), 400);
    assert_int_equal(V("Content-Length", "+5"), 400);
    assert_int_equal(V("Content-Length", "5x"), 400);
    assert_int_equal(V("Content-Length", "5,"), 400);
    assert_int_equal(V("Content-Length", "99999999999999999999999"), 400);
    assert_int_equal(V("Content-Length", "18446744073709551615"), 0);
    assert_int_equal(V("Transfer-Encoding", "gzip, chunked"), 400);
    assert_int_equal(V("Transfer-Encoding", "identity"), 400);
    assert_int_equal(V("Transfer-Encoding", ""), 400);
}

static void test_header_count(void **state)
{
    (void)state;
    char name[32];
    ot_framing f;
    ot_framing_init(&f);
    for (int i = 0; i < 64; i++) {
        snprintf(name, sizeof name, "X-H%d", i);
        ot_framing_header(&f, name, "v");
    }
    assert_int_equal(ot_framing_verdict(&f, 64), 0);
    ot_framing_header(&f, "X-One-Too-Many", "v");
    assert_int_equal(ot_framing_verdict(&f, 64), 431);
    /* 431 wins: the request is not looked at further */
    ot_framing_header(&f, "Content-Length", "x");
    assert_int_equal(ot_framing_verdict(&f, 64), 431);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fine),
        cmocka_unit_test(test_ambiguous),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_header_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
