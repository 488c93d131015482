/* test_timeutil.c — ISO 8601 eventTime parsing: the fixed-position parser agrees with timegm()
 * over random dates (leap years, month ends, leap seconds, day overflow) and refuses what is not
 * a CloudTrail timestamp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/timeutil.h"

static void test_agrees_with_timegm(void **state)
{
    (void)state;
    srand(1);
    for (int i = 0; i < 200000; i++) {
        int y = 1970 + rand() % 400, mo = 1 + rand() % 12, d = 1 + rand() % 31;
        int h = rand() % 24, mi = rand() % 60, s = rand() % 61, frac = rand() % 1000;
        char b[64];
        snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, frac);
        struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                        .tm_min = mi, .tm_sec = s};
        int64_t got;
        assert_int_equal(ot_time_parse_iso8601(b, &got), 0);
        assert_int_equal(got, (int64_t)timegm(&tm) * 1000 + frac);
    }
    int64_t t;
    assert_int_equal(ot_time_parse_iso8601("2024-03-01T10:00:00Z", &t), 0);
    assert_int_equal(t, 1709287200000LL);
    assert_int_equal(ot_time_parse_iso8601("2024-03-01T10:00:00.5Z", &t), 0);
    assert_int_equal(t, 1709287200500LL);
}

static void test_refuses(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "2024-3-01T10:00:00Z", "2024-03-01 10:00:00Z", "2024-03-01T10:00:0", "x", "",
        "2024-13-01T00:00:00Z", "2024-03-01T24:00:00Z", "2024-03-01T10:00:00ZZ",
        "2024-03-01T10:00:00.", "1969-12-31T23:59:59Z", "+024-03-01T10:00:00Z",
        "2024-03-00T10:00:00Z"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        int64_t t;
        assert_int_not_equal(ot_time_parse_iso8601(BAD[i], &t), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_timegm),
        cmocka_unit_test(test_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
