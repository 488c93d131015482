/* human_resolve.c — the human behind the principal of one CloudTrail record (docs/runbooks.md,
 * "Resolving an assumed role to a human").
 *
 * The record's userIdentity is tried against the rules that need no lookup (human_who.c). An
 * assumed role they cannot name is followed back through the event history: the STS event that
 * issued its credentials (human_issuer.c) has a caller of its own, which is tried in turn — an
 * IAM user, a SAML or web identity, another account, or again an assumed role (role chaining).
 * Each step is a hop of the chain; at most OT_HUMAN_MAX_HOPS are followed, and an event met
 * twice (a loop) ends the walk unresolved. */
#include "incident/incident_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history/history.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/timeutil.h"

#define OT_HUMAN_MAX_HOPS 10

typedef struct walk {
    ot_history *history;
    ot_json_doc *doc;
    ot_jw jw; /* the chain */
    char seen[OT_HUMAN_MAX_HOPS][128];
    size_t nseen;
} walk;

static void str_member(ot_json obj, const char *a, const char *b, char *out, size_t cap)
{
    ot_json inner;
    const char *s;
    size_t n;
    out[0] = '\0';
    if (ot_json_get(obj, a, &inner) == 0 && ot_json_get_str(inner, b, &s, &n) == 0)
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), s);
}

static const char *str_or(ot_json obj, const char *key, const char *dflt)
{
    const char *s;
    size_t n;
    return ot_json_get_str(obj, key, &s, &n) == 0 ? s : dflt;
}

/* The caller of record rec (no userIdentity: an identity of no type, which resolves to nobody). */
static void read_caller(ot_json rec, incident_who *w)
{
    ot_json id;
    if (ot_json_get(rec, "userIdentity", &id) != 0)
        memset(w, 0, sizeof *w);
    else
        incident_who_read(id, w);
}

static bool seen_before(walk *k, const char *event_id)
{
    for (size_t i = 0; i < k->nseen; i++)
        if (!strcmp(k->seen[i], event_id))
            return true;
    if (k->nseen < OT_HUMAN_MAX_HOPS)
        snprintf(k->seen[k->nseen++], sizeof k->seen[0], "%s", event_id);
    return false;
}

/* Appends the hop for the issuing event rec, whose caller is caller. */
static void write_hop(walk *k, ot_json rec, const incident_who *caller)
{
    ot_json resp;
    char arn[512] = "", key[128] = "";
    if (ot_json_get(rec, "responseElements", &resp) == 0) {
        str_member(resp, "assumedRoleUser", "arn", arn, sizeof arn);
        str_member(resp, "credentials", "accessKeyId", key, sizeof key);
    }
    ot_jw *w = &k->jw;
    ot_jw_obj(w);
    ot_jw_kstr(w, "eventID", str_or(rec, "eventID", ""));
    ot_jw_kstr(w, "eventName", str_or(rec, "eventName", ""));
    ot_jw_kstr(w, "eventTime", str_or(rec, "eventTime", ""));
    ot_jw_kstr(w, "arn", arn);
    ot_jw_kstr(w, "accessKeyId", key);
    ot_jw_kstr(w, "callerType", caller->type);
    ot_jw_kstr(w, "callerArn", caller->arn[0] ? caller->arn : caller->principal_id);
    ot_jw_end(w);
}

/* Parses the issuing event raw: its caller becomes *w and its time *t. 1 when the event was met
 * before (a loop), 0, or OT_EINVAL. */
static int step(walk *k, const char *raw, size_t len, incident_who *w, int64_t *t)
{
    ot_json rec;
    const char *time;
    size_t n;
    if (ot_json_parse(k->doc, raw, len, false, &rec, NULL, 0) != 0 ||
        ot_json_get_str(rec, "eventTime", &time, &n) != 0 || ot_time_parse_iso8601(time, t) != 0)
        return OT_EINVAL;
    if (seen_before(k, str_or(rec, "eventID", "")))
        return 1;
    read_caller(rec, w);
    write_hop(k, rec, w);
    return 0;
}

/* Walks from w (used at time t) to the human, filling out; out stays unresolved when the chain
 * cannot be followed. */
static int follow(walk *k, incident_who *w, int64_t t, ot_human *out)
{
    for (int hop = 0;; hop++) {
        if (incident_who_direct(w, out)) {
            if (hop > 0 && out->how == OT_HUMAN_IAM_USER)
                out->how = OT_HUMAN_ASSUME_ROLE;
            return OT_OK;
        }
        if (strcmp(w->type, "AssumedRole") || !k->history || hop == OT_HUMAN_MAX_HOPS)
            return OT_OK;
        char *raw;
        size_t len;
        int rc = incident_find_issuer(k->history, w, t, &raw, &len);
        if (rc == OT_ENOTFOUND)
            return OT_OK;
        if (rc) {
            ot_warn("incident: the event history could not be searched for the human behind %s: "
                    "%s", w->arn, ot_strerror(rc));
            return rc == OT_ENOMEM ? rc : OT_OK;
        }
        rc = step(k, raw, len, w, &t);
        free(raw);
        if (rc)
            return rc == 1 || rc == OT_EINVAL ? OT_OK : rc;
    }
}

static int resolve_record(walk *k, const char *record, size_t len, ot_human *out)
{
    ot_json rec;
    if (ot_json_parse(k->doc, record, len, false, &rec, NULL, 0) != 0 ||
        ot_json_typeof(rec) != OT_JSON_OBJECT)
        return OT_EINVAL;
    incident_who w;
    read_caller(rec, &w);
    int64_t t;
    const char *time;
    size_t n;
    if (ot_json_get_str(rec, "eventTime", &time, &n) != 0 || ot_time_parse_iso8601(time, &t) != 0)
        t = ot_now_ms();
    return follow(k, &w, t, out);
}

int ot_human_resolve(ot_history *history, const char *record, size_t len, ot_human *out)
{
    memset(out, 0, sizeof *out);
    walk k = {.history = history, .doc = ot_json_doc_new()};
    if (!k.doc)
        return OT_ENOMEM;
    ot_buf chain;
    ot_buf_init(&chain, 1 << 20);
    ot_jw_init(&k.jw, &chain);
    ot_jw_arr(&k.jw);
    int rc = resolve_record(&k, record, len, out);
    ot_jw_end(&k.jw);
    ot_json_doc_free(k.doc);
    if (!rc)
        rc = ot_jw_error(&k.jw);
    if (!rc && !(out->chain_json = ot_buf_take(&chain, NULL)))
        rc = OT_ENOMEM;
    ot_buf_free(&chain);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

void ot_human_free(ot_human *h)
{
    if (!h)
        return;
    free(h->chain_json);
    h->chain_json = NULL;
}
