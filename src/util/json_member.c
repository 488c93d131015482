/* json_member.c — a string member copied into a fixed buffer, whole or not at all. */
#include <string.h>

#include "util/err.h"
#include "util/json.h"

int ot_json_get_strbuf(ot_json obj, const char *key, char *out, size_t cap)
{
    const char *s;
    size_t n;
    out[0] = '\0';
    int rc = ot_json_get_str(obj, key, &s, &n);
    if (rc)
        return rc;
    if (n >= cap)
        return OT_ELIMIT;
    memcpy(out, s, n);
    out[n] = '\0';
    return OT_OK;
}
