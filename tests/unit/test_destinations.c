/* test_destinations.c — connections and API destinations in rules.db: per account and region,
 * ARNs that end in a fresh uuid (a deleted resource's ARN names nothing), the secret kept for
 * the sender, a destination's connection required in its scope, listing with prefix, paging and
 * the connection filter, the quota, and everything across a reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "rules/destinations.h"
#include "util/err.h"

static const ot_rules_scope A = {"123456789012", "us-east-1"};
static const ot_rules_scope B = {"999999999999", "us-east-1"};
static const ot_rules_scope A2 = {"123456789012", "eu-west-1"};

typedef struct fixture {
    char dir[256];
    char path[300];
    ot_rules *r;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "dest");
    snprintf(f->path, sizeof f->path, "%s/rules.db", f->dir);
    assert_int_equal(ot_rules_open(f->path, &f->r), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_rules_close(f->r);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static ot_connection conn_of(const char *name, const char *secret)
{
    ot_connection c = {.auth = OT_CONN_API_KEY};
    snprintf(c.name, sizeof c.name, "%s", name);
    snprintf(c.auth_name, sizeof c.auth_name, "x-api-key");
    snprintf(c.secret, sizeof c.secret, "%s", secret);
    return c;
}

static ot_api_destination dest_of(const char *name, const char *conn_arn)
{
    ot_api_destination d = {.rate_limit = 5};
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.connection_arn, sizeof d.connection_arn, "%s", conn_arn);
    snprintf(d.endpoint, sizeof d.endpoint, "https://hooks.example.com/%s", name);
    snprintf(d.method, sizeof d.method, "POST");
    return d;
}

static void connections_live_in_their_scope(void **state)
{
    fixture *f = *state;
    ot_connection c = conn_of("pager", "k1"), got;
    assert_int_equal(ot_conn_create(f->r, &A, &c, 1000), 0);
    assert_memory_equal(c.arn, "arn:aws:events:us-east-1:123456789012:connection/pager/", 55);
    assert_int_equal(strlen(c.arn), 55 + 36);
    ot_connection again = conn_of("pager", "k2");
    assert_int_equal(ot_conn_create(f->r, &A, &again, 1000), OT_EEXIST);
    assert_int_equal(ot_conn_create(f->r, &B, &again, 1000), 0);   /* another account */
    assert_int_equal(ot_conn_get(f->r, &A2, "pager", &got), OT_ENOTFOUND);
    assert_int_equal(ot_conn_get(f->r, &A, "pager", &got), 0);
    assert_string_equal(got.secret, "k1");
    assert_int_equal(got.created_ms, 1000);
    assert_int_equal(ot_conn_get_by_arn(f->r, c.arn, &got), 0);
    assert_string_equal(got.name, "pager");
    assert_int_equal(ot_conn_get_by_arn(f->r, "arn:aws:events:us-east-1:123456789012:rule/x",
                                        &got), OT_ENOTFOUND);
    assert_int_equal(ot_conn_get_by_arn(f->r, "not an arn", &got), OT_ENOTFOUND);
    /* update keeps the ARN and creation */
    snprintf(c.secret, sizeof c.secret, "k3");
    assert_int_equal(ot_conn_update(f->r, &A, &c, 2000), 0);
    assert_int_equal(ot_conn_get(f->r, &A, "pager", &got), 0);
    assert_string_equal(got.secret, "k3");
    assert_string_equal(got.arn, c.arn);
    assert_int_equal(got.created_ms, 1000);
    assert_int_equal(got.modified_ms, 2000);
    ot_connection nope = conn_of("nope", "x");
    assert_int_equal(ot_conn_update(f->r, &A, &nope, 2000), OT_ENOTFOUND);
    /* deleted and made again: the old ARN names nothing */
    assert_int_equal(ot_conn_delete(f->r, &A, "pager", &got), 0);
    assert_string_equal(got.arn, c.arn);
    assert_int_equal(ot_conn_delete(f->r, &A, "pager", NULL), OT_ENOTFOUND);
    ot_connection next = conn_of("pager", "k4");
    assert_int_equal(ot_conn_create(f->r, &A, &next, 3000), 0);
    assert_string_not_equal(next.arn, c.arn);
    assert_int_equal(ot_conn_get_by_arn(f->r, c.arn, &got), OT_ENOTFOUND);
}

