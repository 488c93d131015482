/* cw_alarms.c — alarm definitions: PutMetricAlarm (create or replace, keeping the state),
 * DescribeAlarms / DescribeAlarmsForMetric, DeleteAlarms, Enable/DisableAlarmActions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/sql.h"

#define ALARM_COLS                                                                           \
    "name, arn, description, actions_enabled, ok_actions, alarm_actions,"                    \
    " insufficient_actions, namespace, metric_name, dims, statistic, unit, period_s,"        \
    " evaluation_periods, datapoints_to_alarm, threshold, comparison, treat_missing,"        \
    " tags_json, config_updated_ms, state, state_reason, state_reason_data,"                 \
    " state_updated_ms, state_transitioned_ms, account, region"

#define INITIAL_REASON "Unchecked: Initial alarm creation"

/* ---- reading rows ---- */

static void read_lists(sqlite3_stmt *st, ot_cw_alarm *a)
{
    /* a row that does not decode keeps what decoded (the store wrote every one of them) */
    cw_strlist_decode((const char *)sqlite3_column_text(st, 4), a->ok_actions,
                      OT_CW_ACTIONS_MAX, &a->n_ok_actions);
    cw_strlist_decode((const char *)sqlite3_column_text(st, 5), a->alarm_actions,
                      OT_CW_ACTIONS_MAX, &a->n_alarm_actions);
    cw_strlist_decode((const char *)sqlite3_column_text(st, 6), a->insufficient_actions,
                      OT_CW_ACTIONS_MAX, &a->n_insufficient_actions);
    cw_dims_decode((const char *)sqlite3_column_text(st, 9), a->dims, OT_CW_DIMS_MAX,
                   &a->ndims);
}

static void read_alarm(sqlite3_stmt *st, ot_cw_alarm *a)
{
    a->name = cw_col_dup(st, 0);
    a->arn = cw_col_dup(st, 1);
    a->description = cw_col_dup(st, 2);
    a->actions_enabled = sqlite3_column_int(st, 3) != 0;
    read_lists(st, a);
    a->namespace_ = cw_col_dup(st, 7);
    a->metric_name = cw_col_dup(st, 8);
    a->statistic = cw_col_dup(st, 10);
    a->unit = cw_col_dup(st, 11);
    a->period_s = sqlite3_column_int(st, 12);
    a->evaluation_periods = sqlite3_column_int(st, 13);
    a->datapoints_to_alarm = sqlite3_column_int(st, 14);
    a->threshold = sqlite3_column_double(st, 15);
    a->comparison = cw_col_dup(st, 16);
    a->treat_missing = cw_col_dup(st, 17);
    a->tags_json = cw_col_dup(st, 18);
    a->config_updated_ms = sqlite3_column_int64(st, 19);
    a->state = (ot_cw_state)sqlite3_column_int(st, 20);
    a->state_reason = cw_col_dup(st, 21);
    a->state_reason_data = cw_col_dup(st, 22);
    a->state_updated_ms = sqlite3_column_int64(st, 23);
    a->state_transitioned_ms = sqlite3_column_int64(st, 24);
}

static void read_alarm_row(sqlite3_stmt *st, void *row)
{
    read_alarm(st, row);
}

static void read_scoped_row(sqlite3_stmt *st, void *row)
{
    cw_alarm_row *r = row;
    read_alarm(st, &r->a);
    r->account = cw_col_dup(st, 25);
    r->region = cw_col_dup(st, 26);
}

static void free_list(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
}

void cw_alarm_clear(ot_cw_alarm *a)
{
    char *strs[] = {a->name, a->arn, a->description, a->namespace_, a->metric_name,
                    a->statistic, a->unit, a->comparison, a->treat_missing, a->tags_json,
                    a->state_reason, a->state_reason_data};
    free_list(strs, sizeof strs / sizeof strs[0]);
    free_list(a->ok_actions, a->n_ok_actions);
    free_list(a->alarm_actions, a->n_alarm_actions);
    free_list(a->insufficient_actions, a->n_insufficient_actions);
    for (size_t i = 0; i < a->ndims; i++) {
        free((char *)a->dims[i].name);
        free((char *)a->dims[i].value);
    }
}

