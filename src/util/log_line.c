/* log_line.c — one log event as one line of text, logfmt or JSON (log.h). */
#include "util/log.h"

#include <stdbool.h>
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

/* A logfmt value: as it is when it is a plain word, else a JSON string. */
static int logfmt_value(ot_buf *out, const char *v)
{
    bool plain = *v != '\0';
    for (const char *p = v; *p && plain; p++)
        plain = (unsigned char)*p > 0x20 && *p != 0x7f && *p != '"' && *p != '=' && *p != '\\';
    return plain ? ot_buf_puts(out, v) : ot_json_escape(out, v, strlen(v));
}

static int put_field(ot_buf *out, int format, const ot_log_field *f)
{
    const char *str = f->str ? (*f->str ? f->str : "-") : NULL;
    int rc = format == OT_LOG_JSON ? ot_buf_printf(out, ",\"%s\":", f->key)
                                   : ot_buf_printf(out, " %s=", f->key);
    if (rc)
        return rc;
    if (!str)
        return ot_buf_printf(out, "%lld", (long long)f->num);
    return format == OT_LOG_JSON ? ot_json_escape(out, str, strlen(str)) : logfmt_value(out, str);
}

int ot_log_format_fields(ot_buf *out, int format, const char *time, int level, const char *msg,
                         const ot_log_field *fields, size_t n)
{
    int rc = ot_log_format_line(out, format, time, level, msg);
    if (rc || !n)
        return rc;
    out->len--; /* the newline goes after the fields */
    if (format == OT_LOG_JSON)
        out->len--; /* and so does the closing brace */
    for (size_t i = 0; i < n && !rc; i++)
        rc = put_field(out, format, &fields[i]);
    if (!rc && format == OT_LOG_JSON)
        rc = ot_buf_putc(out, '}');
    return rc ? rc : ot_buf_putc(out, '\n');
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
