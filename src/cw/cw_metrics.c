/* cw_metrics.c — metrics and their datapoints: ot_cw_put (batches in one transaction, on
 * statements kept for the connection's life, since metric filters put on every matching log
 * event) and ListMetrics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/metrics.h"
#include "util/sql.h"

OT_COUNTER(m_datapoints, "opentrail_metric_datapoints_total",
           "CloudWatch datapoints (or statistic sets) stored, from PutMetricData and metric "
           "filters.");

int cw_metrics_prepare(ot_cw *cw)
{
    int rc = ot_sql_prepare_kept(cw->db,
                                 "SELECT id FROM metrics WHERE account=?1 AND region=?2"
                                 " AND namespace=?3 AND name=?4 AND dims=?5",
                                 &cw->find_metric);
    if (!rc)
        rc = ot_sql_prepare_kept(cw->db,
                                 "INSERT INTO metrics(account, region, namespace, name, dims)"
                                 " VALUES(?1, ?2, ?3, ?4, ?5)",
                                 &cw->put_metric);
    if (!rc)
        rc = ot_sql_prepare_kept(cw->db,
                                 "INSERT INTO metric_dims(metric_id, name, value)"
                                 " VALUES(?1, ?2, ?3)",
                                 &cw->put_dim);
    if (!rc)
        rc = ot_sql_prepare_kept(
            cw->db,
            "INSERT INTO datapoints(metric_id, unit, ts_ms, count, sum, min, max)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(metric_id, ts_ms, unit) DO UPDATE"
            " SET count=count+excluded.count, sum=sum+excluded.sum,"
            " min=MIN(min, excluded.min), max=MAX(max, excluded.max)",
            &cw->put_point);
    if (!rc)
        rc = ot_sql_prepare_kept(cw->db, "UPDATE metrics SET last_ms=?2 WHERE id=?1 AND last_ms<?2",
                                 &cw->touch_metric);
    return rc;
}

void cw_metrics_finalize(ot_cw *cw)
{
    sqlite3_finalize(cw->find_metric);
    sqlite3_finalize(cw->put_metric);
    sqlite3_finalize(cw->put_dim);
    sqlite3_finalize(cw->put_point);
    sqlite3_finalize(cw->touch_metric);
}

static int bind_metric(sqlite3_stmt *st, const ot_cw_scope *s, const ot_cw_metric *m,
                       const char *dims)
{
    return cw_bind_scope(st, s) || ot_sql_bind_text(st, 3, m->namespace_) ||
                   ot_sql_bind_text(st, 4, m->name) || ot_sql_bind_text(st, 5, dims)
               ? OT_ENOMEM
               : OT_OK;
}

/* The id of the metric whose dimensions encode as dims; OT_ENOTFOUND. */
static int find_metric(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m, const char *dims,
                       int64_t *id)
{
    int rc = bind_metric(cw->find_metric, s, m, dims);
    if (!rc) {
        rc = ot_sql_step(cw->db, cw->find_metric, "cw find metric");
        if (rc == 1)
            *id = sqlite3_column_int64(cw->find_metric, 0);
        rc = rc == 1 ? OT_OK : rc == 0 ? OT_ENOTFOUND : rc;
    }
    sqlite3_reset(cw->find_metric);
    sqlite3_clear_bindings(cw->find_metric);
    return rc;
}

int cw_metric_id(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m, int64_t *id)
{
    ot_buf dims;
    ot_buf_init(&dims, 0);
    int rc = cw_dims_encode(m->dims, m->ndims, &dims);
    if (!rc)
        rc = find_metric(cw, s, m, dims.data, id);
    ot_buf_free(&dims);
    return rc;
}

static int create_metric(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric *m,
                         const char *dims, int64_t *id)
{
    int rc = bind_metric(cw->put_metric, s, m, dims);
    if (!rc)
        rc = ot_sql_run(cw->db, cw->put_metric, "cw new metric");
    if (rc)
        return rc;
    *id = sqlite3_last_insert_rowid(cw->db);
    for (size_t i = 0; !rc && i < m->ndims; i++) {
        sqlite3_bind_int64(cw->put_dim, 1, *id);
        rc = ot_sql_bind_text(cw->put_dim, 2, m->dims[i].name) ||
                     ot_sql_bind_text(cw->put_dim, 3, m->dims[i].value)
                 ? OT_ENOMEM
                 : ot_sql_run(cw->db, cw->put_dim, "cw metric dimension");
    }
    return rc;
}

static bool name_ok(const char *s)
{
    return s && *s && strlen(s) <= OT_CW_NAME_MAX;
}

static bool datum_ok(const ot_cw_datum *d)
{
    return d->ts_ms >= 0 && d->count > 0 && isfinite(d->sum) && isfinite(d->min) &&
           isfinite(d->max) && d->min <= d->max &&
           (d->resolution_s == 0 || d->resolution_s == 1 || d->resolution_s == 60);
}

static int put_point(ot_cw *cw, int64_t id, const ot_cw_datum *d)
{
    int64_t res_ms = (d->resolution_s == 1 ? 1 : 60) * 1000LL;
    int64_t ts = d->ts_ms / res_ms * res_ms;
    sqlite3_stmt *st = cw->put_point;
    sqlite3_bind_int64(st, 1, id);
    if (ot_sql_bind_text(st, 2, d->unit && *d->unit ? d->unit : "None"))
        return OT_ENOMEM;
    sqlite3_bind_int64(st, 3, ts);
    sqlite3_bind_double(st, 4, d->count);
    sqlite3_bind_double(st, 5, d->sum);
    sqlite3_bind_double(st, 6, d->min);
    sqlite3_bind_double(st, 7, d->max);
    int rc = ot_sql_run(cw->db, st, "cw datapoint");
    if (!rc) {
        sqlite3_bind_int64(cw->touch_metric, 1, id);
        sqlite3_bind_int64(cw->touch_metric, 2, ts);
        rc = ot_sql_run(cw->db, cw->touch_metric, "cw metric last");
    }
    return rc;
}

