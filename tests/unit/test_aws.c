/* test_aws.c — the outbound AWS client (aws/aws.h): the credential chain, region and endpoint
 * resolution, error parsing per protocol, retry classification and backoff, and the retry
 * sequence against a tiny in-test HTTP listener that answers throttling and 5xx first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/aws.h"
#include "otest.h"
#include "util/err.h"

static char g_dir[64];

static const char *const ENV_VARS[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_CLOUDTRAIL",
    "AWS_ENDPOINT_URL_CLOUDTRAIL_DATA"};

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_dir, name);
}

static void write_file(const char *name, const char *text)
{
    char p[128];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    otest_tmpdir(g_dir, sizeof g_dir, "test-aws");
    for (size_t i = 0; i < sizeof ENV_VARS / sizeof ENV_VARS[0]; i++)
        unsetenv(ENV_VARS[i]);
    setenv("HOME", g_dir, 1); /* no ~/.aws of the machine */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    otest_rmrf(g_dir);
    return 0;
}

/* ---- credentials ------------------------------------------------------------------------- */

static void test_aws__creds_chain(void **state)
{
    (void)state;
    ot_aws_creds c;
    ot_aws_client_opts o = {.service = "s3"};
    char err[1024], shared[128], dd[128];
    path_of(shared, sizeof shared, "shared");
    path_of(dd, sizeof dd, "dd");
    write_file("shared", "# comment\n[default]\naws_access_key_id = AKDEF\n"
                         "aws_secret_access_key=SKDEF\n\n[ other ]\n[other]\n"
                         "  aws_access_key_id =  AKOTHER  \naws_secret_access_key = SKOTHER\n"
                         "aws_session_token = TOKOTHER\n");
    char ddcreds[160];
    snprintf(ddcreds, sizeof ddcreds, "mkdir -p %s", dd);
    assert_int_equal(system(ddcreds), 0);
    write_file("dd/credentials", "[default]\naws_access_key_id = AKDD\naws_secret_access_key = SKDD\n");

    /* nothing anywhere: every place tried is named */
    o.data_dir = "/nonexistent-dd";
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), OT_ENOTFOUND);
    assert_non_null(strstr(err, "AWS_ACCESS_KEY_ID"));
    assert_non_null(strstr(err, "/.aws/credentials"));
    assert_non_null(strstr(err, "/nonexistent-dd/credentials"));
    assert_non_null(strstr(err, "[default]"));

    /* the shared file: AWS_PROFILE, overridden by --profile */
    setenv("AWS_SHARED_CREDENTIALS_FILE", shared, 1);
    o.data_dir = NULL;
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKDEF");
    assert_string_equal(c.secret_key, "SKDEF");
    setenv("AWS_PROFILE", "other", 1);
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKOTHER");
    assert_string_equal(c.session_token, "TOKOTHER");
    o.profile = "default";
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKDEF");
    o.profile = "missing";
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), OT_ENOTFOUND);
    assert_non_null(strstr(err, "[missing]"));
    o.profile = NULL;

    /* the environment wins over the shared file */
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SKENV", 1);
    setenv("AWS_SESSION_TOKEN", "TOKENV", 1);
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKENV");
    assert_string_equal(c.session_token, "TOKENV");
    assert_string_equal(c.source, "environment");

    /* the data dir: last, unless first */
    o.data_dir = dd;
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKENV");
    o.data_dir_first = true;
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKDD");
    assert_string_equal(c.session_token, ""); /* the env's token is not the data dir key's */
    o.data_dir_first = false;
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_PROFILE");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKDD");
    assert_string_equal(c.secret_key, "SKDD");
}

/* ---- region and endpoint ------------------------------------------------------------------ */

