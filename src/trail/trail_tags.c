/* trail_tags.c — resource tags (trails and channels) in state.db, with the per-resource cap
 * checked inside the same transaction as the write. */
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"

static int resource_exists(ot_trail_db *db, const char *arn)
{
    int64_t v;
    int rc = ot_trail_count_text(db, ST_RESOURCE_EXISTS, arn, NULL, NULL, NULL, &v);
    return rc ? rc : v > 0 ? 0 : OT_ENOTFOUND;
}

static void read_tag(sqlite3_stmt *st, void *row)
{
    ot_tag *t = row;
    ot_sql_col_text(st, 0, t->key, sizeof t->key);
    t->has_value = sqlite3_column_type(st, 1) != SQLITE_NULL;
    ot_sql_col_text(st, 1, t->value, sizeof t->value);
}

int ot_tags_list(ot_trail_db *db, const char *resource_arn, ot_tag **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&db->mu);
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TAG_LIST);
    if (st)
        ot_sql_bind_text(st, 1, resource_arn);
    int rc = ot_trail_rows(db, st, sizeof **out, read_tag, (void **)out, n);
    pthread_mutex_unlock(&db->mu);
    return rc;
}

/* How many of tags[0..n) name keys the resource does not have yet (duplicates once). */
static int new_keys(ot_trail_db *db, const char *arn, const ot_tag *tags, size_t n, size_t *fresh)
{
    *fresh = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(tags[i].key, tags[j].key) == 0;
        if (dup)
            continue;
        int64_t v;
        int rc = ot_trail_count_text(db, ST_TAG_EXISTS, arn, tags[i].key, NULL, NULL, &v);
        if (rc)
            return rc;
        *fresh += v == 0;
    }
    return 0;
}

static int tags_add_locked(ot_trail_db *db, const char *arn, const ot_tag *tags, size_t n,
                           size_t max)
{
    int rc = resource_exists(db, arn);
    if (rc)
        return rc;
    int64_t have;
    size_t fresh;
    rc = ot_trail_count_text(db, ST_TAG_COUNT, arn, NULL, NULL, NULL, &have);
    if (!rc)
        rc = new_keys(db, arn, tags, n, &fresh);
    if (rc)
        return rc;
    if ((size_t)have + fresh > max)
        return OT_ELIMIT;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *row[] = {arn, tags[i].key, tags[i].has_value ? tags[i].value : NULL};
        rc = ot_trail_run(db, ST_TAG_PUT, row, 3);
    }
    return rc;
}

int ot_tags_add(ot_trail_db *db, const char *resource_arn, const ot_tag *tags, size_t n,
                size_t max)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : tags_add_locked(db, resource_arn, tags, n, max));
}

static int tags_remove_locked(ot_trail_db *db, const char *arn, const ot_tag *tags, size_t n)
{
    int rc = resource_exists(db, arn);
    for (size_t i = 0; i < n && !rc; i++) {
        const char *key[] = {arn, tags[i].key};
        rc = ot_trail_run(db, ST_TAG_DEL, key, 2);
    }
    return rc;
}

int ot_tags_remove(ot_trail_db *db, const char *resource_arn, const ot_tag *tags, size_t n)
{
    int rc = ot_trail_tx_begin(db);
    return ot_trail_tx_end(db, rc ? rc : tags_remove_locked(db, resource_arn, tags, n));
}
