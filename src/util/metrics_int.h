/* metrics_int.h — what the exposition writer (metrics_text.c) needs of the registry
 * (metrics.c). */
#ifndef OT_METRICS_INT_H
#define OT_METRICS_INT_H

#include "util/metrics.h"

/* r, or the process registry for NULL. */
ot_metric_registry *ot_metrics_registry_(ot_metric_registry *r);
/* The lock of every registry's list (held while copying it). */
void ot_metrics_lock_(void);
void ot_metrics_unlock_(void);

#endif
