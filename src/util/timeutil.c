/* timeutil.c — clocks and CloudTrail time formats. */
#include "util/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"

int64_t ot_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ot_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ot_time_iso8601(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ot_time_parse_iso8601(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 || used != 19)
        return OT_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return OT_EINVAL;
    const char *p = s + used;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (!digits)
            return OT_EINVAL;
        for (; digits < 3; digits++)
            frac_ms *= 10;
    }
    if (*p == 'Z')
        p++;
    if (*p)
        return OT_EINVAL;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return OT_EINVAL;
    *ms = (int64_t)t * 1000 + frac_ms;
    return OT_OK;
}

int ot_duration_parse(const char *s, int64_t *ms)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return OT_EINVAL;
    double unit;
    if (!*end || !strcmp(end, "s"))
        unit = 1000;
    else if (!strcmp(end, "ms"))
        unit = 1;
    else if (!strcmp(end, "m"))
        unit = 60e3;
    else if (!strcmp(end, "h"))
        unit = 3600e3;
    else if (!strcmp(end, "d"))
        unit = 86400e3;
    else
        return OT_EINVAL;
    *ms = (int64_t)(v * unit);
    return OT_OK;
}
