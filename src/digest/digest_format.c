/* digest_format.c — digest object keys and digest bodies, byte for byte as CloudTrail writes
 * them; the format:
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
 *
 * The key's timestamp has seconds and exactly 16 characters: awscli reads the date back from
 * fixed positions (key[-24:-8]). The body is serialised once, compactly, in AWS's member order;
 * its hash and signature are computed over exactly these bytes. */
#include "digest/digest_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/jsonw.h"
#include "util/str.h"
#include "util/timeutil.h"

int ot_digest_key(const ot_digest_trail *t, const char *account_id, const char *region,
                  int64_t end_ms, char *out, size_t outlen)
{
    time_t secs = (time_t)(end_ms / 1000);
    struct tm tm;
    if (end_ms < 0 || !gmtime_r(&secs, &tm))
        return OT_EINVAL;
    size_t pl = ot_str_rstrip_len(t->prefix, '/');
    bool org = t->org_id[0] != '\0';
    int n = snprintf(out, outlen,
                     "%.*s%sAWSLogs/%s%s%s/CloudTrail-Digest/%s/%04d/%02d/%02d/"
                     "%s_CloudTrail-Digest_%s_%s_%s_%04d%02d%02dT%02d%02d%02dZ.json.gz",
                     (int)pl, t->prefix, pl ? "/" : "", org ? t->org_id : "", org ? "/" : "",
                     account_id, region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     account_id, region, t->name, t->home_region, tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0 || (size_t)n >= outlen || n > OT_DIGEST_KEY_MAX)
        return OT_ELIMIT;
    return OT_OK;
}

static void ktime(ot_jw *w, const char *key, int64_t ms, bool present)
{
    ot_jw_key(w, key);
    if (!present) {
        ot_jw_null(w);
        return;
    }
    char iso[32];
    ot_time_iso8601(ms, iso);
    ot_jw_str(w, iso);
}

static void log_entry(ot_jw *w, const ot_digest_entry *e)
{
    ot_jw_obj(w);
    ot_jw_kstr(w, "s3Bucket", e->bucket);
    ot_jw_kstr(w, "s3Object", e->key);
    ot_jw_kstr(w, "hashValue", e->sha256_hex);
    ot_jw_kstr(w, "hashAlgorithm", "SHA-256");
    ktime(w, "newestEventTime", e->newest_ms, true);
    ktime(w, "oldestEventTime", e->oldest_ms, true);
    ot_jw_end(w);
}

int ot_digest_json(const ot_digest_doc *d, ot_buf *out)
{
    int64_t newest = 0, oldest = 0;
    for (size_t i = 0; i < d->nlogs; i++) {
        if (i == 0 || d->logs[i].newest_ms > newest)
            newest = d->logs[i].newest_ms;
        if (i == 0 || d->logs[i].oldest_ms < oldest)
            oldest = d->logs[i].oldest_ms;
    }
    bool prev = d->prev_key != NULL;
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "awsAccountId", d->account_id);
    ktime(&w, "digestStartTime", d->start_ms, true);
    ktime(&w, "digestEndTime", d->end_ms, true);
    ot_jw_kstr(&w, "digestS3Bucket", d->bucket);
    ot_jw_kstr(&w, "digestS3Object", d->key);
    ot_jw_kstr(&w, "digestPublicKeyFingerprint", d->fingerprint);
    ot_jw_kstr(&w, "digestSignatureAlgorithm", "SHA256withRSA");
    ktime(&w, "newestEventTime", newest, d->nlogs > 0);
    ktime(&w, "oldestEventTime", oldest, d->nlogs > 0);
    ot_jw_kstr(&w, "previousDigestS3Bucket", prev ? d->prev_bucket : NULL);
    ot_jw_kstr(&w, "previousDigestS3Object", prev ? d->prev_key : NULL);
    ot_jw_kstr(&w, "previousDigestHashValue", prev ? d->prev_hash : NULL);
    ot_jw_kstr(&w, "previousDigestHashAlgorithm", prev ? "SHA-256" : NULL);
    ot_jw_kstr(&w, "previousDigestSignature", prev ? d->prev_sig : NULL);
    ot_jw_key(&w, "logFiles");
    ot_jw_arr(&w);
    for (size_t i = 0; i < d->nlogs; i++)
        log_entry(&w, &d->logs[i]);
    ot_jw_end(&w);
    ot_jw_end(&w);
    return ot_jw_error(&w);
}
