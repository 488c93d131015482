/* store_local_pab.c — a bucket's Block Public Access configuration in the local backend.
 *
 * Four bits fit an extended attribute of the bucket's directory (LOCAL_XATTR_PAB, one decimal
 * digit string "0".."15"), so the configuration lives and dies with the directory: a re-created
 * bucket starts without one, as on S3. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "store/local_int.h"
#include "sys/sysio.h"
#include "util/err.h"

static struct local_store *L(ot_store *s) { return (struct local_store *)s; }

int local_pab_get(ot_store *s, const char *bucket, unsigned *flags)
{
    char buf[8];
    int fd, rc = local_open_bucket(L(s), bucket, &fd);
    if (rc)
        return rc;
    ssize_t n = fgetxattr(fd, LOCAL_XATTR_PAB, buf, sizeof buf - 1);
    int err = errno;
    close(fd);
    if (n < 0)
        return err == ENODATA ? OT_ENOTFOUND : OT_EIO;
    buf[n] = '\0';
    char *end;
    unsigned long v = strtoul(buf, &end, 10);
    if (end == buf || *end || v > OT_PAB_ALL) /* set by hand: refuse rather than guess */
        return OT_EIO;
    *flags = (unsigned)v;
    return OT_OK;
}

/* Runs change on the bucket directory under the store's shared lock, then fsyncs it. */
static int on_bucket_dir(ot_store *s, const char *bucket, unsigned flags, bool remove)
{
    struct local_store *ls = L(s);
    int fd, rc;
    pthread_rwlock_rdlock(&ls->lock); /* the bucket cannot be deleted meanwhile */
    if ((rc = local_open_bucket(ls, bucket, &fd)))
        goto unlock;
    char v[8];
    int n = snprintf(v, sizeof v, "%u", flags);
    int r = remove ? ot_sys->fremovexattr(fd, LOCAL_XATTR_PAB)
                   : ot_sys->fsetxattr(fd, LOCAL_XATTR_PAB, v, (size_t)n, 0);
    if (r != 0 && !(remove && errno == ENODATA))
        rc = local_errno_code(errno);
    else
        rc = local_fsync(fd);
    close(fd);
unlock:
    pthread_rwlock_unlock(&ls->lock);
    return rc;
}

int local_pab_put(ot_store *s, const char *bucket, unsigned flags)
{
    return on_bucket_dir(s, bucket, flags, false);
}

int local_pab_delete(ot_store *s, const char *bucket)
{
    int rc = on_bucket_dir(s, bucket, 0, true);
    return rc == OT_ENOTFOUND ? OT_OK : rc;
}
