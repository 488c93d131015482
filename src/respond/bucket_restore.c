/* bucket_restore.c — the bucket-policy-restore runbook (docs/runbooks.md
 * "bucket-policy-restore"): a change that leaves a bucket with a public policy is undone.
 *
 * Triggers: PutBucketPolicy whose policy is public (S3's rule, ot_s3_policy_is_public), and a
 * Block Public Access change that weakens it (PutBucketPublicAccessBlock without
 * BlockPublicPolicy or RestrictPublicBuckets, DeleteBucketPublicAccessBlock) while the
 * bucket's policy is public. Anything else (a private policy, a deletion) raises nothing.
 * Steps, each a real S3 call as the responder (bucket_invoke.c), so each is in the trail:
 *   1. The state, not the request: a bucket whose policy is no longer public needs nothing
 *      (someone fixed it, or an earlier run did: re-runs are idempotent).
 *   2. PutBucketPolicy with the newest earlier version of the policy that is not public
 *      (the bucket's policy history, store.h), or DeleteBucketPolicy when that version is a
 *      deletion or there is none.
 *   3. PutBucketPublicAccessBlock with all four settings on.
 * The exposure window runs from the trigger's eventTime to the first later version of the
 * policy that is not public (ours, or someone's before us). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_policy.h"
#include "respond/bucket_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

#define PAB_ALL_ON "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/" \
                   "2006-03-01/\"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>" \
                   "true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy>"     \
                   "<RestrictPublicBuckets>true</RestrictPublicBuckets>"                    \
                   "</PublicAccessBlockConfiguration>"

static const char *const trigger_names[] = {"PutBucketPolicy", "DeleteBucketPolicy",
                                            "PutBucketPublicAccessBlock",
                                            "DeleteBucketPublicAccessBlock"};

bool rb_bucket_restore_wants(const ot_event *ev)
{
    return rb_event_is(ev, "s3.amazonaws.com", trigger_names,
                       sizeof trigger_names / sizeof trigger_names[0]);
}

/* ---- what the trigger did ---- */

typedef struct bucket_run {
    ot_runbooks *rb;
    const rb_trigger *t;
    ot_json params;             /* the trigger's requestParameters */
    rb_bucket_outcome o;
    char *current;              /* the bucket's policy now (malloc'd), NULL: none */
    ot_buf new_policy;          /* the policy the trigger left in force */
    ot_policy_version *versions;
    size_t nversions;
    size_t trigger_at;          /* index of the trigger's version; nversions: not in it */
} bucket_run;

static bool is_public(const char *json, char *why, size_t whylen)
{
    return json && ot_s3_policy_is_public(json, strlen(json), why, whylen);
}

/* Whether a Block Public Access change leaves public policies effective: a delete, or a put
 * without BlockPublicPolicy or without RestrictPublicBuckets. */
static bool pab_weakened(bucket_run *r)
{
    ot_json conf;
    bool block = false, restrict_ = false;
    if (!strcmp(r->t->ev->event_name, "DeleteBucketPublicAccessBlock"))
        return true;
    if (ot_json_get(r->params, "PublicAccessBlockConfiguration", &conf))
        return true;
    ot_json_get_bool(conf, "BlockPublicPolicy", &block);
    ot_json_get_bool(conf, "RestrictPublicBuckets", &restrict_);
    return !block || !restrict_;
}

/* The public policy the trigger put (PutBucketPolicy) or left effective (a weakened Block
 * Public Access); false when there is none: nothing to do, no incident. */
static bool exposing_policy(bucket_run *r)
{
    rb_bucket_outcome *o = &r->o;
    const char *name = r->t->ev->event_name;
    ot_json pol;
    if (!strcmp(name, "PutBucketPolicy")) {
        if (ot_json_get(r->params, "bucketPolicy", &pol) || ot_json_write(pol, &r->new_policy))
            return false;
        snprintf(o->change, sizeof o->change, "PutBucketPolicy: a public policy on %s",
                 o->bucket);
    } else if (!strcmp(name, "DeleteBucketPolicy") || !r->current || !pab_weakened(r)) {
        return false; /* a deletion never makes a bucket public */
    } else {
        ot_buf_puts(&r->new_policy, r->current);
        snprintf(o->change, sizeof o->change, "%s: Block Public Access weakened on %s, whose "
                 "policy is public", name, o->bucket);
    }
    o->new_policy = r->new_policy.data;
    return is_public(o->new_policy, o->verdict, sizeof o->verdict);
}

/* Finds in the history the trigger's version, the one before it, the newest earlier one that
 * is not public (to restore) and the first later one that is not public (the exposure's end). */
static void read_history(bucket_run *r)
{
    rb_bucket_outcome *o = &r->o;
    const char *id = r->t->ev->event_id;
    size_t n = r->nversions, at = n;
    for (size_t i = 0; i < n && at == n; i++)
        if (!strcmp(r->versions[i].event_id, id))
            at = i;
    r->trigger_at = at;
    /* a Block Public Access trigger has no version: it acts on the newest public one */
    size_t upto = at < n ? at : n;
    while (at == n && upto > 0 && is_public(r->versions[upto - 1].policy, NULL, 0))
        upto--;
    if (at < n && at > 0)
        o->previous = r->versions[at - 1].policy;
    for (size_t i = upto; i-- > 0 && !o->have_restore;)
        if (!is_public(r->versions[i].policy, NULL, 0))
            o->have_restore = true, o->restore = &r->versions[i];
    for (size_t i = at < n ? at + 1 : n; i < n && !o->exposed_until_ms; i++)
        if (!is_public(r->versions[i].policy, NULL, 0))
            o->exposed_until_ms = r->versions[i].time_ms;
}

