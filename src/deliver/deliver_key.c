/* deliver_key.c — object keys of log files, as CloudTrail names them:
 * [prefix/]AWSLogs/[o-id/]<acct>/CloudTrail/<region>/YYYY/MM/DD/
 * <acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 characters>.json.gz, the time being the
 * delivery time to the minute, UTC. Insights files have the same layout with CloudTrail-Insight
 * in both places. See
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html and
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 *
 * The unique part of the name is derived from the WAL range the file covers, not drawn at
 * random, so redoing a seal after a crash overwrites the same object instead of adding a
 * duplicate file. */
#include "deliver/deliver_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/crypto.h"
#include "util/err.h"
#include "util/str.h"

static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void ot_deliver_unique16(const char *trail_arn, uint64_t a, uint64_t b, const char *account_id,
                         const char *region, char out[17])
{
    /* Length-prefixed fields, so no two different inputs serialise the same. */
    uint8_t msg[8 + 320 + 16 + 8 + 16 + 8 + 32];
    size_t off = 0;
    const char *strs[] = {trail_arn, account_id, region};
    size_t caps[] = {320, 16, 32};
    for (int i = 0; i < 3; i++) {
        size_t n = strnlen(strs[i], caps[i]);
        put_u64(msg + off, n);
        memcpy(msg + off + 8, strs[i], n);
        off += 8 + n;
        if (i == 0) {
            put_u64(msg + off, a);
            put_u64(msg + off + 8, b);
            off += 16;
        }
    }
    uint8_t h[32];
    ot_sha256(msg, off, h);
    for (int i = 0; i < 16; i++)
        out[i] = ALNUM[h[i] % (sizeof ALNUM - 1)];
    out[16] = '\0';
}

int ot_deliver_key(const ot_trail *t, const char *account_id, const char *region,
                   int64_t seal_ms, uint64_t a, uint64_t b, char *out, size_t outlen)
{
    return ot_deliver_file_key(t, OT_DELIVER_KIND_LOGS, account_id, region, seal_ms, a, b, out,
                               outlen);
}

int ot_deliver_file_key(const ot_trail *t, const char *kind, const char *account_id,
                        const char *region, int64_t seal_ms, uint64_t a, uint64_t b, char *out,
                        size_t outlen)
{
    time_t secs = (time_t)(seal_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return OT_EINVAL;
    char unique[17];
    ot_deliver_unique16(t->arn, a, b, account_id, region, unique);
    size_t pl = ot_str_rstrip_len(t->prefix, '/');
    bool org = t->organization && t->org_id[0];
    int n = snprintf(out, outlen,
                     "%.*s%sAWSLogs/%s%s%s/%s/%s/%04d/%02d/%02d/"
                     "%s_%s_%s_%04d%02d%02dT%02d%02dZ_%s.json.gz",
                     (int)pl, t->prefix, pl ? "/" : "", org ? t->org_id : "", org ? "/" : "",
                     account_id, kind, region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     account_id, kind, region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, unique);
    if (n < 0 || (size_t)n >= outlen || n > OT_DELIVER_KEY_MAX)
        return OT_ELIMIT;
    return OT_OK;
}
