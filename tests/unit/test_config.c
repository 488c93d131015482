/* test_config.c — the serve options table (config/config.h): every row is well formed and its
 * default parses to what the server always used, every type takes its good values and refuses
 * bad ones with a message naming the option, a refused value changes nothing, --help lists
 * every option, and docs/config.md and docs/serve.md document exactly the options there are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/err.h"
#include "util/log.h"

static char err[512];

/* Sets key = value in cfg and fails the test if that is refused. */
static void set_ok(ot_config *cfg, const char *key, const char *value)
{
    if (ot_config_set(cfg, key, value, err, sizeof err))
        fail_msg("%s = %s refused: %s", key, value, err);
}

/* Sets key = value, which must be refused without changing cfg and with a message that names
 * the key and contains want. */
static void set_refused(const char *key, const char *value, const char *want)
{
    ot_config cfg, before;
    ot_config_defaults(&cfg);
    before = cfg;
    err[0] = '\0';
    if (ot_config_set(&cfg, key, value, err, sizeof err) != OT_EINVAL)
        fail_msg("%s = '%s' accepted", key, value);
    if (strncmp(err, key, strlen(key)) || !strstr(err, want))
        fail_msg("%s = '%s': message '%s' lacks '%s'", key, value, err, want);
    assert_memory_equal(&cfg, &before, sizeof cfg);
}

/* The field's size that each type needs: a row with the wrong type for its field would write
 * past it or only partly. */
static void test_config__rows_are_well_formed(void **state)
{
    (void)state;
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    assert_true(n >= 22);
    for (size_t i = 0; i < n; i++) {
        const ot_option *o = &opts[i];
        assert_non_null(o->help);
        assert_true(o->offset + o->size <= sizeof(ot_config));
        assert_true((o->metavar == NULL) == (o->type == OT_OPT_FLAG));
        assert_ptr_equal(ot_config_option(o->name), o); /* names are unique */
        switch (o->type) {
        case OT_OPT_FLAG:
        case OT_OPT_BOOL: assert_int_equal(o->size, sizeof(bool)); break;
        case OT_OPT_DURATION: assert_int_equal(o->size, sizeof(int64_t)); break;
        case OT_OPT_BYTES: assert_int_equal(o->size, sizeof(uint64_t)); break;
        case OT_OPT_UNSIGNED: assert_int_equal(o->size, sizeof(unsigned)); break;
        case OT_OPT_DOUBLE: assert_int_equal(o->size, sizeof(double)); break;
        case OT_OPT_ENUM:
            assert_int_equal(o->size, sizeof(int));
            assert_non_null(o->choices);
            break;
        default: assert_true(o->size > 1); /* char[] */
        }
    }
    assert_null(ot_config_option("config")); /* command line only */
}

/* The defaults are the table's, and they are what the server has always used. */
static void test_config__defaults(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    assert_string_equal(cfg.listen, "127.0.0.1:4590");
    assert_string_equal(cfg.data_dir, "./opentrail-data");
    assert_string_equal(cfg.account_id, "123456789012");
    assert_string_equal(cfg.default_region, "us-east-1");
    assert_int_equal(cfg.delivery_interval_ms, 5 * 60 * 1000);
    assert_int_equal(cfg.delivery_max_bytes, 64u << 20);
    assert_int_equal(cfg.digest_interval_ms, 60 * 60 * 1000);
    assert_int_equal(cfg.key_rotation_ms, 30LL * 24 * 3600 * 1000);
    assert_false(cfg.any_credentials);
    assert_false(cfg.no_fsync);
    assert_true(cfg.log_bucket_write_once);
    assert_int_equal(cfg.history_retention_ms, 90LL * 24 * 3600 * 1000);
    assert_true(cfg.lookup_rate == 0);
    assert_string_equal(cfg.tls_cert, "");
    assert_string_equal(cfg.tls_key, "");
    assert_int_equal(cfg.http_threads, 16);
    assert_int_equal(cfg.max_connections, 10000);
    assert_int_equal(cfg.max_connections_per_ip, 256);
    assert_int_equal(cfg.header_timeout_ms, 20000);
    assert_int_equal(cfg.body_timeout_ms, 20000);
    assert_int_equal(cfg.log_level, OT_LOG_INFO);
    assert_int_equal(cfg.log_format, OT_LOG_TEXT);
    /* every default is a value the option itself accepts */
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++)
        if (opts[i].def)
            set_ok(&cfg, opts[i].name, opts[i].def);
}

