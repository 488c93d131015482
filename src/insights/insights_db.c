/* insights_db.c — insights.db: per-minute counts per series with each series' event clock,
 * the first minute counted for each trail, the
 * anomalies in progress, the Insights events not yet written out, and the reader's position
 * (updated in the same transaction as the counts, so a crash never counts a record twice). */
#include <stdlib.h>
#include <string.h>

#include "insights/insights_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"
#include "util/vec.h"

static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS position(id INTEGER PRIMARY KEY CHECK(id=1), lsn INTEGER);"
    "CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, trail TEXT NOT NULL,"
    " type INTEGER NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, source TEXT NOT NULL,"
    " name TEXT NOT NULL, error TEXT NOT NULL, clock INTEGER NOT NULL, judged INTEGER NOT NULL,"
    " touched_ms INTEGER NOT NULL, UNIQUE(trail, type, account, region, source, name, error));"
    "CREATE TABLE IF NOT EXISTS counts(series INTEGER NOT NULL, minute INTEGER NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(series, minute)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS counts_by_minute ON counts(minute);"
    "CREATE TABLE IF NOT EXISTS attrs(series INTEGER NOT NULL, minute INTEGER NOT NULL,"
    " attr INTEGER NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,"
    " PRIMARY KEY(series, attr, minute, value)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS attrs_by_minute ON attrs(minute);"
    "CREATE TABLE IF NOT EXISTS trails(trail TEXT PRIMARY KEY, first_minute INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS anomalies(series INTEGER PRIMARY KEY, start_minute INTEGER,"
    " last_minute INTEGER, baseline REAL, baseline_minutes INTEGER, first_count INTEGER,"
    " calls INTEGER);"
    /* ids never come back (AUTOINCREMENT): a file's name is derived from its range of ids */
    "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, trail TEXT NOT NULL,"
    " account TEXT NOT NULL, region TEXT NOT NULL, record TEXT NOT NULL,"
    " walled INTEGER NOT NULL DEFAULT 0, delivered INTEGER NOT NULL DEFAULT 0);";

static const ot_sql_col SERIES_COLS[] = {
    OT_SQL_COL(ins_series, id, 0),      OT_SQL_COL(ins_series, trail, 1),
    OT_SQL_COL(ins_series, type, 2),    OT_SQL_COL(ins_series, account, 3),
    OT_SQL_COL(ins_series, region, 4),  OT_SQL_COL(ins_series, source, 5),
    OT_SQL_COL(ins_series, name, 6),    OT_SQL_COL(ins_series, error, 7),
    OT_SQL_COL(ins_series, clock, 8),   OT_SQL_COL(ins_series, judged, 9),
    OT_SQL_COL(ins_series, touched_ms, 10),
};
#define SERIES_SELECT                                                                        \
    "SELECT id, trail, type, account, region, source, name, error, clock, judged, touched_ms" \
    " FROM series"
#define NSERIES_COLS (sizeof SERIES_COLS / sizeof SERIES_COLS[0])

static int prepare_kept(ins_db *db)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } kept[] = {
        {&db->series_add, "INSERT INTO series(trail, type, account, region, source, name,"
                          " error, clock, judged, touched_ms)"
                          " VALUES(?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9 - 1, ?11)"
                          " ON CONFLICT(trail, type, account, region, source, name, error)"
                          " DO UPDATE SET clock = max(clock, excluded.clock),"
                          " touched_ms = excluded.touched_ms RETURNING id"},
        {&db->series_get, SERIES_SELECT " WHERE id=?1"},
        {&db->count_add, "INSERT INTO counts(series, minute, n) VALUES(?1, ?2, ?3)"
                         " ON CONFLICT(series, minute) DO UPDATE SET n = n + excluded.n"},
        {&db->count_get, "SELECT n FROM counts WHERE series=?1 AND minute=?2"},
        {&db->window, "SELECT coalesce(sum(n), 0) FROM counts WHERE series=?1"
                      " AND minute>=?2 AND minute<?3"},
        {&db->attr_add, "INSERT INTO attrs(series, minute, attr, value, n)"
                        " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(series, attr, minute, value)"
                        " DO UPDATE SET n = n + excluded.n"},
        {&db->next_start, "SELECT min(minute) FROM counts WHERE series=?1 AND minute>=?2"
                          " AND minute<=?3 AND n>=?4"},
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        int rc = ot_sql_prepare_kept(db->sql, kept[i].sql, kept[i].st);
        if (rc)
            return rc;
    }
    return OT_OK;
}

