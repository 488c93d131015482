/* cw_alarm_json.c — an alarm's configuration as JSON, for the HistoryData of its
 * ConfigurationUpdate items (DescribeAlarmHistory), with the camelCase keys CloudWatch writes
 * there. */
#include "cw/cw_int.h"
#include "util/jsonw.h"

void cw_json_strings(ot_jw *w, const char *key, char *const *s, size_t n)
{
    ot_jw_key(w, key);
    ot_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        ot_jw_str(w, s[i]);
    ot_jw_end(w);
}

static void dims(ot_jw *w, const ot_cw_alarm *a)
{
    ot_jw_key(w, "dimensions");
    ot_jw_arr(w);
    for (size_t i = 0; i < a->ndims; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "name", a->dims[i].name);
        ot_jw_kstr(w, "value", a->dims[i].value);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

void cw_alarm_config_json(ot_jw *w, const ot_cw_alarm *a)
{
    ot_jw_obj(w);
    ot_jw_kstr(w, "alarmName", a->name);
    if (a->description)
        ot_jw_kstr(w, "alarmDescription", a->description);
    ot_jw_kbool(w, "actionsEnabled", a->actions_enabled);
    cw_json_strings(w, "okactions", a->ok_actions, a->n_ok_actions);
    cw_json_strings(w, "alarmActions", a->alarm_actions, a->n_alarm_actions);
    cw_json_strings(w, "insufficientDataActions", a->insufficient_actions,
                    a->n_insufficient_actions);
    ot_jw_kstr(w, "namespace", a->namespace_);
    ot_jw_kstr(w, "metricName", a->metric_name);
    dims(w, a);
    ot_jw_kstr(w, "statistic", a->statistic);
    if (a->unit)
        ot_jw_kstr(w, "unit", a->unit);
    ot_jw_kint(w, "period", a->period_s);
    ot_jw_kint(w, "evaluationPeriods", a->evaluation_periods);
    ot_jw_kint(w, "datapointsToAlarm",
               a->datapoints_to_alarm ? a->datapoints_to_alarm : a->evaluation_periods);
    ot_jw_key(w, "threshold");
    cw_jw_double(w, a->threshold);
    ot_jw_kstr(w, "comparisonOperator", a->comparison);
    ot_jw_kstr(w, "treatMissingData", a->treat_missing ? a->treat_missing : "missing");
    ot_jw_end(w);
}
