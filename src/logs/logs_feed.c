/* logs_feed.c — feeds: writers that copy another log into log streams exactly once (the trail
 * stream copies the WAL). A feed's position in its source is stored in the same transaction as
 * the events it wrote, so after a crash it resumes right after the last committed batch: no
 * event is lost or written twice. Each event names whose outcome it counts for (a trail), and
 * the last outcome per source is kept for GetTrailStatus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs_int.h"
#include "util/err.h"
#include "util/sql.h"

#define GROUP_MISSING "ResourceNotFoundException: The specified log group does not exist."

int logs_feed_schema(sqlite3 *db)
{
    return ot_sql_exec(db, "CREATE TABLE IF NOT EXISTS feed_positions("
                           " feed TEXT PRIMARY KEY, position INTEGER NOT NULL);"
                           "CREATE TABLE IF NOT EXISTS feed_status("
                           " source TEXT PRIMARY KEY, latest_ms INTEGER NOT NULL DEFAULT 0,"
                           " error_ms INTEGER NOT NULL DEFAULT 0,"
                           " error TEXT NOT NULL DEFAULT '');");
}

/* A success sets latest_ms and clears the error; a failure sets the error and its time. */
static int note_locked(ot_logs *l, const char *source, int64_t now_ms, const char *error)
{
    char ms[24];
    snprintf(ms, sizeof ms, "%lld", (long long)now_ms);
    const char *p[] = {source, ms, error};
    return ot_sql_exec_text(
        l->db,
        "INSERT INTO feed_status(source, latest_ms, error_ms, error) VALUES(?1,"
        " CASE WHEN ?3 IS NULL THEN ?2 ELSE 0 END, CASE WHEN ?3 IS NULL THEN 0 ELSE ?2 END,"
        " COALESCE(?3, '')) ON CONFLICT(source) DO UPDATE SET"
        " latest_ms=CASE WHEN ?3 IS NULL THEN excluded.latest_ms ELSE latest_ms END,"
        " error_ms=CASE WHEN ?3 IS NULL THEN error_ms ELSE excluded.error_ms END,"
        " error=excluded.error",
        p, 3, "note feed outcome");
}

int ot_logs_feed_note(ot_logs *l, const char *source, int64_t now_ms, const char *error)
{
    pthread_mutex_lock(&l->mu);
    int rc = note_locked(l, source, now_ms, error);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

static void read_status(sqlite3_stmt *st, void *row)
{
    ot_logs_feed_status *s = row;
    s->latest_ms = sqlite3_column_int64(st, 0);
    s->error_ms = sqlite3_column_int64(st, 1);
    ot_sql_col_text(st, 2, s->error, sizeof s->error);
}

int ot_logs_feed_status_get(ot_logs *l, const char *source, ot_logs_feed_status *out)
{
    const char *p[] = {source};
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_select_one(l->db, "SELECT latest_ms, error_ms, error FROM feed_status"
                                      " WHERE source=?1", p, 1, sizeof *out, read_status,
                               "feed outcome", out);
    pthread_mutex_unlock(&l->mu);
    if (rc == OT_ENOTFOUND) {
        memset(out, 0, sizeof *out);
        rc = OT_OK;
    }
    return rc;
}

int ot_logs_feed_position(ot_logs *l, const char *feed, uint64_t *position)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_prepare(l->db, "SELECT position FROM feed_positions WHERE feed=?1", &st);
    if (!rc) {
        ot_sql_bind_text(st, 1, feed);
        rc = logs_one_int(l, st, &v, "feed position");
    }
    pthread_mutex_unlock(&l->mu);
    if (rc == OT_ENOTFOUND)
        rc = OT_OK, v = 0;
    *position = rc ? 0 : (uint64_t)v;
    return rc;
}

static int set_position(ot_logs *l, const char *feed, uint64_t position)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(l->db, "INSERT INTO feed_positions(feed, position) VALUES(?1, ?2)"
                                   " ON CONFLICT(feed) DO UPDATE SET position=excluded.position",
                            &st);
    if (rc)
        return rc;
    ot_sql_bind_text(st, 1, feed);
    sqlite3_bind_int64(st, 2, (int64_t)position);
    return ot_sql_done(l->db, st, "feed position");
}

/* Where a run of events goes: the group and stream row ids, or rc OT_ENOTFOUND when the
 * group is missing (a stream is created when missing). */
