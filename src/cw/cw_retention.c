/* cw_retention.c — what CloudWatch forgets: datapoints older than 15 months
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html)
 * and alarm history older than 30 days (AWS's old CLI reference said two weeks,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/cli/cli-mon-describe-alarm-history.html;
 * we keep the longer). Swept at most once an hour by the evaluation, so cloudwatch.db does not
 * grow for ever. */
#include <stdio.h>

#include "cw/cw_int.h"
#include "util/err.h"
#include "util/sql.h"

#define DAY_MS (86400 * 1000LL)
#define SWEEP_EVERY_MS (3600 * 1000LL)

typedef struct sweep_args {
    int64_t now_ms;
} sweep_args;

static int sweep_tx(ot_cw *cw, void *arg)
{
    const sweep_args *a = arg;
    char points_before[24], history_before[24];
    snprintf(points_before, sizeof points_before, "%lld",
             (long long)(a->now_ms - OT_CW_DATAPOINT_DAYS * DAY_MS));
    snprintf(history_before, sizeof history_before, "%lld",
             (long long)(a->now_ms - OT_CW_HISTORY_DAYS * DAY_MS));
    const char *p1[] = {points_before}, *p2[] = {history_before};
    int rc = ot_sql_exec_text(cw->db, "DELETE FROM datapoints WHERE ts_ms<CAST(?1 AS INTEGER)",
                              p1, 1, "cw expire datapoints");
    if (!rc)
        rc = ot_sql_exec_text(cw->db, "DELETE FROM history WHERE ts_ms<CAST(?1 AS INTEGER)", p2,
                              1, "cw expire history");
    return rc;
}

int cw_retention_sweep(ot_cw *cw, int64_t now_ms)
{
    if (cw->last_sweep_ms && now_ms - cw->last_sweep_ms < SWEEP_EVERY_MS &&
        now_ms >= cw->last_sweep_ms)
        return OT_OK;
    sweep_args a = {now_ms};
    int rc = cw_tx(cw, sweep_tx, &a);
    if (!rc)
        cw->last_sweep_ms = now_ms;
    return rc;
}
