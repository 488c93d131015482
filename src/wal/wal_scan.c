/* wal_scan.c — reading segments back: a buffered record reader, the scan that validates every
 * segment of a directory and classifies damage (torn tail vs corruption), and the repair that
 * cuts the log at the first damage. Recovery, ot_wal_read and `wal check` all go through here. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sysio.h"
#include "util/err.h"
#include "wal/wal_int.h"

int wal_reader_init(wal_reader *r)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->buf = malloc(WAL_READ_CHUNK);
    if (!r->buf)
        return OT_ENOMEM;
    r->cap = WAL_READ_CHUNK;
    return OT_OK;
}

void wal_reader_free(wal_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

void wal_reader_start(wal_reader *r, int fd, uint64_t limit)
{
    r->fd = fd;
    r->limit = limit;
    r->pos = WAL_SEG_HDR;
    r->base = 0;
    r->len = 0;
}

/* Makes [off, off + n) available in r->buf; the caller checked it lies below r->limit. */
static int ensure(wal_reader *r, uint64_t off, size_t n)
{
    if (off >= r->base && off + n <= r->base + r->len)
        return OT_OK;
    if (n > r->cap) {
        char *p = realloc(r->buf, n);
        if (!p)
            return OT_ENOMEM;
        r->buf = p;
        r->cap = n;
    }
    uint64_t left = r->limit - off;
    size_t want = left < r->cap ? (size_t)left : r->cap;
    size_t got = 0;
    r->len = 0;
    if (ot_sys_pread_full(r->fd, r->buf, want, off, &got))
        return OT_EIO;
    r->base = off;
    r->len = got;
    if (got < n) { /* the file shrank under us */
        errno = ENODATA;
        return OT_EIO;
    }
    return OT_OK;
}

static const unsigned char *at(const wal_reader *r, uint64_t off)
{
    return (const unsigned char *)r->buf + (off - r->base);
}

int wal_reader_next(wal_reader *r, uint64_t expect, bool verify, wal_rec *rec, char *why, size_t whylen)
{
    uint64_t left = r->limit - r->pos;
    if (left == 0)
        return WAL_REC_END;
    if (left < WAL_REC_HDR) {
        snprintf(why, whylen, "partial record header (%" PRIu64 " of %u bytes)", left, WAL_REC_HDR);
        return WAL_REC_BAD;
    }
    int rc = ensure(r, r->pos, WAL_REC_HDR);
    if (rc)
        return rc;
    const unsigned char *h = at(r, r->pos);
    uint32_t len = wal_get_u32(h), crc = wal_get_u32(h + 4);
    uint64_t lsn = wal_get_u64(h + 8);
    if (len > OT_WAL_MAX_RECORD) {
        snprintf(why, whylen, "record length %" PRIu32 " exceeds the %u-byte cap", len, OT_WAL_MAX_RECORD);
        return WAL_REC_BAD;
    }
    if (len > left - WAL_REC_HDR) {
        snprintf(why, whylen, "partial record: %" PRIu32 "-byte payload, %" PRIu64 " bytes present", len,
                 left - WAL_REC_HDR);
        return WAL_REC_BAD;
    }
    if ((rc = ensure(r, r->pos, WAL_REC_HDR + len)))
        return rc;
    const char *payload = (const char *)at(r, r->pos) + WAL_REC_HDR;
    if (verify && wal_crc(lsn, payload, len) != crc) {
        snprintf(why, whylen, "CRC mismatch (record says LSN %" PRIu64 ", %" PRIu32 " bytes)", lsn, len);
        return WAL_REC_BAD;
    }
    if (lsn != expect) {
        snprintf(why, whylen, "LSN %" PRIu64 " where %" PRIu64 " was expected", lsn, expect);
        return WAL_REC_BAD;
    }
    rec->lsn = lsn;
    rec->off = r->pos;
    rec->payload = payload;
    rec->len = len;
    r->pos += WAL_REC_HDR + len;
    return WAL_REC_OK;
}

/* After damage at bad (where LSN expect belonged), looks byte by byte for a later record that is
 * valid on its own. Finding one means the damage is not a torn write at the end of the file. */
static int find_later(wal_reader *r, wal_seg *s, uint64_t bad, uint64_t expect)
{
    uint64_t max_lsn = expect + (r->limit - bad) / WAL_REC_HDR;
    for (uint64_t o = bad + 1; o + WAL_REC_HDR <= r->limit; o++) {
        int rc = ensure(r, o, WAL_REC_HDR);
        if (rc)
            return rc;
        const unsigned char *h = at(r, o);
        uint32_t len = wal_get_u32(h), crc = wal_get_u32(h + 4);
        uint64_t lsn = wal_get_u64(h + 8);
        if (len > OT_WAL_MAX_RECORD || len > r->limit - o - WAL_REC_HDR || lsn < expect || lsn > max_lsn)
            continue;
        if ((rc = ensure(r, o, WAL_REC_HDR + len)))
            return rc;
        if (wal_crc(lsn, at(r, o) + WAL_REC_HDR, len) != crc)
            continue;
        s->later_valid = true;
        s->later_offset = o;
        s->later_lsn = lsn;
        return OT_OK;
    }
    return OT_OK;
}

