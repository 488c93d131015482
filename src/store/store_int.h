/* store_int.h — the backend function table behind store.h (private to src/store/).
 *
 * Each backend fills one const table; ot_store_* in store.c validate names and keys once, then
 * dispatch through it, so no backend ever sees a hostile key. */
#ifndef OT_STORE_INT_H
#define OT_STORE_INT_H

#include "store/store.h"

struct ot_store_ops {
    const char *name;
    void (*close)(ot_store *s);
    int (*bucket_create)(ot_store *s, const char *bucket, const char *owner); /* owner or NULL */
    int (*bucket_owner)(ot_store *s, const char *bucket, char owner[16]);
    int (*policy_get)(ot_store *s, const char *bucket, char **json, size_t *len);
    int (*policy_put)(ot_store *s, const char *bucket, const char *json, size_t len);
    int (*policy_delete)(ot_store *s, const char *bucket);
    int (*policy_set)(ot_store *s, const char *bucket, const char *json, size_t len,
                      const ot_policy_version *who); /* json NULL: delete */
    int (*policy_history)(ot_store *s, const char *bucket, ot_policy_version **out, size_t *n);
    int (*pab_get)(ot_store *s, const char *bucket, unsigned *flags);
    int (*pab_put)(ot_store *s, const char *bucket, unsigned flags);
    int (*pab_delete)(ot_store *s, const char *bucket);
    int (*bucket_exists)(ot_store *s, const char *bucket);
    int (*bucket_delete)(ot_store *s, const char *bucket);
    int (*bucket_list)(ot_store *s, ot_bucket_info **out, size_t *n);
    int (*put)(ot_store *s, const char *bucket, const char *key, const void *data, size_t len,
               const ot_object_info *info);
    /* Readers: open fills info (never NULL here) and *out; read has pread semantics (*got < n
     * only at the end); fd is the zero-copy descriptor or -1; close frees. */
    int (*reader_open)(ot_store *s, const char *bucket, const char *key, ot_store_reader **out,
                       ot_object_info *info);
    int (*reader_read)(ot_store_reader *r, uint64_t off, void *buf, size_t n, size_t *got);
    int (*reader_fd)(const ot_store_reader *r);
    void (*reader_close)(ot_store_reader *r);
    int (*delete)(ot_store *s, const char *bucket, const char *key);
    int (*list)(ot_store *s, const char *bucket, const char *prefix, const char *delimiter,
                const char *marker, size_t max_keys, ot_list_result *out);
};

struct ot_store {
    const struct ot_store_ops *ops;
};

/* The head of every backend's reader; store.c keeps the position of sequential reads. */
struct ot_store_reader {
    const struct ot_store_ops *ops;
    uint64_t pos;
};

#endif
