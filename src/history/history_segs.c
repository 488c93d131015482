/* history_segs.c — the segments of a history: their registry in history.db (table seg), the
 * open mappings shared by every reader, publication of a new segment, retention and clean-up.
 *
 * A segment exists for readers once its seg row is committed: publication reserves its ids from
 * the events AUTOINCREMENT sequence in the same transaction, so ids stay unique across
 * history.db and segments and a page's snapshot (the highest id then) covers whole segments
 * only. Files are written under DATA-DIR/history-segments/ and fsynced before they are
 * registered; a file no row names (an import that died) is removed by the next writer open,
 * unless an import holds the directory's lock. */
#include "history/history_seg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/history_int.h"
#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vec.h"

#define SEG_TABLE                                                                                \
    "CREATE TABLE IF NOT EXISTS seg(id INTEGER PRIMARY KEY, file TEXT NOT NULL,"                \
    " n INTEGER NOT NULL, tmin INTEGER NOT NULL, tmax INTEGER NOT NULL,"                        \
    " cut INTEGER NOT NULL DEFAULT -9223372036854775808);"

const char *hist_seg_table_sql(void) { return SEG_TABLE; }

/* The directory holding history.db (the data dir). */
static void hist_seg_parent(const ot_history *h, char *out, size_t cap)
{
    const char *slash = strrchr(h->path, '/');
    int dl = slash ? (int)(slash - h->path) : 1;
    snprintf(out, cap, "%.*s", dl, slash ? h->path : ".");
}

void hist_seg_dir(const ot_history *h, char *out, size_t cap)
{
    char parent[1024];
    hist_seg_parent(h, parent, sizeof parent);
    snprintf(out, cap, "%s/history-segments", parent);
}

bool hist_has_seg_table(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool v = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'seg'", -1, &st,
                                NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return v;
}

/* ---- the shared mappings ---- */

/* The cached mapping of segment id with a new reference, or NULL (call with h->mu held). */
static hist_seg *cached(ot_history *h, int64_t id)
{
    for (size_t i = 0; i < h->nsegs; i++)
        if (h->segs[i]->id == id) {
            h->segs[i]->refs++;
            return h->segs[i];
        }
    return NULL;
}

/* The open segment id (from the cache, or opened now), with a reference for the caller. */
static int acquire(ot_history *h, int64_t id, const char *file, hist_seg **out)
{
    pthread_mutex_lock(&h->mu);
    *out = cached(h, id);
    pthread_mutex_unlock(&h->mu);
    if (*out)
        return OT_OK;
    char dir[1024], path[1200];
    hist_seg_dir(h, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    hist_seg *s;
    int rc = hist_seg_open(path, id, &s); /* outside the lock: it reads the whole index */
    if (rc)
        return rc;
    pthread_mutex_lock(&h->mu);
    if ((*out = cached(h, id)) != NULL) { /* another reader opened it meanwhile */
        pthread_mutex_unlock(&h->mu);
        hist_seg_close(s);
        return OT_OK;
    }
    if (OT_VEC_GROW(h->segs, h->segcap, h->nsegs + 1)) {
        pthread_mutex_unlock(&h->mu);
        hist_seg_close(s);
        return OT_ENOMEM;
    }
    h->segs[h->nsegs++] = s;
    s->refs = 1;
    *out = s;
    pthread_mutex_unlock(&h->mu);
    return OT_OK;
}

void hist_segs_release(ot_history *h, hist_segset *set)
{
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < set->n; i++)
        set->v[i].seg->refs--;
    pthread_mutex_unlock(&h->mu);
    free(set->v);
    set->v = NULL;
    set->n = 0;
}

/* Closes cached segments that are no longer registered and that nobody uses. */
static void forget_unlisted(ot_history *h, const hist_segset *set)
{
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->nsegs;) {
        bool listed = false;
        for (size_t j = 0; j < set->n && !listed; j++)
            listed = set->v[j].seg == h->segs[i];
        if (listed || h->segs[i]->refs > 0) {
            i++;
            continue;
        }
        hist_seg_close(h->segs[i]);
        h->segs[i] = h->segs[--h->nsegs];
    }
    pthread_mutex_unlock(&h->mu);
}

