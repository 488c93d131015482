/* test_region.c — region names: every AWS partition's shape is accepted, anything that could be
 * a path trick, a second spelling or a made-up partition is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/region.h"

static void test_partitions(void **state)
{
    (void)state;
    static const char *const good[] = {
        "us-east-1", "eu-west-3", "ap-southeast-7", "mx-central-1", "il-central-1",
        "cn-northwest-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "us-isof-south-1",
        "eu-isoe-west-1", "eusc-de-east-1", "us-fake-9", /* well-formed, not yet announced */
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(ot_region_valid(good[i]));
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", ".", "..", "evil", "UPPER", "a_b", "us-East-1", "xx-mars-1", "us-east-", "us-east",
        "us--1", "us-east-1-", "-us-east-1", "us-east-1/..", "us-east-1 ", "us-ea st-1",
        "us-east-x", "us-east-1a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (ot_region_valid(bad[i]))
            fail_msg("accepted '%s'", bad[i]);
    }
    assert_false(ot_region_valid(NULL));
}

static void test_length_limit(void **state)
{
    (void)state;
    char name[64] = "us-";
    while (strlen(name) + 2 < OT_REGION_MAX)
        strcat(name, "a");
    strcat(name, "-1");
    assert_int_equal(strlen(name), OT_REGION_MAX);
    assert_true(ot_region_valid(name));
    memmove(name + 4, name + 3, strlen(name + 3) + 1); /* one letter more */
    assert_int_equal(strlen(name), OT_REGION_MAX + 1);
    assert_false(ot_region_valid(name));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partitions),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_length_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
