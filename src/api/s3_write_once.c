/* s3_write_once.c — the log bucket is write-once, and only delivery writes where delivery writes.
 *
 * Three rules, all answered 403 AccessDenied (as S3 Object Lock in compliance mode or a denying
 * bucket policy answers):
 *  1. Overwrite and delete: an object that exists under [P/]AWSLogs/ of a bucket some trail names
 *     (P its prefix) cannot be replaced or deleted through the S3 API.
 *  2. Create: under a trail's log roots (s3_write_once.h) only delivery creates objects; no client
 *     PutObject may add a key there, nor an object where a root needs a folder ("AWSLogs",
 *     "AWSLogs/<acct>", a component of P). Keys under AWSLogs/ outside every root can still be
 *     written, e.g. an `aws s3 sync` of another account's real AWS logs to validate them here.
 *  3. Folder names: an object named like a folder of CloudTrail's layout (ot_log_key_is_folder)
 *     is refused in every bucket, trail or not. The local store keeps objects as files, so such a
 *     file would make every later delivery into that folder fail ("already exists"); refusing
 *     the name costs nothing, since CloudTrail never writes an object there. An object that sits
 *     where a trail's root needs a folder (a component of its prefix, "AWSLogs", "AWSLogs/<acct>",
 *     ".../CloudTrail") is caught when the trail is created or updated over it
 *     (ot_log_roots_find_blocker: InvalidS3PrefixException). One stored by an older version
 *     deeper down (".../CloudTrail/<region>" and below) is not looked for there: delivery into
 *     that folder quarantines its files instead (deliver/, DELIVERY.md).
 * Rules 1 and 2 are turned off with `--log-bucket-write-once false`; rule 3 always holds.
 * Delivery writes through the store API and is not affected by any of them.
 *
 * The check and the write are two steps: two PutObjects racing to create the same new key under
 * AWSLogs/ outside every root can both pass rule 1, and the second replaces the first. */
#include "api/s3_write_once.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "api/s3_int.h"
#include "store/store.h"
#include "trail/trail.h"
#include "util/err.h"
#include "util/str.h"

void ot_log_roots_make(const char *prefix, const char *account, const char *org_id,
                       ot_log_roots *out)
{
    size_t pl = ot_str_rstrip_len(prefix, '/');
    const char *sep = pl ? "/" : "";
    memset(out, 0, sizeof *out);
    if (org_id[0]) {
        snprintf(out->root[0], OT_LOG_ROOT_MAX, "%.*s%sAWSLogs/%s/", (int)pl, prefix, sep, org_id);
        out->n = 1;
        return;
    }
    snprintf(out->root[0], OT_LOG_ROOT_MAX, "%.*s%sAWSLogs/%s/CloudTrail/", (int)pl, prefix, sep,
             account);
    snprintf(out->root[1], OT_LOG_ROOT_MAX, "%.*s%sAWSLogs/%s/CloudTrail-Digest/", (int)pl,
             prefix, sep, account);
    out->n = 2;
}

bool ot_log_roots_blocked_by(const ot_log_roots *r, const char *key, size_t klen)
{
    bool marker = klen && key[klen - 1] == '/';
    for (size_t i = 0; i < r->n; i++) {
        const char *root = r->root[i];
        size_t rl = strlen(root);
        if (klen >= rl && !memcmp(key, root, rl))
            return true; /* inside the root */
        if (!marker && klen < rl && !memcmp(key, root, klen) && root[klen] == '/')
            return true; /* an object where the root needs a folder */
    }
    return false;
}

static bool seg_is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && !memcmp(s, word, n);
}

static bool seg_is_ct(const char *s, size_t n)
{
    return seg_is(s, n, "CloudTrail") || seg_is(s, n, "CloudTrail-Digest");
}

/* The folder levels below "AWSLogs": <id> (account or organization), <acct> below an
 * organization id ("o-..."), then CloudTrail[-Digest] at depth 2 (or 3 under an organization id),
 * then <region>/<yyyy>/<mm>/<dd>. rest[] are the
 * segments after "AWSLogs" (at most 3 needed), n how many there are. */
static bool is_folder_level(const char *rest[3], const size_t rlen[3], size_t n)
{
    if (n <= 1 || (n == 2 && rlen[0] > 2 && !memcmp(rest[0], "o-", 2)))
        return true;
    if (seg_is_ct(rest[1], rlen[1]) && n <= 6)
        return true;
    return seg_is_ct(rest[2], rlen[2]) && n <= 7;
}