void ot_cw_alarms_free(ot_cw_alarm *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        cw_alarm_clear(&a[i]);
    free(a);
}

void cw_alarm_rows_free(cw_alarm_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        cw_alarm_clear(&rows[i].a);
        free(rows[i].account);
        free(rows[i].region);
    }
    free(rows);
}

int cw_alarm_get_locked(ot_cw *cw, const ot_cw_scope *s, const char *name, ot_cw_alarm *out)
{
    const char *p[] = {s->account, s->region, name};
    memset(out, 0, sizeof *out);
    return ot_sql_select_one(cw->db,
                             "SELECT " ALARM_COLS " FROM alarms"
                             " WHERE account=?1 AND region=?2 AND name=?3",
                             p, 3, sizeof *out, read_alarm_row, "cw alarm", out);
}

int cw_alarms_all(ot_cw *cw, cw_alarm_row **out, size_t *n)
{
    pthread_mutex_lock(&cw->mu);
    int rc = ot_sql_select(cw->db,
                           "SELECT " ALARM_COLS " FROM alarms ORDER BY account, region, name",
                           NULL, 0, sizeof **out, read_scoped_row, "cw alarms", (void **)out,
                           n);
    pthread_mutex_unlock(&cw->mu);
    return rc;
}

/* ---- DescribeAlarms ---- */

static bool has_prefix(const char *s, const char *prefix)
{
    return s && !strncmp(s, prefix, strlen(prefix));
}

static bool any_action_prefix(const ot_cw_alarm *a, const char *prefix)
{
    for (size_t i = 0; i < a->n_ok_actions; i++)
        if (has_prefix(a->ok_actions[i], prefix))
            return true;
    for (size_t i = 0; i < a->n_alarm_actions; i++)
        if (has_prefix(a->alarm_actions[i], prefix))
            return true;
    for (size_t i = 0; i < a->n_insufficient_actions; i++)
        if (has_prefix(a->insufficient_actions[i], prefix))
            return true;
    return false;
}

static bool named(const ot_cw_alarm *a, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a->name, names[i]))
            return true;
    return false;
}

static bool on_metric(const ot_cw_alarm *a, const ot_cw_metric *m)
{
    if (strcmp(a->namespace_, m->namespace_) || strcmp(a->metric_name, m->name) ||
        a->ndims != m->ndims)
        return false;
    for (size_t i = 0; i < m->ndims; i++) { /* a->dims is sorted, m->dims in any order */
        bool found = false;
        for (size_t j = 0; j < a->ndims && !found; j++)
            found = !strcmp(a->dims[j].name, m->dims[i].name) && m->dims[i].value &&
                    !strcmp(a->dims[j].value, m->dims[i].value);
        if (!found)
            return false;
    }
    return true;
}

static bool alarm_matches(const ot_cw_alarm *a, const ot_cw_alarm_query *q)
{
    return (!q->n_names || named(a, q->names, q->n_names)) &&
           (!q->name_prefix || has_prefix(a->name, q->name_prefix)) &&
           (!q->action_prefix || any_action_prefix(a, q->action_prefix)) &&
           (!q->state || a->state == *q->state) && (!q->metric || on_metric(a, q->metric));
}

/* Keeps the rows that match q, then the page [offset, offset + limit). */
static void filter_page(ot_cw_alarm *rows, size_t *n, const ot_cw_alarm_query *q)
{
    size_t kept = 0, matched = 0;
    size_t limit = q->limit > 0 ? (size_t)q->limit : SIZE_MAX;
    for (size_t i = 0; i < *n; i++) {
        bool keep = alarm_matches(&rows[i], q) && matched++ >= (size_t)q->offset &&
                    kept < limit;
        if (keep)
            rows[kept++] = rows[i];
        else
            cw_alarm_clear(&rows[i]);
    }
    *n = kept;
}

