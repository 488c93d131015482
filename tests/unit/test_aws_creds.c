/* test_aws_creds.c — the credential chain (aws/creds.c): precedence of the environment, the
 * profile's sources and the data dir; credential_process (splitting, running, every error of
 * its output); role_arn configuration errors found before any STS call; STS answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/credsrc.h"
#include "aws/profile.h"
#include "otest.h"
#include "util/err.h"

static char g_dir[64];
static char g_cfg[128], g_cred[128];

static const char *const ENV_VARS[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"};

static int setup(void **state)
{
    (void)state;
    otest_tmpdir(g_dir, sizeof g_dir, "test-aws-creds");
    for (size_t i = 0; i < sizeof ENV_VARS / sizeof ENV_VARS[0]; i++)
        unsetenv(ENV_VARS[i]);
    setenv("HOME", g_dir, 1);
    snprintf(g_cfg, sizeof g_cfg, "%s/config", g_dir);
    snprintf(g_cred, sizeof g_cred, "%s/credentials", g_dir);
    setenv("AWS_CONFIG_FILE", g_cfg, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", g_cred, 1);
    /* no STS call may leave the machine: a role test that got that far fails fast */
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9", 1);
    ot_aws_profile_set_default(NULL);
    ot_aws_creds_cache_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ot_aws_profile_set_default(NULL);
    ot_aws_creds_cache_clear();
    otest_rmrf(g_dir);
    return 0;
}

static void put(const char *path, const char *text)
{
    otest_write_file(path, text, strlen(text));
}

/* A script in the test dir; returns its path (static buffer per name). */
static const char *script(const char *name, const char *body)
{
    static char paths[8][160];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 160, "%s/%s", g_dir, name);
    put(p, body);
    assert_int_equal(chmod(p, 0700), 0);
    return p;
}

static int load(ot_aws_creds *c, const char *profile, char *err, size_t errlen)
{
    ot_aws_client_opts o = {.service = "s3", .profile = profile};
    err[0] = '\0';
    return ot_aws_creds_load(c, &o, err, errlen);
}

/* ---- precedence -------------------------------------------------------------------------- */

