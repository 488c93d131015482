/* bucket_incident.c — the incident bucket-policy-restore writes (docs/runbooks.md
 * "bucket-policy-restore"): the common members (rb_incident.c), the bucket, the verdict on the
 * policy, the policies before and after with their difference by statement, what the runbook
 * did, and the exposure window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond/bucket_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/timeutil.h"

#define SUBJECT_MAX 100 /* SNS's Subject limit */

/* A stored policy (JSON text) as a JSON value: the object, or null (none, or unreadable). */
static void write_policy(ot_jw *w, const char *key, const char *json)
{
    ot_json_doc *d = json ? ot_json_doc_new() : NULL;
    ot_json root;
    ot_jw_key(w, key);
    if (d && !ot_json_parse(d, json, strlen(json), false, &root, NULL, 0)) {
        ot_jw_begin_value(w);
        ot_json_write(root, w->b);
    } else {
        ot_jw_null(w);
    }
    ot_json_doc_free(d);
}

/* ---- the difference of two policies, statement by statement ---- */

typedef struct statements {
    ot_json_doc *doc;
    ot_buf text[64]; /* each statement, compact; policies have a few */
    size_t n;
} statements;

static void statements_read(statements *s, const char *json)
{
    ot_json root, st, e;
    ot_json_iter it;
    memset(s, 0, sizeof *s);
    if (!json || !(s->doc = ot_json_doc_new()) ||
        ot_json_parse(s->doc, json, strlen(json), false, &root, NULL, 0) ||
        ot_json_get(root, "Statement", &st))
        return;
    if (ot_json_typeof(st) == OT_JSON_OBJECT) {
        ot_json_write(st, &s->text[s->n++]);
        return;
    }
    if (ot_json_array_iter(st, &it))
        return;
    while (s->n < sizeof s->text / sizeof s->text[0] && ot_json_array_next(&it, &e))
        ot_json_write(e, &s->text[s->n++]);
}

static void statements_free(statements *s)
{
    for (size_t i = 0; i < s->n; i++)
        ot_buf_free(&s->text[i]);
    ot_json_doc_free(s->doc);
}

static bool holds(const statements *s, const ot_buf *t)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->text[i].len == t->len && !memcmp(s->text[i].data, t->data, t->len))
            return true;
    return false;
}

/* "key": the statements of a that b does not hold. */
static void write_missing(ot_jw *w, const char *key, const statements *a, const statements *b)
{
    ot_jw_key(w, key);
    ot_jw_arr(w);
    for (size_t i = 0; i < a->n; i++)
        if (!holds(b, &a->text[i]))
            ot_jw_raw(w, a->text[i].data, a->text[i].len);
    ot_jw_end(w);
}

/* "diff": {"added": [statements of the new policy the earlier lacked], "removed": […]}. */
static void write_diff(ot_jw *w, const char *earlier, const char *now)
{
    statements a, b;
    statements_read(&a, earlier);
    statements_read(&b, now);
    ot_jw_key(w, "diff");
    ot_jw_obj(w);
    write_missing(w, "added", &b, &a);
    write_missing(w, "removed", &a, &b);
    ot_jw_end(w);
    statements_free(&a);
    statements_free(&b);
}

/* ---- the record ---- */

