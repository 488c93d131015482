/* cw.h — CloudWatch metrics and alarms: the datapoint store, alarm definitions, their state and
 * history, and the evaluator that moves alarms between OK, ALARM and INSUFFICIENT_DATA and
 * runs their actions. Behind the `monitoring` API (api/api_cw*.c), the metric filters of the
 * CloudWatch Logs groups (which put datapoints) and `opentrail monitor`.
 *
 * Storage: DATA-DIR/cloudwatch.db (sqlite, synchronous=FULL). A metric is (account, region,
 * namespace, name, dimensions); its datapoints are kept as statistic sets (count, sum, min,
 * max) aggregated per storage-resolution bucket (60 s, or 1 s for high-resolution data), which
 * is all SampleCount, Sum, Minimum, Maximum and Average need. Everything belongs to a scope
 * (account, region): one account never sees another's metrics or alarms.
 *
 * Alarms are evaluated on time by a thread (every tick_ms), over the last EvaluationPeriods
 * periods as CloudWatch does (M out of N, TreatMissingData, the premature-alarm rule). A state
 * change is committed together with the actions it must run (one row per action ARN), so an
 * action survives kill -9: the thread calls opts.action for each pending row and deletes the
 * row once it returns 0 (at least once).
 *
 * Threads: every function may be called from any thread. */
#ifndef OT_CW_H
#define OT_CW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot_cw ot_cw;

/* The owner of a resource: the caller's account and the request's region. */
typedef struct ot_cw_scope {
    const char *account;
    const char *region;
} ot_cw_scope;

#define OT_CW_NAME_MAX 255       /* namespace, metric name, dimension name, alarm name */
#define OT_CW_DIM_VALUE_MAX 1024
#define OT_CW_DIMS_MAX 30        /* dimensions per metric */
#define OT_CW_ACTIONS_MAX 5      /* ARNs per action list */
#define OT_CW_DATAPOINT_DAYS 455 /* datapoints are kept 15 months, as CloudWatch keeps them */
#define OT_CW_HISTORY_DAYS 30    /* alarm history is kept 30 days */
#define OT_CW_EVAL_PERIODS_MAX 1440 /* EvaluationPeriods ot_cw_alarm_put accepts (a day of
                                     * minutes; AWS caps Period x EvaluationPeriods at a day) */

/* Called (from the evaluator thread) for each action of a state change: action_arn is one of
 * the alarm's AlarmActions/OKActions/InsufficientDataActions, subject is SNS's subject for
 * alarms ("ALARM: \"name\" in US East (N. Virginia)"), message AWS's alarm JSON. Returns 0
 * when the action is done (an SNS publish committed to the outbox), OT_EAGAIN to be retried
 * later, anything else to give up (recorded in the alarm's history as a failed action). */
typedef int (*ot_cw_action_fn)(void *ctx, const char *action_arn, const char *subject,
                               const char *message);

typedef struct ot_cw_opts {
    const char *path;          /* the database, e.g. DATA-DIR/cloudwatch.db */
    int64_t tick_ms;           /* evaluate alarms every tick_ms; 0: every 10 s */
    ot_cw_action_fn action;    /* may be NULL: actions are then recorded as failed */
    void *action_ctx;
    bool no_thread;            /* tests: no evaluator thread; call ot_cw_evaluate */
} ot_cw_opts;

int ot_cw_open(const ot_cw_opts *opts, ot_cw **out);
void ot_cw_close(ot_cw *cw); /* NULL is ok */

/* ---- metrics and datapoints ---- */

typedef struct ot_cw_dim {
    const char *name;
    const char *value; /* in queries: NULL matches any value */
} ot_cw_dim;

/* A metric as callers name it; dims in any order (stored sorted by name). */
typedef struct ot_cw_metric {
    const char *namespace_;
    const char *name;
    const ot_cw_dim *dims;
    size_t ndims;
} ot_cw_metric;

/* One datapoint or statistic set: a single value v is {count 1, sum v, min v, max v}. */
typedef struct ot_cw_datum {
    int64_t ts_ms;
    double count, sum, min, max;
    const char *unit;     /* a StandardUnit; NULL or "" is "None" */
    int resolution_s;     /* 1 (high resolution) or 60 (0 means 60) */
} ot_cw_datum;

