/* router_rules.c — the enabled rules of every account and region compiled into one pattern set,
 * rebuilt when the rules store's generation moves. */
#include <stdlib.h>
#include <string.h>

#include "respond/router_int.h"
#include "util/err.h"
#include "util/log.h"

void rt_rules_free(rt_rules *rr)
{
    ot_pattern_set_free(rr->set);
    ot_rules_snapshot_free(rr->snap);
    ot_pattern_hits_free(&rr->hits);
    memset(rr, 0, sizeof *rr);
}

/* A set of every enabled rule with a pattern; pattern id i is snap->rules[i]. A stored pattern
 * the matcher refuses (none should: PutRule checks them) is left out with a warning. */
static int build(const ot_rules_snapshot *snap, ot_pattern_set **out)
{
    ot_pattern_set *set = ot_pattern_set_new();
    if (!set)
        return OT_ENOMEM;
    for (size_t i = 0; i < snap->n; i++) {
        const ot_rules_entry *r = &snap->rules[i];
        if (r->state == OT_RULE_DISABLED || !r->pattern || r->ntargets == 0)
            continue;
        char msg[256];
        int rc = ot_pattern_set_add(set, (uint32_t)i, r->pattern, strlen(r->pattern), msg,
                                    sizeof msg);
        if (rc == OT_ENOMEM) {
            ot_pattern_set_free(set);
            return rc;
        }
        if (rc)
            ot_warn("rule %s: its pattern is not used: %s", r->arn, msg);
    }
    int rc = ot_pattern_set_build(set);
    if (rc) {
        ot_pattern_set_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

int rt_rules_refresh(rt_rules *rr, ot_rules *store)
{
    uint64_t gen = ot_rules_generation(store);
    if (rr->loaded && gen == rr->generation)
        return 0;
    ot_rules_snapshot *snap = NULL;
    ot_pattern_set *set = NULL;
    int rc = ot_rules_snapshot_load(store, &snap);
    if (!rc && (rc = build(snap, &set)) != 0)
        ot_rules_snapshot_free(snap);
    if (rc)
        return rc;
    ot_pattern_set_free(rr->set);
    ot_rules_snapshot_free(rr->snap);
    rr->set = set;
    rr->snap = snap;
    rr->generation = snap->generation;
    rr->loaded = true;
    return 0;
}
