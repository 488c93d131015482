/* rules_db.c — opening rules.db (schema, WAL journal, synchronous=FULL), the write transaction
 * that moves the generation, and the lookups the store's files share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_dest_int.h"
#include "rules/rules_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"

/* Targets keep the order they were first added in (seq); a rule's tags and targets go with it. */
static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS rules("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
    " pattern TEXT, state TEXT NOT NULL, description TEXT, role_arn TEXT, managed_by TEXT,"
    " created_by TEXT NOT NULL, created_ms INTEGER NOT NULL, UNIQUE(account, region, name));"
    "CREATE TABLE IF NOT EXISTS targets("
    " rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE, target_id TEXT NOT NULL,"
    " seq INTEGER NOT NULL, arn TEXT NOT NULL, role_arn TEXT, input TEXT, input_path TEXT,"
    " input_paths_map TEXT, input_template TEXT, PRIMARY KEY(rule_id, target_id));"
    "CREATE INDEX IF NOT EXISTS targets_by_arn ON targets(arn, rule_id);"
    "CREATE TABLE IF NOT EXISTS tags("
    " rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE, key TEXT NOT NULL,"
    " value TEXT NOT NULL, PRIMARY KEY(rule_id, key));"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta VALUES('generation', 0);"
    "PRAGMA user_version=1;";

static const char *const STATE_NAMES[] = {
    [OT_RULE_ENABLED] = "ENABLED",
    [OT_RULE_DISABLED] = "DISABLED",
    [OT_RULE_ENABLED_ALL_MANAGEMENT] = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
};

const char *ot_rule_state_name(ot_rule_state st)
{
    return (size_t)st < sizeof STATE_NAMES / sizeof *STATE_NAMES ? STATE_NAMES[st] : "DISABLED";
}

int ot_rule_state_parse(const char *name, ot_rule_state *st)
{
    for (size_t i = 0; i < sizeof STATE_NAMES / sizeof *STATE_NAMES; i++)
        if (name && !strcmp(name, STATE_NAMES[i])) {
            *st = (ot_rule_state)i;
            return 0;
        }
    return OT_EINVAL;
}

void ot_rule_arn(const ot_rules_scope *s, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "arn:aws:events:%s:%s:rule/%s", s->region, s->account, name);
}

char *rules_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    if (!v)
        return NULL;
    char *copy = strdup((const char *)v);
    if (!copy)
        abort(); /* small internal allocations abort on OOM (STYLE) */
    return copy;
}

int rules_bind_scope(sqlite3_stmt *st, const ot_rules_scope *s, const char *third)
{
    return ot_sql_bind_text(st, 1, s->account) || ot_sql_bind_text(st, 2, s->region) ||
                   ot_sql_bind_text(st, 3, third)
               ? OT_ENOMEM
               : 0;
}

int rules_select_page(ot_rules *r, const char *sql, const ot_rules_scope *s, const char *third,
                      const char *after, int limit, size_t elem,
                      void (*read_row)(sqlite3_stmt *st, void *row), const char *what,
                      void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    pthread_mutex_lock(&r->mu);
    int rc = ot_sql_prepare(r->db, sql, &st);
    if (!rc) {
        rc = rules_bind_scope(st, s, third) || ot_sql_bind_text(st, 4, after) ? OT_ENOMEM : 0;
        sqlite3_bind_int(st, 5, limit);
        if (!rc)
            rc = ot_sql_rows(r->db, st, elem, read_row, what, out, n);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int rules_find(sqlite3 *db, const ot_rules_scope *s, const char *name, int64_t *id,
               char **managed_by)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(
        db, "SELECT id, managed_by FROM rules WHERE account=?1 AND region=?2 AND name=?3", &st);
    if (rc)
        return rc;
    if ((rc = rules_bind_scope(st, s, name)) == 0) {
        rc = ot_sql_step(db, st, "rule lookup");
        if (rc == 1) {
            *id = sqlite3_column_int64(st, 0);
            if (managed_by)
                *managed_by = rules_col_dup(st, 1);
        }
        rc = rc == 1 ? 0 : rc == 0 ? OT_ENOTFOUND : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

int rules_find_writable(sqlite3 *db, const ot_rules_scope *s, const char *name, bool force,
                        int64_t *id)
{
    char *managed_by = NULL;
    int rc = rules_find(db, s, name, id, &managed_by);
    if (!rc && managed_by && !force)
        rc = OT_EINVAL;
    free(managed_by);
    return rc;
}

int rules_count_of(sqlite3 *db, const char *sql, int64_t id, int64_t *n)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = ot_sql_int64(db, st, n, "count");
    sqlite3_finalize(st);
    return rc;
}

int rules_write(ot_rules *r, int (*fn)(sqlite3 *db, const void *arg), const void *arg)
{
    pthread_mutex_lock(&r->mu);
    int rc = ot_sql_begin(r->db);
    int64_t before = sqlite3_total_changes64(r->db);
    if (!rc)
        rc = fn(r->db, arg);
    bool changed = !rc && sqlite3_total_changes64(r->db) != before;
    if (changed)
        rc = ot_sql_exec(r->db, "UPDATE meta SET v=v+1 WHERE k='generation'");
    rc = ot_sql_end(r->db, rc);
    if (!rc && changed)
        atomic_fetch_add(&r->generation, 1);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

uint64_t ot_rules_generation(ot_rules *r) { return atomic_load(&r->generation); }

static int load_generation(ot_rules *r)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(r->db, "SELECT v FROM meta WHERE k='generation'", &st);
    if (rc)
        return rc;
    int64_t v = 0;
    rc = ot_sql_int64(r->db, st, &v, "generation");
    sqlite3_finalize(st);
    atomic_store(&r->generation, (uint64_t)v);
    return rc;
}

static int db_open(const char *path, sqlite3 **db)
{
    int rc = ot_sql_open_durable(path, "rules.db", SCHEMA, db);
    return rc ? rc : rules_dest_schema(*db);
}

int ot_rules_open(const char *path, ot_rules **out)
{
    *out = NULL;
    ot_rules *r = calloc(1, sizeof *r);
    if (!r)
        return OT_ENOMEM;
    int rc = db_open(path, &r->db);
    if (!rc)
        rc = load_generation(r);
    if (rc) {
        sqlite3_close(r->db);
        free(r);
        return rc;
    }
    pthread_mutex_init(&r->mu, NULL);
    *out = r;
    return 0;
}

void ot_rules_close(ot_rules *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

void ot_rule_clear(ot_rule *rule)
{
    free(rule->pattern);
    free(rule->description);
    free(rule->role_arn);
    free(rule->managed_by);
    free(rule->created_by);
    memset(rule, 0, sizeof *rule);
}

void ot_rules_free(ot_rule *rules, size_t n)
{
    for (size_t i = 0; rules && i < n; i++)
        ot_rule_clear(&rules[i]);
    free(rules);
}

void ot_rule_targets_free(ot_rule_target *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].arn);
        free(t[i].role_arn);
        free(t[i].input);
        free(t[i].input_path);
        free(t[i].input_paths_map);
        free(t[i].input_template);
    }
    free(t);
}
