/* jsonw_copy.c — a parsed JSON value written again through the writer, with a hook that may
 * rewrite object members on the way (the audit record's lower camel case keys, hidden
 * secrets). */
#include <stdio.h>

#include "util/jsonw.h"

void ot_jw_json(ot_jw *w, ot_json v, ot_jw_member_fn member, void *ctx)
{
    ot_json_iter it;
    ot_json child;
    const char *k;
    size_t kl;
    switch (ot_json_typeof(v)) {
    case OT_JSON_OBJECT:
        ot_jw_obj(w);
        ot_json_object_iter(v, &it);
        while (ot_json_object_next(&it, &k, &kl, &child)) {
            if (member && member(w, k, kl, child, ctx))
                continue;
            char key[256];
            ot_jw_key(w, ot_jw_key_copy(k, kl, key, sizeof key));
            ot_jw_json(w, child, member, ctx);
        }
        ot_jw_end(w);
        break;
    case OT_JSON_ARRAY:
        ot_jw_arr(w);
        ot_json_array_iter(v, &it);
        while (ot_json_array_next(&it, &child))
            ot_jw_json(w, child, member, ctx);
        ot_jw_end(w);
        break;
    default: {
        ot_buf tmp;
        ot_buf_init(&tmp, 0);
        if (ot_json_write(v, &tmp) == 0)
            ot_jw_raw(w, tmp.data, tmp.len);
        else
            ot_jw_null(w);
        ot_buf_free(&tmp);
    }
    }
}

const char *ot_jw_key_copy(const char *k, size_t kl, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)(kl < cap ? kl : cap - 1), k);
    return out;
}
