/* cw_message.c — what an alarm's state change sends to its SNS actions: the subject
 * (`ALARM: "name" in US East (N. Virginia)`) and CloudWatch's alarm JSON message (AlarmName,
 * NewStateValue, NewStateReason, StateChangeTime, Region by its long name, Trigger with
 * lower-case dimension keys, ...). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/region.h"

#define SNS_SUBJECT_MAX 100 /* SNS refuses a longer Subject */

void cw_time_format(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03d+0000", (int)(ms % 1000));
}

void cw_num_text(ot_buf *b, double v)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v)
        snprintf(tmp, sizeof tmp, "%.17g", v);
    ot_buf_puts(b, tmp);
    if (!strpbrk(tmp, ".eEni")) /* not for 1e+20, inf, nan */
        ot_buf_puts(b, ".0");
}

void cw_jw_double(ot_jw *w, double v)
{
    if (!isfinite(v)) {
        ot_jw_null(w);
        return;
    }
    ot_jw_begin_value(w);
    cw_num_text(w->b, v);
}

static const char *region_long(const char *region)
{
    const char *name = ot_region_long_name(region);
    return name ? name : region;
}

void cw_message_subject(const ot_cw_alarm *a, ot_cw_state st, const char *region, char *out,
                        size_t cap)
{
    if (cap > SNS_SUBJECT_MAX + 1)
        cap = SNS_SUBJECT_MAX + 1;
    int n = snprintf(out, cap, "%s: \"%s\" in %s", ot_cw_state_name(st), a->name,
                     region_long(region));
    if (n >= 0 && (size_t)n >= cap) { /* cut whole UTF-8 characters only */
        size_t len = cap - 1;
        while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80)
            len--;
        out[len] = '\0';
    }
}

/* "Sum" -> "SUM", "SampleCount" -> "SAMPLE_COUNT": the enum names of the Trigger. */
static void statistic_upper(const char *statistic, char out[32])
{
    size_t o = 0;
    for (size_t i = 0; statistic[i] && o + 2 < 32; i++) {
        if (i > 0 && isupper((unsigned char)statistic[i]))
            out[o++] = '_';
        out[o++] = (char)toupper((unsigned char)statistic[i]);
    }
    out[o] = '\0';
}

static void trigger(ot_jw *w, const ot_cw_alarm *a)
{
    char stat[32];
    statistic_upper(a->statistic, stat);
    ot_jw_key(w, "Trigger");
    ot_jw_obj(w);
    ot_jw_kstr(w, "MetricName", a->metric_name);
    ot_jw_kstr(w, "Namespace", a->namespace_);
    ot_jw_kstr(w, "StatisticType", "Statistic");
    ot_jw_kstr(w, "Statistic", stat);
    ot_jw_kstr(w, "Unit", a->unit); /* null when none */
    ot_jw_key(w, "Dimensions");
    ot_jw_arr(w);
    for (size_t i = 0; i < a->ndims; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "value", a->dims[i].value);
        ot_jw_kstr(w, "name", a->dims[i].name);
        ot_jw_end(w);
    }
    ot_jw_end(w);
    ot_jw_kint(w, "Period", a->period_s);
    ot_jw_kint(w, "EvaluationPeriods", a->evaluation_periods);
    ot_jw_kint(w, "DatapointsToAlarm",
               a->datapoints_to_alarm ? a->datapoints_to_alarm : a->evaluation_periods);
    ot_jw_kstr(w, "ComparisonOperator", a->comparison);
    ot_jw_key(w, "Threshold");
    cw_jw_double(w, a->threshold);
    ot_jw_kstr(w, "TreatMissingData", a->treat_missing ? a->treat_missing : "missing");
    ot_jw_kstr(w, "EvaluateLowSampleCountPercentile", "");
    ot_jw_end(w);
}

int cw_message_json(const ot_cw_alarm *a, const ot_cw_scope *s, ot_cw_state old,
                    const cw_change *c, ot_buf *out)
{
    char updated[32], changed[32];
    cw_time_format(a->config_updated_ms, updated);
    cw_time_format(c->now_ms, changed);
    ot_buf_reset(out);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "AlarmName", a->name);
    ot_jw_kstr(&w, "AlarmDescription", a->description);
    ot_jw_kstr(&w, "AWSAccountId", s->account);
    ot_jw_kstr(&w, "AlarmConfigurationUpdatedTimestamp", updated);
    ot_jw_kstr(&w, "NewStateValue", ot_cw_state_name(c->state));
    ot_jw_kstr(&w, "NewStateReason", c->reason);
    ot_jw_kstr(&w, "StateChangeTime", changed);
    ot_jw_kstr(&w, "Region", region_long(s->region));
    ot_jw_kstr(&w, "AlarmArn", a->arn);
    ot_jw_kstr(&w, "OldStateValue", ot_cw_state_name(old));
    cw_json_strings(&w, "OKActions", a->ok_actions, a->n_ok_actions);
    cw_json_strings(&w, "AlarmActions", a->alarm_actions, a->n_alarm_actions);
    cw_json_strings(&w, "InsufficientDataActions", a->insufficient_actions,
                    a->n_insufficient_actions);
    trigger(&w, a);
    ot_jw_end(&w);
    return ot_jw_error(&w) ? OT_ENOMEM : OT_OK;
}
