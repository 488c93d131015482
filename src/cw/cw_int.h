/* cw_int.h — private to src/cw/: the handle, its connection to cloudwatch.db and what the
 * files of the module share (codecs, the decision function, transitions, the alarm message).
 *
 * One mutex (mu) guards the connection; every public call takes it for one statement or one
 * transaction and never holds it while an action runs. A second mutex (run_mu) lets only one
 * caller at a time evaluate alarms and run their actions (the thread, or a test calling
 * ot_cw_evaluate), so a pending action is never run twice at once. */
#ifndef OT_CW_INT_H
#define OT_CW_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "cw/cw.h"

struct ot_buf;

struct ot_cw {
    sqlite3 *db;
    pthread_mutex_t mu;          /* guards db and the kept statements */
    pthread_mutex_t run_mu;      /* one evaluation / action run at a time */
    sqlite3_stmt *put_metric;    /* kept for ot_cw_put's batches (cw_metrics.c) */
    sqlite3_stmt *find_metric;
    sqlite3_stmt *put_dim;
    sqlite3_stmt *put_point;
    sqlite3_stmt *touch_metric;
    ot_cw_action_fn action;
    void *action_ctx;
    int64_t tick_ms;
    int64_t last_sweep_ms;       /* cw_retention.c, under run_mu */
    /* the evaluator thread (cw_thread.c) */
    pthread_t thread;
    bool running;
    pthread_mutex_t wake_mu;
    pthread_cond_t wake;
    bool stop, kicked;
};

/* ---- cw_db.c ---- */

/* Runs fn(cw, arg) in one IMMEDIATE transaction under mu (rolled back if it fails). */
int cw_tx(ot_cw *cw, int (*fn)(ot_cw *cw, void *arg), void *arg);
/* Binds the scope's account and region to ?1 and ?2. 0 or OT_ENOMEM. */
int cw_bind_scope(sqlite3_stmt *st, const ot_cw_scope *s);
/* A malloc'd copy of text column col, NULL for SQL NULL (or out of memory). */
char *cw_col_dup(sqlite3_stmt *st, int col);

/* ---- cw_codec.c: lists kept in one column (netstrings) ---- */

/* The canonical encoding of a dimension set (sorted by name), so one set has one spelling
 * whatever order callers give it in; out is reset first. 0, OT_EINVAL (NULL name or value, a
 * name twice, more than OT_CW_DIMS_MAX), OT_ENOMEM. */
int cw_dims_encode(const ot_cw_dim *dims, size_t n, struct ot_buf *out);
/* Decodes cw_dims_encode's output into malloc'd name/value pairs; OT_ECORRUPT. */
int cw_dims_decode(const char *json, ot_cw_dim *dims, size_t cap, size_t *n);
/* A list of strings (out reset first); and back into malloc'd strings (at most cap). */
int cw_strlist_encode(char *const *s, size_t n, struct ot_buf *out);
int cw_strlist_decode(const char *json, char **s, size_t cap, size_t *n);

/* ---- cw_metrics.c ---- */

/* The row id of the metric (namespace, name, exactly these dims) of the scope: 0,
 * OT_ENOTFOUND or OT_E*. Caller holds mu. */
int cw_metric_id(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m, int64_t *id);
/* Prepares / finalizes the statements ot_cw_put keeps. */
int cw_metrics_prepare(ot_cw *cw);
void cw_metrics_finalize(ot_cw *cw);

/* ---- cw_stats.c ---- */

/* ot_cw_statistics with mu already held. */
int cw_statistics_locked(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m,
                         int64_t start_ms, int64_t end_ms, int period_s, const char *unit,
                         ot_cw_stats **out, size_t *n);
/* The value of one statistic ("Sum", "Average", ...) of a period; 0 or OT_EINVAL. */
int cw_stat_value(const ot_cw_stats *st, const char *statistic, double *v);

/* ---- cw_decide.c: the pure decision of AWS's alarm evaluation ---- */

typedef enum cw_pt { CW_PT_MISSING, CW_PT_OK, CW_PT_BREACHING } cw_pt;

typedef enum cw_treat {
    CW_TREAT_MISSING,
    CW_TREAT_NOT_BREACHING,
    CW_TREAT_BREACHING,
    CW_TREAT_IGNORE,
} cw_treat;

/* What decided the new state, for the reason text. */
typedef enum cw_why {
    CW_WHY_POINTS,     /* the most recent real points (none filled) */
    CW_WHY_FILLED,     /* real points plus missing ones filled per TreatMissingData */
    CW_WHY_NO_DATA,    /* every point of the evaluation range is missing */
    CW_WHY_PREMATURE,  /* AWS's rule against a late ALARM */
    CW_WHY_KEPT,       /* not enough to decide: the current state stays */
} cw_why;

typedef struct cw_decision {
    ot_cw_state state;
    cw_why why;
    int first;     /* index in pts of the oldest real point used */
    int nreal;     /* real points used (pts[first..] real ones, at most N) */
    int nfilled;   /* missing points filled per TreatMissingData */
    int nbreaching; /* breaching among the points used, filled ones included */
} cw_decision;

