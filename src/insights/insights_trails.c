/* insights_trails.c — the trails Insights watches: the logging trails with Insights selectors,
 * with the types they turned on and their compiled event selectors (a trail counts exactly the
 * management events its log files get: delivery's routing decides). */
#include <stdlib.h>
#include <string.h>

#include "deliver/deliver_route.h"
#include "insights/insights_int.h"
#include "trail/selectors.h"
#include "util/err.h"
#include "util/vec.h"

static void release(ins_trail *t)
{
    ot_selectors_free((ot_selectors *)t->t.selectors);
    t->t.selectors = NULL;
}

/* The compiled selectors of version id: taken over from the previous list when that has them,
 * else loaded. NULL (the trail then selects nothing) when they cannot be loaded. */
static const ot_selectors *selectors_for(ot_insights *in, const char *arn, int64_t id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < in->ntrails; i++) {
        ins_trail *old = &in->trails[i];
        if (old->t.selectors_id == id && old->t.selectors && !strcmp(old->t.arn, arn)) {
            const ot_selectors *sel = old->t.selectors;
            old->t.selectors = NULL;
            return sel;
        }
    }
    ot_selectors *sel = NULL;
    return ot_deliver_selectors_load(in->o.trails, id, &sel) ? NULL : sel;
}

/* Does an InsightSelector analyse management events? Without EventCategories it does; with
 * them only if Management is among them (data-event Insights are not computed). */
static bool covers_management(ot_json sel)
{
    ot_json cats, v;
    ot_json_iter it;
    if (ot_json_get(sel, "EventCategories", &cats) || ot_json_array_iter(cats, &it))
        return true;
    while (ot_json_array_next(&it, &v)) {
        const char *s;
        size_t n;
        if (!ot_json_str(v, &s, &n) && n == 10 && !memcmp(s, "Management", n))
            return true;
    }
    return false;
}

/* Which Insights types the trail's canonical InsightSelectors JSON turns on for management
 * events. */
static bool types_on(ot_insights *in, const ot_trail *t, bool on[2])
{
    char *json = NULL;
    ot_json root, sel;
    ot_json_iter it;
    if (ot_trail_insights_get(in->o.trails, t->arn, &json))
        return false;
    if (!ot_json_parse(in->doc, json, strlen(json), false, &root, NULL, 0) &&
        !ot_json_array_iter(root, &it))
        while (ot_json_array_next(&it, &sel)) {
            const char *type;
            size_t n;
            if (ot_json_get_str(sel, "InsightType", &type, &n) || !covers_management(sel))
                continue;
            for (int k = 0; k < 2; k++)
                if (n == strlen(ot_insight_type_name(k)) &&
                    !memcmp(type, ot_insight_type_name(k), n))
                    on[k] = true;
        }
    free(json);
    return on[OT_INSIGHT_CALL_RATE] || on[OT_INSIGHT_ERROR_RATE];
}

int ins_trails_refresh(ot_insights *in)
{
    ot_trail *all = NULL;
    size_t n = 0;
    int rc = ot_trail_list_logging(in->o.trails, &all, &n);
    if (rc)
        return rc;
    ins_trail *v = NULL;
    size_t nv = 0, cap = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        ins_trail it = {.t = all[i]};
        if (!all[i].has_insight_selectors || !types_on(in, &all[i], it.on))
            continue;
        if (OT_VEC_GROW(v, cap, nv + 1)) {
            rc = OT_ENOMEM;
            break;
        }
        it.t.selectors = selectors_for(in, all[i].arn, all[i].selectors_id);
        v[nv++] = it;
    }
    free(all);
    ins_trails_free(in);
    in->trails = v;
    in->ntrails = nv;
    in->captrails = cap;
    return rc;
}

void ins_trails_free(ot_insights *in)
{
    for (size_t i = 0; i < in->ntrails; i++)
        release(&in->trails[i]);
    free(in->trails);
    in->trails = NULL;
    in->ntrails = in->captrails = 0;
}
