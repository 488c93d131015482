/* history_query.c — newest-first lookups by any attributes and time, with stable paging.
 *
 * One attribute drives the query (the most selective one given): its index yields rows already
 * ordered by (t, rowid) descending, so a page is one index range scan that stops after limit + 1
 * rows, however deep the page. The others are checked per row. Paging is keyset paging on
 * (t, rowid) plus a rowid snapshot taken on the first page (rowids only grow: AUTOINCREMENT),
 * so events arriving between pages neither repeat nor shift anything. */
#include "history/history_int.h"
#include "history/history_seg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"

int hist_reader_get(ot_history *h, sqlite3 **db)
{
    pthread_mutex_lock(&h->mu);
    for (;;) {
        for (int i = 0; i < h->nreaders; i++) {
            hist_reader *r = &h->readers[i];
            if (r->busy)
                continue;
            if (!r->db) {
                int rc = hist_connect(h->path, true, &r->db);
                if (rc) {
                    pthread_mutex_unlock(&h->mu);
                    return rc;
                }
            }
            r->busy = true;
            *db = r->db;
            pthread_mutex_unlock(&h->mu);
            return OT_OK;
        }
        pthread_cond_wait(&h->cv, &h->mu);
    }
}

void hist_reader_put(ot_history *h, sqlite3 *db)
{
    pthread_mutex_lock(&h->mu);
    for (int i = 0; i < h->nreaders; i++)
        if (h->readers[i].db == db)
            h->readers[i].busy = false;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* Most selective first: the driver is the first of these the query names. */
static const ot_history_key PRIORITY[] = {
    OT_HK_EVENT_ID,   OT_HK_ACCESS_KEY_ID, OT_HK_USERNAME,    OT_HK_RESOURCE_NAME,
    OT_HK_EVENT_NAME, OT_HK_EVENT_SOURCE,  OT_HK_RESOURCE_TYPE, OT_HK_READ_ONLY};

static const char *column(ot_history_key k)
{
    switch (k) {
    case OT_HK_EVENT_ID: return "event_id";
    case OT_HK_EVENT_NAME: return "event_name";
    case OT_HK_READ_ONLY: return "read_only";
    case OT_HK_USERNAME: return "username";
    case OT_HK_EVENT_SOURCE: return "event_source";
    case OT_HK_ACCESS_KEY_ID: return "access_key_id";
    default: return NULL; /* resources */
    }
}

static int res_kind(ot_history_key k) { return k == OT_HK_RESOURCE_TYPE ? HIST_RES_TYPE : HIST_RES_NAME; }

/* Parameters are bound in the order the SQL names them. */
typedef struct binds {
    int n;
    struct {
        bool is_text;
        const char *s;
        int64_t i;
    } v[48];
} binds;

static void bind_i(binds *b, int64_t i) { b->v[b->n].is_text = false, b->v[b->n++].i = i; }
static void bind_s(binds *b, const char *s) { b->v[b->n].is_text = true, b->v[b->n++].s = s; }

/* ReadOnly is stored as 1/0; a value other than true/false matches nothing. */
static void bind_value(binds *b, ot_history_key k, const char *v)
{
    if (k == OT_HK_READ_ONLY)
        bind_i(b, !strcmp(v, "true") ? 1 : !strcmp(v, "false") ? 0 : -2);
    else
        bind_s(b, v);
}

int hist_query_driver(const ot_history_query *q)
{
    for (size_t p = 0; p < sizeof PRIORITY / sizeof *PRIORITY; p++)
        for (size_t i = 0; i < q->nattrs; i++)
            if (q->attrs[i].key == PRIORITY[p])
                return (int)i;
    return -1;
}

/* The documents of the page's rows: LEFT JOIN, so SQLite never reorders ev_doc before the
 * driving index. */
static const char *doc_join(bool v1) { return v1 ? "" : " LEFT JOIN ev_doc d ON d.id = e.id"; }

/* A ResourceName is looked up by its key and checked against the row's ARNs (schema 4). */
static const char *rn_key(const char *v)
{
    size_t kn;
    return hist_rn_key(v, strlen(v), &kn); /* a suffix of v: NUL-terminated */
}

static int build(const ot_history_query *q, bool v1, bool blk, bool res4, int64_t snapshot,
                 ot_buf *sql, binds *b)
{
    int d = hist_query_driver(q);
    ot_buf_printf(sql, "SELECT e.id, e.t, e.read_only, e.event_id, e.event_name, e.event_source,"
                       " e.username, e.access_key_id, %s.resources, %s.raw, %s ",
                  v1 ? "e" : "d", v1 ? "e" : "d", blk ? "e.blk, e.bi" : "NULL, NULL");
    const char *x = "e";
    if (d < 0) {
        ot_buf_printf(sql, "FROM events e%s%s WHERE e.cat = ?",
                      q->region ? " INDEXED BY ev_time" : "", doc_join(v1));
        bind_i(b, q->cat);
    } else if (q->attrs[d].key == OT_HK_READ_ONLY) {
        /* No full ReadOnly index (schema 4): false is the partial index ev_rw, true is ev_time
         * (most events are reads) filtered per row; any other value matches nothing, and the
         * constant false term stops the scan before it starts. */
        const char *v = q->attrs[d].value;
        bool t = !strcmp(v, "true"), f = !strcmp(v, "false");
        ot_buf_printf(sql, "FROM events e%s WHERE e.read_only = %d AND e.cat = ?%s", doc_join(v1),
                      f ? 0 : 1, t || f ? "" : " AND 0");
        bind_i(b, q->cat);
    } else if (column(q->attrs[d].key)) {
        ot_buf_printf(sql, "FROM events e%s WHERE e.%s = ? AND e.cat = ?", doc_join(v1),
                      column(q->attrs[d].key));
        bind_value(b, q->attrs[d].key, q->attrs[d].value);
        bind_i(b, q->cat);
    } else {
        x = "x";
        bool rn = res4 && q->attrs[d].key == OT_HK_RESOURCE_NAME;
        ot_buf_printf(sql, "FROM res x JOIN events e ON e.id = x.id%s"
                           " WHERE x.kind = ? AND x.v = ?%s AND x.cat = ?", doc_join(v1),
                      rn ? " AND ot_rn_match(x.a, ?)" : "");
        bind_i(b, res_kind(q->attrs[d].key));
        bind_s(b, rn ? rn_key(q->attrs[d].value) : q->attrs[d].value);
        if (rn)
            bind_s(b, q->attrs[d].value);
        bind_i(b, q->cat);
    }
    if (q->region) {
        ot_buf_printf(sql, " AND %s.region = ?", x);
        bind_s(b, q->region);
    }
    if (q->start_ms != INT64_MIN) {
        ot_buf_printf(sql, " AND %s.t >= ?", x);
        bind_i(b, q->start_ms);
    }
    if (q->end_ms != INT64_MAX) {
        ot_buf_printf(sql, " AND %s.t <= ?", x);
        bind_i(b, q->end_ms);
    }
    ot_buf_printf(sql, " AND %s.id <= ?", x);
    bind_i(b, snapshot);
    if (q->after) {
        ot_buf_printf(sql, " AND (%s.t, %s.id) < (?, ?)", x, x);
        bind_i(b, q->after->time_ms);
        bind_i(b, q->after->id);
    }
    for (size_t i = 0; i < q->nattrs; i++) {
        if ((int)i == d)
            continue;
        ot_history_key k = q->attrs[i].key;
        const char *col = column(k);
        if (col) {
            ot_buf_printf(sql, " AND e.%s = ?", col);
            bind_value(b, k, q->attrs[i].value);
        } else {
            bool rn = res4 && k == OT_HK_RESOURCE_NAME;
            ot_buf_printf(sql, " AND EXISTS(SELECT 1 FROM res r WHERE r.id = e.id AND r.kind = ?"
                               " AND r.v = ?%s)", rn ? " AND ot_rn_match(r.a, ?)" : "");
            bind_i(b, res_kind(k));
            bind_s(b, rn ? rn_key(q->attrs[i].value) : q->attrs[i].value);
            if (rn)
                bind_s(b, q->attrs[i].value);
        }
    }
    ot_buf_printf(sql, " ORDER BY %s.t DESC, %s.id DESC LIMIT ?", x, x);
    bind_i(b, (int64_t)q->limit + 1);
    return ot_buf_puts(sql, "");
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* The document of a row stored in a block (the page's previous hit may share it). */
typedef struct blk_cache {
    sqlite3_stmt *get;
    hist_blk_reader r;
} blk_cache;

static int blk_doc(sqlite3 *db, blk_cache *c, int64_t blk, int64_t bi, ot_history_hit *hit)
{
    if (c->r.id != blk || blk == 0) {
        if (!c->get && sqlite3_prepare_v2(db, "SELECT ulen, z FROM doc_blk WHERE id = ?", -1,
                                          &c->get, NULL) != SQLITE_OK) {
            ot_error("history: block: %s", sqlite3_errmsg(db));
            return OT_EIO;
        }
        sqlite3_reset(c->get);
        sqlite3_bind_int64(c->get, 1, blk);
        if (sqlite3_step(c->get) != SQLITE_ROW) {
            ot_error("history: document block %lld is missing", (long long)blk);
            return OT_ECORRUPT;
        }
        int rc = hist_blk_load(&c->r, blk, sqlite3_column_blob(c->get, 1),
                               (size_t)sqlite3_column_bytes(c->get, 1),
                               (size_t)sqlite3_column_int64(c->get, 0));
        sqlite3_reset(c->get);
        if (rc)
            return rc;
    }
    int rc = hist_blk_get(&c->r, bi, &hit->resources_json, &hit->raw, &hit->raw_len);
    if (rc) {
        ot_error("history: document block %lld does not decode", (long long)blk);
        c->r.id = 0;
    }
    return rc;
}

/* One source of rows in newest-first order: history.db's query, or a segment's iterator. */
typedef struct source {
    bool live;                   /* has a current row */
    int64_t t, id;
    const hist_seg *seg;         /* NULL: the SQL statement */
    seg_iter it;
    int64_t row;
    hist_blk_reader blk;
} source;

static void sql_advance(sqlite3_stmt *st, source *src, int *step)
{
    *step = sqlite3_step(st);
    src->live = *step == SQLITE_ROW;
    if (src->live) {
        src->t = sqlite3_column_int64(st, 1);
        src->id = sqlite3_column_int64(st, 0);
    }
}

static void seg_advance(source *src)
{
    src->row = seg_iter_next(&src->it);
    src->live = src->row >= 0;
    if (src->live) {
        src->t = src->seg->rows[src->row].t;
        src->id = src->seg->id + src->row;
    }
}

static int sql_hit(sqlite3 *db, sqlite3_stmt *st, blk_cache *bc, ot_history_hit *hit)
{
    *hit = (ot_history_hit){
        .id = sqlite3_column_int64(st, 0),
        .time_ms = sqlite3_column_int64(st, 1),
        .read_only = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2),
        .event_id = col_text(st, 3),
        .event_name = col_text(st, 4),
        .event_source = col_text(st, 5),
        .username = col_text(st, 6),
        .access_key_id = col_text(st, 7),
        .resources_json = col_text(st, 8),
        .raw = col_text(st, 9),
        .raw_len = (size_t)sqlite3_column_bytes(st, 9),
    };
    if (sqlite3_column_type(st, 10) != SQLITE_NULL)
        return blk_doc(db, bc, sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 11), hit);
    return OT_OK;
}

static int seg_hit(source *src, ot_history_hit *hit)
{
    const hist_seg *s = src->seg;
    const seg_row *r = &s->rows[src->row];
    *hit = (ot_history_hit){
        .id = src->id,
        .time_ms = r->t,
        .read_only = r->ro,
        .event_id = hist_seg_str(s, r->eid),
        .event_name = hist_seg_str(s, r->name),
        .event_source = hist_seg_str(s, r->source),
        .username = hist_seg_str(s, r->user),
        .access_key_id = hist_seg_str(s, r->akid),
    };
    int rc = hist_seg_doc(s, (uint64_t)src->row, &src->blk, &hit->resources_json, &hit->raw,
                          &hit->raw_len);
    if (rc)
        ot_error("history: %s: the document of row %lld does not decode", s->path,
                 (long long)src->row);
    return rc;
}

/* The source whose current row comes next in (t, id) descending order, or -1. */
static int newest(const source *v, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (v[i].live && (best < 0 || v[i].t > v[best].t ||
                          (v[i].t == v[best].t && v[i].id > v[best].id)))
            best = (int)i;
    return best;
}

/* history.db's rows and every visible segment's, merged. */
static int run(ot_history *h, sqlite3 *db, const ot_history_query *q, int64_t snapshot,
               const hist_segset *segs, ot_history_hit_fn fn, void *ctx, bool *more,
               ot_history_cursor *next)
{
    ot_buf sql;
    ot_buf_init(&sql, 1 << 16);
    binds b = {0};
    sqlite3_stmt *st = NULL;
    blk_cache bc = {0};
    ot_buf_init(&bc.r.z, 0);
    ot_buf_init(&bc.r.out, 0);
    size_t nsrc = 1;
    source *src = calloc(segs->n + 1, sizeof *src);
    int rc = src ? build(q, h->v1, h->blk, h->res4, snapshot, &sql, &b) : OT_ENOMEM;
    if (!rc && sqlite3_prepare_v2(db, sql.data, (int)sql.len, &st, NULL) != SQLITE_OK) {
        ot_error("history: query: %s", sqlite3_errmsg(db));
        rc = OT_EIO;
    }
    for (int i = 0; !rc && i < b.n; i++) {
        if (b.v[i].is_text)
            sqlite3_bind_text(st, i + 1, b.v[i].s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, i + 1, b.v[i].i);
    }
    int step = SQLITE_DONE;
    if (!rc)
        sql_advance(st, &src[0], &step);
    for (size_t i = 0; !rc && i < segs->n; i++) {
        const hist_seg *s = segs->v[i].seg;
        if (s->id + (int64_t)s->hd->n - 1 > snapshot)
            continue; /* published after the first page */
        source *x = &src[nsrc++];
        x->seg = s;
        ot_buf_init(&x->blk.z, 0);
        ot_buf_init(&x->blk.out, 0);
        seg_iter_init(&x->it, s, q, segs->v[i].cut);
        seg_advance(x);
    }
    size_t rows = 0;
    ot_history_cursor last = {snapshot, 0, 0};
    int k;
    while (!rc && (k = newest(src, nsrc)) >= 0) {
        if (rows == q->limit) {
            *more = true;
            *next = last;
            break;
        }
        ot_history_hit hit;
        rc = src[k].seg ? seg_hit(&src[k], &hit) : sql_hit(db, st, &bc, &hit);
        if (rc)
            break;
        if (!hit.resources_json)
            hit.resources_json = "[]";
        if (!hit.raw)
            hit.raw = "";
        last.time_ms = hit.time_ms;
        last.id = hit.id;
        rows++;
        if ((rc = fn(ctx, &hit)) != OT_OK)
            break;
        if (src[k].seg)
            seg_advance(&src[k]);
        else
            sql_advance(st, &src[0], &step);
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE) {
        ot_error("history: query: %s", sqlite3_errmsg(db));
        rc = OT_EIO;
    }
    for (size_t i = 1; i < nsrc; i++)
        hist_blk_free(&src[i].blk);
    free(src);
    sqlite3_finalize(st);
    sqlite3_finalize(bc.get);
    hist_blk_free(&bc.r);
    ot_buf_free(&sql);
    return rc;
}

int ot_history_query_run(ot_history *h, const ot_history_query *q, ot_history_hit_fn fn,
                         void *ctx, bool *more, ot_history_cursor *next)
{
    *more = false;
    if (q->nattrs > OT_HISTORY_MAX_ATTRS || q->limit < 1 || q->limit > OT_HISTORY_MAX_PAGE)
        return OT_EINVAL;
    for (size_t i = 0; i < q->nattrs; i++)
        if ((unsigned)q->attrs[i].key >= OT_HK_COUNT || !q->attrs[i].value)
            return OT_EINVAL;
    sqlite3 *db;
    int rc = hist_reader_get(h, &db);
    if (rc)
        return rc;
    /* One read transaction, so the snapshot, the segments and the page agree. */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    hist_segset segs = {0};
    rc = hist_segs_load(h, db, &segs);
    int64_t snapshot = q->after ? q->after->snapshot : 0;
    if (!rc && !q->after) {
        snapshot = hist_scalar(db, "SELECT coalesce(max(id), 0) FROM events");
        int64_t s = hist_segs_max_id(&segs);
        rc = snapshot < 0 ? OT_EIO : OT_OK;
        snapshot = s > snapshot ? s : snapshot;
    }
    if (!rc)
        rc = run(h, db, q, snapshot, &segs, fn, ctx, more, next);
    hist_segs_release(h, &segs);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    hist_reader_put(h, db);
    return rc;
}
