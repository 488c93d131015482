/* trail_channel.c — channels (CloudTrail Lake integrations) and their destinations in
 * state.db, plus the ingestion status PutAuditEvents reports back. */
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"

/* The channels row (CHAN_COLS in trail_db.c); its first six are ST_CHAN_INSERT's parameters. */
#define COL(member, idx) OT_SQL_COL(ot_channel, member, idx)
static const ot_sql_col CHAN_MAP[] = {
    COL(arn, 0), COL(name, 1), COL(source, 2), COL(account_id, 3), COL(region, 4),
    COL(created_ms, 5), COL(latest_ingest_success_ms, 6),
    COL(latest_ingest_success_event_id, 7), COL(latest_ingest_attempt_ms, 8),
    COL(latest_ingest_attempt_event_id, 9), COL(latest_ingest_error_code, 10),
};
#undef COL
enum { CHAN_INSERTED = 6 };

static void row_to_channel(sqlite3_stmt *st, ot_channel *c)
{
    memset(c, 0, sizeof *c);
    ot_sql_read_cols(st, c, CHAN_MAP, sizeof CHAN_MAP / sizeof *CHAN_MAP);
}

static void read_channel(sqlite3_stmt *st, void *row) { row_to_channel(st, row); }

static void read_destination(sqlite3_stmt *st, void *row)
{
    ot_channel_destination *d = row;
    ot_sql_col_text(st, 0, d->type, sizeof d->type);
    ot_sql_col_text(st, 1, d->location, sizeof d->location);
}

static int load_destinations(ot_trail_db *db, ot_channel *c)
{
    sqlite3_stmt *st = ot_trail_stmt(db, ST_DEST_LIST);
    if (st)
        ot_sql_bind_text(st, 1, c->arn);
    return ot_trail_rows(db, st, sizeof *c->destinations, read_destination,
                         (void **)&c->destinations, &c->ndestinations);
}

static int store_destinations(ot_trail_db *db, const char *arn, const ot_channel_destination *d,
                              size_t n)
{
    int rc = ot_trail_run(db, ST_DEST_DELETE, &arn, 1);
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = ot_trail_stmt(db, ST_DEST_INSERT);
        if (!st)
            return OT_EIO;
        ot_sql_bind_text(st, 1, arn);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        ot_sql_bind_text(st, 3, d[i].type);
        ot_sql_bind_text(st, 4, d[i].location);
        rc = ot_trail_exec(db, st);
    }
    return rc;
}

static int channel_create_locked(ot_trail_db *db, const ot_channel *c, size_t max)
{
    int64_t v;
    int rc = ot_trail_count_text(db, ST_CHAN_BY_NAME, c->account_id, c->region, c->name, c->arn, &v);
    if (rc)
        return rc;
    if (v > 0)
        return OT_EEXIST;
    rc = ot_trail_count_text(db, ST_CHAN_COUNT, c->account_id, c->region, NULL, NULL, &v);
    if (rc)
        return rc;
    if ((size_t)v >= max)
        return OT_ELIMIT;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_CHAN_INSERT);
    if (!st)
        return OT_EIO;
    ot_sql_bind_cols(st, 1, c, CHAN_MAP, CHAN_INSERTED);
    rc = ot_trail_exec(db, st);
    if (!rc)
        rc = store_destinations(db, c->arn, c->destinations, c->ndestinations);
    return rc;
}

int ot_channel_create(ot_trail_db *db, const ot_channel *c, size_t max)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : channel_create_locked(db, c, max));
}

static int channel_get_locked(ot_trail_db *db, const char *arn_or_id, ot_channel *out)
{
    sqlite3_stmt *st = ot_trail_stmt(db, ST_CHAN_GET);
    if (!st)
        return OT_EIO;
    ot_sql_bind_text(st, 1, arn_or_id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        row_to_channel(st, out);
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return s == SQLITE_DONE ? OT_ENOTFOUND : OT_EIO;
    int rc = load_destinations(db, out);
    if (rc)
        ot_channel_free(out);
    return rc;
}

int ot_channel_get(ot_trail_db *db, const char *arn_or_id, ot_channel *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&db->mu);
    int rc = channel_get_locked(db, arn_or_id, out);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

void ot_channel_free(ot_channel *c)
{
    if (!c)
        return;
    free(c->destinations);
    c->destinations = NULL;
    c->ndestinations = 0;
}

static int channel_update_locked(ot_trail_db *db, const char *arn, const char *name,
                                 const ot_channel_destination *dests, size_t ndests)
{
    ot_channel cur;
    memset(&cur, 0, sizeof cur);
    int rc = channel_get_locked(db, arn, &cur);
    if (rc)
        return rc;
    ot_channel_free(&cur);
    if (strcmp(cur.arn, arn) != 0)
        return OT_ENOTFOUND; /* only full ARNs here */
    if (name) {
        int64_t v;
        rc = ot_trail_count_text(db, ST_CHAN_BY_NAME, cur.account_id, cur.region, name, arn, &v);
        if (!rc && v > 0)
            rc = OT_EEXIST;
        const char *rename[] = {arn, name};
        if (!rc)
            rc = ot_trail_run(db, ST_CHAN_RENAME, rename, 2);
    }
    if (!rc && dests)
        rc = store_destinations(db, arn, dests, ndests);
    return rc;
}

int ot_channel_update(ot_trail_db *db, const char *arn, const char *name,
                      const ot_channel_destination *dests, size_t ndests)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : channel_update_locked(db, arn, name, dests, ndests));
}

static int channel_delete_locked(ot_trail_db *db, const char *arn)
{
    enum ot_trail_stmt ids[] = {ST_DEST_DELETE, ST_TAG_DEL_ALL, ST_CHAN_DELETE};
    int rc = 0;
    for (size_t i = 0; i < 3 && !rc; i++)
        rc = ot_trail_run(db, ids[i], &arn, 1);
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = OT_ENOTFOUND;
    return rc;
}

int ot_channel_delete(ot_trail_db *db, const char *arn)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : channel_delete_locked(db, arn));
}

int ot_channel_list(ot_trail_db *db, const char *account, const char *region, const char *after,
                    size_t limit, ot_channel **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = ot_trail_stmt(db, ST_CHAN_LIST);
    if (st) {
        ot_sql_bind_text(st, 1, account);
        ot_sql_bind_text(st, 2, region);
        ot_sql_bind_text(st, 3, after ? after : "");
        sqlite3_bind_int64(st, 4, (int64_t)limit);
    }
    int rc = ot_trail_rows(db, st, sizeof **out, read_channel, (void **)out, n);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

void ot_channel_list_free(ot_channel *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        ot_channel_free(&list[i]);
    free(list);
}

int ot_channel_note_ingestion(ot_trail_db *db, const char *arn, int64_t ms, const char *event_id,
                              const char *error_code)
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO;
    sqlite3_stmt *st = ot_trail_stmt(db, error_code ? ST_CHAN_NOTE_FAIL : ST_CHAN_NOTE_OK);
    if (st) {
        ot_sql_bind_text(st, 1, arn);
        sqlite3_bind_int64(st, 2, ms);
        ot_sql_bind_text(st, 3, event_id ? event_id : "");
        if (error_code)
            ot_sql_bind_text(st, 4, error_code);
        rc = ot_trail_exec(db, st);
        if (!rc && sqlite3_changes(db->sql) == 0)
            rc = OT_ENOTFOUND;
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}
