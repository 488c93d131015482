/* test_store_policy_history.c — a bucket's policy history and Block Public Access settings in the
 * local store: versions in the order applied (a deletion is one), kept across a reopen, a torn
 * last line skipped and stepped over, a new bucket of the same name starting afresh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"
#include "store/store.h"
#include "util/err.h"

typedef struct fixture {
    char root[256];
    char history[300];
    ot_store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    otest_tmpdir(f->root, sizeof f->root, "policy-history");
    snprintf(f->history, sizeof f->history, "%s/.policy-history/bkt", f->root);
    assert_int_equal(ot_store_open_local(f->root, &f->st), 0);
    assert_int_equal(ot_store_bucket_create_owned(f->st, "bkt", "123456789012"), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_store_close(f->st);
    otest_rmrf(f->root);
    free(f);
    return 0;
}

static ot_policy_version who(int64_t ms, const char *event_id)
{
    ot_policy_version v = {.time_ms = ms};
    snprintf(v.principal, sizeof v.principal, "arn:aws:iam::123456789012:user/alice");
    snprintf(v.event_id, sizeof v.event_id, "%s", event_id);
    return v;
}

static void set(fixture *f, const char *json, int64_t ms, const char *event_id)
{
    ot_policy_version w = who(ms, event_id);
    assert_int_equal(ot_store_policy_set(f->st, "bkt", json, json ? strlen(json) : 0, &w), 0);
}

static void test_history__versions_in_order(void **state)
{
    fixture *f = *state;
    ot_policy_version *v, w = who(1, "x");
    size_t n;
    char *json;
    size_t len;
    assert_int_equal(ot_store_policy_history(f->st, "bkt", &v, &n), 0);
    assert_int_equal(n, 0);
    set(f, "{\"a\":1}", 1000, "e1");
    set(f, "{\"b\":\"quote \\\" and\\nnewline\"}", 2000, "e2");
    set(f, NULL, 3000, "e3");
    assert_int_equal(ot_store_policy_get(f->st, "bkt", &json, &len), OT_ENOTFOUND);
    set(f, "{\"c\":3}", 4000, "e4");
    assert_int_equal(ot_store_policy_get(f->st, "bkt", &json, &len), 0);
    assert_string_equal(json, "{\"c\":3}");
    free(json);
    assert_int_equal(ot_store_policy_set(f->st, "missing", "{}", 2, &w), OT_ENOTFOUND);
    assert_int_equal(ot_store_policy_set(f->st, "missing", NULL, 0, &w), OT_ENOTFOUND);

    ot_store_close(f->st); /* durable: read back after a reopen */
    assert_int_equal(ot_store_open_local(f->root, &f->st), 0);
    assert_int_equal(ot_store_policy_history(f->st, "bkt", &v, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].policy, "{\"a\":1}");
    assert_string_equal(v[1].policy, "{\"b\":\"quote \\\" and\\nnewline\"}");
    assert_null(v[2].policy);
    assert_string_equal(v[3].policy, "{\"c\":3}");
    assert_int_equal(v[3].len, 7);
    for (size_t i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "e%zu", i + 1);
        assert_string_equal(v[i].event_id, id);
        assert_int_equal(v[i].time_ms, (int64_t)(i + 1) * 1000);
        assert_string_equal(v[i].principal, "arn:aws:iam::123456789012:user/alice");
    }
    ot_policy_versions_free(v, n);
    assert_int_equal(ot_store_policy_history(f->st, "missing", &v, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ot_store_policy_history(f->st, "../etc", &v, &n), 0);
    assert_int_equal(n, 0);
}

