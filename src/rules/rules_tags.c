/* rules_tags.c — a rule's tags: TagResource, UntagResource, ListTagsForResource (and PutRule's
 * Tags), at most OT_RULES_TAGS_MAX per rule. */
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"
#include "util/err.h"
#include "util/sql.h"

int rules_tags_add(sqlite3 *db, int64_t id, const ot_rule_tag *tags, size_t n)
{
    if (n == 0)
        return 0;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, "INSERT OR REPLACE INTO tags(rule_id, key, value) VALUES(?1,?2,?3)",
                            &st);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, id);
        rc = ot_sql_bind_text(st, 2, tags[i].key) || ot_sql_bind_text(st, 3, tags[i].value)
                 ? OT_ENOMEM
                 : ot_sql_run(db, st, "tag");
    }
    sqlite3_finalize(st);
    int64_t total = 0;
    if (!rc)
        rc = rules_count_of(db, "SELECT COUNT(*) FROM tags WHERE rule_id=?1", id, &total);
    return !rc && total > OT_RULES_TAGS_MAX ? OT_ELIMIT : rc;
}

typedef struct tag_args {
    const ot_rules_scope *s;
    const char *rule;
    const ot_rule_tag *tags;
    const char *const *keys;
    size_t n;
    bool force;
} tag_args;

static int tag_fn(sqlite3 *db, const void *arg)
{
    const tag_args *a = arg;
    int64_t id;
    int rc = rules_find_writable(db, a->s, a->rule, a->force, &id);
    return rc ? rc : rules_tags_add(db, id, a->tags, a->n);
}

int ot_rules_tag(ot_rules *r, const ot_rules_scope *s, const char *rule, const ot_rule_tag *tags,
                 size_t n, bool force)
{
    tag_args a = {.s = s, .rule = rule, .tags = tags, .n = n, .force = force};
    return rules_write(r, tag_fn, &a);
}

static int untag_fn(sqlite3 *db, const void *arg)
{
    const tag_args *a = arg;
    int64_t id;
    sqlite3_stmt *st;
    int rc = rules_find_writable(db, a->s, a->rule, a->force, &id);
    if (rc || (rc = ot_sql_prepare(db, "DELETE FROM tags WHERE rule_id=?1 AND key=?2", &st)))
        return rc;
    for (size_t i = 0; !rc && i < a->n; i++) {
        sqlite3_bind_int64(st, 1, id);
        rc = ot_sql_bind_text(st, 2, a->keys[i]) ? OT_ENOMEM : ot_sql_run(db, st, "untag");
    }
    sqlite3_finalize(st);
    return rc;
}

int ot_rules_untag(ot_rules *r, const ot_rules_scope *s, const char *rule,
                   const char *const *keys, size_t n, bool force)
{
    tag_args a = {.s = s, .rule = rule, .keys = keys, .n = n, .force = force};
    return rules_write(r, untag_fn, &a);
}

static void read_tag(sqlite3_stmt *st, void *row)
{
    ot_rule_tag *t = row;
    ot_sql_col_text(st, 0, t->key, sizeof t->key);
    ot_sql_col_text(st, 1, t->value, sizeof t->value);
}

int ot_rules_tags(ot_rules *r, const ot_rules_scope *s, const char *rule, ot_rule_tag **out,
                  size_t *n)
{
    *out = NULL;
    *n = 0;
    int64_t id;
    sqlite3_stmt *st;
    pthread_mutex_lock(&r->mu);
    int rc = rules_find(r->db, s, rule, &id, NULL);
    if (!rc && !(rc = ot_sql_prepare(r->db, "SELECT key, value FROM tags WHERE rule_id=?1"
                                            " ORDER BY key", &st))) {
        sqlite3_bind_int64(st, 1, id);
        rc = ot_sql_rows(r->db, st, sizeof **out, read_tag, "tags", (void **)out, n);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}