typedef struct ot_cw_point {
    ot_cw_metric metric;
    ot_cw_datum d;
} ot_cw_point;

/* Adds the points (creating their metrics) in one transaction, committed before it returns. */
int ot_cw_put(ot_cw *cw, const ot_cw_scope *s, const ot_cw_point *p, size_t n);

/* A metric as stored: every string malloc'd, freed by ot_cw_metrics_free. */
typedef struct ot_cw_metric_row {
    char *namespace_;
    char *name;
    struct { char *name, *value; } *dims;
    size_t ndims;
} ot_cw_metric_row;

typedef struct ot_cw_metric_query {
    const char *namespace_;     /* NULL: any */
    const char *name;           /* NULL: any */
    const ot_cw_dim *dims;      /* each must be present (value NULL: with any value) */
    size_t ndims;
    int64_t since_ms;           /* 0: any; else only metrics with data at or after it */
    int64_t offset;             /* paging: skip this many */
    int limit;
} ot_cw_metric_query;

/* ListMetrics: in (namespace, name, dimensions) order. */
int ot_cw_metrics_list(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric_query *q,
                       ot_cw_metric_row **out, size_t *n);
void ot_cw_metrics_free(ot_cw_metric_row *rows, size_t n);

/* The aggregate of one period. */
typedef struct ot_cw_stats {
    int64_t ts_ms;  /* the period's start */
    double count, sum, min, max;
    char unit[32];
} ot_cw_stats;

/* The datapoints of metric m (exactly these dimensions) with start_ms <= ts < end_ms grouped
 * into periods of period_s seconds aligned to start_ms: one row per period that has data,
 * oldest first, malloc'd. unit NULL: any unit, else only datapoints stored with it. */
int ot_cw_statistics(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m,
                     int64_t start_ms, int64_t end_ms, int period_s, const char *unit,
                     ot_cw_stats **out, size_t *n);

/* ---- alarms ---- */

typedef enum ot_cw_state {
    OT_CW_OK,
    OT_CW_ALARM,
    OT_CW_INSUFFICIENT_DATA,
} ot_cw_state;

const char *ot_cw_state_name(ot_cw_state st);          /* "OK", "ALARM", "INSUFFICIENT_DATA" */
int ot_cw_state_parse(const char *name, ot_cw_state *out); /* 0 or OT_EINVAL */

/* An alarm on one metric. In ot_cw_alarm_put every pointer is the caller's; in rows returned
 * by ot_cw_alarms_list/get every string is malloc'd (ot_cw_alarms_free). Names are exactly as
 * the API spells them: statistic "Sum", comparison "GreaterThanOrEqualToThreshold",
 * treat_missing "missing|notBreaching|breaching|ignore". */
typedef struct ot_cw_alarm {
    char *name;
    char *arn;                     /* arn:aws:cloudwatch:<region>:<account>:alarm:<name> */
    char *description;             /* NULL: none */
    bool actions_enabled;
    char *ok_actions[OT_CW_ACTIONS_MAX];
    size_t n_ok_actions;
    char *alarm_actions[OT_CW_ACTIONS_MAX];
    size_t n_alarm_actions;
    char *insufficient_actions[OT_CW_ACTIONS_MAX];
    size_t n_insufficient_actions;
    char *namespace_;
    char *metric_name;
    ot_cw_dim dims[OT_CW_DIMS_MAX]; /* strings owned like the rest */
    size_t ndims;
    char *statistic;               /* SampleCount|Average|Sum|Minimum|Maximum */
    char *unit;                    /* NULL: any */
    int period_s;
    int evaluation_periods;
    int datapoints_to_alarm;       /* 0: = evaluation_periods */
    double threshold;
    char *comparison;
    char *treat_missing;           /* NULL: "missing" */
    char *tags_json;               /* NULL, or the Tags JSON array as given */
    /* kept by the store (ignored by put): */
    int64_t config_updated_ms;
    ot_cw_state state;
    char *state_reason;
    char *state_reason_data;       /* JSON, NULL: none */
    int64_t state_updated_ms;
    int64_t state_transitioned_ms;
} ot_cw_alarm;

