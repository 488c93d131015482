/* s3_write_once.c — the log bucket is write-once: objects under [prefix/]AWSLogs/ of a bucket
 * that any trail names cannot be overwritten or deleted through the S3 API (403 AccessDenied, as
 * S3 Object Lock in compliance mode answers); new keys may still be written, e.g. an
 * `aws s3 sync` of real AWS logs to validate them here. Delivery writes through the store API
 * and is not affected. Turned off with `--log-bucket-write-once false`.
 *
 * The check and the write are two steps: two PutObjects racing to create the same new key can
 * both pass it, and the second replaces the first. Only a key that already exists is protected. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "api/s3_int.h"
#include "store/store.h"
#include "trail/trail.h"
#include "util/err.h"

typedef struct wo_query {
    const char *bucket;
    const char *key;
    size_t key_len;
    bool hit;
} wo_query;

static bool under(const char *key, size_t klen, const char *prefix)
{
    char p[260];
    int n = snprintf(p, sizeof p, "%s%sAWSLogs/", prefix, prefix[0] ? "/" : "");
    return n > 0 && (size_t)n < sizeof p && klen >= (size_t)n && !memcmp(key, p, (size_t)n);
}

static int match_trails(sqlite3 *db, void *ctx)
{
    wo_query *q = ctx;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT prefix FROM trails WHERE bucket = ?", -1, &st, NULL))
        return OT_EIO;
    sqlite3_bind_text(st, 1, q->bucket, -1, SQLITE_STATIC);
    while (!q->hit && sqlite3_step(st) == SQLITE_ROW) {
        const char *prefix = (const char *)sqlite3_column_text(st, 0);
        q->hit = under(q->key, q->key_len, prefix ? prefix : "");
    }
    sqlite3_finalize(st);
    return OT_OK;
}

bool s3_write_once_protected(s3_ctx *c, const char *key, size_t key_len)
{
    if (!c->srv->cfg.log_bucket_write_once || !c->srv->trails)
        return false;
    wo_query q = {c->bucket, key, key_len, false};
    if (ot_trail_db_with(c->srv->trails, match_trails, &q) || !q.hit)
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
