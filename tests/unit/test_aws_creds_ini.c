/* test_aws_creds_ini.c — the shared files as botocore reads them (aws/ini.h: configparser's
 * rules, each parse error) and profile selection and merging (aws/profile.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ini.h"
#include "aws/profile.h"
#include "otest.h"
#include "util/err.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    otest_tmpdir(g_dir, sizeof g_dir, "test-aws-ini");
    static const char *const vars[] = {"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
                                       "AWS_SHARED_CREDENTIALS_FILE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    setenv("HOME", g_dir, 1);
    ot_aws_profile_set_default(NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ot_aws_profile_set_default(NULL);
    otest_rmrf(g_dir);
    return 0;
}

static int parse(ot_aws_ini *ini, const char *text, char *err, size_t errlen)
{
    return ot_aws_ini_parse(ini, text, strlen(text), err, errlen);
}

static void test_ini__configparser_rules(void **state)
{
    (void)state;
    ot_aws_ini ini;
    char err[256];
    assert_int_equal(parse(&ini,
        "# comment\n; another\n[default]\nAWS_Access_Key_ID = AK \n"
        "region: eu-west-1 # not a comment\n"
        "[ spaced ]\nk=v=w\nurl = http://h:1/x\n"
        "s3 =\n  max_concurrent_requests = 10\n\n  # a comment inside\n  addressing_style = path\n"
        "[DEFAULT]\nshared = everywhere\n", err, sizeof err), 0);
    assert_string_equal(ot_aws_ini_get(&ini, "default", "aws_access_key_id"), "AK");
    assert_string_equal(ot_aws_ini_get(&ini, "default", "region"), "eu-west-1 # not a comment");
    assert_null(ot_aws_ini_get(&ini, "spaced", "k")); /* names are kept as written */
    assert_string_equal(ot_aws_ini_get(&ini, " spaced ", "k"), "v=w"); /* the first '=' splits */
    assert_string_equal(ot_aws_ini_get(&ini, " spaced ", "url"), "http://h:1/x");
    assert_string_equal(ot_aws_ini_get(&ini, " spaced ", "s3"),
                        "\nmax_concurrent_requests = 10\n\naddressing_style = path");
    /* [DEFAULT] shows through in every section, and is no section of its own */
    assert_string_equal(ot_aws_ini_get(&ini, "default", "shared"), "everywhere");
    assert_false(ot_aws_ini_has_section(&ini, "DEFAULT"));
    assert_null(ot_aws_ini_get(&ini, "absent", "shared"));
    assert_true(ot_aws_ini_has_section(&ini, "default"));
    assert_false(ot_aws_ini_has_section(&ini, "Default")); /* case-sensitive */
    ot_aws_ini_free(&ini);
    assert_int_equal(parse(&ini, "", err, sizeof err), 0);
    assert_int_equal(ini.n, 0);
    ot_aws_ini_free(&ini);
    /* "[a] trailing" is section "a": the name ends at the last ']' */
    assert_int_equal(parse(&ini, "[a] trailing\nk = 1\n[b]]\n", err, sizeof err), 0);
    assert_string_equal(ot_aws_ini_get(&ini, "a", "k"), "1");
    assert_true(ot_aws_ini_has_section(&ini, "b]"));
    ot_aws_ini_free(&ini);
}

static void test_ini__each_parse_error(void **state)
{
    (void)state;
    static const struct { const char *text, *want; } cases[] = {
        {"k = v\n", "line 1: a key before any [section]"},
        {"[s]\nok = 1\njust words\n", "line 3: expected [section], key = value or key: value"},
        {"[s]\n = v\n", "line 2: a value with no key"},
        {"[s]\n[t]\n[s]\n", "line 3: section repeated"},
        {"[s]\nk = 1\nK = 2\n", "line 3: key repeated in its section"},
        {"[]\n", "line 1: a key before any [section]"},
        {"[s]\n[unclosed\n", "line 2: expected [section]"},
        {"[s]\nk = a\0b\n", "line 2: a NUL byte"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ot_aws_ini ini;
        char err[256] = "";
        size_t len = strlen(cases[i].text);
        if (strstr(cases[i].want, "NUL"))
            len = 12;
        assert_int_equal(ot_aws_ini_parse(&ini, cases[i].text, len, err, sizeof err), OT_EINVAL);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
        assert_int_equal(ini.n, 0); /* nothing half-parsed is kept */
    }
}

static void test_ini__read_file(void **state)
{
    (void)state;
    ot_aws_ini ini;
    char err[512] = "", path[128];
    snprintf(path, sizeof path, "%s/missing", g_dir);
    assert_int_equal(ot_aws_ini_read(&ini, path, err, sizeof err), OT_ENOTFOUND);
    assert_string_equal(err, "");
    /* a directory cannot be read as a file */
    assert_int_equal(ot_aws_ini_read(&ini, g_dir, err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, g_dir));
    snprintf(path, sizeof path, "%s/bad", g_dir);
    otest_write_file(path, "[s]\nno delimiter\n", 16);
    assert_int_equal(ot_aws_ini_read(&ini, path, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "Unable to parse config file"));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "line 2"));
    snprintf(path, sizeof path, "%s/big", g_dir);
    size_t n = OT_AWS_INI_MAX_BYTES + 10;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, '#', n);
    otest_write_file(path, big, n);
    free(big);
    assert_int_equal(ot_aws_ini_read(&ini, path, err, sizeof err), OT_ELIMIT);
    assert_non_null(strstr(err, "larger than"));
}

