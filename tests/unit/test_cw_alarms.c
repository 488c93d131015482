/* test_cw_alarms.c — alarms in the store: put (create keeps INSUFFICIENT_DATA, replace keeps the
 * state), describe filters and paging, delete (all or nothing), scoping, history items,
 * SetAlarmState's pending actions (one per ARN of the new state, none while the state
 * persists, retried on OT_EAGAIN, recorded when failed), evaluation on time over aligned
 * periods, the alarm JSON message parsed back, and state surviving close + reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otest.h"

#include "cw/cw_int.h"
#include "cw_fixture.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/metrics.h"

#define TOPIC1 "arn:aws:sns:us-east-1:123456789012:alerts"
#define TOPIC2 "arn:aws:sns:us-east-1:123456789012:pager"
#define TOPIC_OK "arn:aws:sns:us-east-1:123456789012:recovered"

/* An alarm on App/Errors{Host=a}: Sum >= 1 over 1 period of 5 minutes. */
static ot_cw_alarm errors_alarm(const char *name)
{
    static ot_cw_dim dims[1];
    dims[0] = (ot_cw_dim){"Host", "a"};
    ot_cw_alarm a = {.name = (char *)name, .actions_enabled = true, .namespace_ = "App",
                     .metric_name = "Errors", .statistic = "Sum", .period_s = 300,
                     .evaluation_periods = 1, .threshold = 1,
                     .comparison = "GreaterThanOrEqualToThreshold"};
    a.dims[0] = dims[0];
    a.ndims = 1;
    a.alarm_actions[0] = TOPIC1;
    a.alarm_actions[1] = TOPIC2;
    a.n_alarm_actions = 2;
    a.ok_actions[0] = TOPIC_OK;
    a.n_ok_actions = 1;
    return a;
}

static ot_cw_alarm get_alarm(fixture *f, const ot_cw_scope *s, const char *name)
{
    const char *names[] = {name};
    ot_cw_alarm_query q = {.names = names, .n_names = 1};
    ot_cw_alarm *rows;
    size_t n;
    assert_int_equal(ot_cw_alarms_list(f->cw, s, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    ot_cw_alarm a = rows[0];
    free(rows);
    return a;
}

static void test_cw__put_and_describe(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("errors");
    a.description = "too many errors";
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    ot_cw_alarm got = get_alarm(f, &A, "errors");
    assert_string_equal(got.arn, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors");
    assert_string_equal(got.description, "too many errors");
    assert_int_equal(got.state, OT_CW_INSUFFICIENT_DATA);
    assert_string_equal(got.state_reason, "Unchecked: Initial alarm creation");
    assert_int_equal(got.n_alarm_actions, 2);
    assert_string_equal(got.alarm_actions[1], TOPIC2);
    assert_int_equal(got.ndims, 1);
    assert_string_equal(got.dims[0].value, "a");
    assert_int_equal(got.period_s, 300);
    assert_true(got.threshold == 1);
    assert_null(got.treat_missing);
    assert_int_equal(got.config_updated_ms, T0);
    cw_alarm_clear(&got);
    /* replacing keeps the state, changes the definition */
    assert_int_equal(
        ot_cw_alarm_set_state(f->cw, &A, "errors", OT_CW_ALARM, "test", NULL, T0 + 1), 0);
    a.threshold = 5;
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0 + 2), 0);
    got = get_alarm(f, &A, "errors");
    assert_int_equal(got.state, OT_CW_ALARM);
    assert_true(got.threshold == 5);
    assert_int_equal(got.config_updated_ms, T0 + 2);
    assert_int_equal(got.state_transitioned_ms, T0 + 1);
    cw_alarm_clear(&got);
}

static void test_cw__put_rejects_bad_definitions(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("bad");
    a.statistic = "p99";
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), OT_EINVAL);
    a = errors_alarm("bad");
    a.comparison = "LessThanLowerThreshold";
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), OT_EINVAL);
    a = errors_alarm("bad");
    a.treat_missing = "sometimes";
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), OT_EINVAL);
    a = errors_alarm("bad");
    a.datapoints_to_alarm = 2; /* more than EvaluationPeriods */
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), OT_EINVAL);
    a = errors_alarm("");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), OT_EINVAL);
}