static void test_config__text_types(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    set_ok(&cfg, "data-dir", "/var/lib/opentrail");
    assert_string_equal(cfg.data_dir, "/var/lib/opentrail");
    char longest[513]; /* data_dir is char[512]: 511 characters fit, 512 do not */
    memset(longest, 'd', sizeof longest - 1);
    longest[511] = '\0';
    set_ok(&cfg, "data-dir", longest);
    assert_int_equal(strlen(cfg.data_dir), 511);
    longest[511] = 'd';
    longest[512] = '\0';
    set_refused("data-dir", longest, "value too long (at most 511 characters)");
    set_refused("tls-key", longest, "at most 511");
    char too_long[64];
    memset(too_long, 'x', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    set_refused("account-id", too_long, "expected 12 digits");

    set_ok(&cfg, "region", "eu-west-1");
    assert_string_equal(cfg.default_region, "eu-west-1");
    set_refused("region", "evil", "'evil' is not an AWS region name (such as us-east-1)");
    set_refused("region", too_long, "not an AWS region name");

    set_ok(&cfg, "account-id", "000000000042");
    assert_string_equal(cfg.account_id, "000000000042");
    set_refused("account-id", "12345678901", "expected 12 digits, got '12345678901'");
    set_refused("account-id", "1234567890123", "expected 12 digits");
    set_refused("account-id", "12345678901a", "expected 12 digits");

    static const char *const listens[] = {"0.0.0.0:443", "localhost:4590", ":0", "[::1]:65535"};
    for (size_t i = 0; i < sizeof listens / sizeof *listens; i++) {
        set_ok(&cfg, "listen", listens[i]);
        assert_string_equal(cfg.listen, listens[i]);
    }
    static const char *const bad_listens[] = {"foo", "h:", "h:65536", "h:-1", "h:80x", "h:+80",
                                              "h:000080"};
    for (size_t i = 0; i < sizeof bad_listens / sizeof *bad_listens; i++)
        set_refused("listen", bad_listens[i], "expected host:port such as 127.0.0.1:4590");
}

static void test_config__bool_and_flag(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    for (size_t i = 0; i < 3; i++) {
        set_ok(&cfg, "log-bucket-write-once", no[i]);
        assert_false(cfg.log_bucket_write_once);
        set_ok(&cfg, "log-bucket-write-once", yes[i]);
        assert_true(cfg.log_bucket_write_once);
        set_ok(&cfg, "no-fsync", yes[i]); /* a flag takes a value in the config file */
        assert_true(cfg.no_fsync);
        set_ok(&cfg, "any-credentials", no[i]);
        assert_false(cfg.any_credentials);
    }
    set_refused("log-bucket-write-once", "maybe", "expected true or false, got 'maybe'");
    set_refused("any-credentials", "TRUE", "expected true or false");
    set_refused("no-fsync", "", "expected true or false");
}

static void test_config__durations(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    set_ok(&cfg, "delivery-interval", "250ms");
    assert_int_equal(cfg.delivery_interval_ms, 250);
    set_ok(&cfg, "delivery-interval", "100ms");
    assert_int_equal(cfg.delivery_interval_ms, 100);
    set_ok(&cfg, "digest-interval", "5s");
    assert_int_equal(cfg.digest_interval_ms, 5000);
    set_ok(&cfg, "key-rotation", "2h");
    assert_int_equal(cfg.key_rotation_ms, 2 * 3600 * 1000);
    set_ok(&cfg, "history-retention", "0");
    assert_int_equal(cfg.history_retention_ms, 0);
    set_ok(&cfg, "header-timeout", "1h");
    assert_int_equal(cfg.header_timeout_ms, 3600 * 1000);
    set_ok(&cfg, "body-timeout", "3"); /* a bare number is seconds */
    assert_int_equal(cfg.body_timeout_ms, 3000);

    set_refused("delivery-interval", "99ms",
                "expected a duration such as 5m (at least 100ms), got '99ms'");
    set_refused("digest-interval", "999ms", "expected a duration such as 1h (at least 1s)");
    set_refused("key-rotation", "soon", "expected a duration such as 30d (at least 1s)");
    set_refused("history-retention", "-1d", "expected a duration such as 90d (0 = forever)");
    set_refused("header-timeout", "61m", "expected a duration such as 20s (from 1s to 1h)");
    set_refused("body-timeout", "500ms", "(from 1s to 1h)");
    set_refused("body-timeout", "5 weeks", "got '5 weeks'");
}

static void test_config__numbers(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    set_ok(&cfg, "delivery-max-bytes", "1024");
    assert_int_equal(cfg.delivery_max_bytes, 1024);
    set_ok(&cfg, "delivery-max-bytes", "18446744073709551615");
    assert_true(cfg.delivery_max_bytes == UINT64_MAX);
    set_refused("delivery-max-bytes", "1023", "expected a byte count (at least 1024), got '1023'");
    set_refused("delivery-max-bytes", "-5", "expected a byte count");
    set_refused("delivery-max-bytes", "18446744073709551616", "expected a byte count");
    set_refused("delivery-max-bytes", "1k", "expected a byte count");

    set_ok(&cfg, "http-threads", "1024");
    assert_int_equal(cfg.http_threads, 1024);
    set_ok(&cfg, "max-connections-per-ip", "0");
    assert_int_equal(cfg.max_connections_per_ip, 0);
    set_refused("http-threads", "0", "expected a whole number (from 1 to 1024), got '0'");
    set_refused("http-threads", "1025", "from 1 to 1024");
    set_refused("max-connections", "4294967297", "from 1 to 1000000");
    set_refused("max-connections-per-ip", "-1", "(from 0 to 1000000; 0 = no cap)");
    set_refused("max-connections", "", "expected a whole number");

    set_ok(&cfg, "lookup-rate", "2.5");
    assert_true(cfg.lookup_rate == 2.5);
    set_ok(&cfg, "lookup-rate", "0");
    assert_true(cfg.lookup_rate == 0);
    set_refused("lookup-rate", "-1", "expected a number (from 0 to 1000000; 0 = unlimited)");
    set_refused("lookup-rate", "nan", "expected a number");
    set_refused("lookup-rate", "1e7", "expected a number");
    set_refused("lookup-rate", "2/s", "got '2/s'");
}

static void test_config__enums(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    static const int values[] = {OT_LOG_DEBUG, OT_LOG_INFO, OT_LOG_WARN, OT_LOG_ERROR};
    for (int i = 0; i < 4; i++) {
        set_ok(&cfg, "log-level", levels[i]);
        assert_int_equal(cfg.log_level, values[i]);
    }
    set_ok(&cfg, "log-format", "json");
    assert_int_equal(cfg.log_format, OT_LOG_JSON);
    set_ok(&cfg, "log-format", "logfmt");
    assert_int_equal(cfg.log_format, OT_LOG_LOGFMT);
    set_ok(&cfg, "log-format", "text");
    assert_int_equal(cfg.log_format, OT_LOG_TEXT);
    set_refused("log-level", "DEBUG", "expected one of debug, info, warn, error, got 'DEBUG'");
    set_refused("log-format", "xml", "expected one of text, logfmt, json");
}

static void test_config__unknown_key(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    assert_int_equal(ot_config_set(&cfg, "delivery_interval", "2s", err, sizeof err), OT_EINVAL);
    assert_string_equal(err, "unknown option 'delivery_interval' (see opentrail serve --help)");
    assert_int_equal(ot_config_set(&cfg, "config", "x", err, sizeof err), OT_EINVAL);
}

/* What ot_config_format_value writes sets the same value again, for every option. */
static void test_config__values_round_trip(void **state)
{
    (void)state;
    ot_config cfg, again;
    ot_config_defaults(&cfg);
    set_ok(&cfg, "delivery-interval", "1500ms");
    set_ok(&cfg, "lookup-rate", "0.1");
    set_ok(&cfg, "log-level", "warn");
    set_ok(&cfg, "no-fsync", "true");
    set_ok(&cfg, "tls-cert", "c.pem");
    memset(&again, 0, sizeof again);
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        char value[600];
        ot_config_format_value(&cfg, &opts[i], value, sizeof value);
        if (opts[i].type == OT_OPT_STRING && !value[0])
            continue; /* empty: not a value to set, memset left it empty */
        set_ok(&again, opts[i].name, value);
    }
    assert_memory_equal(&cfg, &again, sizeof cfg);
    char value[64];
    ot_config_format_value(&cfg, ot_config_option("delivery-interval"), value, sizeof value);
    assert_string_equal(value, "1500ms");
}

