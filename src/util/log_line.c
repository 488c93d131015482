/* log_line.c — one log event as one line of text, logfmt or JSON (log.h). */
#include "util/log.h"

#include <string.h>

#include "util/err.h"
#include "util/jsonw.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* The message for the text format: as it is, except control characters, which would break
 * the line or hide in a terminal. */
static int text_escape(ot_buf *out, const char *msg)
{
    static const char hex[] = "0123456789abcdef";
    int rc = OT_OK;
    for (const char *p = msg; *p && !rc; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != 0x7f)
            rc = ot_buf_putc(out, (char)c);
        else if (c == '\n')
            rc = ot_buf_puts(out, "\\n");
        else if (c == '\t')
            rc = ot_buf_puts(out, "\\t");
        else if (c == '\r')
            rc = ot_buf_puts(out, "\\r");
        else
            rc = ot_buf_append(out, (char[]){'\\', 'x', hex[c >> 4], hex[c & 15]}, 4);
    }
    return rc;
}

int ot_log_format_line(ot_buf *out, int format, const char *time, int level, const char *msg)
{
    if (level < OT_LOG_DEBUG || level > OT_LOG_ERROR)
        level = OT_LOG_ERROR;
    const char *name = level_names[level];
    int rc;
    switch (format) {
    case OT_LOG_JSON:
        rc = ot_buf_printf(out, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", time, name);
        if (!rc)
            rc = ot_json_escape(out, msg, strlen(msg));
        if (!rc)
            rc = ot_buf_putc(out, '}');
        break;
    case OT_LOG_LOGFMT: /* a JSON string is a logfmt quoted value */
        rc = ot_buf_printf(out, "time=%s level=%s msg=", time, name);
        if (!rc)
            rc = ot_json_escape(out, msg, strlen(msg));
        break;
    default:
        rc = ot_buf_printf(out, "%s %s ", time, name);
        if (!rc)
            rc = text_escape(out, msg);
    }
    return rc ? rc : ot_buf_putc(out, '\n');
}