bool ot_log_key_is_folder(const char *key, size_t klen)
{
    if (klen == 0 || key[klen - 1] == '/')
        return false; /* a folder marker is a folder */
    const char *segs[S3_KEY_MAX / 2 + 1];
    size_t lens[S3_KEY_MAX / 2 + 1], n = 0;
    for (size_t i = 0, start = 0; i <= klen && n < sizeof segs / sizeof segs[0]; i++) {
        if (i == klen || key[i] == '/') {
            segs[n] = key + start, lens[n] = i - start, n++;
            start = i + 1;
        }
    }
    for (size_t j = 0; j < n; j++) {
        if (!seg_is(segs[j], lens[j], "AWSLogs"))
            continue;
        const char *rest[3] = {"", "", ""};
        size_t rlen[3] = {0, 0, 0}, after = n - j - 1;
        for (size_t k = 0; k < 3 && k < after; k++)
            rest[k] = segs[j + 1 + k], rlen[k] = lens[j + 1 + k];
        if (is_folder_level(rest, rlen, after))
            return true;
    }
    return false;
}

bool ot_log_roots_find_blocker(ot_store *s, const char *bucket, const ot_log_roots *r,
                               char *out, size_t cap)
{
    for (size_t i = 0; i < r->n; i++) {
        const char *root = r->root[i];
        for (const char *p = strchr(root, '/'); p; p = strchr(p + 1, '/')) {
            char key[OT_LOG_ROOT_MAX];
            snprintf(key, sizeof key, "%.*s", (int)(p - root), root);
            ot_object_info info;
            int rc = ot_store_head(s, bucket, key, &info);
            if (rc == OT_OK)
                ot_object_info_free(&info);
            if (rc == OT_OK) {
                snprintf(out, cap, "%s", key);
                return true;
            }
        }
    }
    return false;
}

/* ---- the S3 API's checks --------------------------------------------------------------- */

typedef enum { WO_EXISTING, WO_CREATE } wo_mode;

typedef struct wo_query {
    const char *bucket;
    const char *key;
    size_t key_len;
    wo_mode mode;
    bool hit;
} wo_query;

/* Rule 1's scope: the key is under [P/]AWSLogs/. */
static bool under_awslogs(const char *key, size_t klen, const char *prefix)
{
    char p[260];
    size_t pl = ot_str_rstrip_len(prefix, '/');
    int n = snprintf(p, sizeof p, "%.*s%sAWSLogs/", (int)pl, prefix, pl ? "/" : "");
    return n > 0 && (size_t)n < sizeof p && klen >= (size_t)n && !memcmp(key, p, (size_t)n);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

static int match_trails(sqlite3 *db, void *ctx)
{
    wo_query *q = ctx;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT prefix, account_id, organization, org_id FROM trails "
                           "WHERE bucket = ?", -1, &st, NULL))
        return OT_EIO;
    sqlite3_bind_text(st, 1, q->bucket, -1, SQLITE_STATIC);
    while (!q->hit && sqlite3_step(st) == SQLITE_ROW) {
        if (q->mode == WO_EXISTING) {
            q->hit = under_awslogs(q->key, q->key_len, col(st, 0));
            continue;
        }
        ot_log_roots roots;
        ot_log_roots_make(col(st, 0), col(st, 1), sqlite3_column_int(st, 2) ? col(st, 3) : "",
                          &roots);
        q->hit = ot_log_roots_blocked_by(&roots, q->key, q->key_len);
    }
    sqlite3_finalize(st);
    return OT_OK;
}

static bool trails_match(s3_ctx *c, const char *key, size_t key_len, wo_mode mode)
{
    if (!c->srv->cfg.log_bucket_write_once || !c->srv->trails)
        return false;
    wo_query q = {c->bucket, key, key_len, mode, false};
    return ot_trail_db_with(c->srv->trails, match_trails, &q) == OT_OK && q.hit;
}

bool s3_write_once_protected(s3_ctx *c, const char *key, size_t key_len)
{
    if (!trails_match(c, key, key_len, WO_EXISTING))
        return false;
    ot_object_info info;
    memset(&info, 0, sizeof info);
    bool exists = ot_store_head(c->srv->store, c->bucket, key, &info) == OT_OK;
    ot_object_info_free(&info);
    return exists;
}

void s3_write_once_deny(s3_ctx *c)
{
    s3_error(c, 403, "AccessDenied", "Access Denied: objects under AWSLogs/ in a trail's bucket "
             "are write-once (serve option log-bucket-write-once).");
}

bool s3_write_once_may_create(s3_ctx *c, const char *key, size_t key_len)
{
    if (ot_log_key_is_folder(key, key_len)) {
        s3_error(c, 403, "AccessDenied", "Access Denied: this key names a folder of CloudTrail's "
                 "log layout (AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>); an object "
                 "there would block log delivery.");
        return false;
    }
    if (trails_match(c, key, key_len, WO_CREATE)) {
        s3_error(c, 403, "AccessDenied", "Access Denied: only CloudTrail delivery writes under a "
                 "trail's AWSLogs/<account>/CloudTrail/ and CloudTrail-Digest/ (serve option "
                 "log-bucket-write-once).");
        return false;
    }
    return true;
}
