/* api_cw_alarms.c — the metric alarm operations: PutMetricAlarm, DescribeAlarms,
 * DescribeAlarmsForMetric, DeleteAlarms, SetAlarmState, DescribeAlarmHistory and
 * Enable/DisableAlarmActions (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
 * API_PutMetricAlarm.html and the pages beside it). Alarms on one metric with a threshold;
 * metric math, anomaly detection, percentiles and composite alarms are refused or answered
 * empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cw_int.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

#define NAMES_MAX 100          /* AlarmNames */
#define ARN_MAX 1024
#define DESCRIBE_PAGE 50       /* DescribeAlarms' MaxRecords default */
#define HISTORY_PAGE 100
#define FOR_METRIC_MAX 1000    /* DescribeAlarmsForMetric answers them all, up to this */
#define PERIODS_SECONDS_MAX (7 * 86400) /* Period x EvaluationPeriods */

static const char *const COMPARISONS[] = {
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold", NULL};
static const char *const TREAT_MISSING[] = {"breaching", "notBreaching", "ignore", "missing",
                                            NULL};
static const char *const STATES[] = {"OK", "ALARM", "INSUFFICIENT_DATA", NULL};

/* ---- PutMetricAlarm ---- */

static bool read_actions(ot_cw_call *c, const char *key, char **out, size_t *n)
{
    const char *arns[OT_CW_ACTIONS_MAX];
    if (!ot_cwapi_strings(c, c->in, key, false, OT_CW_ACTIONS_MAX, ARN_MAX, arns, n))
        return false;
    for (size_t i = 0; i < *n; i++) {
        if (strncmp(arns[i], "arn:", 4))
            return ot_cwapi_fail(c, "InvalidParameterValue", "Invalid arn syntax: %s",
                                 arns[i]);
        out[i] = (char *)arns[i];
    }
    return true;
}

/* What this server does not evaluate: refused with a message saying so. */
static bool unsupported_kinds(ot_cw_call *c)
{
    static const char *const KEYS[] = {"Metrics", "ThresholdMetricId", "ExtendedStatistic",
                                       "EvaluationCriteria"};
    for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++)
        if (ot_cwd_get(c->in, KEYS[i]))
            return ot_cwapi_fail(c, "InvalidParameterValue",
                                 "The parameter %s is not supported by this server: alarms "
                                 "watch one metric's statistic against a threshold.", KEYS[i]);
    return true;
}

static bool read_evaluation(ot_cw_call *c, ot_cw_alarm *a)
{
    int64_t period, periods, to_alarm = 0;
    bool given;
    if (!ot_cwapi_int(c, c->in, "Period", true, 10, PERIODS_SECONDS_MAX, &period, NULL) ||
        !ot_cwapi_int(c, c->in, "EvaluationPeriods", true, 1, PERIODS_SECONDS_MAX / 10,
                      &periods, NULL) ||
        !ot_cwapi_int(c, c->in, "DatapointsToAlarm", false, 1, periods, &to_alarm, &given))
        return false;
    if (period != 10 && period != 30 && period % 60)
        return ot_cwapi_fail(c, "InvalidParameterValue",
                             "The parameter Period must be 10, 30 or a multiple of 60.");
    if (period * periods > PERIODS_SECONDS_MAX)
        return ot_cwapi_fail(c, "InvalidParameterCombination",
                             "The product of EvaluationPeriods and Period must not exceed "
                             "%d seconds.", PERIODS_SECONDS_MAX);
    a->period_s = (int)period;
    a->evaluation_periods = (int)periods;
    a->datapoints_to_alarm = given ? (int)to_alarm : 0;
    return true;
}