/* The new state of an M out of N alarm from the points of its evaluation range (oldest first,
 * range >= n_eval), as CloudWatch decides it:
 * - at least N real points: the most recent N decide, TreatMissingData does not apply;
 * - none: missing -> INSUFFICIENT_DATA, ignore -> current, breaching -> ALARM, notBreaching
 *   -> OK;
 * - some: breaching / notBreaching fill the fewest missing points (N - real) and count; missing
 *   and ignore judge the real points alone: M breaching -> ALARM; at least M real, none
 *   breaching, or too few breaching for M even if every missing point breached -> OK; else
 *   (with missing only) the premature-alarm rule (the oldest breaching
 *   point of the last N is at least M periods old and every newer one breaching or missing ->
 *   ALARM), else the current state stays. */
cw_decision cw_decide(const cw_pt *pts, int range, int n_eval, int m_alarm, cw_treat treat,
                      ot_cw_state current);
/* Whether value breaches threshold under comparison (the API's name); OT_EINVAL for an
 * unknown operator. */
int cw_breaches(const char *comparison, double value, double threshold, bool *out);
/* "missing" (also NULL), "notBreaching", "breaching", "ignore"; OT_EINVAL otherwise. */
int cw_treat_parse(const char *s, cw_treat *out);

/* ---- cw_alarms.c ---- */

/* The alarm of the scope named name, with mu held: 0, OT_ENOTFOUND or OT_E*. */
int cw_alarm_get_locked(ot_cw *cw, const ot_cw_scope *s, const char *name, ot_cw_alarm *out);
/* An alarm with its scope (account and region malloc'd). */
typedef struct cw_alarm_row {
    ot_cw_alarm a;
    char *account, *region;
} cw_alarm_row;
/* Every alarm of every scope (mu not held), malloc'd; cw_alarm_rows_free. */
int cw_alarms_all(ot_cw *cw, cw_alarm_row **out, size_t *n);
void cw_alarm_rows_free(cw_alarm_row *rows, size_t n);
/* Frees the strings of one alarm (not a itself). */
void cw_alarm_clear(ot_cw_alarm *a);

/* ---- cw_alarm_json.c ---- */

/* The alarm's configuration as the JSON object of its ConfigurationUpdate history items
 * (camelCase keys, as CloudWatch writes them there). */
struct ot_jw;
void cw_alarm_config_json(struct ot_jw *w, const ot_cw_alarm *a);
/* "key":["s0",...] (an alarm's action list). */
void cw_json_strings(struct ot_jw *w, const char *key, char *const *s, size_t n);

/* ---- cw_history.c ---- */

/* Appends one history item (inside a transaction). */
int cw_history_add(ot_cw *cw, const ot_cw_scope *s, const char *alarm, const char *item_type,
                   const char *summary, const char *data, int64_t ts_ms);

/* ---- cw_transition.c ---- */

typedef struct cw_change {
    ot_cw_state state;
    const char *reason;
    const char *reason_data; /* JSON or NULL */
    int64_t now_ms;
    bool always; /* record it even when the state stays (SetAlarmState) */
} cw_change;

/* Commits a new state of the named alarm with its StateUpdate history item and, when the
 * state changes and actions are enabled, one pending action per ARN of the new state's list,
 * all in one transaction; an unchanged state writes nothing unless c->always. Caller holds
 * neither mutex. OT_ENOTFOUND if the alarm is gone. */
int cw_transition(ot_cw *cw, const ot_cw_scope *s, const char *name, const cw_change *c);

/* ---- cw_message.c ---- */

/* The SNS subject of a state change: `ALARM: "name" in US East (N. Virginia)`, cut to SNS's
 * 100 bytes. */
void cw_message_subject(const ot_cw_alarm *a, ot_cw_state st, const char *region, char *out,
                        size_t cap);
/* The alarm JSON message CloudWatch publishes for a state change of a from old to c->state. */
int cw_message_json(const ot_cw_alarm *a, const ot_cw_scope *s, ot_cw_state old,
                    const cw_change *c, struct ot_buf *out);
/* A number as CloudWatch writes it in reasons and alarm JSON: 1.0, 0.5, 1234.5. */
void cw_num_text(struct ot_buf *b, double v);
/* The same as a JSON value (null when not finite). */
void cw_jw_double(struct ot_jw *w, double v);
/* "2022-03-13T16:14:03.383+0000", the timestamp format of alarm messages and reason data. */
void cw_time_format(int64_t ms, char out[32]);

/* ---- cw_actions.c ---- */

/* Runs the pending actions due at now_ms (caller holds run_mu). */
int cw_actions_run(ot_cw *cw, int64_t now_ms);
/* Makes the action counter's series, so /metrics shows them at 0 from the start. */
void cw_actions_metrics_init(void);

/* ---- cw_eval.c ---- */

/* Evaluates every alarm at now_ms (caller holds run_mu). */
int cw_eval_all(ot_cw *cw, int64_t now_ms);

/* ---- cw_retention.c ---- */

/* Deletes datapoints and history past their retention, at most once an hour (caller holds
 * run_mu). */
int cw_retention_sweep(ot_cw *cw, int64_t now_ms);

/* ---- cw_thread.c ---- */

int cw_thread_start(ot_cw *cw);
void cw_thread_stop(ot_cw *cw);
/* Wakes the thread (a new pending action). */
void cw_thread_kick(ot_cw *cw);

#endif
