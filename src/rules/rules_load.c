/* rules_load.c — the router's view: every rule of every scope with its targets, read in one
 * transaction together with the generation it belongs to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_int.h"
#include "util/err.h"
#include "util/sql.h"

typedef struct loaded_rule {
    int64_t id;
    ot_rules_entry e;
} loaded_rule;

static void read_entry(sqlite3_stmt *st, void *row)
{
    loaded_rule *l = row;
    l->id = sqlite3_column_int64(st, 0);
    ot_sql_col_text(st, 1, l->e.account, sizeof l->e.account);
    ot_sql_col_text(st, 2, l->e.region, sizeof l->e.region);
    ot_sql_col_text(st, 3, l->e.name, sizeof l->e.name);
    char state[64];
    ot_sql_col_text(st, 4, state, sizeof state);
    if (ot_rule_state_parse(state, &l->e.state))
        l->e.state = OT_RULE_DISABLED;
    l->e.pattern = rules_col_dup(st, 5);
    l->e.managed_by = rules_col_dup(st, 6);
}

static int read_generation(sqlite3 *db, uint64_t *gen)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, "SELECT v FROM meta WHERE k='generation'", &st);
    int64_t v = 0;
    if (!rc)
        rc = ot_sql_int64(db, st, &v, "generation");
    sqlite3_finalize(st);
    *gen = (uint64_t)v;
    return rc;
}

/* The rules (without targets) into l[0..n). */
static int read_rules(sqlite3 *db, loaded_rule **l, size_t *n)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db,
                            "SELECT id, account, region, name, state, pattern, managed_by"
                            " FROM rules ORDER BY account, region, name",
                            &st);
    if (rc)
        return rc;
    rc = ot_sql_rows(db, st, sizeof **l, read_entry, "rules", (void **)l, n);
    sqlite3_finalize(st);
    return rc;
}

/* Fills each entry's ARN and targets, and moves the entries into snap. */
static int complete(sqlite3 *db, loaded_rule *l, size_t n, ot_rules_snapshot *snap)
{
    snap->rules = calloc(n ? n : 1, sizeof *snap->rules);
    if (!snap->rules)
        return OT_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        ot_rules_entry *e = &snap->rules[snap->n++];
        *e = l[i].e;
        memset(&l[i].e, 0, sizeof l[i].e); /* owned by snap from here */
        char arn[256];
        ot_rule_arn(&(ot_rules_scope){e->account, e->region}, e->name, arn, sizeof arn);
        if (!(e->arn = strdup(arn)))
            abort();
        if (!rc)
            rc = rules_targets_of(db, l[i].id, &e->targets, &e->ntargets);
    }
    return rc;
}

static void loaded_free(loaded_rule *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++) {
        free(l[i].e.pattern);
        free(l[i].e.managed_by);
    }
    free(l);
}

int ot_rules_snapshot_load(ot_rules *r, ot_rules_snapshot **out)
{
    *out = NULL;
    ot_rules_snapshot *snap = calloc(1, sizeof *snap);
    if (!snap)
        return OT_ENOMEM;
    loaded_rule *l = NULL;
    size_t n = 0;
    pthread_mutex_lock(&r->mu);
    int rc = ot_sql_exec(r->db, "BEGIN");
    if (!rc) {
        if (!(rc = read_generation(r->db, &snap->generation)) && !(rc = read_rules(r->db, &l, &n)))
            rc = complete(r->db, l, n, snap);
        ot_sql_exec(r->db, "COMMIT"); /* a read transaction: nothing to keep or undo */
    }
    pthread_mutex_unlock(&r->mu);
    loaded_free(l, n);
    if (rc) {
        ot_rules_snapshot_free(snap);
        return rc;
    }
    *out = snap;
    return 0;
}

void ot_rules_snapshot_free(ot_rules_snapshot *snap)
{
    if (!snap)
        return;
    for (size_t i = 0; i < snap->n; i++) {
        ot_rules_entry *e = &snap->rules[i];
        free(e->arn);
        free(e->pattern);
        free(e->managed_by);
        ot_rule_targets_free(e->targets, e->ntargets);
    }
    free(snap->rules);
    free(snap);
}
