/* vl_src_dir.c — a directory as the source: <dir> holds one bucket's objects (its AWSLogs/
 * tree), and other buckets a digest names are looked for beside it (<dir>/../<bucket>), which is
 * how <data-dir>/buckets/ and a few `aws s3 sync` copies side by side are laid out.
 *
 * Keys come from digests, which are untrusted: a key or bucket that could leave the tree is
 * treated as missing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/err.h"
#include "validate/vl_int.h"

void vl_meta_from_xattr(int fd, vl_obj *o);
void vl_meta_from_sidecar(int dirfd, const char *path, vl_obj *o);

typedef struct dir_source {
    vl_source base;
    char dir[PATH_MAX];
    char parent[PATH_MAX];
} dir_source;

static int bucket_dir(dir_source *d, const char *bucket, char *out, size_t cap)
{
    if (!strcmp(bucket, d->base.bucket)) {
        snprintf(out, cap, "%s", d->dir);
        return OT_OK;
    }
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    if ((size_t)snprintf(out, cap, "%s/%s", d->parent, bucket) >= cap)
        return OT_ENOTFOUND;
    return OT_OK;
}

static int walk(int fd0, ot_buf *path, const char *prefix, vl_strv *out)
{
    DIR *dp = fdopendir(fd0);
    if (!dp) {
        close(fd0);
        return OT_EIO;
    }
    struct dirent *e;
    int rc = OT_OK;
    size_t keep = path->len;
    while (!rc && (e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        path->len = keep;
        if ((rc = ot_buf_puts(path, e->d_name)))
            break;
        /* prune subtrees that cannot hold a key below prefix */
        size_t cmp = path->len < strlen(prefix) ? path->len : strlen(prefix);
        if (strncmp(path->data, prefix, cmp))
            continue;
        struct stat st;
        if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
            continue;
        if (S_ISDIR(st.st_mode)) {
            int fd = openat(dirfd(dp), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0 && !(rc = ot_buf_putc(path, '/')))
                rc = walk(fd, path, prefix, out);
        } else if (S_ISREG(st.st_mode) && !strncmp(path->data, prefix, strlen(prefix))) {
            rc = vl_strv_push(out, path->data);
        }
    }
    path->len = keep;
    path->data[keep] = '\0';
    closedir(dp);
    return rc;
}

static int dir_list(vl_source *s, const char *bucket, const char *prefix, vl_strv *out,
                    char *err, size_t errlen)
{
    dir_source *d = (dir_source *)s;
    char root[PATH_MAX];
    if (bucket_dir(d, bucket, root, sizeof root))
        return OT_OK;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open directory %s: %s", root, strerror(errno));
        return OT_EIO;
    }
    ot_buf path;
    ot_buf_init(&path, 64 * 1024);
    ot_buf_reserve(&path, 256);
    path.data[0] = '\0';
    int rc = walk(fd, &path, prefix ? prefix : "", out);
    ot_buf_free(&path);
    if (rc)
        snprintf(err, errlen, "cannot list %s: %s", root, ot_strerror(rc));
    vl_strv_sort(out);
    return rc;
}

static int dir_get(vl_source *s, const char *bucket, const char *key, bool meta, vl_obj *o,
                   char *err, size_t errlen)
{
    dir_source *d = (dir_source *)s;
    char root[PATH_MAX];
    if (!ot_store_key_valid(key, strlen(key)) || bucket_dir(d, bucket, root, sizeof root))
        return OT_ENOTFOUND;
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return OT_ENOTFOUND;
    int fd = openat(dfd, key, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    int rc = OT_OK;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        rc = OT_ENOTFOUND;
        goto out;
    }
    ot_buf_reset(&o->data);
    if ((rc = ot_buf_reserve(&o->data, (size_t)st.st_size))) {
        snprintf(err, errlen, "object too large (%lld bytes)", (long long)st.st_size);
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, o->data.data + got, (size_t)st.st_size - got, (off_t)got);
        if (n <= 0) {
            snprintf(err, errlen, "read error: %s", n < 0 ? strerror(errno) : "short file");
            rc = OT_EIO;
            goto out;
        }
        got += (size_t)n;
    }
    o->data.len = got;
    o->data.data[got] = '\0';
    o->has_sig = o->has_sigalg = o->has_backfill_ts = false;
    if (meta) {
        vl_meta_from_xattr(fd, o);
        if (!o->has_sig && !o->has_sigalg)
            vl_meta_from_sidecar(dfd, key, o);
    }
out:
    if (fd >= 0)
        close(fd);
    close(dfd);
    return rc;
}

static void dir_close(vl_source *s)
{
    free(s);
}

static const vl_source_ops dir_ops = {dir_list, dir_get, dir_close, NULL};

int vl_src_dir_open(const char *dir, const char *bucket, vl_source **out, char *err, size_t errlen)
{
    dir_source *d = calloc(1, sizeof *d);
    if (!d)
        return OT_ENOMEM;
    d->base.ops = &dir_ops;
    if (!realpath(dir, d->dir)) {
        snprintf(err, errlen, "cannot open directory %s: %s", dir, strerror(errno));
        free(d);
        return OT_EIO;
    }
    snprintf(d->parent, sizeof d->parent, "%s", d->dir);
    char *slash = strrchr(d->parent, '/');
    const char *base = strrchr(d->dir, '/') + 1;
    if (slash)
        slash == d->parent ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
    snprintf(d->base.bucket, sizeof d->base.bucket, "%s", bucket ? bucket : base);
    *out = &d->base;
    return OT_OK;
}
