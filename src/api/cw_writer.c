/* cw_writer.c — the CloudWatch answer writer: the container stack every backend shares, and
 * the choice of backend. The backends are cw_writer_cbor.c, cw_writer_json.c and
 * cw_writer_xml.c. */
#include "api/cw_writer.h"

#include <stdlib.h>
#include <string.h>

void ot_cww_init(ot_cww *w, ot_cw_proto proto, ot_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->ops = proto == OT_CW_PROTO_CBOR   ? &ot_cww_cbor_ops
             : proto == OT_CW_PROTO_JSON ? &ot_cww_json_ops
                                         : &ot_cww_xml_ops;
    ot_jw_init(&w->jw, b);
}

static void open_container(ot_cww *w, const char *key, bool list)
{
    if (w->depth == OT_CWW_DEPTH_MAX)
        abort(); /* our own output shapes are a few levels deep: a bug, not input */
    w->ops->open(w, key, list);
    w->keys[w->depth] = key;
    w->lists[w->depth] = list;
    w->depth++;
}

void ot_cww_map(ot_cww *w, const char *key)
{
    open_container(w, key, false);
}

void ot_cww_list(ot_cww *w, const char *key)
{
    open_container(w, key, true);
}

void ot_cww_end(ot_cww *w)
{
    if (!w->depth)
        abort();
    w->depth--;
    w->ops->close(w, w->keys[w->depth], w->lists[w->depth]);
}

void ot_cww_str(ot_cww *w, const char *key, const char *s)
{
    if (s)
        w->ops->str(w, key, s);
}

void ot_cww_num(ot_cww *w, const char *key, double v)
{
    w->ops->num(w, key, v);
}

void ot_cww_int(ot_cww *w, const char *key, int64_t v)
{
    w->ops->integer(w, key, v);
}

void ot_cww_bool(ot_cww *w, const char *key, bool v)
{
    w->ops->boolean(w, key, v);
}

void ot_cww_time(ot_cww *w, const char *key, int64_t ms)
{
    w->ops->time(w, key, ms);
}
