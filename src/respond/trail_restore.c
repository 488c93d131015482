/* trail_restore.c — the trail-restore runbook (docs/runbooks.md "trail-restore"): a trail
 * stopped, deleted or left recording no management events is put back as it was.
 *
 * Steps, each a real API call as the responder (rb_invoke.c), so each is in the trail too:
 *   1. GetTrailStatus: a trail that logs and records management events needs nothing (a
 *      re-delivered trigger, a race with a person who fixed it, our own earlier run).
 *   2. DeleteTrail: CreateTrail from the configuration state.db kept at the deletion
 *      (trail.h ot_trail_deleted_get), then its selectors and Insights selectors.
 *   3. Selectors that record no management events: PutEventSelectors with the newest earlier
 *      version that does (or the default selectors).
 *   4. StartLogging, then GetTrailStatus again for the incident.
 * The state is checked, never the request: whatever the call asked, what counts is whether
 * the trail records now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "respond/respond_int.h"
#include "trail/selectors.h"
#include "trail/trail.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"

#define STOP_WAIT_MS 1000 /* how long a StopLogging may take to commit after its event */

static const char *const trigger_names[] = {"StopLogging", "DeleteTrail", "UpdateTrail",
                                            "PutEventSelectors", "PutAdvancedEventSelectors"};

bool rb_trail_restore_wants(const ot_event *ev)
{
    return rb_event_is(ev, "cloudtrail.amazonaws.com", trigger_names,
                       sizeof trigger_names / sizeof trigger_names[0]);
}

/* ---- one call each ---- */

typedef struct restore_run {
    ot_runbooks *rb;
    const rb_trigger *t;
    char region[32];          /* the trail's home region: where it is changed */
    rb_restore_outcome *o;
    ot_buf steps;             /* what was done, "; "-separated, into o->steps */
    bool acted;               /* something was (or, in a dry run, would have been) changed */
    bool failed;
} restore_run;

static void note(restore_run *r, const char *fmt, const char *arg)
{
    if (r->steps.len)
        ot_buf_puts(&r->steps, "; ");
    ot_buf_printf(&r->steps, fmt, arg);
}

/* {"<key>": value} merged in front of the members of obj (a JSON object's text; NULL: none). */
static int body_with(ot_buf *out, const char *key, const char *value, const char *obj)
{
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, key, value);
    ot_jw_end(&w);
    int rc = ot_jw_error(&w);
    const char *rest = obj ? obj + strspn(obj, " \t\r\n") : "";
    if (rc || *rest != '{')
        return rc;
    rest++;
    rest += strspn(rest, " \t\r\n");
    if (*rest == '}')
        return OT_OK;
    out->len--; /* reopen the object: drop its '}' */
    return ot_buf_putc(out, ',') || ot_buf_puts(out, rest) ? OT_ENOMEM : OT_OK;
}

/* Notes op among the changing calls taken (or, in a dry run, that would be). */
static void taken(restore_run *r, const char *op, const rb_call *c)
{
    rb_restore_outcome *o = r->o;
    size_t n = strlen(o->taken);
    snprintf(o->taken + n, sizeof o->taken - n, "%s%s", n ? ", " : "", op);
    r->acted = true;
    if (!c)
        return;
    snprintf(o->last_op, sizeof o->last_op, "%s", op);
    memcpy(o->last_request_id, c->request_id, sizeof o->last_request_id);
    o->restored_ms = c->at_ms;
}

/* Calls op with body (NULL: {"Name": <the trail's ARN>}); notes a failure. */
static int call(restore_run *r, const char *op, const char *body, rb_call *c)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    if (!body && !body_with(&b, "Name", r->t->trail_arn, NULL))
        body = b.data;
    int rc = body ? rb_invoke(r->rb->srv, RB_TRAIL_RESTORE, r->t->account, r->region, op, body,
                              c)
                  : OT_ENOMEM;
    ot_buf_free(&b);
    if (rc) {
        snprintf(r->o->error, sizeof r->o->error, "%s: %s %.300s", op, c->error_code,
                 c->error_message);
        note(r, "%s", r->o->error);
        r->failed = true;
    } else {
        taken(r, op, c);
    }
    return rc;
}

