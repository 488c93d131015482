/* store_local_meta.c — the object metadata record kept in an extended attribute.
 *
 * Format: "OT1\0" etag "\0" content-type "\0" mtime-ms "\0" then name "\0" value "\0" per user
 * metadata entry. One attribute means one read per object and one atomic replacement per put. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "store/local_int.h"
#include "util/crypto.h"
#include "util/err.h"

#define MAGIC "OT1"

static int put_str(char *out, size_t cap, size_t *off, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > cap - *off)
        return OT_ELIMIT;
    memcpy(out + *off, s, n);
    *off += n;
    return OT_OK;
}

int local_meta_encode(const ot_object_info *info, char *out, size_t cap, size_t *len)
{
    char mtime[24];
    size_t off = 0;
    int rc;
    snprintf(mtime, sizeof mtime, "%" PRId64, info->mtime_ms);
    if ((rc = put_str(out, cap, &off, MAGIC)) || (rc = put_str(out, cap, &off, info->etag)) ||
        (rc = put_str(out, cap, &off, info->content_type)) ||
        (rc = put_str(out, cap, &off, mtime)))
        return rc;
    for (size_t i = 0; i < info->nmeta; i++) {
        if ((rc = put_str(out, cap, &off, info->meta[i].name)) ||
            (rc = put_str(out, cap, &off, info->meta[i].value)))
            return rc;
    }
    *len = off;
    return OT_OK;
}

/* Next NUL-terminated field of rec, or NULL at the end / on a field without its NUL. */
static const char *field(const char *rec, size_t len, size_t *off)
{
    if (*off >= len)
        return NULL;
    const char *s = rec + *off;
    const char *nul = memchr(s, '\0', len - *off);
    if (!nul)
        return NULL;
    *off += (size_t)(nul - s) + 1;
    return s;
}

static void copy_capped(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

int local_meta_decode(const char *rec, size_t len, ot_object_info *info)
{
    size_t off = 0;
    const char *magic = field(rec, len, &off), *etag = field(rec, len, &off);
    const char *ct = field(rec, len, &off), *mtime = field(rec, len, &off);
    if (!magic || strcmp(magic, MAGIC) != 0 || !etag || !ct || !mtime)
        return OT_ECORRUPT;
    copy_capped(info->etag, sizeof info->etag, etag);
    copy_capped(info->content_type, sizeof info->content_type, ct);
    info->mtime_ms = strtoll(mtime, NULL, 10);
    info->nmeta = 0;
    const char *name;
    while (info->nmeta < OT_STORE_MAX_META && (name = field(rec, len, &off)) != NULL) {
        const char *value = field(rec, len, &off);
        if (!value)
            break;
        ot_meta *m = &info->meta[info->nmeta++];
        m->name = strdup(name);
        m->value = strdup(value);
        if (!m->name || !m->value) {
            ot_object_info_free(info);
            return OT_ENOMEM;
        }
    }
    return OT_OK;
}

/* A stable stand-in ETag for a file written by something other than the store: it changes
 * whenever the file does, without reading the content. */
static void synthetic_etag(const struct stat *st, char out[35])
{
    char buf[96];
    uint8_t md[16];
    int n = snprintf(buf, sizeof buf, "ino:%llu:%lld:%lld.%ld", (unsigned long long)st->st_ino,
                     (long long)st->st_size, (long long)st->st_mtim.tv_sec,
                     (long)st->st_mtim.tv_nsec);
    ot_md5(buf, (size_t)n, md);
    ot_hex(md, sizeof md, out);
}

int local_meta_read(int fd, ot_object_info *info)
{
    struct stat st;
    char rec[LOCAL_META_MAX];
    memset(info, 0, sizeof *info);
    if (fstat(fd, &st) != 0)
        return OT_EIO;
    bool is_dir = S_ISDIR(st.st_mode);
    if (!is_dir && !S_ISREG(st.st_mode))
        return OT_ENOTFOUND;
    ssize_t n = fgetxattr(fd, LOCAL_XATTR_OBJECT, rec, sizeof rec);
    if (n < 0) {
        if (errno != ENODATA && errno != ENOTSUP)
            return OT_EIO;
        if (is_dir)
            return OT_ENOTFOUND; /* a plain directory implied by deeper keys, not an object */
        info->size = (uint64_t)st.st_size;
        info->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        synthetic_etag(&st, info->etag);
        return OT_OK;
    }
    int rc = local_meta_decode(rec, (size_t)n, info);
    if (rc)
        return rc;
    info->size = is_dir ? 0 : (uint64_t)st.st_size;
    return OT_OK;
}
