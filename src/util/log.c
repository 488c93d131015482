/* log.c — one line per message (log_line.c), written with a single write so threads do not
 * interleave; warnings and errors rate-limited per call site (log.h). */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

#define SITES 64 /* call sites tracked at once; the least recently started window is reused */

/* One call site of a warning or error and its current window. */
typedef struct log_site {
    const char *key;          /* the file, or the format string when no file is given; NULL: free */
    int line;
    int level;
    int64_t window_start;
    unsigned printed;         /* lines printed in this window */
    unsigned long suppressed; /* lines held back in this window */
    char last[512];           /* the last line held back */
} log_site;

static int log_level = OT_LOG_INFO;
static int log_format = OT_LOG_TEXT;
static int log_fd = STDERR_FILENO;
static int64_t (*log_clock)(void) = ot_monotonic_ms;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static log_site sites[SITES];

void ot_log_set_level(int level) { log_level = level; }
void ot_log_set_format(int format) { log_format = format; }

static void forget_sites(void) { memset(sites, 0, sizeof sites); }

void ot_log_set_fd(int fd)
{
    pthread_mutex_lock(&log_mu);
    log_fd = fd >= 0 ? fd : STDERR_FILENO;
    forget_sites();
    pthread_mutex_unlock(&log_mu);
}

void ot_log_set_clock(int64_t (*clock_ms)(void))
{
    pthread_mutex_lock(&log_mu);
    log_clock = clock_ms ? clock_ms : ot_monotonic_ms;
    forget_sites();
    pthread_mutex_unlock(&log_mu);
}

/* Writes one line in one write(2). Messages are at most 2000 bytes (vlog), so the line is
 * bounded; if it cannot be allocated, the event still shows as a line of its own. */
static void emit_fields(int level, const char *text, const ot_log_field *fields, size_t n)
{
    char ts[32];
    ot_time_iso8601(ot_now_ms(), ts);
    ot_buf line;
    ot_buf_init(&line, 0);
    ssize_t w;
    if (ot_log_format_fields(&line, log_format, ts, level, text, fields, n) == 0)
        w = write(log_fd, line.data, line.len);
    else
        w = write(log_fd, "log: out of memory for a log line\n", 34);
    (void)w;
    ot_buf_free(&line);
}

static void emit(int level, const char *text) { emit_fields(level, text, NULL, 0); }

int ot_log_enabled(int level) { return level >= log_level; }

void ot_log_fields(int level, const char *msg, const ot_log_field *fields, size_t n)
{
    if (level >= log_level)
        emit_fields(level, msg, fields, n);
}

/* Called with log_mu held: prints and resets a site's summary if it held lines back. */
static void summarise(log_site *s)
{
    if (!s->suppressed)
        return;
    char text[sizeof s->last + 96];
    snprintf(text, sizeof text, "[suppressed %lu more like the above in %d s] last: %s",
             s->suppressed, OT_LOG_WINDOW_MS / 1000, s->last);
    emit(s->level, text);
    s->suppressed = 0;
}

/* Called with log_mu held: summaries of the sites whose window has passed. */
static void summarise_expired(int64_t now)
{
    for (size_t i = 0; i < SITES; i++)
        if (sites[i].key && now - sites[i].window_start >= OT_LOG_WINDOW_MS)
            summarise(&sites[i]);
}

/* Called with log_mu held: the site (key, line), or a slot taken over for it. Keys are string
 * literals: the same site always passes the same pointer. */
static log_site *site_of(const char *key, int line, int level, int64_t now)
{
    log_site *oldest = &sites[0];
    for (size_t i = 0; i < SITES; i++) {
        if (sites[i].key == key && sites[i].line == line && sites[i].level == level)
            return &sites[i];
        if (!sites[i].key || (oldest->key && sites[i].window_start < oldest->window_start))
            oldest = &sites[i];
    }
    summarise(oldest);
    memset(oldest, 0, sizeof *oldest);
    oldest->key = key;
    oldest->line = line;
    oldest->level = level;
    oldest->window_start = now;
    return oldest;
}

/* Whether a warning or error may be printed now; if not, it is counted and kept as "last". */
static bool admit(int level, const char *key, int line, const char *text)
{
    pthread_mutex_lock(&log_mu);
    int64_t now = log_clock();
    summarise_expired(now);
    log_site *s = site_of(key, line, level, now);
    if (now - s->window_start >= OT_LOG_WINDOW_MS) {
        s->window_start = now;
        s->printed = 0;
    }
    bool ok = s->printed < OT_LOG_BURST;
    if (ok) {
        s->printed++;
    } else {
        s->suppressed++;
        snprintf(s->last, sizeof s->last, "%s", text);
    }
    pthread_mutex_unlock(&log_mu);
    return ok;
}

static void vlog(int level, const char *file, int line, const char *fmt, va_list ap)
{
    if (level < log_level)
        return;
    char text[2000];
    vsnprintf(text, sizeof text, fmt, ap);
    if (level >= OT_LOG_WARN && !admit(level, file ? file : fmt, file ? line : 0, text))
        return;
    emit(level, text);
}

void ot_log_at(int level, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, file, line, fmt, ap);
    va_end(ap);
}

void ot_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, 0, fmt, ap);
    va_end(ap);
}

void ot_log_flush(void)
{
    pthread_mutex_lock(&log_mu);
    for (size_t i = 0; i < SITES; i++)
        summarise(&sites[i]);
    pthread_mutex_unlock(&log_mu);
}
