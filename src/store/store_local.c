/* store_local.c — the local-directory object store backend (layout described in local_int.h).
 *
 * A put writes the data and its metadata attribute to a temp file in <root>/.tmp, fsyncs it,
 * renames it over the key's path and fsyncs the directory: readers see the old object or the new
 * one, and a put that returned 0 survives a crash. Every call that changes the disk goes through
 * ot_sys (sys/sysio.h), so tests can fail it. Limitation: a file system cannot hold both a
 * file "a" and a key "a/b" (or the folder marker "a/"): such a put fails with OT_EEXIST. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "store/local_int.h"
#include "sys/sysio.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/vec.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define STALE_TMP_S 3600

static struct local_store *L(ot_store *s) { return (struct local_store *)s; }

struct local_reader {
    struct ot_store_reader base;
    int fd;
};

int local_errno_code(int err)
{
    switch (err) {
    case ENOSPC: case EDQUOT: case EAGAIN: case EINTR: case EMFILE: case ENFILE: case ENOMEM:
        return OT_EAGAIN; /* clears by itself: a full disk is not a size limit of the object */
    default:
        return OT_EIO;
    }
}

int local_write_all(int fd, const void *data, size_t len)
{
    return ot_sys_write_all(fd, data, len) ? local_errno_code(errno) : OT_OK;
}

int local_fsync(int fd) { return ot_sys->fsync(fd) ? local_errno_code(errno) : OT_OK; }

static int xattr_error(void) { return errno == E2BIG ? OT_ELIMIT : local_errno_code(errno); }

/* The metadata record for a new object: computed ETag and mtime, the caller's type and meta. */
static int build_record(const void *data, size_t len, const ot_object_info *in, char *rec,
                        size_t *reclen)
{
    ot_object_info info;
    uint8_t md[16];
    memset(&info, 0, sizeof info);
    if (in) {
        memcpy(info.content_type, in->content_type, sizeof info.content_type);
        info.content_type[sizeof info.content_type - 1] = '\0';
        info.nmeta = in->nmeta > OT_STORE_MAX_META ? OT_STORE_MAX_META : in->nmeta;
        memcpy(info.meta, in->meta, info.nmeta * sizeof info.meta[0]);
    }
    ot_md5(data, len, md);
    ot_hex(md, sizeof md, info.etag);
    info.mtime_ms = ot_now_ms();
    return local_meta_encode(&info, rec, LOCAL_META_MAX, reclen);
}

static int put_marker(local_loc *loc, const char *rec, size_t reclen)
{
    int fd = -1, rc = OT_OK;
    for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
        fd = ot_sys->openat(loc->dirfd, loc->leaf, DIR_FLAGS, 0);
        if (fd >= 0)
            break;
        if (errno == ENOTDIR || errno == ELOOP)
            return OT_EEXIST;
        if (errno != ENOENT ||
            (ot_sys->mkdirat(loc->dirfd, loc->leaf, 0700) != 0 && errno != EEXIST))
            return local_errno_code(errno);
        if ((rc = local_fsync(loc->dirfd)))
            return rc;
    }
    if (fd < 0)
        return OT_EIO;
    if (ot_sys->fsetxattr(fd, LOCAL_XATTR_OBJECT, rec, reclen, 0) != 0)
        rc = xattr_error();
    else
        rc = local_fsync(fd);
    ot_sys->close(fd);
    return rc;
}

