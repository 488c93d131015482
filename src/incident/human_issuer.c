/* human_issuer.c — finding, in the event history, the STS event that issued a session's
 * credentials: the AssumeRole, AssumeRoleWithSAML or AssumeRoleWithWebIdentity event whose
 * responseElements.credentials.accessKeyId is the session's access key (or, failing that, whose
 * responseElements.assumedRoleUser.arn is its ARN), at or before the time the session was used.
 *
 * The search reads STS events (LookupEvents' EventSource attribute) newest first, between the
 * session's creationDate (less a few minutes of clock skew) and the time of use; without a
 * creationDate it goes back as far as a role session can last (12 hours,
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). */
#include "incident/incident_int.h"

#include <stdlib.h>
#include <string.h>

#include "history/history.h"
#include "util/err.h"

#define SKEW_MS (5 * 60 * 1000LL)
#define MAX_SESSION_MS (12 * 3600 * 1000LL)
#define MAX_SCANNED 20000 /* STS events read per hop at most */

typedef struct search {
    const incident_who *w;
    ot_json_doc *doc;
    char *by_key, *by_arn; /* the matching records (malloc'd) */
    size_t key_len, arn_len;
    size_t scanned;
} search;

static bool issues_credentials(const char *event_name)
{
    return !strcmp(event_name, "AssumeRole") || !strcmp(event_name, "AssumeRoleWithSAML") ||
           !strcmp(event_name, "AssumeRoleWithWebIdentity");
}

/* Whether member path a.b of obj is the string want. */
static bool member_is(ot_json obj, const char *a, const char *b, const char *want)
{
    ot_json inner;
    const char *s;
    size_t n;
    return want[0] && ot_json_get(obj, a, &inner) == 0 && ot_json_get_str(inner, b, &s, &n) == 0 &&
           n == strlen(want) && !memcmp(s, want, n);
}

static char *dup_raw(const ot_history_hit *hit, size_t *len)
{
    char *copy = malloc(hit->raw_len + 1);
    if (copy) {
        memcpy(copy, hit->raw, hit->raw_len);
        copy[hit->raw_len] = '\0';
        *len = hit->raw_len;
    }
    return copy;
}

static int on_hit(void *ctx, const ot_history_hit *hit)
{
    search *s = ctx;
    s->scanned++;
    if (!hit->event_name || !issues_credentials(hit->event_name))
        return 0;
    ot_json rec, resp;
    const char *err;
    size_t n;
    if (ot_json_parse(s->doc, hit->raw, hit->raw_len, false, &rec, NULL, 0) != 0 ||
        ot_json_get_str(rec, "errorCode", &err, &n) == 0 ||
        ot_json_get(rec, "responseElements", &resp) != 0)
        return 0;
    if (member_is(resp, "credentials", "accessKeyId", s->w->access_key_id)) {
        s->by_key = dup_raw(hit, &s->key_len);
        return s->by_key ? 1 : OT_ENOMEM;
    }
    if (!s->by_arn && member_is(resp, "assumedRoleUser", "arn", s->w->arn) &&
        !(s->by_arn = dup_raw(hit, &s->arn_len)))
        return OT_ENOMEM;
    return 0;
}

static int64_t window_start(const incident_who *w, int64_t before_ms)
{
    int64_t lo = w->created_ms > 0 ? w->created_ms - SKEW_MS : before_ms - MAX_SESSION_MS - SKEW_MS;
    return lo < before_ms - SKEW_MS ? lo : before_ms - SKEW_MS;
}

/* Pages through the window until the key's event is found or MAX_SCANNED events were read. */
static int scan(ot_history *h, search *s, int64_t before_ms)
{
    ot_history_query q = {.nattrs = 1,
                          .start_ms = window_start(s->w, before_ms),
                          .end_ms = before_ms,
                          .cat = OT_HCAT_MANAGEMENT,
                          .limit = OT_HISTORY_MAX_PAGE};
    q.attrs[0].key = OT_HK_EVENT_SOURCE;
    q.attrs[0].value = "sts.amazonaws.com";
    ot_history_cursor next;
    bool more = true;
    int rc = 0;
    while (rc == 0 && more && s->scanned < MAX_SCANNED) {
        rc = ot_history_query_run(h, &q, on_hit, s, &more, &next);
        q.after = &next;
    }
    return rc == 1 ? 0 : rc;
}

int incident_find_issuer(ot_history *h, const incident_who *w, int64_t before_ms, char **raw,
                         size_t *len)
{
    *raw = NULL;
    if (!w->access_key_id[0] && !w->arn[0])
        return OT_ENOTFOUND;
    search s = {.w = w, .doc = ot_json_doc_new()};
    if (!s.doc)
        return OT_ENOMEM;
    int rc = scan(h, &s, before_ms);
    ot_json_doc_free(s.doc);
    if (!rc && (s.by_key || s.by_arn)) {
        *raw = s.by_key ? s.by_key : s.by_arn;
        *len = s.by_key ? s.key_len : s.arn_len;
        free(s.by_key ? s.by_arn : NULL);
        return OT_OK;
    }
    free(s.by_key);
    free(s.by_arn);
    return rc ? rc : OT_ENOTFOUND;
}