static int pab_now(bucket_run *r)
{
    unsigned flags;
    return ot_store_pab_get(r->rb->srv->store, r->o.bucket, &flags) ? -1 : (int)flags;
}

/* The bucket's state now into current / the outcome's before (or after) fields. */
static void read_state(bucket_run *r, bool after)
{
    size_t len;
    free(r->current);
    r->current = NULL;
    if (ot_store_policy_get(r->rb->srv->store, r->o.bucket, &r->current, &len))
        r->current = NULL;
    bool pub = is_public(r->current, NULL, 0);
    *(after ? &r->o.public_after : &r->o.public_before) = pub;
    *(after ? &r->o.pab_after : &r->o.pab_before) = pab_now(r);
}

/* ---- acting ---- */

static void note(bucket_run *r, const char *fmt, const char *arg)
{
    size_t n = strlen(r->o.steps);
    snprintf(r->o.steps + n, sizeof r->o.steps - n, "%s", n ? "; " : "");
    n = strlen(r->o.steps);
    snprintf(r->o.steps + n, sizeof r->o.steps - n, fmt, arg);
}

static void taken(bucket_run *r, const char *op)
{
    size_t n = strlen(r->o.taken);
    snprintf(r->o.taken + n, sizeof r->o.taken - n, "%s%s", n ? ", " : "", op);
}

/* One changing call (in a dry run only noted); false when it failed. */
static bool call(bucket_run *r, const char *op, const char *method, const char *sub,
                 const char *body, bool restoring)
{
    rb_s3_call c;
    taken(r, op);
    if (r->o.dry_run)
        return true;
    if (rb_invoke_s3(r->rb->srv, r->t->account, r->t->region, method, r->o.bucket, sub, body,
                     &c)) {
        snprintf(r->o.error, sizeof r->o.error, "%s: %s %.300s", op, c.error_code,
                 c.error_message);
        note(r, "%s", r->o.error);
        return false;
    }
    if (restoring) {
        memcpy(r->o.own_event_id, c.event_id, sizeof r->o.own_event_id);
        if (!r->o.exposed_until_ms)
            r->o.exposed_until_ms = c.at_ms;
    }
    return true;
}

static void act(bucket_run *r)
{
    rb_bucket_outcome *o = &r->o;
    const ot_policy_version *v = o->have_restore ? o->restore : NULL;
    bool ok = v && v->policy
                  ? call(r, "PutBucketPolicy", "PUT", "policy", v->policy, true)
                  : call(r, "DeleteBucketPolicy", "DELETE", "policy", NULL, true);
    if (ok)
        note(r, v && v->policy ? "put back the policy version of eventID %s"
                : v            ? "deleted the policy, as version %s had"
                               : "deleted the policy (no earlier version)%s",
             v ? v->event_id : "");
    if (ok && o->pab_before != OT_PAB_ALL) {
        ok = call(r, "PutBucketPublicAccessBlock", "PUT", "publicAccessBlock", PAB_ALL_ON,
                  false);
        if (ok)
            note(r, "%sturned Block Public Access on", "");
    }
    o->status = !ok ? "failed" : o->dry_run ? "dry-run" : "restored";
}

static int run(bucket_run *r)
{
    rb_bucket_outcome *o = &r->o;
    read_state(r, false);
    if (!exposing_policy(r))
        return OT_OK;
    int rc = ot_store_policy_history(r->rb->srv->store, o->bucket, &r->versions,
                                     &r->nversions);
    if (!rc)
        read_history(r);
    if (rc && o->public_before) { /* without it, deleting could lose a good policy */
        o->status = "failed";
        snprintf(o->error, sizeof o->error, "the policy history cannot be read: %s",
                 ot_strerror(rc));
        note(r, "%s", o->error);
    } else if (!o->public_before) {
        o->status = "no-action-needed";
        note(r, "%sthe bucket's policy is not public now", "");
    } else {
        act(r);
    }
    if (!o->dry_run)
        read_state(r, true);
    else
        o->public_after = o->public_before, o->pab_after = o->pab_before;
    return rb_bucket_incident(r->rb, r->t, o);
}

int rb_bucket_restore_run(ot_runbooks *rb, rb_trigger *t)
{
    const ot_config *cfg = &rb->srv->cfg;
    bucket_run r = {.rb = rb, .t = t};
    const char *name;
    size_t n;
    int mode = rb_run_mode(cfg->runbook_bucket_policy_restore, t);
    if (mode == OT_RUNBOOK_OFF || !rb->srv->store ||
        ot_json_get(t->root, "requestParameters", &r.params) ||
        ot_json_get_str(r.params, "bucketName", &name, &n) || n == 0 ||
        n >= sizeof r.o.bucket)
        return OT_OK;
    memcpy(r.o.bucket, name, n);
    r.o.bucket[n] = '\0';
    if (!ot_store_bucket_name_valid(r.o.bucket) ||
        ot_store_bucket_exists(rb->srv->store, r.o.bucket) ||
        rb_list_names(cfg->runbook_bucket_policy_restore_exclude, r.o.bucket, NULL))
        return OT_OK;
    r.o.dry_run = mode == OT_RUNBOOK_DRY_RUN;
    ot_buf_init(&r.new_policy, 0);
    int rc = run(&r);
    if (rc)
        ot_warn("bucket-policy-restore: incident of %s not stored: %s", t->ev->event_id,
                ot_strerror(rc));
    ot_policy_versions_free(r.versions, r.nversions);
    ot_buf_free(&r.new_policy);
    free(r.current);
    return rc;
}
