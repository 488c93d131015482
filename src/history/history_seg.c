/* history_seg.c — reading a segment file (history_seg.h): map it, check it, find keys, rows
 * and documents. A segment is immutable once registered, so readers share one mapping and need
 * no locks; every offset read from the file is bounds-checked, and the checksums make damage an
 * error rather than wrong answers. */
#include "history/history_seg.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history/history_int.h"
#include "util/err.h"
#include "util/log.h"

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

/* Each section where the header says, inside the file, of the size its counts imply. */
static bool sections_ok(const seg_header *hd, size_t size)
{
    const uint64_t want[SEC_COUNT] = {
        [SEC_ROWS] = hd->n * sizeof(seg_row),     [SEC_BLKS] = hd->nblk * sizeof(seg_blk),
        [SEC_HEAP] = hd->sec[SEC_HEAP].len,       [SEC_KEYS] = hd->nkeys * sizeof(seg_key),
        [SEC_KSLOTS] = hd->kcap * 4,              [SEC_POST] = hd->npost * 4,
        [SEC_ESLOTS] = hd->ecap * 4,              [SEC_REGIONS] = hd->nregions * 4};
    if (hd->n > SEG_MAX_ROWS || hd->nblk > hd->n || hd->nkeys > UINT32_MAX ||
        hd->npost > UINT32_MAX || hd->nregions > 0xFFFF || !is_pow2(hd->kcap) ||
        !is_pow2(hd->ecap) || hd->kcap < hd->nkeys || hd->ecap <= hd->n)
        return false;
    for (int i = 0; i < SEC_COUNT; i++) {
        uint64_t off = hd->sec[i].off, len = hd->sec[i].len;
        if (off & 7 || off < sizeof *hd || off > size || len > size - off || len != want[i])
            return false;
    }
    const uint64_t heap = hd->sec[SEC_HEAP].len;
    return heap < UINT32_MAX;
}

static int check(hist_seg *s)
{
    const seg_header *hd = (const seg_header *)s->map;
    if (s->size < sizeof *hd || memcmp(hd->magic, SEG_MAGIC, 8) ||
        crc32_gzip_refl(0, s->map, offsetof(seg_header, head_crc)) != hd->head_crc ||
        !sections_ok(hd, s->size))
        return OT_ECORRUPT;
    uint32_t crc = 0;
    for (int i = 0; i < SEC_COUNT; i++)
        crc = crc32_gzip_refl(crc, s->map + hd->sec[i].off, hd->sec[i].len);
    if (crc != hd->meta_crc)
        return OT_ECORRUPT;
    s->hd = hd;
    s->rows = (const seg_row *)(s->map + hd->sec[SEC_ROWS].off);
    s->blks = (const seg_blk *)(s->map + hd->sec[SEC_BLKS].off);
    s->heap = (const char *)(s->map + hd->sec[SEC_HEAP].off);
    s->keys = (const seg_key *)(s->map + hd->sec[SEC_KEYS].off);
    s->kslots = (const uint32_t *)(s->map + hd->sec[SEC_KSLOTS].off);
    s->post = (const uint32_t *)(s->map + hd->sec[SEC_POST].off);
    s->eslots = (const uint32_t *)(s->map + hd->sec[SEC_ESLOTS].off);
    s->regions = (const uint32_t *)(s->map + hd->sec[SEC_REGIONS].off);
    /* the heap's strings are NUL-terminated, so none can run past its end */
    uint64_t hl = hd->sec[SEC_HEAP].len;
    return hl == 0 || s->heap[hl - 1] == '\0' ? OT_OK : OT_ECORRUPT;
}