int ot_cw_alarms_list(ot_cw *cw, const ot_cw_scope *s, const ot_cw_alarm_query *q,
                      ot_cw_alarm **out, size_t *n)
{
    const char *p[] = {s->account, s->region};
    pthread_mutex_lock(&cw->mu);
    int rc = ot_sql_select(cw->db,
                           "SELECT " ALARM_COLS " FROM alarms WHERE account=?1 AND region=?2"
                           " ORDER BY name",
                           p, 2, sizeof **out, read_alarm_row, "cw alarms", (void **)out, n);
    pthread_mutex_unlock(&cw->mu);
    if (!rc)
        filter_page(*out, n, q);
    return rc;
}

/* ---- PutMetricAlarm ---- */

static bool name_ok(const char *s)
{
    return s && *s && strlen(s) <= OT_CW_NAME_MAX;
}

static bool statistic_ok(const char *s)
{
    static const char *const names[] = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"};
    for (size_t i = 0; s && i < 5; i++)
        if (!strcmp(s, names[i]))
            return true;
    return false;
}

static bool alarm_ok(const ot_cw_alarm *a)
{
    bool breach;
    cw_treat treat;
    return name_ok(a->name) && name_ok(a->namespace_) && name_ok(a->metric_name) &&
           statistic_ok(a->statistic) && !cw_breaches(a->comparison, 0, 0, &breach) &&
           !cw_treat_parse(a->treat_missing, &treat) && a->period_s > 0 &&
           a->evaluation_periods > 0 && a->evaluation_periods <= OT_CW_EVAL_PERIODS_MAX &&
           a->datapoints_to_alarm >= 0 &&
           a->datapoints_to_alarm <= a->evaluation_periods && isfinite(a->threshold) &&
           a->n_ok_actions <= OT_CW_ACTIONS_MAX && a->n_alarm_actions <= OT_CW_ACTIONS_MAX &&
           a->n_insufficient_actions <= OT_CW_ACTIONS_MAX && a->ndims <= OT_CW_DIMS_MAX;
}

typedef struct put_args {
    const ot_cw_scope *s;
    const ot_cw_alarm *a;
    int64_t now_ms;
    char arn[600];
    ot_buf lists[4]; /* ok, alarm, insufficient actions; dims */
    ot_buf history;
} put_args;

static int encode_lists(put_args *p)
{
    const ot_cw_alarm *a = p->a;
    int rc = cw_strlist_encode(a->ok_actions, a->n_ok_actions, &p->lists[0]);
    if (!rc)
        rc = cw_strlist_encode(a->alarm_actions, a->n_alarm_actions, &p->lists[1]);
    if (!rc)
        rc = cw_strlist_encode(a->insufficient_actions, a->n_insufficient_actions, &p->lists[2]);
    if (!rc)
        rc = cw_dims_encode(a->dims, a->ndims, &p->lists[3]);
    return rc;
}

