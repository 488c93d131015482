/* history_json.c — one event of a LookupEvents answer as JSON: the one builder behind both the
 * API (api_lookup.c) and `opentrail lookup --output json` (cmd_lookup.c). */
#include <string.h>

#include "history/history.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

/* An attribute that may be absent: left out, or null when the style asks for nulls. */
static void opt_str(ot_jw *w, const char *key, const char *v, const ot_history_json_style *s)
{
    if (v || s->nulls)
        ot_jw_kstr(w, key, v);
}

/* EventTime: epoch seconds as the API sends it (a whole number when it is one), or ISO text. */
static void event_time(ot_jw *w, int64_t ms, const ot_history_json_style *s)
{
    ot_jw_key(w, "EventTime");
    if (s->iso_time) {
        char when[32];
        ot_time_iso8601(ms, when);
        ot_jw_str(w, when);
    } else if (ms % 1000 == 0) {
        ot_jw_int(w, ms / 1000);
    } else {
        ot_jw_num(w, (double)ms / 1000.0);
    }
}

int ot_history_json_event(ot_jw *w, const ot_history_hit *e, const ot_history_json_style *style)
{
    static const ot_history_json_style api = {0};
    const ot_history_json_style *s = style ? style : &api;
    ot_jw_obj(w);
    ot_jw_kstr(w, "EventId", e->event_id);
    opt_str(w, "EventName", e->event_name, s);
    if (e->read_only >= 0)
        ot_jw_kstr(w, "ReadOnly", e->read_only ? "true" : "false");
    opt_str(w, "AccessKeyId", e->access_key_id, s);
    event_time(w, e->time_ms, s);
    opt_str(w, "EventSource", e->event_source, s);
    opt_str(w, "Username", e->username, s);
    ot_jw_key(w, "Resources");
    ot_jw_raw(w, e->resources_json, strlen(e->resources_json));
    ot_jw_key(w, "CloudTrailEvent");
    if (s->raw_record)
        ot_jw_raw(w, e->raw, e->raw_len);
    else
        ot_jw_strn(w, e->raw, e->raw_len);
    ot_jw_end(w);
    return ot_jw_error(w);
}