int hist_seg_open(const char *path, int64_t id, hist_seg **out)
{
    hist_seg *s = calloc(1, sizeof *s);
    if (!s)
        return OT_ENOMEM;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->id = id;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int rc = OT_OK;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = errno == ENOENT ? OT_ENOTFOUND : OT_EIO;
    } else if (st.st_size < (off_t)sizeof(seg_header)) {
        rc = OT_ECORRUPT;
    } else {
        s->size = (size_t)st.st_size;
        void *m = mmap(NULL, s->size, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED)
            rc = OT_EIO;
        else
            s->map = m;
    }
    if (fd >= 0)
        close(fd);
    if (!rc && (rc = check(s)) != OT_OK)
        ot_error("history: %s is not a valid event segment (damaged?)", path);
    if (rc) {
        hist_seg_close(s);
        return rc;
    }
    *out = s;
    return OT_OK;
}

void hist_seg_close(hist_seg *s)
{
    if (!s)
        return;
    if (s->map)
        munmap((void *)s->map, s->size);
    free(s);
}

const char *hist_seg_str(const hist_seg *s, uint32_t off)
{
    return off == SEG_NONE || off >= s->hd->sec[SEC_HEAP].len ? NULL : s->heap + off;
}

int64_t hist_seg_find_eid(const hist_seg *s, const char *eid, size_t n)
{
    uint64_t cap = s->hd->ecap;
    for (uint64_t j = seg_hash(eid, n, 0) & (cap - 1), k = 0; k < cap; j = (j + 1) & (cap - 1), k++) {
        uint32_t v = s->eslots[j];
        if (!v)
            return -1;
        if (v > s->hd->n)
            return -1; /* damaged: never an out-of-bounds row */
        const char *e = hist_seg_str(s, s->rows[v - 1].eid);
        if (e && !strncmp(e, eid, n) && e[n] == '\0')
            return (int64_t)v - 1;
    }
    return -1;
}

const uint32_t *hist_seg_postings(const hist_seg *s, int kind, int cat, const char *value,
                                  const char *region, uint32_t *n)
{
    uint64_t cap = s->hd->kcap;
    uint32_t kc = (uint32_t)(kind << 8 | cat);
    *n = 0;
    for (uint64_t j = seg_key_hash(kind, cat, value, region) & (cap - 1), k = 0; k < cap;
         j = (j + 1) & (cap - 1), k++) {
        uint32_t v = s->kslots[j];
        if (!v || v > s->hd->nkeys)
            return NULL;
        const seg_key *e = &s->keys[v - 1];
        const char *ev = e->value == SEG_NONE ? "" : hist_seg_str(s, e->value);
        const char *er = hist_seg_str(s, e->region);
        if (e->kind_cat != kc || !ev || !er || strcmp(ev, value) || strcmp(er, region))
            continue;
        if ((uint64_t)e->post + e->npost > s->hd->npost)
            return NULL;
        *n = e->npost;
        return s->post + e->post;
    }
    return NULL;
}

uint64_t hist_seg_lower(const hist_seg *s, int64_t t, int64_t id)
{
    uint64_t lo = 0, hi = s->hd->n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int64_t mt = s->rows[mid].t;
        if (mt < t || (mt == t && s->id + (int64_t)mid < id))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int hist_seg_doc(const hist_seg *s, uint64_t row, hist_blk_reader *r, const char **res,
                 const char **raw, size_t *raw_len)
{
    if (row >= s->hd->n)
        return OT_ECORRUPT;
    const seg_row *e = &s->rows[row];
    if (e->blk >= s->hd->nblk)
        return OT_ECORRUPT;
    int64_t key = (int64_t)e->blk + 1;
    if (r->id != key) {
        const seg_blk *b = &s->blks[e->blk];
        if (b->off > s->size || b->zlen > s->size - b->off ||
            crc32_gzip_refl(0, s->map + b->off, b->zlen) != b->crc)
            return OT_ECORRUPT;
        int rc = hist_blk_load(r, key, s->map + b->off, b->zlen, b->ulen);
        if (rc)
            return rc;
    }
    int rc = hist_blk_get(r, e->bi, res, raw, raw_len);
    if (rc)
        r->id = 0;
    return rc;
}
