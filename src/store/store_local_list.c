/* store_local_list.c — ListObjects over the directory tree, in S3's byte order.
 *
 * Keys compare as byte strings, so a directory "a" (keys "a/...") must be visited as if named
 * "a/": after "a-b" and "a.c" ('-' and '.' sort before '/'), before "a0". Each directory's
 * children are sorted that way and walked depth first, which yields keys in exact S3 order
 * without collecting the bucket. The walk starts in the directory the prefix points into, skips
 * whole subtrees that sort before the marker, rolls a subtree into one CommonPrefix without
 * descending when the delimiter already occurs in its path, and stops after max_keys + 1 items. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "store/local_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/vec.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define PATH_MAX_KEY 1024

typedef struct child {
    char *sortname; /* the name, with '/' appended for a directory */
    bool is_dir;
} child;

typedef struct lister {
    const char *prefix;
    size_t plen;
    const char *delim;
    size_t dlen;
    const char *marker;
    size_t max;
    ot_list_result *out;
    size_t count, cap_e, cap_p;
    bool last_was_prefix;
    bool done;
    int rc;
    ot_buf path; /* the key (or key prefix) of the entry being visited */
} lister;

static void walk_dir(lister *L, int dfd, const char *filter);

static bool is_marked(int fd) { return fgetxattr(fd, LOCAL_XATTR_OBJECT, NULL, 0) >= 0; }

static int cmp_child(const void *a, const void *b)
{
    return strcmp(((const child *)a)->sortname, ((const child *)b)->sortname);
}

/* Directories and regular files of dfd whose name starts with filter, in key order. */
static int read_children(int dfd, const char *filter, child **out, size_t *n)
{
    size_t flen = strlen(filter), cnt = 0, cap = 0;
    DIR *d = local_opendir(dfd);
    child *v = NULL;
    struct dirent *e;
    int rc = OT_OK;
    if (!d)
        return OT_EIO;
    while ((e = readdir(d)) != NULL) {
        unsigned char t = e->d_type;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strncmp(e->d_name, filter, flen) != 0)
            continue;
        if (t == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            t = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (t != DT_DIR && t != DT_REG)
            continue; /* symlinks, fifos, ...: never objects */
        if (OT_VEC_GROW(v, cap, cnt + 1)) {
            rc = OT_ENOMEM;
            break;
        }
        size_t nl = strlen(e->d_name);
        char *s = malloc(nl + 2);
        if (!s) {
            rc = OT_ENOMEM;
            break;
        }
        memcpy(s, e->d_name, nl);
        s[nl] = t == DT_DIR ? '/' : '\0';
        s[nl + 1] = '\0';
        v[cnt].sortname = s;
        v[cnt].is_dir = t == DT_DIR;
        cnt++;
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_child);
    *out = v;
    *n = cnt;
    return rc;
}

static void free_children(child *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].sortname);
    free(v);
}

/* Room for one more item; false (and done) once max_keys items are out and another exists. */
static bool make_room(lister *L)
{
    if (L->count >= L->max) {
        L->out->truncated = true;
        L->done = true;
        return false;
    }
    return true;
}

static void emit_prefix(lister *L, const char *cp, size_t len)
{
    ot_list_result *r = L->out;
    if (r->nprefixes && strncmp(r->common_prefixes[r->nprefixes - 1], cp, len) == 0 &&
        r->common_prefixes[r->nprefixes - 1][len] == '\0')
        return; /* the keys of one CommonPrefix are contiguous */
    if (!make_room(L))
        return;
    if (OT_VEC_GROW(r->common_prefixes, L->cap_p, r->nprefixes + 1))
        goto nomem;
    char *s = strndup(cp, len);
    if (!s)
        goto nomem;
    r->common_prefixes[r->nprefixes++] = s;
    L->count++;
    L->last_was_prefix = true;
    return;
nomem:
    L->rc = OT_ENOMEM;
    L->done = true;
}

static void emit_entry(lister *L, const char *key, int fd)
{
    ot_list_result *r = L->out;
    ot_object_info info;
    if (local_meta_read(fd, &info) != 0)
        return; /* vanished or not an object after all */
    if (!make_room(L)) {
        ot_object_info_free(&info);
        return;
    }
    if (OT_VEC_GROW(r->entries, L->cap_e, r->nentries + 1))
        goto nomem;
    char *k = strdup(key);
    if (!k)
        goto nomem;
    r->entries[r->nentries].key = k;
    r->entries[r->nentries].info = info;
    r->nentries++;
    L->count++;
    L->last_was_prefix = false;
    return;
nomem:
    ot_object_info_free(&info);
    L->rc = OT_ENOMEM;
    L->done = true;
}

/* Length of the CommonPrefix key rolls up into, or 0 if the delimiter does not occur after the
 * prefix. */
static size_t rollup_len(const lister *L, const char *key, size_t len)
{
    if (!L->delim || len < L->plen + L->dlen)
        return 0;
    const char *hit = memmem(key + L->plen, len - L->plen, L->delim, L->dlen);
    return hit ? (size_t)(hit - key) + L->dlen : 0;
}

/* True if the first len bytes of s sort after the marker. */
static bool after_marker(const lister *L, const char *s, size_t len)
{
    size_t ml = strlen(L->marker);
    int c = memcmp(s, L->marker, len < ml ? len : ml);
    return c > 0 || (c == 0 && len > ml);
}

