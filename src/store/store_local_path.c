/* store_local_path.c — mapping keys to directory entries without ever leaving the bucket.
 *
 * Every component is opened relative to its parent with O_NOFOLLOW, so neither a symlink planted
 * inside a bucket nor a racing rename can make a lookup or a write land outside it. Keys reaching
 * this file were already checked by ot_store_key_valid (no "", "." or ".." segments). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/local_int.h"
#include "sys/sysio.h"
#include "util/err.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int local_open_bucket(struct local_store *ls, const char *bucket, int *fd)
{
    *fd = openat(ls->rootfd, bucket, DIR_FLAGS);
    if (*fd >= 0)
        return OT_OK;
    return (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) ? OT_ENOTFOUND
                                                                   : local_errno_code(errno);
}

/* Opens (creating if asked) the directory seg below dfd; returns the new fd or a negative code. */
static int step(int dfd, const char *seg, bool create)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = openat(dfd, seg, DIR_FLAGS);
        if (fd >= 0)
            return fd;
        if (errno == ENAMETOOLONG)
            return OT_ELIMIT;
        if (errno == ENOTDIR || errno == ELOOP)
            return create ? OT_EEXIST : OT_ENOTFOUND;
        if (errno != ENOENT)
            return local_errno_code(errno);
        if (!create)
            return OT_ENOTFOUND;
        if (ot_sys->mkdirat(dfd, seg, 0700) != 0 && errno != EEXIST)
            return errno == ENAMETOOLONG ? OT_ELIMIT : local_errno_code(errno);
        int rc = local_fsync(dfd); /* the new entry must survive a crash before we rename into it */
        if (rc)
            return rc;
    }
    return OT_EIO;
}

static int copy_seg(char *out, const char *p, size_t n)
{
    if (n == 0 || n > 255)
        return n ? OT_ELIMIT : OT_EINVAL;
    memcpy(out, p, n);
    out[n] = '\0';
    return OT_OK;
}

static int walk(int fd, const char *path, size_t len, bool create, int *out)
{
    char seg[256];
    int cur = dup(fd);
    if (cur < 0)
        return OT_EIO;
    size_t i = 0;
    while (i < len) {
        const char *slash = memchr(path + i, '/', len - i);
        size_t n = slash ? (size_t)(slash - (path + i)) : len - i;
        int rc = copy_seg(seg, path + i, n);
        if (rc) {
            close(cur);
            return rc;
        }
        int next = step(cur, seg, create);
        close(cur);
        if (next < 0)
            return next;
        cur = next;
        i += n + 1;
    }
    *out = cur;
    return OT_OK;
}

int local_open_dirpath(int fd, const char *path, size_t len, int *out)
{
    return walk(fd, path, len, false, out);
}

int local_locate(int bucketfd, const char *key, bool create, local_loc *loc)
{
    size_t len = strlen(key);
    memset(loc, 0, sizeof *loc);
    loc->dirfd = -1;
    loc->is_dir_marker = key[len - 1] == '/';
    size_t end = loc->is_dir_marker ? len - 1 : len;
    const char *last = memrchr(key, '/', end);
    size_t dirlen = last ? (size_t)(last - key) : 0;
    const char *leaf = last ? last + 1 : key;
    int rc = copy_seg(loc->leaf, leaf, (size_t)(key + end - leaf));
    if (rc)
        return rc;
    return walk(bucketfd, key, dirlen, create, &loc->dirfd);
}

void local_loc_close(local_loc *loc)
{
    if (loc->dirfd >= 0)
        close(loc->dirfd);
    loc->dirfd = -1;
}

DIR *local_opendir(int dfd)
{
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return NULL;
    }
    rewinddir(d); /* the duplicate shares dfd's offset, which an earlier reader may have moved */
    return d;
}