static void test_profile__selection_order(void **state)
{
    (void)state;
    ot_aws_profile_origin o;
    assert_string_equal(ot_aws_profile_name(NULL, &o), "default");
    assert_int_equal(o, OT_AWS_PROFILE_IMPLIED);
    setenv("AWS_PROFILE", "env", 1);
    assert_string_equal(ot_aws_profile_name(NULL, &o), "env");
    assert_int_equal(o, OT_AWS_PROFILE_ENV);
    /* botocore reads AWS_DEFAULT_PROFILE before AWS_PROFILE */
    setenv("AWS_DEFAULT_PROFILE", "envdef", 1);
    assert_string_equal(ot_aws_profile_name(NULL, &o), "envdef");
    assert_int_equal(o, OT_AWS_PROFILE_ENV_DEFAULT);
    ot_aws_profile_set_default("process");
    assert_string_equal(ot_aws_profile_name(NULL, &o), "process");
    assert_int_equal(o, OT_AWS_PROFILE_FLAG);
    assert_string_equal(ot_aws_profile_name("flag", &o), "flag");
    assert_int_equal(o, OT_AWS_PROFILE_FLAG);
    assert_string_equal(ot_aws_profile_name("", NULL), "process"); /* an empty flag is none */
    assert_string_equal(ot_aws_profile_origin_name(OT_AWS_PROFILE_ENV), "AWS_PROFILE");
}

static void test_profile__merged_view(void **state)
{
    (void)state;
    char cfg[128], cred[128], err[256];
    snprintf(cfg, sizeof cfg, "%s/.aws/config", g_dir);
    snprintf(cred, sizeof cred, "%s/.aws/credentials", g_dir);
    char mk[160];
    snprintf(mk, sizeof mk, "mkdir -p %s/.aws", g_dir);
    assert_int_equal(system(mk), 0);
    const char *c = "[default]\nregion = us-west-1\n[profile  dev ]\nregion = eu-west-1\n"
                    "aws_access_key_id = CFGKEY\n[prod]\nregion = not-a-profile\n"
                    "[profile default]\nregion = ignored\n";
    const char *k = "[dev]\naws_access_key_id = CREDKEY\n[only-creds]\nx = 1\n";
    otest_write_file(cfg, c, strlen(c));
    otest_write_file(cred, k, strlen(k));
    ot_aws_shared s;
    assert_int_equal(ot_aws_shared_load(&s, err, sizeof err), 0);  /* ~/.aws by default */
    assert_string_equal(s.config_path, cfg);
    assert_string_equal(ot_aws_profile_get(&s, "default", "region"), "us-west-1");
    assert_string_equal(ot_aws_profile_get(&s, "dev", "region"), "eu-west-1");
    /* the credentials file wins for a key in both */
    assert_string_equal(ot_aws_profile_get(&s, "dev", "aws_access_key_id"), "CREDKEY");
    assert_string_equal(ot_aws_profile_config(&s, "dev", "aws_access_key_id"), "CFGKEY");
    assert_string_equal(ot_aws_profile_creds(&s, "dev", "aws_access_key_id"), "CREDKEY");
    /* [prod] of the config file is no profile (it wants [profile prod]) */
    assert_false(ot_aws_profile_exists(&s, "prod"));
    assert_null(ot_aws_profile_get(&s, "prod", "region"));
    assert_true(ot_aws_profile_exists(&s, "only-creds"));
    assert_true(ot_aws_profile_exists(&s, "dev"));
    ot_aws_shared_free(&s);
    /* the variables name other files; a file that does not parse is an error naming it */
    setenv("AWS_CONFIG_FILE", cred, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    assert_int_equal(ot_aws_shared_load(&s, err, sizeof err), 0);
    assert_false(ot_aws_profile_exists(&s, "dev")); /* [dev] in a config file is no profile */
    ot_aws_shared_free(&s);
    otest_write_file(cfg, "[x]\nbroken\n", 11);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    assert_int_equal(ot_aws_shared_load(&s, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, cfg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ini__configparser_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ini__each_parse_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ini__read_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile__selection_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile__merged_view, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