static void test_cw__describe_filters(void **state)
{
    fixture *f = *state;
    const char *names[] = {"app-errors", "app-latency", "db-errors"};
    for (int i = 0; i < 3; i++) {
        ot_cw_alarm a = errors_alarm(names[i]);
        if (i == 2) {
            a.metric_name = "DbErrors";
            a.n_alarm_actions = 0;
        }
        assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    }
    assert_int_equal(
        ot_cw_alarm_set_state(f->cw, &A, "app-latency", OT_CW_OK, "test", NULL, T0), 0);
    ot_cw_alarm *rows;
    size_t n;
    ot_cw_alarm_query q = {.name_prefix = "app-"};
    assert_int_equal(ot_cw_alarms_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].name, "app-errors");
    ot_cw_alarms_free(rows, n);
    ot_cw_state ok = OT_CW_OK;
    q = (ot_cw_alarm_query){.state = &ok};
    assert_int_equal(ot_cw_alarms_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "app-latency");
    ot_cw_alarms_free(rows, n);
    q = (ot_cw_alarm_query){.action_prefix = "arn:aws:sns:us-east-1:123456789012:pa"};
    assert_int_equal(ot_cw_alarms_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 2); /* db-errors has no alarm actions */
    ot_cw_alarms_free(rows, n);
    ot_cw_dim host[] = {{"Host", "a"}};
    ot_cw_metric m = {"App", "DbErrors", host, 1};
    q = (ot_cw_alarm_query){.metric = &m};
    assert_int_equal(ot_cw_alarms_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "db-errors");
    ot_cw_alarms_free(rows, n);
    q = (ot_cw_alarm_query){.offset = 1, .limit = 1};
    assert_int_equal(ot_cw_alarms_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "app-latency");
    ot_cw_alarms_free(rows, n);
}

static void test_cw__alarms_scoped(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("mine");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    ot_cw_alarm_query q = {0};
    ot_cw_alarm *rows;
    size_t n;
    assert_int_equal(ot_cw_alarms_list(f->cw, &B, &q, &rows, &n), 0);
    assert_int_equal(n, 0);
    free(rows);
    assert_int_equal(ot_cw_alarms_list(f->cw, &A2, &q, &rows, &n), 0);
    assert_int_equal(n, 0);
    free(rows);
    const char *names[] = {"mine"};
    assert_int_equal(ot_cw_alarms_delete(f->cw, &B, names, 1), OT_ENOTFOUND);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &B, "mine", OT_CW_ALARM, "x", NULL, T0),
                     OT_ENOTFOUND);
    ot_cw_history_query hq = {0};
    ot_cw_history *h;
    assert_int_equal(ot_cw_history_list(f->cw, &B, &hq, &h, &n), 0);
    assert_int_equal(n, 0);
    free(h);
    /* B's alarm of the same name is another alarm */
    assert_int_equal(ot_cw_alarm_put(f->cw, &B, &a, T0), 0);
    ot_cw_alarm got = get_alarm(f, &B, "mine");
    assert_string_equal(got.arn, "arn:aws:cloudwatch:us-east-1:999999999999:alarm:mine");
    cw_alarm_clear(&got);
}

static void test_cw__delete_all_or_nothing(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("one");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    a = errors_alarm("two");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    const char *some_missing[] = {"one", "nope"};
    assert_int_equal(ot_cw_alarms_delete(f->cw, &A, some_missing, 2), OT_ENOTFOUND);
    ot_cw_alarm_query q = {0};
    ot_cw_alarm *rows;
    size_t n;
    assert_int_equal(ot_cw_alarms_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 2);
    ot_cw_alarms_free(rows, n);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "one", OT_CW_ALARM, "x", NULL, T0), 0);
    const char *both[] = {"one", "two"};
    assert_int_equal(ot_cw_alarms_delete(f->cw, &A, both, 2), 0);
    assert_int_equal(ot_cw_alarms_list(f->cw, &A, &q, &rows, &n), 0);
    assert_int_equal(n, 0);
    free(rows);
    ot_cw_history_query hq = {0};
    ot_cw_history *h;
    assert_int_equal(ot_cw_history_list(f->cw, &A, &hq, &h, &n), 0);
    assert_int_equal(n, 0); /* history went with them */
    free(h);
    assert_int_equal(ot_cw_run_actions(f->cw, T0), 0);
    assert_int_equal(f->ncalls, 0); /* and so did the pending actions */
}

