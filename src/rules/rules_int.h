/* rules_int.h — private to src/rules/: the store's handle and the helpers its files share. */
#ifndef OT_RULES_INT_H
#define OT_RULES_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "rules/rules.h"

struct ot_rules {
    sqlite3 *db;
    pthread_mutex_t mu;           /* guards db */
    _Atomic uint64_t generation;  /* mirrors meta.generation after each commit */
};

/* A write: fn runs inside BEGIN IMMEDIATE .. COMMIT under the mutex, the generation moves in the
 * same transaction when fn changed something (sqlite3_total_changes before and after), and the
 * transaction is rolled back when fn fails. */
int rules_write(ot_rules *r, int (*fn)(sqlite3 *db, const void *arg), const void *arg);

/* The row id of the scope's rule `name` and (managed_by may be NULL) a malloc'd copy of its
 * manager, NULL when it has none: 0, OT_ENOTFOUND or OT_E*. */
int rules_find(sqlite3 *db, const ot_rules_scope *s, const char *name, int64_t *id,
               char **managed_by);

/* rules_find for a write of the API: OT_EINVAL when the rule is managed and force is false. */
int rules_find_writable(sqlite3 *db, const ot_rules_scope *s, const char *name, bool force,
                        int64_t *id);

/* A page of rows read under the mutex: sql's parameters are ?1 account, ?2 region, ?3 third,
 * ?4 after (NULL: from the first) and ?5 limit; the rows are read as ot_sql_rows reads them. */
int rules_select_page(ot_rules *r, const char *sql, const ot_rules_scope *s, const char *third,
                      const char *after, int limit, size_t elem,
                      void (*read_row)(sqlite3_stmt *st, void *row), const char *what,
                      void **out, size_t *n);

/* Column i as a malloc'd copy, NULL for SQL NULL. */
char *rules_col_dup(sqlite3_stmt *st, int i);

/* Reads the targets of rule row id into *out (malloc'd), *n. */
int rules_targets_of(sqlite3 *db, int64_t id, ot_rule_target **out, size_t *n);

/* Binds account, region as ?1, ?2 and third (may be NULL) as ?3. 0 or OT_ENOMEM. */
int rules_bind_scope(sqlite3_stmt *st, const ot_rules_scope *s, const char *third);

#define RULES_COUNT_TARGETS "SELECT COUNT(*) FROM targets WHERE rule_id=?1"

/* Runs a COUNT query whose one parameter ?1 is a rule's row id. */
int rules_count_of(sqlite3 *db, const char *sql, int64_t id, int64_t *n);

/* Adds or replaces tags on rule row id: OT_ELIMIT when it would have more than
 * OT_RULES_TAGS_MAX (the caller's transaction is then rolled back). */
int rules_tags_add(sqlite3 *db, int64_t id, const ot_rule_tag *tags, size_t n);

#endif
