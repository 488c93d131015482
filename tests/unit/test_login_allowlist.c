/* test_login_allowlist.c — the allowlist gate of the instance-login runbook
 * (respond/login_allowlist.h): what parses, each way an entry is refused, and which logins an
 * entry allows (every part it gives must match; parts it does not give match anything). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "respond/login_allowlist.h"
#include "util/err.h"

static const char *const ALICE_ARN = "arn:aws:iam::123456789012:user/alice";
static const char *const OPS_ARN = "arn:aws:sts::123456789012:assumed-role/Ops/bob";

static int match(const char *config, const char *user, const char *arn, const char *human,
                 const char *ip)
{
    rb_allowlist l;
    char err[512] = "";
    assert_int_equal(rb_allowlist_parse(config, &l, err, sizeof err), OT_OK);
    rb_login_who who = {.os_user = user, .actor_arn = arn, .human = human, .source_ip = ip};
    int i = rb_allowlist_match(&l, &who);
    rb_allowlist_free(&l);
    return i;
}

static void refused(const char *config, const char *why)
{
    rb_allowlist l;
    char err[512] = "";
    assert_int_equal(rb_allowlist_parse(config, &l, err, sizeof err), OT_EINVAL);
    if (!strstr(err, why))
        fail_msg("%s: expected \"%s\" in \"%s\"", config, why, err);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
}

static void test_allowlist__parse(void **state)
{
    (void)state;
    rb_allowlist l;
    char err[256];
    assert_int_equal(rb_allowlist_parse("", &l, err, sizeof err), OT_OK);
    assert_int_equal(l.n, 0);
    rb_allowlist_free(&l);
    assert_int_equal(rb_allowlist_parse(" user=ec2-user  cidr=10.0.0.0/8 ; ; actor=*:user/ops-*;",
                                        &l, err, sizeof err), OT_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].user, "ec2-user");
    assert_string_equal(l.v[0].actor, "");
    assert_true(l.v[0].has_cidr);
    assert_int_equal(l.v[0].cidr.prefix, 8);
    assert_string_equal(l.v[0].text, "user=ec2-user  cidr=10.0.0.0/8");
    assert_string_equal(l.v[1].actor, "*:user/ops-*");
    assert_false(l.v[1].has_cidr);
    assert_string_equal(l.v[1].text, "actor=*:user/ops-*");
    rb_allowlist_free(&l);
    assert_null(l.v);
}

static void test_allowlist__refused(void **state)
{
    (void)state;
    refused("user=a; host=b", "unknown part");
    refused("user", "key=value");
    refused("user=", "key=value");
    refused("=ec2-user", "key=value");
    refused("user=a user=b", "user= is given twice");
    refused("actor=a actor=b", "actor= is given twice");
    refused("cidr=10.0.0.0/8 cidr=::1", "cidr= is given twice");
    refused("cidr=10.0.0.1/8", "entry \"cidr=10.0.0.1/8\"");
    refused("cidr=300.0.0.0/8", "cidr=300.0.0.0/8");
    char longuser[100] = "user=";
    memset(longuser + 5, 'u', 80);
    refused(longuser, "user= is too long");
    char longactor[600] = "actor=";
    memset(longactor + 6, 'a', 520);
    refused(longactor, "actor= is too long");
    char longentry[800] = "cidr=::1 ";
    memset(longentry + 9, ' ', 700);
    longentry[708] = 'x';
    refused(longentry, "too long");
}

static void test_allowlist__every_given_part_matches(void **state)
{
    (void)state;
    const char *cfg = "user=ec2-user actor=*:user/alice cidr=203.0.113.0/24";
    assert_int_equal(match(cfg, "ec2-user", ALICE_ARN, "alice", "203.0.113.9"), 0);
    assert_int_equal(match(cfg, "root", ALICE_ARN, "alice", "203.0.113.9"), -1);
    assert_int_equal(match(cfg, "ec2-user", OPS_ARN, "bob", "203.0.113.9"), -1);
    assert_int_equal(match(cfg, "ec2-user", ALICE_ARN, "alice", "198.51.100.1"), -1);
    /* a login that lacks what the entry names does not match it */
    assert_int_equal(match(cfg, NULL, ALICE_ARN, "alice", "203.0.113.9"), -1);
    assert_int_equal(match(cfg, "", ALICE_ARN, "alice", "203.0.113.9"), -1);
    assert_int_equal(match(cfg, "ec2-user", ALICE_ARN, "alice", "ec2.amazonaws.com"), -1);
    assert_int_equal(match(cfg, "ec2-user", NULL, NULL, "203.0.113.9"), -1);
}

static void test_allowlist__parts_left_out_match_anything(void **state)
{
    (void)state;
    assert_int_equal(match("user=ec2-user", NULL, NULL, NULL, NULL), -1);
    assert_int_equal(match("user=ec2-user", "ec2-user", NULL, NULL, NULL), 0);
    assert_int_equal(match("cidr=10.0.0.0/8", "root", OPS_ARN, "", "10.1.2.3"), 0);
    assert_int_equal(match("cidr=2001:db8::/32", "root", OPS_ARN, "", "2001:db8::5"), 0);
    assert_int_equal(match("cidr=2001:db8::/32", "root", OPS_ARN, "", "10.1.2.3"), -1);
}

static void test_allowlist__actor_is_the_arn_or_the_human(void **state)
{
    (void)state;
    /* the role session's ARN, by glob */
    assert_int_equal(match("actor=arn:aws:sts::*:assumed-role/Ops/*", NULL, OPS_ARN, "", NULL),
                     0);
    /* or the human resolved behind it */
    assert_int_equal(match("actor=bob", NULL, OPS_ARN, "bob", NULL), 0);
    assert_int_equal(match("actor=bob", NULL, OPS_ARN, "", NULL), -1);
    /* a glob is anchored: a part of the ARN is not enough */
    assert_int_equal(match("actor=alice", NULL, ALICE_ARN, "", NULL), -1);
    assert_int_equal(match("actor=*alice", NULL, ALICE_ARN, "", NULL), 0);
    /* case matters, as in ARNs */
    assert_int_equal(match("actor=*:user/ALICE", NULL, ALICE_ARN, "alice", NULL), -1);
}

static void test_allowlist__first_matching_entry(void **state)
{
    (void)state;
    const char *cfg = "user=admin; user=ec2-*; cidr=0.0.0.0/0";
    assert_int_equal(match(cfg, "admin", NULL, NULL, NULL), 0);
    assert_int_equal(match(cfg, "ec2-user", NULL, NULL, NULL), 1);
    assert_int_equal(match(cfg, "ubuntu", NULL, NULL, "192.0.2.1"), 2);
    assert_int_equal(match(cfg, "ubuntu", NULL, NULL, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowlist__parse),
        cmocka_unit_test(test_allowlist__refused),
        cmocka_unit_test(test_allowlist__every_given_part_matches),
        cmocka_unit_test(test_allowlist__parts_left_out_match_anything),
        cmocka_unit_test(test_allowlist__actor_is_the_arn_or_the_human),
        cmocka_unit_test(test_allowlist__first_matching_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
