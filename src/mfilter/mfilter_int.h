/* mfilter_int.h — private to src/mfilter/: a filter's transformation, the per-group cache and
 * the aggregation of datapoints. */
#ifndef OT_MFILTER_INT_H
#define OT_MFILTER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "filter/filter.h"
#include "mfilter/mfilter.h"

#define MF_DIMS_MAX 3

/* A metricTransformation, parsed once. */
typedef struct mf_transform {
    char *ns, *name;
    char *value_field;      /* "$.x" or "$x": extracted; NULL: the literal `value` */
    double value;
    bool value_ok;          /* a literal that is a finite number */
    bool has_default;
    double default_value;
    size_t ndims;
    char *dim_name[MF_DIMS_MAX];
    char *dim_field[MF_DIMS_MAX];
    char *unit;             /* NULL: None */
} mf_transform;

/* Parses the stored transformations JSON (an array holding one object). 0, OT_EINVAL or
 * OT_ENOMEM. */
int mf_transform_parse(const char *json, mf_transform *out);
void mf_transform_free(mf_transform *t);
/* Does applying it read the event's fields? */
bool mf_transform_reads_fields(const mf_transform *t);

/* The compiled filters of one group. */
typedef struct mf_group {
    char account[16], region[32];
    char *name;
    ot_filter **filters;    /* n compiled patterns, in filter name order */
    ot_filter_set *set;     /* the same, matched together (one lookup per string) */
    mf_transform *tr;       /* their transformations */
    bool *hit;              /* scratch for ot_filter_set_match */
    size_t n;
} mf_group;

void mf_group_free(mf_group *g);
/* Loads the group's filters from logs (a filter whose pattern or transformation no longer
 * parses is skipped with a warning). */
int mf_group_load(ot_logs *logs, const ot_logs_scope *s, const char *group, mf_group *out);

/* ---- aggregation (mfilter_agg.c) ---- */

/* One statistic set per (transformation, dimension values, minute). */
typedef struct mf_cell {
    const mf_transform *t;
    char *dim_value[MF_DIMS_MAX]; /* malloc'd */
    int64_t minute_ms;
    double count, sum, min, max;
} mf_cell;

typedef struct mf_agg {
    mf_cell *v;
    size_t n, cap;
    size_t last;            /* the cell hit last: events come in runs */
} mf_agg;

/* Adds value to the cell of (t, dims (t->ndims values, [i] of len[i] bytes), ts's minute). */
int mf_agg_add(mf_agg *a, const mf_transform *t, const char *const *dims, const size_t *len,
               int64_t ts_ms, double value);
/* Puts every cell into cw in one call (nothing if empty). */
int mf_agg_flush(const mf_agg *a, ot_cw *cw, const ot_logs_scope *s);
void mf_agg_free(mf_agg *a);

#endif