static void write_state(ot_jw *w, const char *key, bool pub, int pab)
{
    static const char *const names[] = {"BlockPublicAcls", "IgnorePublicAcls",
                                        "BlockPublicPolicy", "RestrictPublicBuckets"};
    ot_jw_key(w, key);
    ot_jw_obj(w);
    ot_jw_kbool(w, "policyPublic", pub);
    ot_jw_key(w, "publicAccessBlock");
    if (pab < 0) {
        ot_jw_null(w);
    } else {
        ot_jw_obj(w);
        for (unsigned i = 0; i < 4; i++)
            ot_jw_kbool(w, names[i], (unsigned)pab & (1u << i));
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

static void write_action(ot_jw *w, const rb_bucket_outcome *o)
{
    char result[600];
    snprintf(result, sizeof result, "%s%s",
             !strcmp(o->status, "failed")     ? "failed: "
             : !strcmp(o->status, "restored") ? "succeeded"
             : !strcmp(o->status, "dry-run")  ? "skipped"
                                              : "not-needed",
             !strcmp(o->status, "failed") ? o->error : "");
    ot_jw_key(w, "action");
    ot_jw_obj(w);
    ot_jw_kstr(w, "taken", o->taken[0] ? o->taken : "none");
    ot_jw_kstr(w, "result", result);
    write_state(w, "before", o->public_before, o->pab_before);
    write_state(w, "after", o->public_after, o->pab_after);
    if (o->own_event_id[0])
        ot_jw_kstr(w, "eventID", o->own_event_id);
    ot_jw_kbool(w, "dryRun", o->dry_run);
    ot_jw_end(w);
}

/* The exposure: from the trigger's eventTime to the first later policy that is not public
 * (ours or someone's), or to now while it lasts (a dry run, a failure). */
static void write_window(ot_jw *w, const rb_trigger *t, const rb_bucket_outcome *o,
                         int64_t now)
{
    if (!t->event_ms || (!o->exposed_until_ms && !strcmp(o->status, "no-action-needed")))
        return;
    rb_write_window_open(w, t->event_ms, o->exposed_until_ms ? o->exposed_until_ms : now);
    ot_jw_kbool(w, "ongoing", !o->exposed_until_ms);
    ot_jw_end(w);
}

static void write_restored_version(ot_jw *w, const rb_bucket_outcome *o)
{
    ot_jw_key(w, "restoredVersion");
    if (!o->have_restore) {
        ot_jw_null(w);
        return;
    }
    char when[32];
    ot_time_iso8601_ms(o->restore->time_ms, when);
    ot_jw_obj(w);
    ot_jw_kstr(w, "eventID", o->restore->event_id);
    ot_jw_kstr(w, "time", when);
    ot_jw_kstr(w, "principal", o->restore->principal);
    ot_jw_kbool(w, "deleted", !o->restore->policy);
    ot_jw_end(w);
}

static void write_details(ot_jw *w, const rb_bucket_outcome *o)
{
    const char *restored = o->have_restore ? o->restore->policy : NULL;
    ot_jw_key(w, "details");
    ot_jw_obj(w);
    ot_jw_kstr(w, "verdict", "public");
    ot_jw_kstr(w, "reason", o->verdict);
    write_policy(w, "newPolicy", o->new_policy);
    write_policy(w, "previousPolicy", o->previous);
    write_policy(w, "restoredPolicy", restored);
    write_restored_version(w, o);
    write_diff(w, restored, o->new_policy);
    ot_jw_kstr(w, "steps", o->steps);
    ot_jw_end(w);
}

static int build(ot_runbooks *rb, const rb_trigger *t, const rb_bucket_outcome *o,
                 const ot_human *h, const char *title, int64_t now, ot_buf *out)
{
    ot_jw w;
    char arn[96];
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", o->bucket);
    rb_incident_head head = {.runbook = RB_BUCKET_RESTORE, .status = o->status, .title = title,
                             .created_ms = now, .resource_type = "AWS::S3::Bucket",
                             .resource_arn = arn, .resource_name = o->bucket,
                             .change = o->change};
    ot_jw_init(&w, out);
    rb_write_head(&w, &head, t, h);
    write_action(&w, o);
    write_window(&w, t, o, now);
    rb_write_prior(&w, rb->incidents, h->name, now);
    write_details(&w, o);
    rb_write_tail(&w);
    return ot_jw_error(&w);
}

static void subject_of(const rb_bucket_outcome *o, char out[SUBJECT_MAX + 1])
{
    const char *fmt = !strcmp(o->status, "restored")  ? "Public bucket policy reverted on %s"
                      : !strcmp(o->status, "dry-run") ? "Public bucket policy on %s not reverted (dry run)"
                      : !strcmp(o->status, "failed")  ? "Public bucket policy on %s NOT reverted"
                                                      : "Public bucket policy on %s: no action needed";
    snprintf(out, SUBJECT_MAX + 1, fmt, o->bucket);
}

int rb_bucket_incident(ot_runbooks *rb, const rb_trigger *t, const rb_bucket_outcome *o)
{
    ot_human h;
    rb_resolve_human(rb, t, RB_BUCKET_RESTORE, &h);
    char subject[SUBJECT_MAX + 1];
    subject_of(o, subject);
    int64_t now = ot_now_ms();
    ot_buf body;
    ot_buf_init(&body, 0);
    int rc = build(rb, t, o, &h, subject, now, &body);
    char id[32] = "";
    if (!rc)
        rc = rb_incident_store(rb, RB_BUCKET_RESTORE, t, &h, now, body.data, subject, id);
    if (!rc)
        ot_info("bucket-policy-restore: incident %s for %s of %s (%s)", id,
                t->ev->event_name, o->bucket, o->status);
    ot_human_free(&h);
    ot_buf_free(&body);
    return rc;
}
