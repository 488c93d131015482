/* fuzz_wal_scan.c — the write-ahead log scanner and repair (src/wal/wal_scan.c, wal_format.c,
 * wal_check.c), then recovery (ot_wal_open) and reading (ot_wal_read) of what is left.
 *
 * The input is a log directory: it is cut into segments at each "OTWAL001" magic, each file
 * named after the first LSN its header gives. It is tried as it is, where the record checksums
 * make damage visible, and with every record checksum recomputed, so that lengths, LSN sequences
 * and gaps between segments are what is exercised. Whatever the damage, one
 * `opentrail wal check --repair` must leave a log that scans clean, keeps the records before
 * the damage, and opens and reads back in order. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "wal/wal.h"
#include "wal/wal_check.h"
#include "wal/wal_int.h"

#define MAX_SEGS 4

static char g_dir[256];

static void clear_dir(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *e;
    char path[600];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", g_dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
}

/* Recomputes the CRC of each record whose length fits, walking the segment as the reader does. */
static void fix_crcs(uint8_t *p, size_t n)
{
    size_t off = WAL_SEG_HDR;
    while (off + WAL_REC_HDR <= n) {
        uint32_t len = wal_get_u32(p + off);
        if (len > OT_WAL_MAX_RECORD || len > n - off - WAL_REC_HDR)
            return;
        uint64_t lsn = wal_get_u64(p + off + 8);
        wal_put_u32(p + off + 4, wal_crc(lsn, p + off + WAL_REC_HDR, len));
        off += WAL_REC_HDR + len;
    }
}

static void write_seg(const uint8_t *p, size_t n, size_t index, bool fix)
{
    uint64_t lsn = n >= WAL_SEG_HDR ? wal_get_u64(p + 8) : 0;
    if (!lsn)
        lsn = index + 1;
    char path[600];
    if (wal_seg_path(path, sizeof path, g_dir, lsn))
        abort();
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    if (fix)
        fix_crcs(copy, n);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* a later duplicate LSN wins */
    if (fd < 0 || (n && write(fd, copy, n) != (ssize_t)n))
        abort();
    close(fd);
    free(copy);
}

static const uint8_t *find_magic(const uint8_t *p, size_t n)
{
    return n > 8 ? memmem(p + 1, n - 1, WAL_MAGIC, 8) : NULL;
}

static void write_dir(const uint8_t *data, size_t size, bool fix)
{
    clear_dir();
    const uint8_t *p = data, *end = data + size;
    for (size_t i = 0; i < MAX_SEGS && p < end; i++) {
        const uint8_t *next = i + 1 < MAX_SEGS ? find_magic(p, (size_t)(end - p)) : NULL;
        size_t n = (size_t)((next ? next : end) - p);
        write_seg(p, n, i, fix);
        p += n;
    }
}

static int count(void *ctx, uint64_t lsn, const void *payload, size_t len)
{
    uint64_t *expect = ctx;
    if (lsn != *expect)
        abort(); /* records come back in LSN order, none skipped */
    (*expect)++;
    return 0;
}

static void check_and_repair(void)
{
    ot_wal_report *before = NULL, *after = NULL;
    int rc = ot_wal_inspect(g_dir, true, &before);
    if (rc && rc != OT_ETORN && rc != OT_ECORRUPT)
        abort();
    if (before && before->result && !before->repaired)
        abort(); /* `wal check --repair` left a log that still does not scan clean */
    if (ot_wal_inspect(g_dir, false, &after) != 0)
        abort();
    ot_wal_opts o = {.dir = g_dir, .no_sync = true};
    ot_wal *w;
    ot_wal_recovery rec;
    if (ot_wal_open(&o, &w, &rec) != 0)
        abort(); /* a repaired log opens */
    uint64_t next = rec.first_lsn ? rec.first_lsn : 1;
    if (ot_wal_read(w, 0, count, &next) || (rec.records && next != rec.last_lsn + 1))
        abort();
    ot_wal_close(w);
    ot_wal_report_free(before);
    ot_wal_report_free(after);
}

static void remove_dir(void)
{
    clear_dir();
    rmdir(g_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_dir[0]) {
        ot_log_set_level(OT_LOG_ERROR + 1);
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(g_dir, sizeof g_dir, "%s/fuzz_wal.XXXXXX", base);
        if (!mkdtemp(g_dir))
            abort();
        atexit(remove_dir);
    }
    write_dir(data, size, false);
    check_and_repair();
    write_dir(data, size, true);
    check_and_repair();
    clear_dir();
    return 0;
}
