/* deliver_env.c — delivery's view of a running server: its WAL cursor, object store and state.db.
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
#include "wal/wal_cursor.h"

/* The live env's context: what it reaches, and delivery's cursor once opened. */
typedef struct dl_live {
    ot_wal *wal;
    ot_store *store;
    ot_trail_db *trails;
    ot_wal_cursor *cur;
} dl_live;

static dl_live *live_of(void *ctx) { return ctx; }

static int live_open(void *ctx, uint64_t floor)
{
    dl_live *l = live_of(ctx);
    return ot_wal_cursor_open(l->wal, OT_DELIVER_CURSOR, floor, &l->cur);
}

static int live_next(void *ctx, size_t max, ot_wal_visitor fn, void *vctx)
{
    return ot_wal_cursor_read(live_of(ctx)->cur, max, fn, vctx);
}

static int live_wait(void *ctx, int timeout_ms)
{
    return ot_wal_cursor_wait(live_of(ctx)->cur, timeout_ms);
}

static void live_wake(void *ctx)
{
    if (live_of(ctx)->cur)
        ot_wal_cursor_wake(live_of(ctx)->cur);
}

static int live_commit(void *ctx, uint64_t floor)
{
    return ot_wal_cursor_commit(live_of(ctx)->cur, floor);
}

static int live_read(void *ctx, uint64_t from, ot_wal_visitor fn, void *vctx)
{
    return ot_wal_read(live_of(ctx)->wal, from, fn, vctx);
}

static void live_close(void *ctx)
{
    dl_live *l = live_of(ctx);
    ot_wal_cursor_close(l->cur);
    free(l);
}

static int live_put(void *ctx, const char *bucket, const char *key, const void *data, size_t len)
{
    ot_object_info info = {0};
    snprintf(info.content_type, sizeof info.content_type, "application/x-gzip");
    return ot_store_put(live_of(ctx)->store, bucket, key, data, len, &info);
}

static int live_list(void *ctx, ot_trail **out, size_t *n)
{
    return ot_trail_list_logging(live_of(ctx)->trails, out, n);
}

static int live_get(void *ctx, const char *arn, ot_trail *out)
{
    return ot_trail_get_by_arn(live_of(ctx)->trails, arn, out);
}

int ot_deliver_channel_trails(ot_trail_db *db, const char *arn, char ***trails, size_t *n)
{
    *trails = NULL;
    *n = 0;
    ot_channel ch;
    int rc = ot_channel_get(db, arn, &ch);
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

static int live_channel(void *ctx, const char *arn, char ***trails, size_t *n)
{
    return ot_deliver_channel_trails(live_of(ctx)->trails, arn, trails, n);
}

static int live_note(void *ctx, const char *arn, int64_t attempt_ms, const char *error)
{
    return ot_trail_note_delivery(live_of(ctx)->trails, arn, attempt_ms, error);
}

int ot_deliver_selectors_load(ot_trail_db *db, int64_t id, ot_selectors **out)
{
    char *json = NULL;
    int rc = ot_trail_selectors_get(db, id, &json);
    ot_selectors_error err;
    if (!rc && ot_selectors_compile(json, strlen(json), out, &err)) {
        ot_error("deliver: stored selectors %lld do not compile: %s", (long long)id,
                 err.message);
        rc = OT_ECORRUPT;
    }
    free(json);
    return rc;
}

static int live_selectors(void *ctx, int64_t id, ot_selectors **out)
{
    return ot_deliver_selectors_load(live_of(ctx)->trails, id, out);
}

static int live_db(void *ctx, int (*fn)(struct sqlite3 *, void *), void *fctx)
{
    return ot_trail_db_with(live_of(ctx)->trails, fn, fctx);
}

int ot_deliver_env_live(const ot_deliver_live_opts *so, ot_deliver_env *env)
{
    dl_live *l = calloc(1, sizeof *l);
    if (!l)
        return OT_ENOMEM;
    *l = (dl_live){.wal = so->wal, .store = so->store, .trails = so->trails};
    *env = (ot_deliver_env){
        .ctx = l,
        .wal_open = live_open,
        .wal_next = live_next,
        .wal_wait = live_wait,
        .wal_wake = live_wake,
        .wal_commit = live_commit,
        .wal_read = live_read,
        .close = live_close,
        .put = live_put,
        .list_logging = live_list,
        .get_trail = live_get,
        .channel_trails = live_channel,
        .note_delivery = live_note,
        .db_with = live_db,
        .now_ms = NULL,
        .load_selectors = live_selectors,
    };
    return OT_OK;
}

int ot_deliver_start(const ot_deliver_live_opts *so, ot_deliver **out)
{
    ot_deliver_opts o = {0};
    *out = NULL;
    int rc = ot_deliver_env_live(so, &o.env);
    if (rc)
        return rc;
    o.interval_ms = so->interval_ms;
    o.max_bytes = so->max_bytes;
    o.file_delivered = so->file_delivered;
    o.file_delivered_ctx = so->file_delivered_ctx;
    snprintf(o.quarantine_dir, sizeof o.quarantine_dir, "%s/quarantine", so->data_dir);
    return ot_deliver_start_opts(&o, out); /* frees the env's context on failure */
}
