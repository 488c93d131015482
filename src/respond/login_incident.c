/* login_incident.c — the incident of the instance-login runbook (docs/runbooks.md "Incident
 * records" and "instance-login"): the common members (rb_incident.c), the instance, what the
 * login was, what the allowlist and the webhook said. The webhook's URL is recorded without
 * its user information and query: a URL may carry a token there, and incidents are published. */
#include <stdio.h>
#include <string.h>

#include "respond/login_int.h"
#include "util/err.h"
#include "util/jsonw.h"

/* url as scheme://host[:port]/path: without user:password@, ?query and #fragment. */
static void url_for_record(const char *url, char *out, size_t cap)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end) {
        snprintf(out, cap, "%s", "");
        return;
    }
    const char *host = scheme_end + 3;
    int scheme_len = (int)(host - url);
    size_t authority = strcspn(host, "/?#");
    const char *at = memchr(host, '@', authority);
    if (at) {
        authority -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    size_t path = strcspn(host + authority, "?#");
    snprintf(out, cap, "%.*s%.*s", scheme_len, url, (int)(authority + path), host);
}

static const char *change_of(const rb_login_facts *f, char *buf, size_t cap)
{
    if (!strcmp(f->event_name, "SendSSHPublicKey"))
        snprintf(buf, cap, "SendSSHPublicKey: an SSH public key was sent to %s for OS user %s",
                 f->instance_id, f->os_user[0] ? f->os_user : "(none)");
    else if (!strcmp(f->event_name, "SendSerialConsoleSSHPublicKey"))
        snprintf(buf, cap, "SendSerialConsoleSSHPublicKey: an SSH public key was sent to the "
                 "serial console of %s (port %s)", f->instance_id,
                 f->serial_port[0] ? f->serial_port : "0");
    else
        snprintf(buf, cap, "StartSession: a Session Manager session was started on %s",
                 f->instance_id);
    return buf;
}

void rb_login_title(const rb_login_facts *f, const rb_login_outcome *o, char *out, size_t cap)
{
    const char *s = o->status;
    const char *fmt = !strcmp(s, "isolated")         ? "Instance %s isolated after %s"
                      : !strcmp(s, "webhook-failed") ? "Instance %s NOT isolated (webhook failed) after %s"
                      : !strcmp(s, "allowed")        ? "Instance %s: allowed %s (allowlist)"
                      : !strcmp(s, "dry-run")        ? "Instance %s not isolated (dry run) after %s"
                      : !strcmp(s, "not-isolated")   ? "Instance %s not isolated (no webhook) after %s"
                                                     : "Instance %s: isolating after %s";
    snprintf(out, cap, fmt, f->instance_id, f->event_name);
}

/* "action": what was done, and its result in words (docs/runbooks.md "instance-login"). */
static void write_action(ot_jw *w, const rb_login_outcome *o)
{
    const char *s = o->status;
    bool isolating = !strcmp(s, "open") || !strcmp(s, "isolated") ||
                     !strcmp(s, "webhook-failed") || !strcmp(s, "dry-run");
    char result[400];
    if (!strcmp(s, "webhook-failed"))
        snprintf(result, sizeof result, "failed: %s after %d attempt%s", o->hook.error,
                 o->hook.attempts, o->hook.attempts == 1 ? "" : "s");
    else
        snprintf(result, sizeof result, "%s",
                 !strcmp(s, "isolated")       ? "succeeded"
                 : !strcmp(s, "allowed")      ? "not-needed: the login is on the allowlist"
                 : !strcmp(s, "dry-run")      ? "skipped"
                 : !strcmp(s, "not-isolated") ? "none: no isolation webhook configured"
                                              : "pending");
    ot_jw_key(w, "action");
    ot_jw_obj(w);
    ot_jw_kstr(w, "taken", isolating ? "isolate" : "none");
    ot_jw_kstr(w, "result", result);
    ot_jw_kstr(w, "before", "not isolated");
    ot_jw_kstr(w, "after", !strcmp(s, "isolated") ? "isolated" : "not isolated");
    ot_jw_kbool(w, "dryRun", o->dry_run);
    ot_jw_end(w);
}

static void write_details(ot_jw *w, const rb_login_facts *f, const rb_login_outcome *o)
{
    ot_jw_key(w, "details");
    ot_jw_obj(w);
    ot_jw_kstr(w, "instanceId", f->instance_id);
    if (f->os_user[0])
        ot_jw_kstr(w, "osUser", f->os_user);
    if (f->serial_port[0])
        ot_jw_kstr(w, "serialPort", f->serial_port);
    if (o->allowed)
        ot_jw_kstr(w, "allowlistEntry", o->allowed->text);
    if (o->called) {
        char url[512];
        url_for_record(o->webhook_url, url, sizeof url);
        ot_jw_key(w, "webhook");
        ot_jw_obj(w);
        ot_jw_kstr(w, "url", url);
        ot_jw_kint(w, "attempts", o->hook.attempts);
        ot_jw_kint(w, "status", o->hook.status);
        if (o->hook.error[0])
            ot_jw_kstr(w, "error", o->hook.error);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

int rb_login_webhook_note(const rb_login_outcome *o, ot_buf *out)
{
    if (!o->called)
        return OT_ENOTFOUND;
    char url[512];
    url_for_record(o->webhook_url, url, sizeof url);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "type", "webhook");
    ot_jw_kstr(&w, "target", url);
    ot_jw_kint(&w, "status", o->hook.status);
    if (o->hook.error[0])
        ot_jw_kstr(&w, "error", o->hook.error);
    ot_jw_end(&w);
    return ot_jw_error(&w);
}

int rb_login_incident_json(ot_runbooks *rb, const rb_trigger *t, const rb_login_facts *f,
                           const rb_login_outcome *o, const ot_human *h, int64_t created_ms,
                           ot_buf *out)
{
    char title[200], change[200], arn[128];
    rb_login_title(f, o, title, sizeof title);
    snprintf(arn, sizeof arn, "arn:aws:ec2:%s:%s:instance/%s", t->region, t->account,
             f->instance_id);
    ot_buf_reset(out);
    ot_jw w;
    ot_jw_init(&w, out);
    rb_incident_head head = {.runbook = RB_INSTANCE_LOGIN, .status = o->status, .title = title,
                             .created_ms = created_ms, .resource_type = "AWS::EC2::Instance",
                             .resource_arn = arn, .resource_name = f->instance_id,
                             .change = change_of(f, change, sizeof change)};
    rb_write_head(&w, &head, t, h);
    write_action(&w, o);
    rb_write_prior(&w, rb->incidents, h->name, created_ms);
    write_details(&w, f, o);
    rb_write_tail(&w);
    return ot_jw_error(&w);
}
