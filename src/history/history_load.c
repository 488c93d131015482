/* history_load.c — the importer's writer: deduplicates rows by eventID and writes the new ones
 * into segments (history_seg.h), publishing each when it is full and at the end.
 *
 * Deduplication looks in the segment being built and in the registered segments (hash
 * tables, ~100 ns), and in history.db's eventID index only when history.db has rows (the live
 * feed's and those of imports before schema 5). One import runs at a time per data dir (the
 * segment directory's lock); rows the live feed adds meanwhile are reconciled when the segment
 * is published (hist_segs_publish). */
#include "history/history_seg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history/history_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

struct hist_loader {
    ot_history *h;
    int lock;
    int64_t since_id;            /* history.db's highest id when the import began */
    sqlite3_stmt *has_eid;       /* NULL when history.db had no rows */
    hist_segset segs;            /* registered segments */
    seg_builder *b;
    char file[128];
    unsigned seq;
};

static int start_segment(hist_loader *l)
{
    char dir[1024], path[1200];
    hist_seg_dir(l->h, dir, sizeof dir);
    snprintf(l->file, sizeof l->file, "seg-%lld-%d-%u.ots", (long long)ot_now_ms(), (int)getpid(),
             l->seq++);
    snprintf(path, sizeof path, "%s/%s", dir, l->file);
    return seg_builder_new(path, &l->b);
}

int hist_loader_new(ot_history *h, hist_loader **out)
{
    hist_loader *l = calloc(1, sizeof *l);
    if (!l)
        return OT_ENOMEM;
    l->h = h;
    int rc = hist_segs_lock(h, &l->lock);
    if (rc) {
        free(l);
        return rc;
    }
    l->since_id = hist_scalar(h->db, "SELECT coalesce(max(id), 0) FROM events");
    if (l->since_id < 0)
        rc = OT_EIO;
    if (!rc && l->since_id > 0 &&
        sqlite3_prepare_v2(h->db, "SELECT 1 FROM events WHERE event_id = ?", -1, &l->has_eid,
                           NULL) != SQLITE_OK)
        rc = OT_EIO;
    if (!rc)
        rc = hist_segs_load(h, h->db, &l->segs);
    if (!rc)
        rc = start_segment(l);
    if (rc) {
        hist_loader_free(l);
        return rc;
    }
    *out = l;
    return OT_OK;
}

static bool in_db(hist_loader *l, const char *eid)
{
    if (!l->has_eid)
        return false;
    sqlite3_reset(l->has_eid);
    sqlite3_bind_text(l->has_eid, 1, eid, -1, SQLITE_STATIC);
    return sqlite3_step(l->has_eid) == SQLITE_ROW;
}

static bool duplicate(hist_loader *l, const ot_history_row *rows, const bool *keep, size_t i,
                      const char *arena)
{
    const char *eid = arena + rows[i].event_id;
    size_t n = strlen(eid);
    for (size_t j = 0; j < i; j++) /* earlier in this block */
        if (keep[j] && !strcmp(arena + rows[j].event_id, eid))
            return true;
    return seg_builder_has(l->b, eid, n) || hist_segs_has_eid(&l->segs, eid, n) || in_db(l, eid);
}

/* Finishes and registers the current segment (if it has rows). */
static int publish(hist_loader *l)
{
    int64_t tmin, tmax;
    bool empty = seg_builder_rows(l->b) == 0;
    int rc = empty ? OT_OK : seg_builder_finish(l->b, &tmin, &tmax);
    if (!rc && !empty)
        rc = hist_segs_publish(l->h, l->b, l->file, l->since_id, tmin, tmax);
    seg_builder_free(l->b, rc == OT_OK && !empty);
    l->b = NULL;
    return rc;
}

int hist_loader_add_block(hist_loader *l, const ot_history_row *rows, size_t n, const char *arena,
                          const void *z, size_t zlen, size_t ulen, int *added)
{
    bool keep[OT_HISTORY_BLOCK];
    if (n > OT_HISTORY_BLOCK)
        return OT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        keep[i] = !duplicate(l, rows, keep, i, arena);
        added[i] = keep[i];
    }
    int rc = OT_OK;
    if (seg_builder_rows(l->b) + n > SEG_MAX_ROWS) { /* full: publish it, go on in a new one */
        if (!(rc = publish(l))) {
            hist_segs_release(l->h, &l->segs);
            rc = hist_segs_load(l->h, l->h->db, &l->segs);
        }
        if (!rc)
            rc = start_segment(l);
    }
    return rc ? rc : seg_builder_add_block(l->b, rows, n, arena, keep, z, zlen, ulen);
}

int hist_loader_finish(hist_loader *l) { return publish(l); }

void hist_loader_free(hist_loader *l)
{
    if (!l)
        return;
    seg_builder_free(l->b, false);
    sqlite3_finalize(l->has_eid);
    hist_segs_release(l->h, &l->segs);
    hist_segs_unlock(l->lock);
    free(l);
}
