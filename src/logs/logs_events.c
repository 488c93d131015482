/* logs_events.c — a stream's events: appended in one transaction, read back by time range
 * after or before a cursor (GetLogEvents, FilterLogEvents). */
#include <stdio.h>
#include <string.h>

#include "logs/logs_int.h"
#include "util/err.h"
#include "util/sql.h"

int logs_insert_events(ot_logs *l, int64_t gid, int64_t sid, const ot_log_event_in *ev,
                         size_t n, int64_t now_ms)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(l->db, "INSERT INTO events(group_id, stream_id, ts, ingest_ms,"
                                   " message) VALUES(?1, ?2, ?3, ?4, ?5)", &st);
    int64_t bytes = 0, first = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, sid);
        sqlite3_bind_int64(st, 3, ev[i].ts);
        sqlite3_bind_int64(st, 4, now_ms);
        if (sqlite3_bind_text(st, 5, ev[i].msg, (int)ev[i].len, SQLITE_TRANSIENT) != SQLITE_OK)
            rc = OT_ENOMEM;
        else
            rc = ot_sql_run(l->db, st, "put log event");
        bytes += (int64_t)ev[i].len;
        first = ev[i].ts < first ? ev[i].ts : first;
        last = ev[i].ts > last ? ev[i].ts : last;
    }
    sqlite3_finalize(st);
    if (rc || n == 0)
        return rc;
    rc = ot_sql_prepare(l->db,
                        "UPDATE streams SET stored_bytes=stored_bytes+?2, last_ingest_ms=?3,"
                        " first_event_ms=CASE WHEN first_event_ms=0 OR first_event_ms>?4"
                        " THEN ?4 ELSE first_event_ms END,"
                        " last_event_ms=MAX(last_event_ms, ?5) WHERE id=?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int64(st, 2, bytes);
    sqlite3_bind_int64(st, 3, now_ms);
    sqlite3_bind_int64(st, 4, first);
    sqlite3_bind_int64(st, 5, last);
    return ot_sql_done(l->db, st, "log stream times");
}

int ot_logs_put(ot_logs *l, const ot_logs_scope *s, const char *group, const char *stream,
                const ot_log_event_in *ev, size_t n, int64_t now_ms, bool *stream_missing)
{
    int64_t gid, sid;
    pthread_mutex_lock(&l->mu);
    int rc = logs_stream_resolve(l, s, group, stream, &gid, &sid, stream_missing);
    if (!rc && !(rc = ot_sql_begin(l->db)))
        rc = ot_sql_end(l->db, logs_insert_events(l, gid, sid, ev, n, now_ms));
    pthread_mutex_unlock(&l->mu);
    return rc;
}

/* The query's statement: by stream or by group, forward or backward from the cursor. */
static int prepare_query(ot_logs *l, const ot_logs_query *q, int64_t gid, int64_t sid,
                         sqlite3_stmt **st)
{
    char sql[640];
    bool back = q->backward;
    snprintf(sql, sizeof sql,
             "SELECT e.id, e.ts, e.ingest_ms, s.name, e.message FROM events e"
             " JOIN streams s ON s.id=e.stream_id WHERE e.%s=?1"
             " AND (?2 IS NULL OR substr(s.name, 1, length(?2))=?2)"
             " AND e.ts>=?3 AND e.ts<?4 AND (e.ts, e.id) %s (?5, ?6)"
             " ORDER BY e.ts %s, e.id %s LIMIT ?7",
             q->stream ? "stream_id" : "group_id", back ? "<" : ">", back ? "DESC" : "ASC",
             back ? "DESC" : "ASC");
    int rc = ot_sql_prepare(l->db, sql, st);
    if (rc)
        return rc;
    sqlite3_bind_int64(*st, 1, q->stream ? sid : gid);
    ot_sql_bind_text(*st, 2, q->stream ? NULL : q->stream_prefix);
    sqlite3_bind_int64(*st, 3, q->start_ms);
    sqlite3_bind_int64(*st, 4, q->end_ms);
    sqlite3_bind_int64(*st, 5, q->cursor_ts);
    sqlite3_bind_int64(*st, 6, q->cursor_id);
    sqlite3_bind_int64(*st, 7, q->max_rows);
    return 0;
}

static int scan(ot_logs *l, sqlite3_stmt *st, ot_logs_event_fn fn, void *ctx)
{
    int rc;
    while ((rc = ot_sql_step(l->db, st, "read log events")) == 1) {
        ot_log_event ev = {
            .id = sqlite3_column_int64(st, 0),
            .ts = sqlite3_column_int64(st, 1),
            .ingest_ms = sqlite3_column_int64(st, 2),
            .stream = (const char *)sqlite3_column_text(st, 3),
            .msg = (const char *)sqlite3_column_text(st, 4),
        };
        ev.len = (size_t)sqlite3_column_bytes(st, 4);
        if (!ev.msg)
            ev.msg = "";
        if (fn(ctx, &ev))
            return 0;
    }
    return rc;
}

int ot_logs_events(ot_logs *l, const ot_logs_scope *s, const ot_logs_query *q,
                   ot_logs_event_fn fn, void *ctx, bool *stream_missing)
{
    int64_t gid, sid = 0;
    sqlite3_stmt *st = NULL;
    if (stream_missing)
        *stream_missing = false;
    pthread_mutex_lock(&l->mu);
    int rc = q->stream ? logs_stream_resolve(l, s, q->group, q->stream, &gid, &sid,
                                             stream_missing)
                       : logs_group_id(l, s, q->group, &gid);
    if (!rc)
        rc = prepare_query(l, q, gid, sid, &st);
    if (!rc)
        rc = scan(l, st, fn, ctx);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&l->mu);
    return rc;
}