int ins_db_open(const char *path, ins_db *db)
{
    memset(db, 0, sizeof *db);
    if (sqlite3_open_v2(path, &db->sql,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        ot_error("insights: cannot open %s: %s", path,
                 db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
        ins_db_close(db);
        return OT_EIO;
    }
    sqlite3_busy_timeout(db->sql, 5000);
    int rc = ot_sql_exec(db->sql, SCHEMA);
    if (!rc)
        rc = prepare_kept(db);
    if (rc)
        ins_db_close(db);
    return rc;
}

void ins_db_close(ins_db *db)
{
    sqlite3_stmt *kept[] = {db->series_add, db->series_get, db->count_add,
                            db->count_get,  db->window,    db->next_start, db->attr_add};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        sqlite3_finalize(kept[i]);
    sqlite3_close(db->sql);
    memset(db, 0, sizeof *db);
}

/* The first column of a one-row query with integer parameters; 0 when the row has NULL. */
static int one_int(ins_db *db, sqlite3_stmt *st, const int64_t *params, size_t n, int64_t *v,
                   bool *null)
{
    for (size_t i = 0; i < n; i++)
        sqlite3_bind_int64(st, (int)i + 1, params[i]);
    int rc = ot_sql_step(db->sql, st, "read insights counts");
    *null = rc != 1 || sqlite3_column_type(st, 0) == SQLITE_NULL;
    *v = *null ? 0 : sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc < 0 ? rc : OT_OK;
}

int ins_db_position(ins_db *db, uint64_t *lsn)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql, "SELECT lsn FROM position", &st);
    if (rc)
        return rc;
    int64_t v;
    bool null;
    rc = one_int(db, st, NULL, 0, &v, &null);
    sqlite3_finalize(st);
    *lsn = (uint64_t)v;
    return rc;
}

int ins_db_set_position(ins_db *db, uint64_t lsn)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql, "INSERT OR REPLACE INTO position(id, lsn) VALUES(1, ?1)",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (int64_t)lsn);
    return ot_sql_done(db->sql, st, "store the insights position");
}

int ins_db_series(ins_db *db, const ins_series *s, int64_t *id)
{
    if (ot_sql_bind_cols(db->series_add, 1, s, SERIES_COLS + 1, NSERIES_COLS - 1))
        return OT_ENOMEM;
    bool null;
    int rc = one_int(db, db->series_add, NULL, 0, id, &null);
    return rc ? rc : null ? OT_EIO : OT_OK;
}

int ins_db_series_get(ins_db *db, int64_t id, ins_series *s)
{
    sqlite3_bind_int64(db->series_get, 1, id);
    int rc = ot_sql_step(db->sql, db->series_get, "read an insights series");
    if (rc == 1)
        ot_sql_read_cols(db->series_get, s, SERIES_COLS, NSERIES_COLS);
    sqlite3_reset(db->series_get);
    return rc == 1 ? OT_OK : rc ? rc : OT_ENOTFOUND;
}

int ins_db_series_judged(ins_db *db, int64_t id, int64_t judged)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql, "UPDATE series SET judged=?2 WHERE id=?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, judged);
    return ot_sql_done(db->sql, st, "store how far a series is judged");
}

int ins_db_count_add(ins_db *db, int64_t series, int64_t minute, uint64_t n)
{
    sqlite3_bind_int64(db->count_add, 1, series);
    sqlite3_bind_int64(db->count_add, 2, minute);
    sqlite3_bind_int64(db->count_add, 3, (int64_t)n);
    return ot_sql_run(db->sql, db->count_add, "add insights counts");
}

int ins_db_count(ins_db *db, int64_t series, int64_t minute, uint64_t *n)
{
    int64_t p[] = {series, minute}, v;
    bool null;
    int rc = one_int(db, db->count_get, p, 2, &v, &null);
    *n = (uint64_t)v;
    return rc;
}

int ins_db_window(ins_db *db, int64_t series, int64_t from, int64_t to, uint64_t *sum)
{
    int64_t p[] = {series, from, to}, v;
    bool null;
    int rc = one_int(db, db->window, p, 3, &v, &null);
    *sum = (uint64_t)v;
    return rc;
}