static int scan_records(wal_reader *r, wal_seg *s, bool record_damage)
{
    char why[sizeof s->what];
    wal_rec rec;
    for (;;) {
        int rc = wal_reader_next(r, s->last_lsn + 1, true, &rec, why, sizeof why);
        if (rc == WAL_REC_OK) {
            s->records++;
            s->last_lsn = rec.lsn;
            s->valid_bytes = r->pos;
            continue;
        }
        if (rc != WAL_REC_BAD)
            return rc; /* END or an I/O error */
        if (!record_damage)
            return OT_OK;
        s->damage = WAL_DMG_RECORD;
        s->bad_offset = r->pos;
        memcpy(s->what, why, sizeof why);
        return find_later(r, s, r->pos, s->last_lsn + 1);
    }
}

static int check_header(wal_reader *r, wal_seg *s)
{
    if (s->file_bytes < WAL_SEG_HDR) {
        s->damage = WAL_DMG_SHORT_HEADER;
        snprintf(s->what, sizeof s->what, "file is %" PRIu64 " bytes, shorter than the %u-byte segment header",
                 s->file_bytes, WAL_SEG_HDR);
        return OT_OK;
    }
    int rc = ensure(r, 0, WAL_SEG_HDR);
    if (rc)
        return rc;
    const unsigned char *h = at(r, 0);
    if (memcmp(h, WAL_MAGIC, 8)) {
        s->damage = WAL_DMG_HEADER;
        snprintf(s->what, sizeof s->what, "bad segment header magic (expected \"%s\")", WAL_MAGIC);
    } else if (wal_get_u64(h + 8) != s->first_lsn) {
        s->damage = WAL_DMG_HEADER;
        snprintf(s->what, sizeof s->what, "header says first LSN %" PRIu64 ", the file name says %" PRIu64,
                 wal_get_u64(h + 8), s->first_lsn);
    }
    s->valid_bytes = WAL_SEG_HDR;
    return OT_OK;
}

static int scan_seg(const char *dir, wal_seg *s, wal_reader *r)
{
    char path[4096];
    struct stat st;
    int rc = wal_seg_path(path, sizeof path, dir, s->first_lsn);
    if (rc)
        return rc;
    int fd = ot_sys->open(path, O_RDONLY, 0);
    if (fd < 0)
        return OT_EIO;
    if (ot_sys->fstat(fd, &st)) {
        rc = OT_EIO;
        goto out;
    }
    s->file_bytes = (uint64_t)st.st_size;
    s->last_lsn = s->first_lsn - 1;
    wal_reader_start(r, fd, s->file_bytes);
    if ((rc = check_header(r, s)) || s->damage == WAL_DMG_SHORT_HEADER)
        goto out;
    /* Behind a bad header, still count the records that check out (repair keeps them). */
    rc = scan_records(r, s, s->damage == WAL_OK);
out:;
    int saved = errno;
    ot_sys->close(fd);
    errno = saved;
    return rc;
}

/* A segment's first LSN comes from its name, so a gap is known whatever its contents: it is the
 * segment's first damage even when its records are damaged too (else a torn tail could hide a
 * lost segment, and recovery would cut the tail and accept the gap). */
static void check_gap(wal_seg *prev, wal_seg *s)
{
    if (prev->damage || s->first_lsn == prev->last_lsn + 1)
        return;
    s->damage = WAL_DMG_GAP;
    s->bad_offset = 0;
    s->later_valid = false;
    snprintf(s->what, sizeof s->what, "starts at LSN %" PRIu64 " but the previous segment ends at LSN %" PRIu64,
             s->first_lsn, prev->last_lsn);
}

int wal_scan_dir(const char *dir, wal_dirscan *out)
{
    uint64_t *lsns = NULL;
    size_t n = 0;
    wal_reader r;
    memset(out, 0, sizeof *out);
    int rc = wal_list(dir, &lsns, &n);
    if (rc)
        return rc;
    if ((rc = wal_reader_init(&r)))
        goto out;
    if (n && !(out->segs = calloc(n, sizeof *out->segs))) {
        rc = OT_ENOMEM;
        goto out;
    }
    out->nsegs = n;
    out->first_bad = n;
    for (size_t i = 0; i < n; i++) {
        out->segs[i].first_lsn = lsns[i];
        if ((rc = scan_seg(dir, &out->segs[i], &r)))
            goto out;
        if (i)
            check_gap(&out->segs[i - 1], &out->segs[i]);
        if (out->segs[i].damage && out->first_bad == n)
            out->first_bad = i;
    }
    if (out->first_bad + 1 == n) {
        const wal_seg *s = &out->segs[n - 1];
        out->torn = s->damage == WAL_DMG_SHORT_HEADER || (s->damage == WAL_DMG_RECORD && !s->later_valid);
    }
out:
    wal_reader_free(&r);
    free(lsns);
    if (rc)
        wal_dirscan_free(out);
    return rc;
}

