/* timeutil.h — clocks and the time formats CloudTrail uses. */
#ifndef OT_TIMEUTIL_H
#define OT_TIMEUTIL_H

#include <stdint.h>

int64_t ot_now_ms(void);        /* wall clock, ms since the epoch */
int64_t ot_monotonic_ms(void);  /* for intervals and timeouts */
/* Days since 1970-01-01 of a proleptic Gregorian date; d past the month's end rolls over. */
int64_t ot_days_from_civil(int64_t y, int m, int d);

/* "YYYY-MM-DDTHH:MM:SSZ" (CloudTrail eventTime); out needs 21 bytes. */
void ot_time_iso8601(int64_t ms, char out[32]);
/* The same with milliseconds, "YYYY-MM-DDTHH:MM:SS.mmmZ" (windows shorter than a second). */
void ot_time_iso8601_ms(int64_t ms, char out[32]);
/* Parses "YYYY-MM-DDTHH:MM:SS" with optional fraction and optional "Z" (UTC). */
int ot_time_parse_iso8601(const char *s, int64_t *ms);
/* Parses a duration such as "250ms", "2s", "5m", "1h", "30d" or a bare number of seconds. */
int ot_duration_parse(const char *s, int64_t *ms);

#endif
