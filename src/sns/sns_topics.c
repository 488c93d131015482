/* sns_topics.c — topics, their attributes and their tags in state.db. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sns/sns_int.h"
#include "util/err.h"
#include "util/sql.h"
#include "util/timeutil.h"

static const ot_sql_col TOPIC_COLS[] = {
    OT_SQL_COL(ot_sns_topic, arn, 0),        OT_SQL_COL(ot_sns_topic, account_id, 1),
    OT_SQL_COL(ot_sns_topic, region, 2),     OT_SQL_COL(ot_sns_topic, name, 3),
    OT_SQL_COL(ot_sns_topic, created_ms, 4),
};
#define TOPIC_SELECT "SELECT arn, account_id, region, name, created_ms FROM sns_topics"

static void read_topic(sqlite3_stmt *st, void *row)
{
    ot_sql_read_cols(st, row, TOPIC_COLS, sizeof TOPIC_COLS / sizeof TOPIC_COLS[0]);
}

static void read_attr(sqlite3_stmt *st, void *row)
{
    ot_sns_attr *a = row;
    ot_sql_col_text(st, 0, a->name, sizeof a->name);
    ot_sql_col_text(st, 1, a->value, sizeof a->value);
}

static void read_tag(sqlite3_stmt *st, void *row)
{
    ot_sns_tag *t = row;
    ot_sql_col_text(st, 0, t->key, sizeof t->key);
    ot_sql_col_text(st, 1, t->value, sizeof t->value);
}

/* Whether the stored tags of arn are exactly tags[0..n). */
static int same_tags(sqlite3 *sql, const char *arn, const ot_sns_tag *tags, size_t n, bool *same)
{
    int64_t stored = 0, matching = 0;
    const char *p[] = {arn};
    int rc = ot_sns_count(sql, "SELECT COUNT(*) FROM sns_tags WHERE topic_arn=?1", p, 1, &stored);
    for (size_t i = 0; !rc && i < n; i++) {
        int64_t m = 0;
        const char *q[] = {arn, tags[i].key, tags[i].value};
        rc = ot_sns_count(sql, "SELECT COUNT(*) FROM sns_tags WHERE topic_arn=?1 AND key=?2"
                               " AND value=?3", q, 3, &m);
        matching += m;
    }
    *same = stored == (int64_t)n && matching == (int64_t)n;
    return rc;
}

static int put_tags(sqlite3 *sql, const char *arn, const ot_sns_tag *tags, size_t n)
{
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *p[] = {arn, tags[i].key, tags[i].value};
        rc = ot_sns_exec(sql, "INSERT INTO sns_tags (topic_arn, key, value) VALUES (?1,?2,?3)"
                              " ON CONFLICT (topic_arn, key) DO UPDATE SET value=excluded.value",
                         p, 3, NULL);
    }
    int64_t count = 0;
    const char *p[] = {arn};
    if (!rc)
        rc = ot_sns_count(sql, "SELECT COUNT(*) FROM sns_tags WHERE topic_arn=?1", p, 1, &count);
    return rc ? rc : count > OT_SNS_TAGS_MAX ? OT_ELIMIT : OT_OK;
}

static int put_attr(sqlite3 *sql, const char *arn, const char *name, const char *value)
{
    const char *p[] = {arn, name, value};
    return ot_sns_exec(sql, "INSERT INTO sns_topic_attrs (topic_arn, name, value)"
                            " VALUES (?1,?2,?3) ON CONFLICT (topic_arn, name)"
                            " DO UPDATE SET value=excluded.value", p, 3, NULL);
}

typedef struct create_args {
    const ot_sns_topic *t;
    const ot_sns_attr *attrs;
    size_t nattrs;
    const ot_sns_tag *tags;
    size_t ntags;
    bool *existed;
} create_args;

static int create_tx(sqlite3 *sql, const void *arg)
{
    const create_args *a = arg;
    int rc = ot_sns_topic_exists(sql, a->t->arn);
    *a->existed = rc == OT_OK;
    if (rc == OT_OK) {
        bool same = true;
        if (a->ntags && (rc = same_tags(sql, a->t->arn, a->tags, a->ntags, &same)))
            return rc;
        return same ? OT_OK : OT_EEXIST;
    }
    if (rc != OT_ENOTFOUND)
        return rc;
    char created[24];
    snprintf(created, sizeof created, "%lld", (long long)ot_now_ms());
    const char *p[] = {a->t->arn, a->t->account_id, a->t->region, a->t->name, created};
    rc = ot_sns_exec(sql, "INSERT INTO sns_topics (arn, account_id, region, name, created_ms)"
                          " VALUES (?1,?2,?3,?4,CAST(?5 AS INTEGER))", p, 5, NULL);
    for (size_t i = 0; !rc && i < a->nattrs; i++)
        rc = put_attr(sql, a->t->arn, a->attrs[i].name, a->attrs[i].value);
    return rc ? rc : put_tags(sql, a->t->arn, a->tags, a->ntags);
}

