/* history_db.c — history.db: schema, the writer's inserts and checkpoint, retention.
 *
 * events holds one row per eventID with the raw record verbatim and a column per single-valued
 * lookup attribute; every index ends in (cat, t) and, implicitly, the rowid, so a lookup by any
 * attribute is one index range scan already in newest-first order. Resources are many per event,
 * so they live in res (type and name rows), keyed by event for deletion and indexed like events
 * for lookup. meta holds the feeder's WAL checkpoint and the NextToken key. */
#include "history/history_int.h"
#include "history/history_seg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/sql.h"

static const char *const KEY_NAMES[OT_HK_COUNT] = {
    "EventId",      "EventName",    "ReadOnly",    "Username",
    "ResourceType", "ResourceName", "EventSource", "AccessKeyId"};

int ot_history_key_parse(const char *name, ot_history_key *k)
{
    for (int i = 0; i < OT_HK_COUNT; i++)
        if (!strcmp(name, KEY_NAMES[i])) {
            *k = (ot_history_key)i;
            return OT_OK;
        }
    return OT_EINVAL;
}

const char *ot_history_key_name(ot_history_key k)
{
    return (unsigned)k < OT_HK_COUNT ? KEY_NAMES[k] : "?";
}

/* Version 2 keeps events compact (only what lookups filter and sort on) and the bulky part of a
 * row, the resources JSON and the raw record, in ev_doc: index builds and range scans then read
 * ~100 bytes per event instead of ~1.5 KB. Version 1 (resources and raw in events) is migrated
 * on the writer's first open; a read-only open of a version 1 file reads it as it is. */
#define HIST_SCHEMA_VERSION 5

/* Version 4: one res row per resource name key (hist_rn_key: the ARN's last segment) holding
 * the event's ARNs with that key in a (NUL-separated), instead of a row for the ARN and another
 * for its short name; a is NULL on type rows. */
#define RES_COLS                                                                                  \
    "(id INTEGER NOT NULL, kind INTEGER NOT NULL, v TEXT NOT NULL, cat INTEGER NOT NULL,"        \
    " region TEXT NOT NULL, t INTEGER NOT NULL, a BLOB, PRIMARY KEY(id, kind, v)) WITHOUT ROWID"

