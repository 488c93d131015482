/* history_blk.c — document blocks: the verbatim records (and their LookupEvents resources JSON)
 * of up to OT_HISTORY_BLOCK consecutive imported events, deflated together (in a segment file;
 * imports before schema 5 stored them in doc_blk rows of history.db, still read here).
 *
 * Why blocks: CloudTrail records repeat each other's keys and values, so 16 neighbours deflate
 * ~2.3x together even at ISA-L's fastest level. Why 16: a page of 50 hits usually touches 50
 * different blocks, and reading costs ~25 us per 16-record block against ~45 us at 32 for a few
 * percent better compression; a record is inflated only up to its end. Why level 0: the import
 * is bound by CPU on both cores, and level 0 (no per-block Huffman tables) costs ~30% less than
 * level 1 for a file 12% larger (bench/import). Workers encode blocks; the writer only stores
 * them.
 *
 * Inflated layout: u32 n, then n x {u32 res_off, u32 raw_off, u32 raw_len}, then the strings
 * (each NUL-terminated); offsets are from the start of the block. */
#include "history/history_int.h"

#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/err.h"

#define HDR(n) (4 + 12 * (size_t)(n))

static void put_u32(char *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get_u32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Level 0 needs no level buffer; one on the stack keeps a switch back to level 1 cheap (a heap
 * one of the default size is above malloc's mmap threshold: an mmap and munmap per block). */
static int deflate_into(const ot_buf *in, ot_buf *out)
{
    uint8_t level_buf[ISAL_DEF_LVL1_SMALL];
    struct isal_zstream zs;
    isal_deflate_stateless_init(&zs);
    zs.level = 0;
    zs.level_buf = level_buf;
    zs.level_buf_size = sizeof level_buf;
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
    if (!rc)
        rc = deflate_into(scratch, out);
    *ulen = scratch->len;
    return rc;
}

void hist_blk_free(hist_blk_reader *r)
{
    if (r->zinit)
        inflateEnd(&r->zs);
    r->zinit = false;
    ot_buf_free(&r->z);
    ot_buf_free(&r->out);
}

/* zlib rather than ISA-L to read: a page inflates up to 50 small blocks, and ISA-L's per-block
 * table setup costs more than zlib's (measured: ~40 us vs ~10 us per block here). */
int hist_blk_load(hist_blk_reader *r, int64_t id, const void *z, size_t zlen, size_t ulen)
{
    r->id = 0;
    /* Deflate expands at most ~1032:1, so a larger ulen is damage, not a block to allocate for. */
    if (ulen < 4 || ulen > INT32_MAX || zlen > INT32_MAX || ulen > (uint64_t)zlen * 1032 + 64)
        return OT_ECORRUPT;
    ot_buf_reset(&r->z);
    ot_buf_reset(&r->out);
    int rc = ot_buf_append(&r->z, z, zlen);
    if (!rc)
        rc = ot_buf_reserve(&r->out, ulen);
    if (rc)
        return rc;
    if (!r->zinit) {
        memset(&r->zs, 0, sizeof r->zs);
        if (inflateInit2(&r->zs, -15) != Z_OK)
            return OT_ENOMEM;
        r->zinit = true;
    } else if (inflateReset(&r->zs) != Z_OK) {
        return OT_EIO;
    }
    r->zs.next_in = (Bytef *)r->z.data;
    r->zs.avail_in = (uInt)zlen;
    r->ulen = ulen;
    r->id = id;
    return OT_OK;
}

/* Inflates until the first upto bytes of the block are out (a page rarely needs all of it). */
static int need(hist_blk_reader *r, size_t upto)
{
    if (upto > r->ulen)
        return OT_ECORRUPT;
    while (r->out.len < upto) {
        r->zs.next_out = (Bytef *)r->out.data + r->out.len;
        r->zs.avail_out = (uInt)(upto - r->out.len);
        uInt before = r->zs.avail_out;
        int ret = inflate(&r->zs, Z_SYNC_FLUSH);
        size_t got = before - r->zs.avail_out;
        r->out.len += got;
        r->out.data[r->out.len] = '\0';
        if ((ret != Z_OK && ret != Z_STREAM_END) || (got == 0 && r->out.len < upto))
            return OT_ECORRUPT; /* damaged, or the stream ends before the block's size */
    }
    return OT_OK;
}
int hist_blk_get(hist_blk_reader *r, int64_t bi, const char **res, const char **raw,
                 size_t *raw_len)
{
    if (!r->id)
        return OT_EINVAL;
    int rc = need(r, 4);
    if (rc)
        return rc;
    uint32_t n = get_u32(r->out.data);
    if (bi < 0 || (uint64_t)bi >= n || n > OT_HISTORY_BLOCK || (rc = need(r, HDR(n))))
        return rc ? rc : OT_ECORRUPT;
    const char *e = r->out.data + 4 + 12 * bi;
    uint32_t ro = get_u32(e), wo = get_u32(e + 4), wl = get_u32(e + 8);
    /* the record's resources JSON, then the record, each NUL-terminated */
    if (ro < HDR(n) || wo <= ro || (uint64_t)wo + wl >= r->ulen)
        return OT_ECORRUPT;
    if ((rc = need(r, (size_t)wo + wl + 1)))
        return rc;
    const char *b = r->out.data;
    if (b[wo - 1] != '\0' || b[wo + wl] != '\0')
        return OT_ECORRUPT;
    *res = b + ro;
    *raw = b + wo;
    *raw_len = wl;
    return OT_OK;
}
