/* rules_dest.c — the code the connection and API destination tables share: their schema, and
 * create, read, replace, delete and list by descriptor (rules_dest_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_dest_int.h"
#include "util/crypto.h"
#include "util/err.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS connections("
    " account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,"
    " description TEXT, has_description INTEGER, auth INTEGER, auth_name TEXT, secret TEXT,"
    " created_ms INTEGER, modified_ms INTEGER, authorized_ms INTEGER,"
    " PRIMARY KEY(account, region, name));"
    "CREATE TABLE IF NOT EXISTS api_destinations("
    " account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,"
    " description TEXT, has_description INTEGER, connection_arn TEXT, endpoint TEXT,"
    " method TEXT, rate_limit INTEGER, created_ms INTEGER, modified_ms INTEGER,"
    " PRIMARY KEY(account, region, name));";

int rules_dest_schema(sqlite3 *db) { return ot_sql_exec(db, SCHEMA); }

/* The row's leading members (destinations.h: every row starts with them). */
typedef struct dest_head {
    char name[OT_DEST_NAME_MAX + 1];
    char arn[OT_DEST_ARN_MAX];
} dest_head;

static void read_row(const dest_table *t, sqlite3_stmt *st, void *row)
{
    dest_head *h = row;
    ot_sql_col_text(st, 0, h->name, sizeof h->name);
    ot_sql_col_text(st, 1, h->arn, sizeof h->arn);
    ot_sql_read_cols(st, row, t->cols, t->ncols);
}

/* Prepares "SELECT name, arn, <columns> FROM <table> WHERE account=?1 AND region=?2 <where>". */
static int prepare_select(sqlite3 *db, const dest_table *t, const char *where, sqlite3_stmt **st)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT name, arn, %s FROM %s WHERE account=?1 AND region=?2 %s",
             t->columns, t->table, where);
    return ot_sql_prepare(db, sql, st);
}

/* The scope's row called name into row (may be NULL: only whether it exists). */
static int find(sqlite3 *db, const dest_table *t, const ot_rules_scope *s, const char *name,
                void *row)
{
    sqlite3_stmt *st;
    int rc = prepare_select(db, t, "AND name=?3", &st);
    if (rc)
        return rc;
    if (!(rc = rules_bind_scope(st, s, name))) {
        rc = ot_sql_step(db, st, t->table);
        if (rc == 1 && row) {
            memset(row, 0, t->elem);
            read_row(t, st, row);
        }
        rc = rc == 1 ? 0 : rc == 0 ? OT_ENOTFOUND : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

static int count_scope(sqlite3 *db, const dest_table *t, const ot_rules_scope *s, int64_t *n)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM %s WHERE account=?1 AND region=?2 AND ?3 IS NULL", t->table);
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, sql, &st);
    if (rc)
        return rc;
    if (!(rc = rules_bind_scope(st, s, NULL)))
        rc = ot_sql_int64(db, st, n, "count");
    sqlite3_finalize(st);
    return rc;
}

static int store_row(sqlite3 *db, const dest_table *t, const ot_rules_scope *s, const void *row)
{
    const dest_head *h = row;
    char sql[1024], params[256] = "";
    for (size_t i = 0; i < t->ncols; i++)
        snprintf(params + strlen(params), sizeof params - strlen(params), ",?%zu", i + 5);
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO %s(account, region, name, arn, %s) VALUES(?1,?2,?3,?4%s)",
             t->table, t->columns, params);
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, sql, &st);
    if (rc)
        return rc;
    rc = rules_bind_scope(st, s, h->name) || ot_sql_bind_text(st, 4, h->arn) ||
                 ot_sql_bind_cols(st, 3, row, t->cols, t->ncols)
             ? OT_ENOMEM
             : ot_sql_done(db, st, t->table);
    if (rc == OT_ENOMEM)
        sqlite3_finalize(st);
    return rc;
}

typedef struct put_args {
    const dest_table *t;
    const ot_rules_scope *s;
    void *row;
    bool create;
} put_args;

static int put_fn(sqlite3 *db, const void *arg)
{
    const put_args *a = arg;
    dest_head *h = a->row;
    char *old = malloc(a->t->elem);
    if (!old)
        return OT_ENOMEM;
    int rc = find(db, a->t, a->s, h->name, old);
    int64_t n = 0;
    if (a->create && rc == 0)
        rc = OT_EEXIST;
    else if (a->create && rc == OT_ENOTFOUND)
        rc = count_scope(db, a->t, a->s, &n);
    if (!rc && a->create && n >= OT_DEST_PER_SCOPE_MAX)
        rc = OT_ELIMIT;
    if (!rc && a->create) {
        char uuid[37];
        ot_uuid4(uuid);
        snprintf(h->arn, sizeof h->arn, "arn:aws:events:%s:%s:%s/%s/%s", a->s->region,
                 a->s->account, a->t->kind, h->name, uuid);
    } else if (!rc) {
        memcpy(h->arn, ((dest_head *)old)->arn, sizeof h->arn);
    }
    free(old);
    if (!rc && a->t->check)
        rc = a->t->check(db, a->s, a->row);
    return rc ? rc : store_row(db, a->t, a->s, a->row);
}

