/* store.c — the backend-independent half of the object store: name and key rules, dispatch to
 * the backend's function table, and freeing results.
 *
 * Keys and bucket names are checked here, before any backend runs, so a backend can map a valid
 * key to a path without re-checking it for "..", "//" or a leading '/'. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/err.h"

#define KEY_MAX 1024

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* "192.168.5.4": four dot-separated groups of digits. */
static bool looks_like_ipv4(const char *name)
{
    int groups = 0, digits = 0;
    for (const char *p = name;; p++) {
        if (*p >= '0' && *p <= '9') {
            digits++;
        } else if (*p == '.' || *p == '\0') {
            if (digits == 0 || digits > 3)
                return false;
            groups++;
            digits = 0;
            if (*p == '\0')
                break;
        } else {
            return false;
        }
    }
    return groups == 4;
}

static bool has_suffix(const char *s, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    return n >= m && memcmp(s + n - m, suf, m) == 0;
}

bool ot_store_bucket_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strnlen(name, 64);
    if (n < 3 || n > 63 || !is_lower_alnum(name[0]) || !is_lower_alnum(name[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!is_lower_alnum(c) && c != '.' && c != '-')
            return false;
        /* "..", ".-" and "-." would make an invalid DNS label. */
        if (c == '.' && (name[i + 1] == '.' || name[i + 1] == '-' || (i && name[i - 1] == '-')))
            return false;
    }
    if (looks_like_ipv4(name) || strncmp(name, "xn--", 4) == 0 ||
        strncmp(name, "sthree-", 7) == 0 || has_suffix(name, n, "-s3alias") ||
        has_suffix(name, n, "--ol-s3"))
        return false;
    return true;
}

/* Length of the UTF-8 sequence at p (at most n bytes), or 0 if it is not well formed
 * (overlong forms, surrogates and code points past U+10FFFF are refused). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool ot_store_key_valid(const char *key, size_t len)
{
    if (!key || len == 0 || len > KEY_MAX || key[0] == '/')
        return false;
    size_t seg_start = 0;
    for (size_t i = 0; i < len;) {
        size_t l = utf8_seq((const unsigned char *)key + i, len - i);
        if (l == 0)
            return false;
        if (key[i] == '/') {
            size_t seg = i - seg_start;
            if (seg == 0 || (seg == 1 && key[seg_start] == '.') ||
                (seg == 2 && key[seg_start] == '.' && key[seg_start + 1] == '.'))
                return false;
            seg_start = i + 1;
        }
        i += l;
    }
    /* The last segment: empty means a folder-marker key ("a/"), which is allowed. */
    size_t seg = len - seg_start;
    if ((seg == 1 && key[seg_start] == '.') ||
        (seg == 2 && key[seg_start] == '.' && key[seg_start + 1] == '.'))
        return false;
    return true;
}

static bool key_ok(const char *key) { return key && ot_store_key_valid(key, strlen(key)); }

int ot_store_bucket_create(ot_store *s, const char *bucket)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_EINVAL;
    return s->ops->bucket_create(s, bucket, NULL);
}

static bool account_valid(const char *a)
{
    size_t n = 0;
    for (; a[n]; n++)
        if (a[n] < '0' || a[n] > '9')
            return false;
    return n == 12;
}

int ot_store_bucket_create_owned(ot_store *s, const char *bucket, const char *owner)
{
    if (!ot_store_bucket_name_valid(bucket) || !owner || !account_valid(owner))
        return OT_EINVAL;
    return s->ops->bucket_create(s, bucket, owner);
}

int ot_store_bucket_owner(ot_store *s, const char *bucket, char owner[16])
{
    owner[0] = '\0';
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->bucket_owner(s, bucket, owner);
}

int ot_store_policy_get(ot_store *s, const char *bucket, char **json, size_t *len)
{
    *json = NULL;
    *len = 0;
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->policy_get(s, bucket, json, len);
}

int ot_store_policy_put(ot_store *s, const char *bucket, const char *json, size_t len)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->policy_put(s, bucket, json, len);
}

int ot_store_policy_delete(ot_store *s, const char *bucket)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_OK;
    return s->ops->policy_delete(s, bucket);
}

int ot_store_policy_set(ot_store *s, const char *bucket, const char *json, size_t len,
                        const ot_policy_version *who)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->policy_set(s, bucket, json, len, who);
}

int ot_store_policy_history(ot_store *s, const char *bucket, ot_policy_version **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!ot_store_bucket_name_valid(bucket))
        return OT_OK;
    return s->ops->policy_history(s, bucket, out, n);
}

void ot_policy_versions_free(ot_policy_version *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].policy);
    free(v);
}

int ot_store_pab_get(ot_store *s, const char *bucket, unsigned *flags)
{
    *flags = 0;
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->pab_get(s, bucket, flags);
}

