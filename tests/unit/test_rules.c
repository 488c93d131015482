/* test_rules.c — the EventBridge rules store (rules.db): rules per account and region, PutRule's
 * replace keeping targets, paging, deletion refused while targets remain, managed rules, the
 * quota of five targets, tags, the generation and the router's snapshot (across a reopen); and
 * the target ARN and input checks PutTargets uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "rules/rules.h"
#include "util/err.h"

#define NOW 1760000000000LL
#define ACCT "123456789012"

static const ot_rules_scope A = {ACCT, "us-east-1"};
static const ot_rules_scope B = {"999999999999", "us-east-1"};
static const ot_rules_scope A2 = {ACCT, "eu-west-1"};

#define PATTERN "{\"source\":[\"aws.ec2\"]}"

typedef struct fixture {
    char dir[256];
    char path[300];
    ot_rules *r;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "rules");
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

static int put(ot_rules *r, const ot_rules_scope *s, const char *name, const char *manager)
{
    ot_rule_def d = {.name = name, .pattern = PATTERN, .state = OT_RULE_ENABLED,
                     .managed_by = manager, .created_by = s->account};
    return ot_rules_put(r, s, &d, NULL, 0, NOW, NULL);
}

static ot_rule_target target(const char *id, const char *arn)
{
    ot_rule_target t = {.arn = (char *)arn};
    snprintf(t.id, sizeof t.id, "%s", id);
    return t;
}

static void test_rules__put_get_replace_per_scope(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    ot_rule_tag tag = {"team", "sec"};
    ot_rule_def d = {.name = "r1", .pattern = PATTERN, .state = OT_RULE_ENABLED_ALL_MANAGEMENT,
                     .description = "first", .role_arn = "arn:aws:iam::123456789012:role/x",
                     .created_by = ACCT};
    bool created = false;
    assert_int_equal(ot_rules_put(r, &A, &d, &tag, 1, NOW, &created), 0);
    assert_true(created);
    ot_rule got;
    assert_int_equal(ot_rules_get(r, &A, "r1", &got), 0);
    assert_string_equal(got.pattern, PATTERN);
    assert_int_equal(got.state, OT_RULE_ENABLED_ALL_MANAGEMENT);
    assert_string_equal(got.description, "first");
    assert_string_equal(got.role_arn, "arn:aws:iam::123456789012:role/x");
    assert_string_equal(got.created_by, ACCT);
    assert_null(got.managed_by);
    assert_int_equal(got.created_ms, NOW);
    ot_rule_clear(&got);
    /* other account, other region: not there */
    assert_int_equal(ot_rules_get(r, &B, "r1", &got), OT_ENOTFOUND);
    assert_int_equal(ot_rules_get(r, &A2, "r1", &got), OT_ENOTFOUND);
    /* replace: description dropped, state and pattern replaced, targets and creation kept */
    ot_rule_target t = target("t1", "arn:aws:sns:us-east-1:123456789012:topic");
    assert_int_equal(ot_rules_targets_put(r, &A, "r1", &t, 1, false), 0);
    ot_rule_def d2 = {.name = "r1", .pattern = "{\"source\":[\"aws.s3\"]}",
                      .state = OT_RULE_DISABLED, .created_by = ACCT};
    assert_int_equal(ot_rules_put(r, &A, &d2, NULL, 0, NOW + 5, &created), 0);
    assert_false(created);
    assert_int_equal(ot_rules_get(r, &A, "r1", &got), 0);
    assert_string_equal(got.pattern, "{\"source\":[\"aws.s3\"]}");
    assert_int_equal(got.state, OT_RULE_DISABLED);
    assert_null(got.description);
    assert_int_equal(got.created_ms, NOW);
    ot_rule_clear(&got);
    ot_rule_target *ts;
    size_t n;
    assert_int_equal(ot_rules_targets_list(r, &A, "r1", &ts, &n), 0);
    assert_int_equal(n, 1);
    ot_rule_targets_free(ts, n);
    ot_rule_tag *tags;
    assert_int_equal(ot_rules_tags(r, &A, "r1", &tags, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(tags[0].value, "sec");
    free(tags);
}

static void test_rules__list_prefix_and_pages(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    const char *names[] = {"b-2", "a-1", "b-1", "c", "b-3"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(put(r, &A, names[i], NULL), 0);
    assert_int_equal(put(r, &B, "b-9", NULL), 0);
    ot_rule *rules;
    size_t n;
    assert_int_equal(ot_rules_list(r, &A, "b-", NULL, 2, &rules, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rules[0].name, "b-1");
    assert_string_equal(rules[1].name, "b-2");
    ot_rules_free(rules, n);
    assert_int_equal(ot_rules_list(r, &A, "b-", "b-2", 2, &rules, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rules[0].name, "b-3");
    ot_rules_free(rules, n);
    assert_int_equal(ot_rules_list(r, &A, NULL, NULL, 100, &rules, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(rules[0].name, "a-1");
    assert_string_equal(rules[4].name, "c");
    ot_rules_free(rules, n);
    /* a prefix is literal, not a LIKE pattern */
    assert_int_equal(ot_rules_list(r, &A, "_", NULL, 100, &rules, &n), 0);
    assert_int_equal(n, 0);
    ot_rules_free(rules, n);
}

static void test_rules__delete_refused_while_targets_remain(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    assert_int_equal(put(r, &A, "r", NULL), 0);
    ot_rule_target t = target("t", "arn:aws:sns:us-east-1:123456789012:topic");
    assert_int_equal(ot_rules_targets_put(r, &A, "r", &t, 1, false), 0);
    assert_int_equal(ot_rules_delete(r, &A, "r", false), OT_EEXIST);
    assert_int_equal(ot_rules_delete(r, &A, "r", true), OT_EEXIST); /* Force is for managed */
    const char *ids[] = {"t", "not-there"};
    size_t removed = 9;
    assert_int_equal(ot_rules_targets_remove(r, &A, "r", ids, 2, false, &removed), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(ot_rules_delete(r, &B, "r", false), 0); /* another account's: a no-op */
    ot_rule got;
    assert_int_equal(ot_rules_get(r, &A, "r", &got), 0);
    ot_rule_clear(&got);
    assert_int_equal(ot_rules_delete(r, &A, "r", false), 0);
    assert_int_equal(ot_rules_get(r, &A, "r", &got), OT_ENOTFOUND);
    assert_int_equal(ot_rules_delete(r, &A, "r", false), 0); /* idempotent */
    assert_int_equal(ot_rules_targets_remove(r, &A, "r", ids, 1, false, NULL), OT_ENOTFOUND);
}

static void test_rules__managed_rules_need_force(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    assert_int_equal(put(r, &A, "m", "opentrail.runbooks"), 0);
    assert_int_equal(put(r, &A, "m", NULL), OT_EINVAL); /* PutRule over it */
    assert_int_equal(put(r, &A, "m", "opentrail.runbooks"), 0); /* its manager */
    assert_int_equal(ot_rules_set_state(r, &A, "m", OT_RULE_DISABLED, false), OT_EINVAL);
    ot_rule_target t = target("t", "arn:aws:sns:us-east-1:123456789012:topic");
    assert_int_equal(ot_rules_targets_put(r, &A, "m", &t, 1, false), OT_EINVAL);
    assert_int_equal(ot_rules_targets_put(r, &A, "m", &t, 1, true), 0);
    ot_rule_tag tag = {"k", "v"};
    assert_int_equal(ot_rules_tag(r, &A, "m", &tag, 1, false), OT_EINVAL);
    const char *ids[] = {"t"};
    assert_int_equal(ot_rules_targets_remove(r, &A, "m", ids, 1, false, NULL), OT_EINVAL);
    assert_int_equal(ot_rules_targets_remove(r, &A, "m", ids, 1, true, NULL), 0);
    assert_int_equal(ot_rules_delete(r, &A, "m", false), OT_EINVAL);
    assert_int_equal(ot_rules_delete(r, &A, "m", true), 0);
}

static void test_rules__five_targets_at_most(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    assert_int_equal(put(r, &A, "r", NULL), 0);
    ot_rule_target t[6];
    char ids[6][8];
    for (int i = 0; i < 6; i++) {
        snprintf(ids[i], sizeof ids[i], "t%d", i);
        t[i] = target(ids[i], "arn:aws:sns:us-east-1:123456789012:topic");
    }
    assert_int_equal(ot_rules_targets_put(r, &A, "r", t, 4, false), 0);
    uint64_t g = ot_rules_generation(r);
    assert_int_equal(ot_rules_targets_put(r, &A, "r", &t[4], 2, false), OT_ELIMIT);
    assert_int_equal(ot_rules_generation(r), g); /* refused: nothing changed */
    /* replacing one keeps its place; the fifth fits */
    t[1].input = "{\"a\":1}";
    assert_int_equal(ot_rules_targets_put(r, &A, "r", &t[1], 1, false), 0);
    assert_int_equal(ot_rules_targets_put(r, &A, "r", &t[4], 1, false), 0);
    ot_rule_target *got;
    size_t n;
    assert_int_equal(ot_rules_targets_list(r, &A, "r", &got, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(got[0].id, "t0");
    assert_string_equal(got[1].id, "t1");
    assert_string_equal(got[1].input, "{\"a\":1}");
    assert_string_equal(got[4].id, "t4");
    ot_rule_targets_free(got, n);
    assert_int_equal(ot_rules_targets_put(r, &A, "missing", t, 1, false), OT_ENOTFOUND);
}

static void test_rules__names_by_target(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    const char *topic = "arn:aws:sns:us-east-1:123456789012:alerts";
    const char *names[] = {"z", "a", "m"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(put(r, &A, names[i], NULL), 0);
        ot_rule_target t = target("t", topic);
        assert_int_equal(ot_rules_targets_put(r, &A, names[i], &t, 1, false), 0);
    }
    assert_int_equal(put(r, &B, "b", NULL), 0);
    ot_rule_target t = target("t", topic);
    assert_int_equal(ot_rules_targets_put(r, &B, "b", &t, 1, false), 0);
    char (*got)[OT_RULE_NAME_MAX + 1];
    size_t n;
    assert_int_equal(ot_rules_names_by_target(r, &A, topic, NULL, 2, &got, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(got[0], "a");
    assert_string_equal(got[1], "m");
    free(got);
    assert_int_equal(ot_rules_names_by_target(r, &A, topic, "m", 2, &got, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(got[0], "z");
    free(got);
}

static void test_rules__tags_capped(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    assert_int_equal(put(r, &A, "r", NULL), 0);
    ot_rule_tag tags[OT_RULES_TAGS_MAX + 1];
    for (int i = 0; i <= OT_RULES_TAGS_MAX; i++) {
        snprintf(tags[i].key, sizeof tags[i].key, "k%02d", i);
        snprintf(tags[i].value, sizeof tags[i].value, "v%d", i);
    }
    assert_int_equal(ot_rules_tag(r, &A, "r", tags, OT_RULES_TAGS_MAX, false), 0);
    assert_int_equal(ot_rules_tag(r, &A, "r", &tags[OT_RULES_TAGS_MAX], 1, false), OT_ELIMIT);
    assert_int_equal(ot_rules_tag(r, &A, "r", &tags[0], 1, false), 0); /* replace: fits */
    const char *keys[] = {"k00", "nope"};
    assert_int_equal(ot_rules_untag(r, &A, "r", keys, 2, false), 0);
    ot_rule_tag *got;
    size_t n;
    assert_int_equal(ot_rules_tags(r, &A, "r", &got, &n), 0);
    assert_int_equal(n, OT_RULES_TAGS_MAX - 1);
    assert_string_equal(got[0].key, "k01");
    free(got);
    assert_int_equal(ot_rules_tags(r, &B, "r", &got, &n), OT_ENOTFOUND);
}

static void test_rules__rules_per_bus_capped(void **state)
{
    ot_rules *r = ((fixture *)*state)->r;
    char name[16];
    for (int i = 0; i < OT_RULES_PER_BUS_MAX; i++) {
        snprintf(name, sizeof name, "r%03d", i);
        assert_int_equal(put(r, &A, name, NULL), 0);
    }
    assert_int_equal(put(r, &A, "one-more", NULL), OT_ELIMIT);
    assert_int_equal(put(r, &A, "r000", NULL), 0); /* a replace is not a new rule */
    assert_int_equal(put(r, &B, "one-more", NULL), 0); /* per account */
}

static void test_rules__generation_and_snapshot_survive_reopen(void **state)
{
    fixture *f = *state;
    uint64_t g0 = ot_rules_generation(f->r);
    assert_int_equal(put(f->r, &A, "r", NULL), 0);
    assert_int_equal(ot_rules_generation(f->r), g0 + 1);
    ot_rule_target t = target("t", "arn:aws:events:us-east-1:123456789012:opentrail-runbook/x");
    t.input_template = "<a>";
    t.input_paths_map = "{\"a\":\"$.detail\"}";
    assert_int_equal(ot_rules_targets_put(f->r, &A, "r", &t, 1, false), 0);
    assert_int_equal(put(f->r, &B, "other", NULL), 0);
    assert_int_equal(ot_rules_set_state(f->r, &B, "other", OT_RULE_DISABLED, false), 0);
    assert_int_equal(ot_rules_generation(f->r), g0 + 4);
    /* reads and writes that change nothing leave it */
    assert_int_equal(ot_rules_delete(f->r, &A, "missing", false), 0);
    ot_rule_tag *tags;
    size_t n;
    assert_int_equal(ot_rules_tags(f->r, &A, "r", &tags, &n), 0);
    free(tags);
    assert_int_equal(ot_rules_generation(f->r), g0 + 4);
    ot_rules_close(f->r);
    assert_int_equal(ot_rules_open(f->path, &f->r), 0);
    assert_int_equal(ot_rules_generation(f->r), g0 + 4);
    ot_rules_snapshot *snap;
    assert_int_equal(ot_rules_snapshot_load(f->r, &snap), 0);
    assert_int_equal(snap->generation, g0 + 4);
    assert_int_equal(snap->n, 2);
    const ot_rules_entry *e = &snap->rules[0]; /* ordered by account: 1234... first */
    assert_string_equal(e->account, ACCT);
    assert_string_equal(e->arn, "arn:aws:events:us-east-1:123456789012:rule/r");
    assert_string_equal(e->pattern, PATTERN);
    assert_int_equal(e->state, OT_RULE_ENABLED);
    assert_int_equal(e->ntargets, 1);
    assert_string_equal(e->targets[0].input_template, "<a>");
    assert_string_equal(e->targets[0].input_paths_map, "{\"a\":\"$.detail\"}");
    assert_string_equal(snap->rules[1].name, "other");
    assert_int_equal(snap->rules[1].state, OT_RULE_DISABLED);
    assert_int_equal(snap->rules[1].ntargets, 0);
    ot_rules_snapshot_free(snap);
}

static void test_rules__state_names(void **state)
{
    ot_rule_state st;
    assert_int_equal(ot_rule_state_parse("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", &st), 0);
    assert_int_equal(st, OT_RULE_ENABLED_ALL_MANAGEMENT);
    assert_string_equal(ot_rule_state_name(OT_RULE_DISABLED), "DISABLED");
    assert_int_equal(ot_rule_state_parse("enabled", &st), OT_EINVAL);
    assert_int_equal(ot_rule_state_parse(NULL, &st), OT_EINVAL);
}

static void test_rules__target_arns(void **state)
{
    ot_target_ref ref;
    assert_int_equal(ot_rules_target_parse("arn:aws:sns:us-east-1:123456789012:alerts", &ref),
                     OT_TARGET_SNS);
    assert_int_equal(ref.name_len, 6);
    assert_string_equal(ref.account, "123456789012");
    assert_int_equal(
        ot_rules_target_parse("arn:aws:logs:us-east-1:123456789012:log-group:/a/b:*", &ref),
        OT_TARGET_LOGS);
    assert_int_equal(ref.name_len, 4);
    assert_int_equal(
        ot_rules_target_parse("arn:aws:logs:us-east-1:123456789012:log-group:g:x", &ref),
        OT_TARGET_MALFORMED);
    assert_int_equal(ot_rules_target_parse(
                         "arn:aws:events:us-east-1:123456789012:api-destination/hook/1f2e", &ref),
                     OT_TARGET_API_DESTINATION);
    assert_int_equal(ref.name_len, 4);
    assert_int_equal(ot_rules_target_parse(
                         "arn:aws:events:us-east-1:123456789012:opentrail-runbook/trail-restore",
                         &ref),
                     OT_TARGET_RUNBOOK);
    assert_int_equal(ref.name_len, strlen("trail-restore"));
    assert_int_equal(
        ot_rules_target_parse("arn:aws:events:us-east-1:123456789012:opentrail-runbook/", &ref),
        OT_TARGET_UNSUPPORTED);
    assert_int_equal(
        ot_rules_target_parse("arn:aws:lambda:us-east-1:123456789012:function:f", &ref),
        OT_TARGET_UNSUPPORTED);
    assert_string_equal(ref.service, "lambda");
    const char *bad[] = {"", "arn:", "nope", "arn:aws:sns", "arn:aws:sns:us-east-1:123:x",
                         "arn:aws:sns:us-east-1:123456789012:", "arn:gcp:sns:r:123456789012:t",
                         "arn:aws:sns::123456789012:t", "arn:aws:sns:r:123456789012:a/b",
                         "arn:aws:logs:us-east-1:123456789012:log-group:",
                         "arn:aws:logs:us-east-1:123456789012:destination:d"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ot_rules_target_parse(bad[i], &ref), OT_TARGET_MALFORMED);
}

static int input_check(const char *input, const char *path, const char *map, const char *tpl)
{
    ot_rule_target t = {.id = "t1", .input = (char *)input, .input_path = (char *)path,
                        .input_paths_map = (char *)map, .input_template = (char *)tpl};
    char msg[400] = "";
    int rc = ot_rules_input_check(&t, msg, sizeof msg);
    if (rc)
        assert_non_null(strstr(msg, "t1")); /* the message names the target */
    return rc;
}

static void test_rules__target_input(void **state)
{
    assert_int_equal(input_check(NULL, NULL, NULL, NULL), 0);
    assert_int_equal(input_check("{\"a\":[1,2]}", NULL, NULL, NULL), 0);
    assert_int_equal(input_check("\"text\"", NULL, NULL, NULL), 0);
    assert_int_equal(input_check("{not json", NULL, NULL, NULL), OT_EINVAL);
    assert_int_equal(input_check(NULL, "$.detail.requestParameters", NULL, NULL), 0);
    assert_int_equal(input_check(NULL, "$", NULL, NULL), 0);
    assert_int_equal(input_check(NULL, "$.resources[0]", NULL, NULL), 0);
    const char *bad_paths[] = {"detail", "$.", "$..a", "$.a[", "$.a[x]", "$a", "$.a b", ""};
    for (size_t i = 0; i < sizeof bad_paths / sizeof *bad_paths; i++)
        assert_int_equal(input_check(NULL, bad_paths[i], NULL, NULL), OT_EINVAL);
    assert_int_equal(input_check("{}", "$", NULL, NULL), OT_EINVAL); /* only one form */
    assert_int_equal(input_check(NULL, "$", "{}", "x"), OT_EINVAL);
    /* transformers */
    const char *map = "{\"who\":\"$.detail.userIdentity.arn\",\"ev\":\"$.detail.eventName\"}";
    assert_int_equal(input_check(NULL, NULL, map, "<who> called <ev>"), 0);
    assert_int_equal(input_check(NULL, NULL, map, "{\"who\": <who>, \"what\": \"x <ev>\"}"), 0);
    assert_int_equal(input_check(NULL, NULL, map, "{<who>: 1}"), OT_EINVAL); /* a key */
    assert_int_equal(input_check(NULL, NULL, map, "{\"who\": <who>"), OT_EINVAL);
    assert_int_equal(input_check(NULL, NULL, NULL, "{\"rule\": <aws.events.rule-name>}"), 0);
    assert_int_equal(input_check(NULL, NULL, "[1]", "x"), OT_EINVAL);
    assert_int_equal(input_check(NULL, NULL, "{\"AWSx\":\"$\"}", "x"), OT_EINVAL);
    assert_int_equal(input_check(NULL, NULL, "{\"a b\":\"$\"}", "x"), OT_EINVAL);
    assert_int_equal(input_check(NULL, NULL, "{\"a\":\"detail\"}", "x"), OT_EINVAL);
    assert_int_equal(input_check(NULL, NULL, "{\"a\":1}", "x"), OT_EINVAL);
    assert_int_equal(input_check(NULL, NULL, "{\"a\":\"$\"}", NULL), OT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules__put_get_replace_per_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__list_prefix_and_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__delete_refused_while_targets_remain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rules__managed_rules_need_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__five_targets_at_most, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__names_by_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__tags_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__rules_per_bus_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules__generation_and_snapshot_survive_reopen, setup,
                                        teardown),
        cmocka_unit_test(test_rules__state_names),
        cmocka_unit_test(test_rules__target_arns),
        cmocka_unit_test(test_rules__target_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