int ins_db_next_start(ins_db *db, int64_t series, int64_t from, int64_t to, int64_t *minute)
{
    int64_t p[] = {series, from, to, OT_INSIGHTS_MIN_START};
    bool null;
    int rc = one_int(db, db->next_start, p, 4, minute, &null);
    return rc ? rc : null ? OT_ENOTFOUND : OT_OK;
}

int ins_db_first_minute(ins_db *db, const char *trail, int64_t low, int64_t *first)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "INSERT INTO trails(trail, first_minute) VALUES(?1, ?2)"
                            " ON CONFLICT(trail) DO UPDATE SET"
                            " first_minute = min(first_minute, excluded.first_minute)"
                            " RETURNING first_minute",
                            &st);
    if (rc)
        return rc;
    rc = ot_sql_bind_text(st, 1, trail);
    sqlite3_bind_int64(st, 2, low);
    if (!rc) {
        rc = ot_sql_step(db->sql, st, "store a trail's first minute");
        *first = rc == 1 ? sqlite3_column_int64(st, 0) : low;
        rc = rc < 0 ? rc : OT_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static void read_series(sqlite3_stmt *st, void *row)
{
    ot_sql_read_cols(st, row, SERIES_COLS, NSERIES_COLS);
}

int ins_db_quiet_series(ins_db *db, int64_t touched_before_ms, int64_t now_minute,
                        ins_series **out, size_t *n)
{
    sqlite3_stmt *st;
    /* the series left to judge: those whose judgement is behind the wall clock (recent ones)
     * or behind the minute after their last event (the others) */
    int rc = ot_sql_prepare(db->sql,
                            SERIES_SELECT " WHERE touched_ms<=?1 AND judged < CASE"
                                          " WHEN ?2 - clock <= ?3 THEN ?2 - ?4 - 1"
                                          " ELSE clock + 1 END",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, touched_before_ms);
    sqlite3_bind_int64(st, 2, now_minute);
    sqlite3_bind_int64(st, 3, INS_LIVE_MIN);
    sqlite3_bind_int64(st, 4, INS_GRACE_MIN);
    rc = ot_sql_rows(db->sql, st, sizeof **out, read_series, "read insights series",
                     (void **)out, n);
    sqlite3_finalize(st);
    return rc;
}

int ins_db_state(ins_db *db, int64_t series, ot_insight_state *s)
{
    memset(s, 0, sizeof *s);
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "SELECT start_minute, last_minute, baseline, baseline_minutes,"
                            " first_count, calls FROM anomalies WHERE series=?1",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, series);
    rc = ot_sql_step(db->sql, st, "read an insight in progress");
    if (rc == 1) {
        s->active = true;
        s->start_minute = sqlite3_column_int64(st, 0);
        s->last_minute = sqlite3_column_int64(st, 1);
        s->baseline = sqlite3_column_double(st, 2);
        s->baseline_minutes = sqlite3_column_int64(st, 3);
        s->first_count = (uint64_t)sqlite3_column_int64(st, 4);
        s->calls = (uint64_t)sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    return rc < 0 ? rc : OT_OK;
}

int ins_db_state_put(ins_db *db, int64_t series, const ot_insight_state *s)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            s->active ? "INSERT OR REPLACE INTO anomalies(series, start_minute,"
                                        " last_minute, baseline, baseline_minutes, first_count,"
                                        " calls) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                                      : "DELETE FROM anomalies WHERE series=?1",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, series);
    if (s->active) {
        sqlite3_bind_int64(st, 2, s->start_minute);
        sqlite3_bind_int64(st, 3, s->last_minute);
        sqlite3_bind_double(st, 4, s->baseline);
        sqlite3_bind_int64(st, 5, s->baseline_minutes);
        sqlite3_bind_int64(st, 6, (int64_t)s->first_count);
        sqlite3_bind_int64(st, 7, (int64_t)s->calls);
    }
    return ot_sql_done(db->sql, st, "store an insight in progress");
}

int ins_db_outbox_add(ins_db *db, const ins_series *s, const char *record, size_t len)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "INSERT INTO outbox(trail, account, region, record)"
                            " VALUES(?1, ?2, ?3, ?4)",
                            &st);
    if (rc)
        return rc;
    if (ot_sql_bind_text(st, 1, s->trail) || ot_sql_bind_text(st, 2, s->account) ||
        ot_sql_bind_text(st, 3, s->region) ||
        sqlite3_bind_text(st, 4, record, (int)len, SQLITE_TRANSIENT) != SQLITE_OK) {
        sqlite3_finalize(st);
        return OT_ENOMEM;
    }
    return ot_sql_done(db->sql, st, "queue an Insights event");
}