static int put_file(struct local_store *ls, local_loc *loc, const void *data, size_t len,
                    const char *rec, size_t reclen)
{
    char name[32];
    ot_random_alnum(name, 24);
    memcpy(name + 24, ".tmp", 5);
    int fd = ot_sys->openat(ls->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return local_errno_code(errno);
    int rc = local_write_all(fd, data, len);
    if (rc == 0 && ot_sys->fsetxattr(fd, LOCAL_XATTR_OBJECT, rec, reclen, 0) != 0)
        rc = xattr_error();
    if (rc == 0)
        rc = local_fsync(fd); /* before the rename: the name never points at unsynced data */
    ot_sys->close(fd);
    if (rc == 0 && ot_sys->renameat2(ls->tmpfd, name, loc->dirfd, loc->leaf, 0) != 0) {
        if (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR)
            rc = OT_EEXIST; /* a directory holds deeper keys under this name */
        else
            rc = errno == ENAMETOOLONG ? OT_ELIMIT : local_errno_code(errno);
    }
    if (rc) {
        ot_sys->unlinkat(ls->tmpfd, name, 0);
        return rc;
    }
    return local_fsync(loc->dirfd);
}

static int local_put(ot_store *s, const char *bucket, const char *key, const void *data,
                     size_t len, const ot_object_info *info)
{
    struct local_store *ls = L(s);
    char rec[LOCAL_META_MAX];
    size_t reclen;
    int bfd = -1, rc;
    local_loc loc = {.dirfd = -1};
    if ((rc = build_record(data, len, info, rec, &reclen)))
        return rc;
    pthread_rwlock_rdlock(&ls->lock);
    if ((rc = local_open_bucket(ls, bucket, &bfd)))
        goto out;
    if ((rc = local_locate(bfd, key, true, &loc)))
        goto out;
    if (loc.is_dir_marker)
        rc = len ? OT_EINVAL : put_marker(&loc, rec, reclen); /* markers carry no data */
    else
        rc = put_file(ls, &loc, data, len, rec, reclen);
out:
    pthread_rwlock_unlock(&ls->lock);
    local_loc_close(&loc);
    if (bfd >= 0)
        close(bfd);
    return rc;
}

static int open_entry(local_loc *loc, int *fd)
{
    struct stat st;
    if (loc->is_dir_marker)
        *fd = ot_sys->openat(loc->dirfd, loc->leaf, DIR_FLAGS, 0);
    else
        *fd = ot_sys->openat(loc->dirfd, loc->leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
    if (*fd < 0)
        return (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) ? OT_ENOTFOUND
                                                                       : local_errno_code(errno);
    if (fstat(*fd, &st) != 0 || (!loc->is_dir_marker && !S_ISREG(st.st_mode))) {
        ot_sys->close(*fd);
        *fd = -1;
        return OT_ENOTFOUND;
    }
    return OT_OK;
}

/* Opens the object's entry and reads its metadata; *fd is the open entry. */
static int open_object(struct local_store *ls, const char *bucket, const char *key, int *fd,
                       ot_object_info *info)
{
    int bfd = -1, rc;
    local_loc loc = {.dirfd = -1};
    *fd = -1;
    memset(info, 0, sizeof *info);
    if ((rc = local_open_bucket(ls, bucket, &bfd)))
        goto out;
    if ((rc = local_locate(bfd, key, false, &loc)))
        goto out;
    if ((rc = open_entry(&loc, fd)))
        goto out;
    if ((rc = local_meta_read(*fd, info))) {
        ot_sys->close(*fd);
        *fd = -1;
    }
out:
    if (rc == OT_ELIMIT)
        rc = OT_ENOTFOUND; /* a name too long to store cannot exist */
    local_loc_close(&loc);
    if (bfd >= 0)
        close(bfd);
    return rc;
}

static const struct ot_store_ops local_ops;

static int local_reader_open(ot_store *s, const char *bucket, const char *key,
                             ot_store_reader **out, ot_object_info *info)
{
    struct local_reader *r = calloc(1, sizeof *r);
    if (!r)
        return OT_ENOMEM;
    int rc = open_object(L(s), bucket, key, &r->fd, info);
    if (rc) {
        free(r);
        return rc;
    }
    r->base.ops = &local_ops;
    *out = &r->base;
    return OT_OK;
}

static int local_reader_read(ot_store_reader *base, uint64_t off, void *buf, size_t n,
                             size_t *got)
{
    struct local_reader *r = (struct local_reader *)base;
    if (ot_sys_pread_full(r->fd, buf, n, off, got) == OT_OK)
        return OT_OK;
    /* a folder marker is a directory: it reads as empty */
    return errno == EISDIR ? (*got = 0, OT_OK) : local_errno_code(errno);
}

static int local_reader_fd(const ot_store_reader *base)
{
    return ((const struct local_reader *)base)->fd;
}

static void local_reader_close(ot_store_reader *base)
{
    struct local_reader *r = (struct local_reader *)base;
    ot_sys->close(r->fd);
    free(r);
}

/* Removes the now-empty directories that held key, bottom up, stopping at a folder marker or a
 * non-empty directory. Runs with the lock held exclusively. */
static void prune(int bfd, const char *key)
{
    size_t len = strlen(key);
    size_t end;
    if (key[len - 1] == '/') {
        end = len - 1; /* a folder marker: its own directory goes first */
    } else {
        const char *sl = memrchr(key, '/', len);
        end = sl ? (size_t)(sl - key) : 0;
    }
    while (end > 0) {
        const char *slash = memrchr(key, '/', end);
        size_t plen = slash ? (size_t)(slash - key) : 0;
        const char *name = slash ? slash + 1 : key;
        char leaf[256];
        int pfd, dfd;
        if ((size_t)(key + end - name) > 255 || local_open_dirpath(bfd, key, plen, &pfd))
            return;
        memcpy(leaf, name, (size_t)(key + end - name));
        leaf[key + end - name] = '\0';
        dfd = openat(pfd, leaf, DIR_FLAGS);
        bool marked = dfd >= 0 && fgetxattr(dfd, LOCAL_XATTR_OBJECT, NULL, 0) >= 0;
        if (dfd >= 0)
            close(dfd);
        bool removed = dfd >= 0 && !marked && ot_sys->unlinkat(pfd, leaf, AT_REMOVEDIR) == 0;
        if (removed)
            ot_sys->fsync(pfd); /* best effort: an empty directory coming back is harmless */
        close(pfd);
        if (!removed)
            return;
        end = plen;
    }
}

static int delete_entry(local_loc *loc)
{
    if (loc->is_dir_marker) {
        int fd = ot_sys->openat(loc->dirfd, loc->leaf, DIR_FLAGS, 0);
        if (fd < 0)
            return OT_ENOTFOUND;
        int rc = ot_sys->fremovexattr(fd, LOCAL_XATTR_OBJECT) == 0
                     ? local_fsync(fd)
                     : (errno == ENODATA ? OT_ENOTFOUND : local_errno_code(errno));
        ot_sys->close(fd);
        return rc;
    }
    struct stat st;
    if (fstatat(loc->dirfd, loc->leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return OT_ENOTFOUND; /* absent, a directory or a planted symlink: no object here */
    if (ot_sys->unlinkat(loc->dirfd, loc->leaf, 0) != 0)
        return errno == ENOENT ? OT_ENOTFOUND : local_errno_code(errno);
    return local_fsync(loc->dirfd);
}

static int local_delete(ot_store *s, const char *bucket, const char *key)
{
    struct local_store *ls = L(s);
    int bfd = -1, rc;
    local_loc loc = {.dirfd = -1};
    if ((rc = local_open_bucket(ls, bucket, &bfd)))
        return rc;
    pthread_rwlock_rdlock(&ls->lock);
    rc = local_locate(bfd, key, false, &loc);
    if (rc == 0)
        rc = delete_entry(&loc);
    local_loc_close(&loc);
    pthread_rwlock_unlock(&ls->lock);
    if (rc == 0) {
        pthread_rwlock_wrlock(&ls->lock);
        prune(bfd, key);
        pthread_rwlock_unlock(&ls->lock);
    }
    close(bfd);
    return (rc == OT_ENOTFOUND || rc == OT_ELIMIT) ? OT_OK : rc; /* S3: deleting nothing is ok */
}

static int local_bucket_exists(ot_store *s, const char *bucket)
{
    int fd;
    int rc = local_open_bucket(L(s), bucket, &fd);
    if (rc == 0)
        close(fd);
    return rc;
}

/* Empties a directory that holds no object: subdirectories and non-object entries (planted
 * symlinks, fifos) go; a regular file means an object and stops it with OT_EEXIST. */
static int remove_tree(int dfd)
{
    DIR *d = local_opendir(dfd);
    struct dirent *e;
    int rc = OT_OK;
    if (!d)
        return OT_EIO;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode)) {
            rc = OT_EEXIST;
        } else if (S_ISDIR(st.st_mode)) {
            int cfd = openat(dfd, e->d_name, DIR_FLAGS);
            rc = cfd < 0 ? OT_EIO : remove_tree(cfd);
            if (cfd >= 0)
                close(cfd);
            if (rc == 0 && ot_sys->unlinkat(dfd, e->d_name, AT_REMOVEDIR) != 0)
                rc = local_errno_code(errno);
        } else if (ot_sys->unlinkat(dfd, e->d_name, 0) != 0) {
            rc = local_errno_code(errno);
        }
    }
    closedir(d);
    return rc;
}

static int local_bucket_delete(ot_store *s, const char *bucket)
{
    struct local_store *ls = L(s);
    int fd = -1, rc;
    pthread_rwlock_wrlock(&ls->lock);
    if ((rc = local_open_bucket(ls, bucket, &fd)))
        goto out;
    if (local_dir_has_object(fd)) {
        rc = OT_EEXIST;
        goto out;
    }
    if ((rc = remove_tree(fd)))
        goto out;
    if (ot_sys->unlinkat(ls->rootfd, bucket, AT_REMOVEDIR) != 0)
        rc = local_errno_code(errno);
    else
        rc = local_fsync(ls->rootfd);
    if (rc == 0) /* the next bucket of this name starts without a policy */
        rc = local_policy_delete(s, bucket);
out:
    pthread_rwlock_unlock(&ls->lock);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int64_t bucket_created(int rootfd, const char *name, const struct stat *st)
{
    char buf[24];
    int fd = openat(rootfd, name, DIR_FLAGS);
    ssize_t n = fd >= 0 ? fgetxattr(fd, LOCAL_XATTR_BUCKET, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0) /* made by hand: the directory's own time is the best we have */
        return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
    buf[n] = '\0';
    return strtoll(buf, NULL, 10);
}

static int cmp_bucket(const void *a, const void *b)
{
    return strcmp(((const ot_bucket_info *)a)->name, ((const ot_bucket_info *)b)->name);
}

static int local_bucket_list(ot_store *s, ot_bucket_info **out, size_t *n)
{
    struct local_store *ls = L(s);
    DIR *d = local_opendir(ls->rootfd);
    ot_bucket_info *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    *out = NULL;
    *n = 0;
    if (!d)
        return OT_EIO;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!ot_store_bucket_name_valid(e->d_name) ||
            fstatat(ls->rootfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (OT_VEC_GROW(v, cap, cnt + 1)) {
            free(v);
            closedir(d);
            return OT_ENOMEM;
        }
        memcpy(v[cnt].name, e->d_name, strlen(e->d_name) + 1); /* valid names are <= 63 */
        v[cnt].created_ms = bucket_created(ls->rootfd, e->d_name, &st);
        cnt++;
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_bucket);
    *out = v;
    *n = cnt;
    return OT_OK;
}

static void local_close(ot_store *s)
{
    struct local_store *ls = L(s);
    close(ls->rootfd);
    close(ls->tmpfd);
    close(ls->policyfd);
    close(ls->historyfd);
    pthread_mutex_destroy(&ls->policy_lock);
    pthread_rwlock_destroy(&ls->lock);
    free(ls);
}

static const struct ot_store_ops local_ops = {
    .name = "local",
    .close = local_close,
    .bucket_create = local_bucket_create,
    .bucket_exists = local_bucket_exists,
    .bucket_delete = local_bucket_delete,
    .bucket_list = local_bucket_list,
    .bucket_owner = local_bucket_owner,
    .policy_get = local_policy_get,
    .policy_put = local_policy_put,
    .policy_delete = local_policy_delete,
    .policy_set = local_policy_set,
    .policy_history = local_policy_history,
    .pab_get = local_pab_get,
    .pab_put = local_pab_put,
    .pab_delete = local_pab_delete,
    .put = local_put,
    .reader_open = local_reader_open,
    .reader_read = local_reader_read,
    .reader_fd = local_reader_fd,
    .reader_close = local_reader_close,
    .delete = local_delete,
    .list = local_list,
};

/* Temp files left by a crash mid-put; old ones only, another process may be writing now. */
static void clean_stale_tmp(int tmpfd)
{
    DIR *d = local_opendir(tmpfd);
    struct dirent *e;
    time_t now = time(NULL);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(tmpfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            now - st.st_mtim.tv_sec <= STALE_TMP_S)
            continue;
        if (S_ISREG(st.st_mode))
            ot_sys->unlinkat(tmpfd, e->d_name, 0);
        else if (S_ISDIR(st.st_mode)) /* a bucket being created (empty until renamed) */
            ot_sys->unlinkat(tmpfd, e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

/* The metadata lives in user xattrs: refuse to start on a file system without them rather than
 * lose every object's ETag and Content-Type. */
static int probe_xattr(int fd)
{
    if (ot_sys->fsetxattr(fd, "user.opentrail.probe", "1", 1, 0) != 0) {
        ot_error("object store: the file system refuses user extended attributes (%s); "
                 "use ext4, xfs, btrfs or tmpfs >= 6.6 for the data directory",
                 strerror(errno));
        return OT_EIO;
    }
    ot_sys->fremovexattr(fd, "user.opentrail.probe");
    return OT_OK;
}

int ot_store_open_local(const char *dir, ot_store **out)
{
    struct local_store *ls = NULL;
    int rc = OT_EIO;
    *out = NULL;
    if ((rc = ot_sys_mkdir_p(dir, 0700)))
        return rc;
    ls = calloc(1, sizeof *ls);
    if (!ls)
        return OT_ENOMEM;
    ls->base.ops = &local_ops;
    ls->tmpfd = -1;
    ls->policyfd = -1;
    ls->historyfd = -1;
    ls->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    rc = OT_EIO;
    if (ls->rootfd < 0)
        goto out;
    if (ot_sys->mkdirat(ls->rootfd, LOCAL_TMP_DIR, 0700) != 0 && errno != EEXIST)
        goto out;
    ls->tmpfd = ot_sys->openat(ls->rootfd, LOCAL_TMP_DIR, DIR_FLAGS, 0);
    if (ls->tmpfd < 0 || (rc = probe_xattr(ls->tmpfd)))
        goto out;
    rc = OT_EIO;
    if (ot_sys->mkdirat(ls->rootfd, LOCAL_POLICY_DIR, 0700) != 0 && errno != EEXIST)
        goto out;
    if ((ls->policyfd = ot_sys->openat(ls->rootfd, LOCAL_POLICY_DIR, DIR_FLAGS, 0)) < 0)
        goto out;
    if (ot_sys->mkdirat(ls->rootfd, LOCAL_HISTORY_DIR, 0700) != 0 && errno != EEXIST)
        goto out;
    if ((ls->historyfd = ot_sys->openat(ls->rootfd, LOCAL_HISTORY_DIR, DIR_FLAGS, 0)) < 0)
        goto out;
    clean_stale_tmp(ls->tmpfd);
    pthread_rwlock_init(&ls->lock, NULL);
    pthread_mutex_init(&ls->policy_lock, NULL);
    *out = &ls->base;
    return OT_OK;
out:
    if (ls->rootfd >= 0)
        close(ls->rootfd);
    if (ls->tmpfd >= 0)
        close(ls->tmpfd);
    if (ls->policyfd >= 0)
        close(ls->policyfd);
    if (ls->historyfd >= 0)
        close(ls->historyfd);
    free(ls);
    return rc;
}