static const char TABLES[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS events("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, t INTEGER NOT NULL, cat INTEGER NOT NULL,"
    " region TEXT NOT NULL,"
    " imported INTEGER NOT NULL, event_id TEXT NOT NULL, event_name TEXT, event_source TEXT,"
    " read_only INTEGER, username TEXT, access_key_id TEXT, blk INTEGER, bi INTEGER);"
    "CREATE TABLE IF NOT EXISTS ev_doc(id INTEGER PRIMARY KEY, resources TEXT NOT NULL,"
    " raw NOT NULL);"
    "CREATE TABLE IF NOT EXISTS doc_blk(id INTEGER PRIMARY KEY, hi INTEGER NOT NULL,"
    " ulen INTEGER NOT NULL, z BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS res" RES_COLS ";";

/* Version 5: imports go to segment files (history_seg.h) registered in seg. */

static const char INDEXES[] =
    "CREATE UNIQUE INDEX IF NOT EXISTS ev_id ON events(event_id);"
    "CREATE INDEX IF NOT EXISTS ev_time ON events(cat, region, t);"
    "CREATE INDEX IF NOT EXISTS ev_name ON events(event_name, cat, region, t);"
    "CREATE INDEX IF NOT EXISTS ev_source ON events(event_source, cat, region, t);"
    "CREATE INDEX IF NOT EXISTS ev_rw ON events(cat, region, t) WHERE read_only = 0;"
    "CREATE INDEX IF NOT EXISTS ev_user ON events(username, cat, region, t) WHERE username IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_akid ON events(access_key_id, cat, region, t)"
    " WHERE access_key_id IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS ev_expire ON events(imported, t);"
    "CREATE INDEX IF NOT EXISTS res_v ON res(kind, v, cat, region, t, id, a);";

const char *hist_rn_key(const char *arn, size_t n, size_t *kn)
{
    size_t i = n;
    while (i > 0 && arn[i - 1] != '/' && arn[i - 1] != ':')
        i--;
    *kn = i == n ? n : n - i;
    return i == n ? arn : arn + i;
}

bool hist_rn_match(const char *a, size_t an, const char *q, size_t qn)
{
    while (an > 0) {
        const char *nul = memchr(a, '\0', an);
        size_t n = nul ? (size_t)(nul - a) : an;
        size_t sn;
        const char *s = hist_short_name_n(a, n, &sn);
        if ((n == qn && !memcmp(a, q, n)) || (s && sn == qn && !memcmp(s, q, sn)))
            return true;
        a += n + (nul != NULL);
        an -= n + (nul != NULL);
    }
    return false;
}

/* ot_rn_match(a, q): whether ResourceName q names one of the ARNs of a res row. */
static void sql_rn_match(sqlite3_context *c, int argc, sqlite3_value **v)
{
    (void)argc;
    const char *a = sqlite3_value_blob(v[0]);
    int an = sqlite3_value_bytes(v[0]);
    const char *q = (const char *)sqlite3_value_text(v[1]);
    int qn = sqlite3_value_bytes(v[1]);
    sqlite3_result_int(c, a && q && hist_rn_match(a, (size_t)an, q, (size_t)qn));
}

/* ot_rn_key(arn) and ot_rn_short(arn) (NULL if none): for the version 3 -> 4 migration. */
static void sql_rn_key(sqlite3_context *c, int argc, sqlite3_value **v)
{
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(v[0]);
    size_t kn;
    const char *k = s ? hist_rn_key(s, (size_t)sqlite3_value_bytes(v[0]), &kn) : NULL;
    if (k)
        sqlite3_result_text(c, k, (int)kn, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(c);
}

static void sql_rn_short(sqlite3_context *c, int argc, sqlite3_value **v)
{
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(v[0]);
    size_t sn;
    const char *k = s ? ot_history_short_name(s, &sn) : NULL;
    if (k)
        sqlite3_result_text(c, k, (int)sn, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(c);
}

int hist_connect(const char *path, bool read_only, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        ot_error("history: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return OT_EIO;
    }
    int fl = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sqlite3_create_function_v2(db, "ot_rn_match", 2, fl, NULL, sql_rn_match, NULL, NULL, NULL) ||
        sqlite3_create_function_v2(db, "ot_rn_key", 1, fl, NULL, sql_rn_key, NULL, NULL, NULL) ||
        sqlite3_create_function_v2(db, "ot_rn_short", 1, fl, NULL, sql_rn_short, NULL, NULL, NULL)) {
        ot_error("history: %s: cannot register functions", path);
        sqlite3_close(db);
        return OT_EIO;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;", NULL, NULL, NULL);
    *out = db;
    return OT_OK;
}

/* Reads the checkpoint and the token key, creating the key on first open. */
static int load_meta(ot_history *h)
{
    sqlite3_stmt *st = NULL;
    int rc = ot_sql_prepare(h->db, "SELECT k, v FROM meta", &st);
    if (rc)
        return rc;
    bool have_key = false;
    while ((rc = ot_sql_step(h->db, st, "read meta")) == 1) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (!strcmp(k, "wal_lsn"))
            h->ckpt = (uint64_t)sqlite3_column_int64(st, 1);
        else if (!strcmp(k, "token_key") && sqlite3_column_bytes(st, 1) == 32) {
            memcpy(h->token_key, sqlite3_column_blob(st, 1), 32);
            have_key = true;
        }
    }
    sqlite3_finalize(st);
    if (rc || have_key)
        return rc;
    if (h->read_only) { /* an index nobody wrote to yet: tokens only live for this process */
        ot_random(h->token_key, sizeof h->token_key);
        return OT_OK;
    }
    ot_random(h->token_key, sizeof h->token_key);
    if ((rc = ot_sql_prepare(h->db, "INSERT OR IGNORE INTO meta(k, v) VALUES('token_key', ?)", &st)))
        return rc;
    sqlite3_bind_blob(st, 1, h->token_key, 32, SQLITE_STATIC);
    return ot_sql_done(h->db, st, "store token key");
}

/* Whether events still holds resources and raw (schema version 1). */
static bool is_v1(sqlite3 *db) { return ot_sql_has_column(db, "events", "raw") == 1; }

/* Whether events has the document block columns (schema version 3). */
static bool has_blk(sqlite3 *db) { return ot_sql_has_column(db, "events", "blk") == 1; }

/* Whether res has the ARN column (schema version 4). */
bool hist_has_res_a(sqlite3 *db) { return ot_sql_has_column(db, "res", "a") == 1; }

/* Runs one migration's steps in one transaction: after an error or a crash the file is as it
 * was, and the next open migrates again. */
static int migrate_tx(ot_history *h, const char *const *steps, size_t n)
{
    int rc = ot_sql_exec(h->db, "BEGIN IMMEDIATE");
    for (size_t i = 0; !rc && i < n; i++)
        rc = ot_sql_exec(h->db, steps[i]);
    if (!rc)
        rc = ot_sql_exec(h->db, "COMMIT");
    if (rc)
        ot_history_rollback(h);
    return rc;
}

/* Version 3 -> 4, one transaction (a crash leaves version 3, migrated again on the next open):
 * res is rewritten with one name row per key. An old name row that is the short name of another
 * name row of the same event was written for that ARN and is dropped; the ARNs of a key are
 * gathered into a. (An event that had a resource whose whole ARN equals another resource's
 * short name loses that ARN's own short name: not a case CloudTrail produces.) */
static int migrate_v3(ot_history *h)
{
    ot_info("history: migrating %s to schema version 4 (one resource name row per resource)",
            h->path);
    static const char *const steps[] = {
                  "DROP INDEX IF EXISTS res_v;"
                  "DROP TABLE IF EXISTS res_new;"
                  "CREATE TABLE res_new" RES_COLS ";"
                  "INSERT INTO res_new(id, kind, v, cat, region, t, a)"
                  " SELECT id, 0, v, cat, region, t, NULL FROM res WHERE kind = 0;"
                  "INSERT INTO res_new(id, kind, v, cat, region, t, a)"
                  " SELECT id, 1, ot_rn_key(v), cat, region, t, CAST(group_concat(v, char(0)) AS BLOB)"
                  " FROM res r WHERE kind = 1 AND NOT EXISTS(SELECT 1 FROM res s WHERE s.id = r.id"
                  " AND s.kind = 1 AND s.v <> r.v AND ot_rn_short(s.v) = r.v)"
                  " GROUP BY id, ot_rn_key(v);"
                  "DROP TABLE res;"
                  "ALTER TABLE res_new RENAME TO res;"};
    return migrate_tx(h, steps, 1);
}

/* Version 2 -> 3: two columns that are NULL for existing rows (their documents stay in ev_doc);
 * SQLite adds them without rewriting the table. */
static int migrate_v2(ot_history *h)
{
    return ot_sql_exec(h->db, "BEGIN IMMEDIATE;"
                       "ALTER TABLE events ADD COLUMN blk INTEGER;"
                       "ALTER TABLE events ADD COLUMN bi INTEGER;"
                       "COMMIT;");
}

/* Version 1 -> 2 in one transaction: a crash leaves the file as it was, and the next open
 * migrates again. */
static int migrate_v1(ot_history *h)
{
    ot_info("history: migrating %s to schema version 2 (documents out of the events table)",
            h->path);
    static const char *const steps[] = {
        TABLES, "INSERT INTO ev_doc(id, resources, raw) SELECT id, resources, raw FROM events;"
                "ALTER TABLE events DROP COLUMN resources;"
                "ALTER TABLE events DROP COLUMN raw;"
                "PRAGMA user_version = 2;"};
    return migrate_tx(h, steps, 2);
}

static int setup_writer(ot_history *h, bool bulk)
{
    /* Larger pages for a new file: fewer B-tree levels and less per-page work for the ~1.5 KB
     * documents (ignored for an existing file). */
    int rc = ot_sql_exec(h->db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;");
    if (!rc)
        rc = ot_sql_exec(h->db, bulk ? "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
                                "PRAGMA mmap_size=4294967296;"
                              : "PRAGMA synchronous=NORMAL;");
    if (!rc && is_v1(h->db))
        rc = migrate_v1(h);
    if (!rc)
        rc = ot_sql_exec(h->db, TABLES);
    if (!rc && !has_blk(h->db) && (rc = migrate_v2(h)) != OT_OK)
        ot_history_rollback(h);
    if (!rc && !hist_has_res_a(h->db))
        rc = migrate_v3(h);
    /* Version 3 -> 4: ReadOnly had a full index ev_ro (one entry per event); ev_rw holds only
     * the read_only = 0 rows, and ReadOnly = true is served by ev_time plus a filter. */
    if (!rc)
        rc = ot_sql_exec(h->db, "DROP INDEX IF EXISTS ev_ro;");
    if (!rc)
        rc = ot_sql_exec(h->db, INDEXES);
    if (!rc)
        rc = ot_sql_exec(h->db, hist_seg_table_sql());
    if (!rc)
        rc = ot_sql_exec(h->db, "PRAGMA user_version = 5;");
    if (!rc)
        rc = ot_sql_prepare_kept(h->db,
                     "INSERT OR IGNORE INTO events(t, cat, imported, event_id, event_name,"
                     " event_source, read_only, username, access_key_id, region, blk, bi)"
                     " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                     &h->ins_ev);
    if (!rc)
        rc = ot_sql_prepare_kept(h->db, "INSERT INTO ev_doc(id, resources, raw) VALUES(?,?,?)", &h->ins_doc);
    if (!rc)
        rc = ot_sql_prepare_kept(h->db, "INSERT OR IGNORE INTO res(id, kind, v, cat, t, region, a) VALUES(?,?,?,?,?,?,?)",
                     &h->ins_res);
    if (!rc)
        rc = ot_sql_prepare_kept(h->db, "INSERT OR REPLACE INTO meta(k, v) VALUES('wal_lsn', ?)",
                     &h->set_ckpt);
    return rc;
}

int ot_history_open(const char *path, const ot_history_opts *opts, ot_history **out)
{
    ot_history_opts o = opts ? *opts : (ot_history_opts){0};
    ot_history *h = calloc(1, sizeof *h);
    if (!h)
        return OT_ENOMEM;
    snprintf(h->path, sizeof h->path, "%s", path);
    h->read_only = o.read_only;
    h->nreaders = o.readers > 0 ? (o.readers < HIST_MAX_READERS ? o.readers : HIST_MAX_READERS) : 4;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    int rc = hist_connect(path, o.read_only, &h->db);
    if (!rc && !o.read_only)
        rc = setup_writer(h, o.bulk);
    if (!rc && o.read_only)
        h->v1 = is_v1(h->db);
    h->blk = !rc && !h->v1 && has_blk(h->db);
    h->res4 = !rc && !h->v1 && hist_has_res_a(h->db);
    h->has_seg = !rc && hist_has_seg_table(h->db);
    if (!rc && !o.read_only)
        hist_segs_cleanup(h);
    if (!rc)
        rc = load_meta(h);
    if (rc) {
        ot_history_close(h);
        return rc;
    }
    *out = h;
    return OT_OK;
}

void ot_history_close(ot_history *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->nreaders; i++)
        sqlite3_close(h->readers[i].db);
    sqlite3_finalize(h->ins_ev);
    sqlite3_finalize(h->ins_res);
    sqlite3_finalize(h->ins_doc);
    sqlite3_finalize(h->set_ckpt);
    hist_segs_release(h, &h->wsegs);
    for (size_t i = 0; i < h->nsegs; i++)
        hist_seg_close(h->segs[i]);
    free(h->segs);
    if (h->db && !h->read_only)
        sqlite3_exec(h->db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL);
    sqlite3_close(h->db);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

/* The write lock also freezes the seg table: the segments loaded here are the ones whose
 * eventIDs the feed must not index again. */
int ot_history_begin(ot_history *h)
{
    int rc = ot_sql_exec(h->db, "BEGIN IMMEDIATE");
    if (!rc) {
        hist_segs_release(h, &h->wsegs);
        if ((rc = hist_segs_load(h, h->db, &h->wsegs)) != OT_OK)
            ot_history_rollback(h);
    }
    return rc;
}

void ot_history_rollback(ot_history *h)
{
    if (!sqlite3_get_autocommit(h->db))
        ot_sql_exec(h->db, "ROLLBACK");
}

int ot_history_commit(ot_history *h, uint64_t wal_lsn)
{
    if (wal_lsn > 0) {
        sqlite3_reset(h->set_ckpt);
        sqlite3_bind_int64(h->set_ckpt, 1, (sqlite3_int64)wal_lsn);
        int rc = ot_sql_run(h->db, h->set_ckpt, "checkpoint");
        if (rc) {
            ot_history_rollback(h);
            return rc;
        }
    }
    int rc = ot_sql_exec(h->db, "COMMIT");
    if (rc)
        ot_history_rollback(h);
    else if (wal_lsn > 0)
        __atomic_store_n(&h->ckpt, wal_lsn, __ATOMIC_RELEASE);
    return rc;
}

uint64_t ot_history_checkpoint(ot_history *h) { return __atomic_load_n(&h->ckpt, __ATOMIC_ACQUIRE); }

static void bind_opt(sqlite3_stmt *st, int i, const char *arena, int32_t off)
{
    if (off < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, arena + off, -1, SQLITE_STATIC);
}

static int insert_res(ot_history *h, int64_t id, const ot_history_row *r, const char *arena,
                      int kind, const char *v, size_t n, const ot_buf *a)
{
    sqlite3_stmt *st = h->ins_res;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, kind);
    sqlite3_bind_text(st, 3, v, (int)n, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, r->cat);
    sqlite3_bind_int64(st, 5, r->time_ms);
    sqlite3_bind_text(st, 6, r->region >= 0 ? arena + r->region : "", -1, SQLITE_STATIC);
    if (a)
        sqlite3_bind_blob(st, 7, a->data, (int)a->len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    return ot_sql_run(h->db, st, "insert resource");
}

/* A type row per distinct type; a name row per distinct key with the event's ARNs of that key
 * (one index entry per resource instead of two: the ARN and its short name). */
static int insert_resources(ot_history *h, int64_t id, const ot_history_row *r, const char *arena)
{
    int rc = OT_OK;
    ot_buf a;
    ot_buf_init(&a, 0);
    for (int i = 0; !rc && i < r->nres; i++) {
        if (r->res_type[i] >= 0) {
            const char *ty = arena + r->res_type[i];
            rc = insert_res(h, id, r, arena, HIST_RES_TYPE, ty, strlen(ty), NULL);
        }
        if (rc || r->res_name[i] < 0)
            continue;
        const char *arn = arena + r->res_name[i];
        size_t kn, kn2;
        const char *k = hist_rn_key(arn, strlen(arn), &kn);
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) {
            const char *o = r->res_name[j] >= 0 ? arena + r->res_name[j] : NULL;
            const char *k2 = o ? hist_rn_key(o, strlen(o), &kn2) : NULL;
            seen = k2 && kn2 == kn && !memcmp(k2, k, kn);
        }
        if (seen) /* already written with the first ARN of this key */
            continue;
        ot_buf_reset(&a);
        rc = ot_buf_append(&a, arn, strlen(arn));
        for (int j = i + 1; !rc && j < r->nres; j++) {
            const char *o = r->res_name[j] >= 0 ? arena + r->res_name[j] : NULL;
            const char *k2 = o ? hist_rn_key(o, strlen(o), &kn2) : NULL;
            if (k2 && kn2 == kn && !memcmp(k2, k, kn) && !(rc = ot_buf_putc(&a, '\0')))
                rc = ot_buf_append(&a, o, strlen(o));
        }
        if (!rc)
            rc = insert_res(h, id, r, arena, HIST_RES_NAME, k, kn, &a);
    }
    ot_buf_free(&a);
    return rc;
}

/* One events row with its document in ev_doc (blk, bi: only imports before schema 5 wrote
 * document blocks). */
static int insert_row(ot_history *h, const ot_history_row *r, const char *arena, bool imported,
                      int *added)
{
    sqlite3_stmt *st = h->ins_ev;
    *added = 0;
    if (r->raw_len > INT32_MAX)
        return OT_ELIMIT;
    if (r->event_id >= 0 &&
        hist_segs_has_eid(&h->wsegs, arena + r->event_id, strlen(arena + r->event_id)))
        return OT_OK; /* imported already */
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->time_ms);
    sqlite3_bind_int(st, 2, r->cat);
    sqlite3_bind_int(st, 3, imported);
    bind_opt(st, 4, arena, r->event_id);
    bind_opt(st, 5, arena, r->event_name);
    bind_opt(st, 6, arena, r->event_source);
    if (r->read_only < 0)
        sqlite3_bind_null(st, 7);
    else
        sqlite3_bind_int(st, 7, r->read_only);
    bind_opt(st, 8, arena, r->username);
    bind_opt(st, 9, arena, r->access_key_id);
    sqlite3_bind_text(st, 10, r->region >= 0 ? arena + r->region : "", -1, SQLITE_STATIC);
    sqlite3_bind_null(st, 11);
    sqlite3_bind_null(st, 12);
    int rc = ot_sql_run(h->db, st, "insert event");
    if (rc)
        return rc;
    if (sqlite3_changes(h->db) == 0)
        return OT_OK; /* eventID already indexed */
    *added = 1;
    int64_t id = sqlite3_last_insert_rowid(h->db);
    st = h->ins_doc;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    bind_opt(st, 2, arena, r->resources_json);
    sqlite3_bind_text(st, 3, r->raw, (int)r->raw_len, SQLITE_STATIC);
    if ((rc = ot_sql_run(h->db, st, "insert document")))
        return rc;
    return insert_resources(h, id, r, arena);
}

int ot_history_insert(ot_history *h, const ot_history_row *r, const char *arena, bool imported,
                      int *added)
{
    return insert_row(h, r, arena, imported, added);
}

int hist_delete_event(sqlite3 *db, int64_t id)
{
    static const char *const SQL[] = {"DELETE FROM res WHERE id = ?", "DELETE FROM ev_doc WHERE id = ?",
                                      "DELETE FROM events WHERE id = ?"};
    for (size_t i = 0; i < sizeof SQL / sizeof *SQL; i++) {
        sqlite3_stmt *st;
        int rc = ot_sql_prepare(db, SQL[i], &st);
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, id);
        if ((rc = ot_sql_done(db, st, SQL[i])))
            return rc;
    }
    return OT_OK;
}

int ot_history_add(ot_history *h, const char *raw, size_t len, int cat_hint, bool imported,
                   int *added)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf arena;
    ot_buf_init(&arena, 0);
    ot_history_row row;
    ot_history_skip why;
    int rc = doc ? ot_history_extract(doc, raw, len, false, cat_hint, &row, &arena, &why)
                 : OT_ENOMEM;
    *added = 0;
    if (!rc)
        rc = ot_history_insert(h, &row, arena.data, imported, added);
    ot_buf_free(&arena);
    ot_json_doc_free(doc);
    return rc;
}

int ot_history_expire(ot_history *h, int64_t cutoff_ms, int batch, bool include_imported,
                      int *deleted)
{
    char sql[1536];
    *deleted = 0;
    /* Oldest first through ev_expire; res rows go with their event (by its primary key). */
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE IF NOT EXISTS doomed(id INTEGER PRIMARY KEY);"
             "DELETE FROM doomed;"
             "CREATE TEMP TABLE IF NOT EXISTS doomed_blk(id INTEGER PRIMARY KEY);"
             "DELETE FROM doomed_blk;"
             "INSERT INTO doomed SELECT id FROM events WHERE imported IN (0%s) AND t < %lld"
             " ORDER BY imported, t LIMIT %d;"
             "INSERT OR IGNORE INTO doomed_blk SELECT blk FROM events"
             " WHERE id IN (SELECT id FROM doomed) AND blk IS NOT NULL;"
             "DELETE FROM res WHERE id IN (SELECT id FROM doomed);"
             "DELETE FROM ev_doc WHERE id IN (SELECT id FROM doomed);"
             "DELETE FROM events WHERE id IN (SELECT id FROM doomed);"
             "DELETE FROM doc_blk WHERE id IN (SELECT id FROM doomed_blk) AND NOT EXISTS("
             "SELECT 1 FROM events e WHERE e.id BETWEEN doc_blk.id AND doc_blk.hi);",
             include_imported ? ",1" : "", (long long)cutoff_ms, batch > 0 ? batch : 1000);
    int rc = ot_sql_exec(h->db, "BEGIN IMMEDIATE");
    if (!rc && (rc = ot_sql_exec(h->db, sql)) == OT_OK) {
        sqlite3_stmt *st = NULL;
        if (ot_sql_prepare(h->db, "SELECT count(*) FROM doomed", &st) == OT_OK &&
            ot_sql_step(h->db, st, "count expired") == 1)
            *deleted = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        rc = ot_sql_exec(h->db, "COMMIT");
    }
    if (rc)
        ot_history_rollback(h);
    int seg_deleted = 0;
    if (!rc && include_imported && h->has_seg && (rc = hist_segs_expire(h, cutoff_ms, &seg_deleted)) == OT_OK)
        *deleted += seg_deleted;
    return rc;
}

