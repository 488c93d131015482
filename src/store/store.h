/* store.h — the object store: buckets of keyed objects, as S3 has them.
 *
 * The embedded S3 API and log delivery both go through this interface. A backend is a const
 * table of functions (local directory now, a remote S3 endpoint later). Object keys are untrusted:
 * every backend must refuse keys that could escape the bucket (OT_EINVAL), see
 * ot_store_key_valid(). Writes are atomic: a reader sees the old object or the new one, never a
 * part, and a put that returned 0 is durable (fsynced file and directory). Objects are read as a
 * stream (ot_store_reader), so a backend need not have files.
 *
 * Errors (every backend): OT_ENOTFOUND means gone (no such bucket or object); OT_EAGAIN means
 * transient, retry later — nothing was changed and the same call may succeed (local: a full disk
 * or quota, no file descriptors or kernel memory; remote: throttling, a 5xx, a timeout); OT_EIO
 * means the device or backend failed (a failed fsync among them: the put did not happen, the
 * caller may retry but should report it); OT_EINVAL / OT_EEXIST / OT_ELIMIT mean this request
 * can never succeed as it is. A failed put never leaves a partial object: the key holds the old
 * object, or the complete new one when only the last directory fsync failed. */
#ifndef OT_STORE_H
#define OT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OT_STORE_MAX_META 16

typedef struct ot_store ot_store;
typedef struct ot_store_reader ot_store_reader;

typedef struct ot_meta {
    char *name;  /* user metadata name without the "x-amz-meta-" prefix, lowercase */
    char *value;
} ot_meta;

typedef struct ot_object_info {
    uint64_t size;
    int64_t mtime_ms;
    char etag[35];                 /* hex MD5 of the content, without quotes */
    char content_type[128];
    ot_meta meta[OT_STORE_MAX_META];
    size_t nmeta;
} ot_object_info;

typedef struct ot_list_entry {
    char *key;
    ot_object_info info;
} ot_list_entry;

typedef struct ot_list_result {
    ot_list_entry *entries;        /* objects, sorted by key (byte order) */
    size_t nentries;
    char **common_prefixes;        /* with a delimiter: rolled-up prefixes, sorted */
    size_t nprefixes;
    bool truncated;
    char *next_marker;             /* last key or prefix returned, when truncated */
} ot_list_result;

typedef struct ot_bucket_info {
    char name[64];
    int64_t created_ms;
} ot_bucket_info;

/* Opens the local-directory backend rooted at dir (buckets live in dir/<bucket>/). */
int ot_store_open_local(const char *dir, ot_store **out);
void ot_store_close(ot_store *s);

/* S3 bucket naming rules (3-63 chars, lowercase letters, digits, '.', '-', ...). */
bool ot_store_bucket_name_valid(const char *name);
/* Object key rules: 1..1024 bytes of valid UTF-8, no NUL, and no "." or ".." path segment, no
 * leading '/', no "//" (we map keys to paths). */
bool ot_store_key_valid(const char *key, size_t len);

int ot_store_bucket_create(ot_store *s, const char *bucket);       /* OT_EEXIST if present */
/* Creates a bucket owned by account owner (12 digits), recorded durably with the bucket. */
int ot_store_bucket_create_owned(ot_store *s, const char *bucket, const char *owner);
/* The account that owns bucket, into owner; "" for a bucket created without an owner record (by
 * ot_store_bucket_create, an older version, or by hand). OT_ENOTFOUND if there is no bucket. */
int ot_store_bucket_owner(ot_store *s, const char *bucket, char owner[16]);
/* The bucket's policy document, kept as given (the S3 API validates it). get returns a malloc'd,
 * NUL-terminated copy, or OT_ENOTFOUND if the bucket has no policy or does not exist. put is
 * atomic and durable; OT_ENOTFOUND if there is no bucket. delete returns 0 even if there was none.
 * Deleting or re-creating a bucket drops its policy. */
int ot_store_policy_get(ot_store *s, const char *bucket, char **json, size_t *len);
int ot_store_policy_put(ot_store *s, const char *bucket, const char *json, size_t len);
int ot_store_policy_delete(ot_store *s, const char *bucket);
/* One version of a bucket's policy in its history: when, by whom (principal ARN) and by which
 * call (the eventID of its audit record) it was set; policy NULL records a deletion. */