static bool read_alarm(ot_cw_call *c, ot_cw_alarm *a, ot_buf *tags)
{
    ot_cw_metric m;
    bool enabled = true;
    const char *s;
    if (!ot_cwapi_str(c, c->in, "AlarmName", true, 1, OT_CW_NAME_MAX, &s) ||
        !unsupported_kinds(c))
        return false;
    a->name = (char *)s;
    if (!ot_cwapi_str(c, c->in, "AlarmDescription", false, 0, 1024, &s))
        return false;
    a->description = (char *)s;
    if (!ot_cwapi_bool(c, c->in, "ActionsEnabled", &enabled, NULL) ||
        !read_actions(c, "OKActions", a->ok_actions, &a->n_ok_actions) ||
        !read_actions(c, "AlarmActions", a->alarm_actions, &a->n_alarm_actions) ||
        !read_actions(c, "InsufficientDataActions", a->insufficient_actions,
                      &a->n_insufficient_actions) ||
        !ot_cwapi_metric(c, c->in, true, &m, a->dims))
        return false;
    a->actions_enabled = enabled;
    a->namespace_ = (char *)m.namespace_;
    a->metric_name = (char *)m.name;
    a->ndims = m.ndims;
    const char *stat, *unit, *cmp, *treat;
    if (!ot_cwapi_enum(c, c->in, "Statistic", true, OT_CWAPI_STATISTICS, &stat) ||
        !ot_cwapi_enum(c, c->in, "Unit", false, OT_CWAPI_UNITS, &unit) ||
        !read_evaluation(c, a) || !ot_cwapi_num(c, c->in, "Threshold", true, &a->threshold, NULL) ||
        !ot_cwapi_enum(c, c->in, "ComparisonOperator", true, COMPARISONS, &cmp) ||
        !ot_cwapi_enum(c, c->in, "TreatMissingData", false, TREAT_MISSING, &treat) ||
        !ot_cwapi_read_tags(c, true, tags))
        return false;
    a->statistic = (char *)stat;
    a->unit = (char *)unit;
    a->comparison = (char *)cmp;
    a->treat_missing = (char *)treat;
    a->tags_json = tags->len > 2 ? tags->data : NULL;
    return true;
}

void ot_cwapi_put_metric_alarm(ot_cw_call *c)
{
    ot_cw_alarm a;
    memset(&a, 0, sizeof a);
    ot_buf tags;
    ot_buf_init(&tags, 64 << 10);
    ot_cw_alarm *old = NULL;
    bool ok = read_alarm(c, &a, &tags);
    int rc = ok ? ot_cwapi_alarm_get(c, a.name, &old) : OT_OK;
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
    } else if (ok) {
        if (old) /* CloudWatch ignores Tags when it updates an alarm */
            a.tags_json = old->tags_json;
        rc = ot_cw_alarm_put(c->cw, &c->scope, &a, ot_now_ms());
        if (rc)
            ot_cwapi_store_error(c, rc, "");
        else
            ot_cwapi_empty(c);
    }
    ot_cw_alarms_free(old, old ? 1 : 0);
    ot_buf_free(&tags);
}

/* ---- writing alarms ---- */

static void write_arns(ot_cww *w, const char *key, char *const *arns, size_t n)
{
    ot_cww_list(w, key);
    for (size_t i = 0; i < n; i++)
        ot_cww_str(w, NULL, arns[i]);
    ot_cww_end(w);
}

static void write_alarm(ot_cww *w, const ot_cw_alarm *a)
{
    ot_cww_map(w, NULL);
    ot_cww_str(w, "AlarmName", a->name);
    ot_cww_str(w, "AlarmArn", a->arn);
    ot_cww_str(w, "AlarmDescription", a->description);
    ot_cww_time(w, "AlarmConfigurationUpdatedTimestamp", a->config_updated_ms);
    ot_cww_bool(w, "ActionsEnabled", a->actions_enabled);
    write_arns(w, "OKActions", a->ok_actions, a->n_ok_actions);
    write_arns(w, "AlarmActions", a->alarm_actions, a->n_alarm_actions);
    write_arns(w, "InsufficientDataActions", a->insufficient_actions,
               a->n_insufficient_actions);
    ot_cww_str(w, "StateValue", ot_cw_state_name(a->state));
    ot_cww_str(w, "StateReason", a->state_reason);
    ot_cww_str(w, "StateReasonData", a->state_reason_data);
    ot_cww_time(w, "StateUpdatedTimestamp", a->state_updated_ms);
    ot_cww_str(w, "MetricName", a->metric_name);
    ot_cww_str(w, "Namespace", a->namespace_);
    ot_cww_str(w, "Statistic", a->statistic);
    ot_cww_list(w, "Dimensions");
    for (size_t i = 0; i < a->ndims; i++)
        ot_cwapi_write_dim(w, a->dims[i].name, a->dims[i].value);
    ot_cww_end(w);
    ot_cww_int(w, "Period", a->period_s);
    ot_cww_str(w, "Unit", a->unit);
    ot_cww_int(w, "EvaluationPeriods", a->evaluation_periods);
    if (a->datapoints_to_alarm)
        ot_cww_int(w, "DatapointsToAlarm", a->datapoints_to_alarm);
    ot_cww_num(w, "Threshold", a->threshold);
    ot_cww_str(w, "ComparisonOperator", a->comparison);
    ot_cww_str(w, "TreatMissingData", a->treat_missing);
    if (a->state_transitioned_ms)
        ot_cww_time(w, "StateTransitionedTimestamp", a->state_transitioned_ms);
    ot_cww_end(w);
}