static void test_cw__history_items(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("h");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0 + 1000), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "h", OT_CW_ALARM, "by hand",
                                           "{\"why\":\"test\"}", T0 + 2000), 0);
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 3000), 0);
    ot_cw_history_query q = {.alarm_name = "h"};
    ot_cw_history *h;
    size_t n;
    assert_int_equal(ot_cw_history_list(f->cw, &A, &q, &h, &n), 0);
    assert_int_equal(n, 5); /* created, updated, state, 2 actions; newest first */
    assert_string_equal(h[0].item_type, "Action");
    assert_string_equal(h[0].summary, "Successfully executed action " TOPIC2);
    assert_string_equal(h[2].item_type, "StateUpdate");
    assert_string_equal(h[2].summary, "Alarm updated from INSUFFICIENT_DATA to ALARM");
    assert_non_null(strstr(h[2].data, "\"newState\":{\"stateValue\":\"ALARM\","
                                      "\"stateReason\":\"by hand\","
                                      "\"stateReasonData\":{\"why\":\"test\"}}"));
    assert_string_equal(h[3].summary, "Alarm \"h\" updated");
    assert_string_equal(h[4].summary, "Alarm \"h\" created");
    assert_string_equal(h[4].alarm_type, "MetricAlarm");
    assert_non_null(strstr(h[4].data, "\"type\":\"Create\""));
    assert_int_equal(h[4].ts_ms, T0);
    ot_cw_history_free(h, n);
    q = (ot_cw_history_query){.item_type = "ConfigurationUpdate", .oldest_first = true};
    assert_int_equal(ot_cw_history_list(f->cw, &A, &q, &h, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].summary, "Alarm \"h\" created");
    ot_cw_history_free(h, n);
    q = (ot_cw_history_query){.start_ms = T0 + 1000, .end_ms = T0 + 2000};
    assert_int_equal(ot_cw_history_list(f->cw, &A, &q, &h, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].summary, "Alarm \"h\" updated");
    ot_cw_history_free(h, n);
    /* StateReasonData must be a JSON object */
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "h", OT_CW_OK, "x", "{not json", T0),
                     OT_EINVAL);
}

static void test_cw__set_state_one_action_per_arn(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("s");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "s", OT_CW_ALARM, "by hand", NULL, T0), 0);
    assert_int_equal(ot_cw_run_actions(f->cw, T0), 0);
    assert_int_equal(f->ncalls, 2);
    assert_string_equal(f->calls[0].arn, TOPIC1);
    assert_string_equal(f->calls[1].arn, TOPIC2);
    assert_string_equal(f->calls[0].subject, "ALARM: \"s\" in US East (N. Virginia)");
    /* done: not run again */
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 60000), 0);
    assert_int_equal(f->ncalls, 2);
    /* the same state again runs nothing */
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "s", OT_CW_ALARM, "again", NULL, T0 + 1), 0);
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 120000), 0);
    assert_int_equal(f->ncalls, 2);
    /* to OK: the one OK action */
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "s", OT_CW_OK, "fine", NULL, T0 + 2), 0);
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 180000), 0);
    assert_int_equal(f->ncalls, 3);
    assert_string_equal(f->calls[2].arn, TOPIC_OK);
    assert_string_equal(f->calls[2].subject, "OK: \"s\" in US East (N. Virginia)");
    /* disabled actions: the change is recorded, nothing is run */
    const char *names[] = {"s"};
    assert_int_equal(ot_cw_alarms_set_actions(f->cw, &A, names, 1, false), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "s", OT_CW_ALARM, "off", NULL, T0 + 3), 0);
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 240000), 0);
    assert_int_equal(f->ncalls, 3);
    ot_cw_alarm got = get_alarm(f, &A, "s");
    assert_false(got.actions_enabled);
    assert_int_equal(got.state, OT_CW_ALARM);
    cw_alarm_clear(&got);
}