typedef struct feed_dest {
    int64_t gid, sid;
    int rc;
} feed_dest;

static int dest_cmp(const ot_logs_feed_event *a, const ot_logs_feed_event *b)
{
    int c = strcmp(a->scope.account, b->scope.account);
    if (!c)
        c = strcmp(a->scope.region, b->scope.region);
    if (!c)
        c = strcmp(a->group, b->group);
    return c ? c : strcmp(a->stream, b->stream);
}

/* By destination, then by position in the batch: each stream keeps the batch's order. */
static int by_dest(const void *x, const void *y, void *events)
{
    const ot_logs_feed_event *ev = events;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    int c = dest_cmp(&ev[i], &ev[j]);
    return c ? c : (i > j) - (i < j);
}

static feed_dest dest_resolve(ot_logs *l, const ot_logs_feed_event *ev, int64_t now_ms)
{
    feed_dest d = {0};
    d.rc = logs_group_id(l, &ev->scope, ev->group, &d.gid);
    if (!d.rc)
        d.rc = logs_stream_id(l, d.gid, ev->stream, &d.sid);
    if (d.rc == OT_ENOTFOUND && d.gid) {
        d.rc = logs_stream_insert(l, d.gid, ev->stream, now_ms);
        if (!d.rc)
            d.rc = logs_stream_id(l, d.gid, ev->stream, &d.sid);
    }
    return d;
}

/* Writes the events idx[0..n) (one destination); marks each stored or not. */
static int put_run(ot_logs *l, ot_logs_feed_event *ev, const size_t *idx, size_t n,
                   ot_log_event_in *in, int64_t now_ms)
{
    feed_dest d = dest_resolve(l, &ev[idx[0]], now_ms);
    for (size_t i = 0; i < n; i++) {
        ot_logs_feed_event *e = &ev[idx[i]];
        e->stored = d.rc == 0;
        in[i] = (ot_log_event_in){.ts = e->ts, .msg = e->msg, .len = e->len};
    }
    if (d.rc == OT_ENOTFOUND)
        return 0; /* skipped: the source's outcome records it */
    return d.rc ? d.rc : logs_insert_events(l, d.gid, d.sid, in, n, now_ms);
}

/* Events of many streams come interleaved (a multi-region trail, several accounts): they are
 * written one destination at a time, so each stream costs one lookup and one insert run. */
static int put_events(ot_logs *l, ot_logs_feed_event *ev, size_t n, int64_t now_ms)
{
    size_t k = n ? n : 1;
    ot_log_event_in *in = malloc(k * sizeof *in);
    size_t *idx = malloc(k * sizeof *idx);
    int rc = in && idx ? 0 : OT_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        idx[i] = i;
    if (!rc)
        qsort_r(idx, n, sizeof *idx, by_dest, ev);
    for (size_t i = 0, j; !rc && i < n; i = j) {
        for (j = i + 1; j < n && dest_cmp(&ev[idx[i]], &ev[idx[j]]) == 0; j++)
            ;
        rc = put_run(l, ev, idx + i, j - i, in, now_ms);
    }
    free(idx);
    free(in);
    return rc;
}

/* One outcome per source: the last event of each source decides (a source writes to one
 * group). */
static int note_outcomes(ot_logs *l, const ot_logs_feed_event *ev, size_t n, int64_t now_ms)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        bool last_of_source = true;
        for (size_t j = i + 1; j < n && last_of_source; j++)
            last_of_source = strcmp(ev[i].source, ev[j].source) != 0;
        if (last_of_source)
            rc = note_locked(l, ev[i].source, now_ms, ev[i].stored ? NULL : GROUP_MISSING);
    }
    return rc;
}

int ot_logs_feed_put(ot_logs *l, const char *feed, uint64_t position, ot_logs_feed_event *ev,
                     size_t n, int64_t now_ms)
{
    pthread_mutex_lock(&l->mu);
    int rc = ot_sql_begin(l->db);
    if (!rc) {
        rc = put_events(l, ev, n, now_ms);
        if (!rc)
            rc = note_outcomes(l, ev, n, now_ms);
        if (!rc)
            rc = set_position(l, feed, position);
        rc = ot_sql_end(l->db, rc);
    }
    pthread_mutex_unlock(&l->mu);
    if (rc)
        for (size_t i = 0; i < n; i++)
            ev[i].stored = false;
    return rc;
}
