/* instance_login.c — the instance-login runbook (docs/runbooks.md "instance-login"): someone
 * logs into an EC2 instance, and unless the login is an approved change the instance is
 * isolated through the configured webhook (the awslabs "EC2 Auto Clean Room Forensics" pipeline
 * begins the same way: allowlist gate, isolate, notify).
 *
 * Steps for one trigger:
 *   1. read the login from the record (instance, OS user, caller, address);
 *   2. resolve the human behind the caller; the allowlist gate (login_allowlist.h);
 *   3. store the incident: its final form when nothing is to be called (allowed, dry-run, no
 *      webhook), else status "open";
 *   4. POST the open incident to the webhook (login_webhook.c), Idempotency-Key = its id;
 *   5. complete the incident with the outcome, publish it to the runbook topic.
 * Idempotent: the store keeps one incident per trigger. A re-run (the record read again after
 * kill -9) finds it: a complete incident is left alone, unless its webhook call failed, which
 * is tried again; an incident still "open" (the crash came before the outcome was stored) calls
 * the webhook again with the same key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond/login_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#define EIC_SOURCE "ec2-instance-connect.amazonaws.com"
#define SSM_SOURCE "ssm.amazonaws.com"

/* ---- configuration ---- */

/* "Name: value": a header name of token characters, no line breaks anywhere. */
static bool header_ok(const char *h)
{
    size_t name = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
    return name && h[name] == ':' && !strpbrk(h, "\r\n");
}

int rb_login_open(const ot_config *cfg, struct rb_login **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *url = cfg->runbook_instance_login_webhook;
    const char *secret = cfg->runbook_instance_login_webhook_header;
    if (url[0] && strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
        snprintf(err, errlen, "runbook-instance-login-webhook: an http:// or https:// URL");
        return OT_EINVAL;
    }
    if (secret[0] && !header_ok(secret)) {
        snprintf(err, errlen, "runbook-instance-login-webhook-header: \"Name: value\"");
        return OT_EINVAL;
    }
    struct rb_login *l = calloc(1, sizeof *l);
    if (!l)
        return OT_ENOMEM;
    int rc = rb_allowlist_parse(cfg->runbook_instance_login_allow, &l->allow, err, errlen);
    if (rc) {
        free(l);
        return rc;
    }
    l->mode = cfg->runbook_instance_login;
    l->webhook = url;
    l->secret = secret;
    *out = l;
    return OT_OK;
}

void rb_login_close(struct rb_login *l)
{
    if (!l)
        return;
    rb_allowlist_free(&l->allow);
    free(l);
}

/* ---- the trigger ---- */

/* The trigger's event name (a static string) for this source and name, or NULL. */
static const char *trigger_name(const char *source, size_t slen, const char *name, size_t nlen)
{
    static const char *const eic[] = {"SendSSHPublicKey", "SendSerialConsoleSSHPublicKey"};
    bool is_eic = slen == strlen(EIC_SOURCE) && !memcmp(source, EIC_SOURCE, slen);
    bool is_ssm = slen == strlen(SSM_SOURCE) && !memcmp(source, SSM_SOURCE, slen);
    for (size_t i = 0; is_eic && i < sizeof eic / sizeof eic[0]; i++)
        if (nlen == strlen(eic[i]) && !memcmp(name, eic[i], nlen))
            return eic[i];
    if (is_ssm && nlen == strlen("StartSession") && !memcmp(name, "StartSession", nlen))
        return "StartSession";
    return NULL;
}

bool rb_instance_login_wants(const ot_event *ev)
{
    if (ev->error_code && ev->error_code[0])
        return false;
    if (ev->category == OT_CAT_ACTIVITY) /* its header names no source: look into the record */
        return memmem(ev->json, ev->json_len, EIC_SOURCE, strlen(EIC_SOURCE)) ||
               memmem(ev->json, ev->json_len, SSM_SOURCE, strlen(SSM_SOURCE));
    return trigger_name(ev->event_source, strlen(ev->event_source), ev->event_name,
                        strlen(ev->event_name)) != NULL;
}

