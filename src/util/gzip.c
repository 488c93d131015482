/* gzip.c — one gzip member per log file, with ISA-L igzip at level 1.
 *
 * Why one member: `aws cloudtrail validate-logs` hashes only the first member and newer CLIs
 * reject trailing data (awscli/customizations/cloudtrail/validation.py in
 * https://github.com/aws/aws-cli). Why ISA-L: it compresses several times faster than zlib at
 * a similar ratio for JSON, and delivery must keep up with ingest on one core.
 * Level 1 with the default tables is deterministic for the same input on the same machine. */
#include "util/gzip.h"

#include <isa-l/igzip_lib.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

int ot_gzip(const void *in, size_t len, ot_buf *out)
{
    if (len > UINT32_MAX - 1024)
        return OT_ELIMIT;
    struct isal_zstream zs;
    isal_deflate_init(&zs);
    uint8_t *level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
    if (!level_buf)
        return OT_ENOMEM;
    zs.level = 1;
    zs.level_buf = level_buf;
    zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    zs.gzip_flag = IGZIP_GZIP;
    zs.end_of_stream = 1;
    zs.flush = NO_FLUSH;
    zs.next_in = (uint8_t *)in;
    zs.avail_in = (uint32_t)len;
    /* Stored-block worst case: input + 5 bytes per 64 KiB block + header and trailer. */
    size_t room = len + len / 16 + 1024;
    int rc = OT_OK;
    while (rc == OT_OK) {
        rc = ot_buf_reserve(out, room);
        if (rc)
            break;
        size_t avail = out->cap - out->len;
        if (avail > UINT32_MAX)
            avail = UINT32_MAX;
        zs.next_out = (uint8_t *)out->data + out->len;
        zs.avail_out = (uint32_t)avail;
        if (isal_deflate(&zs) != COMP_OK) {
            rc = OT_EIO;
            break;
        }
        out->len += avail - zs.avail_out;
        if (zs.internal_state.state == ZSTATE_END)
            break;
        room = 64 * 1024;
    }
    if (!rc)
        out->data[out->len] = '\0';
    free(level_buf);
    return rc;
}

/* Inflating an untrusted body (the CloudWatch API's gzip requests: botocore compresses a
 * PutMetricData body of 10 KB or more): zlib, never past the cap, since a few bytes of gzip
 * may claim gigabytes. */
int ot_gunzip(const void *in, size_t n, size_t max, ot_buf *out)
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
