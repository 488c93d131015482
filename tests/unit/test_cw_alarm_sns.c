/* test_cw_alarm_sns.c — an alarm's state change reaching an SNS subscriber: the daemon's action
 * callback (daemon/alarm_actions.c) publishes the alarm's subject and JSON message to the
 * action's topic, whose `file` subscription receives it; a deleted topic and an ARN that is no
 * topic are final failures, recorded in the alarm's history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "otest.h"

#include "api/api.h"
#include "cw/cw.h"
#include "daemon/alarm_actions.h"
#include "sns/sns.h"
#include "util/err.h"

#define ACCOUNT "123456789012"
#define TOPIC "arn:aws:sns:us-east-1:" ACCOUNT ":alerts"
#define GONE "arn:aws:sns:us-east-1:" ACCOUNT ":deleted"
#define EC2_STOP "arn:aws:automate:us-east-1:ec2:stop"

static const ot_cw_scope A = {ACCOUNT, "us-east-1"};

static void wait_delivered(ot_sns *sns, const char *sub_arn)
{
    ot_sns_sub s;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ot_sns_sub_get(sns, sub_arn, &s), OT_OK);
        if (!s.backlog && s.delivered > 0)
            return;
        usleep(10000);
    }
    fail_msg("not delivered");
}

static void test_cw__alarm_publishes_to_topic(void **state)
{
    (void)state;
    char dir[64], path[128], dbpath[128];
    otest_tmpdir(dir, sizeof dir, "cwsns");
    ot_sns_opts so = {.data_dir = dir, .public_url = "http://127.0.0.1:4590", .no_fsync = true};
    ot_api srv;
    memset(&srv, 0, sizeof srv);
    assert_int_equal(ot_sns_open(&so, &srv.sns), 0);
    ot_sns_topic t = {.arn = TOPIC, .account_id = ACCOUNT, .region = "us-east-1",
                      .name = "alerts"};
    bool existed;
    assert_int_equal(ot_sns_topic_create(srv.sns, &t, NULL, 0, NULL, 0, &existed), 0);
    ot_sns_sub sub = {.topic_arn = TOPIC, .owner = ACCOUNT, .protocol = "file",
                      .endpoint = "alarms.jsonl"};
    assert_int_equal(ot_sns_sub_create(srv.sns, &sub), 0);

    snprintf(dbpath, sizeof dbpath, "%s/cloudwatch.db", dir);
    ot_cw_opts co = {.path = dbpath, .no_thread = true, .action = ot_alarm_action,
                     .action_ctx = &srv};
    ot_cw *cw;
    assert_int_equal(ot_cw_open(&co, &cw), 0);
    ot_cw_alarm a = {.name = "trail-stopped", .actions_enabled = true, .namespace_ = "CIS",
                     .metric_name = "StopLogging", .statistic = "Sum", .period_s = 300,
                     .evaluation_periods = 1, .threshold = 1,
                     .comparison = "GreaterThanOrEqualToThreshold"};
    a.alarm_actions[0] = TOPIC;
    a.alarm_actions[1] = GONE;
    a.alarm_actions[2] = EC2_STOP;
    a.n_alarm_actions = 3;
    int64_t now = 1760000000000LL;
    assert_int_equal(ot_cw_alarm_put(cw, &A, &a, now), 0);
    assert_int_equal(ot_cw_alarm_set_state(cw, &A, "trail-stopped", OT_CW_ALARM, "test", NULL,
                                           now), 0);
    assert_int_equal(ot_cw_run_actions(cw, now), 0);

    wait_delivered(srv.sns, sub.arn);
    snprintf(path, sizeof path, "%s/sns/alarms.jsonl", dir);
    char *text = otest_read_file(path, NULL);
    assert_non_null(
        strstr(text, "\"Subject\":\"ALARM: \\\"trail-stopped\\\" in US East (N. Virginia)\""));
    assert_non_null(strstr(text, "\\\"AlarmName\\\":\\\"trail-stopped\\\""));
    assert_non_null(strstr(text, "\\\"NewStateValue\\\":\\\"ALARM\\\""));
    free(text);

    ot_cw_history_query q = {.item_type = "Action", .oldest_first = true};
    ot_cw_history *h;
    size_t n;
    assert_int_equal(ot_cw_history_list(cw, &A, &q, &h, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(h[0].summary, "Successfully executed action " TOPIC);
    assert_string_equal(h[1].summary, "Failed to execute action " GONE);
    assert_string_equal(h[2].summary, "Failed to execute action " EC2_STOP);
    ot_cw_history_free(h, n);

    ot_cw_close(cw);
    ot_sns_close(srv.sns);
    otest_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cw__alarm_publishes_to_topic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