/* An EC2 instance id: i- and 8 or 17 lowercase hex digits. */
static bool instance_id_ok(const char *s, size_t n)
{
    return (n == 10 || n == 19) && !memcmp(s, "i-", 2) &&
           strspn(s + 2, "0123456789abcdef") >= n - 2;
}

static int read_facts(const rb_trigger *t, rb_login_facts *f)
{
    const char *source, *name;
    size_t slen, nlen;
    ot_json params, id;
    memset(f, 0, sizeof *f);
    if (ot_json_get_str(t->root, "eventSource", &source, &slen) ||
        ot_json_get_str(t->root, "eventName", &name, &nlen) ||
        !(f->event_name = trigger_name(source, slen, name, nlen)) ||
        ot_json_get(t->root, "requestParameters", &params))
        return OT_ENOTFOUND;
    bool session = !strcmp(f->event_name, "StartSession");
    (void)ot_json_get_strbuf(params, session ? "target" : "instanceId", f->instance_id, sizeof f->instance_id);
    if (!instance_id_ok(f->instance_id, strlen(f->instance_id)))
        return OT_ENOTFOUND; /* a session to a managed node that is no EC2 instance, say */
    (void)ot_json_get_strbuf(params, "instanceOSUser", f->os_user, sizeof f->os_user);
    ot_json port;
    int64_t p;
    if (!ot_json_get(params, "serialPort", &port) && !ot_json_int64(port, &p))
        snprintf(f->serial_port, sizeof f->serial_port, "%lld", (long long)p);
    (void)ot_json_get_strbuf(t->root, "sourceIPAddress", f->source_ip, sizeof f->source_ip);
    if (!ot_json_get(t->root, "userIdentity", &id))
        (void)ot_json_get_strbuf(id, "arn", f->actor_arn, sizeof f->actor_arn);
    return OT_OK;
}

/* ---- the runbook ---- */

typedef struct login_run {
    ot_runbooks *rb;
    const rb_trigger *t;
    rb_login_facts f;
    rb_login_outcome o;
    ot_human h;
    int64_t created_ms;
    ot_incident inc;
} login_run;

/* Steps 2: what is to be done, before anything is. */
static void decide(login_run *r, const struct rb_login *cfg)
{
    rb_login_who who = {.os_user = r->f.os_user, .actor_arn = r->f.actor_arn,
                        .human = r->h.name, .source_ip = r->f.source_ip};
    int i = rb_allowlist_match(&cfg->allow, &who);
    r->o.webhook_url = cfg->webhook;
    r->o.dry_run = cfg->mode == OT_RUNBOOK_DRY_RUN;
    r->o.allowed = i >= 0 ? &cfg->allow.v[i] : NULL;
    r->o.status = r->o.allowed    ? "allowed"
                  : r->o.dry_run  ? "dry-run"
                  : !cfg->webhook[0] ? "not-isolated"
                                     : "open";
}

/* Step 4: the open incident to the webhook; the outcome into r->o. */
static int isolate(login_run *r, const struct rb_login *cfg)
{
    ot_buf open, with_id, body;
    ot_buf_init(&open, 0);
    ot_buf_init(&with_id, 0);
    ot_buf_init(&body, 0);
    int rc = rb_login_incident_json(r->rb, r->t, &r->f, &r->o, &r->h, r->created_ms, &open);
    if (!rc)
        rc = rb_incident_with_id(open.data, r->inc.id, &with_id);
    if (!rc) {
        ot_jw w;
        ot_jw_init(&w, &body);
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "instanceId", r->f.instance_id);
        ot_jw_key(&w, "incident");
        ot_jw_raw(&w, with_id.data, with_id.len);
        ot_jw_key(&w, "event");
        ot_jw_raw(&w, r->t->record, r->t->len);
        ot_jw_end(&w);
        rc = ot_jw_error(&w);
    }
    if (!rc) {
        rb_webhook_req req = {.url = cfg->webhook, .secret_header = cfg->secret,
                              .idempotency_key = r->inc.id, .body = body.data,
                              .body_len = body.len};
        r->o.called = true;
        r->o.status = rb_webhook_post(&req, &r->o.hook) ? "webhook-failed" : "isolated";
    }
    ot_buf_free(&open);
    ot_buf_free(&with_id);
    ot_buf_free(&body);
    return rc;
}

