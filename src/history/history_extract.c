/* history_extract.c — the facts an index row needs, read from one CloudTrail record.
 *
 * Username follows what AWS event history shows (docs/internals/HISTORY.md): the IAM user name,
 * the session name of an assumed role (the last part of its ARN, as in the aws CLI's
 * lookup-events example), the federated user's name, "root" for the root user, else any
 * userIdentity.userName. Resources come from resources[] (type, ARN); each ARN is indexed both
 * whole and by its last name part, so ResourceName matches "my-bucket" and its full ARN. */
#include "history/history_int.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

/* Appends s[0..n) plus a NUL to the arena; returns its offset or -1. */
static int32_t put(ot_buf *a, const char *s, size_t n)
{
    if (a->len + n + 1 > INT32_MAX)
        return -1;
    int32_t off = (int32_t)a->len;
    if (ot_buf_append(a, s, n) || ot_buf_putc(a, '\0'))
        return -1;
    return off;
}

static int32_t put_member(ot_json obj, const char *key, ot_buf *a)
{
    const char *s;
    size_t n;
    if (ot_json_get_str(obj, key, &s, &n) != 0 || n == 0 || strlen(s) != n)
        return -1;
    return put(a, s, n);
}

/* The part of arn after the last '/' (or ':' if it has no '/'). */
static const char *last_part(const char *arn, size_t n, size_t *outn)
{
    size_t i = n;
    while (i > 0 && arn[i - 1] != '/')
        i--;
    if (i == 0) {
        i = n;
        while (i > 0 && arn[i - 1] != ':')
            i--;
    }
    *outn = n - i;
    return arn + i;
}

static int32_t username(ot_json rec, ot_buf *a)
{
    ot_json id;
    if (ot_json_get(rec, "userIdentity", &id) != 0 || ot_json_typeof(id) != OT_JSON_OBJECT)
        return -1;
    const char *type = "", *arn = NULL, *s;
    size_t tn = 0, an = 0, n;
    ot_json_get_str(id, "type", &type, &tn);
    if (ot_json_get_str(id, "arn", &arn, &an) != 0)
        arn = NULL;
    if (!strcmp(type, "AssumedRole") || !strcmp(type, "FederatedUser")) {
        const char *marker = type[0] == 'A' ? ":assumed-role/" : ":federated-user/";
        const char *m = arn ? strstr(arn, marker) : NULL;
        if (m) {
            s = last_part(arn, an, &n);
            if (n)
                return put(a, s, n);
        }
        const char *pid;
        size_t pn;
        if (ot_json_get_str(id, "principalId", &pid, &pn) == 0) {
            const char *colon = memchr(pid, ':', pn);
            if (colon && colon + 1 < pid + pn)
                return put(a, colon + 1, (size_t)(pid + pn - colon - 1));
        }
    }
    int32_t u = put_member(id, "userName", a);
    if (u >= 0)
        return u;
    if (!strcmp(type, "Root"))
        return put(a, "root", 4);
    return -1;
}

static int resources(ot_json rec, ot_history_row *row, ot_buf *a)
{
    ot_json arr, r;
    ot_json_iter it;
    ot_buf js;
    ot_buf_init(&js, 1 << 20);
    ot_buf_putc(&js, '[');
    row->nres = 0;
    if (ot_json_get(rec, "resources", &arr) == 0 && ot_json_array_iter(arr, &it) == 0) {
        while (ot_json_array_next(&it, &r) && row->nres < OT_HISTORY_MAX_RESOURCES) {
            if (ot_json_typeof(r) != OT_JSON_OBJECT)
                continue;
            const char *type = NULL, *arn = NULL;
            size_t tn = 0, an = 0;
            if (ot_json_get_str(r, "type", &type, &tn) != 0)
                type = NULL;
            if (ot_json_get_str(r, "ARN", &arn, &an) != 0 &&
                ot_json_get_str(r, "ARNPrefix", &arn, &an) != 0)
                arn = NULL;
            if (!type && !arn)
                continue;
            if (js.len > 1)
                ot_buf_putc(&js, ',');
            ot_buf_puts(&js, "{\"ResourceType\":");
            if (type)
                ot_json_escape(&js, type, tn);
            else
                ot_buf_puts(&js, "null");
            ot_buf_puts(&js, ",\"ResourceName\":");
            if (arn)
                ot_json_escape(&js, arn, an);
            else
                ot_buf_puts(&js, "null");
            ot_buf_putc(&js, '}');
            row->res_type[row->nres] = type && tn ? put(a, type, tn) : -1;
            row->res_name[row->nres] = arn && an ? put(a, arn, an) : -1;
            row->nres++;
        }
    }
    int rc = ot_buf_putc(&js, ']');
    row->resources_json = rc ? -1 : put(a, js.data, js.len);
    ot_buf_free(&js);
    return row->resources_json < 0 ? OT_ENOMEM : OT_OK;
}

