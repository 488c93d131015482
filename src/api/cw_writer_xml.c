/* cw_writer_xml.c — the query-protocol backend of the CloudWatch answer writer: each member an
 * element named by its key, each list element <member>, timestamps ISO 8601 with milliseconds
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html). The top-level map is the
 * caller's <OpResult> element, so it writes nothing itself. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/aws_error.h"
#include "api/cw_writer.h"
#include "util/timeutil.h"

/* The element name of a value: its key, or "member" in a list. */
static const char *name(const char *k)
{
    return k ? k : "member";
}

static void indent(ot_cww *w)
{
    for (int i = 0; i < w->depth + 1; i++)
        ot_buf_puts(w->b, "  ");
}

static void x_open(ot_cww *w, const char *k, bool list)
{
    if (!w->depth)
        return;
    indent(w);
    ot_buf_printf(w->b, "<%s>\n", name(k));
}

static void x_close(ot_cww *w, const char *k, bool list)
{
    if (!w->depth)
        return;
    indent(w);
    ot_buf_printf(w->b, "</%s>\n", name(k));
}

static void x_str(ot_cww *w, const char *k, const char *s)
{
    indent(w);
    ot_aws_xml_elem(w->b, name(k), s);
    ot_buf_putc(w->b, '\n');
}

static void x_num(ot_cww *w, const char *k, double v)
{
    /* The shortest of %.15g / %.17g that reads back exactly, as util/jsonw.c writes JSON. */
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v)
        snprintf(tmp, sizeof tmp, "%.17g", v);
    x_str(w, k, tmp);
}

static void x_int(ot_cww *w, const char *k, int64_t v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%" PRId64, v);
    x_str(w, k, tmp);
}

static void x_bool(ot_cww *w, const char *k, bool v)
{
    x_str(w, k, v ? "true" : "false");
}

static void x_time(ot_cww *w, const char *k, int64_t ms)
{
    char iso[32], tmp[40];
    ot_time_iso8601(ms - ms % 1000, iso); /* "...:SSZ" */
    iso[strlen(iso) - 1] = '\0';
    snprintf(tmp, sizeof tmp, "%s.%03dZ", iso, (int)(ms % 1000));
    x_str(w, k, tmp);
}

const ot_cww_ops ot_cww_xml_ops = {
    .open = x_open, .close = x_close, .str = x_str, .num = x_num,
    .integer = x_int, .boolean = x_bool, .time = x_time,
};
