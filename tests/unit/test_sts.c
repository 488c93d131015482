/* test_sts.c — the STS query protocol: ot_form_param (src/api/http_req.c) on form bodies and
 * query strings, and every answer of ot_sts_handle (src/api/api_sts.c), including the
 * query-protocol error body of ot_aws_query_error (src/api/aws_error.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/api_sts.h"
#include "api/aws_error.h"
#include "api/http.h"
#include "util/err.h"

/* ---- ot_form_param ----------------------------------------------------------------------- */

static int form(const char *s, const char *name, char *out, size_t cap)
{
    return ot_form_param(s, strlen(s), name, true, out, cap);
}

static void test_sts__form_param_values(void **state)
{
    (void)state;
    char v[64];
    assert_int_equal(form("Action=GetCallerIdentity&Version=2011-06-15", "Version", v, sizeof v),
                     OT_OK);
    assert_string_equal(v, "2011-06-15");
    /* '+' is a space in a form, "%2B" a plus; keys decode too. */
    assert_int_equal(form("a=1&N%61me=x+y%2Bz", "Name", v, sizeof v), OT_OK);
    assert_string_equal(v, "x y+z");
    /* The first of two wins; a key without '=' has the empty value. */
    assert_int_equal(form("k=1&k=2", "k", v, sizeof v), OT_OK);
    assert_string_equal(v, "1");
    assert_int_equal(form("&&flag&x=1", "flag", v, sizeof v), OT_OK);
    assert_string_equal(v, "");
    /* In a query string (form false) '+' stays itself, as S3 reads it. */
    const char *q = "k=a+b";
    assert_int_equal(ot_form_param(q, strlen(q), "k", false, v, sizeof v), OT_OK);
    assert_string_equal(v, "a+b");
}

static void test_sts__form_param_errors(void **state)
{
    (void)state;
    char v[8];
    assert_int_equal(form("", "Action", v, sizeof v), OT_ENOTFOUND);
    assert_int_equal(form("Actions=1&action=2", "Action", v, sizeof v), OT_ENOTFOUND);
    /* A malformed escape in the value, a value too long, a NUL byte in a form value. */
    assert_int_equal(form("Action=%G1", "Action", v, sizeof v), OT_ELIMIT);
    assert_int_equal(form("Action=%4", "Action", v, sizeof v), OT_ELIMIT);
    assert_int_equal(form("Action=12345678", "Action", v, sizeof v), OT_ELIMIT);
    assert_int_equal(form("Action=a%00b", "Action", v, sizeof v), OT_ELIMIT);
    assert_int_equal(ot_form_param("Action=a%00b", 12, "Action", false, v, sizeof v), OT_OK);
    /* A malformed key is skipped, not fatal. */
    assert_int_equal(form("%ZZ=1&Action=ok", "Action", v, sizeof v), OT_OK);
    assert_string_equal(v, "ok");
    /* Only n bytes are read: a raw NUL ends nothing early, and nothing past n is seen. */
    const char body[] = "x=\0&Action=yes&Version=no";
    assert_int_equal(ot_form_param(body, sizeof body - 1, "Action", true, v, sizeof v), OT_OK);
    assert_string_equal(v, "yes");
    assert_int_equal(ot_form_param(body, 14, "Version", true, v, sizeof v), OT_ENOTFOUND);
}

/* ---- ot_sts_handle ----------------------------------------------------------------------- */

typedef struct sts_call {
    ot_req req;
    ot_resp resp;
    const char *operation;
} sts_call;

static void call(sts_call *c, const char *method, const char *query, const char *body)
{
    memset(&c->req, 0, sizeof c->req);
    c->req.method = method;
    c->req.raw_path = "/";
    c->req.raw_query = query;
    c->req.body = body;
    c->req.body_len = strlen(body);
    snprintf(c->req.request_id, sizeof c->req.request_id, "11111111-2222-3333-4444-555555555555");
    ot_principal *p = &c->req.principal;
    snprintf(p->type, sizeof p->type, "IAMUser");
    snprintf(p->account_id, sizeof p->account_id, "123456789012");
    snprintf(p->arn, sizeof p->arn, "arn:aws:iam::123456789012:user/a<b");
    snprintf(p->principal_id, sizeof p->principal_id, "AIDAEXAMPLE");
    ot_resp_init(&c->resp);
    c->operation = "unset";
    ot_sts_handle(NULL, &c->req, &c->resp, &c->operation);
}

static const char *body_of(sts_call *c)
{
    ot_buf_putc(&c->resp.body, '\0');
    return c->resp.body.data;
}

