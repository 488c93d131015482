/* api_keys.c — ListPublicKeys: the public halves of the digest signing keys of the request's
 * region (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_ListPublicKeys.html).
 *
 * Value is base64 of the DER PKCS#1 RSAPublicKey (awscli v1 loads nothing else), Fingerprint the
 * MD5 hex of those bytes. Every key whose validity window overlaps [StartTime, EndTime] is
 * returned; both default to now, which returns the current key (AWS's documented default). A
 * region that has no key yet gets its first one when the range reaches now, so
 * `aws cloudtrail validate-logs` in a region without digests reports "No digests found"
 * instead of failing on an empty key list. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "digest/digest.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/region.h"
#include "util/timeutil.h"

#define MAX_EPOCH_S 253402300799.0 /* 9999-12-31T23:59:59Z */

/* An optional timestamp member (epoch seconds, JSON 1.1): 1 present, 0 absent, -1 error. */
static int epoch_member(ct_ctx *c, const char *key, int64_t *ms)
{
    ot_json v;
    if (ot_json_get(c->in, key, &v) != 0 || ot_json_typeof(v) == OT_JSON_NULL)
        return 0;
    double d;
    if (ot_json_typeof(v) != OT_JSON_NUMBER || ot_json_double(v, &d) != 0)
        return ct_fail(c, "SerializationException",
                       "Member '%s' must be a timestamp (epoch seconds).", key);
    if (!isfinite(d) || d < 0 || d > MAX_EPOCH_S)
        return ct_fail(c, "InvalidTimeRangeException",
                       "%s is outside the range of possible values.", key);
    *ms = (int64_t)floor(d * 1000.0);
    return 1;
}

static void write_key(ot_jw *w, const ot_pubkey *k)
{
    char b64[OT_KEY_DER_MAX * 4 / 3 + 8];
    ot_base64(k->der, k->der_len, b64);
    ot_jw_obj(w);
    ot_jw_kstr(w, "Value", b64);
    ct_ktime(w, "ValidityStartTime", k->valid_from_ms);
    ct_ktime(w, "ValidityEndTime", k->valid_to_ms);
    ot_jw_kstr(w, "Fingerprint", k->fingerprint);
    ot_jw_end(w);
}

int ct_list_public_keys(ct_ctx *c)
{
    int64_t now = ot_now_ms(), start = now, end = now;
    const char *token = NULL;
    if (epoch_member(c, "StartTime", &start) < 0 || epoch_member(c, "EndTime", &end) < 0 ||
        ct_str(c, c->in, "NextToken", &token) < 0)
        return -1;
    if (start > end)
        return ct_fail(c, "InvalidTimeRangeException",
                       "The start time must not be after the end time.");
    if (token && token[0]) /* one page holds every key: we never hand out a token */
        return ct_fail(c, "InvalidTokenException", "Reserved for future use.");
    ot_keystore *ks = c->srv->keys;
    ot_pubkey *keys = NULL;
    size_t n = 0;
    bool region_ok = ot_region_valid(c->region);
    int rc = region_ok && ks ? ot_keystore_list(ks, c->region, start, end, &keys, &n) : OT_OK;
    if (!rc && region_ok && ks && n == 0 && start <= now && now <= end) {
        ot_pubkey k;
        rc = ot_keystore_signing_key(ks, c->region, now, &k);
        if (!rc)
            rc = ot_keystore_list(ks, c->region, start, end, &keys, &n);
    }
    if (rc) {
        free(keys);
        return ct_fail(c, "InternalFailure", "Signing keys: %s", ot_strerror(rc));
    }
    ct_ok(c);
    ot_jw_key(&c->w, "PublicKeyList");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n; i++)
        write_key(&c->w, &keys[i]);
    ot_jw_end(&c->w);
    free(keys);
    return 0;
}
