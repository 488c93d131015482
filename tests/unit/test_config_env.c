/* test_config_env.c — the serve options from the environment (config/config.h): every option
 * of the table has its OPENTRAIL_<NAME> variable, the environment wins over the config file
 * (and both over the defaults), a bad value names the variable and what it expects, flags take
 * true and false, and an OPENTRAIL_* variable that is no option is logged with the closest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "otest.h"
#include "util/err.h"
#include "util/log.h"

static char err[512];

/* The rule: "OPENTRAIL_", then the name in upper case with '-' as '_'. */
static void test_config_env__names(void **state)
{
    (void)state;
    char name[96];
    ot_config_env_name("listen", name, sizeof name);
    assert_string_equal(name, "OPENTRAIL_LISTEN");
    ot_config_env_name("max-connections-per-ip", name, sizeof name);
    assert_string_equal(name, "OPENTRAIL_MAX_CONNECTIONS_PER_IP");
    /* every option of the table gets a variable, and each sets its option */
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        ot_config_env_name(opts[i].name, name, sizeof name);
        assert_int_equal(strncmp(name, "OPENTRAIL_", 10), 0);
        assert_null(strchr(name, '-'));
        char var[200];
        ot_config cfg, want;
        ot_config_defaults(&cfg);
        ot_config_defaults(&want);
        char value[96];
        ot_config_format_value(&cfg, &opts[i], value, sizeof value);
        snprintf(var, sizeof var, "%s=%s", name, value);
        char *env[] = {var, NULL};
        assert_int_equal(ot_config_load_env(&cfg, env, err, sizeof err), OT_OK);
        assert_memory_equal(&cfg, &want, sizeof cfg);
    }
}

/* default < config file < environment; OPENTRAIL_CONFIG names the file unless --config does. */
static void test_config_env__precedence(void **state)
{
    (void)state;
    char dir[256], path[300];
    otest_tmpdir(dir, sizeof dir, "config-env");
    snprintf(path, sizeof path, "%s/ot.conf", dir);
    const char *text = "delivery-interval = 2s\nhttp-threads = 3\nregion = eu-west-1\n";
    otest_write_file(path, text, strlen(text));
    char config_var[sizeof "OPENTRAIL_CONFIG=" + sizeof path];
    snprintf(config_var, sizeof config_var, "OPENTRAIL_CONFIG=%s", path);
    char *env[] = {"PATH=/bin", config_var, "OPENTRAIL_DELIVERY_INTERVAL=7s",
                   "OPENTRAIL_LISTEN=127.0.0.1:0", "OPENTRAIL_REGION=", NULL};
    ot_config cfg;
    ot_config_defaults(&cfg);
    assert_int_equal(ot_config_load_layers(&cfg, NULL, env, err, sizeof err), OT_OK);
    assert_int_equal(cfg.delivery_interval_ms, 7000);      /* environment over file */
    assert_int_equal(cfg.http_threads, 3);                 /* file over default */
    assert_string_equal(cfg.default_region, "eu-west-1");  /* an empty variable is unset */
    assert_string_equal(cfg.listen, "127.0.0.1:0");        /* environment over default */
    assert_string_equal(cfg.data_dir, "./opentrail-data"); /* default */

    /* --config wins over OPENTRAIL_CONFIG: a file that does not exist is not read */
    ot_config_defaults(&cfg);
    assert_int_equal(ot_config_load_layers(&cfg, "/nonexistent/ot.conf", env, err, sizeof err),
                     OT_EIO);
    assert_non_null(strstr(err, "/nonexistent/ot.conf"));
    unlink(path);
    ot_config_defaults(&cfg);
    assert_int_equal(ot_config_load_layers(&cfg, NULL, env, err, sizeof err), OT_EIO);
    assert_non_null(strstr(err, path));
    otest_rmrf(dir);
}

/* A refused value names the variable (not the option) and says what it expects; cfg keeps the
 * values set before it. */