static int category(ot_json rec)
{
    const char *s;
    size_t n;
    bool b;
    if (ot_json_get_str(rec, "eventType", &s, &n) == 0 && !strcmp(s, "AwsCloudTrailInsight"))
        return OT_HCAT_INSIGHT;
    if (ot_json_get_str(rec, "eventCategory", &s, &n) == 0) {
        if (!strcmp(s, "Insight"))
            return OT_HCAT_INSIGHT;
        return strcmp(s, "Management") ? OT_HCAT_DATA : OT_HCAT_MANAGEMENT;
    }
    if (ot_json_get_bool(rec, "managementEvent", &b) == 0 && !b)
        return OT_HCAT_DATA;
    return OT_HCAT_MANAGEMENT;
}

static int8_t read_only(ot_json rec)
{
    bool b;
    const char *s;
    size_t n;
    if (ot_json_get_bool(rec, "readOnly", &b) == 0)
        return b ? 1 : 0;
    if (ot_json_get_str(rec, "readOnly", &s, &n) == 0) /* a few old records quote it */
        return !strcmp(s, "true") ? 1 : !strcmp(s, "false") ? 0 : -1;
    return -1;
}

static int32_t access_key(ot_json rec, ot_buf *a)
{
    ot_json id;
    if (ot_json_get(rec, "userIdentity", &id) != 0 || ot_json_typeof(id) != OT_JSON_OBJECT)
        return -1;
    return put_member(id, "accessKeyId", a);
}

int ot_history_extract(ot_json_doc *doc, const char *raw, size_t len, bool padded, int cat_hint,
                       ot_history_row *row, ot_buf *arena, ot_history_skip *why)
{
    ot_json rec;
    *why = OT_HX_OK;
    memset(row, 0, sizeof *row);
    if (ot_json_parse(doc, raw, len, padded, &rec, NULL, 0) != 0)
        return OT_EINVAL;
    if (ot_json_typeof(rec) != OT_JSON_OBJECT) {
        *why = OT_HX_NOT_OBJECT;
        return OT_ENOTFOUND;
    }
    const char *t;
    size_t tn;
    if ((row->event_id = put_member(rec, "eventID", arena)) < 0) {
        *why = OT_HX_NO_EVENT_ID;
        return OT_ENOTFOUND;
    }
    if (ot_json_get_str(rec, "eventTime", &t, &tn) != 0 ||
        ot_time_parse_iso8601(t, &row->time_ms) != 0) {
        *why = OT_HX_BAD_TIME;
        return OT_ENOTFOUND;
    }
    row->cat = (uint8_t)(cat_hint >= 0 ? cat_hint : category(rec));
    row->read_only = read_only(rec);
    /* An Insights record names its API inside insightDetails only; LookupEvents shows it. */
    ot_json details;
    ot_json named = rec;
    if (row->cat == OT_HCAT_INSIGHT && ot_json_get(rec, "insightDetails", &details) == 0 &&
        ot_json_typeof(details) == OT_JSON_OBJECT)
        named = details;
    row->event_name = put_member(named, "eventName", arena);
    row->event_source = put_member(named, "eventSource", arena);
    row->username = username(rec, arena);
    row->access_key_id = access_key(rec, arena);
    row->region = put_member(rec, "awsRegion", arena);
    row->raw = raw;
    row->raw_len = len;
    return resources(rec, row, arena);
}

const char *hist_short_name_n(const char *arn, size_t len, size_t *n)
{
    const char *s = last_part(arn, len, n);
    return (*n == 0 || *n == len) ? NULL : s;
}

const char *ot_history_short_name(const char *arn, size_t *n)
{
    return hist_short_name_n(arn, strlen(arn), n);
}
