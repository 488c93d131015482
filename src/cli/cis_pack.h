/* cis_pack.h — the CIS AWS Foundations "log metric filter and alarm" controls, as data: Security
 * Hub's CloudWatch.1–14, each a filter pattern (exactly as Security Hub publishes it), the name
 * of its metric filter, metric and alarm, and the alarm's threshold. `opentrail monitor cis`
 * creates them; docs/monitor.md lists them and where each comes from. */
#ifndef OT_CIS_PACK_H
#define OT_CIS_PACK_H

#include <stddef.h>

/* Security Hub's remediation steps put every CIS metric in one namespace, "LogMetrics"
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html). */
#define OT_CIS_NAMESPACE "LogMetrics"
/* What CIS and Security Hub prescribe for every control: each matching event counts 1, and the
 * alarm sums them over 300 s, one evaluation period, >= the threshold. */
#define OT_CIS_METRIC_VALUE "1"
#define OT_CIS_STATISTIC "Sum"
#define OT_CIS_COMPARISON "GreaterThanOrEqualToThreshold"
#define OT_CIS_PERIOD_S 300
#define OT_CIS_EVALUATION_PERIODS 1
/* No data (no matching event in a period) is "not breaching": the alarm sits at OK, not at
 * INSUFFICIENT_DATA, between incidents. */
#define OT_CIS_TREAT_MISSING "notBreaching"

typedef struct ot_cis_control {
    const char *id;        /* Security Hub's control id, "CloudWatch.1" */
    const char *cis;       /* the CIS recommendations it implements, "CIS 1.2 3.3, 1.4 4.3" */
    const char *title;     /* what it watches */
    const char *name;      /* the metric filter's, the metric's and the alarm's name */
    const char *pattern;   /* the filter pattern, verbatim */
    double threshold;      /* alarm when the period's sum is >= this */
} ot_cis_control;

/* The controls in Security Hub's order (CloudWatch.1 first); *n receives how many (14). */
const ot_cis_control *ot_cis_controls(size_t *n);

#endif
