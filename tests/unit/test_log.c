/* test_log.c — the logger's rate limit: a warning or error repeated in a loop (a full disk)
 * prints OT_LOG_BURST lines per window and then one summary, other sites and info lines are
 * not held back, and nothing held back is lost from the count. The clock is the test's.
 * Also: the level drops what is below it, and each format writes one event a line, whatever
 * the message holds (newlines, quotes, backslashes, control characters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

typedef struct capture {
    FILE *f;
    char *text;
} capture;

static int setup(void **state)
{
    capture *c = calloc(1, sizeof *c);
    c->f = tmpfile();
    fake_now = 1000000;
    ot_log_set_fd(fileno(c->f));
    ot_log_set_clock(fake_clock);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    capture *c = *state;
    ot_log_set_fd(-1);
    ot_log_set_clock(NULL);
    ot_log_set_level(OT_LOG_INFO);
    ot_log_set_format(OT_LOG_TEXT);
    fclose(c->f);
    free(c->text);
    free(c);
    return 0;
}

/* Everything logged so far. */
static const char *logged(capture *c)
{
    free(c->text);
    long n = lseek(fileno(c->f), 0, SEEK_END);
    c->text = calloc(1, (size_t)n + 1);
    assert_int_equal(pread(fileno(c->f), c->text, (size_t)n, 0), n);
    return c->text;
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void disk_full(int i) { ot_error("deliver: cannot write object %d: No space left on device", i); }

static void test_log__repeated_error_is_held_back_and_summarised(void **state)
{
    capture *c = *state;
    for (int i = 0; i < 1000; i++)
        disk_full(i);
    const char *t = logged(c);
    assert_int_equal(count(t, "No space left"), OT_LOG_BURST);
    assert_int_equal(count(t, "suppressed"), 0);
    /* The window passes: the next warning of any site prints the summary first. */
    fake_now += OT_LOG_WINDOW_MS;
    ot_warn("something else");
    t = logged(c);
    assert_int_equal(count(t, " error [suppressed 990 more like the above in 10 s] last: deliver: "
                              "cannot write object 999: No space left on device"), 1);
    assert_non_null(strstr(t, "warn something else"));
    /* A new window: the site prints again. */
    disk_full(1000);
    assert_int_equal(count(logged(c), "object 1000:"), 1);
}

static void test_log__sites_and_levels_are_independent(void **state)
{
    capture *c = *state;
    for (int i = 0; i < 50; i++) {
        disk_full(i);
        ot_warn("wal: group commit failed (%d)", i);
        ot_info("delivered file %d", i);
        /* Two places with the same format are two sites. */
        ot_error("%s", "first place");
        ot_error("%s", "second place");
    }
    const char *t = logged(c);
    assert_int_equal(count(t, "No space left"), OT_LOG_BURST);
    assert_int_equal(count(t, "group commit failed"), OT_LOG_BURST);
    assert_int_equal(count(t, "delivered file"), 50);
    assert_int_equal(count(t, "first place"), OT_LOG_BURST);
    assert_int_equal(count(t, "second place"), OT_LOG_BURST);
}

static void test_log__flush_prints_pending_summaries(void **state)
{
    capture *c = *state;
    for (int i = 0; i < OT_LOG_BURST + 3; i++)
        disk_full(i);
    ot_log_flush();
    const char *t = logged(c);
    assert_int_equal(count(t, "[suppressed 3 more like the above"), 1);
    ot_log_flush(); /* nothing pending any more */
    assert_int_equal(count(logged(c), "suppressed"), 1);
}

/* More sites than the table holds: the oldest window is given up, its summary printed first,
 * so a count is never dropped silently. */
static void test_log__many_sites(void **state)
{
    capture *c = *state;
    static char fmts[80][16];
    for (int i = 0; i < OT_LOG_BURST + 2; i++)
        disk_full(i);
    for (int i = 0; i < 80; i++) {
        snprintf(fmts[i], sizeof fmts[i], "site %d: %%s", i);
        fake_now++;
        ot_log(OT_LOG_ERROR, fmts[i], "x"); /* the format stands for the site */
    }
    const char *t = logged(c);
    assert_int_equal(count(t, "[suppressed 2 more like the above"), 1);
    assert_int_equal(count(t, ": x\n"), 80);
}


static void test_log__level_drops_what_is_below_it(void **state)
{
    capture *c = *state;
    ot_debug("d1");
    ot_info("i1");
    ot_log_set_level(OT_LOG_WARN);
    ot_debug("d2");
    ot_info("i2");
    ot_warn("w2");
    ot_error("e2");
    ot_log_set_level(OT_LOG_ERROR);
    ot_warn("w3");
    ot_error("e3");
    ot_log_set_level(OT_LOG_DEBUG);
    ot_debug("d4");
    ot_log(OT_LOG_DEBUG, "d5 %d", 5);
    const char *t = logged(c);
    static const char *const shown[] = {" info i1\n", " warn w2\n", " error e2\n", " error e3\n",
                                        " debug d4\n", " debug d5 5\n"};
    static const char *const dropped[] = {"d1", "i2", "d2", "w3"};
    for (size_t i = 0; i < sizeof shown / sizeof *shown; i++)
        assert_int_equal(count(t, shown[i]), 1);
    for (size_t i = 0; i < sizeof dropped / sizeof *dropped; i++)
        assert_int_equal(count(t, dropped[i]), 0);
    assert_int_equal(count(t, "\n"), 6);
}

/* The line ot_log_format_line writes for msg at warn, at a fixed time. */
static const char *line_of(int format, const char *msg)
{
    static ot_buf b;
    ot_buf_free(&b);
    ot_buf_init(&b, 0);
    assert_int_equal(ot_log_format_line(&b, format, "2026-11-22T06:34:45Z", OT_LOG_WARN, msg), 0);
    return b.data;
}

static const char nasty[] = "file \"a\\b\"\nsecond line\ttab\r\x01\x7f é";

static void test_log__text_is_one_line(void **state)
{
    (void)state;
    assert_string_equal(line_of(OT_LOG_TEXT, "opentrail listening on http://127.0.0.1:1"),
                        "2026-11-22T06:34:45Z warn opentrail listening on http://127.0.0.1:1\n");
    /* quotes and backslashes as they are (the text format of old), control characters escaped */
    assert_string_equal(line_of(OT_LOG_TEXT, nasty),
                        "2026-11-22T06:34:45Z warn file \"a\\b\"\\nsecond line\\ttab\\r\\x01"
                        "\\x7f é\n");
}

static void test_log__logfmt_quotes_the_message(void **state)
{
    (void)state;
    assert_string_equal(line_of(OT_LOG_LOGFMT, "started"),
                        "time=2026-11-22T06:34:45Z level=warn msg=\"started\"\n");
    assert_string_equal(line_of(OT_LOG_LOGFMT, nasty),
                        "time=2026-11-22T06:34:45Z level=warn msg=\"file \\\"a\\\\b\\\"\\nsecond "
                        "line\\ttab\\r\\u0001\x7f é\"\n");
}

static void test_log__json_escapes_the_message(void **state)
{
    (void)state;
    assert_string_equal(line_of(OT_LOG_JSON, ""),
                        "{\"time\":\"2026-11-22T06:34:45Z\",\"level\":\"warn\",\"msg\":\"\"}\n");
    assert_string_equal(line_of(OT_LOG_JSON, nasty),
                        "{\"time\":\"2026-11-22T06:34:45Z\",\"level\":\"warn\",\"msg\":\"file "
                        "\\\"a\\\\b\\\"\\nsecond line\\ttab\\r\\u0001\x7f é\"}\n");
    assert_string_equal(line_of(-1, "x"), "2026-11-22T06:34:45Z warn x\n");
}

/* A line with fields (the access log) in each format. */
static const char *fields_line(int format)
{
    static ot_buf b;
    static const ot_log_field f[] = {
        {.key = "src_ip", .str = "192.0.2.1"},
        {.key = "principal", .str = ""},
        {.key = "operation", .str = "GET /a b\"=\n"},
        {.key = "status", .num = 503},
    };
    ot_buf_free(&b);
    ot_buf_init(&b, 0);
    assert_int_equal(ot_log_format_fields(&b, format, "2026-11-22T06:34:45Z", OT_LOG_INFO,
                                          "access", f, 4), 0);
    return b.data;
}

static void test_log__fields(void **state)
{
    (void)state;
    assert_string_equal(fields_line(OT_LOG_TEXT),
                        "2026-11-22T06:34:45Z info access src_ip=192.0.2.1 principal=- "
                        "operation=\"GET /a b\\\"=\\n\" status=503\n");
    assert_string_equal(fields_line(OT_LOG_LOGFMT),
                        "time=2026-11-22T06:34:45Z level=info msg=\"access\" src_ip=192.0.2.1 "
                        "principal=- operation=\"GET /a b\\\"=\\n\" status=503\n");
    assert_string_equal(fields_line(OT_LOG_JSON),
                        "{\"time\":\"2026-11-22T06:34:45Z\",\"level\":\"info\",\"msg\":\"access\","
                        "\"src_ip\":\"192.0.2.1\",\"principal\":\"-\",\"operation\":"
                        "\"GET /a b\\\"=\\n\",\"status\":503}\n");
}

/* Through the logger: lines with fields follow the level like any other. */
static void test_log__fields_follow_the_level(void **state)
{
    capture *c = *state;
    ot_log_field f = {.key = "n", .num = 1};
    assert_true(ot_log_enabled(OT_LOG_INFO));
    ot_log_fields(OT_LOG_INFO, "shown", &f, 1);
    ot_log_set_level(OT_LOG_WARN);
    assert_false(ot_log_enabled(OT_LOG_INFO));
    ot_log_fields(OT_LOG_INFO, "dropped", &f, 1);
    ot_log_set_level(OT_LOG_INFO);
    assert_int_equal(count(logged(c), " info shown n=1\n"), 1);
    assert_int_equal(count(logged(c), "dropped"), 0);
}

/* Through the logger: the format set is the one written, summaries included. */
static void test_log__format_applies_to_every_line(void **state)
{
    capture *c = *state;
    ot_log_set_format(OT_LOG_JSON);
    ot_info("a \"quoted\"\nword");
    for (int i = 0; i < OT_LOG_BURST + 1; i++)
        disk_full(i);
    ot_log_flush();
    const char *t = logged(c);
    assert_int_equal(count(t, "\n"), 1 + OT_LOG_BURST + 1);
    assert_int_equal(count(t, "{\"time\":\""), 1 + OT_LOG_BURST + 1);
    assert_int_equal(count(t, "\"level\":\"info\",\"msg\":\"a \\\"quoted\\\"\\nword\"}\n"), 1);
    assert_int_equal(count(t, "\"level\":\"error\",\"msg\":\"[suppressed 1 more like the above"), 1);
    ot_log_set_format(OT_LOG_LOGFMT);
    ot_warn("w");
    assert_int_equal(count(logged(c), " level=warn msg=\"w\"\n"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log__repeated_error_is_held_back_and_summarised,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_log__sites_and_levels_are_independent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log__flush_prints_pending_summaries, setup, teardown),
        cmocka_unit_test(test_log__fields),
        cmocka_unit_test_setup_teardown(test_log__fields_follow_the_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log__many_sites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log__level_drops_what_is_below_it, setup, teardown),
        cmocka_unit_test(test_log__text_is_one_line),
        cmocka_unit_test(test_log__logfmt_quotes_the_message),
        cmocka_unit_test(test_log__json_escapes_the_message),
        cmocka_unit_test_setup_teardown(test_log__format_applies_to_every_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
