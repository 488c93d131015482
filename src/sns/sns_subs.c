/* sns_subs.c — subscriptions in state.db, with the delivery status the delivery thread keeps
 * on each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sns/sns_int.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/sql.h"
#include "util/timeutil.h"

static const ot_sql_col SUB_COLS[] = {
    OT_SQL_COL(ot_sns_sub, arn, 0),
    OT_SQL_COL(ot_sns_sub, topic_arn, 1),
    OT_SQL_COL(ot_sns_sub, owner, 2),
    OT_SQL_COL(ot_sns_sub, protocol, 3),
    OT_SQL_COL(ot_sns_sub, endpoint, 4),
    OT_SQL_COL(ot_sns_sub, confirmed, 5),
    OT_SQL_COL(ot_sns_sub, token, 6),
    OT_SQL_COL(ot_sns_sub, attempts, 7),
    OT_SQL_COL(ot_sns_sub, delivered, 8),
    OT_SQL_COL(ot_sns_sub, last_attempt_ms, 9),
    OT_SQL_COL(ot_sns_sub, last_success_ms, 10),
    OT_SQL_COL(ot_sns_sub, last_error, 11),
    OT_SQL_COL(ot_sns_sub, backlog, 12),
    OT_SQL_COL(ot_sns_sub, auth_unsubscribe, 13),
};
#define SUB_SELECT                                                                            \
    "SELECT s.arn, s.topic_arn, s.owner, s.protocol, s.endpoint, s.confirmed, s.token,"       \
    " s.attempts, s.delivered, s.last_attempt_ms, s.last_success_ms, s.last_error,"           \
    " (SELECT COUNT(*) FROM sns_outbox o WHERE o.sub_arn=s.arn), s.auth_unsubscribe"          \
    " FROM sns_subs s JOIN sns_topics t ON t.arn=s.topic_arn"

static void read_sub(sqlite3_stmt *st, void *row)
{
    ot_sql_read_cols(st, row, SUB_COLS, sizeof SUB_COLS / sizeof SUB_COLS[0]);
}

/* The ARN of the subscription of the same topic, protocol and endpoint, if there is one. */
static int find_same(sqlite3 *sql, ot_sns_sub *s)
{
    sqlite3_stmt *st = NULL;
    int rc = ot_sql_prepare(sql, "SELECT arn, confirmed, token FROM sns_subs WHERE topic_arn=?1"
                                 " AND protocol=?2 AND endpoint=?3", &st);
    if (!rc)
        rc = ot_sql_bind_text(st, 1, s->topic_arn) || ot_sql_bind_text(st, 2, s->protocol) ||
                     ot_sql_bind_text(st, 3, s->endpoint) ? OT_ENOMEM : OT_OK;
    if (!rc && (rc = ot_sql_step(sql, st, "sns find subscription")) == 1) {
        ot_sql_col_text(st, 0, s->arn, sizeof s->arn);
        s->confirmed = sqlite3_column_int(st, 1) != 0;
        ot_sql_col_text(st, 2, s->token, sizeof s->token);
        rc = OT_OK;
    } else if (rc == 0) {
        rc = OT_ENOTFOUND;
    }
    sqlite3_finalize(st);
    return rc;
}

typedef struct create_args {
    ot_sns *sns;
    ot_sns_sub *s;
} create_args;

/* An http/https subscription is pending until its endpoint confirms it: it is sent a
 * SubscriptionConfirmation carrying the token, through the outbox like any message. */
static int enqueue_confirmation(sqlite3 *sql, const ot_sns *sns, const ot_sns_sub *s)
{
    char id[37];
    ot_uuid4(id);
    ot_buf body;
    ot_buf_init(&body, 0);
    int rc = ot_sns_confirmation_json(&body, sns, s, id, ot_now_ms());
    if (!rc)
        rc = ot_sns_enqueue(sql, s->arn, id, "SubscriptionConfirmation", body.data);
    ot_buf_free(&body);
    return rc;
}

