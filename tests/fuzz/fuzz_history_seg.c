/* fuzz_history_seg.c — the event segment reader (src/history/history_seg.c, history_seg_iter.c,
 * history_blk.c): open a segment file from arbitrary bytes, then read every row, key, eventID
 * and document and run queries over it.
 *
 * A segment on disk may be damaged (a bad disk, a copied data dir, a crash) or tampered with.
 * Each input is opened twice: as it is, where the checksums must refuse any damage, and with
 * its checksums recomputed, as if the damage had been written by a faulty writer — then the
 * reader's own bounds checks are all that stand between the file and memory. */
#include <isa-l/crc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "history/history_int.h"
#include "history/history_seg.h"
#include "util/log.h"

/* The bytes as a file, without touching the disk. */
static int open_seg(const uint8_t *data, size_t size, hist_seg **out)
{
    int fd = memfd_create("seg", MFD_CLOEXEC);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc = hist_seg_open(path, 1000, out);
    close(fd);
    return rc;
}

static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= size - off;
}

/* Recomputes every checksum the reader verifies, wherever the header's offsets allow. */
static void fix_checksums(uint8_t *d, size_t size)
{
    if (size < sizeof(seg_header))
        return;
    seg_header hd;
    memcpy(&hd, d, sizeof hd);
    uint64_t boff = hd.sec[SEC_BLKS].off;
    if (in_file(boff, hd.nblk * sizeof(seg_blk), size) && hd.nblk < size) {
        for (uint64_t i = 0; i < hd.nblk; i++) {
            seg_blk b;
            memcpy(&b, d + boff + i * sizeof b, sizeof b);
            if (in_file(b.off, b.zlen, size)) {
                b.crc = crc32_gzip_refl(0, d + b.off, b.zlen);
                memcpy(d + boff + i * sizeof b, &b, sizeof b);
            }
        }
    }
    uint32_t crc = 0;
    for (int i = 0; i < SEC_COUNT; i++)
        if (in_file(hd.sec[i].off, hd.sec[i].len, size))
            crc = crc32_gzip_refl(crc, d + hd.sec[i].off, hd.sec[i].len);
    hd.meta_crc = crc;
    memcpy(d, &hd, sizeof hd);
    hd.head_crc = crc32_gzip_refl(0, d, offsetof(seg_header, head_crc));
    memcpy(d, &hd, sizeof hd);
}

static void query(const hist_seg *s, ot_history_key key, const char *value, const char *region)
{
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .cat = 0,
                          .region = region, .limit = 50};
    if (value) {
        q.attrs[0].key = key;
        q.attrs[0].value = value;
        q.nattrs = 1;
    }
    for (q.cat = 0; q.cat < 3; q.cat++) {
        seg_iter it;
        seg_iter_init(&it, s, &q, INT64_MIN);
        int64_t row;
        for (int k = 0; k < 1000 && (row = seg_iter_next(&it)) >= 0; k++)
            if ((uint64_t)row >= s->hd->n)
                abort();
    }
}

/* Reads everything a lookup could, row by row (the first rows only: inputs are small). */
static void read_all(const hist_seg *s)
{
    hist_blk_reader r = {0};
    uint64_t n = s->hd->n < 64 ? s->hd->n : 64;
    for (uint64_t i = 0; i < n; i++) {
        const seg_row *row = &s->rows[i];
        const char *eid = hist_seg_str(s, row->eid), *region = hist_seg_str(s, row->region);
        hist_seg_str(s, row->name);
        hist_seg_str(s, row->source);
        hist_seg_str(s, row->user);
        hist_seg_str(s, row->akid);
        const char *res, *raw;
        size_t raw_len;
        if (hist_seg_doc(s, i, &r, &res, &raw, &raw_len) == 0) {
            volatile size_t res_len = strlen(res); /* ends inside the block (ASan checks) */
            (void)res_len;
            if (raw[raw_len])
                abort(); /* the document ends where its length says */
        }
        if (eid) {
            int64_t f = hist_seg_find_eid(s, eid, strlen(eid));
            if (f >= (int64_t)s->hd->n)
                abort();
            query(s, OT_HK_EVENT_ID, eid, NULL);
        }
        query(s, OT_HK_EVENT_NAME, hist_seg_str(s, row->name), region);
        query(s, OT_HK_USERNAME, hist_seg_str(s, row->user), NULL);
    }
    for (uint64_t i = 0; i < s->hd->nkeys && i < 64; i++) {
        const seg_key *k = &s->keys[i];
        const char *v = hist_seg_str(s, k->value), *region = hist_seg_str(s, k->region);
        uint32_t np;
        if (v && region)
            hist_seg_postings(s, (int)(k->kind_cat >> 8 & 0xff), (int)(k->kind_cat & 0xff), v,
                              region, &np); /* the reader's callers pass small kinds only */
    }
    query(s, OT_HK_EVENT_NAME, NULL, NULL);
    query(s, OT_HK_RESOURCE_TYPE, "AWS::S3::Object", "us-east-1");
    hist_blk_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        ot_log_set_level(OT_LOG_ERROR + 1); /* a damaged segment is logged: too much here */
        quiet = true;
    }
    hist_seg *s;
    if (open_seg(data, size, &s) == 0) {
        read_all(s);
        hist_seg_close(s);
    }
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    fix_checksums(copy, size);
    if (open_seg(copy, size, &s) == 0) {
        read_all(s);
        hist_seg_close(s);
    }
    free(copy);
    return 0;
}