static void test_creds__environment_then_profile(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[2048];
    put(g_cred, "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = SKDEF\n"
                "[p]\naws_access_key_id = AKP\naws_secret_access_key = SKP\n");
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SKENV", 1);
    setenv("AWS_SESSION_TOKEN", "TOKENV", 1);
    assert_int_equal(load(&c, NULL, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKENV");
    assert_string_equal(c.session_token, "TOKENV");
    /* AWS_PROFILE does not beat the environment's keys ... */
    setenv("AWS_PROFILE", "p", 1);
    assert_int_equal(load(&c, NULL, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKENV");
    /* ... --profile does (botocore: an explicit profile removes the EnvProvider) */
    assert_int_equal(load(&c, "p", err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKP");
    assert_string_equal(c.session_token, "");
    assert_int_equal(load(&c, "default", err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKDEF");
    /* so does the process-wide --profile (validate) */
    ot_aws_profile_set_default("default");
    assert_int_equal(load(&c, NULL, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKDEF");
    ot_aws_profile_set_default(NULL);
    /* AWS_SECURITY_TOKEN is read first, as botocore does */
    setenv("AWS_SECURITY_TOKEN", "TOKSEC", 1);
    assert_int_equal(load(&c, NULL, err, sizeof err), 0);
    assert_string_equal(c.session_token, "TOKSEC");
    /* a key id without a secret is an error, not "none" */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    assert_int_equal(load(&c, NULL, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "missing: AWS_SECRET_ACCESS_KEY"));
    unsetenv("AWS_ACCESS_KEY_ID");
    assert_int_equal(load(&c, NULL, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKP");
}

static void test_creds__named_profile_must_exist(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[2048];
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SKENV", 1);
    /* "default" may be absent; any other named profile must exist (the AWS CLI says so too) */
    assert_int_equal(load(&c, NULL, err, sizeof err), 0);
    setenv("AWS_PROFILE", "ghost", 1);
    assert_int_equal(load(&c, NULL, err, sizeof err), OT_ENOTFOUND);
    assert_non_null(strstr(err, "The config profile (ghost) could not be found"));
    assert_non_null(strstr(err, "AWS_PROFILE"));
    assert_non_null(strstr(err, g_cfg));
    assert_non_null(strstr(err, g_cred));
    assert_int_equal(load(&c, "other", err, sizeof err), OT_ENOTFOUND);
    assert_non_null(strstr(err, "(other)"));
    assert_non_null(strstr(err, "--profile"));
}

static void test_creds__sources_within_a_profile(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[2048], line[512];
    const char *proc = script("proc.sh", "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": "
                                         "\"AKPROC\", \"SecretAccessKey\": \"SKPROC\"}'\n");
    snprintf(line, sizeof line,
             "[profile a]\ncredential_process = %s\naws_access_key_id = AKCFG\n"
             "aws_secret_access_key = SKCFG\n"
             "[profile b]\naws_access_key_id = AKCFGB\naws_secret_access_key = SKCFGB\n"
             "aws_session_token = TOKB\n[profile c]\ncredential_process = %s\n"
             "[profile partial]\naws_access_key_id = AKONLY\n", proc, proc);
    put(g_cfg, line);
    put(g_cred, "[a]\naws_access_key_id = AKCRED\naws_secret_access_key = SKCRED\n[b]\n[c]\n");
    /* the credentials file's keys beat credential_process, which beats the config's keys */
    assert_int_equal(load(&c, "a", err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKCRED");
    assert_non_null(strstr(c.source, g_cred));
    assert_int_equal(load(&c, "b", err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKCFGB");
    assert_string_equal(c.session_token, "TOKB");
    assert_non_null(strstr(c.source, "[profile b]"));
    assert_int_equal(load(&c, "c", err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKPROC");
    assert_string_equal(c.source, "credential_process of profile c");
    assert_int_equal(c.expires_ms, 0);
    assert_int_equal(load(&c, "partial", err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "Partial credentials found in"));
    assert_non_null(strstr(err, "missing: aws_secret_access_key"));
}

static void test_creds__nothing_found_names_every_place(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[2048];
    put(g_cfg, "[profile empty]\nregion = us-west-2\n");
    ot_aws_client_opts o = {.service = "s3", .data_dir = "/nonexistent-dd"};
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), OT_ENOTFOUND);
    assert_non_null(strstr(err, "Unable to locate credentials"));
    assert_non_null(strstr(err, "AWS_ACCESS_KEY_ID"));
    assert_non_null(strstr(err, "profile default (no profile named)"));
    assert_non_null(strstr(err, g_cred));
    assert_non_null(strstr(err, g_cfg));
    assert_non_null(strstr(err, "/nonexistent-dd/credentials"));
    assert_non_null(strstr(err, "credential_process"));
    o.profile = "empty";
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), OT_ENOTFOUND);
    assert_null(strstr(err, "the environment")); /* --profile: the environment is not read */
    assert_non_null(strstr(err, "[profile empty]"));
}

static void test_creds__data_dir_first_unless_profile(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[2048], dd[128], ddc[160];
    snprintf(dd, sizeof dd, "%s/dd", g_dir);
    snprintf(ddc, sizeof ddc, "%s/credentials", dd);
    otest_mkdirs_for(ddc);
    put(ddc, "[default]\naws_access_key_id = AKDD\naws_secret_access_key = SKDD\n");
    put(g_cred, "[p]\naws_access_key_id = AKP\naws_secret_access_key = SKP\n");
    ot_aws_client_opts o = {.service = "cloudtrail", .data_dir = dd, .data_dir_first = true};
    setenv("AWS_PROFILE", "p", 1);
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKDD");
    o.profile = "p";
    assert_int_equal(ot_aws_creds_load(&c, &o, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AKP");
}

/* ---- credential_process ------------------------------------------------------------------ */

static void test_credproc__shell_split(void **state)
{
    (void)state;
    char **argv, err[512];
    size_t argc;
    assert_int_equal(ot_aws_shell_split(&argv, &argc,
        "  /bin/tool  'a b' \"c \\\"d\\\" \\x\" e\\ f '' g'h'\"i\" $(rm) ;x  ", err,
        sizeof err), 0);
    const char *want[] = {"/bin/tool", "a b", "c \"d\" \\x", "e f", "", "ghi", "$(rm)", ";x"};
    assert_int_equal(argc, 8);
    for (size_t i = 0; i < argc; i++)
        assert_string_equal(argv[i], want[i]);
    assert_null(argv[argc]);
    ot_aws_argv_free(argv);
    static const struct { const char *cmd, *why; } bad[] = {
        {"tool 'open", "No closing quotation"}, {"tool \"open", "No closing quotation"},
        {"tool \\", "No escaped character"}, {"   ", "it is empty"}, {"", "it is empty"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ot_aws_shell_split(&argv, &argc, bad[i].cmd, err, sizeof err), OT_EINVAL);
        assert_non_null(strstr(err, bad[i].why));
    }
    char many[2000] = "t";
    for (int i = 0; i < OT_AWS_CREDPROC_MAX_ARGS + 1; i++)
        strcat(many, " x");
    assert_int_equal(ot_aws_shell_split(&argv, &argc, many, err, sizeof err), OT_ELIMIT);
    assert_non_null(strstr(err, "too many words"));
}

static void test_credproc__each_output_error(void **state)
{
    (void)state;
    static const struct { const char *out, *want; } cases[] = {
        {"not json", "its output is not JSON"},
        {"", "its output is not JSON"},
        {"[1]", "not a JSON object"},
        {"{\"AccessKeyId\": \"a\", \"SecretAccessKey\": \"s\"}",
         "Unsupported version '<Version key not provided>'"},
        {"{\"Version\": 2, \"AccessKeyId\": \"a\", \"SecretAccessKey\": \"s\"}",
         "Unsupported version '2'"},
        {"{\"Version\": \"1\", \"AccessKeyId\": \"a\", \"SecretAccessKey\": \"s\"}",
         "Unsupported version '\"1\"'"},
        {"{\"Version\": 1, \"SecretAccessKey\": \"s\"}",
         "Missing required key in response: 'AccessKeyId'"},
        {"{\"Version\": 1, \"AccessKeyId\": \"a\"}",
         "Missing required key in response: 'SecretAccessKey'"},
        {"{\"Version\": 1, \"AccessKeyId\": 5, \"SecretAccessKey\": \"s\"}",
         "'AccessKeyId' is not a string"},
        {"{\"Version\": 1, \"AccessKeyId\": \"a\", \"SecretAccessKey\": \"s\", "
         "\"SessionToken\": []}", "'SessionToken' is not a string"},
        {"{\"Version\": 1, \"AccessKeyId\": \"\", \"SecretAccessKey\": \"s\"}",
         "an empty access key id"},
        {"{\"Version\": 1, \"AccessKeyId\": \"a\\r\\nx-injected: 1\", \"SecretAccessKey\": \"s\"}",
         "a control character in the access key id"},
        {"{\"Version\": 1, \"AccessKeyId\": \"a\", \"SecretAccessKey\": \"s\", "
         "\"Expiration\": \"tomorrow\"}", "Expiration 'tomorrow' is not an ISO 8601 time"},
        {"{\"Version\": 1, \"AccessKeyId\": \"a\", \"SecretAccessKey\": \"s\", "
         "\"Expiration\": \"2020-01-01T00:00:00Z\"}", "expired at 2020-01-01T00:00:00Z"},
    };
    const int64_t now = 1767225600000; /* 2026-01-01 */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ot_aws_creds c;
        char err[512] = "";
        int rc = ot_aws_credproc_parse(&c, cases[i].out, strlen(cases[i].out), now, err,
                                       sizeof err);
        assert_int_not_equal(rc, 0);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
        assert_string_equal(c.access_key, ""); /* nothing half-filled */
    }
    /* a key longer than the field */
    char longkey[400];
    snprintf(longkey, sizeof longkey, "{\"Version\": 1, \"AccessKeyId\": \"%0200d\", "
             "\"SecretAccessKey\": \"s\"}", 0);
    ot_aws_creds c;
    char err[512];
    assert_int_equal(ot_aws_credproc_parse(&c, longkey, strlen(longkey), now, err, sizeof err),
                     OT_ELIMIT);
    /* well-formed, with an offset expiration and extra members */
    const char *ok = "{\"Version\": 1.0, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"SK\", "
                     "\"SessionToken\": \"TOK\", \"Expiration\": \"2026-06-01T02:00:00+02:00\", "
                     "\"AccountId\": \"123456789012\"}";
    assert_int_equal(ot_aws_credproc_parse(&c, ok, strlen(ok), now, err, sizeof err), 0);
    assert_string_equal(c.access_key, "AK");
    assert_string_equal(c.secret_key, "SK");
    assert_string_equal(c.session_token, "TOK");
    assert_int_equal(c.expires_ms, 1780272000000); /* 2026-06-01T00:00:00Z */
}

static void test_credproc__run(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[4096], cmd[512], marker[160];
    const char *echo = script("echo args.sh",
        "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}' "
        "\"$1\" \"$2\"\n");
    snprintf(marker, sizeof marker, "%s/injected", g_dir);
    /* no shell: quotes group, and ';' / $(...) are plain characters of an argument */
    snprintf(cmd, sizeof cmd, "'%s' 'AK;touch %s' \"$(touch %s)\"", echo, marker, marker);
    assert_int_equal(ot_aws_credproc_run(&c, cmd, err, sizeof err), 0);
    assert_non_null(strstr(c.access_key, "AK;touch "));
    assert_non_null(strstr(c.secret_key, "$(touch "));
    assert_int_not_equal(access(marker, F_OK), 0);
    const char *fails = script("fails.sh", "#!/bin/sh\necho 'token expired, run sso login' >&2\n"
                                           "exit 3\n");
    assert_int_equal(ot_aws_credproc_run(&c, fails, err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "exited with status 3: token expired, run sso login"));
    const char *quiet = script("quiet.sh", "#!/bin/sh\nexit 1\n");
    assert_int_equal(ot_aws_credproc_run(&c, quiet, err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "(nothing on stderr)"));
    assert_int_equal(ot_aws_credproc_run(&c, "/nonexistent/tool --x", err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "cannot run credential_process '/nonexistent/tool'"));
    const char *killed = script("killed.sh", "#!/bin/sh\nkill -9 $$\n");
    assert_int_equal(ot_aws_credproc_run(&c, killed, err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "killed by signal 9"));
    const char *bad = script("bad.sh", "#!/bin/sh\necho 'Version: 1'\n");
    assert_int_equal(ot_aws_credproc_run(&c, bad, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "not JSON"));
    const char *big = script("big.sh", "#!/bin/sh\nhead -c 3000000 /dev/zero | tr '\\0' ' '\n");
    assert_int_equal(ot_aws_credproc_run(&c, big, err, sizeof err), OT_ELIMIT);
    assert_non_null(strstr(err, "printed more than"));
}

static void test_credproc__run_once_per_process(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[2048], cfg[512], count[160];
    snprintf(count, sizeof count, "%s/runs", g_dir);
    char body[512];
    snprintf(body, sizeof body, "#!/bin/sh\necho run >> '%s'\necho '{\"Version\": 1, "
             "\"AccessKeyId\": \"AKC\", \"SecretAccessKey\": \"SKC\"}'\n", count);
    const char *counted = script("counted.sh", body);
    snprintf(cfg, sizeof cfg, "[profile c]\ncredential_process = %s\n", counted);
    put(g_cfg, cfg);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(load(&c, "c", err, sizeof err), 0);
        assert_string_equal(c.access_key, "AKC");
    }
    size_t n;
    char *runs = otest_read_file(count, &n);
    assert_string_equal(runs, "run\n");
    free(runs);
    /* a failing process: the profile is named along with its stderr */
    const char *fails = script("f.sh", "#!/bin/sh\necho nope >&2\nexit 1\n");
    snprintf(cfg, sizeof cfg, "[profile f]\ncredential_process = %s\n", fails);
    put(g_cfg, cfg);
    assert_int_equal(load(&c, "f", err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "profile f: credential_process"));
    assert_non_null(strstr(err, ": nope"));
}

/* ---- role_arn: what is refused before any STS call ------------------------------------- */

static void test_role__configuration_errors(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[2048];
    put(g_cfg,
        "[profile both]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
        "credential_source = Environment\n"
        "[profile neither]\nrole_arn = arn:aws:iam::1:role/r\n"
        "[profile nosrc]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = ghost\n"
        "[profile loop1]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop2\n"
        "[profile loop2]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop1\n"
        "[profile self]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = self\n"
        "[profile mfa]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
        "mfa_serial = arn:aws:iam::1:mfa/u\n"
        "[profile sso]\nsso_session = corp\nsso_account_id = 1\n"
        "[profile oldsso]\nsso_start_url = https://x.awsapps.com/start\n"
        "[profile web]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\n"
        "[profile imds]\nrole_arn = arn:aws:iam::1:role/r\n"
        "credential_source = Ec2InstanceMetadata\n"
        "[profile weird]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Elsewhere\n"
        "[profile envsrc]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n"
        "[profile nokeys]\nregion = us-east-1\n"
        "[profile emptysrc]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nokeys\n");
    put(g_cred, "[base]\naws_access_key_id = AKB\naws_secret_access_key = SKB\n");
    static const struct { const char *profile, *want; int rc; } cases[] = {
        {"both", "contains both source_profile and credential_source", OT_EINVAL},
        {"neither", "has role_arn but neither source_profile nor credential_source", OT_EINVAL},
        {"nosrc", "The source_profile \"ghost\" referenced in the profile \"nosrc\" does not "
                  "exist", OT_EINVAL},
        {"loop1", "Infinite loop in credential configuration detected. Attempting to load from "
                  "profile loop1 which has already been visited. Visited profiles: loop1 loop2",
         OT_EINVAL},
        {"self", "Infinite loop", OT_EINVAL}, /* naming itself without static keys */
        {"mfa", "profile mfa uses role_arn with mfa_serial", OT_EINVAL},
        {"sso", "profile sso uses IAM Identity Center", OT_EINVAL},
        {"oldsso", "profile oldsso uses IAM Identity Center", OT_EINVAL},
        {"web", "profile web uses web_identity_token_file", OT_EINVAL},
        {"imds", "credential_source = Ec2InstanceMetadata", OT_EINVAL},
        {"weird", "The credential source \"Elsewhere\" referenced in profile \"weird\" is not "
                  "valid", OT_EINVAL},
        {"envsrc", "No credentials found in credential_source referenced in profile envsrc",
         OT_EINVAL},
        {"emptysrc", "The source profile \"nokeys\" must have credentials.", OT_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = load(&c, cases[i].profile, err, sizeof err);
        if (rc != cases[i].rc || !strstr(err, cases[i].want))
            fail_msg("profile %s: rc %d, '%s'; want '%s'", cases[i].profile, rc, err,
                     cases[i].want);
    }
    /* unsupported sources say what to do instead */
    assert_int_equal(load(&c, "sso", err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "aws configure export-credentials --profile sso --format env"));
}

static void test_role__sts_failure_names_the_role(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[4096];
    put(g_cfg, "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
               "[profile self]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = self\n"
               "aws_access_key_id = AKS\naws_secret_access_key = SKS\n");
    put(g_cred, "[base]\naws_access_key_id = AKB\naws_secret_access_key = SKB\n");
    setenv("AWS_ENDPOINT_URL_STS", "http://no-such-host.invalid:9", 1);
    assert_int_equal(load(&c, "r", err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "profile r: assuming role arn:aws:iam::1:role/r"));
    assert_non_null(strstr(err, "[base]"));
    assert_non_null(strstr(err, "no-such-host.invalid"));
    assert_non_null(strstr(err, "AWS_ENDPOINT_URL"));
    /* a profile naming itself with static keys gets as far as STS, signing with them */
    assert_int_equal(load(&c, "self", err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, "assuming role arn:aws:iam::1:role/s"));
    assert_non_null(strstr(err, "[profile self]"));
}

static void test_role__sts_answer(void **state)
{
    (void)state;
    ot_aws_creds c;
    char err[512];
    const char *xml = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<AssumeRoleResult><AssumedRoleUser><Arn>arn</Arn></AssumedRoleUser><Credentials>"
        "<AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s/e+c&amp;</SecretAccessKey>"
        "<SessionToken>TOKEN</SessionToken><Expiration>2026-01-01T01:00:00Z</Expiration>"
        "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
    assert_int_equal(ot_aws_sts_parse(&c, xml, err, sizeof err), 0);
    assert_string_equal(c.access_key, "ASIAEXAMPLE");
    assert_string_equal(c.secret_key, "s/e+c&");
    assert_string_equal(c.session_token, "TOKEN");
    assert_int_equal(c.expires_ms, 1767229200000);
    assert_int_equal(ot_aws_sts_parse(&c, "<AssumeRoleResponse/>", err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "no Credentials"));
    assert_int_equal(ot_aws_sts_parse(&c, NULL, err, sizeof err), OT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_creds__environment_then_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__named_profile_must_exist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__sources_within_a_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__nothing_found_names_every_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_creds__data_dir_first_unless_profile, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_credproc__shell_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credproc__each_output_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credproc__run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credproc__run_once_per_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role__configuration_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role__sts_failure_names_the_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role__sts_answer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