static void test_config__check(void **state)
{
    (void)state;
    ot_config cfg;
    ot_config_defaults(&cfg);
    assert_int_equal(ot_config_check(&cfg, err, sizeof err), OT_OK);
    set_ok(&cfg, "tls-cert", "cert.pem");
    assert_int_equal(ot_config_check(&cfg, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, "tls-cert and tls-key go together"));
    set_ok(&cfg, "tls-key", "key.pem");
    assert_int_equal(ot_config_check(&cfg, err, sizeof err), OT_OK);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_config__file(void **state)
{
    (void)state;
    char path[] = "/tmp/ot-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ot_config cfg;
    ot_config_defaults(&cfg);
    write_file(path, "# comment\n\n  delivery-interval =  2s \nno-fsync=true\nlog-format = json\n");
    assert_int_equal(ot_config_load_file(&cfg, path, err, sizeof err), OT_OK);
    assert_int_equal(cfg.delivery_interval_ms, 2000);
    assert_true(cfg.no_fsync);
    assert_int_equal(cfg.log_format, OT_LOG_JSON);

    write_file(path, "listen = 127.0.0.1:1\n\nhttp-threads = lots\n");
    assert_int_equal(ot_config_load_file(&cfg, path, err, sizeof err), OT_EINVAL);
    char want[128];
    snprintf(want, sizeof want, "%s:3: http-threads: expected a whole number", path);
    assert_non_null(strstr(err, want));

    write_file(path, "bogus = 1\n");
    assert_int_equal(ot_config_load_file(&cfg, path, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, ":1: unknown option 'bogus'"));

    write_file(path, "listen\n");
    assert_int_equal(ot_config_load_file(&cfg, path, err, sizeof err), OT_EINVAL);
    assert_non_null(strstr(err, ":1: expected 'key = value'"));
    unlink(path);
    assert_int_equal(ot_config_load_file(&cfg, path, err, sizeof err), OT_EIO);
}

/* --help names every option with its metavar and default. */
static void test_config__help_lists_every_option(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ot_config_print_help(f);
    fclose(f);
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        char want[96];
        snprintf(want, sizeof want, "  --%s%s%s", opts[i].name, opts[i].metavar ? " " : "",
                 opts[i].metavar ? opts[i].metavar : "");
        if (!strstr(text, want))
            fail_msg("--help lacks '%s'", want);
        snprintf(want, sizeof want, "(default %s", opts[i].def ? opts[i].def : "");
        if (opts[i].def && !strstr(text, want))
            fail_msg("--help lacks '%s'", want);
    }
    assert_non_null(strstr(text, "  --no-fsync "));
    free(text);
}

