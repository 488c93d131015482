/* log.h — server log lines on stderr: "2026-11-22T06:34:45Z level message". */
#ifndef OT_LOG_H
#define OT_LOG_H

enum { OT_LOG_DEBUG, OT_LOG_INFO, OT_LOG_WARN, OT_LOG_ERROR };

void ot_log_set_level(int level);
void ot_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ot_debug(...) ot_log(OT_LOG_DEBUG, __VA_ARGS__)
#define ot_info(...) ot_log(OT_LOG_INFO, __VA_ARGS__)
#define ot_warn(...) ot_log(OT_LOG_WARN, __VA_ARGS__)
#define ot_error(...) ot_log(OT_LOG_ERROR, __VA_ARGS__)

#endif
