/* logs_streams.c — log streams: create, delete, list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs_int.h"
#include "util/err.h"
#include "util/sql.h"

int logs_stream_insert(ot_logs *l, int64_t gid, const char *name, int64_t now_ms)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(l->db, "INSERT OR IGNORE INTO streams(group_id, name, created_ms)"
                                   " VALUES(?1, ?2, ?3)", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, gid);
    ot_sql_bind_text(st, 2, name);
    sqlite3_bind_int64(st, 3, now_ms);
    rc = ot_sql_done(l->db, st, "create log stream");
    return !rc && sqlite3_changes(l->db) == 0 ? OT_EEXIST : rc;
}

int ot_logs_stream_create(ot_logs *l, const ot_logs_scope *s, const char *group,
                          const char *name, int64_t now_ms)
{
    int64_t gid;
    pthread_mutex_lock(&l->mu);
    int rc = logs_group_id(l, s, group, &gid);
    if (!rc)
        rc = logs_stream_insert(l, gid, name, now_ms);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int ot_logs_stream_delete(ot_logs *l, const ot_logs_scope *s, const char *group,
                          const char *name, bool *stream_missing)
{
    int64_t gid, sid;
    sqlite3_stmt *st;
    pthread_mutex_lock(&l->mu);
    int rc = logs_stream_resolve(l, s, group, name, &gid, &sid, stream_missing);
    if (!rc)
        rc = ot_sql_prepare(l->db, "DELETE FROM streams WHERE id=?1", &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, sid);
        rc = ot_sql_done(l->db, st, "delete log stream");
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

static void read_stream(sqlite3_stmt *st, void *row)
{
    ot_log_stream *r = row;
    ot_sql_col_text(st, 0, r->name, sizeof r->name);
    r->created_ms = sqlite3_column_int64(st, 1);
    r->first_event_ms = sqlite3_column_int64(st, 2);
    r->last_event_ms = sqlite3_column_int64(st, 3);
    r->last_ingest_ms = sqlite3_column_int64(st, 4);
    r->stored_bytes = sqlite3_column_int64(st, 5);
}

int ot_logs_stream_list(ot_logs *l, const ot_logs_scope *s, const char *group,
                        const ot_logs_stream_query *q, ot_log_stream **out, size_t *n)
{
    /* AWS refuses a prefix with LastEventTime ordering; the API checks that. */
    char sql[512];
    const char *dir = q->descending ? "DESC" : "ASC";
    snprintf(sql, sizeof sql,
             "SELECT name, created_ms, first_event_ms, last_event_ms, last_ingest_ms,"
             " stored_bytes FROM streams WHERE group_id=?1"
             " AND (?2 IS NULL OR substr(name, 1, length(?2))=?2)"
             " ORDER BY %s %s, name %s LIMIT ?3 OFFSET ?4",
             q->by_last_event ? "last_event_ms" : "name", dir, dir);
    int64_t gid;
    sqlite3_stmt *st;
    pthread_mutex_lock(&l->mu);
    int rc = logs_group_id(l, s, group, &gid);
    if (!rc)
        rc = ot_sql_prepare(l->db, sql, &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, gid);
        ot_sql_bind_text(st, 2, q->prefix);
        sqlite3_bind_int(st, 3, q->limit);
        sqlite3_bind_int64(st, 4, q->offset);
        rc = ot_sql_rows(l->db, st, sizeof **out, read_stream, "list log streams", (void **)out,
                         n);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}