static void test_cw__actions_retried_then_done(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("r");
    a.n_alarm_actions = 1;
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "r", OT_CW_ALARM, "x", NULL, T0), 0);
    f->answer = OT_EAGAIN;
    assert_int_equal(ot_cw_run_actions(f->cw, T0), 0);
    assert_int_equal(f->ncalls, 1);
    assert_int_equal(ot_cw_run_actions(f->cw, T0), 0); /* not due yet: backoff */
    assert_int_equal(f->ncalls, 1);
    /* a retry survives close + reopen */
    ot_cw_close(f->cw);
    fixture_open(f);
    f->answer = OT_OK;
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 3600 * 1000LL), 0);
    assert_int_equal(f->ncalls, 2);
    assert_string_equal(f->calls[1].arn, TOPIC1);
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 7200 * 1000LL), 0);
    assert_int_equal(f->ncalls, 2);
}

static void test_cw__failed_action_recorded(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("fail");
    a.n_alarm_actions = 1;
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "fail", OT_CW_ALARM, "x", NULL, T0), 0);
    f->answer = OT_ENOTFOUND; /* e.g. the topic is gone */
    assert_int_equal(ot_cw_run_actions(f->cw, T0), 0);
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 3600 * 1000LL), 0);
    assert_int_equal(f->ncalls, 1); /* given up, not retried */
    ot_cw_history_query q = {.item_type = "Action"};
    ot_cw_history *h;
    size_t n;
    assert_int_equal(ot_cw_history_list(f->cw, &A, &q, &h, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].summary, "Failed to execute action " TOPIC1);
    assert_non_null(strstr(h[0].data, "\"actionState\":\"Failed\""));
    ot_cw_history_free(h, n);
}

static void test_cw__other_accounts_topics_refused(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("cross");
    a.alarm_actions[0] = "arn:aws:sns:us-east-1:999999999999:theirs"; /* B's topic */
    a.alarm_actions[1] = "arn:aws:sns:eu-west-1:123456789012:elsewhere"; /* another region */
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "cross", OT_CW_ALARM, "x", NULL, T0), 0);
    assert_int_equal(ot_cw_run_actions(f->cw, T0), 0);
    assert_int_equal(f->ncalls, 0); /* never handed to the publisher */
    ot_cw_history_query q = {.item_type = "Action", .oldest_first = true};
    ot_cw_history *h;
    size_t n;
    assert_int_equal(ot_cw_history_list(f->cw, &A, &q, &h, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].summary,
                        "Failed to execute action arn:aws:sns:us-east-1:999999999999:theirs");
    ot_cw_history_free(h, n);
}

