/* trail_store.c — trails in state.db: create (with the per-region limit), update, delete,
 * lookups, logging state and delivery outcomes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"
#include "util/timeutil.h"

/* The trails row: column i of TRAIL_COLS (trail_db.c) is parameter i + 1 of ST_TRAIL_INSERT. */
#define COL(member, idx) OT_SQL_COL(ot_trail, member, idx)
static const ot_sql_col TRAIL_MAP[] = {
    COL(arn, 0), COL(name, 1), COL(account_id, 2), COL(home_region, 3),
    /* the configuration, TRAIL_MAP[CONFIG_FIRST..CONFIG_END): what UpdateTrail changes */
    COL(bucket, 4), COL(prefix, 5), COL(sns_topic_name, 6), COL(kms_key_id, 7),
    COL(cw_log_group_arn, 8), COL(cw_role_arn, 9), COL(include_global, 10),
    COL(multi_region, 11), COL(log_validation, 12), COL(organization, 13), COL(org_id, 14),
    COL(has_custom_selectors, 15), COL(has_insight_selectors, 16),
    /* state */
    COL(logging, 17), COL(created_ms, 18), COL(start_logging_ms, 19), COL(stop_logging_ms, 20),
    COL(latest_delivery_ms, 21), COL(latest_delivery_attempt_ms, 22),
    COL(latest_delivery_attempt_ok, 23), COL(latest_delivery_error, 24),
    COL(latest_digest_delivery_ms, 25), COL(latest_digest_delivery_error, 26),
    COL(selectors_id, 27),
};
#undef COL
enum { CONFIG_FIRST = 4, CONFIG_END = 17, NTRAIL_MAP = sizeof TRAIL_MAP / sizeof *TRAIL_MAP };

static void row_to_trail(sqlite3_stmt *st, ot_trail *t)
{
    memset(t, 0, sizeof *t);
    ot_sql_read_cols(st, t, TRAIL_MAP, NTRAIL_MAP);
    /* PutEventSelectors sets both; an UpdateTrail racing it must not hide the flag */
    t->has_custom_selectors = t->has_custom_selectors || t->selectors_id != 0;
}

/* Binds the configuration columns to ST_TRAIL_UPDATE's parameters 1..13. */
static void bind_config(sqlite3_stmt *st, const ot_trail *t)
{
    ot_sql_bind_cols(st, 1 - CONFIG_FIRST, t, &TRAIL_MAP[CONFIG_FIRST], CONFIG_END - CONFIG_FIRST);
}

static int trail_insert(ot_trail_db *db, const ot_trail *t)
{
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_INSERT);
    if (!st)
        return OT_EIO;
    ot_sql_bind_cols(st, 1, t, TRAIL_MAP, NTRAIL_MAP);
    return ot_trail_exec(db, st);
}

static int count_region(ot_trail_db *db, const char *account, const char *region,
                        const char *except_arn, size_t *n)
{
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_COUNT_REGION);
    if (st) {
        ot_sql_bind_text(st, 1, account);
        ot_sql_bind_text(st, 2, region);
        ot_sql_bind_text(st, 3, except_arn);
    }
    int64_t v;
    int rc = ot_trail_count(db, st, &v);
    *n = (size_t)v;
    return rc;
}

typedef struct region_name {
    char name[32];
} region_name;

static void read_region(sqlite3_stmt *st, void *row)
{
    ot_sql_col_text(st, 0, ((region_name *)row)->name, sizeof ((region_name *)row)->name);
}

/* Whether t (homed in t->home_region, multi-region or not) still fits every region it would
 * count in. Regions where the account has no trail hold only multi-region trails, which
 * the home region's count already includes. */
static int check_limit(ot_trail_db *db, const ot_trail *t, size_t max)
{
    size_t n;
    int rc = count_region(db, t->account_id, t->home_region, t->arn, &n);
    if (rc)
        return rc;
    if (n + 1 > max)
        return OT_ELIMIT;
    if (!t->multi_region)
        return 0;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_REGIONS);
    if (st)
        ot_sql_bind_text(st, 1, t->account_id);
    /* Collect first: count_region reuses the connection while this cursor is open. */
    region_name *regions = NULL;
    size_t nr = 0;
    rc = ot_trail_rows(db, st, sizeof *regions, read_region, (void **)&regions, &nr);
    for (size_t i = 0; i < nr && !rc; i++) {
        rc = count_region(db, t->account_id, regions[i].name, t->arn, &n);
        if (!rc && n + 1 > max)
            rc = OT_ELIMIT;
    }
    free(regions);
    return rc;
}

static int name_clash(ot_trail_db *db, const ot_trail *t, bool *clash)
{
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_NAME_CLASH);
    if (!st)
        return OT_EIO;
    ot_sql_bind_text(st, 1, t->account_id);
    ot_sql_bind_text(st, 2, t->name);
    ot_sql_bind_text(st, 3, t->home_region);
    sqlite3_bind_int(st, 4, t->multi_region);
    ot_sql_bind_text(st, 5, t->arn);
    int64_t v;
    int rc = ot_trail_count(db, st, &v);
    *clash = v > 0;
    return rc;
}

static int trail_exists(ot_trail_db *db, const char *arn, bool *exists)
{
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_GET);
    if (!st)
        return OT_EIO;
    ot_sql_bind_text(st, 1, arn);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    *exists = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : OT_EIO;
}

static int create_locked(ot_trail_db *db, const ot_trail *t, size_t max_per_region)
{
    bool exists = false, clash = false;
    int rc = trail_exists(db, t->arn, &exists);
    if (!rc)
        rc = name_clash(db, t, &clash);
    if (!rc && (exists || clash))
        rc = OT_EEXIST;
    if (!rc)
        rc = check_limit(db, t, max_per_region);
    return rc ? rc : trail_insert(db, t);
}