static void answer_alarms(ot_cw_call *c, ot_cw_alarm *rows, size_t n, size_t page,
                          int64_t offset, bool composite_list)
{
    ot_cwapi_begin(c);
    if (composite_list) {
        ot_cww_list(&c->w, "CompositeAlarms");
        ot_cww_end(&c->w);
    }
    ot_cww_list(&c->w, "MetricAlarms");
    for (size_t i = 0; i < n && i < page; i++)
        write_alarm(&c->w, &rows[i]);
    ot_cww_end(&c->w);
    if (n > page)
        ot_cwapi_write_next_token(c, offset + (int64_t)page);
    ot_cwapi_end(c);
}

/* ---- DescribeAlarms ---- */

/* AlarmTypes / composite filters: whether metric alarms are asked for at all. */
static bool wants_metric_alarms(ot_cw_call *c, bool *wanted)
{
    const char *types[2], *child, *parent;
    size_t n;
    *wanted = true;
    if (!ot_cwapi_strings(c, c->in, "AlarmTypes", false, 2, 32, types, &n) ||
        !ot_cwapi_str(c, c->in, "ChildrenOfAlarmName", false, 1, OT_CW_NAME_MAX, &child) ||
        !ot_cwapi_str(c, c->in, "ParentsOfAlarmName", false, 1, OT_CW_NAME_MAX, &parent))
        return false;
    bool metric = !n;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(types[i], "MetricAlarm") && strcmp(types[i], "CompositeAlarm"))
            return ot_cwapi_fail(c, "InvalidParameterValue",
                                 "The parameter AlarmTypes must hold MetricAlarm or "
                                 "CompositeAlarm.");
        metric = metric || !strcmp(types[i], "MetricAlarm");
    }
    *wanted = metric && !child && !parent; /* no composite alarms here, so no relatives */
    return true;
}

void ot_cwapi_describe_alarms(ot_cw_call *c)
{
    const char *names[NAMES_MAX], *state_name;
    ot_cw_state state;
    int64_t page = DESCRIBE_PAGE;
    bool wanted;
    ot_cw_alarm_query q = {.names = names};
    if (!ot_cwapi_strings(c, c->in, "AlarmNames", false, NAMES_MAX, OT_CW_NAME_MAX, names,
                          &q.n_names) ||
        !ot_cwapi_str(c, c->in, "AlarmNamePrefix", false, 1, OT_CW_NAME_MAX, &q.name_prefix) ||
        !ot_cwapi_str(c, c->in, "ActionPrefix", false, 1, ARN_MAX, &q.action_prefix) ||
        !ot_cwapi_enum(c, c->in, "StateValue", false, STATES, &state_name) ||
        !ot_cwapi_int(c, c->in, "MaxRecords", false, 1, 100, &page, NULL) ||
        !ot_cwapi_next_token(c, &q.offset) || !wants_metric_alarms(c, &wanted))
        return;
    if (q.n_names && q.name_prefix) {
        ot_cwapi_fail(c, "InvalidParameterCombination",
                      "AlarmNames and AlarmNamePrefix cannot be used together.");
        return;
    }
    if (state_name && ot_cw_state_parse(state_name, &state) == OT_OK)
        q.state = &state;
    q.limit = (int)page + 1;
    ot_cw_alarm *rows = NULL;
    size_t n = 0;
    int rc = wanted ? ot_cw_alarms_list(c->cw, &c->scope, &q, &rows, &n) : OT_OK;
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return;
    }
    answer_alarms(c, rows, n, (size_t)page, q.offset, true);
    ot_cw_alarms_free(rows, n);
}

