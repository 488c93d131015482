/* deliver_quarantine.c — keeping a log file that can never be written to its bucket.
 *
 * A put can fail because of the object itself: its key is refused, a path component of it is an
 * existing file, a name is too long. Retrying such a put forever would hold the seal, and with
 * it the WAL and every other file of the seal, for good. Instead the file is quarantined: its
 * exact gzip bytes go to DATA-DIR/quarantine/<trail name>/<file>.json.gz with a small JSON reason
 * file beside it, and the seal completes. Nothing acknowledged is lost, and the operator can
 * inspect (zcat) and re-deliver it. Names derive from the seal, like log-file keys, so a redo
 * after a crash rewrites the same files instead of adding copies. */
#include "deliver/deliver_core.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sys/sysio.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"
#include "util/vec.h"

OT_COUNTER(m_quarantined, "opentrail_delivery_quarantined_files_total",
           "Log files that could never be written to their bucket, kept in quarantine/.");

bool ot_deliver_error_permanent(int rc)
{
    /* OT_EINVAL: the store refuses the key; OT_EEXIST: a component is an existing object;
     * OT_ELIMIT: a name or the metadata is too long. A missing bucket (OT_ENOTFOUND) can be
     * created again, and transient (OT_EAGAIN: a full disk, throttling) and I/O errors (OT_EIO:
     * a failed fsync) pass: those are retried. */
    return rc == OT_EINVAL || rc == OT_EEXIST || rc == OT_ELIMIT;
}

/* Copies s into out keeping only [A-Za-z0-9._-] (anything else becomes '_'), so no name taken
 * from a trail or an event can make a path component of its own. */
static void safe_copy(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0 || i == 0)
        snprintf(out, cap, "_");
}

/* "<trail name>/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique16>.json.gz" */
static int qfile_path(ot_deliver_qfile *q)
{
    const char *slash = strrchr(q->trail_arn, '/');
    char trail[160], acct[32], region[64], unique[17];
    safe_copy(trail, sizeof trail, slash ? slash + 1 : q->trail_arn);
    safe_copy(acct, sizeof acct, q->account_id);
    safe_copy(region, sizeof region, q->region);
    ot_deliver_unique16(q->trail_arn, q->a, q->b, q->account_id, q->region, unique);
    time_t secs = (time_t)(q->seal_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return OT_EINVAL;
    int n = snprintf(q->path, sizeof q->path,
                     "%s/%s_CloudTrail_%s_%04d%02d%02dT%02d%02dZ_%s.json.gz", trail, acct,
                     region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, unique);
    return n > 0 && (size_t)n < sizeof q->path ? OT_OK : OT_ELIMIT;
}

static int reason_json(const ot_deliver_qfile *q, const void *gz, size_t len, int64_t now_ms,
                       ot_buf *out)
{
    char seal[32], now[32], hex[65];
    uint8_t h[32];
    ot_time_iso8601(q->seal_ms, seal);
    ot_time_iso8601(now_ms, now);
    ot_sha256(gz, len, h);
    ot_hex(h, 32, hex);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "trailARN", q->trail_arn);
    ot_jw_kstr(&w, "bucket", q->bucket);
    ot_jw_kstr(&w, "key", q->key);
    ot_jw_kstr(&w, "accountId", q->account_id);
    ot_jw_kstr(&w, "region", q->region);
    ot_jw_kint(&w, "events", (int64_t)q->events);
    ot_jw_kstr(&w, "error", q->error);
    ot_jw_kstr(&w, "sealTime", seal);
    ot_jw_kstr(&w, "quarantineTime", now);
    ot_jw_kint(&w, "walFirst", (int64_t)q->a + 1);
    ot_jw_kint(&w, "walLast", (int64_t)q->b);
    ot_jw_kstr(&w, "gzipSHA256", hex);
    ot_jw_end(&w);
    if (!ot_jw_error(&w))
        ot_buf_append(out, "\n", 1);
    return ot_jw_error(&w);
}

/* New directories must survive a crash too: fsync dir (holds the trail's folder) and its
 * parent (holds dir). */
static int fsync_parents(const char *dir)
{
    char parent[600];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash)
        *(slash == parent ? slash + 1 : slash) = '\0';
    else
        snprintf(parent, sizeof parent, ".");
    return ot_sys_fsync_dir(dir) || ot_sys_fsync_dir(parent) ? OT_EIO : OT_OK;
}

