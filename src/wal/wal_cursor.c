/* wal_cursor.c — named cursors over the log: durable committed positions, reading in order,
 * waiting for the flusher, lag, and releasing segments behind the oldest cursor.
 *
 * A cursor reads the segment it is in through its own buffered reader and keeps it open, so a
 * reader that follows the log reads each byte once (from the page cache) instead of scanning
 * its segment from the start on every call, as ot_wal_read() would. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/vec.h"
#include "wal/wal_int.h"

struct ot_wal_cursor {
    ot_wal *w;
    char name[OT_WAL_CURSOR_NAME_MAX + 1];
    uint64_t committed;
    uint64_t next;       /* next LSN to hand out */
    bool kick;           /* under the log's mutex: ends a wait */
    int fd;              /* the segment being read, -1 if none */
    uint64_t seg_first;
    uint64_t r_next;     /* LSN of the record at r.pos */
    wal_reader r;
};

bool ot_wal_cursor_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > OT_WAL_CURSOR_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* ---- the files ---- */

static int cursor_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s%s%s", dir, WAL_CURSOR_DIR, name ? "/" : "", name ? name : "");
    return n < 0 || (size_t)n >= cap ? OT_ELIMIT : OT_OK;
}

static int write_position(const char *dir, const char *name, uint64_t lsn)
{
    char path[4096], text[32];
    int rc = cursor_path(path, sizeof path, dir, name);
    if (rc)
        return rc;
    int n = snprintf(text, sizeof text, "%" PRIu64 "\n", lsn);
    return ot_sys_write_file_atomic(path, text, (size_t)n, 0600, false);
}

/* A file that does not parse holds every segment (0) rather than let records go. */
static uint64_t read_position(const char *path)
{
    char text[32] = {0};
    int fd = ot_sys->open(path, O_RDONLY, 0);
    size_t got = 0;
    if (fd < 0 || ot_sys_pread_full(fd, text, sizeof text - 1, 0, &got)) {
        if (fd >= 0)
            ot_sys->close(fd);
        ot_error("wal: cannot read cursor %s: %s; it holds every segment", path, strerror(errno));
        return 0;
    }
    ot_sys->close(fd);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || (*end != '\n' && *end)) {
        ot_error("wal: cursor %s does not hold an LSN; it holds every segment", path);
        return 0;
    }
    return v;
}

/* ---- the table (callers hold t->mu) ---- */

static wal_cursor_ent *tab_find(wal_cursor_tab *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].name, name))
            return &t->v[i];
    return NULL;
}

static wal_cursor_ent *tab_add(wal_cursor_tab *t, const char *name, uint64_t committed)
{
    if (OT_VEC_GROW(t->v, t->cap, t->n + 1))
        return NULL;
    wal_cursor_ent *e = &t->v[t->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->committed = committed;
    return e;
}

/* The oldest committed position; false if there is no cursor (then nothing is released). */
static bool tab_floor(const wal_cursor_tab *t, uint64_t *floor)
{
    if (!t->n)
        return false;
    uint64_t f = UINT64_MAX;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].committed < f)
            f = t->v[i].committed;
    *floor = f;
    return true;
}

/* Under the table's mutex, so that two readers' releases never interleave their unlinks (a
 * crash between them could leave a hole in the log). */