/* ---- DescribeAlarmsForMetric ---- */

/* The optional Statistic / Period / Unit filters: moves the rows that pass to the front
 * (swapping, so every row is still in the array for ot_cw_alarms_free) and counts them. */
static size_t keep_matching(ot_cw_alarm *rows, size_t n, const char *stat, int64_t period,
                            const char *unit)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool match = (!stat || !strcmp(stat, rows[i].statistic)) &&
                     (!period || period == rows[i].period_s) &&
                     (!unit || (rows[i].unit && !strcmp(unit, rows[i].unit)));
        if (match) {
            ot_cw_alarm tmp = rows[kept];
            rows[kept++] = rows[i];
            rows[i] = tmp;
        }
    }
    return kept;
}

void ot_cwapi_describe_alarms_for_metric(ot_cw_call *c)
{
    ot_cw_dim dims[OT_CW_DIMS_MAX];
    ot_cw_metric m;
    const char *stat, *unit, *ext;
    int64_t period = 0;
    if (!ot_cwapi_metric(c, c->in, true, &m, dims) ||
        !ot_cwapi_enum(c, c->in, "Statistic", false, OT_CWAPI_STATISTICS, &stat) ||
        !ot_cwapi_str(c, c->in, "ExtendedStatistic", false, 1, 32, &ext) ||
        !ot_cwapi_int(c, c->in, "Period", false, 1, PERIODS_SECONDS_MAX, &period, NULL) ||
        !ot_cwapi_enum(c, c->in, "Unit", false, OT_CWAPI_UNITS, &unit))
        return;
    ot_cw_alarm_query q = {.metric = &m, .limit = FOR_METRIC_MAX};
    ot_cw_alarm *rows = NULL;
    size_t n = 0;
    int rc = ext ? OT_OK : ot_cw_alarms_list(c->cw, &c->scope, &q, &rows, &n);
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return;
    }
    size_t kept = keep_matching(rows, n, stat, period, unit);
    answer_alarms(c, rows, kept, kept, 0, false);
    ot_cw_alarms_free(rows, n);
}

/* ---- DeleteAlarms, Enable/DisableAlarmActions ---- */

static bool alarm_names(ot_cw_call *c, const char **names, size_t *n)
{
    if (!ot_cwapi_strings(c, c->in, "AlarmNames", true, NAMES_MAX, OT_CW_NAME_MAX, names, n))
        return false;
    return *n ? true : ot_cwapi_fail(c, "MissingParameter",
                                     "The parameter AlarmNames is required.");
}

void ot_cwapi_delete_alarms(ot_cw_call *c)
{
    const char *names[NAMES_MAX];
    size_t n;
    if (!alarm_names(c, names, &n))
        return;
    int rc = ot_cw_alarms_delete(c->cw, &c->scope, names, n);
    if (rc)
        ot_cwapi_store_error(c, rc, "At least one of the alarms named does not exist: none "
                                    "was deleted.");
    else
        ot_cwapi_empty(c);
}

static void set_actions(ot_cw_call *c, bool enabled)
{
    const char *names[NAMES_MAX];
    size_t n;
    if (!alarm_names(c, names, &n))
        return;
    int rc = ot_cw_alarms_set_actions(c->cw, &c->scope, names, n, enabled);
    if (rc)
        ot_cwapi_store_error(c, rc, "");
    else
        ot_cwapi_empty(c);
}

void ot_cwapi_enable_alarm_actions(ot_cw_call *c)
{
    set_actions(c, true);
}

void ot_cwapi_disable_alarm_actions(ot_cw_call *c)
{
    set_actions(c, false);
}

/* ---- SetAlarmState ---- */

/* StateReasonData is kept and shown inside history JSON: it must be a JSON object. */
static bool is_json_object(const char *s)
{
    ot_json_doc *d = ot_json_doc_new();
    ot_json root;
    bool ok = d && ot_json_parse(d, s, strlen(s), false, &root, NULL, 0) == OT_OK &&
              ot_json_typeof(root) == OT_JSON_OBJECT;
    ot_json_doc_free(d);
    return ok;
}