int ot_deliver_quarantine_write(const char *dir, ot_deliver_qfile *q, const void *gz,
                                size_t len, int64_t now_ms)
{
    char path[1200];
    int rc = qfile_path(q);
    if (rc)
        return rc;
    const char *slash = strchr(q->path, '/');
    snprintf(path, sizeof path, "%s/%.*s", dir, (int)(slash - q->path), q->path);
    if (ot_sys_mkdir_p(path, 0700) || fsync_parents(dir))
        return OT_EIO;
    snprintf(path, sizeof path, "%s/%s", dir, q->path);
    /* The log file first: a reason file always has its log file beside it. */
    rc = ot_sys_write_file_atomic(path, gz, len, 0600, false);
    ot_buf reason;
    ot_buf_init(&reason, 0);
    if (!rc)
        rc = reason_json(q, gz, len, now_ms, &reason);
    if (!rc) {
        size_t n = strlen(path);
        memcpy(path + n - strlen(".gz"), "", 1); /* <file>.json.gz -> <file>.json */
        rc = ot_sys_write_file_atomic(path, reason.data, reason.len, 0600, false);
    }
    ot_buf_free(&reason);
    return rc;
}

/* ---- the delivery thread's side ---- */

static int quar_slot(ot_deliver *d, ot_deliver_qfile **out)
{
    if (OT_VEC_GROW(d->quar, d->capquar, d->nquar + 1))
        return OT_ENOMEM;
    *out = &d->quar[d->nquar];
    memset(*out, 0, sizeof **out);
    return OT_OK;
}

int dl_quarantine_batch(ot_deliver *d, const ot_deliver_intent *in, const ot_deliver_batch *b,
                        const char *key, const char *err)
{
    ot_deliver_qfile *q;
    if (!d->o.quarantine_dir[0])
        return OT_EINVAL; /* nowhere to keep it: the put is retried */
    int rc = quar_slot(d, &q);
    if (rc)
        return rc;
    snprintf(q->trail_arn, sizeof q->trail_arn, "%s", in->snap.arn);
    snprintf(q->bucket, sizeof q->bucket, "%s", in->snap.bucket);
    snprintf(q->key, sizeof q->key, "%s", key);
    snprintf(q->account_id, sizeof q->account_id, "%s", b->account_id);
    snprintf(q->region, sizeof q->region, "%s", b->region);
    snprintf(q->error, sizeof q->error, "%s", err);
    q->a = in->a;
    q->b = in->b;
    q->seal_ms = in->seal_ms;
    q->events = b->events;
    q->oldest_ms = b->oldest_ms;
    q->newest_ms = b->newest_ms;
    uint8_t h[32];
    ot_sha256(b->body.data, b->body.len, h);
    ot_hex(h, 32, q->sha256_hex);
    rc = ot_deliver_quarantine_write(d->o.quarantine_dir, q, d->gz.data, d->gz.len,
                                     dl_now_ms(d));
    if (rc) {
        ot_error("deliver: %s: %s; quarantining the log file in %s failed (%s): retrying",
                 in->snap.arn, err, d->o.quarantine_dir, ot_strerror(rc));
        return rc;
    }
    d->nquar++;
    ot_metric_inc(&m_quarantined);
    ot_warn("deliver: %s: %s; %llu event(s) kept in %s/%s", in->snap.arn, err,
            (unsigned long long)b->events, d->o.quarantine_dir, q->path);
    return OT_OK;
}

void dl_quarantine_message(const ot_deliver *d, char *out, size_t cap)
{
    const ot_deliver_qfile *q = &d->quar[0];
    char more[64] = "";
    if (d->nquar > 1)
        snprintf(more, sizeof more, " (and %zu more log files)", d->nquar - 1);
    snprintf(out, cap,
             "Log file for account %s region %s (%llu events) cannot be delivered: %.250s. "
             "It is quarantined as quarantine/%.200s in the data directory%s.",
             q->account_id, q->region, (unsigned long long)q->events, q->error, q->path, more);
}

static ot_deliver_qcount *qcount_of(ot_deliver *d, const char *arn)
{
    for (size_t i = 0; i < d->nqcounts; i++)
        if (strcmp(d->qcounts[i].trail_arn, arn) == 0)
            return &d->qcounts[i];
    if (OT_VEC_GROW(d->qcounts, d->capqcounts, d->nqcounts + 1))
        return NULL;
    ot_deliver_qcount *c = &d->qcounts[d->nqcounts++];
    snprintf(c->trail_arn, sizeof c->trail_arn, "%s", arn);
    c->files = 0;
    return c;
}

void dl_quarantine_count(ot_deliver *d)
{
    for (size_t i = 0; i < d->nquar; i++) {
        ot_deliver_qcount *c = qcount_of(d, d->quar[i].trail_arn);
        if (c)
            c->files++;
        d->files_quarantined++;
    }
}

uint64_t dl_quarantined(const ot_deliver *d, const char *trail_arn)
{
    for (size_t i = 0; i < d->nqcounts; i++)
        if (strcmp(d->qcounts[i].trail_arn, trail_arn) == 0)
            return d->qcounts[i].files;
    return 0;
}

