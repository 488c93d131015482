/* wal_check.c — offline validation and repair of a log directory (`opentrail wal check`). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sysio.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "wal/wal_check.h"
#include "wal/wal_int.h"

static void fill_seg(ot_wal_seginfo *o, const wal_dirscan *s, size_t i)
{
    const wal_seg *g = &s->segs[i];
    wal_seg_name(o->name, g->first_lsn);
    o->bytes = g->file_bytes;
    o->records = g->records;
    o->first_lsn = g->first_lsn;
    o->last_lsn = g->last_lsn;
    o->status = "ok";
    if (s->first_bad < s->nsegs && i > s->first_bad) {
        o->orphaned = true;
        o->status = g->damage ? "corrupt" : "ok";
    }
    if (!g->damage) {
        if (o->orphaned)
            snprintf(o->detail, sizeof o->detail, "follows the damage; a repair moves it aside");
        return;
    }
    o->status = i == s->first_bad && s->torn ? "torn" : "corrupt";
    o->bad_offset = g->bad_offset;
    if (g->damage == WAL_DMG_GAP) {
        o->orphaned = true;
        snprintf(o->detail, sizeof o->detail, "%s", g->what);
        return;
    }
    o->cut_bytes = g->damage == WAL_DMG_SHORT_HEADER ? g->file_bytes : g->file_bytes - g->valid_bytes;
    int n = snprintf(o->detail, sizeof o->detail, "offset %" PRIu64 ": %s", g->bad_offset, g->what);
    if (g->later_valid && n > 0 && (size_t)n < sizeof o->detail)
        snprintf(o->detail + n, sizeof o->detail - n, "; valid record LSN %" PRIu64 " at offset %" PRIu64,
                 g->later_lsn, g->later_offset);
}

static int report_new(const char *dir, const wal_dirscan *s, ot_wal_report **out)
{
    ot_wal_report *r = calloc(1, sizeof *r);
    if (!r || (s->nsegs && !(r->segs = calloc(s->nsegs, sizeof *r->segs)))) {
        free(r);
        return OT_ENOMEM;
    }
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->nsegs = s->nsegs;
    for (size_t i = 0; i < s->nsegs; i++)
        fill_seg(&r->segs[i], s, i);
    r->result = s->first_bad >= s->nsegs ? OT_OK : s->torn ? OT_ETORN : OT_ECORRUPT;
    wal_dirscan_summary(s, &r->rec);
    r->rec.torn_tail = s->torn;
    *out = r;
    return OT_OK;
}

static int repair(ot_wal_report *r, const wal_dirscan *s)
{
    int lock_fd, rc = wal_lock(r->dir, &lock_fd);
    if (rc)
        return rc;
    uint64_t cut;
    size_t orphaned;
    wal_dirscan after;
    char what[sizeof r->rec.detail];
    snprintf(what, sizeof what, "%s", r->rec.detail);
    if ((rc = wal_repair(r->dir, s, &cut, &orphaned)))
        goto out;
    if ((rc = wal_scan_dir(r->dir, &after)))
        goto out;
    r->repaired = after.first_bad >= after.nsegs;
    wal_dirscan_summary(&after, &r->rec);
    r->rec.torn_tail = s->torn;
    r->rec.truncated_bytes = cut;
    snprintf(r->rec.detail, sizeof r->rec.detail, "cut %" PRIu64 " bytes, moved %zu segment(s) aside; found %.180s",
             cut, orphaned, what);
    wal_dirscan_free(&after);
    if (!r->repaired)
        rc = OT_ECORRUPT;
out:
    ot_sys->close(lock_fd);
    return rc;
}

int ot_wal_inspect(const char *dir, bool repair_it, ot_wal_report **out)
{
    wal_dirscan s;
    *out = NULL;
    if (!dir || !*dir)
        return OT_EINVAL;
    int rc = wal_scan_dir(dir, &s);
    if (rc)
        return rc;
    if ((rc = report_new(dir, &s, out)))
        goto out;
    rc = (*out)->result;
    if (rc && repair_it)
        rc = repair(*out, &s);
out:
    wal_dirscan_free(&s);
    return rc;
}

void ot_wal_report_free(ot_wal_report *r)
{
    if (!r)
        return;
    free(r->segs);
    free(r);
}

static void print_seg(const ot_wal_seginfo *g, FILE *out)
{
    char range[48];
    if (g->records)
        snprintf(range, sizeof range, "%" PRIu64 "..%" PRIu64, g->first_lsn, g->last_lsn);
    else
        snprintf(range, sizeof range, "-");
    fprintf(out, "  %-24s %12" PRIu64 " %9" PRIu64 "  %-23s %s%s%s\n", g->name, g->bytes, g->records, range,
            g->status, g->detail[0] ? ": " : "", g->detail);
}

static const char *verdict(const ot_wal_report *r)
{
    if (r->repaired)
        return "repaired";
    return r->result == OT_OK ? "clean" : r->result == OT_ETORN ? "torn" : "corrupt";
}

void ot_wal_report_print(const ot_wal_report *r, FILE *out)
{
    fprintf(out, "WAL %s: %zu segment(s)\n", r->dir, r->nsegs);
    if (r->nsegs)
        fprintf(out, "  %-24s %12s %9s  %-23s %s\n", "segment", "bytes", "records", "LSN range", "status");
    for (size_t i = 0; i < r->nsegs; i++)
        print_seg(&r->segs[i], out);
    if (r->rec.records)
        fprintf(out, "records: %" PRIu64 ", LSN %" PRIu64 "..%" PRIu64 "\n", r->rec.records, r->rec.first_lsn,
                r->rec.last_lsn);
    else
        fprintf(out, "records: 0\n");
    fprintf(out, "result: %s", verdict(r));
    if (r->result != OT_OK)
        fprintf(out, ": %s", r->rec.detail);
    if (r->result != OT_OK && !r->repaired)
        fprintf(out, "\n  run `opentrail wal check --repair %s` to cut the log at the damage", r->dir);
    fputc('\n', out);
}

int ot_wal_report_json(const ot_wal_report *r, ot_buf *out)
{
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "dir", r->dir);
    ot_jw_kstr(&w, "result", verdict(r));
    ot_jw_kstr(&w, "found", r->result == OT_OK ? "clean" : r->result == OT_ETORN ? "torn" : "corrupt");
    ot_jw_kbool(&w, "repaired", r->repaired);
    ot_jw_kint(&w, "records", (int64_t)r->rec.records);
    ot_jw_kint(&w, "first_lsn", (int64_t)r->rec.first_lsn);
    ot_jw_kint(&w, "last_lsn", (int64_t)r->rec.last_lsn);
    ot_jw_kbool(&w, "torn_tail", r->rec.torn_tail);
    ot_jw_kint(&w, "truncated_bytes", (int64_t)r->rec.truncated_bytes);
    ot_jw_kstr(&w, "detail", r->rec.detail);
    ot_jw_key(&w, "segments");
    ot_jw_arr(&w);
    for (size_t i = 0; i < r->nsegs; i++) {
        const ot_wal_seginfo *g = &r->segs[i];
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "name", g->name);
        ot_jw_kint(&w, "bytes", (int64_t)g->bytes);
        ot_jw_kint(&w, "records", (int64_t)g->records);
        ot_jw_kint(&w, "first_lsn", (int64_t)g->first_lsn);
        ot_jw_kint(&w, "last_lsn", (int64_t)g->last_lsn);
        ot_jw_kstr(&w, "status", g->status);
        if (strcmp(g->status, "ok")) {
            ot_jw_kint(&w, "bad_offset", (int64_t)g->bad_offset);
            ot_jw_kint(&w, "cut_bytes", (int64_t)g->cut_bytes);
        }
        ot_jw_kbool(&w, "orphaned", g->orphaned);
        ot_jw_kstr(&w, "detail", g->detail);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    ot_jw_end(&w);
    return ot_jw_error(&w);
}

int ot_wal_check(const char *dir, bool repair_it, FILE *out, ot_wal_recovery *rec)
{
    ot_wal_report *r = NULL;
    int rc = ot_wal_inspect(dir, repair_it, &r);
    if (rec)
        memset(rec, 0, sizeof *rec);
    if (r && rec)
        *rec = r->rec;
    else if (rec && rc == OT_EEXIST)
        wal_lock_busy_detail(dir, rec->detail, sizeof rec->detail);
    else if (rec)
        snprintf(rec->detail, sizeof rec->detail, "%s: %s", dir ? dir : "(null)", strerror(errno));
    if (r && out)
        ot_wal_report_print(r, out);
    ot_wal_report_free(r);
    return rc;
}
