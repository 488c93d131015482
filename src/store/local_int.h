/* local_int.h — internals of the local-directory backend, shared by its files.
 *
 * Layout (root = the directory given to ot_store_open_local):
 *   <root>/<bucket>/<key>       object data; the bucket looks exactly like the S3 layout
 *   <root>/<bucket>/<dir>/      a key ending in '/' (folder marker) is the directory itself
 *   <root>/.tmp/                temp files of puts in progress (same file system, outside every
 *                               bucket; bucket names cannot start with '.')
 *   <root>/.policy/<bucket>     the bucket's policy document, if it has one
 *   <root>/.policy-history/<bucket>  every version of it, one JSON line each (appended)
 * A bucket directory carries its creation time (LOCAL_XATTR_BUCKET) and owning account
 * (LOCAL_XATTR_OWNER) as extended attributes, and its Block Public Access bits (LOCAL_XATTR_PAB).
 * Object metadata (ETag, Content-Type, x-amz-meta-*, mtime) lives in the extended attribute
 * "user.opentrail.object" of the file (or of the directory, for a folder marker), so data and
 * metadata are replaced together by one rename and never leak into the key space. */
#ifndef OT_LOCAL_INT_H
#define OT_LOCAL_INT_H

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store_int.h"

#define LOCAL_XATTR_OBJECT "user.opentrail.object"
#define LOCAL_XATTR_BUCKET "user.opentrail.bucket"
#define LOCAL_XATTR_OWNER "user.opentrail.owner"
#define LOCAL_XATTR_PAB "user.opentrail.pab"
#define LOCAL_TMP_DIR ".tmp"
#define LOCAL_POLICY_DIR ".policy" /* <root>/.policy/<bucket>: the bucket's policy document */
#define LOCAL_HISTORY_DIR ".policy-history" /* <root>/.policy-history/<bucket>: its versions */
#define LOCAL_META_MAX 3072 /* bytes of the encoded metadata record (S3 allows 2 KB user meta) */

struct local_store {
    struct ot_store base;
    int rootfd;
    int tmpfd;
    int policyfd;
    int historyfd;
    pthread_mutex_t policy_lock; /* orders policy changes with their history records */
    /* Puts take it shared; pruning empty directories after a delete, and bucket deletion, take
     * it exclusive, so a put never renames into a directory that is being removed. */
    pthread_rwlock_t lock;
};

/* Bucket ownership and policies (store_local_policy.c). */
int local_bucket_create(ot_store *s, const char *bucket, const char *owner);
int local_bucket_owner(ot_store *s, const char *bucket, char owner[16]);
int local_policy_get(ot_store *s, const char *bucket, char **json, size_t *len);
int local_policy_put(ot_store *s, const char *bucket, const char *json, size_t len);
int local_policy_delete(ot_store *s, const char *bucket);

/* Policy history and Block Public Access (store_local_history.c, store_local_pab.c). */
int local_policy_set(ot_store *s, const char *bucket, const char *json, size_t len,
                     const ot_policy_version *who);
int local_policy_history(ot_store *s, const char *bucket, ot_policy_version **out, size_t *n);
int local_history_drop(struct local_store *ls, const char *bucket);
int local_pab_get(ot_store *s, const char *bucket, unsigned *flags);
int local_pab_put(ot_store *s, const char *bucket, unsigned flags);
int local_pab_delete(ot_store *s, const char *bucket);

/* The OT_E* code for the errno of a failed call: OT_EAGAIN for what clears by itself (a full
 * disk or quota, no descriptors or memory), OT_EIO otherwise (see store.h). */
int local_errno_code(int err);
/* write(2) until done, through ot_sys: OT_EAGAIN on a full disk, OT_EIO otherwise. */
int local_write_all(int fd, const void *data, size_t len);
/* fsync through ot_sys, the error as local_errno_code gives it. */
int local_fsync(int fd);

/* Opens <root>/<bucket> without following a symlink. OT_ENOTFOUND if it is not a directory. */
int local_open_bucket(struct local_store *ls, const char *bucket, int *fd);

/* A key split into the directory that holds its entry and the entry's name. For a folder marker
 * ("a/b/") the entry is the directory "b" in "a". */
typedef struct local_loc {
    int dirfd;           /* the parent directory (owned; close with local_loc_close) */
    char leaf[256];      /* NAME_MAX + 1 */
    bool is_dir_marker;
} local_loc;

/* Walks the directories of key below bucketfd one component at a time with O_NOFOLLOW, so a
 * symlink never leads out of the bucket. create makes missing directories (fsyncing each parent).
 * Returns OT_ENOTFOUND (missing, or a symlink on the way), OT_EEXIST (a file where a directory
 * must be: key conflict, only when create) or OT_ELIMIT (a segment longer than NAME_MAX). */
int local_locate(int bucketfd, const char *key, bool create, local_loc *loc);
void local_loc_close(local_loc *loc);
/* Opens directory path (a '/'-separated relative path, no empty segments) below fd, never
 * following symlinks. len bytes of path are used. */
int local_open_dirpath(int fd, const char *path, size_t len, int *out);

/* Encodes/decodes the metadata record stored in LOCAL_XATTR_OBJECT. */
int local_meta_encode(const ot_object_info *info, char *out, size_t cap, size_t *len);
int local_meta_decode(const char *rec, size_t len, ot_object_info *info);
/* Reads an object's metadata from its open fd (file or folder-marker directory). A file without
 * the attribute (placed there by hand) gets a synthetic ETag from its inode, size and mtime.
 * Returns OT_ENOTFOUND for a directory without the attribute (not an object). */
int local_meta_read(int fd, ot_object_info *info);

/* A directory stream over dfd's directory, read through a duplicate of dfd so closedir leaves
 * dfd open; NULL on failure. */
DIR *local_opendir(int dfd);

/* Listing (store_local_list.c). */
int local_list(ot_store *s, const char *bucket, const char *prefix, const char *delimiter,
               const char *marker, size_t max_keys, ot_list_result *out);
/* True if the directory holds at least one object anywhere below it. */
bool local_dir_has_object(int dirfd);

#endif
