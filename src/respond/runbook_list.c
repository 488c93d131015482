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
    if (max < 2)
        return 1;
    r = &out[1];
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
    return 2;
}
