/* readers.c — the table of the server's WAL readers. A new reader (one that keeps its state in
 * its own module) is one line here: its cursor name and how to start and stop it. */
#include "daemon/readers.h"
#include "daemon/trail_notify.h"
#include "daemon/trail_stream.h"

#include <stdio.h>

#include "deliver/deliver.h"
#include "history/history.h"
#include "insights/insights.h"
#include "respond/router.h"
#include "respond/respond.h"
#include "util/err.h"
#include "util/log.h"
#include "wal/wal_cursor.h"

typedef struct reader_entry {
    const char *cursor;
    int (*start)(ot_api *srv);
    void (*stop)(ot_api *srv);
} reader_entry;

static int history_start(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/history.db", srv->cfg.data_dir);
    int rc = ot_history_open(path, NULL, &srv->history);
    ot_history_feed_opts fo = {.wal = srv->wal,
                               .history = srv->history,
                               .retention_ms = srv->cfg.history_retention_ms};
    if (!rc)
        rc = ot_history_feed_start(&fo, &srv->history_feed);
    if (rc)
        ot_error("cannot open the event history %s: %s", path, ot_strerror(rc));
    return rc;
}

static void history_stop(ot_api *srv)
{
    ot_history_feed_stop(srv->history_feed);
    srv->history_feed = NULL;
    if (srv->history)
        ot_history_close(srv->history);
    srv->history = NULL;
}

static int delivery_start(ot_api *srv)
{
    ot_deliver_live_opts o = {.wal = srv->wal,
                               .store = srv->store,
                               .trails = srv->trails,
                               .data_dir = srv->cfg.data_dir,
                               .interval_ms = srv->cfg.delivery_interval_ms,
                               .max_bytes = srv->cfg.delivery_max_bytes,
                               .file_delivered = ot_trail_notify_file,
                               .file_delivered_ctx = srv};
    int rc = ot_deliver_start(&o, &srv->deliver);
    if (rc)
        ot_error("cannot start delivery: %s", ot_strerror(rc));
    return rc;
}

static void delivery_stop(ot_api *srv)
{
    ot_deliver_stop(srv->deliver);
    srv->deliver = NULL;
}

static int stream_start(ot_api *srv)
{
    int rc = ot_trail_stream_start(srv, &srv->trail_stream);
    if (rc)
        ot_error("cannot start the trails' CloudWatch Logs stream: %s", ot_strerror(rc));
    return rc;
}

static void stream_stop(ot_api *srv)
{
    ot_trail_stream_stop(srv->trail_stream);
    srv->trail_stream = NULL;
}

static int insights_start(ot_api *srv)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/insights.db", srv->cfg.data_dir);
    ot_insights_opts o = {.wal = srv->wal, .store = srv->store, .trails = srv->trails,
                          .path = path};
    int rc = ot_insights_start(&o, &srv->insights);
    if (rc)
        ot_error("cannot start CloudTrail Insights (%s): %s", path, ot_strerror(rc));
    return rc;
}

static void insights_stop(ot_api *srv)
{
    ot_insights_stop(srv->insights);
    srv->insights = NULL;
}

static int router_start(ot_api *srv) { return ot_router_start(srv, &srv->router); }

static void router_stop(ot_api *srv)
{
    ot_router_stop(srv->router);
    srv->router = NULL;
}

static int runbooks_start(ot_api *srv) { return ot_runbooks_start(srv, &srv->runbooks); }

static void runbooks_stop(ot_api *srv)
{
    ot_runbooks_stop(srv->runbooks);
    srv->runbooks = NULL;
}

/* The runbooks come after the history: their incidents name what it holds. */
static const reader_entry readers[] = {
    {OT_HISTORY_CURSOR, history_start, history_stop},
    {OT_DELIVER_CURSOR, delivery_start, delivery_stop},
    {OT_TRAIL_STREAM_CURSOR, stream_start, stream_stop},
    {OT_INSIGHTS_CURSOR, insights_start, insights_stop},
    {OT_RUNBOOKS_CURSOR, runbooks_start, runbooks_stop},
    /* after the runbooks: its dispatcher runs them (runbook targets), so it stops first */
    {OT_ROUTER_CURSOR, router_start, router_stop}, /* EventBridge rules to their targets */
};

#define NREADERS (sizeof readers / sizeof readers[0])

int ot_readers_start(ot_api *srv)
{
    for (size_t i = 0; i < NREADERS; i++) {
        int rc = ot_wal_cursor_reserve(srv->wal, readers[i].cursor);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < NREADERS; i++) {
        int rc = readers[i].start(srv);
        if (rc)
            return rc; /* ot_readers_stop() stops those that started */
    }
    return OT_OK;
}

void ot_readers_stop(ot_api *srv)
{
    for (size_t i = NREADERS; i-- > 0;)
        readers[i].stop(srv);
}
