/* store_local_policy.c — who owns a bucket and its policy document, in the local backend.
 *
 * The owner is an extended attribute of the bucket's directory, set before the directory gets
 * its name: a bucket is built in <root>/.tmp with its creation time and owner, fsynced, then
 * renamed into place with RENAME_NOREPLACE. No request (and no crash) ever sees a bucket without
 * its owner, and two accounts racing to create one name cannot both win.
 *
 * A policy can be 20 KB, more than one extended attribute may hold on ext4, so it is a file of
 * its own, <root>/.policy/<bucket>, replaced atomically (temp file, fsync, rename, fsync). Bucket
 * creation and deletion remove a policy left by an earlier bucket of the same name. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "store/local_int.h"
#include "sys/sysio.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/timeutil.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define POLICY_FILE_MAX (1024 * 1024) /* far above S3's 20 KB: a guard against a planted file */

static struct local_store *L(ot_store *s) { return (struct local_store *)s; }

/* Makes the bucket directory tmp/<name> with its attributes and fsyncs it. */
static int build_bucket_dir(struct local_store *ls, const char *name, const char *owner)
{
    char created[24];
    int n = snprintf(created, sizeof created, "%" PRId64, ot_now_ms());
    if (ot_sys->mkdirat(ls->tmpfd, name, 0700) != 0)
        return local_errno_code(errno);
    int fd = ot_sys->openat(ls->tmpfd, name, DIR_FLAGS, 0), rc;
    if (fd < 0)
        return local_errno_code(errno);
    if (ot_sys->fsetxattr(fd, LOCAL_XATTR_BUCKET, created, (size_t)n, 0) != 0 ||
        (owner && ot_sys->fsetxattr(fd, LOCAL_XATTR_OWNER, owner, strlen(owner), 0) != 0))
        rc = local_errno_code(errno);
    else
        rc = local_fsync(fd);
    ot_sys->close(fd);
    return rc;
}

int local_bucket_create(ot_store *s, const char *bucket, const char *owner)
{
    struct local_store *ls = L(s);
    char name[40];
    int fd, rc;
    ot_random_alnum(name, 24);
    memcpy(name + 24, ".bkt", 5);
    pthread_rwlock_wrlock(&ls->lock);
    if (local_open_bucket(ls, bucket, &fd) == OT_OK) {
        close(fd);
        rc = OT_EEXIST;
        goto out;
    }
    if ((rc = build_bucket_dir(ls, name, owner)) || (rc = local_policy_delete(s, bucket)) ||
        (rc = local_history_drop(ls, bucket)))
        goto out;
    int r = ot_sys->renameat2(ls->tmpfd, name, ls->rootfd, bucket, RENAME_NOREPLACE);
    if (r != 0 && errno == EINVAL) /* a file system without RENAME_NOREPLACE: the name was */
        r = ot_sys->renameat2(ls->tmpfd, name, ls->rootfd, bucket, 0); /* free above, locked */
    if (r != 0)
        rc = errno == EEXIST || errno == ENOTEMPTY ? OT_EEXIST : local_errno_code(errno);
    else if (!(rc = local_fsync(ls->rootfd)))
        rc = local_fsync(ls->tmpfd);
out:
    if (rc)
        ot_sys->unlinkat(ls->tmpfd, name, AT_REMOVEDIR);
    pthread_rwlock_unlock(&ls->lock);
    return rc;
}

int local_bucket_owner(ot_store *s, const char *bucket, char owner[16])
{
    int fd, rc = local_open_bucket(L(s), bucket, &fd);
    if (rc)
        return rc;
    ssize_t n = fgetxattr(fd, LOCAL_XATTR_OWNER, owner, 15);
    int err = errno;
    close(fd);
    if (n < 0) {
        owner[0] = '\0';
        return err == ENODATA ? OT_OK : OT_EIO;
    }
    owner[n] = '\0';
    return OT_OK;
}

int local_policy_get(ot_store *s, const char *bucket, char **json, size_t *len)
{
    struct local_store *ls = L(s);
    struct stat st;
    int fd = openat(ls->policyfd, bucket, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ELOOP ? OT_ENOTFOUND : OT_EIO;
    int rc = OT_EIO;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > POLICY_FILE_MAX)
        goto out;
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = OT_ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *json = buf, *len = got, buf = NULL;
    rc = OT_OK;
out:
    free(buf);
    close(fd);
    return rc;
}

int local_policy_put(ot_store *s, const char *bucket, const char *json, size_t len)
{
    struct local_store *ls = L(s);
    char name[32];
    int bfd, rc;
    ot_random_alnum(name, 24);
    memcpy(name + 24, ".pol", 5);
    pthread_rwlock_rdlock(&ls->lock); /* the bucket cannot be deleted meanwhile */
    if ((rc = local_open_bucket(ls, bucket, &bfd)))
        goto unlock;
    close(bfd);
    int fd = ot_sys->openat(ls->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        rc = local_errno_code(errno);
        goto unlock;
    }
    rc = local_write_all(fd, json, len);
    if (rc == 0)
        rc = local_fsync(fd);
    ot_sys->close(fd);
    if (rc == 0 && ot_sys->renameat2(ls->tmpfd, name, ls->policyfd, bucket, 0) != 0)
        rc = local_errno_code(errno);
    if (rc)
        ot_sys->unlinkat(ls->tmpfd, name, 0);
    else
        rc = local_fsync(ls->policyfd);
unlock:
    pthread_rwlock_unlock(&ls->lock);
    return rc;
}

int local_policy_delete(ot_store *s, const char *bucket)
{
    struct local_store *ls = L(s);
    if (ot_sys->unlinkat(ls->policyfd, bucket, 0) != 0)
        return errno == ENOENT ? OT_OK : local_errno_code(errno);
    return local_fsync(ls->policyfd);
}