/* A run that finds the incident of its trigger stored: whether the webhook is to be called
 * (again); *done when there is nothing left to do. The incident's creation time is kept. */
static int resume(login_run *r, bool *done)
{
    ot_incident old;
    memset(&old, 0, sizeof old);
    int rc = ot_incident_get(r->rb->incidents, r->inc.id, &old);
    if (rc)
        return rc;
    char status[32];
    rb_incident_status(r->rb->incidents, r->inc.id, status, sizeof status);
    bool complete = !strncmp(old.json, "{\"id\":", 6); /* completed records start with it */
    r->created_ms = old.created_ms;
    ot_incident_free(&old);
    bool to_call = !strcmp(r->o.status, "open");
    *done = false;
    if (complete && (!to_call || strcmp(status, "webhook-failed"))) {
        *done = true;
        return OT_OK;
    }
    if (!to_call) { /* stored in its final form; the crash came before its publication */
        char title[200];
        rb_login_title(&r->f, &r->o, title, sizeof title);
        *done = true;
        return rb_incident_complete_existing(r->rb, RB_INSTANCE_LOGIN, r->inc.id, title);
    }
    return OT_OK;
}

/* Step 5: the incident in its final form, published. */
static int finish(login_run *r)
{
    ot_buf json, note;
    ot_buf_init(&json, 0);
    ot_buf_init(&note, 0);
    char title[200];
    rb_login_title(&r->f, &r->o, title, sizeof title);
    int rc = rb_login_incident_json(r->rb, r->t, &r->f, &r->o, &r->h, r->created_ms, &json);
    int nrc = rb_login_webhook_note(&r->o, &note);
    if (!rc && nrc != OT_OK && nrc != OT_ENOTFOUND)
        rc = nrc;
    if (!rc)
        rc = rb_incident_complete(r->rb, RB_INSTANCE_LOGIN, r->inc.id, json.data, title,
                                  nrc ? NULL : note.data);
    ot_buf_free(&json);
    ot_buf_free(&note);
    return rc;
}

/* Steps 3 to 5 for a decided login. */
static int record_and_act(login_run *r, const struct rb_login *cfg)
{
    ot_buf json;
    ot_buf_init(&json, 0);
    int rc = rb_login_incident_json(r->rb, r->t, &r->f, &r->o, &r->h, r->created_ms, &json);
    if (!rc)
        rc = rb_incident_put(r->rb, RB_INSTANCE_LOGIN, r->t, &r->h, r->created_ms, json.data,
                             &r->inc);
    ot_buf_free(&json);
    bool done = false;
    if (rc == OT_EEXIST)
        rc = resume(r, &done);
    if (rc || done)
        return rc;
    if (!strcmp(r->o.status, "open") && (rc = isolate(r, cfg)))
        return rc;
    return finish(r);
}

int rb_instance_login_run(ot_runbooks *rb, rb_trigger *t)
{
    const struct rb_login *cfg = rb->login;
    login_run r = {.rb = rb, .t = t, .created_ms = ot_now_ms()};
    if (!cfg || rb_run_mode(cfg->mode, t) == OT_RUNBOOK_OFF || read_facts(t, &r.f))
        return OT_OK;
    rb_resolve_human(rb, t, RB_INSTANCE_LOGIN, &r.h);
    decide(&r, cfg);
    int rc = record_and_act(&r, cfg);
    if (!rc && !strcmp(r.o.status, "webhook-failed"))
        ot_warn("instance-login: %s of %s: the isolation webhook failed (%s); incident %s",
                r.f.event_name, r.f.instance_id, r.o.hook.error, r.inc.id);
    else if (!rc)
        ot_info("instance-login: incident %s for %s of %s (%s)", r.inc.id, r.f.event_name,
                r.f.instance_id, r.o.status);
    ot_human_free(&r.h);
    return rc;
}
