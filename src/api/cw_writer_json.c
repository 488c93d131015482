/* cw_writer_json.c — the awsJson1_0 backend of the CloudWatch answer writer: members through
 * util/jsonw.h, timestamps as epoch seconds (a number, as awsJson1_0 sends them). */
#include "api/cw_writer.h"
#include "util/jsonw.h"

static ot_jw *jw(ot_cww *w)
{
    return &w->jw;
}

static void key(ot_cww *w, const char *k)
{
    if (k)
        ot_jw_key(jw(w), k);
}

static void j_open(ot_cww *w, const char *k, bool list)
{
    ot_jw *j = jw(w);
    key(w, k);
    if (list)
        ot_jw_arr(j);
    else
        ot_jw_obj(j);
}

static void j_close(ot_cww *w, const char *k, bool list)
{
    ot_jw_end(jw(w));
}

static void j_str(ot_cww *w, const char *k, const char *s)
{
    key(w, k);
    ot_jw_str(jw(w), s);
}

static void j_num(ot_cww *w, const char *k, double v)
{
    key(w, k);
    ot_jw_num(jw(w), v);
}

static void j_int(ot_cww *w, const char *k, int64_t v)
{
    key(w, k);
    ot_jw_int(jw(w), v);
}

static void j_bool(ot_cww *w, const char *k, bool v)
{
    key(w, k);
    ot_jw_bool(jw(w), v);
}

static void j_time(ot_cww *w, const char *k, int64_t ms)
{
    key(w, k);
    ot_jw_num(jw(w), (double)ms / 1000.0);
}

const ot_cww_ops ot_cww_json_ops = {
    .open = j_open, .close = j_close, .str = j_str, .num = j_num,
    .integer = j_int, .boolean = j_bool, .time = j_time,
};
