/* rules_rules.c — the rules themselves: PutRule's upsert, one rule, a page of them, deletion and
 * the state. */
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"
#include "util/err.h"
#include "util/sql.h"

#define RULE_COLUMNS "name, state, pattern, description, role_arn, managed_by, created_by, created_ms"

static void read_rule(sqlite3_stmt *st, void *row)
{
    ot_rule *r = row;
    ot_sql_col_text(st, 0, r->name, sizeof r->name);
    char state[64];
    ot_sql_col_text(st, 1, state, sizeof state);
    if (ot_rule_state_parse(state, &r->state))
        r->state = OT_RULE_DISABLED; /* unreadable: matches nothing rather than everything */
    r->pattern = rules_col_dup(st, 2);
    r->description = rules_col_dup(st, 3);
    r->role_arn = rules_col_dup(st, 4);
    r->managed_by = rules_col_dup(st, 5);
    r->created_by = rules_col_dup(st, 6);
    r->created_ms = sqlite3_column_int64(st, 7);
}

typedef struct put_args {
    const ot_rules_scope *s;
    const ot_rule_def *def;
    const ot_rule_tag *tags;
    size_t ntags;
    int64_t now_ms;
    bool *created;
} put_args;

static bool same_manager(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int count_rules(sqlite3 *db, const ot_rules_scope *s, int64_t *n)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(
        db, "SELECT COUNT(*) FROM rules WHERE account=?1 AND region=?2 AND ?3 IS NULL", &st);
    if (rc)
        return rc;
    rc = rules_bind_scope(st, s, NULL);
    if (!rc)
        rc = ot_sql_int64(db, st, n, "rule count");
    sqlite3_finalize(st);
    return rc;
}

/* Binds the members PutRule replaces as ?1..?4. */
static int bind_definition(sqlite3_stmt *st, const ot_rule_def *d)
{
    return ot_sql_bind_text(st, 1, d->pattern) ||
                   ot_sql_bind_text(st, 2, ot_rule_state_name(d->state)) ||
                   ot_sql_bind_text(st, 3, d->description) || ot_sql_bind_text(st, 4, d->role_arn)
               ? OT_ENOMEM
               : 0;
}

static int update_rule(sqlite3 *db, int64_t id, const ot_rule_def *d)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(
        db, "UPDATE rules SET pattern=?1, state=?2, description=?3, role_arn=?4 WHERE id=?5", &st);
    if (rc)
        return rc;
    if ((rc = bind_definition(st, d)) != 0) {
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_bind_int64(st, 5, id);
    return ot_sql_done(db, st, "rule update");
}

static int insert_rule(sqlite3 *db, const put_args *a, int64_t *id)
{
    int64_t n = 0;
    int rc = count_rules(db, a->s, &n);
    if (rc)
        return rc;
    if (n >= OT_RULES_PER_BUS_MAX)
        return OT_ELIMIT;
    sqlite3_stmt *st;
    rc = ot_sql_prepare(db,
                        "INSERT INTO rules(pattern, state, description, role_arn, account, region,"
                        " name, managed_by, created_by, created_ms)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        &st);
    if (rc)
        return rc;
    const ot_rule_def *d = a->def;
    if (bind_definition(st, d) || ot_sql_bind_text(st, 5, a->s->account) ||
        ot_sql_bind_text(st, 6, a->s->region) || ot_sql_bind_text(st, 7, d->name) ||
        ot_sql_bind_text(st, 8, d->managed_by) || ot_sql_bind_text(st, 9, d->created_by)) {
        sqlite3_finalize(st);
        return OT_ENOMEM;
    }
    sqlite3_bind_int64(st, 10, a->now_ms);
    rc = ot_sql_done(db, st, "rule insert");
    if (!rc)
        *id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int put_fn(sqlite3 *db, const void *arg)
{
    const put_args *a = arg;
    int64_t id;
    char *manager = NULL;
    int rc = rules_find(db, a->s, a->def->name, &id, &manager);
    bool created = rc == OT_ENOTFOUND;
    if (!rc)
        rc = same_manager(manager, a->def->managed_by) ? update_rule(db, id, a->def) : OT_EINVAL;
    else if (created)
        rc = insert_rule(db, a, &id);
    free(manager);
    if (!rc)
        rc = rules_tags_add(db, id, a->tags, a->ntags);
    if (!rc && a->created)
        *a->created = created;
    return rc;
}

int ot_rules_put(ot_rules *r, const ot_rules_scope *s, const ot_rule_def *def,
                 const ot_rule_tag *tags, size_t ntags, int64_t now_ms, bool *created)
{
    put_args a = {s, def, tags, ntags, now_ms, created};
    return rules_write(r, put_fn, &a);
}

int ot_rules_get(ot_rules *r, const ot_rules_scope *s, const char *name, ot_rule *out)
{
    memset(out, 0, sizeof *out);
    const char *params[] = {s->account, s->region, name};
    pthread_mutex_lock(&r->mu);
    int rc = ot_sql_select_one(r->db,
                               "SELECT " RULE_COLUMNS
                               " FROM rules WHERE account=?1 AND region=?2 AND name=?3",
                               params, 3, sizeof *out, read_rule, "rule", out);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int ot_rules_list(ot_rules *r, const ot_rules_scope *s, const char *prefix, const char *after,
                  int limit, ot_rule **out, size_t *n)
{
    return rules_select_page(r,
                             "SELECT " RULE_COLUMNS " FROM rules WHERE account=?1 AND region=?2"
                             " AND (?3 IS NULL OR substr(name, 1, length(?3))=?3)"
                             " AND (?4 IS NULL OR name > ?4) ORDER BY name LIMIT ?5",
                             s, prefix, after, limit, sizeof **out, read_rule, "rule list",
                             (void **)out, n);
}

typedef struct name_args {
    const ot_rules_scope *s;
    const char *name;
    bool force;
    ot_rule_state state;
} name_args;

static int delete_fn(sqlite3 *db, const void *arg)
{
    const name_args *a = arg;
    int64_t id, ntargets = 0;
    int rc = rules_find_writable(db, a->s, a->name, a->force, &id);
    if (rc == OT_ENOTFOUND)
        return 0;
    if (!rc)
        rc = rules_count_of(db, RULES_COUNT_TARGETS, id, &ntargets);
    if (!rc && ntargets > 0)
        rc = OT_EEXIST;
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if ((rc = ot_sql_prepare(db, "DELETE FROM rules WHERE id=?1", &st)) != 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    return ot_sql_done(db, st, "rule delete");
}

int ot_rules_delete(ot_rules *r, const ot_rules_scope *s, const char *name, bool force)
{
    name_args a = {.s = s, .name = name, .force = force};
    return rules_write(r, delete_fn, &a);
}

static int state_fn(sqlite3 *db, const void *arg)
{
    const name_args *a = arg;
    int64_t id;
    int rc = rules_find_writable(db, a->s, a->name, a->force, &id);
    sqlite3_stmt *st;
    if (rc || (rc = ot_sql_prepare(db, "UPDATE rules SET state=?1 WHERE id=?2", &st)) != 0)
        return rc;
    ot_sql_bind_text(st, 1, ot_rule_state_name(a->state));
    sqlite3_bind_int64(st, 2, id);
    return ot_sql_done(db, st, "rule state");
}

int ot_rules_set_state(ot_rules *r, const ot_rules_scope *s, const char *name,
                       ot_rule_state st, bool force)
{
    name_args a = {.s = s, .name = name, .force = force, .state = st};
    return rules_write(r, state_fn, &a);
}