int hist_segs_load(ot_history *h, sqlite3 *db, hist_segset *set)
{
    set->v = NULL;
    set->n = 0;
    if (!h->has_seg)
        return OT_OK;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id, file, cut, tmax FROM seg ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK) {
        ot_error("history: segments: %s", sqlite3_errmsg(db));
        return OT_EIO;
    }
    int rc = OT_OK;
    size_t cap = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 3) < sqlite3_column_int64(st, 2))
            continue; /* wholly expired: its file is going */
        if (OT_VEC_GROW(set->v, cap, set->n + 1)) {
            rc = OT_ENOMEM;
            break;
        }
        hist_seg *s;
        rc = acquire(h, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), &s);
        if (rc == OT_ENOTFOUND) { /* expired and unlinked since this transaction began */
            rc = OT_OK;
            continue;
        }
        if (!rc)
            set->v[set->n++] = (hist_segref){s, sqlite3_column_int64(st, 2)};
    }
    sqlite3_finalize(st);
    if (rc)
        hist_segs_release(h, set);
    else
        forget_unlisted(h, set);
    return rc;
}

int64_t hist_segs_max_id(const hist_segset *set)
{
    int64_t m = 0;
    for (size_t i = 0; i < set->n; i++) {
        int64_t last = set->v[i].seg->id + (int64_t)set->v[i].seg->hd->n - 1;
        m = last > m ? last : m;
    }
    return m;
}

bool hist_segs_has_eid(const hist_segset *set, const char *eid, size_t n)
{
    for (size_t i = 0; i < set->n; i++) {
        int64_t r = hist_seg_find_eid(set->v[i].seg, eid, n);
        if (r >= 0 && set->v[i].seg->rows[r].t >= set->v[i].cut)
            return true;
    }
    return false;
}

uint64_t hist_segs_count(const hist_segset *set)
{
    uint64_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        n += set->v[i].seg->hd->n - hist_seg_lower(set->v[i].seg, set->v[i].cut, INT64_MIN);
    return n;
}

/* ---- the import lock and clean-up ---- */

int hist_segs_lock(ot_history *h, int *fd)
{
    char dir[1024], path[1100];
    hist_seg_dir(h, dir, sizeof dir);
    if (ot_sys->mkdir(dir, 0700) == 0) { /* new: its name must survive a crash too */
        char parent[1024];
        hist_seg_parent(h, parent, sizeof parent);
        if (ot_sys_fsync_dir(parent) != OT_OK)
            return OT_EIO;
    } else if (errno != EEXIST) {
        ot_error("history: cannot create %s: %s", dir, strerror(errno));
        return OT_EIO;
    }
    snprintf(path, sizeof path, "%s/.import.lock", dir);
    *fd = ot_sys->open(path, O_RDWR | O_CREAT, 0600);
    if (*fd < 0)
        return OT_EIO;
    if (ot_sys->flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        ot_sys->close(*fd);
        *fd = -1;
        return OT_EEXIST;
    }
    return OT_OK;
}

void hist_segs_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* Whether file is named by a seg row. */
static bool registered(sqlite3 *db, const char *file)
{
    sqlite3_stmt *st = NULL;
    bool yes = sqlite3_prepare_v2(db, "SELECT 1 FROM seg WHERE file = ?", -1, &st, NULL) ==
                   SQLITE_OK &&
               sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC) == SQLITE_OK &&
               sqlite3_step(st) != SQLITE_DONE;
    sqlite3_finalize(st);
    return yes;
}

void hist_segs_cleanup(ot_history *h)
{
    int lock;
    if (hist_segs_lock(h, &lock) != OT_OK)
        return; /* an import is running: its file is not registered yet */
    char dir[1024], path[1400];
    hist_seg_dir(h, dir, sizeof dir);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "seg-", 4) || n < 8 || strcmp(e->d_name + n - 4, ".ots") ||
            registered(h->db, e->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ot_info("history: removing %s (an import that did not finish)", path);
        ot_sys->unlink(path);
    }
    if (d)
        closedir(d);
    hist_segs_unlock(lock);
}

/* ---- publication ---- */