static void read_outbox(sqlite3_stmt *st, void *row)
{
    ins_outbox_row *r = row;
    r->id = sqlite3_column_int64(st, 0);
    ot_sql_col_text(st, 1, r->trail, sizeof r->trail);
    ot_sql_col_text(st, 2, r->account, sizeof r->account);
    ot_sql_col_text(st, 3, r->region, sizeof r->region);
    const unsigned char *t = sqlite3_column_text(st, 4);
    r->record = strdup(t ? (const char *)t : "");
}

int ins_db_outbox(ins_db *db, bool walled, ins_outbox_row **out, size_t *n)
{
    int rc = ot_sql_select(db->sql,
                           walled ? "SELECT id, trail, account, region, record FROM outbox"
                                    " WHERE delivered=0 ORDER BY trail, account, region, id"
                                  : "SELECT id, trail, account, region, record FROM outbox"
                                    " WHERE walled=0 ORDER BY id",
                           NULL, 0, sizeof **out, read_outbox, "read the insights outbox",
                           (void **)out, n);
    for (size_t i = 0; !rc && i < *n; i++)
        if (!(*out)[i].record)
            rc = OT_ENOMEM;
    if (rc && *out) {
        ins_outbox_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void ins_outbox_free(ins_outbox_row *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].record);
    free(v);
}

int ins_db_outbox_mark(ins_db *db, bool walled, const int64_t *ids, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = ot_sql_begin(db->sql);
    if (rc)
        return rc;
    rc = ot_sql_prepare(db->sql,
                            walled ? "UPDATE outbox SET walled=1 WHERE id=?1"
                                   : "UPDATE outbox SET delivered=1 WHERE id=?1",
                            &st);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        rc = ot_sql_run(db->sql, st, "mark an Insights event written");
    }
    sqlite3_finalize(st);
    if (!rc)
        rc = ot_sql_exec(db->sql, "DELETE FROM outbox WHERE walled=1 AND delivered=1");
    return ot_sql_end(db->sql, rc);
}

int ins_db_attr_add(ins_db *db, int64_t series, int64_t minute, int attr, const char *value,
                    uint64_t n)
{
    sqlite3_stmt *st = db->attr_add;
    sqlite3_bind_int64(st, 1, series);
    sqlite3_bind_int64(st, 2, minute);
    sqlite3_bind_int(st, 3, attr);
    sqlite3_bind_int64(st, 5, (int64_t)n);
    return ot_sql_bind_text(st, 4, value) ? OT_ENOMEM
                                          : ot_sql_run(db->sql, st, "add insights attributions");
}

int ins_db_attr_top(ins_db *db, int64_t series, int attr, int64_t from, int64_t to,
                    double minutes, ot_insight_value *out, size_t *n)
{
    *n = 0;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "SELECT value, sum(n) AS calls FROM attrs WHERE series=?1 AND attr=?2"
                            " AND minute>=?3 AND minute<=?4 GROUP BY value"
                            " ORDER BY calls DESC, value LIMIT ?5",
                            &st);
    if (rc)
        return rc;
    int64_t p[] = {series, attr, from, to, OT_INSIGHTS_TOP};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_int64(st, i + 1, p[i]);
    while ((rc = ot_sql_step(db->sql, st, "read insights attributions")) == 1) {
        ot_sql_col_text(st, 0, out[*n].value, sizeof out[*n].value);
        out[*n].average = (double)sqlite3_column_int64(st, 1) / minutes;
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc;
}

int ins_db_prune(ins_db *db, int64_t cutoff_minute)
{
    const char *sql[] = {"DELETE FROM counts WHERE minute<?1", "DELETE FROM attrs WHERE minute<?1"};
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < 2; i++) {
        sqlite3_stmt *st;
        rc = ot_sql_prepare(db->sql, sql[i], &st);
        if (!rc) {
            sqlite3_bind_int64(st, 1, cutoff_minute);
            rc = ot_sql_done(db->sql, st, "prune insights counts");
        }
    }
    return rc;
}