void wal_dirscan_free(wal_dirscan *s)
{
    free(s->segs);
    memset(s, 0, sizeof *s);
}

static void describe_damage(const wal_dirscan *s, char *buf, size_t size)
{
    const wal_seg *g = &s->segs[s->first_bad];
    char name[WAL_NAME_LEN + 1];
    wal_seg_name(name, g->first_lsn);
    int n = snprintf(buf, size, "%s%s offset %" PRIu64 ": %s", s->torn ? "torn tail in " : "", name, g->bad_offset,
                     g->what);
    if (n < 0 || (size_t)n >= size)
        return;
    if (g->later_valid)
        snprintf(buf + n, size - n, "; a valid record (LSN %" PRIu64 ") follows at offset %" PRIu64,
                 g->later_lsn, g->later_offset);
    else if (!s->torn && s->first_bad + 1 < s->nsegs)
        snprintf(buf + n, size - n, "; %zu newer segment(s) follow", s->nsegs - s->first_bad - 1);
}

void wal_dirscan_summary(const wal_dirscan *s, ot_wal_recovery *rec)
{
    rec->segments = s->nsegs;
    rec->records = 0;
    rec->first_lsn = rec->last_lsn = 0;
    for (size_t i = 0; i < s->nsegs; i++) {
        const wal_seg *g = &s->segs[i];
        if (!g->records)
            continue;
        if (!rec->first_lsn)
            rec->first_lsn = g->first_lsn;
        rec->records += g->records;
        rec->last_lsn = g->last_lsn;
    }
    if (s->first_bad < s->nsegs)
        describe_damage(s, rec->detail, sizeof rec->detail);
    else if (rec->records)
        snprintf(rec->detail, sizeof rec->detail, "%zu segment(s), %" PRIu64 " records, LSN %" PRIu64 "..%" PRIu64,
                 s->nsegs, rec->records, rec->first_lsn, rec->last_lsn);
    else
        snprintf(rec->detail, sizeof rec->detail, "%zu segment(s), no records", s->nsegs);
}

static int cut_segment(const char *dir, const wal_seg *g, uint64_t *cut)
{
    char path[4096];
    unsigned char hdr[WAL_SEG_HDR];
    if (g->damage == WAL_DMG_SHORT_HEADER) {
        *cut = g->file_bytes;
        return wal_seg_reset(dir, g->first_lsn);
    }
    int rc = wal_seg_path(path, sizeof path, dir, g->first_lsn);
    if (rc)
        return rc;
    int fd = ot_sys->open(path, O_WRONLY, 0);
    if (fd < 0)
        return OT_EIO;
    wal_seg_header(hdr, g->first_lsn);
    if (g->damage == WAL_DMG_HEADER && ot_sys_pwrite_all(fd, hdr, sizeof hdr, 0))
        rc = OT_EIO;
    else if (ot_sys->ftruncate(fd, (off_t)g->valid_bytes) || ot_sys->fdatasync(fd))
        rc = OT_EIO;
    int saved = errno;
    ot_sys->close(fd);
    errno = saved;
    *cut = g->file_bytes - g->valid_bytes;
    return rc;
}

/* Moves a segment out of the log (never deletes it: it is evidence). */
static int orphan(const char *dir, uint64_t lsn)
{
    char from[4096], to[4200];
    int rc = wal_seg_path(from, sizeof from, dir, lsn);
    if (rc)
        return rc;
    for (int i = 0; i < 100; i++) {
        if (i)
            snprintf(to, sizeof to, "%s.orphaned.%d", from, i);
        else
            snprintf(to, sizeof to, "%s.orphaned", from);
        int fd = ot_sys->open(to, O_RDONLY, 0);
        if (fd >= 0) {
            ot_sys->close(fd);
            continue;
        }
        return ot_sys->rename(from, to) ? OT_EIO : OT_OK;
    }
    errno = EEXIST;
    return OT_EIO;
}

int wal_repair(const char *dir, const wal_dirscan *s, uint64_t *cut, size_t *orphaned)
{
    *cut = 0;
    *orphaned = 0;
    if (s->first_bad >= s->nsegs)
        return OT_OK;
    size_t from = s->first_bad;
    const wal_seg *g = &s->segs[from];
    int rc = OT_OK;
    if (g->damage != WAL_DMG_GAP) {
        if ((rc = cut_segment(dir, g, cut)))
            return rc;
        from++;
    }
    for (size_t i = s->nsegs; i-- > from;) { /* newest first: a crash midway leaves a shorter, valid log */
        if ((rc = orphan(dir, s->segs[i].first_lsn)))
            return rc;
        (*orphaned)++;
    }
    return ot_sys_fsync_dir(dir);
}
