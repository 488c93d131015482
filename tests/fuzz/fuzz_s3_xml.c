/* fuzz_s3_xml.c — the S3 request XML readers (s3_xml.c) as DeleteObjects and CreateBucket use
 * them: s3_xml_find over nested elements and s3_xml_unescape of each key, into the same
 * S3_KEY_MAX * 6 + 1 buffer the handler uses; plus the XML writers on the decoded keys. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_int.h"
#include "util/buf.h"

#define KEY_CAP (S3_KEY_MAX * 6 + 1)

static void walk_delete(const char *p, const char *end, char *key, ot_buf *out)
{
    const char *in, *in_end, *after, *q, *qe, *oin, *oend;
    if (!s3_xml_find(p, end, "Delete", &in, &in_end, &after))
        return;
    s3_xml_find(in, in_end, "Quiet", &q, &qe, &after);
    size_t count = 0;
    for (p = in; count < 2000 && s3_xml_find(p, in_end, "Object", &oin, &oend, &after);
         p = after, count++) {
        const char *kin, *kend, *kafter;
        if (!s3_xml_find(oin, oend, "Key", &kin, &kend, &kafter))
            continue;
        long kl = s3_xml_unescape(kin, (size_t)(kend - kin), key, KEY_CAP);
        if (kl < 0)
            continue;
        ot_buf_reset(out);
        s3_xml_escape(out, key, (size_t)kl);
        s3_url_encode(out, key, (size_t)kl);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ot_buf in, out;
    ot_buf_init(&in, 0);
    ot_buf_init(&out, 0);
    char *key = malloc(KEY_CAP);
    if (key && !ot_buf_append(&in, (const char *)data, size) && !ot_buf_reserve(&in, 1)) {
        const char *p = in.data ? in.data : "", *end = p + in.len, *a, *ae, *af;
        walk_delete(p, end, key, &out);
        if (s3_xml_find(p, end, "CreateBucketConfiguration", &a, &ae, &af))
            s3_xml_find(a, ae, "LocationConstraint", &a, &ae, &af);
    }
    free(key);
    ot_buf_free(&in);
    ot_buf_free(&out);
    return 0;
}
