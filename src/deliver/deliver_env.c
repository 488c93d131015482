/* deliver_env.c — delivery's view of a running server: its WAL, object store and state.db.
 *
 * Kept apart from the rest of delivery so the unit tests can run it over fakes. */
#include "deliver/deliver_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "trail/selectors.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

static ot_api *srv_of(void *ctx) { return ctx; }

static void live_listen(void *ctx, ot_wal_listener fn, void *lctx)
{
    ot_wal_set_listener(srv_of(ctx)->wal, fn, lctx);
}

static int live_read(void *ctx, uint64_t from, ot_wal_visitor fn, void *vctx)
{
    return ot_wal_read(srv_of(ctx)->wal, from, fn, vctx);
}

static uint64_t live_durable(void *ctx) { return ot_wal_durable_lsn(srv_of(ctx)->wal); }

static int live_release(void *ctx, uint64_t keep_from)
{
    ot_api *srv = srv_of(ctx);
    uint64_t other = srv->wal_keep_from ? srv->wal_keep_from(srv) : UINT64_MAX;
    return ot_wal_release(srv->wal, keep_from < other ? keep_from : other);
}

static int live_put(void *ctx, const char *bucket, const char *key, const void *data, size_t len)
{
    ot_object_info info = {0};
    snprintf(info.content_type, sizeof info.content_type, "application/x-gzip");
    return ot_store_put(srv_of(ctx)->store, bucket, key, data, len, &info);
}

static int live_list(void *ctx, ot_trail **out, size_t *n)
{
    return ot_trail_list_logging(srv_of(ctx)->trails, out, n);
}

static int live_get(void *ctx, const char *arn, ot_trail *out)
{
    return ot_trail_get_by_arn(srv_of(ctx)->trails, arn, out);
}

static int live_channel(void *ctx, const char *arn, char ***trails, size_t *n)
{
    *trails = NULL;
    *n = 0;
    ot_channel ch;
    int rc = ot_channel_get(srv_of(ctx)->trails, arn, &ch);
    if (rc)
        return rc;
    char **v = calloc(ch.ndestinations ? ch.ndestinations : 1, sizeof *v);
    size_t cnt = 0;
    for (size_t i = 0; v && i < ch.ndestinations; i++) {
        if (strcmp(ch.destinations[i].type, "AWS_SERVICE") != 0)
            continue;
        if (!(v[cnt] = strdup(ch.destinations[i].location))) {
            while (cnt)
                free(v[--cnt]);
            free(v);
            v = NULL;
        } else
            cnt++;
    }
    ot_channel_free(&ch);
    if (!v)
        return OT_ENOMEM;
    *trails = v;
    *n = cnt;
    return OT_OK;
}

static int live_note(void *ctx, const char *arn, int64_t attempt_ms, const char *error)
{
    return ot_trail_note_delivery(srv_of(ctx)->trails, arn, attempt_ms, error);
}

static int live_selectors(void *ctx, int64_t id, ot_selectors **out)
{
    char *json = NULL;
    int rc = ot_trail_selectors_get(srv_of(ctx)->trails, id, &json);
    ot_selectors_error err;
    if (!rc && ot_selectors_compile(json, strlen(json), out, &err)) {
        ot_error("deliver: stored selectors %lld do not compile: %s", (long long)id,
                 err.message);
        rc = OT_ECORRUPT;
    }
    free(json);
    return rc;
}

static int live_db(void *ctx, int (*fn)(struct sqlite3 *, void *), void *fctx)
{
    return ot_trail_db_with(srv_of(ctx)->trails, fn, fctx);
}

void ot_deliver_env_live(ot_api *srv, ot_deliver_env *env)
{
    *env = (ot_deliver_env){
        .ctx = srv,
        .wal_listen = live_listen,
        .wal_read = live_read,
        .wal_durable = live_durable,
        .wal_release = live_release,
        .put = live_put,
        .list_logging = live_list,
        .get_trail = live_get,
        .channel_trails = live_channel,
        .note_delivery = live_note,
        .db_with = live_db,
        .now_ms = NULL,
        .load_selectors = live_selectors,
    };
}

int ot_deliver_start(ot_api *srv, ot_deliver **out)
{
    ot_deliver_opts o = {0};
    ot_deliver_env_live(srv, &o.env);
    o.interval_ms = srv->cfg.delivery_interval_ms;
    o.max_bytes = srv->cfg.delivery_max_bytes;
    snprintf(o.quarantine_dir, sizeof o.quarantine_dir, "%s/quarantine", srv->cfg.data_dir);
    return ot_deliver_start_opts(&o, out);
}