/* Runs sql with up to two integer parameters. */
static int exec1(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK ? OT_OK : OT_EIO;
    if (!rc) {
        int np = sqlite3_bind_parameter_count(st);
        if (np >= 1)
            sqlite3_bind_int64(st, 1, a);
        if (np >= 2)
            sqlite3_bind_int64(st, 2, b);
        int s = sqlite3_step(st);
        rc = s == SQLITE_DONE || s == SQLITE_ROW ? OT_OK : OT_EIO;
    }
    if (rc)
        ot_error("history: %s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

int64_t hist_scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Rows the live feed added while the import ran whose eventID the new segment holds: the
 * segment's copy is the one kept (same eventID, same event). */
static int drop_raced(sqlite3 *db, int64_t since_id, seg_builder *b)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id, event_id FROM events WHERE id > ?", -1, &st, NULL) !=
        SQLITE_OK)
        return OT_EIO;
    sqlite3_bind_int64(st, 1, since_id);
    int rc = OT_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(st, 1);
        if (e && seg_builder_has(b, e, strlen(e)))
            rc = hist_delete_event(db, sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    return rc;
}

int hist_segs_publish(ot_history *h, seg_builder *b, const char *file, int64_t since_id,
                      int64_t tmin, int64_t tmax)
{
    int64_t n = (int64_t)seg_builder_rows(b);
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return OT_EIO;
    int64_t seq = hist_scalar(h->db, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name ="
                                " 'events'), (SELECT max(id) FROM events), 0)");
    int64_t top = hist_scalar(h->db, "SELECT coalesce(max(id + n - 1), 0) FROM seg");
    int64_t base = (seq > top ? seq : top) + 1;
    int rc = seq < 0 || top < 0 ? OT_EIO : drop_raced(h->db, since_id, b);
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(h->db, "INSERT INTO seg(id, file, n, tmin, tmax)"
                                         " VALUES(?,?,?,?,?)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, base);
        sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, n);
        sqlite3_bind_int64(st, 4, tmin);
        sqlite3_bind_int64(st, 5, tmax);
        rc = sqlite3_step(st) == SQLITE_DONE ? OT_OK : OT_EIO;
    } else if (!rc) {
        rc = OT_EIO;
    }
    sqlite3_finalize(st);
    /* ids up to base + n - 1 are taken: the feed's next row gets a higher one */
    if (!rc)
        rc = exec1(h->db, "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'events'",
                   base + n - 1, 0);
    if (!rc && sqlite3_changes(h->db) == 0)
        rc = exec1(h->db, "INSERT INTO sqlite_sequence(name, seq) VALUES('events', ?1)", base + n - 1, 0);
    if (!rc && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = OT_EIO;
    if (rc) {
        ot_error("history: cannot register segment %s: %s", file, sqlite3_errmsg(h->db));
        ot_history_rollback(h);
    }
    return rc;
}

/* ---- retention (import --apply-retention) ---- */

int hist_segs_expire(ot_history *h, int64_t cutoff_ms, int *deleted)
{
    *deleted = 0;
    hist_segset set;
    int rc = hist_segs_load(h, h->db, &set);
    if (rc)
        return rc;
    uint64_t gone = 0;
    for (size_t i = 0; i < set.n; i++) {
        const hist_seg *s = set.v[i].seg;
        if (cutoff_ms > set.v[i].cut)
            gone += hist_seg_lower(s, cutoff_ms, INT64_MIN) - hist_seg_lower(s, set.v[i].cut, INT64_MIN);
    }
    char dir[1024], path[1400];
    hist_seg_dir(h, dir, sizeof dir);
    /* files of wholly expired segments, unlinked once the rows are gone */
    char (*doomed)[256] = calloc(set.n ? set.n : 1, sizeof *doomed);
    size_t ndoomed = 0;
    for (size_t i = 0; doomed && i < set.n; i++)
        if (set.v[i].seg->hd->tmax < cutoff_ms)
            snprintf(doomed[ndoomed++], sizeof *doomed, "%s", strrchr(set.v[i].seg->path, '/') + 1);
    hist_segs_release(h, &set);
    if (!doomed)
        return OT_ENOMEM;
    rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? OT_OK : OT_EIO;
    if (!rc)
        rc = exec1(h->db, "UPDATE seg SET cut = ?1 WHERE cut < ?1", cutoff_ms, 0);
    if (!rc)
        rc = exec1(h->db, "DELETE FROM seg WHERE tmax < ?1", cutoff_ms, 0);
    if (!rc && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = OT_EIO;
    if (rc)
        ot_history_rollback(h);
    for (size_t i = 0; !rc && i < ndoomed; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, doomed[i]);
        ot_sys->unlink(path);
    }
    free(doomed);
    *deleted = rc ? 0 : (int)(gone > INT32_MAX ? INT32_MAX : gone);
    return rc;
}