int ot_sns_topic_create(ot_sns *sns, const ot_sns_topic *t, const ot_sns_attr *attrs,
                        size_t nattrs, const ot_sns_tag *tags, size_t ntags, bool *existed)
{
    create_args a = {t, attrs, nattrs, tags, ntags, existed};
    return ot_sns_tx(sns, create_tx, &a);
}

int ot_sns_topic_get(ot_sns *sns, const char *arn, ot_sns_topic *out)
{
    const char *p[] = {arn};
    return ot_sns_select_one(sns, TOPIC_SELECT " WHERE arn=?1", p, 1, sizeof *out, read_topic,
                             out);
}

int ot_sns_topic_delete(ot_sns *sns, const char *arn)
{
    const char *p[] = {arn};
    int changes = 0; /* attributes, tags, subscriptions and the outbox go by ON DELETE CASCADE */
    int rc = ot_sns_exec_locked(sns, "DELETE FROM sns_topics WHERE arn=?1", p, 1, &changes);
    return rc ? rc : changes ? OT_OK : OT_ENOTFOUND;
}

int ot_sns_topic_list(ot_sns *sns, const char *account, const char *region, const char *after,
                      size_t limit, ot_sns_topic **out, size_t *n)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%zu", limit);
    const char *p[] = {account, after, lim, region};
    return ot_sns_select(sns, TOPIC_SELECT " WHERE account_id=?1 AND region=?4 AND arn>?2"
                              " ORDER BY arn LIMIT CAST(?3 AS INTEGER)",
                         p, 4, sizeof **out, read_topic, (void **)out, n);
}

typedef struct attr_args {
    const char *arn, *name, *value;
} attr_args;

static int attr_set_tx(sqlite3 *sql, const void *arg)
{
    const attr_args *a = arg;
    int rc = ot_sns_topic_exists(sql, a->arn);
    return rc ? rc : put_attr(sql, a->arn, a->name, a->value);
}

int ot_sns_attr_set(ot_sns *sns, const char *topic_arn, const char *name, const char *value)
{
    attr_args a = {topic_arn, name, value};
    return ot_sns_tx(sns, attr_set_tx, &a);
}

int ot_sns_attr_list(ot_sns *sns, const char *topic_arn, ot_sns_attr **out, size_t *n)
{
    const char *p[] = {topic_arn};
    return ot_sns_select(sns, "SELECT name, value FROM sns_topic_attrs WHERE topic_arn=?1"
                              " ORDER BY name", p, 1, sizeof **out, read_attr, (void **)out, n);
}

typedef struct tag_args {
    const char *arn;
    const ot_sns_tag *tags;
    const char *const *keys;
    size_t n;
} tag_args;

static int tag_put_tx(sqlite3 *sql, const void *arg)
{
    const tag_args *a = arg;
    int rc = ot_sns_topic_exists(sql, a->arn);
    return rc ? rc : put_tags(sql, a->arn, a->tags, a->n);
}

int ot_sns_tag_put(ot_sns *sns, const char *topic_arn, const ot_sns_tag *tags, size_t n)
{
    tag_args a = {.arn = topic_arn, .tags = tags, .n = n};
    return ot_sns_tx(sns, tag_put_tx, &a);
}

static int tag_delete_tx(sqlite3 *sql, const void *arg)
{
    const tag_args *a = arg;
    int rc = ot_sns_topic_exists(sql, a->arn);
    for (size_t i = 0; !rc && i < a->n; i++) {
        const char *p[] = {a->arn, a->keys[i]};
        rc = ot_sns_exec(sql, "DELETE FROM sns_tags WHERE topic_arn=?1 AND key=?2", p, 2, NULL);
    }
    return rc;
}

int ot_sns_tag_delete(ot_sns *sns, const char *topic_arn, const char *const *keys, size_t n)
{
    tag_args a = {.arn = topic_arn, .keys = keys, .n = n};
    return ot_sns_tx(sns, tag_delete_tx, &a);
}

int ot_sns_tag_list(ot_sns *sns, const char *topic_arn, ot_sns_tag **out, size_t *n)
{
    const char *p[] = {topic_arn};
    return ot_sns_select(sns, "SELECT key, value FROM sns_tags WHERE topic_arn=?1 ORDER BY key",
                         p, 1, sizeof **out, read_tag, (void **)out, n);
}
