/* api_time_range.c — StartTime/EndTime of the calls over a time range. */
#include <math.h>

#include "api/api_time_range.h"

#define MAX_EPOCH_S 253402300799.0 /* 9999-12-31T23:59:59Z */

/* A timestamp member in epoch seconds (the JSON protocol sends a number); 1 if present. */
static int time_member(ct_ctx *c, const char *key, const char *error_code, int64_t *ms)
{
    ot_json v;
    if (ot_json_get(c->in, key, &v) != 0 || ot_json_typeof(v) == OT_JSON_NULL)
        return 0;
    double d;
    if (ot_json_typeof(v) != OT_JSON_NUMBER || ot_json_double(v, &d) != 0)
        return ct_fail(c, "SerializationException", "Member '%s' must be a timestamp.", key);
    if (!isfinite(d) || d < 0 || d > MAX_EPOCH_S)
        return ct_fail(c, error_code, "%s is outside the range of possible values.", key);
    *ms = (int64_t)floor(d * 1000.0);
    return 1;
}

int ct_time_range_ms(ct_ctx *c, const char *error_code, int64_t *start_ms, int64_t *end_ms)
{
    if (time_member(c, "StartTime", error_code, start_ms) < 0 ||
        time_member(c, "EndTime", error_code, end_ms) < 0)
        return -1;
    if (*start_ms > *end_ms)
        return ct_fail(c, error_code,
                       "The start time must be earlier than or equal to the end time.");
    return 0;
}
