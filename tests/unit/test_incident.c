/* test_incident.c — incidents.db: one incident per (runbook, trigger event), ids, update, get,
 * list order and account filter, prior incidents of a human, persistence across reopen, and the
 * read-only handle the CLI uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "incident/incident.h"
#include "util/err.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    ot_incident_db *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "incident");
    snprintf(f->path, sizeof f->path, "%s/incidents.db", f->dir);
    assert_int_equal(ot_incident_db_open(f->path, &f->db), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_incident_db_close(f->db);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

/* Stores an incident; returns what ot_incident_put returned and the id in id_out. */
static int put(ot_incident_db *db, const char *runbook, const char *trigger, const char *account,
               const char *human, int64_t created_ms, const char *json, char id_out[32])
{
    ot_incident inc = {.created_ms = created_ms, .json = (char *)json};
    snprintf(inc.runbook, sizeof inc.runbook, "%s", runbook);
    snprintf(inc.trigger_event_id, sizeof inc.trigger_event_id, "%s", trigger);
    snprintf(inc.account, sizeof inc.account, "%s", account);
    snprintf(inc.region, sizeof inc.region, "us-east-1");
    snprintf(inc.human, sizeof inc.human, "%s", human);
    int rc = ot_incident_put(db, &inc);
    memcpy(id_out, inc.id, 32);
    return rc;
}

static void test_incident__id_and_unique_trigger(void **state)
{
    fixture *f = *state;
    char id[32], again[32], other[32];
    /* 2026-12-03T10:00:00Z */
    assert_int_equal(put(f->db, "trail-restore", "ev-1", "111111111111", "alice",
                         1796292000000, "{\"v\":1}", id), 0);
    assert_int_equal(strlen(id), strlen("INC-20261203-1a2b3c4d"));
    assert_memory_equal(id, "INC-20261203-", 13);
    assert_true(strspn(id + 13, "0123456789abcdef") == 8);

    /* The same runbook and trigger again (a re-delivery): the first incident, unchanged. */
    assert_int_equal(put(f->db, "trail-restore", "ev-1", "111111111111", "alice",
                         1796292999000, "{\"v\":2}", again), OT_EEXIST);
    assert_string_equal(again, id);
    ot_incident got;
    assert_int_equal(ot_incident_get(f->db, id, &got), 0);
    assert_string_equal(got.json, "{\"v\":1}");
    assert_int_equal(got.created_ms, 1796292000000);
    assert_string_equal(got.runbook, "trail-restore");
    assert_string_equal(got.trigger_event_id, "ev-1");
    assert_string_equal(got.human, "alice");
    assert_string_equal(got.account, "111111111111");
    ot_incident_free(&got);

    /* Another runbook on the same event is another incident. */
    assert_int_equal(put(f->db, "instance-login", "ev-1", "111111111111", "", 1796292000000,
                         "{}", other), 0);
    assert_string_not_equal(other, id);
}

static void test_incident__required_fields(void **state)
{
    fixture *f = *state;
    char id[32];
    assert_int_equal(put(f->db, "", "ev-1", "1", "", 1, "{}", id), OT_EINVAL);
    assert_int_equal(put(f->db, "trail-restore", "", "1", "", 1, "{}", id), OT_EINVAL);
    assert_int_equal(put(f->db, "trail-restore", "ev-1", "1", "", 1, NULL, id), OT_EINVAL);
    ot_incident got;
    assert_int_equal(ot_incident_get(f->db, "INC-20261203-00000000", &got), OT_ENOTFOUND);
}

static void test_incident__given_id_and_now(void **state)
{
    fixture *f = *state;
    ot_incident inc = {.json = "{}"};
    snprintf(inc.id, sizeof inc.id, "INC-20200101-deadbeef");
    snprintf(inc.runbook, sizeof inc.runbook, "trail-restore");
    snprintf(inc.trigger_event_id, sizeof inc.trigger_event_id, "ev-9");
    assert_int_equal(ot_incident_put(f->db, &inc), 0);
    assert_string_equal(inc.id, "INC-20200101-deadbeef");
    assert_true(inc.created_ms > 1700000000000); /* 0 became the current time */
    ot_incident got;
    assert_int_equal(ot_incident_get(f->db, "INC-20200101-deadbeef", &got), 0);
    assert_int_equal(got.created_ms, inc.created_ms);
    ot_incident_free(&got);
}

