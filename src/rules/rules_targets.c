/* rules_targets.c — a rule's targets: PutTargets' upsert under the quota of five, RemoveTargets,
 * ListTargetsByRule and ListRuleNamesByTarget. */
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"
#include "util/err.h"
#include "util/sql.h"

static void read_target(sqlite3_stmt *st, void *row)
{
    ot_rule_target *t = row;
    ot_sql_col_text(st, 0, t->id, sizeof t->id);
    t->arn = rules_col_dup(st, 1);
    t->role_arn = rules_col_dup(st, 2);
    t->input = rules_col_dup(st, 3);
    t->input_path = rules_col_dup(st, 4);
    t->input_paths_map = rules_col_dup(st, 5);
    t->input_template = rules_col_dup(st, 6);
}

int rules_targets_of(sqlite3 *db, int64_t id, ot_rule_target **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "SELECT target_id, arn, role_arn, input, input_path, input_paths_map,"
                            " input_template FROM targets WHERE rule_id=?1 ORDER BY seq",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = ot_sql_rows(db, st, sizeof **out, read_target, "targets", (void **)out, n);
    sqlite3_finalize(st);
    return rc;
}

/* Inserts or replaces one target; a replaced target keeps its place in the order. */
static int upsert_target(sqlite3 *db, int64_t id, const ot_rule_target *t)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(
        db,
        "INSERT INTO targets(rule_id, target_id, seq, arn, role_arn, input, input_path,"
        " input_paths_map, input_template) VALUES(?1, ?2,"
        " (SELECT COALESCE(MAX(seq), 0) + 1 FROM targets WHERE rule_id=?1), ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT(rule_id, target_id) DO UPDATE SET arn=excluded.arn,"
        " role_arn=excluded.role_arn, input=excluded.input, input_path=excluded.input_path,"
        " input_paths_map=excluded.input_paths_map, input_template=excluded.input_template",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (ot_sql_bind_text(st, 2, t->id) || ot_sql_bind_text(st, 3, t->arn) ||
        ot_sql_bind_text(st, 4, t->role_arn) || ot_sql_bind_text(st, 5, t->input) ||
        ot_sql_bind_text(st, 6, t->input_path) || ot_sql_bind_text(st, 7, t->input_paths_map) ||
        ot_sql_bind_text(st, 8, t->input_template)) {
        sqlite3_finalize(st);
        return OT_ENOMEM;
    }
    return ot_sql_done(db, st, "target upsert");
}

typedef struct targets_args {
    const ot_rules_scope *s;
    const char *rule;
    const ot_rule_target *t;
    const char *const *ids;
    size_t n;
    bool force;
    size_t *removed;
} targets_args;

static int put_fn(sqlite3 *db, const void *arg)
{
    const targets_args *a = arg;
    int64_t id, total = 0;
    int rc = rules_find_writable(db, a->s, a->rule, a->force, &id);
    for (size_t i = 0; !rc && i < a->n; i++)
        rc = upsert_target(db, id, &a->t[i]);
    if (!rc)
        rc = rules_count_of(db, RULES_COUNT_TARGETS, id, &total);
    return !rc && total > OT_RULES_TARGETS_MAX ? OT_ELIMIT : rc;
}

int ot_rules_targets_put(ot_rules *r, const ot_rules_scope *s, const char *rule,
                         const ot_rule_target *t, size_t n, bool force)
{
    targets_args a = {.s = s, .rule = rule, .t = t, .n = n, .force = force};
    return rules_write(r, put_fn, &a);
}

static int remove_fn(sqlite3 *db, const void *arg)
{
    const targets_args *a = arg;
    int64_t id;
    sqlite3_stmt *st;
    int rc = rules_find_writable(db, a->s, a->rule, a->force, &id);
    if (rc ||
        (rc = ot_sql_prepare(db, "DELETE FROM targets WHERE rule_id=?1 AND target_id=?2", &st)))
        return rc;
    size_t removed = 0;
    for (size_t i = 0; !rc && i < a->n; i++) {
        sqlite3_bind_int64(st, 1, id);
        rc = ot_sql_bind_text(st, 2, a->ids[i]);
        if (!rc)
            rc = ot_sql_run(db, st, "target delete");
        removed += !rc ? (size_t)sqlite3_changes(db) : 0;
    }
    sqlite3_finalize(st);
    if (!rc && a->removed)
        *a->removed = removed;
    return rc;
}

int ot_rules_targets_remove(ot_rules *r, const ot_rules_scope *s, const char *rule,
                            const char *const *ids, size_t n, bool force, size_t *removed)
{
    targets_args a = {.s = s, .rule = rule, .ids = ids, .n = n, .force = force,
                      .removed = removed};
    return rules_write(r, remove_fn, &a);
}

int ot_rules_targets_list(ot_rules *r, const ot_rules_scope *s, const char *rule,
                          ot_rule_target **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int64_t id;
    pthread_mutex_lock(&r->mu);
    int rc = rules_find(r->db, s, rule, &id, NULL);
    if (!rc)
        rc = rules_targets_of(r->db, id, out, n);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static void read_name(sqlite3_stmt *st, void *row)
{
    ot_sql_col_text(st, 0, row, OT_RULE_NAME_MAX + 1);
}

int ot_rules_names_by_target(ot_rules *r, const ot_rules_scope *s, const char *arn,
                             const char *after, int limit, char (**names)[OT_RULE_NAME_MAX + 1],
                             size_t *n)
{
    return rules_select_page(r,
                             "SELECT DISTINCT r.name FROM targets t JOIN rules r ON r.id=t.rule_id"
                             " WHERE r.account=?1 AND r.region=?2 AND t.arn=?3"
                             " AND (?4 IS NULL OR r.name > ?4) ORDER BY r.name LIMIT ?5",
                             s, arn, after, limit, sizeof **names, read_name, "rules by target",
                             (void **)names, n);
}
