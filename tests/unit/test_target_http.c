/* test_target_http.c — ot_target_http_send against a real HTTP server (python's http.server,
 * started by the test): the method, body, content type and authorization it sends, and how each
 * answer is classified (2xx delivered; 429, 5xx and no connection worth retrying; another 4xx,
 * a redirect, an unknown destination and a refused http:// never). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "otest.h"
#include "respond/target_http.h"
#include "rules/destinations.h"
#include "util/err.h"

extern char **environ;

#define ACCOUNT "123456789012"
static const ot_rules_scope SCOPE = {.account = ACCOUNT, .region = "us-east-1"};

/* Answers every method with the status its path ends in (/s/429 answers 429; /redirect a 302
 * to another host) and appends one JSON line per request to the log: method, path, the
 * headers the test looks at, the body. */
static const char RECEIVER[] =
    "import http.server, json, sys\n"
    "log, portfile = sys.argv[1], sys.argv[2]\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def handle_one_request(self):\n"
    "        self.raw_requestline = self.rfile.readline(65537)\n"
    "        if not self.raw_requestline or not self.parse_request():\n"
    "            return\n"
    "        n = int(self.headers.get('Content-Length') or 0)\n"
    "        body = self.rfile.read(n).decode()\n"
    "        rec = {'method': self.command, 'path': self.path, 'body': body,\n"
    "               'authorization': self.headers.get('Authorization'),\n"
    "               'x-api-key': self.headers.get('x-api-key'),\n"
    "               'content-type': self.headers.get('Content-Type'),\n"
    "               'user-agent': self.headers.get('User-Agent')}\n"
    "        with open(log, 'a') as f:\n"
    "            f.write(json.dumps(rec, sort_keys=True) + '\\n')\n"
    "        if self.path == '/redirect':\n"
    "            self.send_response(302)\n"
    "            self.send_header('Location', 'http://127.0.0.2:1/elsewhere')\n"
    "        else:\n"
    "            self.send_response(int(self.path.rsplit('/', 1)[1]))\n"
    "        self.send_header('Content-Length', '2')\n"
    "        self.end_headers()\n"
    "        if self.command != 'HEAD':\n"
    "            self.wfile.write(b'ok')\n"
    "    def log_message(self, *a):\n"
    "        pass\n"
    "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
    "with open(portfile + '.tmp', 'w') as f:\n"
    "    f.write(str(s.server_address[1]))\n"
    "import os; os.rename(portfile + '.tmp', portfile)\n"
    "s.serve_forever()\n";

typedef struct fixture {
    char dir[64];
    char log[128];
    int port;
    pid_t receiver;
    ot_api srv;
    char basic_conn[OT_DEST_ARN_MAX];
    char key_conn[OT_DEST_ARN_MAX];
} fixture;

