/* vl_gzip.c — whole-buffer inflate of a log file's first gzip member (ISA-L igzip), its SHA-256,
 * and the shape check of the JSON inside.
 *
 * The AWS CLI hashes only the first gzip member; so do we, but we also say whether anything
 * follows it (an appended member passes the CLI) and whether the member was cut short. */
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/json.h"
#include "validate/validate.h"

#define INFLATE_STEP (4u << 20)

#define DEFLATE_MAX_RATIO 1032 /* deflate cannot expand n bytes to more than ~1032 n */

/* The gzip trailer's ISIZE (size mod 2^32) of the last member: a good first guess, but the
 * trailer is untrusted (20 bytes may claim 4 GB), so never more than the input can inflate to. */
static size_t size_hint(const uint8_t *data, size_t len)
{
    if (len < 18)
        return INFLATE_STEP;
    uint32_t isize = (uint32_t)data[len - 4] | (uint32_t)data[len - 3] << 8 |
                     (uint32_t)data[len - 2] << 16 | (uint32_t)data[len - 1] << 24;
    size_t most = len < SIZE_MAX / DEFLATE_MAX_RATIO ? len * DEFLATE_MAX_RATIO : SIZE_MAX;
    return (size_t)isize < most ? (size_t)isize + 1 : most;
}

ot_gz_status ot_validate_inflate(const uint8_t *data, size_t len, void *out_buf, char sha_hex[65])
{
    ot_buf *out = out_buf;
    struct inflate_state st;
    ot_gz_status status = OT_GZ_BAD;
    ot_buf_reset(out);
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;
    st.next_in = (uint8_t *)data;
    st.avail_in = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
    size_t want = size_hint(data, len);
    for (;;) {
        /* the hint comes from the file's last bytes, which may be garbage: clamp it */
        size_t left_cap = out->max ? out->max - out->len : want;
        if (want > left_cap)
            want = left_cap;
        if (want == 0 || ot_buf_reserve(out, want) != 0) {
            status = OT_GZ_BAD; /* larger than the caller allows */
            break;
        }
        size_t room = out->cap - out->len;
        if (out->max && room > out->max - out->len)
            room = out->max - out->len; /* reserve may round up past the cap */
        if (room > UINT32_MAX)
            room = UINT32_MAX;
        st.next_out = (uint8_t *)out->data + out->len;
        st.avail_out = (uint32_t)room;
        int r = isal_inflate(&st);
        out->len += room - st.avail_out;
        if (r < 0) {
            status = OT_GZ_BAD;
            break;
        }
        if (st.block_state == ISAL_BLOCK_FINISH) {
            /* igzip may hold a few unread bytes in its bit buffer */
            size_t left = st.avail_in + (size_t)(st.read_in_length / 8);
            status = left ? OT_GZ_TRAILING : OT_GZ_OK;
            break;
        }
        if (st.avail_out > 0 && st.avail_in == 0) {
            status = OT_GZ_TRUNCATED;
            break;
        }
        want = INFLATE_STEP;
    }
    if (out->data)
        out->data[out->len] = '\0';
    uint8_t md[32];
    ot_sha256(out->data, out->len, md);
    ot_hex(md, 32, sha_hex);
    return status;
}

const char *ot_validate_log_json(void *json_doc, const char *data, size_t len)
{
    ot_json root, recs, rec;
    ot_json_iter it;
    char err[128];
    if (ot_json_parse(json_doc, data, len, true, &root, err, sizeof err))
        return "malformed JSON";
    if (ot_json_typeof(root) != OT_JSON_OBJECT)
        return "not a JSON object";
    if (ot_json_get(root, "Records", &recs) || ot_json_typeof(recs) != OT_JSON_ARRAY)
        return "no Records array";
    if (ot_json_count(root) != 1)
        return "members other than Records";
    ot_json_array_iter(recs, &it);
    while (ot_json_array_next(&it, &rec))
        if (ot_json_typeof(rec) != OT_JSON_OBJECT)
            return "a record is not a JSON object";
    return NULL;
}