/* The new definition; the state columns are set only by a new row (?20.. below). */
static const char UPSERT_SQL[] =
    "INSERT INTO alarms(account, region, name, arn, description, actions_enabled, ok_actions,"
    " alarm_actions, insufficient_actions, namespace, metric_name, dims, statistic, unit,"
    " period_s, evaluation_periods, datapoints_to_alarm, threshold, comparison, treat_missing,"
    " tags_json, config_updated_ms, state, state_reason, state_updated_ms,"
    " state_transitioned_ms)"
    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
    " ?23,?24,?22,?22)"
    " ON CONFLICT(account, region, name) DO UPDATE SET arn=excluded.arn,"
    " description=excluded.description, actions_enabled=excluded.actions_enabled,"
    " ok_actions=excluded.ok_actions, alarm_actions=excluded.alarm_actions,"
    " insufficient_actions=excluded.insufficient_actions, namespace=excluded.namespace,"
    " metric_name=excluded.metric_name, dims=excluded.dims, statistic=excluded.statistic,"
    " unit=excluded.unit, period_s=excluded.period_s,"
    " evaluation_periods=excluded.evaluation_periods,"
    " datapoints_to_alarm=excluded.datapoints_to_alarm, threshold=excluded.threshold,"
    " comparison=excluded.comparison, treat_missing=excluded.treat_missing,"
    " tags_json=excluded.tags_json, config_updated_ms=excluded.config_updated_ms";

static int bind_alarm(sqlite3_stmt *st, const put_args *p)
{
    const ot_cw_alarm *a = p->a;
    const struct {
        int idx;
        const char *v;
    } texts[] = {{3, a->name},           {4, p->arn},           {5, a->description},
                 {7, p->lists[0].data},  {8, p->lists[1].data}, {9, p->lists[2].data},
                 {10, a->namespace_},    {11, a->metric_name},  {12, p->lists[3].data},
                 {13, a->statistic},     {14, a->unit},         {19, a->comparison},
                 {20, a->treat_missing}, {21, a->tags_json},    {24, INITIAL_REASON}};
    int rc = cw_bind_scope(st, p->s);
    for (size_t i = 0; !rc && i < sizeof texts / sizeof texts[0]; i++)
        rc = ot_sql_bind_text(st, texts[i].idx, texts[i].v);
    sqlite3_bind_int(st, 6, a->actions_enabled);
    sqlite3_bind_int(st, 15, a->period_s);
    sqlite3_bind_int(st, 16, a->evaluation_periods);
    sqlite3_bind_int(st, 17, a->datapoints_to_alarm);
    sqlite3_bind_double(st, 18, a->threshold);
    sqlite3_bind_int64(st, 22, p->now_ms);
    sqlite3_bind_int(st, 23, OT_CW_INSUFFICIENT_DATA);
    return rc;
}

static int put_history(ot_cw *cw, put_args *p, bool existed)
{
    ot_jw w;
    ot_jw_init(&w, &p->history);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "version", "1.0");
    ot_jw_kstr(&w, "type", existed ? "Update" : "Create");
    ot_jw_key(&w, existed ? "updatedAlarm" : "createdAlarm");
    cw_alarm_config_json(&w, p->a);
    ot_jw_end(&w);
    if (ot_jw_error(&w))
        return OT_ENOMEM;
    char summary[OT_CW_NAME_MAX + 32];
    snprintf(summary, sizeof summary, "Alarm \"%s\" %s", p->a->name,
             existed ? "updated" : "created");
    return cw_history_add(cw, p->s, p->a->name, "ConfigurationUpdate", summary,
                          p->history.data, p->now_ms);
}

static int put_tx(ot_cw *cw, void *arg)
{
    put_args *p = arg;
    const char *params[] = {p->s->account, p->s->region, p->a->name};
    void *rows = NULL;
    size_t n = 0;
    int rc = ot_sql_select(cw->db, "SELECT " ALARM_COLS " FROM alarms"
                                   " WHERE account=?1 AND region=?2 AND name=?3",
                           params, 3, sizeof(ot_cw_alarm), read_alarm_row, "cw alarm", &rows,
                           &n);
    ot_cw_alarms_free(rows, n);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = ot_sql_prepare(cw->db, UPSERT_SQL, &st);
    if (!rc)
        rc = bind_alarm(st, p);
    if (!rc)
        rc = ot_sql_done(cw->db, st, "cw put alarm");
    else
        sqlite3_finalize(st);
    return rc ? rc : put_history(cw, p, n > 0);
}

