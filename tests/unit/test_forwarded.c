/* test_forwarded.c — the client address behind trusted proxies (api/forwarded.h): the right-most
 * untrusted hop of Forwarded or X-Forwarded-For, and every way a header is refused (the caller
 * then keeps the TCP peer's address). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/forwarded.h"
#include "util/err.h"

/* Trusted: the loopback proxy, a 10/8 proxy tier and an IPv6 one. */
static ot_cidr_list trusted;

static int setup(void **state)
{
    (void)state;
    char err[128];
    return ot_cidr_list_parse("127.0.0.0/8,10.0.0.0/8,fd00::/8", &trusted, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    ot_cidr_list_free(&trusted);
    return 0;
}

/* The address picked from one header value, or the error code as "rc=N". */
static const char *pick(ot_fwd_kind kind, const char *value)
{
    static char out[64];
    ot_ip ip;
    int rc = ot_forwarded_pick(kind, &value, 1, &trusted, &ip);
    if (rc)
        snprintf(out, sizeof out, "rc=%d", rc);
    else
        ot_ip_format(&ip, out, sizeof out);
    return out;
}

#define FWD(v) pick(OT_FWD_FORWARDED, v)
#define XFF(v) pick(OT_FWD_XFF, v)
#define EINVAL_S "rc=-2"

static void test_forwarded__xff_picks_rightmost_untrusted(void **state)
{
    (void)state;
    assert_string_equal(XFF("203.0.113.9"), "203.0.113.9");
    /* the client wrote the left part: only the right-most untrusted hop counts */
    assert_string_equal(XFF("1.1.1.1, 203.0.113.9"), "203.0.113.9");
    assert_string_equal(XFF("1.1.1.1,203.0.113.9, 10.1.2.3 ,127.0.0.1"), "203.0.113.9");
    assert_string_equal(XFF("2001:db8::5, fd00::1"), "2001:db8::5");
    assert_string_equal(XFF("[2001:db8::5]:443"), "2001:db8::5");
    assert_string_equal(XFF("198.51.100.4:5555"), "198.51.100.4");
    /* every hop trusted: the left-most is the client */
    assert_string_equal(XFF("10.9.9.9, 127.0.0.1"), "10.9.9.9");
    /* garbage left of the deciding hop is never read */
    assert_string_equal(XFF("not an address, 203.0.113.9"), "203.0.113.9");
}

static void test_forwarded__xff_errors(void **state)
{
    (void)state;
    assert_string_equal(XFF(""), "rc=-4");       /* no entry */
    assert_string_equal(XFF(" , ,"), "rc=-4");
    assert_string_equal(XFF("unknown"), EINVAL_S);
    assert_string_equal(XFF("203.0.113.9 x"), EINVAL_S);
    assert_string_equal(XFF("203.0.113.9:"), EINVAL_S);        /* empty port */
    assert_string_equal(XFF("203.0.113.9:123456"), EINVAL_S);  /* port too long */
    assert_string_equal(XFF("203.0.113.9:8a"), EINVAL_S);
    assert_string_equal(XFF("[2001:db8::5"), EINVAL_S);        /* no ']' */
    assert_string_equal(XFF("[2001:db8::5]x"), EINVAL_S);
    assert_string_equal(XFF("[203.0.113.9]"), EINVAL_S);       /* brackets are for IPv6 */
    assert_string_equal(XFF("host.example:80"), EINVAL_S);
    assert_string_equal(XFF("203.0.113.9, 10.0.0.1, bogus"), EINVAL_S);
}

static void test_forwarded__forwarded_header(void **state)
{
    (void)state;
    assert_string_equal(FWD("for=203.0.113.9"), "203.0.113.9");
    assert_string_equal(FWD("For=\"203.0.113.9:4711\";proto=https;by=10.0.0.1"), "203.0.113.9");
    assert_string_equal(FWD("for=\"[2001:db8:cafe::17]:4711\""), "2001:db8:cafe::17");
    assert_string_equal(FWD("for=\"[2001:db8::17]\""), "2001:db8::17");
    assert_string_equal(FWD("for=1.1.1.1, for=203.0.113.9;proto=http ,for=127.0.0.1"),
                        "203.0.113.9");
    assert_string_equal(FWD("proto=https ; for=203.0.113.9"), "203.0.113.9");
    assert_string_equal(FWD("for=\"2\\03.0.113.9\""), "203.0.113.9"); /* quoted-pair */
    assert_string_equal(FWD("for=\"[2001:db8::1]:_hidden\""), "2001:db8::1"); /* obf. port */
    /* a comma inside quotes does not split the list */
    assert_string_equal(FWD("for=203.0.113.9;x=\"a, b\""), "203.0.113.9");
    /* garbage left of the deciding element is never read ... */
    assert_string_equal(FWD("nonsense, for=203.0.113.9"), "203.0.113.9");
    /* ... but an unterminated quote runs to the end, so the last element is malformed */
    assert_string_equal(FWD("for=\"oops, for=203.0.113.9"), EINVAL_S);
}

static void test_forwarded__forwarded_errors(void **state)
{
    (void)state;
    assert_string_equal(FWD(""), "rc=-4");
    assert_string_equal(FWD("for=unknown"), EINVAL_S);
    assert_string_equal(FWD("for=_hidden"), EINVAL_S);
    assert_string_equal(FWD("proto=https"), EINVAL_S);               /* no for= */
    assert_string_equal(FWD("for=203.0.113.9;for=1.1.1.1"), EINVAL_S); /* two for= */
    assert_string_equal(FWD("for=203.0.113.9:80"), EINVAL_S);    /* ':' needs quotes */
    assert_string_equal(FWD("for=[2001:db8::1]"), EINVAL_S);     /* '[' needs quotes */
    assert_string_equal(FWD("for=\"2001:db8::1\""), EINVAL_S);   /* IPv6 needs brackets */
    assert_string_equal(FWD("for="), EINVAL_S);
    assert_string_equal(FWD("for=\"\""), EINVAL_S);
    assert_string_equal(FWD("for=\"203.0.113.9"), EINVAL_S);     /* unterminated quote */
    assert_string_equal(FWD("=203.0.113.9"), EINVAL_S);
    assert_string_equal(FWD("for"), EINVAL_S);
    assert_string_equal(FWD("for=203.0.113.9 proto=http"), EINVAL_S); /* no ';' */
    assert_string_equal(FWD("for=203.0.113.9;"), EINVAL_S);
    assert_string_equal(FWD("for=\"[2001:db8::1]:\""), EINVAL_S);
    char longv[200];
    snprintf(longv, sizeof longv, "for=\"%0100d\"", 1);
    assert_string_equal(FWD(longv), EINVAL_S);                  /* longer than any node */
}

/* Several header lines are one list; only the last OT_FWD_MAX_HOPS hops are read. */
static void test_forwarded__lines_and_hop_cap(void **state)
{
    (void)state;
    ot_ip ip;
    char text[64];
    const char *lines[] = {"203.0.113.9", "10.0.0.1"};
    assert_int_equal(ot_forwarded_pick(OT_FWD_XFF, lines, 2, &trusted, &ip), 0);
    ot_ip_format(&ip, text, sizeof text);
    assert_string_equal(text, "203.0.113.9");

    char many[2048] = "198.51.100.1";
    for (int i = 0; i < OT_FWD_MAX_HOPS; i++)
        strcat(many, ", 10.0.0.2");
    const char *v = many;
    assert_int_equal(ot_forwarded_pick(OT_FWD_XFF, &v, 1, &trusted, &ip), 0);
    ot_ip_format(&ip, text, sizeof text);
    assert_string_equal(text, "10.0.0.2"); /* the untrusted hop is past the cap */
}

/* Over a request: Forwarded wins over X-Forwarded-For. */
static void test_forwarded__request_headers(void **state)
{
    (void)state;
    ot_req req;
    memset(&req, 0, sizeof req);
    ot_ip ip;
    char text[64];
    assert_int_equal(ot_forwarded_client(&req, &trusted, &ip), OT_ENOTFOUND);
    req.headers[0] = (ot_header){"x-forwarded-for", "198.51.100.7"};
    req.nheaders = 1;
    assert_int_equal(ot_forwarded_client(&req, &trusted, &ip), 0);
    ot_ip_format(&ip, text, sizeof text);
    assert_string_equal(text, "198.51.100.7");
    req.headers[1] = (ot_header){"forwarded", "for=203.0.113.9"};
    req.nheaders = 2;
    assert_int_equal(ot_forwarded_client(&req, &trusted, &ip), 0);
    ot_ip_format(&ip, text, sizeof text);
    assert_string_equal(text, "203.0.113.9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forwarded__xff_picks_rightmost_untrusted),
        cmocka_unit_test(test_forwarded__xff_errors),
        cmocka_unit_test(test_forwarded__forwarded_header),
        cmocka_unit_test(test_forwarded__forwarded_errors),
        cmocka_unit_test(test_forwarded__lines_and_hop_cap),
        cmocka_unit_test(test_forwarded__request_headers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
