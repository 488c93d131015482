/* trail_selectors.c — event selector versions in state.db.
 *
 *   trail_selectors(id, trail_arn, json, created_ms)   one immutable row per PutEventSelectors
 *   trails.selectors_id                                the version in force (0 = default)
 *
 * Versions are never rewritten: delivery records the version an intent was routed by, and a
 * redo after a crash reads that version back, even if the trail's selectors changed since. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"
#include "util/log.h"

static int has_column(sqlite3 *sql, const char *table, const char *col, bool *has)
{
    sqlite3_stmt *st;
    *has = false;
    char q[128];
    snprintf(q, sizeof q, "PRAGMA table_info(%s)", table);
    if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) != SQLITE_OK)
        return OT_EIO;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 1);
        if (name && !strcmp((const char *)name, col))
            *has = true;
    }
    sqlite3_finalize(st);
    return OT_OK;
}

int ot_trail_selectors_schema(sqlite3 *sql)
{
    bool has = false;
    char *err = NULL;
    int rc = sqlite3_exec(sql,
                          "CREATE TABLE IF NOT EXISTS trail_selectors ("
                          " id INTEGER PRIMARY KEY AUTOINCREMENT, trail_arn TEXT NOT NULL,"
                          " json TEXT NOT NULL, created_ms INTEGER NOT NULL);",
                          NULL, NULL, &err);
    if (rc == SQLITE_OK && has_column(sql, "trails", "selectors_id", &has) != OT_OK)
        rc = SQLITE_ERROR;
    if (rc == SQLITE_OK && !has)
        rc = sqlite3_exec(sql,
                          "ALTER TABLE trails ADD COLUMN selectors_id INTEGER NOT NULL DEFAULT 0",
                          NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        ot_error("state.db: selectors schema: %s", err ? err : sqlite3_errmsg(sql));
        sqlite3_free(err);
        return OT_EIO;
    }
    return OT_OK;
}

/* Runs a prepared statement to completion and finalizes it. */
static int step_done(sqlite3 *sql, sqlite3_stmt *st)
{
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s == SQLITE_DONE || s == SQLITE_ROW)
        return OT_OK;
    ot_error("state.db: selectors: %s", sqlite3_errmsg(sql));
    return OT_EIO;
}

static int insert_version(ot_trail_db *db, const char *arn, const char *json, int64_t now_ms,
                          int64_t *id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql,
                           "INSERT INTO trail_selectors (trail_arn, json, created_ms)"
                           " VALUES (?1, ?2, ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        return OT_EIO;
    ot_trail_bind_text(st, 1, arn);
    ot_trail_bind_text(st, 2, json);
    sqlite3_bind_int64(st, 3, now_ms);
    int rc = step_done(db->sql, st);
    if (!rc)
        *id = sqlite3_last_insert_rowid(db->sql);
    return rc;
}

static int point_trail(ot_trail_db *db, const char *arn, int64_t id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql,
                           "UPDATE trails SET selectors_id=?2, has_custom_selectors=1"
                           " WHERE arn=?1",
                           -1, &st, NULL) != SQLITE_OK)
        return OT_EIO;
    ot_trail_bind_text(st, 1, arn);
    sqlite3_bind_int64(st, 2, id);
    int rc = step_done(db->sql, st);
    return rc ? rc : sqlite3_changes(db->sql) ? OT_OK : OT_ENOTFOUND;
}

int ot_trail_selectors_put(ot_trail_db *db, const char *trail_arn, const char *json,
                           int64_t now_ms, int64_t *id)
{
    pthread_mutex_lock(&db->mu);
    int rc = ot_trail_tx_begin(db);
    if (!rc) {
        rc = insert_version(db, trail_arn, json, now_ms, id);
        if (!rc)
            rc = point_trail(db, trail_arn, *id);
        rc = ot_trail_tx_end(db, rc);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int ot_trail_selectors_get(ot_trail_db *db, int64_t id, char **json)
{
    *json = NULL;
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql, "SELECT json FROM trail_selectors WHERE id=?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            *json = strdup(t ? (const char *)t : "");
            rc = *json ? OT_OK : OT_ENOMEM;
        } else {
            rc = s == SQLITE_DONE ? OT_ENOTFOUND : OT_EIO;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}