/* Creates or replaces an alarm (a new one starts INSUFFICIENT_DATA; a replaced one keeps its
 * state), recording a ConfigurationUpdate in its history. a->arn is ignored (made here). */
int ot_cw_alarm_put(ot_cw *cw, const ot_cw_scope *s, const ot_cw_alarm *a, int64_t now_ms);

typedef struct ot_cw_alarm_query {
    const char *const *names;      /* exactly these (n_names > 0), else all */
    size_t n_names;
    const char *name_prefix;       /* NULL: any */
    const char *action_prefix;     /* NULL: any (matches any of its action ARNs) */
    const ot_cw_state *state;      /* NULL: any */
    const ot_cw_metric *metric;    /* DescribeAlarmsForMetric: NULL, else only alarms on it */
    int64_t offset;
    int limit;
} ot_cw_alarm_query;

/* In name order. */
int ot_cw_alarms_list(ot_cw *cw, const ot_cw_scope *s, const ot_cw_alarm_query *q,
                      ot_cw_alarm **out, size_t *n);
void ot_cw_alarms_free(ot_cw_alarm *a, size_t n);

/* Deletes the named alarms (with their history and pending actions) in one transaction:
 * OT_ENOTFOUND, and nothing deleted, if one of them does not exist. */
int ot_cw_alarms_delete(ot_cw *cw, const ot_cw_scope *s, const char *const *names, size_t n);

/* Enable/DisableAlarmActions: names that do not exist are ignored. */
int ot_cw_alarms_set_actions(ot_cw *cw, const ot_cw_scope *s, const char *const *names,
                             size_t n, bool enabled);

/* TagResource / UntagResource: replaces the alarm's tags (tags_json a JSON array of
 * {"Key","Value"}, or NULL: none), leaving its configuration, state and history alone.
 * OT_ENOTFOUND. */
int ot_cw_alarm_tags_set(ot_cw *cw, const ot_cw_scope *s, const char *name,
                         const char *tags_json);

/* SetAlarmState: sets the state (reason, reason_data JSON or NULL) as an evaluation would,
 * running the actions of a change; the next evaluation may change it again. OT_ENOTFOUND. */
int ot_cw_alarm_set_state(ot_cw *cw, const ot_cw_scope *s, const char *name, ot_cw_state st,
                          const char *reason, const char *reason_data, int64_t now_ms);

/* ---- history ---- */

typedef struct ot_cw_history {
    char *alarm_name;
    char *alarm_type;     /* "MetricAlarm" */
    char *item_type;      /* ConfigurationUpdate | StateUpdate | Action */
    char *summary;
    char *data;           /* HistoryData JSON */
    int64_t ts_ms;
} ot_cw_history;

typedef struct ot_cw_history_query {
    const char *alarm_name;   /* NULL: every alarm of the scope */
    const char *item_type;    /* NULL: any */
    int64_t start_ms, end_ms; /* 0: unbounded */
    bool oldest_first;        /* ScanBy TimestampAscending */
    int64_t offset;
    int limit;
} ot_cw_history_query;

int ot_cw_history_list(ot_cw *cw, const ot_cw_scope *s, const ot_cw_history_query *q,
                       ot_cw_history **out, size_t *n);
void ot_cw_history_free(ot_cw_history *h, size_t n);

/* ---- evaluation ---- */

/* Evaluates every alarm of every scope as of now_ms and runs the pending actions: what the
 * thread does each tick (at most once an hour it also deletes datapoints older than
 * OT_CW_DATAPOINT_DAYS and history older than OT_CW_HISTORY_DAYS). For tests
 * (opts.no_thread) and SetAlarmState. */
int ot_cw_evaluate(ot_cw *cw, int64_t now_ms);

/* Runs only the pending actions due at now_ms (no evaluation): what ot_cw_evaluate does after
 * evaluating. For tests that look at the actions of one state change. */
int ot_cw_run_actions(ot_cw *cw, int64_t now_ms);

#endif