static void test_aws__region(void **state)
{
    (void)state;
    char r[64];
    ot_aws_region(NULL, NULL, r, sizeof r);
    assert_string_equal(r, "us-east-1");
    write_file("config", "[default]\nregion = eu-north-1\n[profile dev]\nregion = ap-south-2\n");
    char cfg[128];
    path_of(cfg, sizeof cfg, "config");
    setenv("AWS_CONFIG_FILE", cfg, 1);
    ot_aws_region(NULL, NULL, r, sizeof r);
    assert_string_equal(r, "eu-north-1");
    ot_aws_region(NULL, "dev", r, sizeof r);
    assert_string_equal(r, "ap-south-2");
    setenv("AWS_DEFAULT_REGION", "eu-west-3", 1);
    ot_aws_region(NULL, "dev", r, sizeof r);
    assert_string_equal(r, "eu-west-3");
    setenv("AWS_REGION", "us-west-2", 1);
    ot_aws_region(NULL, NULL, r, sizeof r);
    assert_string_equal(r, "us-west-2");
    ot_aws_region("ca-central-1", NULL, r, sizeof r);
    assert_string_equal(r, "ca-central-1");
}

static void test_aws__endpoint(void **state)
{
    (void)state;
    char e[256];
    ot_aws_endpoint("s3", "s3", "eu-west-1", e, sizeof e);
    assert_string_equal(e, "https://s3.eu-west-1.amazonaws.com");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4590/", 1);
    ot_aws_endpoint("s3", "s3", "eu-west-1", e, sizeof e);
    assert_string_equal(e, "http://127.0.0.1:4590");
    setenv("AWS_ENDPOINT_URL_S3", "http://s3.local:9000//", 1);
    ot_aws_endpoint("s3", "s3", "eu-west-1", e, sizeof e);
    assert_string_equal(e, "http://s3.local:9000");
    ot_aws_endpoint("cloudtrail", "cloudtrail", "eu-west-1", e, sizeof e);
    assert_string_equal(e, "http://127.0.0.1:4590");
    setenv("AWS_ENDPOINT_URL_CLOUDTRAIL_DATA", "http://data:1", 1);
    ot_aws_endpoint("cloudtrail-data", "cloudtrail-data", "eu-west-1", e, sizeof e);
    assert_string_equal(e, "http://data:1");

    /* the client: an explicit endpoint wins; Host drops a default port */
    setenv("AWS_ACCESS_KEY_ID", "AK", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
    ot_aws_client c;
    char err[256];
    ot_aws_client_opts o = {.service = "s3", .protocol = OT_AWS_REST_XML};
    assert_int_equal(ot_aws_client_init(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.endpoint, "http://s3.local:9000");
    assert_string_equal(c.host, "s3.local:9000");
    o.endpoint = "https://x.example:443/";
    assert_int_equal(ot_aws_client_init(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.host, "x.example");
    assert_string_equal(c.endpoint, "https://x.example:443");
}

/* ---- errors per protocol ------------------------------------------------------------------ */

static void answer(ot_aws_response *r, long status, const char *headers, const char *body)
{
    ot_aws_response_free(r);
    ot_aws_response_init(r, 0);
    r->status = status;
    ot_buf_puts(&r->headers, headers);
    if (*body)
        ot_buf_puts(&r->body, body);
}

static void test_aws__error_parsing(void **state)
{
    (void)state;
    ot_aws_response r;
    ot_aws_response_init(&r, 0);
    answer(&r, 400, "HTTP/1.1 400\r\n", "{\"__type\":\"com.amazon.coral.service#ThrottlingException\","
                                       "\"message\":\"Rate exceeded\"}");
    ot_aws_parse_error(OT_AWS_JSON, &r);
    assert_string_equal(r.code, "ThrottlingException");
    assert_string_equal(r.message, "Rate exceeded");
    answer(&r, 400, "HTTP/1.1 400\r\nx-amzn-ErrorType: ValidationException:http://internal.amazon.com/\r\n",
           "{\"Message\":\"bad field\"}");
    ot_aws_parse_error(OT_AWS_REST_JSON, &r);
    assert_string_equal(r.code, "ValidationException");
    assert_string_equal(r.message, "bad field");
    answer(&r, 403, "", "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
                        "<Message>The security token &amp; co</Message></Error></ErrorResponse>");
    ot_aws_parse_error(OT_AWS_QUERY, &r);
    assert_string_equal(r.code, "InvalidClientTokenId");
    assert_string_equal(r.message, "The security token & co");
    answer(&r, 404, "", "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified "
                        "key does not exist.</Message><Key>a&lt;b</Key></Error>");
    ot_aws_parse_error(OT_AWS_REST_XML, &r);
    assert_string_equal(r.code, "NoSuchKey");
    assert_string_equal(r.message, "The specified key does not exist.");
    answer(&r, 404, "", ""); /* HEAD: no body */
    ot_aws_parse_error(OT_AWS_REST_XML, &r);
    assert_string_equal(r.code, "404");
    answer(&r, 200, "", "<Error><Code>X</Code></Error>");
    ot_aws_parse_error(OT_AWS_REST_XML, &r);
    assert_string_equal(r.code, "");
    ot_aws_response_free(&r);

    char out[64];
    const char *xml = "<A><Key>one%20a</Key><Key>t&quot;wo</Key></A>";
    const char *p = ot_aws_xml_text(xml, "Key", out, sizeof out);
    assert_string_equal(out, "one%20a");
    assert_non_null(ot_aws_xml_text(p, "Key", out, sizeof out));
    assert_string_equal(out, "t\"wo");
    assert_null(ot_aws_xml_text(xml, "Size", out, sizeof out));

    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_aws_s3_path(&b, "bkt", "AWSLogs/a b+c/ü.json"), 0);
    assert_string_equal(b.data, "/bkt/AWSLogs/a%20b%2Bc/%C3%BC.json");
    ot_buf_free(&b);
}

/* ---- retries -------------------------------------------------------------------------------- */

static void test_aws__retryable_and_backoff(void **state)
{
    (void)state;
    ot_aws_response r;
    memset(&r, 0, sizeof r);
    static const struct { long status; const char *code; bool retry; } cases[] = {
        {503, "SlowDown", true}, {500, "InternalError", true}, {429, "", true},
        {400, "ThrottlingException", true}, {400, "Throttling", true},
        {400, "RequestLimitExceeded", true}, {400, "ValidationException", false},
        {403, "AccessDenied", false}, {404, "NoSuchKey", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r.status = cases[i].status;
        snprintf(r.code, sizeof r.code, "%s", cases[i].code);
        assert_int_equal(ot_aws_retryable(CURLE_OK, &r), cases[i].retry);
    }
    assert_true(ot_aws_retryable(CURLE_COULDNT_CONNECT, &r));
    assert_false(ot_aws_retryable(CURLE_COULDNT_RESOLVE_HOST, &r));

    unsigned seed = 7;
    for (int a = 1; a <= 12; a++) {
        long ceil = 100L << (a - 1);
        if (ceil > 5000)
            ceil = 5000;
        int lo = 1 << 30, hi = 0;
        for (int k = 0; k < 400; k++) {
            int d = ot_aws_backoff_ms(a, 100, 5000, &seed);
            assert_true(d >= 0 && d <= ceil);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        /* jittered: spread over the window, not a fixed delay */
        assert_true(hi > ceil / 2);
        assert_true(lo < ceil / 2);
    }
}

/* A listener that answers each connection with the next scripted response and records the
 * requests. */
typedef struct script {
    int fd;
    const char *answers[6];
    int n, served;
    char requests[6][4096];
} script;

static void serve_one(script *s, int c)
{
    char *req = s->requests[s->served];
    size_t len = 0;
    ssize_t got;
    while (len + 1 < sizeof s->requests[0] &&
           (got = recv(c, req + len, sizeof s->requests[0] - 1 - len, 0)) > 0) {
        len += (size_t)got;
        req[len] = '\0';
        char *end = strstr(req, "\r\n\r\n");
        const char *cl = strcasestr(req, "content-length:");
        if (end && (!cl || strlen(end + 4) >= (size_t)atol(cl + 15)))
            break;
    }
    const char *a = s->answers[s->served < s->n ? s->served : s->n - 1];
    s->served++;
    if (send(c, a, strlen(a), MSG_NOSIGNAL) < 0)
        return;
}

static void *listener(void *arg)
{
    script *s = arg;
    int c;
    while ((c = accept(s->fd, NULL, NULL)) >= 0) {
        serve_one(s, c);
        close(c);
        if (s->served >= 6)
            break;
    }
    return NULL;
}

static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static const char A503[] = "HTTP/1.1 503 Slow Down\r\nConnection: close\r\nContent-Length: 57\r\n\r\n"
                           "<Error><Code>SlowDown</Code><Message>m</Message></Error>\n";
static const char A400T[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 36\r\n\r\n"
                            "{\"__type\":\"ThrottlingException\"}\n\n\n\n";
static const char A400V[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 51\r\n\r\n"
                            "{\"__type\":\"ValidationException\",\"message\":\"nope\"}\n\n";
static const char A200[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nx-amz-meta-k: v1\r\n"
                           "Content-Length: 11\r\n\r\n{\"ok\":true}";

static void run_script(script *s, ot_aws_protocol proto, const char *op, const char *body,
                       int max_attempts, ot_aws_response *resp, int *rc, char *err, size_t errlen)
{
    int port;
    char url[64];
    pthread_t th;
    s->fd = listen_any(&port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    setenv("AWS_ACCESS_KEY_ID", "AK", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
    ot_aws_client c;
    ot_aws_client_opts o = {.service = "sts", .protocol = proto, .endpoint = url,
                            .target_prefix = "Svc_1", .api_version = "2011-06-15",
                            .max_attempts = max_attempts, .base_delay_ms = 1,
                            .max_delay_ms = 5};
    assert_int_equal(ot_aws_client_init(&c, &o, err, errlen), 0);
    assert_int_equal(pthread_create(&th, NULL, listener, s), 0);
    ot_aws_request req = {.operation = op, .body = body, .body_len = body ? strlen(body) : 0};
    *rc = ot_aws_call(&c, NULL, &req, resp, err, errlen);
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(th, NULL);
}

static void test_aws__retries_throttling_then_succeeds(void **state)
{
    (void)state;
    script s = {.answers = {A503, A400T, A200}, .n = 3};
    ot_aws_response resp;
    char err[512] = "", v[16];
    int rc;
    ot_aws_response_init(&resp, 0);
    run_script(&s, OT_AWS_JSON, "GetThing", "{\"a\":1}", 5, &resp, &rc, err, sizeof err);
    assert_int_equal(rc, 0);
    assert_int_equal(resp.attempts, 3);
    assert_int_equal(s.served, 3);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body.data, "{\"ok\":true}");
    assert_true(ot_aws_response_header(&resp, "X-Amz-Meta-K", v, sizeof v));
    assert_string_equal(v, "v1");
    /* every attempt is a signed JSON 1.1 call */
    for (int i = 0; i < 3; i++) {
        assert_non_null(strcasestr(s.requests[i], "x-amz-target: Svc_1.GetThing\r\n"));
        assert_non_null(strcasestr(s.requests[i], "content-type: application/x-amz-json-1.1\r\n"));
        assert_non_null(strstr(s.requests[i], "Authorization: AWS4-HMAC-SHA256 Credential=AK/"));
        assert_non_null(strstr(s.requests[i], "/us-east-1/sts/aws4_request, SignedHeaders="
                                              "content-type;host;x-amz-date;x-amz-target, "));
        assert_non_null(strstr(s.requests[i], "\r\n\r\n{\"a\":1}"));
    }
    ot_aws_response_free(&resp);
}

static void test_aws__no_retry_on_client_error(void **state)
{
    (void)state;
    script s = {.answers = {A400V, A200}, .n = 2};
    ot_aws_response resp;
    char err[512] = "";
    int rc;
    ot_aws_response_init(&resp, 0);
    run_script(&s, OT_AWS_QUERY, "GetCallerIdentity", "X=1", 5, &resp, &rc, err, sizeof err);
    assert_int_equal(rc, OT_EIO);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(resp.status, 400);
    /* the query protocol's form body */
    assert_non_null(strstr(s.requests[0], "\r\n\r\nAction=GetCallerIdentity&Version=2011-06-15&X=1"));
    assert_non_null(strcasestr(s.requests[0], "content-type: application/x-www-form-urlencoded"));
    ot_aws_response_free(&resp);
}

/* JSON 1.0 (CloudWatch's awsJson1_0): JSON 1.1's shape with its own content type; an empty
 * request is "{}"; errors parse as JSON ones. */
static void test_aws__json_1_0(void **state)
{
    (void)state;
    script s = {.answers = {A400V}, .n = 1};
    ot_aws_response resp;
    char err[512] = "";
    int rc;
    ot_aws_response_init(&resp, 0);
    run_script(&s, OT_AWS_JSON_1_0, "DescribeAlarms", NULL, 5, &resp, &rc, err, sizeof err);
    assert_int_equal(rc, OT_EIO);
    assert_string_equal(resp.code, "ValidationException");
    assert_string_equal(resp.message, "nope");
    assert_non_null(strstr(s.requests[0], "POST / HTTP/1.1\r\n"));
    assert_non_null(strcasestr(s.requests[0], "x-amz-target: Svc_1.DescribeAlarms\r\n"));
    assert_non_null(strcasestr(s.requests[0], "content-type: application/x-amz-json-1.0\r\n"));
    assert_non_null(strstr(s.requests[0], "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "));
    assert_non_null(strstr(s.requests[0], "\r\n\r\n{}"));
    ot_aws_response_free(&resp);
}

static void test_aws__gives_up_after_max_attempts(void **state)
{
    (void)state;
    script s = {.answers = {A503}, .n = 1};
    ot_aws_response resp;
    char err[512] = "";
    int rc;
    ot_aws_response_init(&resp, 0);
    run_script(&s, OT_AWS_REST_XML, "GetObject", NULL, 3, &resp, &rc, err, sizeof err);
    assert_int_equal(rc, OT_EIO);
    assert_int_equal(resp.attempts, 3);
    assert_int_equal(s.served, 3);
    assert_string_equal(resp.code, "SlowDown");
    assert_non_null(strstr(err, "An error occurred (SlowDown) when calling the GetObject operation: m"));
    ot_aws_response_free(&resp);
}

static void test_aws__unresolvable_host(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AK", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
    ot_aws_client c;
    char err[512];
    ot_aws_client_opts o = {.service = "s3", .protocol = OT_AWS_REST_XML,
                            .endpoint = "http://no-such-host.invalid:9000", .base_delay_ms = 1};
    assert_int_equal(ot_aws_client_init(&c, &o, err, sizeof err), 0);
    ot_aws_response resp;
    ot_aws_response_init(&resp, 0);
    ot_aws_request req = {.method = "GET", .path = "/b", .operation = "ListObjectsV2"};
    assert_int_equal(ot_aws_call(&c, NULL, &req, &resp, err, sizeof err), OT_EIO);
    assert_int_equal(resp.attempts, 1);
    assert_non_null(strstr(err, "'no-such-host.invalid:9000'"));
    assert_non_null(strstr(err, "given on the command line")); /* --endpoint: not the env's */
    /* an endpoint from the environment (or AWS's own host): the variable is the fix */
    setenv("AWS_ENDPOINT_URL", "http://no-such-host.invalid:9001", 1);
    o.endpoint = NULL;
    assert_int_equal(ot_aws_client_init(&c, &o, err, sizeof err), 0);
    assert_int_equal(ot_aws_call(&c, NULL, &req, &resp, err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "'no-such-host.invalid:9001'"));
    assert_non_null(strstr(err, "AWS_ENDPOINT_URL"));
    ot_aws_response_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_aws__creds_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__error_parsing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__retryable_and_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__retries_throttling_then_succeeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__no_retry_on_client_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__json_1_0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__gives_up_after_max_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aws__unresolvable_host, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
