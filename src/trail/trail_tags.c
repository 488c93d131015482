/* trail_tags.c — resource tags (trails and channels) in state.db, with the per-resource cap
 * checked inside the same transaction as the write. */
#include <stdlib.h>
#include <string.h>

#include "trail/trail_int.h"
#include "util/err.h"

static int count_query(ot_trail_db *db, enum ot_trail_stmt id, const char *a, const char *b,
                       int64_t *v)
{
    sqlite3_stmt *st = ot_trail_stmt(db, id);
    if (!st)
        return OT_EIO;
    ot_trail_bind_text(st, 1, a);
    if (b)
        ot_trail_bind_text(st, 2, b);
    int rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : OT_EIO;
}

static int resource_exists(ot_trail_db *db, const char *arn)
{
    int64_t v;
    int rc = count_query(db, ST_RESOURCE_EXISTS, arn, NULL, &v);
    return rc ? rc : v > 0 ? 0 : OT_ENOTFOUND;
}

int ot_tags_list(ot_trail_db *db, const char *resource_arn, ot_tag **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&db->mu);
    ot_tag *list = NULL;
    size_t len = 0;
    int rc = OT_EIO, s = SQLITE_DONE;
    sqlite3_stmt *st = ot_trail_stmt(db, ST_TAG_LIST);
    if (!st)
        goto out;
    rc = 0;
    ot_trail_bind_text(st, 1, resource_arn);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        void *grown = realloc(list, (len + 1) * sizeof *list);
        if (!grown) {
            rc = OT_ENOMEM;
            break;
        }
        list = grown;
        ot_tag *t = &list[len++];
        ot_trail_col_text(st, 0, t->key, sizeof t->key);
        t->has_value = sqlite3_column_type(st, 1) != SQLITE_NULL;
        ot_trail_col_text(st, 1, t->value, sizeof t->value);
    }
    if (!rc && s != SQLITE_DONE)
        rc = OT_EIO;
    sqlite3_reset(st);
out:
    pthread_mutex_unlock(&db->mu);
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *n = len;
    return 0;
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
        int rc = count_query(db, ST_TAG_EXISTS, arn, tags[i].key, &v);
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
    rc = count_query(db, ST_TAG_COUNT, arn, NULL, &have);
    if (!rc)
        rc = new_keys(db, arn, tags, n, &fresh);
    if (rc)
        return rc;
    if ((size_t)have + fresh > max)
        return OT_ELIMIT;
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = ot_trail_stmt(db, ST_TAG_PUT);
        if (!st)
            return OT_EIO;
        ot_trail_bind_text(st, 1, arn);
        ot_trail_bind_text(st, 2, tags[i].key);
        ot_trail_bind_text(st, 3, tags[i].has_value ? tags[i].value : NULL);
        rc = ot_trail_exec(db, st);
    }
    return rc;
}

int ot_tags_add(ot_trail_db *db, const char *resource_arn, const ot_tag *tags, size_t n,
                size_t max)
{
    pthread_mutex_lock(&db->mu);
    int rc = ot_trail_tx_begin(db);
    if (!rc)
        rc = ot_trail_tx_end(db, tags_add_locked(db, resource_arn, tags, n, max));
    pthread_mutex_unlock(&db->mu);
    return rc;
}

static int tags_remove_locked(ot_trail_db *db, const char *arn, const ot_tag *tags, size_t n)
{
    int rc = resource_exists(db, arn);
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = ot_trail_stmt(db, ST_TAG_DEL);
        if (!st)
            return OT_EIO;
        ot_trail_bind_text(st, 1, arn);
        ot_trail_bind_text(st, 2, tags[i].key);
        rc = ot_trail_exec(db, st);
    }
    return rc;
}

int ot_tags_remove(ot_trail_db *db, const char *resource_arn, const ot_tag *tags, size_t n)
{
    pthread_mutex_lock(&db->mu);
    int rc = ot_trail_tx_begin(db);
    if (!rc)
        rc = ot_trail_tx_end(db, tags_remove_locked(db, resource_arn, tags, n));
    pthread_mutex_unlock(&db->mu);
    return rc;
}
