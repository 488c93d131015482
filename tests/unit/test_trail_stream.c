/* test_trail_stream.c — the trail stream's reading of a trail's CloudWatchLogsLogGroupArn:
 * region, account and group name out of a well-formed ARN, and every malformed shape refused
 * (such a trail is not streamed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "daemon/trail_stream_int.h"

static void test_trail_stream__group_arn(void **state)
{
    (void)state;
    char region[32], account[16], name[513];
    assert_true(ts_log_group_arn_parse("arn:aws:logs:us-east-1:123456789012:log-group:"
                                       "CloudTrail/main:*", region, account, name));
    assert_string_equal(region, "us-east-1");
    assert_string_equal(account, "123456789012");
    assert_string_equal(name, "CloudTrail/main");
    assert_true(ts_log_group_arn_parse("arn:aws:logs:eu-west-1:999999999999:log-group:a.b_c-#",
                                       region, account, name));
    assert_string_equal(name, "a.b_c-#");
    static const char *const bad[] = {
        "",
        "arn:aws:iam::123456789012:role/x",
        "arn:aws:logs::123456789012:log-group:g:*",             /* no region */
        "arn:aws:logs:us-east-1:12345:log-group:g:*",           /* short account */
        "arn:aws:logs:us-east-1:123456789012:log-stream:g:*",   /* not a group */
        "arn:aws:logs:us-east-1:123456789012:log-group::*",     /* empty name */
        "arn:aws:logs:us-east-1:123456789012:log-group:g:x",    /* junk after the name */
        "arn:aws:logs:us-east-1:123456789012:log-group:g:*:*",
        "arn:aws:logs:us-east-1",
        "arn:aws:logs:a-region-name-longer-than-31-chars-x:123456789012:log-group:g",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(ts_log_group_arn_parse(bad[i], region, account, name));
    char longname[600] = "arn:aws:logs:us-east-1:123456789012:log-group:";
    size_t at = strlen(longname);
    memset(longname + at, 'g', 513);
    longname[at + 513] = '\0';
    assert_false(ts_log_group_arn_parse(longname, region, account, name)); /* > 512 */
    longname[at + 512] = '\0';
    assert_true(ts_log_group_arn_parse(longname, region, account, name));
    assert_int_equal(strlen(name), 512);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trail_stream__group_arn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
