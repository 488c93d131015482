/* mfilter.h — metric filters at work: a log group's metric filters applied to the log events
 * stored in it, turning matches into CloudWatch datapoints (cw/cw.h).
 *
 * Each filter has one transformation (PutMetricFilter's metricTransformations, stored as JSON
 * by logs): every matching event adds metricValue — a literal number, or a number taken from
 * the event ("$.field" for JSON patterns, "$name" for space-delimited ones; a value that is not
 * a number drops that event's datapoint) — to metric (metricNamespace, metricName) with the
 * dimensions named from the event's fields (a missing field drops it too) and the unit; an
 * event that does not match adds defaultValue when the filter has one. A batch is aggregated
 * into one statistic set per (metric, dimensions, minute) before a single ot_cw_put, stamped
 * with the minute of the events' timestamps.
 *
 * The compiled filters of each group are cached and reloaded when any metric filter changed
 * (ot_logs_metric_generation). Threads: an ot_mfilter may be shared; calls serialize. */
#ifndef OT_MFILTER_H
#define OT_MFILTER_H

#include <stddef.h>

#include "cw/cw.h"
#include "logs/logs.h"

typedef struct ot_mfilter ot_mfilter;

/* The filters of logs' groups. OT_ENOMEM. */
int ot_mfilter_new(ot_logs *logs, ot_mfilter **out);
void ot_mfilter_free(ot_mfilter *m); /* NULL is ok */

/* Applies the metric filters of scope s's group to ev[0..n) (events just stored in it) and puts
 * the datapoints into cw in one call. m or cw NULL: nothing is emitted (no metrics store). 0, or the
 * error of reading the filters or of ot_cw_put. */
int ot_mfilter_apply(ot_mfilter *m, ot_cw *cw, const ot_logs_scope *s, const char *group,
                     const ot_log_event_in *ev, size_t n);

#endif