static int release_behind_cursors(ot_wal *w)
{
    wal_cursor_tab *t = wal_cursors(w);
    uint64_t floor;
    pthread_mutex_lock(&t->mu);
    int rc = tab_floor(t, &floor) ? ot_wal_release(w, floor + 1) : OT_OK;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int wal_cursors_load(const char *dir, bool create, wal_cursor_tab *t)
{
    char path[4096];
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    int rc = cursor_path(path, sizeof path, dir, NULL);
    if (rc || (create && (rc = ot_sys_mkdir_p(path, 0700))))
        return rc;
    DIR *d = ot_sys->opendir(path);
    if (!d)
        return errno == ENOENT && !create ? OT_OK : OT_EIO;
    struct dirent *e;
    while (!rc && (e = ot_sys->readdir(d))) {
        if (!ot_wal_cursor_name_ok(e->d_name)) /* ".", "..", temporary files */
            continue;
        char file[4096];
        if ((rc = cursor_path(file, sizeof file, dir, e->d_name)))
            break;
        wal_cursor_ent *ent = tab_add(t, e->d_name, read_position(file));
        if (!ent)
            rc = OT_ENOMEM;
        else
            ent->on_disk = true;
    }
    ot_sys->closedir(d);
    return rc;
}

void wal_cursors_free(wal_cursor_tab *t)
{
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
    pthread_mutex_destroy(&t->mu);
}

/* ---- open, close, reserve, retire ---- */

int ot_wal_cursor_reserve(ot_wal *w, const char *name)
{
    if (!w || !ot_wal_cursor_name_ok(name))
        return OT_EINVAL;
    wal_cursor_tab *t = wal_cursors(w);
    pthread_mutex_lock(&t->mu);
    int rc = tab_find(t, name) || tab_add(t, name, 0) ? OT_OK : OT_ENOMEM;
    pthread_mutex_unlock(&t->mu);
    return rc;
}

/* Fills e for opening: committed = max(file, reader's checkpoint), written if it moved. */
static int open_entry(ot_wal *w, wal_cursor_ent *e, uint64_t reader_ckpt)
{
    if (e->open)
        return OT_EEXIST;
    uint64_t pos = e->on_disk && e->committed > reader_ckpt ? e->committed : reader_ckpt;
    if (!e->on_disk || pos != e->committed) {
        int rc = write_position(wal_dir(w), e->name, pos);
        if (rc)
            return rc;
    }
    e->committed = pos;
    e->on_disk = e->open = true;
    return OT_OK;
}

int ot_wal_cursor_open(ot_wal *w, const char *name, uint64_t reader_ckpt, ot_wal_cursor **out)
{
    *out = NULL;
    if (!w || !ot_wal_cursor_name_ok(name))
        return OT_EINVAL;
    ot_wal_cursor *c = calloc(1, sizeof *c);
    if (!c || wal_reader_init(&c->r)) {
        free(c);
        return OT_ENOMEM;
    }
    c->w = w;
    c->fd = -1;
    snprintf(c->name, sizeof c->name, "%s", name);
    wal_cursor_tab *t = wal_cursors(w);
    pthread_mutex_lock(&t->mu);
    wal_cursor_ent *e = tab_find(t, name);
    if (!e)
        e = tab_add(t, name, 0);
    int rc = e ? open_entry(w, e, reader_ckpt) : OT_ENOMEM;
    if (!rc)
        c->committed = e->committed;
    pthread_mutex_unlock(&t->mu);
    if (rc) {
        ot_error("wal: cannot open cursor %s: %s", name, ot_strerror(rc));
        wal_reader_free(&c->r);
        free(c);
        return rc;
    }
    c->next = c->committed + 1;
    *out = c;
    release_behind_cursors(w); /* a failure is logged and retried at the next commit */
    return OT_OK;
}

void ot_wal_cursor_close(ot_wal_cursor *c)
{
    if (!c)
        return;
    wal_cursor_tab *t = wal_cursors(c->w);
    pthread_mutex_lock(&t->mu);
    wal_cursor_ent *e = tab_find(t, c->name);
    if (e)
        e->open = false;
    pthread_mutex_unlock(&t->mu);
    if (c->fd >= 0)
        ot_sys->close(c->fd);
    wal_reader_free(&c->r);
    free(c);
}

int ot_wal_cursor_retire(ot_wal *w, const char *name)
{
    if (!w || !ot_wal_cursor_name_ok(name))
        return OT_EINVAL;
    char dir[4096], path[4096];
    int rc = cursor_path(dir, sizeof dir, wal_dir(w), NULL);
    if (!rc)
        rc = cursor_path(path, sizeof path, wal_dir(w), name);
    if (rc)
        return rc;
    wal_cursor_tab *t = wal_cursors(w);
    pthread_mutex_lock(&t->mu);
    wal_cursor_ent *e = tab_find(t, name);
    if (!e)
        rc = OT_ENOTFOUND;
    else if (e->open)
        rc = OT_EEXIST;
    else if (e->on_disk && ot_sys->unlink(path) && errno != ENOENT)
        rc = OT_EIO;
    else if (e->on_disk && ot_sys_fsync_dir(dir)) /* or a crash brings the cursor back */
        rc = OT_EIO;
    if (!rc)
        *e = t->v[--t->n];
    pthread_mutex_unlock(&t->mu);
    return rc ? rc : release_behind_cursors(w);
}

/* ---- reading ---- */

/* Positions the reader on the segment holding c->next (or the first one after it, if that
 * record was released). 0 if c->next is not durable yet, 1 if positioned. */
static int cursor_locate(ot_wal_cursor *c)
{
    wal_seg s;
    int found = wal_seg_find(c->w, c->next, &s);
    if (found <= 0)
        return found;
    if (s.first_lsn > c->next) {
        ot_warn("wal: cursor %s: records %" PRIu64 "..%" PRIu64 " are gone; skipped", c->name,
                c->next, s.first_lsn - 1);
        c->next = s.first_lsn;
    }
    if (c->fd >= 0 && (c->seg_first != s.first_lsn || c->r_next > c->next)) {
        ot_sys->close(c->fd);
        c->fd = -1;
    }
    if (c->fd < 0) {
        char path[4096];
        int rc = wal_seg_path(path, sizeof path, wal_dir(c->w), s.first_lsn);
        if (rc)
            return rc;
        if ((c->fd = ot_sys->open(path, O_RDONLY, 0)) < 0)
            return OT_EIO;
        wal_reader_start(&c->r, c->fd, s.valid_bytes);
        c->seg_first = s.first_lsn;
        c->r_next = s.first_lsn;
    }
    c->r.limit = s.valid_bytes; /* durable bytes never change, so the buffer stays valid */
    return 1;
}

/* Hands out records of the current segment until max, its durable end, or fn stops. */
static int read_segment(ot_wal_cursor *c, size_t max, size_t *done, ot_wal_visitor fn, void *ctx)
{
    char why[160];
    wal_rec rec;
    while (*done < max) {
        uint64_t at = c->r.pos;
        int rc = wal_reader_next(&c->r, c->r_next, c->r_next >= c->next, &rec, why, sizeof why);
        if (rc == WAL_REC_END)
            return OT_OK;
        if (rc == WAL_REC_BAD) {
            ot_error("wal: cursor %s: segment %" PRIu64 " offset %" PRIu64 ": %s", c->name,
                     c->seg_first, at, why);
            return OT_ECORRUPT;
        }
        if (rc != WAL_REC_OK)
            return rc;
        if (rec.lsn < c->next) { /* catching up inside the segment */
            c->r_next++;
            continue;
        }
        if ((rc = fn(ctx, rec.lsn, rec.payload, rec.len))) {
            c->r.pos = at; /* not consumed: read again next time */
            return rc;
        }
        c->r_next++;
        c->next++;
        (*done)++;
    }
    return OT_OK;
}

int ot_wal_cursor_read(ot_wal_cursor *c, size_t max, ot_wal_visitor fn, void *ctx)
{
    if (!c || !fn)
        return OT_EINVAL;
    size_t done = 0;
    while (done < max) {
        int rc = cursor_locate(c);
        if (rc <= 0)
            return rc < 0 ? rc : (int)done;
        uint64_t before = c->next;
        size_t was = done;
        if ((rc = read_segment(c, max, &done, fn, ctx)))
            return rc;
        if (done == was && c->next == before)
            break; /* the segment's durable end: nothing more now */
    }
    return (int)done;
}

void ot_wal_cursor_seek(ot_wal_cursor *c, uint64_t lsn)
{
    c->next = lsn > c->committed ? lsn : c->committed + 1;
}

uint64_t ot_wal_cursor_position(const ot_wal_cursor *c) { return c->next - 1; }

uint64_t ot_wal_cursor_committed(const ot_wal_cursor *c) { return c->committed; }

int ot_wal_cursor_commit(ot_wal_cursor *c, uint64_t lsn)
{
    if (!c)
        return OT_EINVAL;
    if (lsn <= c->committed)
        return OT_OK;
    if (lsn > ot_wal_durable_lsn(c->w))
        return OT_EINVAL;
    int rc = write_position(wal_dir(c->w), c->name, lsn);
    if (rc) {
        ot_error("wal: cannot commit cursor %s at %" PRIu64 ": %s", c->name, lsn, strerror(errno));
        return rc;
    }
    c->committed = lsn;
    if (c->next <= lsn)
        c->next = lsn + 1;
    wal_cursor_tab *t = wal_cursors(c->w);
    pthread_mutex_lock(&t->mu);
    wal_cursor_ent *e = tab_find(t, c->name);
    if (e)
        e->committed = lsn;
    pthread_mutex_unlock(&t->mu);
    return release_behind_cursors(c->w);
}

/* ---- waiting ---- */

int ot_wal_cursor_wait(ot_wal_cursor *c, int timeout_ms)
{
    return wal_wait_durable(c->w, c->next - 1, &c->kick, timeout_ms);
}

void ot_wal_cursor_wake(ot_wal_cursor *c) { wal_kick(c->w, &c->kick); }

/* ---- lag ---- */

static void fill_info(ot_wal *w, const wal_cursor_ent *e, uint64_t durable, int64_t now,
                      ot_wal_cursor_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", e->name);
    out->committed = e->committed;
    out->open = e->open;
    out->lag_records = durable > e->committed ? durable - e->committed : 0;
    if (w && out->lag_records) {
        int64_t t = wal_durable_time(w, e->committed + 1);
        out->lag_seconds = t && now > t ? (double)(now - t) / 1000.0 : 0;
    }
}

int ot_wal_cursor_info_get(ot_wal_cursor *c, ot_wal_cursor_info *out)
{
    wal_cursor_ent e = {.committed = c->committed, .open = true};
    snprintf(e.name, sizeof e.name, "%s", c->name);
    fill_info(c->w, &e, ot_wal_durable_lsn(c->w), ot_now_ms(), out);
    return OT_OK;
}

static int list_tab(ot_wal *w, wal_cursor_tab *t, uint64_t durable, ot_wal_cursor_info **out,
                    size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!t->n)
        return OT_OK;
    ot_wal_cursor_info *v = calloc(t->n, sizeof *v);
    if (!v)
        return OT_ENOMEM;
    int64_t now = ot_now_ms();
    for (size_t i = 0; i < t->n; i++)
        fill_info(w, &t->v[i], durable, now, &v[i]);
    *out = v;
    *n = t->n;
    return OT_OK;
}

int ot_wal_cursors_list(ot_wal *w, ot_wal_cursor_info **out, size_t *n)
{
    wal_cursor_tab *t = wal_cursors(w);
    uint64_t durable = ot_wal_durable_lsn(w);
    pthread_mutex_lock(&t->mu);
    int rc = list_tab(w, t, durable, out, n);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int ot_wal_cursors_list_dir(const char *dir, uint64_t durable_lsn, ot_wal_cursor_info **out,
                            size_t *n)
{
    wal_cursor_tab t;
    int rc = wal_cursors_load(dir, false, &t);
    if (!rc)
        rc = list_tab(NULL, &t, durable_lsn, out, n);
    wal_cursors_free(&t);
    return rc;
}