typedef struct put_args {
    const ot_cw_scope *s;
    const ot_cw_point *p;
    size_t n;
    ot_buf dims;
} put_args;

static int put_one(ot_cw *cw, put_args *a, const ot_cw_point *p)
{
    if (!name_ok(p->metric.namespace_) || !name_ok(p->metric.name) || !datum_ok(&p->d))
        return OT_EINVAL;
    int rc = cw_dims_encode(p->metric.dims, p->metric.ndims, &a->dims);
    int64_t id = 0;
    if (!rc)
        rc = find_metric(cw, a->s, &p->metric, a->dims.data, &id);
    if (rc == OT_ENOTFOUND)
        rc = create_metric(cw, a->s, &p->metric, a->dims.data, &id);
    return rc ? rc : put_point(cw, id, &p->d);
}

static int put_all(ot_cw *cw, void *arg)
{
    put_args *a = arg;
    int rc = OT_OK;
    for (size_t i = 0; !rc && i < a->n; i++)
        rc = put_one(cw, a, &a->p[i]);
    return rc;
}

int ot_cw_put(ot_cw *cw, const ot_cw_scope *s, const ot_cw_point *p, size_t n)
{
    if (!n)
        return OT_OK;
    put_args a = {.s = s, .p = p, .n = n};
    ot_buf_init(&a.dims, 0);
    int rc = cw_tx(cw, put_all, &a);
    ot_buf_free(&a.dims);
    if (!rc)
        ot_metric_add(&m_datapoints, n);
    return rc;
}

/* ---- ListMetrics ---- */

/* The query, with one EXISTS per dimension filter (parameters 8+2i and 9+2i). */
static int list_sql(const ot_cw_metric_query *q, ot_buf *sql)
{
    ot_buf_puts(sql, "SELECT namespace, name, dims FROM metrics m WHERE account=?1 AND region=?2"
                     " AND (?3 IS NULL OR namespace=?3) AND (?4 IS NULL OR name=?4)"
                     " AND last_ms>=?5");
    for (size_t i = 0; i < q->ndims; i++)
        ot_buf_printf(sql,
                      " AND EXISTS(SELECT 1 FROM metric_dims d WHERE d.metric_id=m.id"
                      " AND d.name=?%zu AND (?%zu IS NULL OR d.value=?%zu))",
                      8 + 2 * i, 9 + 2 * i, 9 + 2 * i);
    return ot_buf_puts(sql, " ORDER BY namespace, name, dims LIMIT ?6 OFFSET ?7") ? OT_ENOMEM
                                                                                : OT_OK;
}

static int list_bind(sqlite3_stmt *st, const ot_cw_scope *s, const ot_cw_metric_query *q)
{
    int rc = cw_bind_scope(st, s) || ot_sql_bind_text(st, 3, q->namespace_) ||
             ot_sql_bind_text(st, 4, q->name);
    sqlite3_bind_int64(st, 5, q->since_ms);
    sqlite3_bind_int64(st, 6, q->limit > 0 ? q->limit : -1);
    sqlite3_bind_int64(st, 7, q->offset > 0 ? q->offset : 0);
    for (size_t i = 0; !rc && i < q->ndims; i++)
        rc = ot_sql_bind_text(st, 8 + 2 * (int)i, q->dims[i].name) ||
             ot_sql_bind_text(st, 9 + 2 * (int)i, q->dims[i].value);
    return rc ? OT_ENOMEM : OT_OK;
}

static void read_metric_row(sqlite3_stmt *st, void *row)
{
    ot_cw_metric_row *r = row;
    r->namespace_ = cw_col_dup(st, 0);
    r->name = cw_col_dup(st, 1);
    ot_cw_dim dims[OT_CW_DIMS_MAX];
    size_t n = 0;
    if (cw_dims_decode((const char *)sqlite3_column_text(st, 2), dims, OT_CW_DIMS_MAX, &n))
        n = 0; /* cannot happen: the store wrote it */
    r->dims = n ? calloc(n, sizeof *r->dims) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (r->dims) {
            r->dims[i].name = (char *)dims[i].name;
            r->dims[i].value = (char *)dims[i].value;
        } else {
            free((char *)dims[i].name);
            free((char *)dims[i].value);
        }
    }
    r->ndims = r->dims ? n : 0;
}

int ot_cw_metrics_list(ot_cw *cw, const ot_cw_scope *s, const ot_cw_metric_query *q,
                       ot_cw_metric_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (q->ndims > OT_CW_DIMS_MAX)
        return OT_EINVAL;
    ot_buf sql;
    ot_buf_init(&sql, 0);
    int rc = list_sql(q, &sql);
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&cw->mu);
    if (!rc)
        rc = ot_sql_prepare(cw->db, sql.data, &st);
    if (!rc)
        rc = list_bind(st, s, q);
    if (!rc)
        rc = ot_sql_rows(cw->db, st, sizeof **out, read_metric_row, "cw list metrics",
                         (void **)out, n);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&cw->mu);
    ot_buf_free(&sql);
    return rc;
}

void ot_cw_metrics_free(ot_cw_metric_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].namespace_);
        free(rows[i].name);
        for (size_t j = 0; j < rows[i].ndims; j++) {
            free(rows[i].dims[j].name);
            free(rows[i].dims[j].value);
        }
        free(rows[i].dims);
    }
    free(rows);
}