int ot_store_pab_put(ot_store *s, const char *bucket, unsigned flags)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    if (flags > OT_PAB_ALL)
        return OT_EINVAL;
    return s->ops->pab_put(s, bucket, flags);
}

int ot_store_pab_delete(ot_store *s, const char *bucket)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_OK;
    return s->ops->pab_delete(s, bucket);
}

int ot_store_bucket_exists(ot_store *s, const char *bucket)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->bucket_exists(s, bucket);
}

int ot_store_bucket_delete(ot_store *s, const char *bucket)
{
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->bucket_delete(s, bucket);
}

int ot_store_bucket_list(ot_store *s, ot_bucket_info **out, size_t *n)
{
    return s->ops->bucket_list(s, out, n);
}

int ot_store_put(ot_store *s, const char *bucket, const char *key, const void *data, size_t len,
                 const ot_object_info *info)
{
    if (!ot_store_bucket_name_valid(bucket) || !key_ok(key))
        return OT_EINVAL;
    return s->ops->put(s, bucket, key, data, len, info);
}

int ot_store_reader_open(ot_store *s, const char *bucket, const char *key, ot_store_reader **out,
                         ot_object_info *info)
{
    ot_object_info scratch;
    *out = NULL;
    if (!ot_store_bucket_name_valid(bucket) || !key_ok(key))
        return OT_EINVAL;
    int rc = s->ops->reader_open(s, bucket, key, out, info ? info : &scratch);
    if (!rc && !info)
        ot_object_info_free(&scratch);
    return rc;
}

int ot_store_reader_read(ot_store_reader *r, void *buf, size_t n, size_t *got)
{
    *got = 0;
    int rc = r->ops->reader_read(r, r->pos, buf, n, got);
    if (!rc)
        r->pos += *got;
    return rc;
}

void ot_store_reader_seek(ot_store_reader *r, uint64_t off) { r->pos = off; }

int ot_store_reader_fd(const ot_store_reader *r) { return r->ops->reader_fd(r); }

void ot_store_reader_close(ot_store_reader *r)
{
    if (r)
        r->ops->reader_close(r);
}

int ot_store_head(ot_store *s, const char *bucket, const char *key, ot_object_info *info)
{
    ot_store_reader *r;
    int rc = ot_store_reader_open(s, bucket, key, &r, info);
    ot_store_reader_close(r);
    return rc;
}

int ot_store_get(ot_store *s, const char *bucket, const char *key, void **data, size_t *len)
{
    ot_object_info info;
    ot_store_reader *r;
    *data = NULL;
    *len = 0;
    int rc = ot_store_reader_open(s, bucket, key, &r, &info);
    if (rc)
        return rc;
    ot_object_info_free(&info);
    char *p = malloc(info.size + 1);
    size_t got = 0, n = 1;
    if (!p)
        rc = OT_ENOMEM;
    while (!rc && got < info.size && n > 0 &&
           !(rc = ot_store_reader_read(r, p + got, info.size - got, &n)))
        got += n;
    if (!rc && got < info.size)
        rc = OT_EIO; /* shorter than its size: cut while we read */
    ot_store_reader_close(r);
    if (rc) {
        free(p);
        return rc;
    }
    p[got] = '\0';
    *data = p;
    *len = got;
    return OT_OK;
}

int ot_store_delete(ot_store *s, const char *bucket, const char *key)
{
    if (!ot_store_bucket_name_valid(bucket) || !key_ok(key))
        return OT_EINVAL;
    return s->ops->delete(s, bucket, key);
}

int ot_store_list(ot_store *s, const char *bucket, const char *prefix, const char *delimiter,
                  const char *marker, size_t max_keys, ot_list_result *out)
{
    memset(out, 0, sizeof *out);
    if (!ot_store_bucket_name_valid(bucket))
        return OT_ENOTFOUND;
    return s->ops->list(s, bucket, prefix ? prefix : "",
                        delimiter && *delimiter ? delimiter : NULL, marker ? marker : "",
                        max_keys, out);
}

void ot_store_close(ot_store *s)
{
    if (s)
        s->ops->close(s);
}

void ot_object_info_free(ot_object_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->nmeta; i++) {
        free(info->meta[i].name);
        free(info->meta[i].value);
    }
    info->nmeta = 0;
}

void ot_store_list_free(ot_list_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nentries; i++) {
        free(r->entries[i].key);
        ot_object_info_free(&r->entries[i].info);
    }
    for (size_t i = 0; i < r->nprefixes; i++)
        free(r->common_prefixes[i]);
    free(r->entries);
    free(r->common_prefixes);
    free(r->next_marker);
    memset(r, 0, sizeof *r);
}
