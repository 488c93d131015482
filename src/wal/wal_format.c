/* wal_format.c — the WAL's on-disk encoding: CRC32C, little-endian fields, segment names,
 * segment creation and the directory lock. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <isa-l/crc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sys/sysio.h"
#include "util/err.h"
#include "util/vec.h"
#include "wal/wal_int.h"

void wal_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void wal_put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

uint32_t wal_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t wal_get_u64(const unsigned char *p)
{
    return (uint64_t)wal_get_u32(p) | (uint64_t)wal_get_u32(p + 4) << 32;
}

/* Standard CRC32C (Castagnoli, as iSCSI/ext4 use it) over the 8 LSN bytes then the payload. */
uint32_t wal_crc(uint64_t lsn, const void *payload, size_t len)
{
    unsigned char l[8];
    wal_put_u64(l, lsn);
    uint32_t c = crc32_iscsi(l, 8, 0xFFFFFFFFu);
    if (len)
        c = crc32_iscsi((unsigned char *)payload, (int)len, c); /* len <= OT_WAL_MAX_RECORD */
    return ~c;
}

void wal_rec_header(unsigned char hdr[WAL_REC_HDR], uint64_t lsn, const void *payload, uint32_t len)
{
    wal_put_u32(hdr, len);
    wal_put_u32(hdr + 4, wal_crc(lsn, payload, len));
    wal_put_u64(hdr + 8, lsn);
}

void wal_seg_header(unsigned char hdr[WAL_SEG_HDR], uint64_t first_lsn)
{
    memcpy(hdr, WAL_MAGIC, 8);
    wal_put_u64(hdr + 8, first_lsn);
}

void wal_seg_name(char name[WAL_NAME_LEN + 1], uint64_t first_lsn)
{
    snprintf(name, WAL_NAME_LEN + 1, "%020" PRIu64 ".wal", first_lsn);
}

int wal_seg_path(char *path, size_t size, const char *dir, uint64_t first_lsn)
{
    int n = snprintf(path, size, "%s/%020" PRIu64 ".wal", dir, first_lsn);
    return n < 0 || (size_t)n >= size ? OT_ELIMIT : OT_OK;
}

bool wal_parse_name(const char *name, uint64_t *lsn)
{
    if (strlen(name) != WAL_NAME_LEN || strcmp(name + 20, ".wal"))
        return false;
    uint64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        unsigned d = (unsigned)(name[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v == 0)
        return false;
    *lsn = v;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int wal_list(const char *dir, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = ot_sys->opendir(dir);
    if (!d)
        return errno == ENOENT ? OT_ENOTFOUND : OT_EIO;
    uint64_t *v = NULL;
    size_t len = 0, cap = 0;
    int rc = OT_OK;
    struct dirent *e;
    while ((e = ot_sys->readdir(d))) {
        uint64_t lsn;
        if (!wal_parse_name(e->d_name, &lsn))
            continue;
        if (OT_VEC_GROW(v, cap, len + 1)) {
            rc = OT_ENOMEM;
            goto out;
        }
        v[len++] = lsn;
    }
    if (len)
        qsort(v, len, sizeof *v, cmp_u64);
    *out = v;
    *n = len;
    v = NULL;
out:
    free(v);
    ot_sys->closedir(d);
    return rc;
}

int wal_seg_create(const char *dir, uint64_t first_lsn, bool sync, int *fd)
{
    char path[4096];
    unsigned char hdr[WAL_SEG_HDR];
    int rc = wal_seg_path(path, sizeof path, dir, first_lsn);
    if (rc)
        return rc;
    int f = ot_sys->open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (f < 0)
        return OT_EIO;
    wal_seg_header(hdr, first_lsn);
    /* The header is durable before any record refers to it, so a torn header can only be the
     * newest segment, created just before a crash and holding no records. */
    rc = ot_sys_pwrite_all(f, hdr, sizeof hdr, 0);
    if (!rc && sync && ot_sys->fdatasync(f))
        rc = OT_EIO;
    if (!rc)
        rc = ot_sys_fsync_dir(dir);
    if (rc) {
        int saved = errno;
        ot_sys->close(f);
        ot_sys->unlink(path);
        errno = saved;
        return rc;
    }
    *fd = f;
    return OT_OK;
}

int wal_seg_reset(const char *dir, uint64_t first_lsn)
{
    char path[4096];
    unsigned char hdr[WAL_SEG_HDR];
    int rc = wal_seg_path(path, sizeof path, dir, first_lsn);
    if (rc)
        return rc;
    int f = ot_sys->open(path, O_WRONLY, 0);
    if (f < 0)
        return OT_EIO;
    wal_seg_header(hdr, first_lsn);
    if (ot_sys->ftruncate(f, 0) || ot_sys_pwrite_all(f, hdr, sizeof hdr, 0) || ot_sys->fdatasync(f))
        rc = OT_EIO;
    int saved = errno;
    ot_sys->close(f);
    errno = saved;
    return rc;
}

int wal_lock(const char *dir, int *fd)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, WAL_LOCK_NAME);
    if (n < 0 || (size_t)n >= sizeof path)
        return OT_ELIMIT;
    int f = ot_sys->open(path, O_RDWR | O_CREAT, 0600);
    if (f < 0)
        return errno == ENOENT ? OT_ENOTFOUND : OT_EIO;
    if (ot_sys->flock(f, LOCK_EX | LOCK_NB)) {
        int busy = errno == EWOULDBLOCK;
        ot_sys->close(f);
        return busy ? OT_EEXIST : OT_EIO;
    }
    *fd = f;
    return OT_OK;
}

/* The pid holding the flock on path, from Linux's /proc/locks ("3: FLOCK ADVISORY WRITE <pid>
 * <major>:<minor>:<inode> 0 EOF"); 0 when it cannot be told (another OS, no /proc). */
static long lock_holder(const char *path)
{
    struct stat st;
    FILE *f = stat(path, &st) == 0 ? fopen("/proc/locks", "r") : NULL;
    if (!f)
        return 0;
    char want[64], line[256], type[16], where[64];
    snprintf(want, sizeof want, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
             (unsigned long long)st.st_ino);
    long pid = 0, p;
    while (!pid && fgets(line, sizeof line, f))
        if (sscanf(line, "%*s %15s %*s %*s %ld %63s", type, &p, where) == 3 &&
            !strcmp(type, "FLOCK") && !strcmp(where, want))
            pid = p;
    fclose(f);
    return pid;
}

void wal_lock_busy_detail(const char *dir, char *out, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, WAL_LOCK_NAME);
    long pid = lock_holder(path);
    if (pid > 0)
        snprintf(out, n, "%s: the log is in use by another process (pid %ld)", dir, pid);
    else
        snprintf(out, n, "%s: the log is in use by another process", dir);
}
