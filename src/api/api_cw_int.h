/* api_cw_int.h — private to src/api: what the CloudWatch operation files share. api_cw.c picks
 * the protocol, decodes the request into one tree (cw_doc.h) and frames the answer and its
 * errors; api_cw_read.c reads the input members every operation checks alike;
 * api_cw_metrics.c, api_cw_alarms.c and api_cw_tags.c run the operations, each written once for the three
 * protocols through the writer (cw_writer.h). */
#ifndef OT_API_CW_INT_H
#define OT_API_CW_INT_H

#include <stdbool.h>

#include "api/api_cw.h"
#include "api/cw_doc.h"
#include "api/cw_writer.h"
#include "cw/cw.h"

/* One CloudWatch call being answered. */
typedef struct ot_cw_call {
    ot_api *srv;
    const ot_req *req;
    ot_resp *resp;
    ot_cw *cw;
    ot_cw_scope scope;  /* the caller's account, the request's region */
    ot_cw_proto proto;
    const char *op;     /* static: "PutMetricData", ... */
    const ot_cwd *in;   /* the request's top-level map */
    ot_cww w;           /* the answer (after ot_cwapi_begin) */
} ot_cw_call;

/* ---- answers (api_cw.c) ---- */

/* An error answer in the call's protocol; code is CloudWatch's query error code
 * (InvalidParameterValue, MissingParameter, InvalidParameterCombination, ResourceNotFound,
 * InvalidNextToken, LimitExceeded, InvalidFormat, InternalServiceError). Returns false, so a
 * reader can `return ot_cwapi_fail(...)`. */
bool ot_cwapi_fail(ot_cw_call *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The answer for a failure of the store (OT_ENOTFOUND: ResourceNotFound with not_found). */
void ot_cwapi_store_error(ot_cw_call *c, int rc, const char *not_found);
/* Starts the answer: the writer is then inside the output map. */
void ot_cwapi_begin(ot_cw_call *c);
/* Ends it (closing the output map and, for the query protocol, the envelope). */
void ot_cwapi_end(ot_cw_call *c);
/* The whole answer of an operation with no output. */
void ot_cwapi_empty(ot_cw_call *c);

/* ---- input (api_cw_read.c): each reader answers the error itself and returns false ---- */

/* A string member of map m: *out NULL when absent (MissingParameter if required);
 * InvalidParameterValue when not a string or its length is outside [min, max]. */
bool ot_cwapi_str(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, size_t min,
                  size_t max, const char **out);
/* The same, whose value must be one of the NULL-terminated list `allowed`. */
bool ot_cwapi_enum(ot_cw_call *c, const ot_cwd *m, const char *key, bool required,
                   const char *const *allowed, const char **out);
/* An integer member in [lo, hi]; *present tells whether it was given (required: must be). */
bool ot_cwapi_int(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, int64_t lo,
                  int64_t hi, int64_t *out, bool *present);
/* A finite double member. */
bool ot_cwapi_num(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, double *out,
                  bool *present);
bool ot_cwapi_bool(ot_cw_call *c, const ot_cwd *m, const char *key, bool *out, bool *present);
/* A timestamp member in ms since the epoch. */
bool ot_cwapi_time(ot_cw_call *c, const ot_cwd *m, const char *key, bool required,
                   int64_t *out, bool *present);
/* A list member of at most max elements (absent: empty unless required). */
bool ot_cwapi_list(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, size_t max,
                   const ot_cwd **first, size_t *n);
/* A list of strings (each 1..maxlen) into out[max]. */
bool ot_cwapi_strings(ot_cw_call *c, const ot_cwd *m, const char *key, bool required,
                      size_t max, size_t maxlen, const char **out, size_t *n);
/* Dimensions (a list of {Name, Value}) into dims[OT_CW_DIMS_MAX]; with filter, Value may be
 * absent (DimensionFilter: NULL, any value). Duplicate names are InvalidParameterValue. */
bool ot_cwapi_dims(ot_cw_call *c, const ot_cwd *m, const char *key, bool filter,
                   ot_cw_dim *dims, size_t *n);
/* A metric's Namespace, MetricName (required when required) and Dimensions from map m. */
bool ot_cwapi_metric(ot_cw_call *c, const ot_cwd *m, bool required, ot_cw_metric *out,
                     ot_cw_dim dims[OT_CW_DIMS_MAX]);
/* NextToken: an offset this server gave (a decimal string); 0 when absent. */
bool ot_cwapi_next_token(ot_cw_call *c, int64_t *offset);
/* Writes one Dimension ({Name, Value}) as a list element. */
void ot_cwapi_write_dim(ot_cww *w, const char *name, const char *value);
/* Writes NextToken = offset when more may follow. */
void ot_cwapi_write_next_token(ot_cw_call *c, int64_t offset);

/* The StandardUnit names, NULL-terminated; the statistics and comparison operators. */
extern const char *const OT_CWAPI_UNITS[];
extern const char *const OT_CWAPI_STATISTICS[];

/* ---- the operations ---- */

void ot_cwapi_put_metric_data(ot_cw_call *c);
void ot_cwapi_list_metrics(ot_cw_call *c);
void ot_cwapi_get_metric_statistics(ot_cw_call *c);
void ot_cwapi_get_metric_data(ot_cw_call *c);
void ot_cwapi_put_metric_alarm(ot_cw_call *c);
void ot_cwapi_describe_alarms(ot_cw_call *c);
void ot_cwapi_describe_alarms_for_metric(ot_cw_call *c);
void ot_cwapi_delete_alarms(ot_cw_call *c);
void ot_cwapi_set_alarm_state(ot_cw_call *c);
void ot_cwapi_describe_alarm_history(ot_cw_call *c);
void ot_cwapi_enable_alarm_actions(ot_cw_call *c);
void ot_cwapi_disable_alarm_actions(ot_cw_call *c);
void ot_cwapi_list_tags_for_resource(ot_cw_call *c);
void ot_cwapi_tag_resource(ot_cw_call *c);
void ot_cwapi_untag_resource(ot_cw_call *c);
/* An alarm's tags (api_cw_tags.c): at most this many. */
#define OT_CWAPI_TAGS_MAX 50
/* The request's Tags ([{Key, Value}], absent: an empty list when optional) as the JSON array
 * the store keeps, into json; false after answering the error. */
bool ot_cwapi_read_tags(ot_cw_call *c, bool optional, ot_buf *json);

/* The alarm named name in the caller's scope into *out (one row, ot_cw_alarms_free(*out, 1)),
 * or *out NULL when there is none (api_cw_tags.c). */
int ot_cwapi_alarm_get(ot_cw_call *c, const char *name, ot_cw_alarm **out);

#endif
