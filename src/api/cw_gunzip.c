/* cw_gunzip.c — the gzip request bodies of the CloudWatch API. botocore compresses a
 * PutMetricData body of 10 KB or more (the model's requestcompression trait, encodings gzip)
 * and says so in Content-Encoding; zlib inflates it here, never past a cap, since a few bytes
 * of gzip may claim gigabytes. */
#include <zlib.h>

#include "api/cw_doc.h"
#include "util/err.h"

int ot_cwd_gunzip(const void *in, size_t n, size_t max, ot_buf *out)
{
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return OT_ENOMEM;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    int zrc = Z_OK, rc = OT_OK;
    while (zrc == Z_OK) {
        if (out->len >= max) {
            rc = OT_ELIMIT;
            break;
        }
        size_t room = max - out->len < 65536 ? max - out->len : 65536;
        if (ot_buf_reserve(out, room)) {
            rc = OT_ENOMEM;
            break;
        }
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = (uInt)room;
        zrc = inflate(&z, Z_NO_FLUSH);
        out->len += room - z.avail_out;
        if (zrc == Z_BUF_ERROR && z.avail_out) /* no progress: the input ended early */
            break;
        if (zrc == Z_BUF_ERROR)
            zrc = Z_OK;
    }
    if (!rc && (zrc != Z_STREAM_END || z.avail_in))
        rc = OT_EINVAL; /* truncated, corrupt, or bytes after the member */
    inflateEnd(&z);
    if (out->data)
        out->data[out->len] = '\0';
    return rc;
}