static void start_receiver(fixture *f)
{
    char script[128], portfile[128];
    snprintf(script, sizeof script, "%s/receiver.py", f->dir);
    snprintf(portfile, sizeof portfile, "%s/port", f->dir);
    snprintf(f->log, sizeof f->log, "%s/requests.log", f->dir);
    otest_write_file(script, RECEIVER, strlen(RECEIVER));
    char *argv[] = {"python3", script, f->log, portfile, NULL};
    assert_int_equal(posix_spawnp(&f->receiver, "python3", NULL, NULL, argv, environ), 0);
    for (int i = 0; i < 300 && access(portfile, F_OK); i++) { /* up to 15 s to start */
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char *port = otest_read_file(portfile, NULL);
    f->port = atoi(port);
    free(port);
    assert_true(f->port > 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "target-http");
    ot_config_defaults(&f->srv.cfg);
    f->srv.cfg.api_destination_allow_http = true;
    char path[128];
    snprintf(path, sizeof path, "%s/rules.db", f->dir);
    assert_int_equal(ot_rules_open(path, &f->srv.rules), 0);
    ot_connection c = {.name = "basic", .auth = OT_CONN_BASIC, .auth_name = "alice",
                       .secret = "pa ss word"};
    assert_int_equal(ot_conn_create(f->srv.rules, &SCOPE, &c, 1000), 0);
    memcpy(f->basic_conn, c.arn, sizeof c.arn);
    ot_connection k = {.name = "key", .auth = OT_CONN_API_KEY, .auth_name = "x-api-key",
                       .secret = "k-4711"};
    assert_int_equal(ot_conn_create(f->srv.rules, &SCOPE, &k, 1000), 0);
    memcpy(f->key_conn, k.arn, sizeof k.arn);
    start_receiver(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kill(f->receiver, SIGTERM);
    waitpid(f->receiver, NULL, 0);
    ot_rules_close(f->srv.rules);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

/* Creates destination `name` calling path on the receiver (or url, when given); its ARN in arn. */
static void destination(fixture *f, const char *name, const char *conn, const char *method,
                        const char *path, const char *url, char *arn)
{
    ot_api_destination d = {.rate_limit = 0};
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.connection_arn, sizeof d.connection_arn, "%s", conn);
    snprintf(d.method, sizeof d.method, "%s", method);
    if (url)
        snprintf(d.endpoint, sizeof d.endpoint, "%s", url);
    else
        snprintf(d.endpoint, sizeof d.endpoint, "http://127.0.0.1:%d%s", f->port, path);
    assert_int_equal(ot_apidest_create(f->srv.rules, &SCOPE, &d, 2000), 0);
    memcpy(arn, d.arn, OT_DEST_ARN_MAX);
}

static int deliver(fixture *f, const char *arn, const char *payload, char *err, size_t cap)
{
    return ot_target_http_send(&f->srv, ACCOUNT, arn, payload, strlen(payload), err, cap);
}

/* The receiver's log so far ("" when nothing came). */
static char *requests(fixture *f)
{
    if (access(f->log, F_OK))
        return strdup("");
    return otest_read_file(f->log, NULL);
}

static void basic_auth_post_is_delivered(void **state)
{
    fixture *f = *state;
    char arn[OT_DEST_ARN_MAX], err[512];
    destination(f, "ok", f->basic_conn, "POST", "/s/200", NULL, arn);
    const char *event = "{\"detail-type\":\"AWS API Call via CloudTrail\",\"x\":\"\xc3\xa9\"}";
    assert_int_equal(deliver(f, arn, event, err, sizeof err), 0);
    char *log = requests(f);
    /* base64("alice:pa ss word") */
    assert_non_null(strstr(log, "\"authorization\": \"Basic YWxpY2U6cGEgc3Mgd29yZA==\""));
    assert_non_null(strstr(log, "\"method\": \"POST\""));
    assert_non_null(strstr(log, "\"content-type\": \"application/json; charset=utf-8\""));
    assert_non_null(strstr(log, "\"user-agent\": \"Amazon/EventBridge/ApiDestinations\""));
    /* the payload byte for byte (the receiver's JSON escapes the quotes and the é) */
    assert_non_null(strstr(log, "\"body\": \"{\\\"detail-type\\\":\\\"AWS API Call via "
                                "CloudTrail\\\",\\\"x\\\":\\\"\\u00e9\\\"}\""));
    assert_non_null(strstr(log, "\"x-api-key\": null"));
    free(log);
}

static void api_key_put_sends_the_key_header(void **state)
{
    fixture *f = *state;
    char arn[OT_DEST_ARN_MAX], err[512];
    destination(f, "put", f->key_conn, "PUT", "/s/204", NULL, arn);
    assert_int_equal(deliver(f, arn, "{\"a\":1}", err, sizeof err), 0);
    char *log = requests(f);
    assert_non_null(strstr(log, "\"method\": \"PUT\""));
    assert_non_null(strstr(log, "\"x-api-key\": \"k-4711\""));
    assert_non_null(strstr(log, "\"authorization\": null"));
    assert_non_null(strstr(log, "\"body\": \"{\\\"a\\\":1}\""));
    free(log);
}

static void get_sends_no_body(void **state)
{
    fixture *f = *state;
    char arn[OT_DEST_ARN_MAX], err[512];
    destination(f, "get", f->key_conn, "GET", "/s/200", NULL, arn);
    assert_int_equal(deliver(f, arn, "{\"a\":1}", err, sizeof err), 0);
    char *log = requests(f);
    assert_non_null(strstr(log, "\"body\": \"\""));
    assert_non_null(strstr(log, "\"method\": \"GET\""));
    free(log);
}

/* Each status once: what the contract says about it, and that it was one request. */
static void answers_are_classified(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *path;
        int want;
    } cases[] = {{"/s/201", 0},          {"/s/429", OT_EAGAIN}, {"/s/500", OT_EAGAIN},
                 {"/s/503", OT_EAGAIN},  {"/s/404", OT_EINVAL}, {"/s/400", OT_EINVAL},
                 {"/redirect", OT_EINVAL}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char name[16], arn[OT_DEST_ARN_MAX], err[512] = "";
        snprintf(name, sizeof name, "c%zu", i);
        destination(f, name, f->basic_conn, "POST", cases[i].path, NULL, arn);
        int rc = deliver(f, arn, "{}", err, sizeof err);
        if (rc != cases[i].want)
            fail_msg("%s: got %d (%s), want %d", cases[i].path, rc, err, cases[i].want);
        if (cases[i].want)
            assert_non_null(strstr(err, "answered HTTP"));
    }
    char *log = requests(f);
    size_t lines = 0;
    for (const char *p = log; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, sizeof cases / sizeof *cases); /* the redirect was not followed */
    free(log);
}

/* A port nobody listens on: bound, then closed. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void connection_refused_is_worth_retrying(void **state)
{
    fixture *f = *state;
    char arn[OT_DEST_ARN_MAX], err[512], url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/s/200", closed_port());
    destination(f, "refused", f->basic_conn, "POST", NULL, url, arn);
    assert_int_equal(deliver(f, arn, "{}", err, sizeof err), OT_EAGAIN);
    assert_non_null(strstr(err, url));
}

static void unknown_and_foreign_destinations_are_refused(void **state)
{
    fixture *f = *state;
    char arn[OT_DEST_ARN_MAX], err[512];
    destination(f, "mine", f->basic_conn, "POST", "/s/200", NULL, arn);
    assert_int_equal(ot_target_http_send(&f->srv, "999999999999", arn, "{}", 2, err, sizeof err),
                     OT_EINVAL);
    assert_int_equal(deliver(f, "arn:aws:events:us-east-1:123456789012:api-destination/none/x",
                          "{}", err, sizeof err),
                     OT_EINVAL);
    assert_non_null(strstr(err, "does not exist"));
    /* deleted and made again: the old ARN names nothing */
    assert_int_equal(ot_apidest_delete(f->srv.rules, &SCOPE, "mine"), 0);
    char again[OT_DEST_ARN_MAX];
    destination(f, "mine", f->basic_conn, "POST", "/s/200", NULL, again);
    assert_int_equal(deliver(f, arn, "{}", err, sizeof err), OT_EINVAL);
    assert_int_equal(deliver(f, again, "{}", err, sizeof err), 0);
    /* its connection deleted: nothing to authorize with */
    assert_int_equal(ot_conn_delete(f->srv.rules, &SCOPE, "basic", NULL), 0);
    assert_int_equal(deliver(f, again, "{}", err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "connection"));
    char *log = requests(f);
    assert_int_equal(strchr(log, '\n') ? strchr(log, '\n')[1] : 'x', '\0'); /* one request */
    free(log);
}

static void http_is_refused_without_the_option(void **state)
{
    fixture *f = *state;
    char arn[OT_DEST_ARN_MAX], err[512];
    destination(f, "plain", f->basic_conn, "POST", "/s/200", NULL, arn);
    f->srv.cfg.api_destination_allow_http = false;
    assert_int_equal(deliver(f, arn, "{}", err, sizeof err), OT_EINVAL);
    char *log = requests(f);
    assert_string_equal(log, ""); /* nothing was sent */
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(basic_auth_post_is_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(api_key_put_sends_the_key_header, setup, teardown),
        cmocka_unit_test_setup_teardown(get_sends_no_body, setup, teardown),
        cmocka_unit_test_setup_teardown(answers_are_classified, setup, teardown),
        cmocka_unit_test_setup_teardown(connection_refused_is_worth_retrying, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_and_foreign_destinations_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(http_is_refused_without_the_option, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
