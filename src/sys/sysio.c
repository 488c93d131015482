/* sysio.c — the default (real) file system call table and retrying helpers over it. */
#include "sys/sysio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/err.h"

static int sys_open(const char *path, int flags, mode_t mode) { return open(path, flags | O_CLOEXEC, mode); }
static int sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return openat(dirfd, path, flags | O_CLOEXEC, mode);
}
static int sys_mkstemp(char *template) { return mkostemp(template, O_CLOEXEC); }
static DIR *sys_opendir(const char *path) { return opendir(path); }

const ot_sysio ot_sys_default = {
    .open = sys_open,
    .openat = sys_openat,
    .mkstemp = sys_mkstemp,
    .close = close,
    .pread = pread,
    .write = write,
    .pwrite = pwrite,
    .pwritev = pwritev,
    .fdatasync = fdatasync,
    .fsync = fsync,
    .ftruncate = ftruncate,
    .fstat = fstat,
    .flock = flock,
    .fchmod = fchmod,
    .fsetxattr = fsetxattr,
    .fremovexattr = fremovexattr,
    .rename = rename,
    .renameat2 = renameat2,
    .link = link,
    .unlink = unlink,
    .unlinkat = unlinkat,
    .mkdir = mkdir,
    .mkdirat = mkdirat,
    .opendir = sys_opendir,
    .readdir = readdir,
    .closedir = closedir,
};

const ot_sysio *ot_sys = &ot_sys_default;

/* Drops the first done bytes from iov; returns the new start index. */
static int iov_advance(struct iovec *iov, int iovcnt, int i, size_t done)
{
    while (i < iovcnt && done >= iov[i].iov_len) {
        done -= iov[i].iov_len;
        i++;
    }
    if (i < iovcnt) {
        iov[i].iov_base = (char *)iov[i].iov_base + done;
        iov[i].iov_len -= done;
    }
    return i;
}

int ot_sys_pwritev_all(int fd, struct iovec *iov, int iovcnt, uint64_t off)
{
    int i = iov_advance(iov, iovcnt, 0, 0); /* skips leading empty entries */
    while (i < iovcnt) {
        int cnt = iovcnt - i < IOV_MAX ? iovcnt - i : IOV_MAX;
        ssize_t n = ot_sys->pwritev(fd, iov + i, cnt, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return OT_EIO;
        }
        off += (uint64_t)n;
        i = iov_advance(iov, iovcnt, i, (size_t)n);
    }
    return OT_OK;
}

int ot_sys_pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
    struct iovec iov = {(void *)buf, n};
    return ot_sys_pwritev_all(fd, &iov, 1, off);
}

int ot_sys_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = ot_sys->write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return OT_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return OT_OK;
}

int ot_sys_pread_full(int fd, void *buf, size_t n, uint64_t off, size_t *got)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = ot_sys->pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return OT_EIO;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    *got = done;
    return OT_OK;
}

int ot_sys_fsync_dir(const char *dir)
{
    int fd = ot_sys->open(dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0)
        return OT_EIO;
    int rc = ot_sys->fsync(fd) ? OT_EIO : OT_OK;
    int saved = errno;
    ot_sys->close(fd);
    errno = saved;
    return rc;
}

int ot_sys_mkdir_p(const char *path, mode_t mode)
{
    size_t n = strlen(path);
    if (n == 0 || n >= PATH_MAX) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return OT_EINVAL;
    }
    char tmp[PATH_MAX];
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (ot_sys->mkdir(tmp, mode) && errno != EEXIST)
            return OT_EIO;
        *p = '/';
    }
    if (ot_sys->mkdir(tmp, mode) && errno != EEXIST)
        return OT_EIO;
    return OT_OK;
}

int ot_sys_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                             bool keep_existing)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 1;
    if (strlen(path) + 16 >= sizeof tmp || dlen >= sizeof dir) {
        errno = ENAMETOOLONG;
        return OT_EIO;
    }
    memcpy(dir, slash ? path : ".", dlen);
    dir[dlen] = '\0';
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = ot_sys->mkstemp(tmp);
    if (fd < 0)
        return OT_EIO;
    int rc = ot_sys->fchmod(fd, mode) ? OT_EIO : ot_sys_pwrite_all(fd, data, len, 0);
    if (!rc && ot_sys->fsync(fd))
        rc = OT_EIO;
    int saved = errno;
    ot_sys->close(fd);
    if (!rc) {
        if (keep_existing)
            rc = ot_sys->link(tmp, path) && errno != EEXIST ? OT_EIO : OT_OK;
        else
            rc = ot_sys->rename(tmp, path) ? OT_EIO : OT_OK;
        saved = errno;
    }
    if (!rc)
        rc = ot_sys_fsync_dir(dir);
    else
        errno = saved;
    if (rc || keep_existing) {
        saved = errno;
        ot_sys->unlink(tmp);
        errno = saved;
    }
    return rc;
}
