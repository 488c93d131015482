/* test_crypto.c — base64: every length round-trips, and only the canonical spelling of a value
 * decodes (a tampered token must never decode to the same bytes as the original). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/crypto.h"

static void test_base64_round_trip(void **state)
{
    (void)state;
    uint8_t in[64], out[64];
    char enc[4 * ((sizeof in + 2) / 3) + 1];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof in; n++) {
        size_t len = ot_base64(in, n, enc);
        assert_int_equal(ot_base64_decode(enc, len, out, sizeof out), (long)n);
        assert_memory_equal(in, out, n);
    }
}

/* Changing one character of a valid encoding never yields the same bytes: in particular the
 * low bits of the last character before '=' carry no data and must be zero. */
static void test_base64_only_canonical(void **state)
{
    (void)state;
    uint8_t out[8];
    assert_int_equal(ot_base64_decode("QQ==", 4, out, sizeof out), 1);   /* "A" */
    assert_int_equal(ot_base64_decode("QR==", 4, out, sizeof out), -1);  /* same byte, bit set */
    assert_int_equal(ot_base64_decode("QUI=", 4, out, sizeof out), 2);   /* "AB" */
    assert_int_equal(ot_base64_decode("QUJ=", 4, out, sizeof out), -1);
    assert_int_equal(ot_base64_decode("QUJD", 4, out, sizeof out), 3);
    assert_int_equal(ot_base64_decode("QUJ", 3, out, sizeof out), -1);   /* not padded */
    assert_int_equal(ot_base64_decode("Q===", 4, out, sizeof out), -1);
    assert_int_equal(ot_base64_decode("QU=I", 4, out, sizeof out), -1);  /* '=' inside */
    assert_int_equal(ot_base64_decode("QUJD", 4, out, 2), -1);           /* does not fit */

    uint8_t raw[41];
    char enc[64], t2[64];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(0xA5 ^ i);
    size_t len = ot_base64(raw, sizeof raw, enc);
    for (size_t i = 0; i < len; i++) {
        for (const char *alt = "ABab09+/="; *alt; alt++) {
            if (*alt == enc[i])
                continue;
            memcpy(t2, enc, len + 1);
            t2[i] = *alt;
            uint8_t back[64];
            long n = ot_base64_decode(t2, len, back, sizeof back);
            assert_false(n == (long)sizeof raw && memcmp(back, raw, sizeof raw) == 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_round_trip),
        cmocka_unit_test(test_base64_only_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