/* IsLogging of the trail: 1, 0, or -1 when it does not exist (or cannot be read). */
static int trail_logging(restore_run *r)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    rb_call c = {0};
    int rc = body_with(&b, "Name", r->t->trail_arn, NULL);
    if (!rc)
        rc = rb_invoke(r->rb->srv, RB_TRAIL_RESTORE, r->t->account, r->region, "GetTrailStatus",
                       b.data, &c);
    ot_buf_free(&b);
    bool on = false;
    int state = rc ? -1 : ot_json_get_bool(c.out, "IsLogging", &on) ? -1 : on;
    rb_call_free(&c);
    return state;
}

/* ---- management events ---- */

/* Whether selectors (canonical JSON; NULL: the default ones) record a write management event
 * of CloudTrail itself, such as the next StopLogging: the events this runbook guards. */
static bool records_management(const char *json, const rb_trigger *t)
{
    if (!json)
        return true;
    ot_selectors *s = NULL;
    ot_selectors_error err;
    if (ot_selectors_compile(json, strlen(json), &s, &err))
        return true; /* stored versions were valid when stored; never "fix" what we cannot read */
    ot_event probe = {.category = OT_CAT_MANAGEMENT, .rw = OT_RW_WRITE,
                      .account_id = t->account, .region = t->region,
                      .event_source = "cloudtrail.amazonaws.com", .event_name = "StopLogging",
                      .event_id = "", .channel_arn = "", .event_type = "AwsApiCall",
                      .user_arn = "", .error_code = ""};
    bool yes = ot_selectors_match(s, &probe);
    ot_selectors_free(s);
    return yes;
}

/* The newest stored selectors of the trail older than version id that record management
 * events, malloc'd into *json (NULL: the default selectors), their version into *version. */
static int earlier_selectors(restore_run *r, int64_t id, int64_t *version, char **json)
{
    *json = NULL;
    *version = 0;
    for (;;) {
        char *older = NULL;
        int rc = ot_trail_selectors_before(r->rb->srv->trails, r->t->trail_arn, id, &id, &older);
        if (rc == OT_ENOTFOUND)
            return OT_OK;
        if (rc)
            return rc;
        if (records_management(older, r->t)) {
            *json = older;
            *version = id;
            return OT_OK;
        }
        free(older);
    }
}

/* Step 3: selectors that leave out management events get the earlier ones back. */
static void restore_selectors(restore_run *r, bool dry)
{
    ot_trail trail;
    char *json = NULL;
    if (ot_trail_get_by_arn(r->rb->srv->trails, r->t->trail_arn, &trail) ||
        !trail.selectors_id ||
        ot_trail_selectors_get(r->rb->srv->trails, trail.selectors_id, &json))
        return; /* gone, or the default selectors: they record management events */
    bool ok = records_management(json, r->t);
    free(json);
    r->o->mgmt_before = ok;
    if (ok)
        return;
    int64_t version;
    if (earlier_selectors(r, trail.selectors_id, &version, &json)) {
        snprintf(r->o->error, sizeof r->o->error, "the earlier selectors could not be read");
        note(r, "%s", r->o->error);
        r->failed = true;
        return;
    }
    r->o->selectors_restored = version;
    if (dry) {
        taken(r, "PutEventSelectors", NULL);
        note(r, "would put back the event selectors %s", version ? "stored before" : "by default");
    } else {
        ot_buf b;
        ot_buf_init(&b, 0);
        rb_call c = {0};
        if (!body_with(&b, "TrailName", r->t->trail_arn,
                       json ? json : OT_SELECTORS_DEFAULT_JSON) &&
            !call(r, "PutEventSelectors", b.data, &c))
            note(r, "put back the event selectors %s", version ? "stored before" : "by default");
        rb_call_free(&c);
        ot_buf_free(&b);
    }
    free(json);
}

/* ---- DeleteTrail ---- */

/* Member key of a kept configuration, unless it is null or "" (how state.db says "not set"). */
static void copy_set(ot_jw *w, ot_json cfg, const char *key)
{
    ot_json v;
    const char *s;
    size_t n;
    if (ot_json_get(cfg, key, &v) || ot_json_typeof(v) == OT_JSON_NULL ||
        (ot_json_typeof(v) == OT_JSON_STRING && (ot_json_str(v, &s, &n) || !n)))
        return;
    rb_copy_raw(w, key, cfg, key);
}

