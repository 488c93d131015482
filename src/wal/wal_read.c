/* wal_read.c — reading durable records back while appends go on, and releasing old segments.
 *
 * A reader works from a snapshot of the segment table: it opens each segment itself and reads
 * no further than the durable end recorded in the snapshot, so it never sees a record of a group
 * that is still being written (or that is being taken back after a failure). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "wal/wal_int.h"

static int read_seg(ot_wal *w, const wal_seg *s, uint64_t from, wal_reader *r, ot_wal_visitor fn, void *ctx)
{
    char path[4096], why[160];
    int rc = wal_seg_path(path, sizeof path, wal_dir(w), s->first_lsn);
    if (rc)
        return rc;
    int fd = ot_sys->open(path, O_RDONLY, 0);
    if (fd < 0) /* released since the snapshot: its records are below what anyone still wants */
        return errno == ENOENT ? OT_OK : OT_EIO;
    wal_reader_start(r, fd, s->valid_bytes);
    wal_rec rec;
    for (uint64_t expect = s->first_lsn;; expect++) {
        rc = wal_reader_next(r, expect, expect >= from, &rec, why, sizeof why);
        if (rc == WAL_REC_END) {
            rc = OT_OK;
            break;
        }
        if (rc == WAL_REC_BAD) {
            ot_error("wal: segment %" PRIu64 " offset %" PRIu64 ": %s", s->first_lsn, r->pos, why);
            rc = OT_ECORRUPT;
            break;
        }
        if (rc != WAL_REC_OK)
            break;
        if (rec.lsn >= from && (rc = fn(ctx, rec.lsn, rec.payload, rec.len)))
            break;
    }
    int saved = errno;
    ot_sys->close(fd);
    errno = saved;
    return rc;
}

int ot_wal_read(ot_wal *w, uint64_t from, ot_wal_visitor fn, void *ctx)
{
    wal_seg *segs;
    size_t n;
    uint64_t durable; /* segs[].valid_bytes already bound the read to it */
    wal_reader r;
    if (!w || !fn)
        return OT_EINVAL;
    int rc = wal_snapshot(w, &segs, &n, &durable);
    if (rc)
        return rc;
    if ((rc = wal_reader_init(&r)))
        goto out;
    for (size_t i = 0; i < n && !rc; i++) {
        if (segs[i].last_lsn < segs[i].first_lsn || segs[i].last_lsn < from)
            continue; /* empty, or entirely before from */
        rc = read_seg(w, &segs[i], from, &r, fn, ctx);
    }
    wal_reader_free(&r);
out:
    free(segs);
    return rc;
}

int ot_wal_release(ot_wal *w, uint64_t keep_from)
{
    uint64_t *lsns;
    size_t n;
    if (!w)
        return OT_EINVAL;
    int rc = wal_detach_old(w, keep_from, &lsns, &n);
    if (rc || !n)
        return rc;
    for (size_t i = 0; i < n; i++) { /* oldest first, so the log never has a hole */
        char path[4096];
        if (wal_seg_path(path, sizeof path, wal_dir(w), lsns[i]) || ot_sys->unlink(path)) {
            ot_error("wal: cannot delete segment %" PRIu64 ": %s", lsns[i], strerror(errno));
            rc = OT_EIO;
            break;
        }
    }
    /* Make the deletions durable, or a crash could bring back an old segment but not a newer
     * one and leave a gap. */
    if (!rc && ot_sys_fsync_dir(wal_dir(w)))
        rc = OT_EIO;
    free(lsns);
    return rc;
}
