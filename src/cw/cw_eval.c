/* cw_eval.c — evaluating alarms (the alarm part is committed next). */
#include "cw/cw_int.h"
#include "util/err.h"

int ot_cw_evaluate(ot_cw *cw, int64_t now_ms)
{
    (void)cw, (void)now_ms;
    return OT_OK;
}
