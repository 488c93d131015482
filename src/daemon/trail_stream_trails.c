/* trail_stream_trails.c — the trails that stream into CloudWatch Logs, as the trail stream
 * caches them: the logging trails with a log group ARN, their compiled event selectors and the
 * channels that name them (delivery's routing inputs, deliver/deliver_route.h). */
#include "daemon/trail_stream_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/vec.h"

bool ts_log_group_arn_parse(const char *arn, char region[32], char account[16], char name[513])
{
    static const char prefix[] = "arn:aws:logs:";
    if (strncmp(arn, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *p = arn + sizeof prefix - 1;
    const char *colon = strchr(p, ':');
    if (!colon || colon == p || (size_t)(colon - p) >= 32)
        return false;
    snprintf(region, 32, "%.*s", (int)(colon - p), p);
    p = colon + 1;
    colon = strchr(p, ':');
    if (!colon || colon - p != 12)
        return false;
    snprintf(account, 16, "%.*s", 12, p);
    p = colon + 1;
    if (strncmp(p, "log-group:", 10) != 0)
        return false;
    p += 10;
    size_t len = strcspn(p, ":"); /* group names have no ':'; a trailing ":*" is allowed */
    if (len == 0 || len > 512 || (p[len] && strcmp(p + len, ":*") != 0))
        return false;
    snprintf(name, 513, "%.*s", (int)len, p);
    return true;
}

/* The compiled selectors of version id (0: the defaults, NULL), loaded once. NULL with
 * *failed when they cannot be loaded: the trail then records nothing, as in delivery. */
static const ot_selectors *selectors_of(ts_trails *ts, int64_t id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < ts->nsel; i++)
        if (ts->sel[i].id == id)
            return ts->sel[i].sel;
    ot_selectors *sel = NULL;
    if (ot_deliver_selectors_load(ts->db, id, &sel) || OT_VEC_GROW(ts->sel, ts->capsel,
                                                                   ts->nsel + 1)) {
        ot_selectors_free(sel);
        return NULL;
    }
    ts->sel[ts->nsel++] = (ts_selectors){id, sel};
    return sel;
}

static void channels_clear(ts_trails *ts)
{
    for (size_t i = 0; i < ts->nchans; i++) {
        for (size_t j = 0; j < ts->chans[i].ntrails; j++)
            free(ts->chans[i].trails[j]);
        free(ts->chans[i].trails);
        free(ts->chans[i].arn);
    }
    ts->nchans = 0;
}

static int add_trail(ts_trails *ts, const ot_trail *t)
{
    ts_trail st = {.t = *t};
    if (!ts_log_group_arn_parse(t->cw_log_group_arn, st.group_region, st.group_account,
                                st.group)) {
        ot_warn("trail %s: CloudWatchLogsLogGroupArn %s is not a log group ARN; not streamed",
                t->arn, t->cw_log_group_arn);
        return 0;
    }
    st.foreign = strcmp(st.group_account, t->account_id) != 0;
    st.t.selectors = selectors_of(ts, t->selectors_id);
    if (OT_VEC_GROW(ts->v, ts->cap, ts->n + 1))
        return OT_ENOMEM;
    ts->v[ts->n++] = st;
    return 0;
}

int ts_trails_refresh(ts_trails *ts)
{
    ot_trail *all = NULL;
    size_t n = 0;
    int rc = ot_trail_list_logging(ts->db, &all, &n);
    if (rc)
        return rc;
    ts->n = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (all[i].cw_log_group_arn[0])
            rc = add_trail(ts, &all[i]);
    free(all);
    channels_clear(ts);
    return rc;
}

static bool names(const ts_channel *c, const char *trail_arn)
{
    for (size_t i = 0; i < c->ntrails; i++)
        if (strcmp(c->trails[i], trail_arn) == 0)
            return true;
    return false;
}

bool ts_channel_routes(void *ctx, const char *channel_arn, const char *trail_arn)
{
    ts_trails *ts = ctx;
    for (size_t i = 0; i < ts->nchans; i++)
        if (strcmp(ts->chans[i].arn, channel_arn) == 0)
            return names(&ts->chans[i], trail_arn);
    if (OT_VEC_GROW(ts->chans, ts->capchans, ts->nchans + 1))
        return false;
    ts_channel c = {0};
    int rc = ot_deliver_channel_trails(ts->db, channel_arn, &c.trails, &c.ntrails);
    if ((rc && rc != OT_ENOTFOUND) || !(c.arn = strdup(channel_arn))) {
        for (size_t j = 0; j < c.ntrails; j++)
            free(c.trails[j]);
        free(c.trails);
        return false; /* not cached: asked again for the next event */
    }
    ts->chans[ts->nchans++] = c;
    return names(&c, trail_arn);
}

void ts_trails_free(ts_trails *ts)
{
    channels_clear(ts);
    free(ts->chans);
    for (size_t i = 0; i < ts->nsel; i++)
        ot_selectors_free(ts->sel[i].sel);
    free(ts->sel);
    free(ts->v);
    memset(ts, 0, sizeof *ts);
}