static void visit_file(lister *L, int dfd, const char *name)
{
    const char *key = L->path.data;
    size_t len = L->path.len;
    size_t cp = rollup_len(L, key, len);
    if (!ot_store_key_valid(key, len))
        return; /* a file placed by hand under a name no key can have */
    if (cp) {
        if (after_marker(L, key, cp)) {
            struct stat st;
            if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                emit_prefix(L, key, cp);
        }
        return;
    }
    if (!after_marker(L, key, len))
        return;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        emit_entry(L, key, fd);
    close(fd);
}

static void visit_dir(lister *L, int dfd, const char *name)
{
    const char *P = L->path.data; /* ends with '/' */
    size_t plen = L->path.len;
    /* Every key below sorts before the marker: P < marker and P is not a prefix of it. */
    if (!after_marker(L, P, plen) && strncmp(L->marker, P, plen) != 0)
        return;
    int cfd = openat(dfd, name, DIR_FLAGS);
    if (cfd < 0)
        return;
    size_t cp = rollup_len(L, P, plen);
    if (cp) {
        if (after_marker(L, P, cp) && local_dir_has_object(cfd))
            emit_prefix(L, P, cp);
    } else {
        if (is_marked(cfd) && after_marker(L, P, plen))
            emit_entry(L, P, cfd);
        walk_dir(L, cfd, "");
    }
    close(cfd);
}

static void walk_dir(lister *L, int dfd, const char *filter)
{
    child *v = NULL;
    size_t n = 0;
    int rc = read_children(dfd, filter, &v, &n);
    if (rc) {
        L->rc = rc;
        L->done = true;
    }
    for (size_t i = 0; i < n && !L->done; i++) {
        size_t saved = L->path.len;
        if (ot_buf_puts(&L->path, v[i].sortname) == 0) {
            if (v[i].is_dir) {
                v[i].sortname[strlen(v[i].sortname) - 1] = '\0';
                visit_dir(L, dfd, v[i].sortname);
            } else {
                visit_file(L, dfd, v[i].sortname);
            }
        }
        L->path.len = saved;
        L->path.data[saved] = '\0';
    }
    free_children(v, n);
}

/* The directory part of prefix ("a/b" in "a/b/c") can only match keys if every segment could
 * be part of a key; otherwise (e.g. "../", "a//") nothing matches and nothing is opened. */
static bool dirpart_ok(const char *p, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '/')
            continue;
        size_t seg = i - start;
        if (seg == 0 || seg > 255 || (seg == 1 && p[start] == '.') ||
            (seg == 2 && p[start] == '.' && p[start + 1] == '.'))
            return false;
        start = i + 1;
    }
    return true;
}

static int list_from(lister *L, int bfd)
{
    const char *slash = strrchr(L->prefix, '/');
    size_t dirlen = slash ? (size_t)(slash - L->prefix) : 0;
    int sfd;
    if (dirlen && !dirpart_ok(L->prefix, dirlen))
        return OT_OK;
    if (dirlen) {
        int rc = local_open_dirpath(bfd, L->prefix, dirlen, &sfd);
        if (rc)
            return rc == OT_ENOTFOUND || rc == OT_ELIMIT ? OT_OK : rc;
        if (ot_buf_append(&L->path, L->prefix, dirlen + 1))
            goto out;
        /* The folder marker "a/" itself matches the prefix "a/" and sorts first. */
        if (L->prefix[dirlen + 1] == '\0' && is_marked(sfd) && !rollup_len(L, L->prefix, L->plen) &&
            after_marker(L, L->prefix, L->plen))
            emit_entry(L, L->prefix, sfd);
    } else {
        sfd = dup(bfd);
        if (sfd < 0)
            return OT_EIO;
    }
    walk_dir(L, sfd, slash ? slash + 1 : L->prefix);
out:
    close(sfd);
    return L->rc;
}

int local_list(ot_store *s, const char *bucket, const char *prefix, const char *delimiter,
               const char *marker, size_t max_keys, ot_list_result *out)
{
    lister L = {.prefix = prefix, .plen = strlen(prefix), .delim = delimiter,
                .dlen = delimiter ? strlen(delimiter) : 0, .marker = marker, .max = max_keys,
                .out = out};
    int bfd, rc;
    if ((rc = local_open_bucket((struct local_store *)s, bucket, &bfd)))
        return rc;
    ot_buf_init(&L.path, PATH_MAX_KEY + 256);
    if (ot_buf_reserve(&L.path, 1) == 0)
        rc = list_from(&L, bfd);
    else
        rc = OT_ENOMEM;
    ot_buf_free(&L.path);
    close(bfd);
    if (rc == 0 && out->truncated) {
        const char *last = L.last_was_prefix ? out->common_prefixes[out->nprefixes - 1]
                           : out->nentries ? out->entries[out->nentries - 1].key : NULL;
        if (last && !(out->next_marker = strdup(last)))
            rc = OT_ENOMEM;
    }
    if (rc)
        ot_store_list_free(out);
    return rc;
}

bool local_dir_has_object(int dirfd)
{
    DIR *d = local_opendir(dirfd);
    struct dirent *e;
    bool found = false;
    if (!d)
        return false;
    while (!found && (e = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode)) {
            found = true;
        } else if (S_ISDIR(st.st_mode)) {
            int cfd = openat(dirfd, e->d_name, DIR_FLAGS);
            if (cfd >= 0) {
                found = is_marked(cfd) || local_dir_has_object(cfd);
                close(cfd);
            }
        }
    }
    closedir(d);
    return found;
}