int ot_cw_alarm_put(ot_cw *cw, const ot_cw_scope *s, const ot_cw_alarm *a, int64_t now_ms)
{
    if (!alarm_ok(a))
        return OT_EINVAL;
    put_args p = {.s = s, .a = a, .now_ms = now_ms};
    snprintf(p.arn, sizeof p.arn, "arn:aws:cloudwatch:%s:%s:alarm:%s", s->region, s->account,
             a->name);
    for (int i = 0; i < 4; i++)
        ot_buf_init(&p.lists[i], 0);
    ot_buf_init(&p.history, 0);
    int rc = encode_lists(&p);
    if (!rc)
        rc = cw_tx(cw, put_tx, &p);
    for (int i = 0; i < 4; i++)
        ot_buf_free(&p.lists[i]);
    ot_buf_free(&p.history);
    return rc;
}

/* ---- DeleteAlarms, Enable/DisableAlarmActions ---- */

typedef struct names_args {
    const ot_cw_scope *s;
    const char *const *names;
    size_t n;
    bool enabled;
} names_args;

static int delete_tx(ot_cw *cw, void *arg)
{
    names_args *d = arg;
    static const char *const SQL[] = {
        "DELETE FROM alarms WHERE account=?1 AND region=?2 AND name=?3",
        "DELETE FROM history WHERE account=?1 AND region=?2 AND alarm_name=?3",
        "DELETE FROM pending_actions WHERE account=?1 AND region=?2 AND alarm_name=?3",
    };
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < d->n; i++) {
        const char *p[] = {d->s->account, d->s->region, d->names[i]};
        rc = ot_sql_exec_text(cw->db, SQL[0], p, 3, "cw delete alarm");
        if (!rc && sqlite3_changes(cw->db) == 0)
            rc = OT_ENOTFOUND;
        for (int j = 1; !rc && j < 3; j++)
            rc = ot_sql_exec_text(cw->db, SQL[j], p, 3, "cw delete alarm");
    }
    return rc;
}

int ot_cw_alarms_delete(ot_cw *cw, const ot_cw_scope *s, const char *const *names, size_t n)
{
    names_args d = {.s = s, .names = names, .n = n};
    return cw_tx(cw, delete_tx, &d);
}

static int set_actions_tx(ot_cw *cw, void *arg)
{
    names_args *d = arg;
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < d->n; i++) {
        const char *p[] = {d->s->account, d->s->region, d->names[i], d->enabled ? "1" : "0"};
        rc = ot_sql_exec_text(cw->db,
                              "UPDATE alarms SET actions_enabled=CAST(?4 AS INTEGER)"
                              " WHERE account=?1 AND region=?2 AND name=?3",
                              p, 4, "cw alarm actions");
    }
    return rc;
}

int ot_cw_alarms_set_actions(ot_cw *cw, const ot_cw_scope *s, const char *const *names,
                             size_t n, bool enabled)
{
    names_args d = {.s = s, .names = names, .n = n, .enabled = enabled};
    return cw_tx(cw, set_actions_tx, &d);
}

typedef struct tags_args {
    const ot_cw_scope *s;
    const char *name, *tags_json;
} tags_args;

static int set_tags_tx(ot_cw *cw, void *arg)
{
    tags_args *d = arg;
    const char *p[] = {d->s->account, d->s->region, d->name, d->tags_json};
    int rc = ot_sql_exec_text(cw->db, "UPDATE alarms SET tags_json=?4"
                                      " WHERE account=?1 AND region=?2 AND name=?3",
                              p, 4, "cw alarm tags");
    return !rc && sqlite3_changes(cw->db) == 0 ? OT_ENOTFOUND : rc;
}

int ot_cw_alarm_tags_set(ot_cw *cw, const ot_cw_scope *s, const char *name,
                         const char *tags_json)
{
    tags_args d = {s, name, tags_json};
    return cw_tx(cw, set_tags_tx, &d);
}
