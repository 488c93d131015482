/* ready.c — the readiness checks (ready.h). Each is cheap enough for a probe every second: a
 * mutex, a lock-and-rollback on state.db, the WAL's cursor table and one statvfs. */
#include "daemon/ready.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "deliver/deliver.h"
#include "trail/trail.h"
#include "util/err.h"
#include "util/sql.h"
#include "wal/wal.h"
#include "wal/wal_cursor.h"

static void check_wal(ot_api *srv, ot_ready_check *c)
{
    c->ok = srv->wal && !ot_wal_failed(srv->wal);
    if (!c->ok)
        snprintf(c->detail, sizeof c->detail, "%s", srv->wal
                 ? "a failed fsync made the WAL read-only: events cannot be acknowledged "
                   "until the server is restarted"
                 : "the WAL is not open");
}

static int write_lock(struct sqlite3 *sql, void *ctx)
{
    int rc = ot_sql_exec(sql, "BEGIN IMMEDIATE");
    if (!rc)
        rc = ot_sql_exec(sql, "ROLLBACK");
    if (rc)
        snprintf(ctx, sizeof ((ot_ready_check *)0)->detail, "state.db is not writable: %.150s",
                 sqlite3_errmsg(sql));
    return rc;
}

static void check_state_db(ot_api *srv, ot_ready_check *c)
{
    c->ok = srv->trails && ot_trail_db_with(srv->trails, write_lock, c->detail) == OT_OK;
    if (!c->ok && !c->detail[0])
        snprintf(c->detail, sizeof c->detail, "state.db is not open");
}

/* The delivery cursor's lag: the age of the oldest record delivery has not let go of. */
static int delivery_lag(ot_api *srv, double *seconds)
{
    ot_wal_cursor_info *v = NULL;
    size_t n = 0;
    int rc = ot_wal_cursors_list(srv->wal, &v, &n);
    if (rc)
        return rc;
    rc = OT_ENOTFOUND;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, OT_DELIVER_CURSOR)) {
            *seconds = v[i].lag_seconds;
            rc = OT_OK;
        }
    free(v);
    return rc;
}

static void check_delivery(ot_api *srv, ot_ready_check *c)
{
    double lag = 0, bound = (double)(srv->cfg.delivery_interval_ms +
                                     srv->cfg.ready_delivery_lag_ms) / 1000.0;
    int rc = srv->deliver && srv->wal ? delivery_lag(srv, &lag) : OT_ENOTFOUND;
    c->ok = rc == OT_OK && lag <= bound;
    if (rc)
        snprintf(c->detail, sizeof c->detail, "delivery is not running");
    else if (!c->ok)
        snprintf(c->detail, sizeof c->detail,
                 "the oldest undelivered event is %.0f s old (more than %.0f s): a log file "
                 "keeps failing (see get-trail-status) or delivery is stuck", lag, bound);
}

static void check_disk(ot_api *srv, ot_ready_check *c)
{
    struct statvfs st;
    if (statvfs(srv->cfg.data_dir, &st)) {
        c->ok = false;
        snprintf(c->detail, sizeof c->detail, "statvfs %.100s: %s", srv->cfg.data_dir,
                 strerror(errno));
        return;
    }
    unsigned long long free_bytes = (unsigned long long)st.f_bavail * st.f_frsize;
    c->ok = free_bytes >= srv->cfg.ready_min_free_bytes;
    if (!c->ok)
        snprintf(c->detail, sizeof c->detail,
                 "%llu bytes free in the data dir's file system, less than "
                 "--ready-min-free-bytes %llu", free_bytes,
                 (unsigned long long)srv->cfg.ready_min_free_bytes);
}

typedef struct ready_entry {
    const char *name;
    void (*check)(ot_api *srv, ot_ready_check *c);
} ready_entry;

static const ready_entry entries[] = {
    {"wal", check_wal},
    {"state_db", check_state_db},
    {"delivery", check_delivery},
    {"disk", check_disk},
};

_Static_assert(sizeof entries / sizeof entries[0] <= OT_READY_MAX_CHECKS, "too many checks");

size_t ot_ready_checks(void *ctx, ot_ready_check *checks)
{
    size_t n = sizeof entries / sizeof entries[0];
    for (size_t i = 0; i < n; i++) {
        memset(&checks[i], 0, sizeof checks[i]);
        checks[i].name = entries[i].name;
        entries[i].check(ctx, &checks[i]);
    }
    return n;
}
