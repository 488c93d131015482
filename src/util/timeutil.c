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

void ot_time_iso8601_ms(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); d past
 * the month's end rolls over as timegm() does. */
int64_t ot_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Fixed positions rather than sscanf + timegm: `opentrail import` parses every eventTime, and
 * this was ~2% of its CPU. */
int ot_time_parse_iso8601(const char *s, int64_t *ms)
{
    if (strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return OT_EINVAL;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = digits(s + 11, 2),
        mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 60 || y < 1970)
        return OT_EINVAL;
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        while (isdigit((unsigned char)*p)) {
            if (n < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            n++;
            p++;
        }
        if (!n)
            return OT_EINVAL;
        for (; n < 3; n++)
            frac_ms *= 10;
    }
    if (*p == 'Z')
        p++;
    if (*p)
        return OT_EINVAL;
    int64_t t = ot_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    *ms = t * 1000 + frac_ms;
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