static void destinations_need_their_connection(void **state)
{
    fixture *f = *state;
    ot_connection c = conn_of("c", "k"), other = conn_of("c", "k");
    assert_int_equal(ot_conn_create(f->r, &A, &c, 1000), 0);
    assert_int_equal(ot_conn_create(f->r, &B, &other, 1000), 0);
    ot_api_destination d = dest_of("d", other.arn), got;
    assert_int_equal(ot_apidest_create(f->r, &A, &d, 1000), OT_ENOTFOUND); /* B's connection */
    d = dest_of("d", c.arn);
    assert_int_equal(ot_apidest_create(f->r, &A, &d, 1000), 0);
    assert_memory_equal(d.arn, "arn:aws:events:us-east-1:123456789012:api-destination/d/", 56);
    assert_int_equal(ot_apidest_create(f->r, &A, &d, 1000), OT_EEXIST);
    assert_int_equal(ot_apidest_get_by_arn(f->r, d.arn, &got), 0);
    assert_string_equal(got.endpoint, "https://hooks.example.com/d");
    assert_int_equal(got.rate_limit, 5);
    /* the ARN without its uuid names the current one, as a target ARN may */
    assert_int_equal(ot_apidest_get_by_arn(
                         f->r, "arn:aws:events:us-east-1:123456789012:api-destination/d", &got),
                     0);
    snprintf(d.connection_arn, sizeof d.connection_arn, "%s", other.arn);
    assert_int_equal(ot_apidest_update(f->r, &A, &d, 2000), OT_ENOTFOUND);
    assert_int_equal(ot_apidest_get(f->r, &A, "d", &got), 0);
    assert_string_equal(got.connection_arn, c.arn); /* unchanged */
    assert_int_equal(ot_apidest_delete(f->r, &A, "d"), 0);
    assert_int_equal(ot_apidest_delete(f->r, &A, "d"), OT_ENOTFOUND);
}

static void lists_page_and_filter_and_survive_a_reopen(void **state)
{
    fixture *f = *state;
    ot_connection c1 = conn_of("c1", "k"), c2 = conn_of("c2", "k");
    assert_int_equal(ot_conn_create(f->r, &A, &c1, 1000), 0);
    assert_int_equal(ot_conn_create(f->r, &A, &c2, 1000), 0);
    const char *names[] = {"b", "a2", "a1", "a3"};
    for (size_t i = 0; i < 4; i++) {
        ot_api_destination d = dest_of(names[i], i % 2 ? c2.arn : c1.arn);
        assert_int_equal(ot_apidest_create(f->r, &A, &d, 1000), 0);
    }
    ot_rules_close(f->r);
    assert_int_equal(ot_rules_open(f->path, &f->r), 0);
    ot_api_destination *d;
    size_t n;
    assert_int_equal(ot_apidest_list(f->r, &A, "a", NULL, NULL, 2, &d, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].name, "a1");
    assert_string_equal(d[1].name, "a2");
    free(d);
    assert_int_equal(ot_apidest_list(f->r, &A, "a", NULL, "a2", 10, &d, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(d[0].name, "a3");
    free(d);
    assert_int_equal(ot_apidest_list(f->r, &A, NULL, c1.arn, NULL, 10, &d, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].name, "a1");
    assert_string_equal(d[1].name, "b");
    free(d);
    assert_int_equal(ot_apidest_list(f->r, &B, NULL, NULL, NULL, 10, &d, &n), 0);
    assert_int_equal(n, 0);
    free(d);
    ot_connection *c;
    assert_int_equal(ot_conn_list(f->r, &A, "c", NULL, 10, &c, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(c[1].secret, "k");
    free(c);
}

static void the_quota_holds(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < OT_DEST_PER_SCOPE_MAX; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%04d", i);
        ot_connection c = conn_of(name, "k");
        assert_int_equal(ot_conn_create(f->r, &A, &c, 1000), 0);
    }
    ot_connection one_more = conn_of("one-more", "k");
    assert_int_equal(ot_conn_create(f->r, &A, &one_more, 1000), OT_ELIMIT);
    assert_int_equal(ot_conn_create(f->r, &A2, &one_more, 1000), 0); /* per region */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(connections_live_in_their_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(destinations_need_their_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(lists_page_and_filter_and_survive_a_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_quota_holds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
