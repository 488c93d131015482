/* runbook_list.c — the built-in runbooks as configured, for `opentrail runbook list`. A new
 * runbook is one entry here and its options in config/config_options.c. */
#include <stdio.h>
#include <string.h>

#include "respond/respond.h"

static const char *mode_name(int mode)
{
    return mode == OT_RUNBOOK_OFF ? "off" : mode == OT_RUNBOOK_DRY_RUN ? "dry-run" : "on";
}

static void setting(ot_runbook_info *r, const char *key, const char *value)
{
    if (r->nsettings == OT_RUNBOOK_MAX_SETTINGS)
        return;
    ot_runbook_setting *s = &r->settings[r->nsettings++];
    s->key = key;
    snprintf(s->value, sizeof s->value, "%s", value);
}

/* The secret header's name only: the list is for people and may be pasted anywhere. */
static void masked_header(const char *header, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s%s", (int)strcspn(header, ":"), header, header[0] ? ": ***" : "");
}

static void instance_login(const ot_config *cfg, ot_runbook_info *r)
{
    memset(r, 0, sizeof *r);
    r->name = "instance-login";
    r->state = mode_name(cfg->runbook_instance_login);
    r->trigger = "SendSSHPublicKey, SendSerialConsoleSSHPublicKey (EC2 Instance Connect) or ssm "
                 "StartSession on an instance, recorded or sent through PutAuditEvents";
    r->action = "unless the allowlist approves the login, POSTs the instance and the incident to "
                "the isolation webhook; writes an incident";
    char header[300];
    masked_header(cfg->runbook_instance_login_webhook_header, header, sizeof header);
    setting(r, "runbook-instance-login", r->state);
    setting(r, "runbook-instance-login-allow", cfg->runbook_instance_login_allow);
    setting(r, "runbook-instance-login-webhook", cfg->runbook_instance_login_webhook);
    setting(r, "runbook-instance-login-webhook-header", header);
    setting(r, "runbook-topic", cfg->runbook_topic);
}

static void bucket_policy_restore(const ot_config *cfg, ot_runbook_info *r)
{
    memset(r, 0, sizeof *r);
    r->name = "bucket-policy-restore";
    r->state = mode_name(cfg->runbook_bucket_policy_restore);
    r->trigger = "PutBucketPolicy with a public policy, or a Block Public Access change "
                 "(PutBucketPublicAccessBlock, DeleteBucketPublicAccessBlock) that leaves a "
                 "public policy in force";
    r->action = "puts the bucket's earlier policy back (or deletes it), turns Block Public "
                "Access on; writes an incident with the exposure window";
    setting(r, "runbook-bucket-policy-restore", r->state);
    setting(r, "runbook-bucket-policy-restore-exclude",
            cfg->runbook_bucket_policy_restore_exclude);
    setting(r, "runbook-topic", cfg->runbook_topic);
}

size_t ot_runbook_list(const ot_config *cfg, ot_runbook_info *out, size_t max)
{
    if (!max)
        return 0;
    ot_runbook_info *r = &out[0];
    memset(r, 0, sizeof *r);
    r->name = "trail-restore";
    r->state = mode_name(cfg->runbook_trail_restore);
    r->trigger = "StopLogging, DeleteTrail, or an UpdateTrail / PutEventSelectors that leaves a "
                 "trail recording no management events";
    r->action = "restarts logging, creates a deleted trail again, puts the earlier selectors "
                "back; writes an incident";
    setting(r, "runbook-trail-restore", r->state);
    setting(r, "runbook-trail-restore-exclude", cfg->runbook_trail_restore_exclude);
    setting(r, "runbook-topic", cfg->runbook_topic);
    if (max > 1)
        instance_login(cfg, &out[1]);
    if (max > 2)
        bucket_policy_restore(cfg, &out[2]);
    return max < 3 ? max : 3;
}
