/* api_insights_metric.h — the answer of ListInsightsMetricData from the counts of insights.db
 * (api_insights_metric.c); api_inventory.c checks the members that name the metric first. */
#ifndef OT_API_INSIGHTS_METRIC_H
#define OT_API_INSIGHTS_METRIC_H

#include "api/api_cloudtrail.h"
#include "insights/insights.h"

/* The metric asked for, its members already checked. */
typedef struct ct_metric_req {
    const char *source, *name;
    ot_insight_type type;
    const char *error_code;   /* NULL for ApiCallRateInsight */
    const char *trail_arn;    /* NULL: the account's Insights, whichever trail counts them */
} ct_metric_req;

/* Reads StartTime, EndTime, Period, DataType, MaxResults and NextToken and answers the page of
 * data points. 0, or -1 after an error was written. */
int ct_insights_metric_answer(ct_ctx *c, const ct_metric_req *m);

#endif
