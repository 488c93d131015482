/* test_trail_insights.c — a trail's Insights selectors in state.db: stored and read back,
 * turned off, has_insight_selectors kept in step (UpdateTrail does not undo it), gone with
 * the trail, and the column added to a state.db written before it existed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"
#include <sqlite3.h>

#include "trail/trail.h"
#include "util/err.h"

#define ACCT "123456789012"
#define CALL "[{\"InsightType\":\"ApiCallRateInsight\"}]"

typedef struct fixture {
    char dir[64];
    char path[96];
    ot_trail_db *db;
    ot_trail t;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "insights");
    snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
    assert_int_equal(ot_trail_db_open(f->path, &f->db), 0);
    snprintf(f->t.name, sizeof f->t.name, "main");
    snprintf(f->t.account_id, sizeof f->t.account_id, ACCT);
    snprintf(f->t.home_region, sizeof f->t.home_region, "us-east-1");
    snprintf(f->t.bucket, sizeof f->t.bucket, "logs");
    assert_int_equal(ot_trail_arn_make(f->t.arn, sizeof f->t.arn, "us-east-1", ACCT, "main"), 0);
    assert_int_equal(ot_trail_create(f->db, &f->t, OT_TRAIL_MAX_PER_REGION), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_trail_db_close(f->db);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static bool flag(fixture *f)
{
    ot_trail t;
    assert_int_equal(ot_trail_get_by_arn(f->db, f->t.arn, &t), 0);
    return t.has_insight_selectors;
}

static void test_trail_insights__put_get_off(void **state)
{
    fixture *f = *state;
    char *json = NULL;
    assert_int_equal(ot_trail_insights_get(f->db, f->t.arn, &json), OT_ENOTFOUND);
    assert_null(json);
    assert_false(flag(f));
    assert_int_equal(ot_trail_insights_put(f->db, f->t.arn, CALL), 0);
    assert_true(flag(f));
    assert_int_equal(ot_trail_insights_get(f->db, f->t.arn, &json), 0);
    assert_string_equal(json, CALL);
    free(json);
    assert_int_equal(ot_trail_insights_put(f->db, f->t.arn, NULL), 0);
    assert_false(flag(f));
    assert_int_equal(ot_trail_insights_get(f->db, f->t.arn, &json), OT_ENOTFOUND);
}

static void test_trail_insights__unknown_and_deleted_trail(void **state)
{
    fixture *f = *state;
    char *json = NULL;
    const char *other = "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/other";
    assert_int_equal(ot_trail_insights_put(f->db, other, CALL), OT_ENOTFOUND);
    assert_int_equal(ot_trail_insights_get(f->db, other, &json), OT_ENOTFOUND);
    assert_int_equal(ot_trail_insights_put(f->db, f->t.arn, CALL), 0);
    assert_int_equal(ot_trail_delete(f->db, f->t.arn), 0);
    assert_int_equal(ot_trail_create(f->db, &f->t, OT_TRAIL_MAX_PER_REGION), 0);
    assert_int_equal(ot_trail_insights_get(f->db, f->t.arn, &json), OT_ENOTFOUND);
    assert_false(flag(f));
}

/* UpdateTrail writes a trail read before a PutInsightSelectors: it must not undo it. */
static void test_trail_insights__update_keeps_them(void **state)
{
    fixture *f = *state;
    assert_int_equal(ot_trail_insights_put(f->db, f->t.arn, CALL), 0);
    f->t.has_insight_selectors = false; /* the stale copy */
    f->t.log_validation = true;
    assert_int_equal(ot_trail_update(f->db, &f->t, OT_TRAIL_MAX_PER_REGION), 0);
    assert_true(flag(f));
}

/* A state.db from before the column: reopening adds it and keeps the trail. */
static void test_trail_insights__older_state_db(void **state)
{
    fixture *f = *state;
    ot_trail_db_close(f->db);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "ALTER TABLE trails DROP COLUMN insight_selectors", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(ot_trail_db_open(f->path, &f->db), 0);
    assert_false(flag(f));
    assert_int_equal(ot_trail_insights_put(f->db, f->t.arn, CALL), 0);
    ot_trail_db_close(f->db);
    assert_int_equal(ot_trail_db_open(f->path, &f->db), 0);
    char *json = NULL;
    assert_int_equal(ot_trail_insights_get(f->db, f->t.arn, &json), 0);
    assert_string_equal(json, CALL);
    free(json);
    assert_true(flag(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trail_insights__put_get_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_insights__unknown_and_deleted_trail, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_trail_insights__update_keeps_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_insights__older_state_db, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