/* TagsList without the null values (a key without a value is sent without Value). */
static void copy_tags(ot_jw *w, ot_json cfg)
{
    ot_json tags, tag;
    ot_json_iter it;
    if (ot_json_get(cfg, "TagsList", &tags) || ot_json_array_iter(tags, &it))
        return;
    ot_jw_key(w, "TagsList");
    ot_jw_arr(w);
    while (ot_json_array_next(&it, &tag)) {
        ot_jw_obj(w);
        copy_set(w, tag, "Key");
        copy_set(w, tag, "Value");
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

static const char *const create_members[] = {
    "Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "KmsKeyId",
    "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn", "IncludeGlobalServiceEvents",
    "IsMultiRegionTrail", "EnableLogFileValidation", "IsOrganizationTrail"};

/* The kept member key (an object or array) as a request body with TrailName, or NULL. */
static int member_call(restore_run *r, ot_json cfg, const char *key, const char *op,
                       bool wrap)
{
    ot_json v;
    if (ot_json_get(cfg, key, &v) || ot_json_typeof(v) == OT_JSON_NULL)
        return OT_OK;
    ot_buf val, body;
    ot_buf_init(&val, 0);
    ot_buf_init(&body, 0);
    int rc = ot_json_write(v, &val);
    if (!rc && wrap) { /* {"InsightSelectors": [...]} */
        ot_buf obj;
        ot_buf_init(&obj, 0);
        ot_buf_printf(&obj, "{\"%s\":", key);
        ot_buf_append(&obj, val.data, val.len);
        ot_buf_putc(&obj, '}');
        rc = body_with(&body, "TrailName", r->t->trail_arn, obj.data);
        ot_buf_free(&obj);
    } else if (!rc) {
        rc = body_with(&body, "TrailName", r->t->trail_arn, val.data);
    }
    rb_call c = {0};
    if (!rc)
        rc = call(r, op, body.data, &c);
    rb_call_free(&c);
    ot_buf_free(&val);
    ot_buf_free(&body);
    return rc;
}

/* Step 2: CreateTrail with the configuration kept at the deletion, then its selectors. */
static void recreate(restore_run *r, bool dry)
{
    char *kept = NULL;
    if (ot_trail_deleted_get(r->rb->srv->trails, r->t->trail_arn, &kept)) {
        snprintf(r->o->error, sizeof r->o->error,
                 "no configuration of the deleted trail is kept: it cannot be made again");
        note(r, "%s", r->o->error);
        r->failed = true;
        return;
    }
    if (dry) {
        taken(r, "CreateTrail", NULL);
        note(r, "%s", "would create the trail again from its kept configuration");
        free(kept);
        return;
    }
    ot_json_doc *doc = ot_json_doc_new();
    ot_json cfg;
    ot_buf body;
    ot_buf_init(&body, 0);
    if (doc && !ot_json_parse(doc, kept, strlen(kept), false, &cfg, NULL, 0)) {
        ot_jw w;
        ot_jw_init(&w, &body);
        ot_jw_obj(&w);
        for (size_t i = 0; i < sizeof create_members / sizeof create_members[0]; i++)
            copy_set(&w, cfg, create_members[i]);
        copy_tags(&w, cfg);
        ot_jw_end(&w);
        rb_call c = {0};
        if (!ot_jw_error(&w) && !call(r, "CreateTrail", body.data, &c)) {
            r->o->recreated = true;
            note(r, "%s", "created the trail again from its kept configuration");
            member_call(r, cfg, "EventSelectors", "PutEventSelectors", false);
            member_call(r, cfg, "InsightSelectors", "PutInsightSelectors", true);
        }
        rb_call_free(&c);
    } else {
        snprintf(r->o->error, sizeof r->o->error,
                 "the kept configuration of the trail cannot be read");
        note(r, "%s", r->o->error);
        r->failed = true;
    }
    ot_buf_free(&body);
    ot_json_doc_free(doc);
    free(kept);
}

/* ---- the runbook ---- */

static void start_logging(restore_run *r, bool dry)
{
    if (dry) {
        taken(r, "StartLogging", NULL);
        note(r, "%s", "would start logging");
        return;
    }
    rb_call c = {0};
    if (!call(r, "StartLogging", NULL, &c))
        note(r, "%s", "started logging");
    rb_call_free(&c);
}

static const char *change_of(const char *event_name)
{
    if (!strcmp(event_name, "StopLogging"))
        return "StopLogging: logging stopped";
    if (!strcmp(event_name, "DeleteTrail"))
        return "DeleteTrail: trail deleted";
    if (!strcmp(event_name, "UpdateTrail"))
        return "UpdateTrail: trail configuration changed";
    return "PutEventSelectors: event selectors changed";
}

/* StopLogging is audited before the stop is committed (api_trail_status.c: its event must be in
 * the trail's last log file), so the runbook can read the event while the trail still logs.
 * Waits (bounded) until state.db says the trail stopped; a trail that still logs after that
 * was started again by someone else, or the stop failed after its event was written. */
static void await_stop(restore_run *r)
{
    struct timespec nap = {0, 5 * 1000000L};
    for (int waited = 0; waited < STOP_WAIT_MS; waited += 5) {
        ot_trail trail;
        /* the stop is stamped after its event was accepted (ingest_ms, in milliseconds: the
         * eventTime's seconds cannot tell two stops in one second apart) */
        if (ot_trail_get_by_arn(r->rb->srv->trails, r->t->trail_arn, &trail) || !trail.logging ||
            trail.stop_logging_ms >= r->t->ev->ingest_ms)
            return;
        nanosleep(&nap, NULL);
    }
}

/* Logging is restored after StopLogging and DeleteTrail; an UpdateTrail or a selector change
 * only has its selectors looked at (a trail never started stays as its owner left it). */
static void act(restore_run *r, bool dry)
{
    const char *name = r->t->ev->event_name;
    bool deleted = !strcmp(name, "DeleteTrail");
    bool stopped = !strcmp(name, "StopLogging");
    rb_restore_outcome *o = r->o;
    if (stopped)
        await_stop(r);
    o->logging_before = trail_logging(r);
    if (o->logging_before < 0 && deleted)
        recreate(r, dry);
    else if (o->logging_before < 0)
        note(r, "%s", "the trail no longer exists (its DeleteTrail is a trigger of its own)");
    else
        restore_selectors(r, dry);
    bool made_again = o->recreated || (dry && deleted && o->logging_before < 0);
    if (!r->failed && (made_again || ((stopped || deleted) && o->logging_before == 0)))
        start_logging(r, dry);
    o->logging_after = trail_logging(r);
}

int rb_trail_restore_run(ot_runbooks *rb, rb_trigger *t)
{
    const ot_config *cfg = &rb->srv->cfg;
    int mode = rb_run_mode(cfg->runbook_trail_restore, t);
    if (mode == OT_RUNBOOK_OFF ||
        rb_list_names(cfg->runbook_trail_restore_exclude, t->trail_name, t->trail_arn))
        return OT_OK;
    bool dry = mode == OT_RUNBOOK_DRY_RUN;
    rb_restore_outcome o = {.dry_run = dry, .selectors_restored = -1, .mgmt_before = true,
                            .change = change_of(t->ev->event_name)};
    restore_run r = {.rb = rb, .t = t, .o = &o};
    char account[16], name[129];
    if (ot_trail_arn_parse(t->trail_arn, r.region, account, name))
        return OT_OK; /* not a trail ARN: nothing of ours */
    ot_buf_init(&r.steps, 0);
    act(&r, dry);
    bool stop_or_delete = !strcmp(t->ev->event_name, "StopLogging") ||
                          !strcmp(t->ev->event_name, "DeleteTrail");
    if (!r.acted && !r.failed && !stop_or_delete) { /* a change that kept management events */
        ot_buf_free(&r.steps);
        return OT_OK;
    }
    snprintf(o.steps, sizeof o.steps, "%s", r.steps.len ? r.steps.data : "");
    ot_buf_free(&r.steps);
    o.status = r.failed ? "failed" : !r.acted ? "no-action-needed" : dry ? "dry-run" : "restored";
    if (r.failed)
        ot_warn("trail-restore: %s of %s: %s", t->ev->event_name, t->trail_arn, o.steps);
    else if (r.acted)
        ot_info("trail-restore: %s of %s: %s", t->ev->event_name, t->trail_arn, o.steps);
    return rb_restore_incident(rb, t, &o);
}