int dest_put(ot_rules *r, const dest_table *t, const ot_rules_scope *s, void *row, bool create)
{
    put_args a = {.t = t, .s = s, .row = row, .create = create};
    return rules_write(r, put_fn, &a);
}

int dest_get(ot_rules *r, const dest_table *t, const ot_rules_scope *s, const char *name,
             void *row)
{
    pthread_mutex_lock(&r->mu);
    int rc = find(r->db, t, s, name, row);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* Splits arn:aws:events:<region>:<account>:<kind>/<name>[/<uuid>] into s and name. */
static bool arn_split(const dest_table *t, const char *arn, char region[32], char account[16],
                      char name[OT_DEST_NAME_MAX + 1], bool *has_uuid)
{
    char kind[32], rest[OT_DEST_ARN_MAX];
    if (strlen(arn) >= OT_DEST_ARN_MAX ||
        sscanf(arn, "arn:aws:events:%31[^:]:%15[^:]:%31[^/]/%255s", region, account, kind,
               rest) != 4 ||
        strcmp(kind, t->kind))
        return false;
    char *slash = strchr(rest, '/');
    *has_uuid = slash != NULL;
    if (slash)
        *slash = '\0';
    if (!rest[0] || strlen(rest) > OT_DEST_NAME_MAX)
        return false;
    memcpy(name, rest, strlen(rest) + 1);
    return true;
}

int dest_get_by_arn(ot_rules *r, const dest_table *t, const char *arn, void *row)
{
    char region[32], account[16], name[OT_DEST_NAME_MAX + 1];
    bool has_uuid;
    if (!arn_split(t, arn, region, account, name, &has_uuid))
        return OT_ENOTFOUND;
    ot_rules_scope s = {.account = account, .region = region};
    int rc = dest_get(r, t, &s, name, row);
    if (!rc && has_uuid && strcmp(((dest_head *)row)->arn, arn))
        rc = OT_ENOTFOUND; /* a deleted resource's ARN: its successor is another resource */
    return rc;
}

typedef struct delete_args {
    const dest_table *t;
    const ot_rules_scope *s;
    const char *name;
    void *row;
} delete_args;

static int delete_fn(sqlite3 *db, const void *arg)
{
    const delete_args *a = arg;
    int rc = find(db, a->t, a->s, a->name, a->row);
    if (rc)
        return rc;
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE account=?1 AND region=?2 AND name=?3",
             a->t->table);
    sqlite3_stmt *st;
    if ((rc = ot_sql_prepare(db, sql, &st)))
        return rc;
    if ((rc = rules_bind_scope(st, a->s, a->name))) {
        sqlite3_finalize(st);
        return rc;
    }
    return ot_sql_done(db, st, a->t->table);
}

int dest_delete(ot_rules *r, const dest_table *t, const ot_rules_scope *s, const char *name,
                void *row)
{
    delete_args a = {.t = t, .s = s, .name = name, .row = row};
    return rules_write(r, delete_fn, &a);
}

/* Steps st to its end into the malloc'd array *out. */
static int read_rows(sqlite3 *db, const dest_table *t, sqlite3_stmt *st, void **out, size_t *n)
{
    size_t cap = 0;
    int rc;
    while ((rc = ot_sql_step(db, st, t->table)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            void *grown = realloc(*out, cap * t->elem);
            if (!grown)
                return OT_ENOMEM;
            *out = grown;
        }
        char *row = (char *)*out + *n * t->elem;
        memset(row, 0, t->elem);
        read_row(t, st, row);
        (*n)++;
    }
    return rc;
}

int dest_list(ot_rules *r, const dest_table *t, const ot_rules_scope *s, const char *prefix,
              const char *filter_col, const char *filter, const char *after, int limit,
              void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char where[256];
    snprintf(where, sizeof where,
             "AND (?3 IS NULL OR substr(name, 1, length(?3)) = ?3) AND (?4 IS NULL OR name > ?4)"
             " AND (?5 IS NULL OR %s = ?5) ORDER BY name LIMIT ?6",
             filter_col ? filter_col : "name");
    sqlite3_stmt *st;
    pthread_mutex_lock(&r->mu);
    int rc = prepare_select(r->db, t, where, &st);
    if (!rc) {
        rc = rules_bind_scope(st, s, prefix) || ot_sql_bind_text(st, 4, after) ||
                     ot_sql_bind_text(st, 5, filter)
                 ? OT_ENOMEM
                 : 0;
        sqlite3_bind_int(st, 6, limit);
        if (!rc)
            rc = read_rows(r->db, t, st, out, n);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