int ot_trail_create(ot_trail_db *db, const ot_trail *t, size_t max_per_region)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : create_locked(db, t, max_per_region));
}

static int update_locked(ot_trail_db *db, const ot_trail *t, size_t max_per_region)
{
    bool exists = false, clash = false;
    int rc = trail_exists(db, t->arn, &exists);
    if (!rc && !exists)
        rc = OT_ENOTFOUND;
    if (!rc && t->multi_region)
        rc = name_clash(db, t, &clash);
    if (!rc && clash)
        rc = OT_EEXIST;
    if (!rc)
        rc = check_limit(db, t, max_per_region);
    if (rc)
        return rc;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_UPDATE);
    if (!st)
        return OT_EIO;
    bind_config(st, t);
    ot_sql_bind_text(st, 14, t->arn);
    return ot_trail_exec(db, st);
}

int ot_trail_update(ot_trail_db *db, const ot_trail *t, size_t max_per_region)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : update_locked(db, t, max_per_region));
}

static int delete_locked(ot_trail_db *db, const char *arn)
{
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)ot_now_ms());
    int rc = ot_trail_deleted_note(db, arn, now);
    if (!rc)
        rc = ot_trail_run(db, ST_TRAIL_DELETE, &arn, 1);
    if (!rc && sqlite3_changes(db->sql) == 0)
        rc = OT_ENOTFOUND;
    if (!rc)
        rc = ot_trail_run(db, ST_TAG_DEL_ALL, &arn, 1);
    /* a trail made again under this ARN starts with no notification history */
    return rc ? rc : ot_sql_exec_text(db->sql, "DELETE FROM trail_notifications WHERE"
                                      " trail_arn=?1", &arn, 1, "delete notifications");
}

int ot_trail_delete(ot_trail_db *db, const char *arn)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : delete_locked(db, arn));
}

int ot_trail_get_by_arn(ot_trail_db *db, const char *arn, ot_trail *out)
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_GET);
    if (st) {
        ot_sql_bind_text(st, 1, arn);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            row_to_trail(st, out);
        rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? OT_ENOTFOUND : OT_EIO;
        sqlite3_reset(st);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}

static void read_trail(sqlite3_stmt *st, void *row) { row_to_trail(st, row); }

/* Reads every row of a prepared trail query into a malloc'd array. */
static int collect(ot_trail_db *db, sqlite3_stmt *st, ot_trail **out, size_t *n)
{
    return ot_trail_rows(db, st, sizeof **out, read_trail, (void **)out, n);
}

int ot_trail_list(ot_trail_db *db, const char *account, ot_trail **out, size_t *n)
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO;
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_LIST_ACCOUNT);
    if (st) {
        ot_sql_bind_text(st, 1, account);
        rc = collect(db, st, out, n);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int ot_trail_list_logging(ot_trail_db *db, ot_trail **out, size_t *n)
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO;
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_LIST_LOGGING);
    if (st)
        rc = collect(db, st, out, n);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int ot_trail_count_in_region(ot_trail_db *db, const char *account, const char *region,
                             size_t *n)
{
    pthread_mutex_lock(&db->mu);
    int rc = count_region(db, account, region, "", n);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

/* Runs an UPDATE keyed by arn (?1) and reports OT_ENOTFOUND when it matched no trail. */
static int update_trail_row(ot_trail_db *db, sqlite3_stmt *st, const char *arn, int *changes)
{
    int rc = ot_trail_exec(db, st);
    *changes = rc ? 0 : sqlite3_changes(db->sql);
    if (rc || *changes)
        return rc;
    bool exists = false;
    rc = trail_exists(db, arn, &exists);
    return rc ? rc : exists ? 0 : OT_ENOTFOUND;
}

int ot_trail_set_logging(ot_trail_db *db, const char *arn, bool logging, int64_t now_ms,
                         bool *changed)
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO, changes = 0;
    sqlite3_stmt *st = ot_trail_stmt(db, logging ? ST_TRAIL_SET_START : ST_TRAIL_SET_STOP);
    if (st) {
        ot_sql_bind_text(st, 1, arn);
        sqlite3_bind_int64(st, 2, now_ms);
        rc = update_trail_row(db, st, arn, &changes);
    }
    pthread_mutex_unlock(&db->mu);
    if (changed)
        *changed = changes > 0;
    return rc;
}

int ot_trail_note_delivery(ot_trail_db *db, const char *trail_arn, int64_t attempt_ms,
                           const char *error)
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO, changes;
    sqlite3_stmt *st = ot_trail_stmt(db, error ? ST_TRAIL_NOTE_FAIL : ST_TRAIL_NOTE_OK);
    if (st) {
        ot_sql_bind_text(st, 1, trail_arn);
        sqlite3_bind_int64(st, 2, attempt_ms);
        if (error)
            ot_sql_bind_text(st, 3, error);
        rc = update_trail_row(db, st, trail_arn, &changes);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int ot_trail_note_digest(ot_trail_db *db, const char *trail_arn, int64_t ms, const char *error)
{
    pthread_mutex_lock(&db->mu);
    int rc = OT_EIO, changes;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TRAIL_NOTE_DIGEST);
    if (st) {
        ot_sql_bind_text(st, 1, trail_arn);
        sqlite3_bind_int64(st, 2, ms);
        ot_sql_bind_text(st, 3, error);
        rc = update_trail_row(db, st, trail_arn, &changes);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}