typedef struct ot_policy_version {
    int64_t time_ms;
    char principal[256];
    char event_id[40];
    char *policy; /* malloc'd, NUL-terminated; NULL: the policy was deleted */
    size_t len;
} ot_policy_version;
/* Sets (json non-NULL) or deletes (json NULL) the bucket's policy and appends the change to its
 * history, as one step: concurrent calls are applied and recorded in the same order. who gives
 * the time, principal and event id recorded (its policy fields are ignored). OT_ENOTFOUND if
 * there is no bucket. The history is durable (fsynced) when this returns 0. */
int ot_store_policy_set(ot_store *s, const char *bucket, const char *json, size_t len,
                        const ot_policy_version *who);
/* The bucket's policy versions, oldest first (an empty history is 0 with *n = 0). Re-creating a
 * bucket starts a new history; deleting one keeps it (evidence) until then. Free with
 * ot_policy_versions_free. */
int ot_store_policy_history(ot_store *s, const char *bucket, ot_policy_version **out, size_t *n);
void ot_policy_versions_free(ot_policy_version *v, size_t n);

/* Block Public Access of a bucket (S3's PublicAccessBlockConfiguration) as OT_PAB_* bits. get
 * gives OT_ENOTFOUND when the bucket has no configuration (or there is no bucket); put replaces
 * it durably; delete returns 0 even if there was none. Re-creating a bucket drops it. */
#define OT_PAB_BLOCK_PUBLIC_ACLS 1u
#define OT_PAB_IGNORE_PUBLIC_ACLS 2u
#define OT_PAB_BLOCK_PUBLIC_POLICY 4u
#define OT_PAB_RESTRICT_PUBLIC_BUCKETS 8u
#define OT_PAB_ALL 15u
int ot_store_pab_get(ot_store *s, const char *bucket, unsigned *flags);
int ot_store_pab_put(ot_store *s, const char *bucket, unsigned flags);
int ot_store_pab_delete(ot_store *s, const char *bucket);
int ot_store_bucket_exists(ot_store *s, const char *bucket);       /* 0 or OT_ENOTFOUND */
/* Removes an empty bucket: OT_ENOTFOUND if absent, OT_EEXIST if it still holds objects. */
int ot_store_bucket_delete(ot_store *s, const char *bucket);
int ot_store_bucket_list(ot_store *s, ot_bucket_info **out, size_t *n); /* free() *out */

/* Writes an object atomically and durably. info may be NULL; its content_type and meta are
 * stored, size/etag/mtime are computed. */
int ot_store_put(ot_store *s, const char *bucket, const char *key, const void *data, size_t len,
                 const ot_object_info *info);
/* Stats an object. */
int ot_store_head(ot_store *s, const char *bucket, const char *key, ot_object_info *info);
/* Opens an object for reading from its start; info (may be NULL) gets its metadata, which the
 * caller frees with ot_object_info_free. The caller closes *out with ot_store_reader_close.
 * The reader sees the object as it was when opened, even if a put replaces it meanwhile. */
int ot_store_reader_open(ot_store *s, const char *bucket, const char *key, ot_store_reader **out,
                         ot_object_info *info);
/* Reads the next bytes into buf: *got is 0 only at the end of the object. */
int ot_store_reader_read(ot_store_reader *r, void *buf, size_t n, size_t *got);
/* Moves the read position to off (for ranges); past the end, reads return nothing. */
void ot_store_reader_seek(ot_store_reader *r, uint64_t off);
/* A file descriptor holding the object's bytes, for zero-copy sending (sendfile), or -1 when the
 * backend has none. Borrowed: valid until the reader is closed; reading from it does not move
 * the reader. */
int ot_store_reader_fd(const ot_store_reader *r);
void ot_store_reader_close(ot_store_reader *r); /* NULL is fine */
/* Reads a whole object into a malloc'd buffer (for small objects and tests). */
int ot_store_get(ot_store *s, const char *bucket, const char *key, void **data, size_t *len);
int ot_store_delete(ot_store *s, const char *bucket, const char *key); /* 0 even if absent */
/* Lists keys > marker that start with prefix; rolls keys up at delimiter (may be NULL). */
int ot_store_list(ot_store *s, const char *bucket, const char *prefix, const char *delimiter,
                  const char *marker, size_t max_keys, ot_list_result *out);
void ot_store_list_free(ot_list_result *r);
void ot_object_info_free(ot_object_info *info); /* frees meta strings */

/* The metadata the local backend keeps with an object, read from an open fd of the object's file
 * in a bucket directory (for `opentrail validate DIR`, which reads a data dir's buckets as plain
 * files, without the server). A file the store did not write gets a synthetic ETag; a directory
 * that is not a folder marker gives OT_ENOTFOUND. */
int ot_store_local_file_meta(int fd, ot_object_info *info);

#endif