static int counts_cb(struct sqlite3 *db, void *ctx)
{
    ot_deliver *d = ctx;
    int rc = ot_deliver_db_quarantine_counts(db, &d->qcounts, &d->nqcounts);
    d->capqcounts = d->nqcounts; /* the loaded array is exactly that long */
    return rc;
}

int dl_quarantine_load(ot_deliver *d)
{
    int rc = dl_db(d, counts_cb, d);
    for (size_t i = 0; !rc && i < d->nqcounts; i++)
        ot_info("deliver: %s: %llu log file(s) quarantined so far (kept under %s until "
                "delivered)",
                d->qcounts[i].trail_arn, (unsigned long long)d->qcounts[i].files,
                d->o.quarantine_dir);
    return rc;
}

/* ---- redelivery at start ---- */

typedef struct held_ctx {
    ot_deliver_qfile *v;
    size_t n;
} held_ctx;

static int held_cb(struct sqlite3 *db, void *ctx)
{
    held_ctx *h = ctx;
    return ot_deliver_db_quarantine_held(db, &h->v, &h->n);
}

typedef struct delivered_ctx {
    const ot_deliver_qfile *q;
    int64_t now;
} delivered_ctx;

/* Delivered, and listed in the trail's next digest, in one transaction. */
static int delivered_cb(struct sqlite3 *db, void *ctx)
{
    delivered_ctx *c = ctx;
    const ot_deliver_qfile *q = c->q;
    ot_digest_logfile f = {.oldest_ms = q->oldest_ms, .newest_ms = q->newest_ms};
    snprintf(f.account_id, sizeof f.account_id, "%s", q->account_id);
    snprintf(f.region, sizeof f.region, "%s", q->region);
    snprintf(f.bucket, sizeof f.bucket, "%s", q->bucket);
    snprintf(f.key, sizeof f.key, "%s", q->key);
    snprintf(f.sha256_hex, sizeof f.sha256_hex, "%s", q->sha256_hex);
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? OT_OK : OT_EIO;
    if (!rc)
        rc = ot_deliver_db_quarantine_delivered(db, q->id, c->now);
    if (!rc)
        rc = ot_digest_db_note_logs(db, q->trail_arn, &f, 1, c->now);
    if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = OT_EIO;
    if (rc)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int read_whole(const char *path, ot_buf *out)
{
    int fd = ot_sys->open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return errno == ENOENT ? OT_ENOTFOUND : OT_EIO;
    struct stat st;
    size_t got = 0;
    int rc = ot_sys->fstat(fd, &st) ? OT_EIO : ot_buf_reserve(out, (size_t)st.st_size);
    if (!rc)
        rc = ot_sys_pread_full(fd, out->data, (size_t)st.st_size, 0, &got);
    if (!rc && got != (size_t)st.st_size)
        rc = OT_EIO;
    if (!rc)
        out->len = got;
    ot_sys->close(fd);
    return rc;
}

/* Puts a quarantined file where it was meant to go; the files stay until that is recorded. */
static void redeliver_one(ot_deliver *d, const ot_deliver_qfile *q, ot_buf *gz)
{
    char path[1200];
    ot_trail t;
    if (d->o.env.get_trail(d->o.env.ctx, q->trail_arn, &t) != OT_OK)
        return; /* the trail is gone: the file stays for inspection */
    snprintf(path, sizeof path, "%s/%s", d->o.quarantine_dir, q->path);
    ot_buf_reset(gz);
    int rc = read_whole(path, gz);
    if (!rc)
        rc = d->o.env.put(d->o.env.ctx, q->bucket, q->key, gz->data, gz->len);
    if (rc) {
        ot_warn("deliver: quarantined %s still cannot be delivered to s3://%s/%s: %s", path,
                q->bucket, q->key, ot_strerror(rc));
        return;
    }
    delivered_ctx c = {q, dl_now_ms(d)};
    if (dl_db(d, delivered_cb, &c) != OT_OK)
        return; /* put again at the next start: the same bytes to the same key */
    ot_info("deliver: quarantined %s delivered to s3://%s/%s", path, q->bucket, q->key);
    ot_sys->unlink(path);
    path[strlen(path) - strlen(".gz")] = '\0'; /* its reason file */
    ot_sys->unlink(path);
}

void dl_quarantine_redeliver(ot_deliver *d)
{
    held_ctx h = {0};
    if (!d->o.quarantine_dir[0] || dl_db(d, held_cb, &h) != OT_OK)
        return;
    ot_buf gz;
    ot_buf_init(&gz, 0);
    for (size_t i = 0; i < h.n; i++)
        redeliver_one(d, &h.v[i], &gz);
    ot_buf_free(&gz);
    free(h.v);
}