static int create_tx(sqlite3 *sql, const void *arg)
{
    const create_args *a = arg;
    ot_sns_sub *s = a->s;
    int rc = ot_sns_topic_exists(sql, s->topic_arn);
    if (rc || (rc = find_same(sql, s)) != OT_ENOTFOUND)
        return rc;
    char id[37], created[24];
    ot_uuid4(id);
    snprintf(s->arn, sizeof s->arn, "%s:%s", s->topic_arn, id);
    s->confirmed = !strcmp(s->protocol, "file"); /* nobody to ask: the file is ours */
    s->token[0] = '\0';
    if (!s->confirmed) {
        ot_random_alnum(s->token, 64);
        s->token[64] = '\0';
    }
    snprintf(created, sizeof created, "%lld", (long long)ot_now_ms());
    const char *p[] = {s->arn, s->topic_arn, s->owner, s->protocol, s->endpoint,
                       s->confirmed ? "1" : "0", s->token, created};
    rc = ot_sns_exec(sql, "INSERT INTO sns_subs (arn, topic_arn, owner, protocol, endpoint,"
                          " confirmed, token, created_ms) VALUES (?1,?2,?3,?4,?5,"
                          " CAST(?6 AS INTEGER),?7,CAST(?8 AS INTEGER))", p, 8, NULL);
    return rc || s->confirmed ? rc : enqueue_confirmation(sql, a->sns, s);
}

int ot_sns_sub_create(ot_sns *sns, ot_sns_sub *s)
{
    create_args a = {sns, s};
    int rc = ot_sns_tx(sns, create_tx, &a);
    if (!rc && !s->confirmed)
        ot_sns_kick(sns);
    return rc;
}

int ot_sns_sub_get(ot_sns *sns, const char *arn, ot_sns_sub *out)
{
    const char *p[] = {arn};
    return ot_sns_select_one(sns, SUB_SELECT " WHERE s.arn=?1", p, 1, sizeof *out, read_sub,
                             out);
}

int ot_sns_sub_confirm(ot_sns *sns, const char *topic_arn, const char *token,
                       bool auth_unsubscribe, ot_sns_sub *out)
{
    const char *p[] = {topic_arn, token, auth_unsubscribe ? "1" : "0"};
    int changes = 0;
    int rc = ot_sns_exec_locked(sns, "UPDATE sns_subs SET confirmed=1,"
                                     " auth_unsubscribe=MAX(auth_unsubscribe, CAST(?3 AS INTEGER))"
                                     " WHERE topic_arn=?1 AND token=?2 AND token<>''", p, 3,
                                &changes);
    if (rc || !changes)
        return rc ? rc : OT_ENOTFOUND;
    return ot_sns_select_one(sns, SUB_SELECT " WHERE s.topic_arn=?1 AND s.token=?2", p, 2,
                             sizeof *out, read_sub, out);
}

int ot_sns_sub_delete(ot_sns *sns, const char *arn)
{
    const char *p[] = {arn};
    int changes = 0; /* its outbox rows go by ON DELETE CASCADE */
    int rc = ot_sns_exec_locked(sns, "DELETE FROM sns_subs WHERE arn=?1", p, 1, &changes);
    return rc ? rc : changes ? OT_OK : OT_ENOTFOUND;
}

int ot_sns_sub_list(ot_sns *sns, const char *account, const char *region, const char *topic_arn,
                    const char *after, size_t limit, ot_sns_sub **out, size_t *n)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%zu", limit);
    const char *p[] = {account, after, lim, topic_arn, region};
    return ot_sns_select(sns, SUB_SELECT " WHERE t.account_id=?1 AND t.region=?5 AND s.arn>?2"
                              " AND (?4 IS NULL OR s.topic_arn=?4) ORDER BY s.arn"
                              " LIMIT CAST(?3 AS INTEGER)",
                         p, 5, sizeof **out, read_sub, (void **)out, n);
}

typedef struct count_args {
    const char *topic_arn;
    int64_t *confirmed, *pending;
} count_args;

static int count_tx(sqlite3 *sql, const void *arg)
{
    const count_args *a = arg;
    const char *p[] = {a->topic_arn};
    int rc = ot_sns_count(sql, "SELECT COUNT(*) FROM sns_subs WHERE topic_arn=?1 AND confirmed=1",
                          p, 1, a->confirmed);
    return rc ? rc : ot_sns_count(sql, "SELECT COUNT(*) FROM sns_subs WHERE topic_arn=?1"
                                       " AND confirmed=0", p, 1, a->pending);
}

int ot_sns_sub_counts(ot_sns *sns, const char *topic_arn, int64_t *confirmed, int64_t *pending)
{
    *confirmed = *pending = 0;
    count_args a = {topic_arn, confirmed, pending};
    return ot_sns_tx(sns, count_tx, &a);
}
