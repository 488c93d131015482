/* incident_store.c — writing and reading incidents in incidents.db: put (once per runbook and
 * trigger event), update, get, list and the prior incidents of a human. */
#include "incident/incident_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/sql.h"
#include "util/timeutil.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* The index columns, in the order of every SELECT below and of the INSERT's parameters. */
static const ot_sql_col INDEX_COLS[] = {
    OT_SQL_COL(ot_incident, id, 0),         OT_SQL_COL(ot_incident, runbook, 1),
    OT_SQL_COL(ot_incident, account, 2),    OT_SQL_COL(ot_incident, region, 3),
    OT_SQL_COL(ot_incident, trigger_event_id, 4), OT_SQL_COL(ot_incident, human, 5),
    OT_SQL_COL(ot_incident, created_ms, 6),
};

#define INDEX_COLUMNS "id, runbook, account, region, trigger_event_id, human, created_ms"
#define SELECT_INDEX "SELECT " INDEX_COLUMNS " FROM incidents"
#define SELECT_INDEX_AND_JSON "SELECT " INDEX_COLUMNS ", json FROM incidents"

static void read_index(sqlite3_stmt *st, void *row)
{
    ot_sql_read_cols(st, row, INDEX_COLS, NCOLS(INDEX_COLS));
}

static void read_id(sqlite3_stmt *st, void *row)
{
    ot_sql_col_text(st, 0, ((ot_incident *)row)->id, sizeof ((ot_incident *)row)->id);
}

static int insert(ot_incident_db *db, const ot_incident *inc)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db->sql,
                            "INSERT INTO incidents(id, runbook, account, region, trigger_event_id,"
                            " human, created_ms, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            &st);
    if (rc)
        return rc;
    if (ot_sql_bind_cols(st, 1, inc, INDEX_COLS, NCOLS(INDEX_COLS)) ||
        ot_sql_bind_text(st, 8, inc->json)) {
        sqlite3_finalize(st);
        return OT_ENOMEM;
    }
    return ot_sql_done(db->sql, st, "insert incident");
}

/* Inside the transaction: the existing incident for the trigger, else a new row (a new id is
 * drawn again in the unlikely case that it is taken). */
static int put_in_tx(ot_incident_db *db, ot_incident *inc)
{
    const char *key[] = {inc->runbook, inc->trigger_event_id};
    ot_incident found;
    int rc = ot_sql_select_one(db->sql,
                               "SELECT id FROM incidents WHERE runbook = ?1"
                               " AND trigger_event_id = ?2",
                               key, 2, sizeof found, read_id, "find incident", &found);
    if (rc == OT_OK) {
        memcpy(inc->id, found.id, sizeof inc->id);
        return OT_EEXIST;
    }
    if (rc != OT_ENOTFOUND)
        return rc;
    if (inc->id[0])
        return insert(db, inc);
    for (int attempt = 0; attempt < 4; attempt++) {
        incident_make_id(inc->created_ms, inc->id);
        if ((rc = insert(db, inc)) != OT_EEXIST)
            break;
    }
    return rc;
}

int ot_incident_put(ot_incident_db *db, ot_incident *inc)
{
    if (db->read_only || !inc->runbook[0] || !inc->trigger_event_id[0] || !inc->json)
        return OT_EINVAL;
    bool made_id = !inc->id[0];
    if (!inc->created_ms)
        inc->created_ms = ot_now_ms();
    pthread_mutex_lock(&db->mu);
    int rc = ot_sql_begin(db->sql);
    if (!rc)
        rc = ot_sql_end(db->sql, put_in_tx(db, inc));
    pthread_mutex_unlock(&db->mu);
    if (rc && rc != OT_EEXIST && made_id)
        inc->id[0] = '\0';
    return rc;
}

int ot_incident_update(ot_incident_db *db, const char *id, const char *json)
{
    if (db->read_only || !json)
        return OT_EINVAL;
    const char *params[] = {json, id};
    pthread_mutex_lock(&db->mu);
    int rc = ot_sql_exec_text(db->sql, "UPDATE incidents SET json = ?1 WHERE id = ?2", params,
                              2, "update incident");
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = OT_ENOTFOUND;
    pthread_mutex_unlock(&db->mu);
    return rc;
}

static void read_whole(sqlite3_stmt *st, void *row)
{
    read_index(st, row);
    const unsigned char *t = sqlite3_column_text(st, 7);
    ((ot_incident *)row)->json = strdup(t ? (const char *)t : "{}");
}

int ot_incident_get(ot_incident_db *db, const char *id, ot_incident *out)
{
    const char *params[] = {id};
    pthread_mutex_lock(&db->mu);
    int rc = ot_sql_select_one(db->sql, SELECT_INDEX_AND_JSON " WHERE id = ?1", params, 1,
                               sizeof *out, read_whole, "get incident", out);
    pthread_mutex_unlock(&db->mu);
    if (!rc && !out->json)
        rc = OT_ENOMEM;
    return rc;
}

/* Runs a listing query whose parameters are text ?1.. then the row cap as the last one. */
static int select_list(ot_incident_db *db, const char *sql, const char *const *params,
                       int nparams, size_t max, ot_incident **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    pthread_mutex_lock(&db->mu);
    int rc = ot_sql_prepare(db->sql, sql, &st);
    for (int i = 0; !rc && i < nparams; i++)
        rc = ot_sql_bind_text(st, i + 1, params[i]);
    if (!rc)
        rc = sqlite3_bind_int64(st, nparams + 1, (sqlite3_int64)(max > INT64_MAX ? INT64_MAX : max))
                 ? OT_ENOMEM
                 : OT_OK;
    if (!rc)
        rc = ot_sql_rows(db->sql, st, sizeof **out, read_index, "list incidents", (void **)out,
                         n);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int ot_incident_list(ot_incident_db *db, const char *account, size_t max, ot_incident **out,
                     size_t *n)
{
    const char *params[] = {account ? account : ""};
    return select_list(db,
                       SELECT_INDEX " WHERE ?1 = '' OR account = ?1"
                                    " ORDER BY created_ms DESC, rowid DESC LIMIT ?2",
                       params, 1, max, out, n);
}

int ot_incident_prior(ot_incident_db *db, const char *human, int64_t before_ms, size_t max,
                      ot_incident **out, size_t *n)
{
    char before[24];
    snprintf(before, sizeof before, "%lld", (long long)before_ms);
    const char *params[] = {human ? human : "", before};
    return select_list(db,
                       SELECT_INDEX " WHERE ?1 <> '' AND human = ?1 AND created_ms < CAST(?2 AS"
                                    " INTEGER) ORDER BY created_ms DESC, rowid DESC LIMIT ?3",
                       params, 2, max, out, n);
}