static void expect_error(const char *method, const char *query, const char *body,
                         const char *code, const char *message)
{
    sts_call c;
    call(&c, method, query, body);
    assert_int_equal(c.resp.status, 400);
    assert_null(c.operation);
    assert_string_equal(c.resp.content_type, "text/xml");
    char want[512];
    snprintf(want, sizeof want,
             "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n"
             "    <Type>Sender</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n"
             "  </Error>\n  <RequestId>11111111-2222-3333-4444-555555555555</RequestId>\n"
             "</ErrorResponse>\n", code, message);
    assert_string_equal(body_of(&c), want);
    ot_resp_free(&c.resp);
}

static void test_sts__get_caller_identity(void **state)
{
    (void)state;
    static const char want[] =
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <GetCallerIdentityResult>\n"
        "    <Arn>arn:aws:iam::123456789012:user/a&lt;b</Arn>\n"
        "    <UserId>AIDAEXAMPLE</UserId>\n"
        "    <Account>123456789012</Account>\n"
        "  </GetCallerIdentityResult>\n"
        "  <ResponseMetadata>\n"
        "    <RequestId>11111111-2222-3333-4444-555555555555</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</GetCallerIdentityResponse>\n";
    sts_call c;
    call(&c, "POST", "", "Action=GetCallerIdentity&Version=2011-06-15");
    assert_int_equal(c.resp.status, 200);
    assert_string_equal(c.operation, "GetCallerIdentity");
    assert_string_equal(body_of(&c), want);
    ot_resp_free(&c.resp);
    /* GET with the query string, and a POST naming them in its query string. */
    call(&c, "GET", "Version=2011-06-15&Action=GetCallerIdentity", "");
    assert_int_equal(c.resp.status, 200);
    assert_string_equal(body_of(&c), want);
    ot_resp_free(&c.resp);
    call(&c, "POST", "Action=GetCallerIdentity&Version=2011-06-15", "");
    assert_int_equal(c.resp.status, 200);
    ot_resp_free(&c.resp);
}

static void test_sts__errors(void **state)
{
    (void)state;
    expect_error("POST", "", "Action=AssumeRole&Version=2011-06-15", "InvalidAction",
                 "Could not find operation AssumeRole for version 2011-06-15");
    expect_error("POST", "", "Action=GetCallerIdentity&Version=2011-06-16", "InvalidAction",
                 "Could not find operation GetCallerIdentity for version 2011-06-16");
    expect_error("POST", "", "Action=GetCallerIdentity", "InvalidAction",
                 "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED");
    expect_error("POST", "", "Version=2011-06-15", "MissingAction", "Missing Action");
    expect_error("GET", "", "Action=GetCallerIdentity&Version=2011-06-15", "MissingAction",
                 "Missing Action");
    static const char malformed[] = "The AWS query string is malformed or does not adhere to "
                                    "AWS standards.";
    expect_error("POST", "", "Action=%ZZ&Version=2011-06-15", "InvalidQueryParameter", malformed);
    expect_error("POST", "", "Action=Get%00CallerIdentity&Version=2011-06-15",
                 "InvalidQueryParameter", malformed);
    expect_error("POST", "", "Action=<x>&Version=2011-06-15", "InvalidQueryParameter", malformed);
    expect_error("POST", "", "Action=GetCallerIdentity&Version=", "InvalidQueryParameter",
                 malformed);
    char long_action[300] = "Action=";
    memset(long_action + 7, 'A', 200);
    expect_error("POST", "", long_action, "InvalidQueryParameter", malformed);
    expect_error("PUT", "", "Action=GetCallerIdentity&Version=2011-06-15", "InvalidAction",
                 "STS is called with POST (or GET), not PUT.");
}

/* A server fault is the Receiver's. */
static void test_sts__receiver_type(void **state)
{
    (void)state;
    ot_resp resp;
    ot_resp_init(&resp);
    ot_aws_query_error(&resp, NULL, 500, "InternalFailure", "boom %d", 1);
    ot_buf_putc(&resp.body, '\0');
    assert_non_null(strstr(resp.body.data, "<Type>Receiver</Type>"));
    assert_non_null(strstr(resp.body.data, "<Message>boom 1</Message>"));
    ot_resp_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sts__form_param_values),
        cmocka_unit_test(test_sts__form_param_errors),
        cmocka_unit_test(test_sts__get_caller_identity),
        cmocka_unit_test(test_sts__errors),
        cmocka_unit_test(test_sts__receiver_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
