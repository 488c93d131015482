/* test_trail_deleted.c — what the trail-restore runbook reads from state.db: the configuration
 * a deleted trail had (kept in the deleting transaction, with its selectors, Insights selectors
 * and tags, the latest deletion winning) and the earlier versions of a trail's selectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "trail/trail.h"
#include "util/err.h"

#define ACCT "123456789012"
#define SEL_A "{\"EventSelectors\":[{\"ReadWriteType\":\"WriteOnly\"}]}"
#define SEL_B "{\"EventSelectors\":[{\"ReadWriteType\":\"All\"}]}"

typedef struct fixture {
    char dir[64];
    char path[96];
    ot_trail_db *db;
    ot_trail t;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "deleted");
    snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
    assert_int_equal(ot_trail_db_open(f->path, &f->db), 0);
    snprintf(f->t.name, sizeof f->t.name, "main");
    snprintf(f->t.account_id, sizeof f->t.account_id, ACCT);
    snprintf(f->t.home_region, sizeof f->t.home_region, "us-east-1");
    snprintf(f->t.bucket, sizeof f->t.bucket, "logs");
    snprintf(f->t.prefix, sizeof f->t.prefix, "org");
    f->t.multi_region = true;
    f->t.log_validation = true;
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

static void test_trail_deleted__configuration_is_kept(void **state)
{
    fixture *f = *state;
    int64_t id;
    ot_tag tags[2] = {{.key = "team", .value = "sec", .has_value = true}, {.key = "flag"}};
    assert_int_equal(ot_trail_selectors_put(f->db, f->t.arn, SEL_A, 1, &id), 0);
    assert_int_equal(ot_trail_insights_put(f->db, f->t.arn,
                                           "[{\"InsightType\":\"ApiCallRateInsight\"}]"), 0);
    assert_int_equal(ot_tags_add(f->db, f->t.arn, tags, 2, OT_TAGS_MAX_PER_RESOURCE), 0);
    assert_int_equal(ot_trail_set_logging(f->db, f->t.arn, true, 5, NULL), 0);
    char *cfg = NULL;
    assert_int_equal(ot_trail_deleted_get(f->db, f->t.arn, &cfg), OT_ENOTFOUND);
    assert_int_equal(ot_trail_delete(f->db, f->t.arn), 0);
    assert_int_equal(ot_trail_deleted_get(f->db, f->t.arn, &cfg), 0);
    assert_string_equal(
        cfg, "{\"Name\":\"main\",\"HomeRegion\":\"us-east-1\",\"S3BucketName\":\"logs\","
             "\"S3KeyPrefix\":\"org\",\"SnsTopicName\":\"\",\"KmsKeyId\":\"\","
             "\"CloudWatchLogsLogGroupArn\":\"\",\"CloudWatchLogsRoleArn\":\"\","
             "\"IncludeGlobalServiceEvents\":false,\"IsMultiRegionTrail\":true,"
             "\"EnableLogFileValidation\":true,\"IsOrganizationTrail\":false,\"IsLogging\":true,"
             "\"EventSelectors\":" SEL_A ","
             "\"InsightSelectors\":[{\"InsightType\":\"ApiCallRateInsight\"}],"
             "\"TagsList\":[{\"Key\":\"flag\",\"Value\":null},{\"Key\":\"team\",\"Value\":\"sec\"}]}");
    free(cfg);
    /* made again with default selectors and deleted again: the latest deletion wins */
    assert_int_equal(ot_trail_create(f->db, &f->t, OT_TRAIL_MAX_PER_REGION), 0);
    assert_int_equal(ot_trail_delete(f->db, f->t.arn), 0);
    assert_int_equal(ot_trail_deleted_get(f->db, f->t.arn, &cfg), 0);
    assert_non_null(strstr(cfg, "\"EventSelectors\":null,\"InsightSelectors\":null,"
                                "\"TagsList\":[]}"));
    assert_non_null(strstr(cfg, "\"IsLogging\":false"));
    free(cfg);
}

static void test_trail_deleted__failed_delete_keeps_nothing(void **state)
{
    fixture *f = *state;
    char *cfg = NULL;
    assert_int_equal(ot_trail_delete(f->db, "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/none"),
                     OT_ENOTFOUND);
    assert_int_equal(ot_trail_deleted_get(f->db, "arn:aws:cloudtrail:us-east-1:" ACCT
                                                 ":trail/none", &cfg), OT_ENOTFOUND);
}

static void test_trail_deleted__earlier_selector_versions(void **state)
{
    fixture *f = *state;
    int64_t a, b, id;
    char *json = NULL;
    assert_int_equal(ot_trail_selectors_before(f->db, f->t.arn, INT64_MAX, &id, &json),
                     OT_ENOTFOUND);
    assert_int_equal(ot_trail_selectors_put(f->db, f->t.arn, SEL_A, 1, &a), 0);
    assert_int_equal(ot_trail_selectors_put(f->db, f->t.arn, SEL_B, 2, &b), 0);
    assert_int_equal(ot_trail_selectors_before(f->db, f->t.arn, b, &id, &json), 0);
    assert_int_equal(id, a);
    assert_string_equal(json, SEL_A);
    free(json);
    assert_int_equal(ot_trail_selectors_before(f->db, f->t.arn, INT64_MAX, &id, &json), 0);
    assert_int_equal(id, b);
    free(json);
    assert_int_equal(ot_trail_selectors_before(f->db, f->t.arn, a, &id, &json), OT_ENOTFOUND);
    assert_null(json);
    /* another trail's versions are not this one's */
    assert_int_equal(ot_trail_selectors_before(f->db, "arn:aws:cloudtrail:us-east-1:" ACCT
                                                      ":trail/other", INT64_MAX, &id, &json),
                     OT_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trail_deleted__configuration_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_deleted__failed_delete_keeps_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_deleted__earlier_selector_versions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
