/* incident_db.c — opening DATA-DIR/incidents.db (schema, WAL journal, synchronous=FULL) and
 * the incident ids.
 *
 * One table: the index fields of each incident as columns (for listing and for prior incidents
 * of a human) and the whole record as JSON text. UNIQUE(runbook, trigger_event_id) is what makes
 * a runbook that runs twice for one event find its incident instead of writing a second. */
#include "incident/incident_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/crypto.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS incidents("
    " id TEXT PRIMARY KEY, runbook TEXT NOT NULL, account TEXT NOT NULL,"
    " region TEXT NOT NULL, trigger_event_id TEXT NOT NULL, human TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, json TEXT NOT NULL,"
    " UNIQUE(runbook, trigger_event_id));"
    "CREATE INDEX IF NOT EXISTS incidents_by_time ON incidents(created_ms);"
    "CREATE INDEX IF NOT EXISTS incidents_by_account ON incidents(account, created_ms);"
    "CREATE INDEX IF NOT EXISTS incidents_by_human ON incidents(human, created_ms);"
    "PRAGMA user_version=1;";

static int open_sqlite(const char *path, int flags, ot_incident_db **out)
{
    ot_incident_db *db = calloc(1, sizeof *db);
    if (!db)
        return OT_ENOMEM;
    pthread_mutex_init(&db->mu, NULL);
    db->read_only = (flags & SQLITE_OPEN_READONLY) != 0;
    if (sqlite3_open_v2(path, &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        ot_error("incident: cannot open %s: %s", path,
                 db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
        ot_incident_db_close(db);
        return OT_EIO;
    }
    sqlite3_busy_timeout(db->sql, 5000);
    *out = db;
    return OT_OK;
}

int ot_incident_db_open(const char *path, ot_incident_db **out)
{
    *out = NULL;
    ot_incident_db *db;
    int rc = open_sqlite(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
    if (rc)
        return rc;
    rc = ot_sql_exec(db->sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    if (!rc)
        rc = ot_sql_exec(db->sql, SCHEMA);
    if (rc) {
        ot_incident_db_close(db);
        return rc;
    }
    *out = db;
    return OT_OK;
}

int ot_incident_db_open_readonly(const char *path, ot_incident_db **out)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return OT_ENOTFOUND;
    return open_sqlite(path, SQLITE_OPEN_READONLY, out);
}

void ot_incident_db_close(ot_incident_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->sql);
    pthread_mutex_destroy(&db->mu);
    free(db);
}

void incident_make_id(int64_t created_ms, char out[32])
{
    time_t secs = (time_t)(created_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    uint8_t rnd[4];
    char hex[9];
    ot_random(rnd, sizeof rnd);
    ot_hex(rnd, sizeof rnd, hex);
    snprintf(out, 32, "INC-%04u%02u%02u-%s", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, hex);
}

void ot_incident_free(ot_incident *inc)
{
    if (!inc)
        return;
    free(inc->json);
    inc->json = NULL;
}

void ot_incident_list_free(ot_incident *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i].json);
    free(list);
}
