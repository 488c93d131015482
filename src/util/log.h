/* log.h — server log lines on stderr, one event a line, in one of three formats:
 *   text    2026-11-22T06:34:45Z info opentrail listening on ...      (the default)
 *   logfmt  time=2026-11-22T06:34:45Z level=info msg="opentrail listening on ..."
 *   json    {"time":"2026-11-22T06:34:45Z","level":"info","msg":"opentrail listening on ..."}
 * A message never spans lines: in text, control characters (a newline in a file name) are
 * written as \n, \t or \xNN; logfmt and json quote the message as a JSON string.
 *
 * Warnings and errors are rate-limited per call site (file and line), so a fault that
 * repeats in a loop — a full disk, a store that refuses every write — cannot flood the log:
 * each site prints at most OT_LOG_BURST lines per OT_LOG_WINDOW_MS, and the lines it held back
 * are summarised once its window has passed, at the same level:
 *   "... error [suppressed 1234 more like the above in 10 s] last: <the last one held back>"
 * The summary is printed by the next warning or error of any site, or by ot_log_flush().
 * Debug and info lines are never held back.
 *
 * A line may also carry fields (ot_log_fields), for lines that programs read, such as the
 * access log: after the message they are written key=value in text and logfmt (a value with
 * a space, a quote, '=' or a control character as a JSON string), and as members of the
 * object in json:
 *   text    2026-11-22T06:34:45Z info access status=200 op=CreateTrail
 *   json    {"time":"2026-11-22T06:34:45Z","level":"info","msg":"access","status":200,...} */
#ifndef OT_LOG_H
#define OT_LOG_H

#include <stdint.h>

#include "util/buf.h"

enum { OT_LOG_DEBUG, OT_LOG_INFO, OT_LOG_WARN, OT_LOG_ERROR };
enum { OT_LOG_TEXT, OT_LOG_LOGFMT, OT_LOG_JSON };

#define OT_LOG_BURST 10          /* lines per site per window before holding back */
#define OT_LOG_WINDOW_MS 10000

/* Lines below level are dropped (default OT_LOG_INFO). Set both before starting threads. */
void ot_log_set_level(int level);
void ot_log_set_format(int format); /* OT_LOG_TEXT (default), OT_LOG_LOGFMT or OT_LOG_JSON */
/* Logs from the call site file:line (the macros below pass it). */
void ot_log_at(int level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with the format string standing for the call site. */
void ot_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One field of a line: a string (str non-NULL; NULL and "" are written "-") or a number. */
typedef struct ot_log_field {
    const char *key; /* [a-z_]+ */
    const char *str;
    int64_t num;     /* used when str is NULL */
} ot_log_field;

/* Whether lines at level are written (so a caller can skip building them). */
int ot_log_enabled(int level);
/* A line with fields; never held back, whatever the level. */
void ot_log_fields(int level, const char *msg, const ot_log_field *fields, size_t n);
/* Prints the summaries of every site that held lines back; call before exiting. */
void ot_log_flush(void);

/* For tests: write to fd instead of stderr (-1 restores stderr), and take window times from
 * clock_ms instead of the monotonic clock (NULL restores it). Both also forget every site. */
void ot_log_set_fd(int fd);
void ot_log_set_clock(int64_t (*clock_ms)(void));

/* Appends one log line, with its newline, to out: time is the line's "YYYY-MM-DDTHH:MM:SSZ",
 * msg any bytes. The logger and its tests use it. */
int ot_log_format_line(ot_buf *out, int format, const char *time, int level, const char *msg);
/* The same with fields (ot_log_fields). */
int ot_log_format_fields(ot_buf *out, int format, const char *time, int level, const char *msg,
                         const ot_log_field *fields, size_t n);

#define ot_debug(...) ot_log_at(OT_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define ot_info(...) ot_log_at(OT_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define ot_warn(...) ot_log_at(OT_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define ot_error(...) ot_log_at(OT_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#endif
