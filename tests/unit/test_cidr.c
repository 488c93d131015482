/* test_cidr.c — addresses and CIDR blocks for --trusted-proxy (util/cidr.h): what parses, what
 * is refused and why, and which addresses a block contains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/cidr.h"
#include "util/err.h"

static ot_ip ip(const char *s)
{
    ot_ip v;
    assert_int_equal(ot_ip_parse(s, strlen(s), &v), 0);
    return v;
}

static void test_cidr__addresses(void **state)
{
    (void)state;
    ot_ip v;
    char text[64];
    v = ip("192.0.2.1");
    assert_int_equal(v.family, 4);
    ot_ip_format(&v, text, sizeof text);
    assert_string_equal(text, "192.0.2.1");
    v = ip("2001:DB8::1");
    assert_int_equal(v.family, 6);
    ot_ip_format(&v, text, sizeof text);
    assert_string_equal(text, "2001:db8::1");
    v = ip("::ffff:192.0.2.7"); /* mapped: the IPv4 address */
    assert_int_equal(v.family, 4);
    ot_ip_format(&v, text, sizeof text);
    assert_string_equal(text, "192.0.2.7");
    static const char *const bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ",
                                      "[::1]", "::1:", "host", "1.2.3.4:80", "::g"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ot_ip_parse(bad[i], strlen(bad[i]), &v) != OT_EINVAL)
            fail_msg("accepted address '%s'", bad[i]);
    /* an embedded NUL and a text longer than any address */
    assert_int_equal(ot_ip_parse("1.2.3.4\0", 8, &v), OT_EINVAL);
    char longs[100];
    memset(longs, '1', sizeof longs);
    assert_int_equal(ot_ip_parse(longs, sizeof longs, &v), OT_EINVAL);
}

static void expect_cidr_error(const char *s, const char *why)
{
    ot_cidr c;
    char err[256] = "";
    if (ot_cidr_parse(s, strlen(s), &c, err, sizeof err) != OT_EINVAL)
        fail_msg("accepted block '%s'", s);
    if (!strstr(err, why))
        fail_msg("'%s': message '%s' lacks '%s'", s, err, why);
}

static void test_cidr__blocks(void **state)
{
    (void)state;
    ot_cidr c;
    char err[256];
    assert_int_equal(ot_cidr_parse("10.0.0.0/8", 10, &c, err, sizeof err), 0);
    assert_int_equal(c.prefix, 8);
    assert_true(ot_cidr_contains(&c, &(ot_ip){0}) == false); /* family 0: nothing */
    ot_ip in = ip("10.255.1.2"), out = ip("11.0.0.1"), v6 = ip("::a00:1");
    assert_true(ot_cidr_contains(&c, &in));
    assert_false(ot_cidr_contains(&c, &out));
    assert_false(ot_cidr_contains(&c, &v6));
    assert_int_equal(ot_cidr_parse("192.0.2.128/25", 14, &c, err, sizeof err), 0);
    ot_ip a = ip("192.0.2.129"), b = ip("192.0.2.127");
    assert_true(ot_cidr_contains(&c, &a));
    assert_false(ot_cidr_contains(&c, &b));
    assert_int_equal(ot_cidr_parse("127.0.0.1", 9, &c, err, sizeof err), 0); /* bare: /32 */
    assert_int_equal(c.prefix, 32);
    assert_int_equal(ot_cidr_parse("0.0.0.0/0", 9, &c, err, sizeof err), 0);
    assert_true(ot_cidr_contains(&c, &out));
    assert_int_equal(ot_cidr_parse("2001:db8::/32", 13, &c, err, sizeof err), 0);
    ot_ip v6in = ip("2001:db8:ffff::1"), v6out = ip("2001:db9::1");
    assert_true(ot_cidr_contains(&c, &v6in));
    assert_false(ot_cidr_contains(&c, &v6out));
    assert_int_equal(ot_cidr_parse("::1", 3, &c, err, sizeof err), 0);
    assert_int_equal(c.prefix, 128);

    expect_cidr_error("10.0.0.0/33", "prefix length must be 0..32");
    expect_cidr_error("::/129", "prefix length must be 0..128");
    expect_cidr_error("10.0.0.0/", "prefix length");
    expect_cidr_error("10.0.0.0/8a", "prefix length");
    expect_cidr_error("10.0.0.0/0008", "prefix length");
    expect_cidr_error("10.0.0.0/-1", "prefix length");
    expect_cidr_error("10.0.0.1/8", "bits set past the prefix");
    expect_cidr_error("2001:db8::1/32", "bits set past the prefix");
    expect_cidr_error("nginx/32", "not an IPv4 or IPv6 address");
    expect_cidr_error("/8", "not an IPv4 or IPv6 address");
}

static void test_cidr__lists(void **state)
{
    (void)state;
    ot_cidr_list l;
    char err[256];
    assert_int_equal(ot_cidr_list_parse("", &l, err, sizeof err), 0);
    assert_int_equal(l.n, 0);
    ot_ip any = ip("10.0.0.1");
    assert_false(ot_cidr_list_contains(&l, &any));
    assert_false(ot_cidr_list_contains(NULL, &any));
    ot_cidr_list_free(&l);

    assert_int_equal(ot_cidr_list_parse(" 10.0.0.0/8 ,\t::1/128,192.0.2.1", &l, err, sizeof err),
                     0);
    assert_int_equal(l.n, 3);
    ot_ip lo6 = ip("::1"), one = ip("192.0.2.1"), two = ip("192.0.2.2");
    assert_true(ot_cidr_list_contains(&l, &any));
    assert_true(ot_cidr_list_contains(&l, &lo6));
    assert_true(ot_cidr_list_contains(&l, &one));
    assert_false(ot_cidr_list_contains(&l, &two));
    ot_cidr_list_free(&l);
    ot_cidr_list_free(&l); /* twice is fine */
    ot_cidr_list_free(NULL);

    assert_int_equal(ot_cidr_list_parse("10.0.0.0/8,,::1", &l, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "empty entry"));
    assert_null(l.v);
    assert_int_equal(ot_cidr_list_parse("10.0.0.0/8, 300.0.0.0/8", &l, err, sizeof err),
                     OT_EINVAL);
    assert_non_null(strstr(err, "'300.0.0.0'"));
    assert_int_equal(l.n, 0);
    assert_int_equal(ot_cidr_list_parse(" , ", &l, err, sizeof err), OT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr__addresses),
        cmocka_unit_test(test_cidr__blocks),
        cmocka_unit_test(test_cidr__lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