/* --- the documentation ------------------------------------------------------------------- */

/* docs/<name>, found from this file's path (tests/unit/). The caller frees it. */
static char *read_doc(const char *name)
{
    char src[] = __FILE__, path[1024];
    snprintf(path, sizeof path, "%s/../../docs/%s", dirname(src), name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *text = calloc(1, 1 << 20);
    size_t got = fread(text, 1, (1 << 20) - 1, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

/* The first word of each table row "| `<prefix>name ...` | ... |" in order; returns how many.
 * defaults[i] gets the cell in column default_col (0 is the name's), trimmed. */
static size_t doc_rows(char *text, const char *prefix, int default_col, char names[][64],
                       char defaults[][64], size_t max)
{
    size_t n = 0, plen = strlen(prefix);
    for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| `", 3) || strncmp(line + 3, prefix, plen))
            continue;
        const char *name = line + 3 + plen;
        snprintf(names[n], 64, "%.*s", (int)strcspn(name, " `"), name);
        const char *cell = line + 1;
        for (int c = 0; c < default_col && cell; c++)
            cell = strchr(cell, '|') ? strchr(cell, '|') + 1 : NULL;
        cell = cell ? cell : "";
        cell += strspn(cell, " ");
        snprintf(defaults[n], 64, "%.*s", (int)strcspn(cell, "|"), cell);
        for (size_t k = strlen(defaults[n]); k && defaults[n][k - 1] == ' '; k--)
            defaults[n][k - 1] = '\0';
        n++;
    }
    return n;
}

/* Every option is a row of the table in docs/<doc>, and every row is an option (or one of
 * extra); unless default_col is 0, the row's cell in that column is the table's default. */
static void check_doc(const char *doc, const char *prefix, const char *const *extra,
                      int default_col)
{
    static char names[128][64], defaults[128][64];
    char *text = read_doc(doc);
    size_t rows = doc_rows(text, prefix, default_col ? default_col : 1, names, defaults, 128);
    free(text);
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        size_t r = 0;
        while (r < rows && strcmp(names[r], opts[i].name))
            r++;
        if (r == rows)
            fail_msg("docs/%s does not document %s%s", doc, prefix, opts[i].name);
        char want[80];
        if (opts[i].def)
            snprintf(want, sizeof want, "`%s`", opts[i].def);
        else
            snprintf(want, sizeof want, "%s", opts[i].type == OT_OPT_FLAG ? "`false`" : "—");
        if (default_col && strcmp(defaults[r], want))
            fail_msg("docs/%s: %s has default %s, the table %s", doc, opts[i].name, defaults[r],
                     want);
    }
    for (size_t r = 0; r < rows; r++) {
        bool known = ot_config_option(names[r]) != NULL;
        for (size_t k = 0; extra && extra[k]; k++)
            known = known || !strcmp(names[r], extra[k]);
        if (!known)
            fail_msg("docs/%s documents %s%s, which is not an option", doc, prefix, names[r]);
    }
}

static void test_config__docs_match_the_table(void **state)
{
    (void)state;
    static const char *const cli_only[] = {"config", "help", NULL};
    check_doc("config.md", "", NULL, 2);   /* | key | type | default | meaning | */
    check_doc("serve.md", "--", cli_only, 0); /* its defaults say "off", "0 (unlimited)" */
}

/* Both pages state the environment's naming rule with names the rule gives (config_env.c). */
static void test_config__docs_name_the_environment(void **state)
{
    (void)state;
    static const char *const docs[] = {"config.md", "serve.md"};
    for (size_t d = 0; d < 2; d++) {
        char *text = read_doc(docs[d]);
        char name[96];
        ot_config_env_name("data-dir", name, sizeof name);
        if (!strstr(text, name) || !strstr(text, OT_CONFIG_ENV_FILE))
            fail_msg("docs/%s does not name %s and %s", docs[d], name, OT_CONFIG_ENV_FILE);
        if (!strstr(text, "environment"))
            fail_msg("docs/%s does not state the precedence", docs[d]);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__rows_are_well_formed),
        cmocka_unit_test(test_config__defaults),
        cmocka_unit_test(test_config__text_types),
        cmocka_unit_test(test_config__bool_and_flag),
        cmocka_unit_test(test_config__durations),
        cmocka_unit_test(test_config__numbers),
        cmocka_unit_test(test_config__enums),
        cmocka_unit_test(test_config__unknown_key),
        cmocka_unit_test(test_config__values_round_trip),
        cmocka_unit_test(test_config__check),
        cmocka_unit_test(test_config__file),
        cmocka_unit_test(test_config__help_lists_every_option),
        cmocka_unit_test(test_config__docs_match_the_table),
        cmocka_unit_test(test_config__docs_name_the_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