static void test_config_env__bad_value(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    char *env[] = {"OPENTRAIL_DELIVERY_INTERVAL=soon", NULL};
    assert_int_equal(ot_config_load_env(&cfg, env, err, sizeof err), OT_EINVAL);
    assert_string_equal(err, "environment variable OPENTRAIL_DELIVERY_INTERVAL: expected a "
                             "duration such as 5m (at least 100ms), got 'soon'");
    assert_int_equal(cfg.delivery_interval_ms, 5 * 60 * 1000);

    char *enum_env[] = {"OPENTRAIL_LOG_LEVEL=loud", NULL};
    assert_int_equal(ot_config_load_env(&cfg, enum_env, err, sizeof err), OT_EINVAL);
    assert_string_equal(err, "environment variable OPENTRAIL_LOG_LEVEL: expected one of debug, "
                             "info, warn, error, got 'loud'");
    char *region_env[] = {"OPENTRAIL_REGION=mars-1", NULL};
    assert_int_equal(ot_config_load_env(&cfg, region_env, err, sizeof err), OT_EINVAL);
    assert_string_equal(err, "environment variable OPENTRAIL_REGION: 'mars-1' is not an AWS "
                             "region name (such as us-east-1)");
}

/* A flag (no value on the command line) takes true or false from the environment. */
static void test_config_env__flags(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    char *on[] = {"OPENTRAIL_ANY_CREDENTIALS=true", "OPENTRAIL_LOG_BUCKET_WRITE_ONCE=false", NULL};
    assert_int_equal(ot_config_load_env(&cfg, on, err, sizeof err), OT_OK);
    assert_true(cfg.any_credentials);
    assert_false(cfg.log_bucket_write_once);
    char *off[] = {"OPENTRAIL_ANY_CREDENTIALS=false", NULL};
    assert_int_equal(ot_config_load_env(&cfg, off, err, sizeof err), OT_OK);
    assert_false(cfg.any_credentials);
    char *bad[] = {"OPENTRAIL_ANY_CREDENTIALS=maybe", NULL};
    assert_int_equal(ot_config_load_env(&cfg, bad, err, sizeof err), OT_EINVAL);
    assert_string_equal(err, "environment variable OPENTRAIL_ANY_CREDENTIALS: expected true or "
                             "false, got 'maybe'");
}

/* The log lines ot_config_env_warn_unknown writes for env; the caller frees them. */
static char *warnings(char *const *env, size_t *count)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    ot_log_set_fd(fileno(f));
    *count = ot_config_env_warn_unknown(env);
    ot_log_set_fd(-1);
    char *text = calloc(1, 8192);
    rewind(f);
    size_t got = fread(text, 1, 8191, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

/* Unknown OPENTRAIL_* variables are logged, each naming the closest variable; the known ones,
 * OPENTRAIL_CONFIG, other variables and a lower-case spelling's exact match are not. */
static void test_config_env__unknown_variable(void **state)
{
    (void)state;
    char *env[] = {"OPENTRAIL_LISTN=127.0.0.1:1", "OPENTRAIL_LISTEN=127.0.0.1:2",
                   "OPENTRAIL_CONFIG=/x", "HOME=/root", "OPENTRAIL_DATADIR=/d",
                   "OPENTRAIL_data_dir=/d", NULL};
    size_t count;
    char *text = warnings(env, &count);
    assert_int_equal(count, 3);
    assert_non_null(strstr(text, "warn environment variable OPENTRAIL_LISTN is not an option of "
                                 "opentrail serve and is ignored (the closest is "
                                 "OPENTRAIL_LISTEN;"));
    assert_non_null(strstr(text, "OPENTRAIL_DATADIR is not an option of opentrail serve and is "
                                 "ignored (the closest is OPENTRAIL_DATA_DIR;"));
    assert_non_null(strstr(text, "OPENTRAIL_data_dir is not an option"));
    assert_null(strstr(text, "OPENTRAIL_LISTEN is"));
    assert_null(strstr(text, "OPENTRAIL_CONFIG is"));
    free(text);

    char *confg[] = {"OPENTRAIL_CONFG=/x", NULL};
    text = warnings(confg, &count);
    assert_int_equal(count, 1);
    assert_non_null(strstr(text, "(the closest is OPENTRAIL_CONFIG;"));
    free(text);
}

/* --help names the variable of every option. */
static void test_config_env__help(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0, n;
    FILE *f = open_memstream(&text, &len);
    ot_config_print_help(f);
    fclose(f);
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        char name[96], want[100];
        ot_config_env_name(opts[i].name, name, sizeof name);
        snprintf(want, sizeof want, "[$%s]", name);
        if (!strstr(text, want))
            fail_msg("--help lacks '%s'", want);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_env__names),
        cmocka_unit_test(test_config_env__precedence),
        cmocka_unit_test(test_config_env__bad_value),
        cmocka_unit_test(test_config_env__flags),
        cmocka_unit_test(test_config_env__unknown_variable),
        cmocka_unit_test(test_config_env__help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
