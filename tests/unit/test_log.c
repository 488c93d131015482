/* test_log.c — the logger's rate limit: a warning or error repeated in a loop (a full disk)
 * prints OT_LOG_BURST lines per window and then one summary, other sites and info lines are
 * not held back, and nothing held back is lost from the count. The clock is the test's. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log__repeated_error_is_held_back_and_summarised,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_log__sites_and_levels_are_independent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_log__flush_prints_pending_summaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log__many_sites, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