static void test_cw__evaluation_on_time(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("live");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    ot_cw_dim host[] = {{"Host", "a"}};
    /* one error at T0 + 9 min 30 s */
    assert_int_equal(put_value(f->cw, &A, "Errors", host, 1, T0 + 9 * MIN_MS + 30000, 1, NULL), 0);
    /* at T0 + 9:59 the window ends at 9:00: the point is not in it yet, no data at all */
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 10 * MIN_MS - 1000), 0);
    ot_cw_alarm got = get_alarm(f, &A, "live");
    assert_int_equal(got.state, OT_CW_INSUFFICIENT_DATA);
    cw_alarm_clear(&got);
    assert_int_equal(f->ncalls, 0);
    /* at T0 + 14:03 the window is [9:00, 14:00): ALARM, and the two actions run */
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 14 * MIN_MS + 3383), 0);
    got = get_alarm(f, &A, "live");
    assert_int_equal(got.state, OT_CW_ALARM);
    assert_int_equal(got.state_transitioned_ms, T0 + 14 * MIN_MS + 3383);
    assert_non_null(strstr(got.state_reason, "Threshold Crossed: 1 datapoint [1.0 ("));
    assert_non_null(strstr(got.state_reason,
                           ")] was greater than or equal to the threshold (1.0)."));
    assert_non_null(strstr(got.state_reason_data, "\"statistic\":\"Sum\",\"period\":300,"
                                                  "\"recentDatapoints\":[1.0],\"threshold\":1.0,"));
    cw_alarm_clear(&got);
    assert_int_equal(f->ncalls, 2);
    /* a minute later, same state: nothing new runs */
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 15 * MIN_MS + 3000), 0);
    assert_int_equal(f->ncalls, 2);
    /* a zero for the next periods turns it OK */
    assert_int_equal(put_value(f->cw, &A, "Errors", host, 1, T0 + 16 * MIN_MS, 0, NULL), 0);
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 21 * MIN_MS), 0);
    got = get_alarm(f, &A, "live");
    assert_int_equal(got.state, OT_CW_OK);
    assert_non_null(strstr(got.state_reason, "was not greater than or equal to the threshold"));
    cw_alarm_clear(&got);
    assert_int_equal(f->ncalls, 3);
    assert_string_equal(f->calls[2].arn, TOPIC_OK);
}

static void test_cw__set_state_holds_until_the_window_moves(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("manual");
    a.n_alarm_actions = 0;
    a.n_ok_actions = 0;
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    /* no data: an evaluation says INSUFFICIENT_DATA; set ALARM by hand at 14:30 */
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "manual", OT_CW_ALARM, "drill", NULL,
                                           T0 + 14 * MIN_MS + 30000), 0);
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 14 * MIN_MS + 40000), 0);
    ot_cw_alarm got = get_alarm(f, &A, "manual");
    assert_int_equal(got.state, OT_CW_ALARM); /* same window: not evaluated away */
    cw_alarm_clear(&got);
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 15 * MIN_MS + 1000), 0);
    got = get_alarm(f, &A, "manual");
    assert_int_equal(got.state, OT_CW_INSUFFICIENT_DATA); /* the next minute's evaluation */
    assert_string_equal(got.state_reason, "Insufficient Data: 1 datapoint was unknown.");
    cw_alarm_clear(&got);
}

/* The value of one exposed series line ("name{labels} value"), or -1 when absent. */
static double series_value(const char *series)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_metrics_write(NULL, &b), 0);
    char needle[128];
    snprintf(needle, sizeof needle, "\n%s ", series); /* a sample line, not # HELP */
    const char *line = strstr(b.data, needle);
    double v = line ? strtod(line + strlen(needle), NULL) : -1;
    ot_buf_free(&b);
    return v;
}

static void test_cw__prometheus_series(void **state)
{
    fixture *f = *state;
    double ok0 = series_value("opentrail_alarm_actions_total{result=\"ok\"}");
    double failed0 = series_value("opentrail_alarm_actions_total{result=\"failed\"}");
    double points0 = series_value("opentrail_metric_datapoints_total");
    assert_true(ok0 >= 0 && failed0 >= 0 && points0 >= 0); /* there from the start */
    ot_cw_alarm a = errors_alarm("m1");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    a = errors_alarm("m2");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    ot_cw_dim host[] = {{"Host", "a"}};
    assert_int_equal(put_value(f->cw, &A, "Errors", host, 1, T0 + 9 * MIN_MS, 3, NULL), 0);
    assert_int_equal(put_value(f->cw, &A, "Other", NULL, 0, T0 + 9 * MIN_MS, 3, NULL), 0);
    assert_true(series_value("opentrail_metric_datapoints_total") == points0 + 2);
    f->answer = OT_EINVAL; /* the second of each alarm's two actions fails */
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 14 * MIN_MS), 0);
    assert_true(series_value("opentrail_alarms{state=\"ALARM\"}") == 2);
    assert_true(series_value("opentrail_alarms{state=\"INSUFFICIENT_DATA\"}") == 0);
    assert_true(series_value("opentrail_alarm_actions_total{result=\"failed\"}") ==
                failed0 + 4);
    assert_true(series_value("opentrail_alarm_actions_total{result=\"ok\"}") == ok0);
}

