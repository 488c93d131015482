/* history_blk.c — document blocks: the verbatim records (and their LookupEvents resources JSON)
 * of up to OT_HISTORY_BLOCK consecutive imported events, deflated together in one doc_blk row.
 *
 * Why blocks: a bulk import otherwise writes every ~1.5 KB record into SQLite uncompressed (most
 * of the file and a third of the writer's time). CloudTrail records repeat each other's keys and
 * values, so a block of neighbours deflates ~6x where one record alone barely does; the block
 * is small enough (~50 KB inflated) that a page of 50 hits from 50 blocks inflates in ~1-2 ms.
 * Workers encode blocks; the writer only stores them.
 *
 * Inflated layout: u32 n, then n x {u32 res_off, u32 raw_off, u32 raw_len}, then the strings
 * (each NUL-terminated); offsets are from the start of the block. */
#include "history/history_int.h"

#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define HDR(n) (4 + 12 * (size_t)(n))

static void put_u32(char *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get_u32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int deflate_into(const ot_buf *in, ot_buf *out, uint8_t *level_buf)
{
    struct isal_zstream zs;
    isal_deflate_stateless_init(&zs);
    zs.level = 1;
    zs.level_buf = level_buf;
    zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    zs.end_of_stream = 1;
    zs.flush = NO_FLUSH;
    zs.next_in = (uint8_t *)in->data;
    zs.avail_in = (uint32_t)in->len;
    /* Stored-block worst case: input + 5 bytes per 64 KiB block + a little. */
    size_t room = in->len + in->len / 16 + 1024;
    int rc = ot_buf_reserve(out, room);
    if (rc)
        return rc;
    zs.next_out = (uint8_t *)out->data + out->len;
    zs.avail_out = (uint32_t)room;
    if (isal_deflate_stateless(&zs) != COMP_OK)
        return OT_EIO;
    out->len += room - zs.avail_out;
    return OT_OK;
}

int ot_history_block_encode(const ot_history_row *rows, size_t n, const char *arena,
                            ot_buf *scratch, ot_buf *out, size_t *ulen)
{
    if (n == 0 || n > OT_HISTORY_BLOCK)
        return OT_EINVAL;
    ot_buf_reset(scratch);
    int rc = ot_buf_reserve(scratch, HDR(n));
    if (rc)
        return rc;
    scratch->len = HDR(n);
    put_u32(scratch->data, (uint32_t)n);
    for (size_t i = 0; i < n && !rc; i++) {
        const ot_history_row *r = &rows[i];
        const char *res = r->resources_json >= 0 ? arena + r->resources_json : "[]";
        size_t res_off = scratch->len;
        if ((rc = ot_buf_append(scratch, res, strlen(res) + 1)))
            break;
        size_t raw_off = scratch->len;
        if ((rc = ot_buf_append(scratch, r->raw, r->raw_len)) || (rc = ot_buf_putc(scratch, '\0')))
            break;
        if (scratch->len > INT32_MAX) {
            rc = OT_ELIMIT;
            break;
        }
        char *e = scratch->data + 4 + 12 * i;
        put_u32(e, (uint32_t)res_off);
        put_u32(e + 4, (uint32_t)raw_off);
        put_u32(e + 8, (uint32_t)r->raw_len);
    }
    uint8_t *level_buf = rc ? NULL : malloc(ISAL_DEF_LVL1_DEFAULT);
    if (!rc && !level_buf)
        rc = OT_ENOMEM;
    if (!rc)
        rc = deflate_into(scratch, out, level_buf);
    free(level_buf);
    *ulen = scratch->len;
    return rc;
}

int hist_block_inflate(const void *z, size_t zlen, size_t ulen, ot_buf *out)
{
    if (ulen < 4 || ulen > INT32_MAX || zlen > UINT32_MAX)
        return OT_ECORRUPT;
    ot_buf_reset(out);
    int rc = ot_buf_reserve(out, ulen);
    if (rc)
        return rc;
    struct inflate_state st;
    isal_inflate_init(&st);
    st.next_in = (uint8_t *)z;
    st.avail_in = (uint32_t)zlen;
    st.next_out = (uint8_t *)out->data;
    st.avail_out = (uint32_t)ulen;
    if (isal_inflate_stateless(&st) != ISAL_DECOMP_OK || st.avail_out != 0)
        return OT_ECORRUPT;
    out->len = ulen;
    out->data[ulen] = '\0';
    return OT_OK;
}

int hist_block_record(const ot_buf *b, int64_t bi, const char **res, const char **raw,
                      size_t *raw_len)
{
    if (b->len < 4)
        return OT_ECORRUPT;
    uint32_t n = get_u32(b->data);
    if (bi < 0 || (uint64_t)bi >= n || HDR(n) > b->len)
        return OT_ECORRUPT;
    const char *e = b->data + 4 + 12 * bi;
    uint32_t ro = get_u32(e), wo = get_u32(e + 4), wl = get_u32(e + 8);
    if (ro >= b->len || wo > b->len || wl > b->len - wo || memchr(b->data + ro, '\0', b->len - ro) == NULL)
        return OT_ECORRUPT;
    *res = b->data + ro;
    *raw = b->data + wo;
    *raw_len = wl;
    return OT_OK;
}
