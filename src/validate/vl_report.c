/* vl_report.c — print the result as `aws cloudtrail validate-logs` does (validation.py:
 * _write_status / _write_summary_text), or as one JSON object with --format json.
 *
 * CLI text rules kept: INVALID lines and gap notes go to stderr framed by blank lines, valid
 * lines to stdout only with --verbose, summary ratios only for kinds that occurred. */
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/jsonw.h"
#include "validate/vl_int.h"

typedef struct counts {
    size_t dv, di, bv, bi, lv, li;
    int64_t found_start, found_end;
} counts;

static void tally(vl_run *r, counts *c)
{
    memset(c, 0, sizeof *c);
    c->found_start = c->found_end = -1;
    for (size_t i = 0; i < r->nitems; i++) {
        const vl_item *it = &r->items[i];
        if (it->type == VL_IT_DIGEST) {
            size_t *v = it->backfill ? &c->bv : &c->dv, *inv = it->backfill ? &c->bi : &c->di;
            (*(it->valid ? v : inv))++;
            if (it->valid) { /* as _track_found_times: clipped to the requested range */
                int64_t s = it->start_ms > r->start_ms ? it->start_ms : r->start_ms;
                int64_t e = it->end_ms < r->end_ms ? it->end_ms : r->end_ms;
                if (c->found_start < 0 || s < c->found_start)
                    c->found_start = s;
                if (c->found_end < 0 || e > c->found_end)
                    c->found_end = e;
            }
        } else if (it->type == VL_IT_LOG || it->type == VL_IT_UNREF) {
            (*(it->valid ? &c->lv : &c->li))++;
        }
    }
}

static const char *label(const vl_item *it)
{
    switch (it->type) {
    case VL_IT_DIGEST: return it->backfill ? "(backfill) Digest file" : "Digest file";
    default: return "Log file";
    }
}

typedef struct printer {
    FILE *out, *err;
    bool verbose;
    bool double_space; /* _is_last_status_double_space */
} printer;

static void status(printer *p, const char *msg, bool is_error)
{
    if (is_error) {
        fprintf(p->err, p->double_space ? "%s\n\n" : "\n%s\n\n", msg);
        p->double_space = true;
    } else if (p->verbose) {
        p->double_space = false;
        fprintf(p->out, "%s\n", msg);
    }
}

static void ratio(FILE *out, size_t v, size_t inv, const char *name)
{
    size_t t = v + inv;
    if (!t)
        return;
    fprintf(out, "\n%zu/%zu %s files valid", v, t, name);
    if (inv)
        fprintf(out, ", %zu/%zu %s files INVALID", inv, t, name);
}

static int report_text(vl_run *r, const counts *c, FILE *out, FILE *err)
{
    printer p = {out, err, r->o->verbose, true};
    char a[32], b[32], line[2600];
    vl_fmt_time(r->start_ms, a);
    vl_fmt_time(r->end_ms, b);
    if (r->trail_arn[0])
        fprintf(out, "Validating log files for trail %s between %s and %s\n\n", r->trail_arn, a, b);
    else
        fprintf(out, "Validating log files for every trail in %s between %s and %s\n\n",
                r->o->source, a, b);
    for (size_t i = 0; i < r->nitems; i++) {
        const vl_item *it = &r->items[i];
        if (it->type == VL_IT_GAP) {
            snprintf(line, sizeof line, "%s%s", it->backfill ? "(backfill) " : "", it->reason);
            status(&p, line, true);
            continue;
        }
        if (it->valid)
            snprintf(line, sizeof line, "%s\ts3://%s/%s\tvalid", label(it), it->bucket, it->key);
        else
            snprintf(line, sizeof line, "%s\ts3://%s/%s\tINVALID: %s", label(it), it->bucket,
                     it->key, it->reason);
        status(&p, line, !it->valid);
    }
    if (!p.double_space)
        fputc('\n', out);
    fprintf(out, "Results requested for %s to %s\n", a, b);
    if (!(c->dv + c->di + c->bv + c->bi)) {
        fprintf(out, "No digests found\n");
    } else {
        if (c->found_start < 0) {
            fprintf(out, "No valid digests found in range\n");
        } else {
            vl_fmt_time(c->found_start, a);
            vl_fmt_time(c->found_end, b);
            fprintf(out, "Results found for %s to %s:\n", a, b);
        }
        ratio(out, c->dv, c->di, "digest");
        ratio(out, c->bv, c->bi, "backfill digest");
        ratio(out, c->lv, c->li, "log");
        fputc('\n', out);
    }
    if (r->uncovered)
        fprintf(out, "\n%zu log files not covered by any digest (delivered outside every "
                "digest window, or not yet listed by the next digest: not checked)\n",
                r->uncovered);
    return c->di + c->bi + c->li ? 1 : 0;
}

static void jtime(ot_jw *w, const char *key, int64_t ms)
{
    char t[32];
    ot_jw_key(w, key);
    if (ms < 0) {
        ot_jw_null(w);
        return;
    }
    vl_fmt_time(ms, t);
    ot_jw_str(w, t);
}

static void jcount(ot_jw *w, const char *key, size_t v, size_t inv)
{
    ot_jw_key(w, key);
    ot_jw_obj(w);
    ot_jw_kint(w, "valid", (int64_t)v);
    ot_jw_kint(w, "invalid", (int64_t)inv);
    ot_jw_end(w);
}

static int report_json(vl_run *r, const counts *c, FILE *out)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_jw w;
    ot_jw_init(&w, &b);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "source", r->o->source);
    ot_jw_kstr(&w, "trailArn", r->trail_arn[0] ? r->trail_arn : NULL);
    jtime(&w, "requestedStart", r->start_ms);
    jtime(&w, "requestedEnd", r->end_ms);
    jtime(&w, "foundStart", c->found_start);
    jtime(&w, "foundEnd", c->found_end);
    ot_jw_key(&w, "results");
    ot_jw_arr(&w);
    for (size_t i = 0; i < r->nitems; i++) {
        const vl_item *it = &r->items[i];
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "type", it->type == VL_IT_DIGEST ? "digest"
                               : it->type == VL_IT_GAP  ? "gap" : "log");
        ot_jw_kbool(&w, "backfill", it->backfill);
        if (it->type == VL_IT_GAP) {
            ot_jw_kstr(&w, "message", it->reason);
        } else {
            char uri[2200];
            snprintf(uri, sizeof uri, "s3://%s/%s", it->bucket, it->key);
            ot_jw_kstr(&w, "uri", uri);
            ot_jw_kbool(&w, "valid", it->valid);
            ot_jw_kstr(&w, "reason", it->valid ? NULL : it->reason);
        }
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    ot_jw_key(&w, "summary");
    ot_jw_obj(&w);
    jcount(&w, "digestFiles", c->dv, c->di);
    jcount(&w, "backfillDigestFiles", c->bv, c->bi);
    jcount(&w, "logFiles", c->lv, c->li);
    ot_jw_kint(&w, "logFilesNotCovered", (int64_t)r->uncovered);
    ot_jw_end(&w);
    ot_jw_end(&w);
    if (!ot_jw_error(&w))
        fprintf(out, "%s\n", b.data);
    ot_buf_free(&b);
    return c->di + c->bi + c->li ? 1 : 0;
}

int vl_report(vl_run *r, FILE *out, FILE *err)
{
    counts c;
    tally(r, &c);
    return r->o->json ? report_json(r, &c, out) : report_text(r, &c, out, err);
}
