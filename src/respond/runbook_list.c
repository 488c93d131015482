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
    return 1;
}
