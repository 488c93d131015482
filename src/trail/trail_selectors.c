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

int ot_trail_selectors_schema(sqlite3 *sql)
{
    int rc = ot_sql_exec(sql, "CREATE TABLE IF NOT EXISTS trail_selectors ("
                              " id INTEGER PRIMARY KEY AUTOINCREMENT, trail_arn TEXT NOT NULL,"
                              " json TEXT NOT NULL, created_ms INTEGER NOT NULL);");
    int has = rc ? rc : ot_sql_has_column(sql, "trails", "selectors_id");
    if (has < 0)
        return has;
    if (!has)
        rc = ot_sql_exec(sql,
                         "ALTER TABLE trails ADD COLUMN selectors_id INTEGER NOT NULL DEFAULT 0");
    return rc;
}

static int insert_version(ot_trail_db *db, const char *arn, const char *json, int64_t now_ms,
                          int64_t *id)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "INSERT INTO trail_selectors (trail_arn, json, created_ms)"
                            " VALUES (?1, ?2, ?3)",
                            &st);
    if (rc)
        return rc;
    ot_sql_bind_text(st, 1, arn);
    ot_sql_bind_text(st, 2, json);
    sqlite3_bind_int64(st, 3, now_ms);
    rc = ot_sql_done(db->sql, st, "insert selectors");
    if (!rc)
        *id = sqlite3_last_insert_rowid(db->sql);
    return rc;
}

static int point_trail(ot_trail_db *db, const char *arn, int64_t id)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "UPDATE trails SET selectors_id=?2, has_custom_selectors=1"
                            " WHERE arn=?1",
                            &st);
    if (rc)
        return rc;
    ot_sql_bind_text(st, 1, arn);
    sqlite3_bind_int64(st, 2, id);
    rc = ot_sql_done(db->sql, st, "point trail at selectors");
    return rc ? rc : sqlite3_changes(db->sql) ? OT_OK : OT_ENOTFOUND;
}

int ot_trail_selectors_put(ot_trail_db *db, const char *trail_arn, const char *json,
                           int64_t now_ms, int64_t *id)
{
    int rc = ot_trail_tx_begin(db);
    if (!rc && !(rc = insert_version(db, trail_arn, json, now_ms, id)))
        rc = point_trail(db, trail_arn, *id);
    return ot_trail_tx_end(db, rc);
}

/* Runs sql (?1 bound to arn unless NULL, ?2 to id) for one row (id, json): its id into *id
 * (may be NULL) and its JSON malloc'd into *json. OT_ENOTFOUND when there is no row. */
static int read_version(ot_trail_db *db, const char *sql, const char *arn, int64_t id,
                        int64_t *id_out, char **json)
{
    *json = NULL;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql, sql, &st);
    if (!rc) {
        if (arn)
            ot_sql_bind_text(st, 1, arn);
        sqlite3_bind_int64(st, 2, id);
        rc = ot_sql_step(db->sql, st, "read selectors");
        if (rc == 1) {
            const unsigned char *t = sqlite3_column_text(st, 1);
            if (id_out)
                *id_out = sqlite3_column_int64(st, 0);
            *json = strdup(t ? (const char *)t : "");
            rc = *json ? OT_OK : OT_ENOMEM;
        } else if (rc == 0) {
            rc = OT_ENOTFOUND;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int ot_trail_selectors_get(ot_trail_db *db, int64_t id, char **json)
{
    return read_version(db, "SELECT id, json FROM trail_selectors WHERE id=?2", NULL, id, NULL,
                        json);
}

int ot_trail_selectors_before(ot_trail_db *db, const char *trail_arn, int64_t before_id,
                              int64_t *id, char **json)
{
    return read_version(db,
                        "SELECT id, json FROM trail_selectors WHERE trail_arn=?1 AND id<?2"
                        " ORDER BY id DESC LIMIT 1",
                        trail_arn, before_id, id, json);
}