static void test_cw__alarm_message_json(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("msg");
    a.n_alarm_actions = 1;
    a.description = NULL;
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0 + 911), 0);
    ot_cw_dim host[] = {{"Host", "a"}};
    assert_int_equal(put_value(f->cw, &A, "Errors", host, 1, T0 + 9 * MIN_MS, 1, NULL), 0);
    assert_int_equal(ot_cw_evaluate(f->cw, T0 + 14 * MIN_MS + 3383), 0);
    assert_int_equal(f->ncalls, 1);
    const char *msg = f->calls[0].message;
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, v, trig, dims;
    char err[64];
    assert_int_equal(ot_json_parse(doc, msg, strlen(msg), false, &root, err, sizeof err), 0);
    const char *s;
    size_t len;
    static const char *const keys[] = {
        "AlarmName", "AlarmDescription", "AWSAccountId", "AlarmConfigurationUpdatedTimestamp",
        "NewStateValue", "NewStateReason", "StateChangeTime", "Region", "AlarmArn",
        "OldStateValue", "OKActions", "AlarmActions", "InsufficientDataActions", "Trigger"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_int_equal(ot_json_get(root, keys[i], &v), 0);
    assert_int_equal(ot_json_get(root, "AlarmDescription", &v), 0);
    assert_int_equal(ot_json_typeof(v), OT_JSON_NULL);
    assert_int_equal(ot_json_get_str(root, "AlarmName", &s, &len), 0);
    assert_string_equal(s, "msg");
    assert_int_equal(ot_json_get_str(root, "AWSAccountId", &s, &len), 0);
    assert_string_equal(s, "123456789012");
    assert_int_equal(ot_json_get_str(root, "NewStateValue", &s, &len), 0);
    assert_string_equal(s, "ALARM");
    assert_int_equal(ot_json_get_str(root, "OldStateValue", &s, &len), 0);
    assert_string_equal(s, "INSUFFICIENT_DATA");
    assert_int_equal(ot_json_get_str(root, "Region", &s, &len), 0);
    assert_string_equal(s, "US East (N. Virginia)");
    char want[32];
    cw_time_format(T0 + 14 * MIN_MS + 3383, want);
    assert_int_equal(ot_json_get_str(root, "StateChangeTime", &s, &len), 0);
    assert_string_equal(s, want);
    assert_int_equal(strlen(s), strlen("2022-03-13T16:14:03.383+0000"));
    assert_string_equal(s + 19, ".383+0000");
    assert_int_equal(ot_json_get_str(root, "AlarmConfigurationUpdatedTimestamp", &s, &len), 0);
    assert_string_equal(s + 19, ".911+0000");
    assert_int_equal(ot_json_get_str(root, "NewStateReason", &s, &len), 0);
    assert_non_null(strstr(s, "Threshold Crossed: 1 datapoint [1.0 ("));
    assert_int_equal(ot_json_get(root, "AlarmActions", &v), 0);
    assert_int_equal(ot_json_count(v), 1);
    assert_int_equal(ot_json_get(root, "Trigger", &trig), 0);
    assert_int_equal(ot_json_get_str(trig, "Statistic", &s, &len), 0);
    assert_string_equal(s, "SUM");
    assert_int_equal(ot_json_get_str(trig, "StatisticType", &s, &len), 0);
    assert_string_equal(s, "Statistic");
    assert_int_equal(ot_json_get(trig, "Unit", &v), 0);
    assert_int_equal(ot_json_typeof(v), OT_JSON_NULL);
    assert_int_equal(ot_json_get(trig, "Dimensions", &dims), 0);
    ot_json_iter it;
    ot_json d0;
    assert_int_equal(ot_json_array_iter(dims, &it), 0);
    assert_true(ot_json_array_next(&it, &d0));
    assert_int_equal(ot_json_get_str(d0, "name", &s, &len), 0);
    assert_string_equal(s, "Host");
    assert_int_equal(ot_json_get_str(d0, "value", &s, &len), 0);
    assert_string_equal(s, "a");
    int64_t period;
    assert_int_equal(ot_json_get(trig, "Period", &v), 0);
    assert_int_equal(ot_json_int64(v, &period), 0);
    assert_int_equal(period, 300);
    assert_non_null(strstr(msg, "\"Threshold\":1.0,")); /* as CloudWatch writes it */
    double thr;
    assert_int_equal(ot_json_get(trig, "Threshold", &v), 0);
    assert_int_equal(ot_json_double(v, &thr), 0);
    assert_true(thr == 1);
    assert_int_equal(ot_json_get_str(trig, "ComparisonOperator", &s, &len), 0);
    assert_string_equal(s, "GreaterThanOrEqualToThreshold");
    assert_int_equal(ot_json_get_str(trig, "TreatMissingData", &s, &len), 0);
    assert_string_equal(s, "missing");
    ot_json_doc_free(doc);
}