static void test_incident__update(void **state)
{
    fixture *f = *state;
    char id[32];
    assert_int_equal(put(f->db, "trail-restore", "ev-1", "1", "alice", 1000, "{\"a\":1}", id), 0);
    assert_int_equal(ot_incident_update(f->db, id, "{\"a\":2,\"status\":\"restored\"}"), 0);
    ot_incident got;
    assert_int_equal(ot_incident_get(f->db, id, &got), 0);
    assert_string_equal(got.json, "{\"a\":2,\"status\":\"restored\"}");
    assert_string_equal(got.human, "alice");
    ot_incident_free(&got);
    assert_int_equal(ot_incident_update(f->db, "INC-20000101-00000000", "{}"), OT_ENOTFOUND);
}

static void test_incident__list_order_and_account(void **state)
{
    fixture *f = *state;
    char a[32], b[32], c[32], d[32];
    assert_int_equal(put(f->db, "trail-restore", "ev-a", "111111111111", "", 1000, "{}", a), 0);
    assert_int_equal(put(f->db, "trail-restore", "ev-b", "222222222222", "", 3000, "{}", b), 0);
    assert_int_equal(put(f->db, "trail-restore", "ev-c", "111111111111", "", 2000, "{}", c), 0);
    /* Same time as c, written later: listed before c. */
    assert_int_equal(put(f->db, "trail-restore", "ev-d", "111111111111", "", 2000, "{}", d), 0);

    ot_incident *list;
    size_t n;
    assert_int_equal(ot_incident_list(f->db, "", 10, &list, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(list[0].id, b);
    assert_string_equal(list[1].id, d);
    assert_string_equal(list[2].id, c);
    assert_string_equal(list[3].id, a);
    assert_null(list[0].json);
    ot_incident_list_free(list, n);

    assert_int_equal(ot_incident_list(f->db, "111111111111", 2, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, d);
    assert_string_equal(list[1].id, c);
    ot_incident_list_free(list, n);

    assert_int_equal(ot_incident_list(f->db, "333333333333", 10, &list, &n), 0);
    assert_int_equal(n, 0);
    ot_incident_list_free(list, n);
}

static void test_incident__prior(void **state)
{
    fixture *f = *state;
    char a1[32], a2[32], a3[32], b1[32], u1[32], u2[32];
    assert_int_equal(put(f->db, "trail-restore", "e1", "1", "alice", 1000, "{}", a1), 0);
    assert_int_equal(put(f->db, "bucket-policy-restore", "e2", "1", "alice", 2000, "{}", a2), 0);
    assert_int_equal(put(f->db, "trail-restore", "e3", "1", "alice", 3000, "{}", a3), 0);
    assert_int_equal(put(f->db, "trail-restore", "e4", "1", "bob", 1500, "{}", b1), 0);
    assert_int_equal(put(f->db, "trail-restore", "e5", "1", "", 500, "{}", u1), 0);
    assert_int_equal(put(f->db, "trail-restore", "e6", "1", "", 600, "{}", u2), 0);

    ot_incident *list;
    size_t n;
    assert_int_equal(ot_incident_prior(f->db, "alice", 3000, 10, &list, &n), 0);
    assert_int_equal(n, 2); /* not the one at 3000 itself, not bob's */
    assert_string_equal(list[0].id, a2);
    assert_string_equal(list[1].id, a1);
    ot_incident_list_free(list, n);

    assert_int_equal(ot_incident_prior(f->db, "alice", 3000, 1, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, a2);
    ot_incident_list_free(list, n);

    /* Unresolved incidents are not one person's history. */
    assert_int_equal(ot_incident_prior(f->db, "", 10000, 10, &list, &n), 0);
    assert_int_equal(n, 0);
    ot_incident_list_free(list, n);
}

static void test_incident__reopen_and_read_only(void **state)
{
    fixture *f = *state;
    char id[32];
    assert_int_equal(put(f->db, "trail-restore", "ev-1", "1", "alice", 1000, "{\"k\":1}", id), 0);

    /* A reader while the writer is open (the CLI while the server runs). */
    ot_incident_db *ro;
    assert_int_equal(ot_incident_db_open_readonly(f->path, &ro), 0);
    ot_incident got;
    assert_int_equal(ot_incident_get(ro, id, &got), 0);
    assert_string_equal(got.json, "{\"k\":1}");
    ot_incident_free(&got);
    char id2[32];
    assert_int_equal(put(ro, "trail-restore", "ev-2", "1", "", 1, "{}", id2), OT_EINVAL);
    assert_int_equal(ot_incident_update(ro, id, "{}"), OT_EINVAL);
    ot_incident_db_close(ro);

    ot_incident_db_close(f->db);
    assert_int_equal(ot_incident_db_open(f->path, &f->db), 0);
    assert_int_equal(put(f->db, "trail-restore", "ev-1", "1", "alice", 5, "{}", id2), OT_EEXIST);
    assert_string_equal(id2, id);

    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.db", f->dir);
    assert_int_equal(ot_incident_db_open_readonly(missing, &ro), OT_ENOTFOUND);
    assert_null(ro);
}


/* ---- Markdown ---- */

static const char FULL[] =
    "{\"id\":\"INC-20261203-1a2b3c4d\",\"runbook\":\"trail-restore\",\"status\":\"restored\","
    "\"title\":\"CloudTrail logging restarted for main\",\"createdAt\":\"2026-12-03T10:00:01Z\","
    "\"trigger\":{\"eventID\":\"ev-stop\",\"eventName\":\"StopLogging\","
    "\"eventTime\":\"2026-12-03T10:00:00Z\",\"eventSource\":\"cloudtrail.amazonaws.com\","
    "\"awsRegion\":\"us-east-1\",\"recipientAccountId\":\"111122223333\"},"
    "\"actor\":{\"type\":\"AssumedRole\",\"arn\":\"arn:aws:sts::111122223333:assumed-role/RoleB/hop-b\","
    "\"principalId\":\"AROAEXAMPLE:hop-b\",\"accessKeyId\":\"ASIAB\",\"userName\":\"RoleB\","
    "\"mfaAuthenticated\":false,\"sessionCreationDate\":\"2026-12-03T09:30:00Z\","
    "\"sourceIPAddress\":\"203.0.113.5\",\"userAgent\":\"aws-cli/2.15.0\","
    "\"human\":{\"name\":\"erin\",\"how\":\"assume-role\",\"provider\":\"\",\"chain\":["
    "{\"eventID\":\"ev-b\",\"eventName\":\"AssumeRole\",\"eventTime\":\"2026-12-03T09:30:00Z\","
    "\"arn\":\"arn:aws:sts::111122223333:assumed-role/RoleB/hop-b\",\"accessKeyId\":\"ASIAB\","
    "\"callerType\":\"IAMUser\",\"callerArn\":\"arn:aws:iam::111122223333:user/erin\"}]}},"
    "\"resource\":{\"type\":\"AWS::CloudTrail::Trail\","
    "\"arn\":\"arn:aws:cloudtrail:us-east-1:111122223333:trail/main\",\"name\":\"main\"},"
    "\"change\":\"StopLogging: logging stopped\","
    "\"action\":{\"taken\":\"StartLogging\",\"result\":\"succeeded\",\"before\":\"IsLogging=false\","
    "\"after\":{\"IsLogging\":true},\"eventID\":\"ev-start\",\"dryRun\":false},"
    "\"window\":{\"start\":\"2026-12-03T10:00:00Z\",\"end\":\"2026-12-03T10:00:01Z\",\"seconds\":0.412,"
    "\"events\":[{\"eventID\":\"ev-w1\",\"eventTime\":\"2026-12-03T10:00:00Z\","
    "\"eventName\":\"DeleteBucket\",\"eventSource\":\"s3.amazonaws.com\",\"username\":\"hop-b\"}],"
    "\"eventsTotal\":3},"
    "\"prior\":[{\"id\":\"INC-20261101-00000001\",\"runbook\":\"trail-restore\","
    "\"createdAt\":\"2026-11-01T08:00:00Z\",\"status\":\"restored\"}],"
    "\"notifications\":[{\"type\":\"sns\",\"target\":\"arn:aws:sns:us-east-1:111122223333:alerts\","
    "\"messageId\":\"m-1\"},{\"type\":\"webhook\",\"target\":\"http://127.0.0.1:9/hook\","
    "\"error\":\"connection refused\"}],"
    "\"details\":{\"note\":\"``` fenced\"}}";

static char *markdown(const char *json)
{
    char *md = NULL;
    assert_int_equal(ot_incident_markdown(json, strlen(json), &md), 0);
    assert_non_null(md);
    return md;
}

static void assert_has(const char *md, const char *want)
{
    if (!strstr(md, want))
        fail_msg("missing %s in:\n%s", want, md);
}

static void test_incident__markdown_full(void **state)
{
    (void)state;
    char *md = markdown(FULL);
    assert_has(md, "# INC-20261203-1a2b3c4d: CloudTrail logging restarted for main\n");
    assert_has(md, "**Status:** restored · **Runbook:** trail-restore · **Created:** "
                   "2026-12-03T10:00:01Z\n");
    assert_has(md, "- **Human:** erin (assume-role)\n");
    assert_has(md, "  1. AssumeRole at 2026-12-03T09:30:00Z by IAMUser "
                   "arn:aws:iam::111122223333:user/erin issued "
                   "arn:aws:sts::111122223333:assumed-role/RoleB/hop-b (key ASIAB), event ev-b\n");
    assert_has(md, "- **Principal:** arn:aws:sts::111122223333:assumed-role/RoleB/hop-b\n");
    assert_has(md, "- **MFA:** false\n");
    assert_has(md, "- **Source IP:** 203.0.113.5\n");
    assert_has(md, "- **User agent:** aws-cli/2.15.0\n");
    assert_has(md, "- **Event:** StopLogging\n");
    assert_has(md, "- **Resource:** main\n");
    assert_has(md, "- **Change:** StopLogging: logging stopped\n");
    assert_has(md, "- **Action:** StartLogging\n- **Result:** succeeded\n");
    assert_has(md, "- **After:** {\"IsLogging\":true}\n");
    assert_has(md, "- **Seconds:** 0.412\n");
    assert_has(md, "| 2026-12-03T10:00:00Z | DeleteBucket | s3.amazonaws.com | hop-b | ev-w1 |\n");
    assert_has(md, "3 events in all; 1 shown.");
    assert_has(md, "- INC-20261101-00000001: trail-restore, 2026-11-01T08:00:00Z, restored\n");
    assert_has(md, "- sns to arn:aws:sns:us-east-1:111122223333:alerts: message id m-1\n");
    assert_has(md, "- webhook to http://127.0.0.1:9/hook: failed: connection refused\n");
    assert_has(md, "````json\n{\"note\":\"``` fenced\"}\n````\n");
    assert_null(strstr(md, "Dry run"));
    free(md);
}

static void test_incident__markdown_minimal(void **state)
{
    (void)state;
    char *md = markdown("{\"id\":\"INC-1\",\"runbook\":\"instance-login\",\"status\":\"open\","
                        "\"trigger\":{\"eventName\":\"SendSSHPublicKey\"},"
                        "\"action\":{\"taken\":\"none\",\"dryRun\":true},\"prior\":[],"
                        "\"window\":{\"start\":\"a\",\"events\":[]}}");
    assert_has(md, "# INC-1: instance-login after SendSSHPublicKey\n");
    assert_has(md, "- **Human:** not resolved\n");
    assert_has(md, "**Dry run:** the runbook changed nothing.");
    assert_has(md, "No events were recorded in the window.");
    assert_has(md, "## Prior incidents for this human\n\nNone.\n");
    assert_has(md, "## Notifications\n\nNone sent.\n");
    assert_null(strstr(md, "Role chain"));
    assert_null(strstr(md, "## Details"));
    free(md);

    md = markdown("{}");
    assert_has(md, "# Incident: runbook after an event\n");
    assert_has(md, "## What changed\n\nNot recorded.\n");
    assert_has(md, "Nothing yet.");
    free(md);
}

static void test_incident__markdown_escapes(void **state)
{
    (void)state;
    char *md = markdown("{\"id\":\"INC-2\",\"actor\":{\"userAgent\":"
                        "\"[click](http://evil.example) <img src=x>\\n# Pwned | *x* `c`\","
                        "\"human\":{\"name\":\"a_b\\u0007\"}}}");
    assert_has(md, "- **User agent:** \\[click\\](http://evil.example) \\<img src=x\\> "
                   "# Pwned \\| \\*x\\* \\`c\\`\n");
    assert_has(md, "- **Human:** a\\_b  (unresolved)\n");
    assert_null(strstr(md, "\n# Pwned"));
    free(md);

    char *out = (char *)1;
    assert_int_equal(ot_incident_markdown("[1]", 3, &out), OT_EINVAL);
    assert_null(out);
    assert_int_equal(ot_incident_markdown("{\"id\":", 6, &out), OT_EINVAL);
    assert_int_equal(ot_incident_markdown("", 0, &out), OT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incident__id_and_unique_trigger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident__required_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident__given_id_and_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident__update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident__list_order_and_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident__prior, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incident__reopen_and_read_only, setup, teardown),
        cmocka_unit_test(test_incident__markdown_full),
        cmocka_unit_test(test_incident__markdown_minimal),
        cmocka_unit_test(test_incident__markdown_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