static void test_history__torn_line_skipped(void **state)
{
    fixture *f = *state;
    ot_policy_version *v;
    size_t n;
    set(f, "{\"a\":1}", 1000, "e1");
    /* a crash mid-append: part of a record, no newline */
    const char torn[] = "{\"time\":2000,\"principal\":\"p\",\"ev";
    otest_write(f->history, torn, sizeof torn - 1, true);
    assert_int_equal(ot_store_policy_history(f->st, "bkt", &v, &n), 0);
    assert_int_equal(n, 1);
    ot_policy_versions_free(v, n);
    set(f, "{\"b\":2}", 3000, "e3"); /* starts on a line of its own */
    /* and a line that is JSON but no record */
    otest_write(f->history, "[1,2]\n", 6, true);
    set(f, NULL, 4000, "e4");
    assert_int_equal(ot_store_policy_history(f->st, "bkt", &v, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].event_id, "e1");
    assert_string_equal(v[1].event_id, "e3");
    assert_string_equal(v[1].policy, "{\"b\":2}");
    assert_string_equal(v[2].event_id, "e4");
    assert_null(v[2].policy);
    ot_policy_versions_free(v, n);
}

static void test_history__new_bucket_starts_afresh(void **state)
{
    fixture *f = *state;
    ot_policy_version *v;
    size_t n;
    set(f, "{\"a\":1}", 1000, "e1");
    assert_int_equal(ot_store_policy_delete(f->st, "bkt"), 0);
    assert_int_equal(ot_store_bucket_delete(f->st, "bkt"), 0);
    /* the deleted bucket's history stays as evidence ... */
    assert_int_equal(ot_store_policy_history(f->st, "bkt", &v, &n), 0);
    assert_int_equal(n, 1);
    ot_policy_versions_free(v, n);
    /* ... until a bucket of that name is made again */
    assert_int_equal(ot_store_bucket_create_owned(f->st, "bkt", "999999999999"), 0);
    assert_int_equal(ot_store_policy_history(f->st, "bkt", &v, &n), 0);
    assert_int_equal(n, 0);
}

static void test_pab__put_get_delete(void **state)
{
    fixture *f = *state;
    unsigned flags = 99;
    assert_int_equal(ot_store_pab_get(f->st, "bkt", &flags), OT_ENOTFOUND);
    assert_int_equal(ot_store_pab_put(f->st, "bkt", OT_PAB_BLOCK_PUBLIC_POLICY |
                                                        OT_PAB_RESTRICT_PUBLIC_BUCKETS), 0);
    assert_int_equal(ot_store_pab_get(f->st, "bkt", &flags), 0);
    assert_int_equal(flags, OT_PAB_BLOCK_PUBLIC_POLICY | OT_PAB_RESTRICT_PUBLIC_BUCKETS);
    assert_int_equal(ot_store_pab_put(f->st, "bkt", 0), 0); /* all off is still a setting */
    assert_int_equal(ot_store_pab_get(f->st, "bkt", &flags), 0);
    assert_int_equal(flags, 0);
    assert_int_equal(ot_store_pab_put(f->st, "bkt", OT_PAB_ALL + 1), OT_EINVAL);
    assert_int_equal(ot_store_pab_put(f->st, "missing", OT_PAB_ALL), OT_ENOTFOUND);
    assert_int_equal(ot_store_pab_get(f->st, "missing", &flags), OT_ENOTFOUND);
    assert_int_equal(ot_store_pab_put(f->st, "bkt", OT_PAB_ALL), 0);
    ot_store_close(f->st);
    assert_int_equal(ot_store_open_local(f->root, &f->st), 0);
    assert_int_equal(ot_store_pab_get(f->st, "bkt", &flags), 0);
    assert_int_equal(flags, OT_PAB_ALL);
    assert_int_equal(ot_store_pab_delete(f->st, "bkt"), 0);
    assert_int_equal(ot_store_pab_delete(f->st, "bkt"), 0);
    assert_int_equal(ot_store_pab_delete(f->st, "missing"), 0);
    assert_int_equal(ot_store_pab_get(f->st, "bkt", &flags), OT_ENOTFOUND);
    /* gone with its bucket */
    assert_int_equal(ot_store_pab_put(f->st, "bkt", OT_PAB_ALL), 0);
    assert_int_equal(ot_store_bucket_delete(f->st, "bkt"), 0);
    assert_int_equal(ot_store_bucket_create(f->st, "bkt"), 0);
    assert_int_equal(ot_store_pab_get(f->st, "bkt", &flags), OT_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_history__versions_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history__torn_line_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history__new_bucket_starts_afresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pab__put_get_delete, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