static void test_cw__subject_and_region_names(void **state)
{
    (void)state;
    ot_cw_alarm a = {.name = "x"};
    char subj[128];
    cw_message_subject(&a, OT_CW_INSUFFICIENT_DATA, "eu-west-1", subj, sizeof subj);
    assert_string_equal(subj, "INSUFFICIENT_DATA: \"x\" in Europe (Ireland)");
    cw_message_subject(&a, OT_CW_OK, "xx-new-9", subj, sizeof subj);
    assert_string_equal(subj, "OK: \"x\" in xx-new-9"); /* unknown: its code */
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    a.name = longname;
    cw_message_subject(&a, OT_CW_ALARM, "us-east-1", subj, sizeof subj);
    assert_int_equal(strlen(subj), 100); /* SNS's Subject limit */
}

static void test_cw__state_survives_reopen(void **state)
{
    fixture *f = *state;
    ot_cw_alarm a = errors_alarm("kept");
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "kept", OT_CW_ALARM, "x", NULL, T0 + 5), 0);
    ot_cw_close(f->cw); /* before its actions ran */
    fixture_open(f);
    ot_cw_alarm got = get_alarm(f, &A, "kept");
    assert_int_equal(got.state, OT_CW_ALARM);
    assert_string_equal(got.state_reason, "x");
    assert_int_equal(got.state_updated_ms, T0 + 5);
    cw_alarm_clear(&got);
    assert_int_equal(ot_cw_run_actions(f->cw, T0 + 10), 0);
    assert_int_equal(f->ncalls, 2); /* the change's actions still run */
}

static void test_cw__thread_runs_and_stops(void **state)
{
    fixture *f = *state;
    ot_cw_close(f->cw);
    ot_cw_opts o = {.path = f->path, .tick_ms = 20, .action = record_action, .action_ctx = f};
    assert_int_equal(ot_cw_open(&o, &f->cw), 0);
    ot_cw_alarm a = errors_alarm("t");
    a.n_alarm_actions = 1;
    assert_int_equal(ot_cw_alarm_put(f->cw, &A, &a, T0), 0);
    assert_int_equal(ot_cw_alarm_set_state(f->cw, &A, "t", OT_CW_ALARM, "x", NULL, T0), 0);
    ot_cw_close(f->cw); /* joins the thread, which may or may not have run the action */
    fixture_open(f);
    assert_int_equal(ot_cw_run_actions(f->cw, INT64_MAX / 2), 0);
    assert_true(f->ncalls >= 1); /* at least once, never lost */
    assert_string_equal(f->calls[0].arn, TOPIC1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cw__put_and_describe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__put_rejects_bad_definitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__describe_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__alarms_scoped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__delete_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__history_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__set_state_one_action_per_arn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__actions_retried_then_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__failed_action_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__other_accounts_topics_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__evaluation_on_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__set_state_holds_until_the_window_moves, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cw__prometheus_series, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__alarm_message_json, setup, teardown),
        cmocka_unit_test(test_cw__subject_and_region_names),
        cmocka_unit_test_setup_teardown(test_cw__state_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cw__thread_runs_and_stops, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
