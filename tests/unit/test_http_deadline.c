/* test_http_deadline.c — the reaper cuts a connection that overstays its phase (headers, body
 * without enough bytes), spares one that is busy or sending its body at a sane rate, and never
 * touches a connection once it is closed. A fake clock and explicit reaper passes make it exact;
 * sockets are socketpairs, and a cut shows as end-of-file on the peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/http_deadline.h"

static int64_t fake_now;
static int64_t fake_clock(void)
{
    return fake_now;
}

typedef struct fixture {
    ot_deadlines *d;
    int sv[2]; /* sv[0] plays the server's connection socket, sv[1] the client */
} fixture;

static int setup(void **state)
{
    static fixture f;
    fake_now = 1000000;
    ot_deadline_opts o = {.header_ms = 20000, .body_ms = 20000, .min_rate = 500, .tick_ms = -1,
                          .clock_ms = fake_clock};
    if (ot_deadlines_start(&o, &f.d) || socketpair(AF_UNIX, SOCK_STREAM, 0, f.sv))
        return -1;
    fcntl(f.sv[1], F_SETFL, O_NONBLOCK);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_deadlines_stop(f->d);
    close(f->sv[0]);
    close(f->sv[1]);
    return 0;
}

/* The client side reads end-of-file once the server side was shut down. */
static int was_cut(const fixture *f)
{
    char c;
    return read(f->sv[1], &c, 1) == 0;
}

/* Advances the clock by ms and runs one reaper pass. */
static unsigned after(fixture *f, int64_t ms)
{
    fake_now += ms;
    return ot_deadlines_reap(f->d);
}

static void test_headers_too_slow(void **state)
{
    fixture *f = *state;
    ot_deadline_conn *c = ot_deadline_open(f->d, f->sv[0]);
    assert_int_equal(after(f, 20000), 0);
    assert_false(was_cut(f));
    assert_int_equal(after(f, 1), 1);
    assert_true(was_cut(f));
    assert_int_equal(after(f, 5000), 0); /* cut once */
    assert_int_equal(ot_deadlines_cut(f->d), 1);
    ot_deadline_close(f->d, c);
}

static void test_busy_is_spared_then_waiting_again(void **state)
{
    fixture *f = *state;
    ot_deadline_conn *c = ot_deadline_open(f->d, f->sv[0]);
    assert_int_equal(after(f, 19000), 0);
    ot_deadline_headers_done(f->d, c);
    ot_deadline_busy(f->d, c);
    assert_int_equal(after(f, 600000), 0); /* a slow handler is not the client's fault */
    ot_deadline_waiting(f->d, c);         /* kept alive: the next request is due in time */
    assert_int_equal(after(f, 20000), 0);
    assert_int_equal(after(f, 1), 1);
    assert_true(was_cut(f));
    ot_deadline_close(f->d, c);
}

static void test_body_rate(void **state)
{
    fixture *f = *state;
    ot_deadline_conn *c = ot_deadline_open(f->d, f->sv[0]);
    ot_deadline_headers_done(f->d, c);
    /* 1000 bytes a second, twice the minimum rate, for a minute: never cut */
    for (int i = 0; i < 60; i++) {
        ot_deadline_body_bytes(f->d, c, 1000);
        assert_int_equal(after(f, 1000), 0);
    }
    /* then nothing: 60 s elapsed of 20 + 60000/500 = 140 s allowed */
    assert_int_equal(after(f, 80000), 0);
    assert_int_equal(after(f, 1), 1);
    assert_true(was_cut(f));
    ot_deadline_close(f->d, c);
}

static void test_slow_body_is_cut(void **state)
{
    fixture *f = *state;
    ot_deadline_conn *c = ot_deadline_open(f->d, f->sv[0]);
    ot_deadline_headers_done(f->d, c);
    /* one byte every 5 s is never idle, but far below the rate */
    unsigned cut = 0;
    for (int i = 0; i < 10 && !cut; i++) {
        ot_deadline_body_bytes(f->d, c, 1);
        cut = after(f, 5000);
    }
    assert_int_equal(cut, 1);
    assert_int_equal(fake_now - 1000000, 25000);
    ot_deadline_close(f->d, c);
}

static void test_closed_is_forgotten(void **state)
{
    fixture *f = *state;
    ot_deadline_conn *c = ot_deadline_open(f->d, f->sv[0]);
    ot_deadline_close(f->d, c);
    assert_int_equal(after(f, 3600000), 0);
    assert_false(was_cut(f));
    assert_int_equal(ot_deadlines_cut(f->d), 0);
}

static void test_with_reaper_thread(void **state)
{
    (void)state;
    ot_deadline_opts o = {.header_ms = 1, .body_ms = 1, .min_rate = 500, .tick_ms = 5};
    ot_deadlines *d;
    int sv[2];
    assert_int_equal(ot_deadlines_start(&o, &d), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ot_deadline_conn *c = ot_deadline_open(d, sv[0]);
    char ch;
    assert_int_equal(read(sv[1], &ch, 1), 0); /* blocks until the thread cuts it */
    ot_deadline_close(d, c);
    ot_deadlines_stop(d);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_headers_too_slow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_is_spared_then_waiting_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_body_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_is_forgotten, setup, teardown),
        cmocka_unit_test(test_with_reaper_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