int ot_history_bulk_begin(ot_history *h)
{
    return ot_sql_exec(h->db, "DROP INDEX IF EXISTS ev_time; DROP INDEX IF EXISTS ev_name;"
                       "DROP INDEX IF EXISTS ev_source; DROP INDEX IF EXISTS ev_rw;"
                       "DROP INDEX IF EXISTS ev_user; DROP INDEX IF EXISTS ev_akid;"
                       "DROP INDEX IF EXISTS ev_expire; DROP INDEX IF EXISTS res_v;");
}

int ot_history_bulk_end(ot_history *h)
{
    int rc = ot_sql_exec(h->db, "PRAGMA threads=2;");
    return rc ? rc : ot_sql_exec(h->db, INDEXES);
}

int ot_history_count(ot_history *h, int64_t *n)
{
    sqlite3 *db;
    int rc = hist_reader_get(h, &db);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL); /* one snapshot for the table and segments */
    if (!(rc = ot_sql_prepare(db, "SELECT count(*) FROM events", &st)))
        rc = ot_sql_step(db, st, "count events") == 1 ? OT_OK : OT_EIO;
    if (!rc)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    hist_segset set;
    if (!rc && (rc = hist_segs_load(h, db, &set)) == OT_OK) {
        *n += (int64_t)hist_segs_count(&set);
        hist_segs_release(h, &set);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    hist_reader_put(h, db);
    return rc;
}
