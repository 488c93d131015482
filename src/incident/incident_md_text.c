/* incident_md_text.c — writing record values into Markdown safely.
 *
 * Much of an incident comes from the caller (the user agent, a session name, a trail name), so
 * every value is written as inert text: control characters and line breaks become spaces (a
 * value cannot start a heading or a list), and the characters that make links, images, HTML,
 * emphasis, code or table cells are backslash-escaped. */
#include "incident/incident_int.h"

#include <string.h>

#include "util/err.h"

#define ESCAPED "\\`*_[]<>|"

int md_text(ot_buf *b, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            rc = ot_buf_putc(b, ' ');
        else if (strchr(ESCAPED, c))
            rc = ot_buf_putc(b, '\\') || ot_buf_putc(b, (char)c) ? OT_ELIMIT : 0;
        else
            rc = ot_buf_putc(b, (char)c);
    }
    return rc;
}

int md_value(ot_buf *b, ot_json v, ot_buf *tmp)
{
    const char *s;
    size_t n;
    if (ot_json_str(v, &s, &n) == 0)
        return md_text(b, s, n);
    ot_buf_reset(tmp);
    int rc = ot_json_write(v, tmp);
    return rc ? rc : md_text(b, tmp->data, tmp->len);
}

const char *md_str(ot_json obj, const char *key)
{
    const char *s;
    size_t n;
    return ot_json_get_str(obj, key, &s, &n) == 0 && n == strlen(s) ? s : NULL;
}

bool md_obj(ot_json obj, const char *key, ot_json empty, ot_json *out)
{
    bool found = ot_json_get(obj, key, out) == 0 && ot_json_typeof(*out) == OT_JSON_OBJECT;
    if (!found)
        *out = empty;
    return found;
}

/* A fence longer than the longest run of backticks in s. */
static size_t fence_len(const char *s, size_t n)
{
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < n; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    return longest < 3 ? 3 : longest + 1;
}

int md_code_block(ot_buf *b, ot_json v, ot_buf *tmp)
{
    ot_buf_reset(tmp);
    int rc = ot_json_write(v, tmp);
    size_t fence = fence_len(tmp->data, tmp->len);
    for (size_t i = 0; !rc && i < fence; i++)
        rc = ot_buf_putc(b, '`');
    if (!rc)
        rc = ot_buf_puts(b, "json\n");
    if (!rc)
        rc = ot_buf_append(b, tmp->data, tmp->len);
    if (!rc)
        rc = ot_buf_putc(b, '\n');
    for (size_t i = 0; !rc && i < fence; i++)
        rc = ot_buf_putc(b, '`');
    return rc ? rc : ot_buf_putc(b, '\n');
}
