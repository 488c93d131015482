/* sysio.h — the file system calls that make data durable (the WAL, the local object store,
 * history segments, signing keys, quarantined log files), through one table that tests can
 * replace to inject faults (a failing fsync, short writes, ENOSPC), as SQLite's os_unix.c does
 * with aSyscall[]. Calls that only read (fstatat, fgetxattr, readdir of a listing) may go to
 * libc directly.
 *
 * Production code calls ot_sys->fn(...). A test copies ot_sys_default, overrides some members,
 * points ot_sys at its copy and restores ot_sys = &ot_sys_default afterwards. The table is read
 * without locking: swap it only while no other thread is doing I/O through it. Every member has
 * the libc signature and errno convention of the call it wraps. */
#ifndef OT_SYSIO_H
#define OT_SYSIO_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct ot_sysio {
    int (*open)(const char *path, int flags, mode_t mode);   /* adds O_CLOEXEC */
    int (*openat)(int dirfd, const char *path, int flags, mode_t mode); /* adds O_CLOEXEC */
    int (*mkstemp)(char *template);
    int (*close)(int fd);
    ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
    ssize_t (*write)(int fd, const void *buf, size_t n);
    ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
    ssize_t (*pwritev)(int fd, const struct iovec *iov, int iovcnt, off_t off);
    int (*fdatasync)(int fd);
    int (*fsync)(int fd);
    int (*ftruncate)(int fd, off_t len);
    int (*fstat)(int fd, struct stat *st);
    int (*flock)(int fd, int op);
    int (*fchmod)(int fd, mode_t mode);
    int (*fsetxattr)(int fd, const char *name, const void *value, size_t n, int flags);
    int (*fremovexattr)(int fd, const char *name);
    int (*rename)(const char *from, const char *to);
    int (*renameat2)(int olddirfd, const char *from, int newdirfd, const char *to,
                     unsigned flags); /* flags 0 is renameat */
    int (*link)(const char *from, const char *to);
    int (*unlink)(const char *path);
    int (*unlinkat)(int dirfd, const char *path, int flags);
    int (*mkdir)(const char *path, mode_t mode);
    int (*mkdirat)(int dirfd, const char *path, mode_t mode);
    DIR *(*opendir)(const char *path);
    struct dirent *(*readdir)(DIR *d);
    int (*closedir)(DIR *d);
} ot_sysio;

extern const ot_sysio ot_sys_default; /* the real calls */
extern const ot_sysio *ot_sys;        /* the table in use; &ot_sys_default unless a test swaps it */

/* Helpers over the table. Each returns 0 or OT_EIO with errno set (EIO for a write that made no
 * progress). */
int ot_sys_pwritev_all(int fd, struct iovec *iov, int iovcnt, uint64_t off); /* retries short writes; clobbers iov */
int ot_sys_pwrite_all(int fd, const void *buf, size_t n, uint64_t off);
int ot_sys_write_all(int fd, const void *buf, size_t n); /* at the file offset */
/* Reads up to n bytes at off, retrying short reads; *got < n only at end of file. */
int ot_sys_pread_full(int fd, void *buf, size_t n, uint64_t off, size_t *got);
int ot_sys_fsync_dir(const char *dir);
int ot_sys_mkdir_p(const char *path, mode_t mode); /* like mkdir -p */
/* Writes a whole file so that a crash leaves the old file or the complete new one: a temporary
 * file in the same directory (mode), fsync, rename over path — or, with keep_existing, link
 * into place so a file created meanwhile is never replaced (that is not an error) — then
 * fsync of the directory. */
int ot_sys_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                             bool keep_existing);

#endif