void ot_cwapi_set_alarm_state(ot_cw_call *c)
{
    const char *name, *state_name, *reason, *data;
    ot_cw_state state;
    if (!ot_cwapi_str(c, c->in, "AlarmName", true, 1, OT_CW_NAME_MAX, &name) ||
        !ot_cwapi_enum(c, c->in, "StateValue", true, STATES, &state_name) ||
        !ot_cwapi_str(c, c->in, "StateReason", true, 0, 1023, &reason) ||
        !ot_cwapi_str(c, c->in, "StateReasonData", false, 0, 4000, &data))
        return;
    if (data && !is_json_object(data)) {
        ot_cwapi_fail(c, "InvalidFormat", "The parameter StateReasonData must be a JSON "
                      "object.");
        return;
    }
    ot_cw_state_parse(state_name, &state);
    int rc = ot_cw_alarm_set_state(c->cw, &c->scope, name, state, reason, data, ot_now_ms());
    if (rc == OT_ENOTFOUND)
        ot_cwapi_fail(c, "ResourceNotFound", "Alarm %s not found", name);
    else if (rc)
        ot_cwapi_store_error(c, rc, "");
    else
        ot_cwapi_empty(c);
}

/* ---- DescribeAlarmHistory ---- */

static bool read_history_query(ot_cw_call *c, ot_cw_history_query *q, int64_t *page)
{
    static const char *const ITEMS[] = {"ConfigurationUpdate", "StateUpdate", "Action",
                                        "AlarmContributorStateUpdate",
                                        "AlarmContributorAction", NULL};
    static const char *const SCAN[] = {"TimestampDescending", "TimestampAscending", NULL};
    const char *scan;
    bool wanted;
    if (!ot_cwapi_str(c, c->in, "AlarmName", false, 1, OT_CW_NAME_MAX, &q->alarm_name) ||
        !ot_cwapi_enum(c, c->in, "HistoryItemType", false, ITEMS, &q->item_type) ||
        !ot_cwapi_time(c, c->in, "StartDate", false, &q->start_ms, NULL) ||
        !ot_cwapi_time(c, c->in, "EndDate", false, &q->end_ms, NULL) ||
        !ot_cwapi_int(c, c->in, "MaxRecords", false, 1, 100, page, NULL) ||
        !ot_cwapi_enum(c, c->in, "ScanBy", false, SCAN, &scan) ||
        !ot_cwapi_next_token(c, &q->offset) || !wants_metric_alarms(c, &wanted))
        return false;
    q->oldest_first = scan && !strcmp(scan, "TimestampAscending");
    q->limit = wanted ? (int)*page + 1 : 0;
    return true;
}

void ot_cwapi_describe_alarm_history(ot_cw_call *c)
{
    ot_cw_history_query q = {0};
    int64_t page = HISTORY_PAGE;
    if (!read_history_query(c, &q, &page))
        return;
    ot_cw_history *h = NULL;
    size_t n = 0;
    int rc = q.limit ? ot_cw_history_list(c->cw, &c->scope, &q, &h, &n) : OT_OK;
    if (rc) {
        ot_cwapi_store_error(c, rc, "");
        return;
    }
    ot_cwapi_begin(c);
    ot_cww_list(&c->w, "AlarmHistoryItems");
    for (size_t i = 0; i < n && i < (size_t)page; i++) {
        ot_cww_map(&c->w, NULL);
        ot_cww_str(&c->w, "AlarmName", h[i].alarm_name);
        ot_cww_str(&c->w, "AlarmType", h[i].alarm_type);
        ot_cww_time(&c->w, "Timestamp", h[i].ts_ms);
        ot_cww_str(&c->w, "HistoryItemType", h[i].item_type);
        ot_cww_str(&c->w, "HistorySummary", h[i].summary);
        ot_cww_str(&c->w, "HistoryData", h[i].data);
        ot_cww_end(&c->w);
    }
    ot_cww_end(&c->w);
    if (n > (size_t)page)
        ot_cwapi_write_next_token(c, q.offset + page);
    ot_cwapi_end(c);
    ot_cw_history_free(h, n);
}
