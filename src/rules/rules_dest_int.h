/* rules_dest_int.h — private to src/rules/: what the connection and API destination tables
 * (rules_dest*.c) share. Each is a table of rows keyed by (account, region, name), read and
 * written through one descriptor, so both kinds are created, read, listed, replaced and deleted
 * by the same code. */
#ifndef OT_RULES_DEST_INT_H
#define OT_RULES_DEST_INT_H

#include "rules/destinations.h"
#include "rules/rules_int.h"
#include "util/sql.h"

/* The tables, created with the rules' schema (rules_db.c). */
int rules_dest_schema(sqlite3 *db);

/* A table of named resources. The row struct starts with its name[OT_DEST_NAME_MAX + 1] and
 * arn[OT_DEST_ARN_MAX]; cols map every other stored member, each with idx 2.. in the order of
 * `columns`: result column idx on reads (after name and arn), parameter ?(idx + 3) on writes
 * (after account, region, name and arn). */
typedef struct dest_table {
    const char *table;      /* "connections", "api_destinations" */
    const char *kind;       /* the ARN's resource type: "connection", "api-destination" */
    const char *columns;    /* the stored members' column names, comma-separated, in cols order */
    const ot_sql_col *cols;
    size_t ncols;
    size_t elem;            /* sizeof the row struct */
    /* Called inside a write's transaction before the row is stored (NULL: none): 0 or OT_E*. */
    int (*check)(sqlite3 *db, const ot_rules_scope *s, const void *row);
} dest_table;

/* Stores row: create (OT_EEXIST when the name is taken, OT_ELIMIT over the quota; fills its ARN
 * with a new uuid) or replace (OT_ENOTFOUND when missing; keeps its ARN). */
int dest_put(ot_rules *r, const dest_table *t, const ot_rules_scope *s, void *row, bool create);
int dest_get(ot_rules *r, const dest_table *t, const ot_rules_scope *s, const char *name,
             void *row);
/* The row an ARN of t's kind names; an ARN with a /<uuid> must be the row's exact ARN. */
int dest_get_by_arn(ot_rules *r, const dest_table *t, const char *arn, void *row);
/* Deletes the named row, copied into row first when row is not NULL. */
int dest_delete(ot_rules *r, const dest_table *t, const ot_rules_scope *s, const char *name,
                void *row);
/* A page in name order; filter_col (NULL: none) = filter keeps only rows of that value. */
int dest_list(ot_rules *r, const dest_table *t, const ot_rules_scope *s, const char *prefix,
              const char *filter_col, const char *filter, const char *after, int limit,
              void **out, size_t *n);

#endif
