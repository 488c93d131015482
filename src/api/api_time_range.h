/* api_time_range.h — the StartTime/EndTime members of the list calls that take a time range
 * (LookupEvents, ListInsightsMetricData, ListInsightsData, ListQueries): api_time_range.c. */
#ifndef OT_API_TIME_RANGE_H
#define OT_API_TIME_RANGE_H

#include "api/api_cloudtrail.h"

/* Reads StartTime and EndTime (epoch seconds as JSON numbers, into milliseconds rounded down;
 * each left as the caller set it when absent) and refuses a range whose start is after its
 * end, or a time outside years 1970-9999, with error_code. 0, or -1 after the error was
 * written. */
int ct_time_range_ms(ct_ctx *c, const char *error_code, int64_t *start_ms, int64_t *end_ms);

#endif
