/* history_segw.c — building a segment (history_seg.h) from the importer's blocks of rows.
 *
 * Everything per event is an append or a hash-table probe on the importer's writer thread:
 * strings are interned into one heap, each row's lookup keys are numbered as they come, and the
 * documents (already deflated by the workers) go straight to the file. finish() sorts the rows
 * by time (radix), turns the per-row key numbers into posting lists with two linear passes
 * (count, then place), builds the two hash tables and writes the sections after the blocks.
 * The file's writes and syncs go through ot_sys, so tests can fail them. */
#include "history/history_seg.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history/history_int.h"
#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vec.h"

#define OBUF (4u << 20) /* output buffer: a multiple of the direct-I/O alignment */
#define ALIGN 4096u     /* O_DIRECT offsets and lengths; also the header's room */
_Static_assert(sizeof(seg_header) <= ALIGN, "the header fits its page");

/* ---- hashing ---- */

uint64_t seg_hash(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *s = p;
    uint64_t h = seed ^ (0x9E3779B97F4A7C15ull * (n + 1));
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ (v * 0xbf58476d1ce4e5b9ull)) * 0x94d049bb133111ebull;
        h ^= h >> 31;
        s += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, s, n);
    h = (h ^ (v * 0xbf58476d1ce4e5b9ull)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0x2545F4914F6CDD1Dull;
    return h ^ (h >> 32);
}

uint64_t seg_key_hash2(int kind, int cat, uint64_t value_hash, uint64_t region_hash)
{
    uint64_t h = (value_hash ^ (region_hash * 0xbf58476d1ce4e5b9ull) ^
                  ((uint64_t)(kind << 8 | cat) * 0x94d049bb133111ebull)) * 0x2545F4914F6CDD1Dull;
    return h ^ (h >> 32);
}

uint64_t seg_key_hash(int kind, int cat, const char *value, const char *region)
{
    return seg_key_hash2(kind, cat, seg_hash(value, strlen(value), 0),
                         seg_hash(region, strlen(region), 0));
}

/* ---- growable arrays and the two kinds of hash table the builder needs ---- */

typedef struct vec {
    void *p;
    size_t n, cap, size;
} vec;

static void *vec_push(vec *v)
{
    if (ot_vec_grow(&v->p, &v->cap, v->n + 1, v->size))
        return NULL;
    return (char *)v->p + v->n++ * v->size;
}

/* Open addressing; slot value 0 = empty, else index + 1 into whatever the caller keeps. */
typedef struct table {
    uint32_t *slot;
    uint64_t *hash;
    size_t cap, n;
} table;

static int table_grow(table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 4096;
    uint32_t *slot = calloc(cap, sizeof *slot);
    uint64_t *hash = malloc(cap * sizeof *hash);
    if (!slot || !hash) {
        free(slot);
        free(hash);
        return OT_ENOMEM;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slot[i])
            continue;
        size_t j = t->hash[i] & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = t->slot[i];
        hash[j] = t->hash[i];
    }
    free(t->slot);
    free(t->hash);
    t->slot = slot;
    t->hash = hash;
    t->cap = cap;
    return OT_OK;
}

/* ---- the builder ---- */

/* An interned string: its heap offset and hash (key hashes are made from string hashes, so the
 * directory is built without reading the strings again). */
typedef struct str {
    uint32_t off;
    uint64_t h;
} str;

typedef struct key_ent {
    uint64_t packed;             /* kind, cat, region index, value heap offset */
    uint64_t vhash;              /* the value's string hash */
    uint32_t count, post;
} key_ent;

struct seg_builder {
    char path[1100];
    int fd;
    bool finished;
    uint64_t off;                /* file bytes so far */
    bool direct;                 /* O_DIRECT: no copy into the page cache */
    uint8_t *obuf;               /* ALIGN-aligned, OBUF bytes: what is not written yet */
    size_t olen;
    uint64_t written;            /* file bytes written (a multiple of ALIGN while direct) */
    ot_buf heap;
    table strs;                  /* interned strings -> heap offset */
    vec str_off;                 /* uint32_t: the strs table's values */
    table eids;                  /* eventID -> row + 1 */
    table keys;                  /* packed key -> key index + 1 */
    vec key;                     /* key_ent */
    table regs;                  /* region heap offset -> region index + 1 */
    vec reg;                     /* uint32_t heap offsets */
    vec rows;                    /* seg_row, in arrival order */
    vec eid_hash;                /* uint64_t per row: its eventID's hash */
    vec rk_start;                /* uint32_t per row: its first entry in rk */
    vec rk;                      /* uint32_t key indexes of every row, row after row */
    vec blks;                    /* seg_blk */
};

/* Direct I/O when the file system has it: the segment is written once and read back through
 * mmap later, and this VM copies into the page cache at ~0.5 GB/s while the disk takes
 * 2.5 GB/s direct (bench/import: ~1 s of a 1M-event import). tmpfs refuses O_DIRECT. */
static int create(seg_builder *b)
{
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    b->fd = ot_sys->open(b->path, flags | O_DIRECT, 0600);
    b->direct = b->fd >= 0;
    if (b->fd < 0 && errno == EINVAL)
        b->fd = ot_sys->open(b->path, flags, 0600);
    if (b->fd < 0) {
        ot_error("history: cannot create %s: %s", b->path, strerror(errno));
        return OT_EIO;
    }
    return OT_OK;
}

int seg_builder_new(const char *path, seg_builder **out)
{
    seg_builder *b = calloc(1, sizeof *b);
    if (!b)
        return OT_ENOMEM;
    snprintf(b->path, sizeof b->path, "%s", path);
    b->fd = -1;
    b->str_off.size = b->rk_start.size = b->rk.size = b->reg.size = sizeof(uint32_t);
    b->key.size = sizeof(key_ent);
    b->rows.size = sizeof(seg_row);
    b->eid_hash.size = sizeof(uint64_t);
    b->blks.size = sizeof(seg_blk);
    ot_buf_init(&b->heap, UINT32_MAX - 1);
    int rc = posix_memalign((void **)&b->obuf, ALIGN, OBUF) ? OT_ENOMEM : create(b);
    if (rc) {
        free(b->obuf);
        free(b);
        return rc;
    }
    /* the header's page goes first, written last */
    memset(b->obuf, 0, ALIGN);
    b->olen = b->off = ALIGN;
    *out = b;
    return OT_OK;
}

static int write_at(seg_builder *b, const void *p, size_t n, uint64_t off)
{
    if (ot_sys_pwrite_all(b->fd, p, n, off) == OT_OK)
        return OT_OK;
    ot_error("history: write %s: %s", b->path, strerror(errno));
    return OT_EIO;
}

/* Writes the buffer out; at the end (last) a direct file gets its tail padded to ALIGN and is
 * cut back to its length. */
static int flush_out(seg_builder *b, bool last)
{
    size_t n = b->olen;
    if (b->direct && last && n % ALIGN) {
        size_t pad = ALIGN - n % ALIGN;
        memset(b->obuf + n, 0, pad);
        n += pad;
    }
    int rc = write_at(b, b->obuf, n, b->written);
    b->written += b->olen;
    b->olen = 0;
    if (!rc && last && b->direct && ot_sys->ftruncate(b->fd, (off_t)b->written) != 0)
        rc = OT_EIO;
    return rc;
}

/* Appends bytes to the file. */
static int emit(seg_builder *b, const void *p, size_t n)
{
    b->off += n;
    while (n > 0) {
        size_t k = OBUF - b->olen < n ? OBUF - b->olen : n;
        memcpy(b->obuf + b->olen, p, k);
        b->olen += k;
        p = (const char *)p + k;
        n -= k;
        if (b->olen == OBUF) {
            int rc = flush_out(b, false);
            if (rc)
                return rc;
        }
    }
    return OT_OK;
}

static int emit_pad(seg_builder *b)
{
    static const char zero[8];
    return emit(b, zero, (8 - (b->off & 7)) & 7);
}

/* The heap offset of s[0..n) (appended once) and its hash. */
static int intern(seg_builder *b, const char *s, size_t n, str *out)
{
    uint32_t *off = &out->off;
    if (b->strs.n * 2 >= b->strs.cap && table_grow(&b->strs))
        return OT_ENOMEM;
    uint64_t h = out->h = seg_hash(s, n, 0);
    size_t j = h & (b->strs.cap - 1);
    const uint32_t *offs = b->str_off.p;
    for (; b->strs.slot[j]; j = (j + 1) & (b->strs.cap - 1)) {
        if (b->strs.hash[j] != h)
            continue;
        const char *c = b->heap.data + offs[b->strs.slot[j] - 1];
        if (!memcmp(c, s, n) && c[n] == '\0') {
            *off = offs[b->strs.slot[j] - 1];
            return OT_OK;
        }
    }
    uint32_t *o = vec_push(&b->str_off);
    if (!o || b->heap.len + n + 1 >= UINT32_MAX)
        return o ? OT_ELIMIT : OT_ENOMEM;
    *o = *off = (uint32_t)b->heap.len;
    if (ot_buf_append(&b->heap, s, n) || ot_buf_putc(&b->heap, '\0'))
        return OT_ENOMEM;
    b->strs.slot[j] = (uint32_t)b->str_off.n;
    b->strs.hash[j] = h;
    b->strs.n++;
    return OT_OK;
}

static int intern_opt(seg_builder *b, const char *arena, int32_t a, str *out)
{
    out->off = SEG_NONE;
    return a < 0 ? OT_OK : intern(b, arena + a, strlen(arena + a), out);
}

/* Region heap offset -> small index, so a key packs into 64 bits. */
static int region_index(seg_builder *b, uint32_t off, uint32_t *idx)
{
    if (b->regs.n * 2 >= b->regs.cap && table_grow(&b->regs))
        return OT_ENOMEM;
    size_t j = off & (b->regs.cap - 1);
    const uint32_t *reg = b->reg.p;
    for (; b->regs.slot[j]; j = (j + 1) & (b->regs.cap - 1))
        if (reg[b->regs.slot[j] - 1] == off) {
            *idx = b->regs.slot[j] - 1;
            return OT_OK;
        }
    if (b->reg.n >= 0xFFFF)
        return OT_ELIMIT;
    uint32_t *r = vec_push(&b->reg);
    if (!r)
        return OT_ENOMEM;
    *r = off;
    *idx = (uint32_t)b->reg.n - 1;
    b->regs.slot[j] = (uint32_t)b->reg.n;
    b->regs.hash[j] = off;
    b->regs.n++;
    return OT_OK;
}

static uint64_t pack(int kind, int cat, uint32_t region_idx, uint32_t value)
{
    return (uint64_t)kind << 60 | (uint64_t)(cat & 0xF) << 56 | (uint64_t)region_idx << 32 | value;
}

/* Adds key (kind, value) of the current row (the last one), once per row. */
static int row_key(seg_builder *b, int kind, str value, const seg_row *r, uint32_t ridx)
{
    uint64_t p = pack(kind, r->cat, ridx, value.off);
    if (b->keys.n * 2 >= b->keys.cap && table_grow(&b->keys))
        return OT_ENOMEM;
    uint64_t h = p * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    size_t j = h & (b->keys.cap - 1);
    key_ent *keys = b->key.p;
    uint32_t k = UINT32_MAX;
    for (; b->keys.slot[j]; j = (j + 1) & (b->keys.cap - 1))
        if (keys[b->keys.slot[j] - 1].packed == p) {
            k = b->keys.slot[j] - 1;
            break;
        }
    if (k == UINT32_MAX) {
        key_ent *e = vec_push(&b->key);
        if (!e)
            return OT_ENOMEM;
        *e = (key_ent){.packed = p, .vhash = value.h};
        k = (uint32_t)b->key.n - 1;
        b->keys.slot[j] = k + 1;
        b->keys.hash[j] = h;
        b->keys.n++;
    }
    const uint32_t *rk = b->rk.p, *start = b->rk_start.p;
    for (size_t i = start[b->rows.n - 1]; i < b->rk.n; i++)
        if (rk[i] == k)
            return OT_OK; /* two resources with the same type or short name */
    uint32_t *slot = vec_push(&b->rk);
    if (!slot)
        return OT_ENOMEM;
    *slot = k;
    return OT_OK;
}

/* The row's strings as interned by add_row. */
typedef struct row_strs {
    str region, name, source, user, akid;
} row_strs;

static int row_keys(seg_builder *b, const ot_history_row *in, const char *arena, seg_row *r,
                    const row_strs *rs)
{
    uint32_t ridx;
    str v = {SEG_NONE, seg_hash("", 0, 0)};
    int rc = region_index(b, r->region, &ridx);
    if (!rc)
        rc = row_key(b, SEGK_ALL, v, r, ridx);
    if (!rc && r->ro >= 0 && !(rc = intern(b, r->ro ? "true" : "false", r->ro ? 4 : 5, &v)))
        rc = row_key(b, SEGK_RO, v, r, ridx);
    if (!rc && r->name != SEG_NONE)
        rc = row_key(b, SEGK_NAME, rs->name, r, ridx);
    if (!rc && r->source != SEG_NONE)
        rc = row_key(b, SEGK_SOURCE, rs->source, r, ridx);
    if (!rc && r->user != SEG_NONE)
        rc = row_key(b, SEGK_USER, rs->user, r, ridx);
    if (!rc && r->akid != SEG_NONE)
        rc = row_key(b, SEGK_AKID, rs->akid, r, ridx);
    for (int i = 0; !rc && i < in->nres; i++) {
        if (in->res_type[i] >= 0 && !(rc = intern_opt(b, arena, in->res_type[i], &v)))
            rc = row_key(b, SEGK_RTYPE, v, r, ridx);
        if (rc || in->res_name[i] < 0)
            continue;
        /* ResourceName matches the ARN or its short name: a key for each */
        const char *arn = arena + in->res_name[i];
        size_t sn;
        const char *s = ot_history_short_name(arn, &sn);
        if (!(rc = intern(b, arn, strlen(arn), &v)))
            rc = row_key(b, SEGK_RNAME, v, r, ridx);
        if (!rc && s && !(rc = intern(b, s, sn, &v)))
            rc = row_key(b, SEGK_RNAME, v, r, ridx);
    }
    return rc;
}

bool seg_builder_has(seg_builder *b, const char *eid, size_t n)
{
    if (!b->eids.cap)
        return false;
    uint64_t h = seg_hash(eid, n, 0);
    const seg_row *rows = b->rows.p;
    for (size_t j = h & (b->eids.cap - 1); b->eids.slot[j]; j = (j + 1) & (b->eids.cap - 1)) {
        if (b->eids.hash[j] != h)
            continue;
        const char *c = b->heap.data + rows[b->eids.slot[j] - 1].eid;
        if (!memcmp(c, eid, n) && c[n] == '\0')
            return true;
    }
    return false;
}

static int add_eid(seg_builder *b, const char *eid, size_t n, uint32_t *off)
{
    uint64_t *eh = vec_push(&b->eid_hash);
    if (!eh)
        return OT_ENOMEM;
    if (b->eids.n * 2 >= b->eids.cap && table_grow(&b->eids))
        return OT_ENOMEM;
    if (b->heap.len + n + 1 >= UINT32_MAX)
        return OT_ELIMIT;
    *off = (uint32_t)b->heap.len;
    if (ot_buf_append(&b->heap, eid, n) || ot_buf_putc(&b->heap, '\0'))
        return OT_ENOMEM;
    uint64_t h = *eh = seg_hash(eid, n, 0);
    size_t j = h & (b->eids.cap - 1);
    while (b->eids.slot[j])
        j = (j + 1) & (b->eids.cap - 1);
    b->eids.slot[j] = (uint32_t)b->rows.n; /* the row being added: index + 1 */
    b->eids.hash[j] = h;
    b->eids.n++;
    return OT_OK;
}

static int add_row(seg_builder *b, const ot_history_row *in, const char *arena, uint32_t blk,
                   uint16_t bi)
{
    seg_row *r = vec_push(&b->rows);
    uint32_t *start = vec_push(&b->rk_start);
    if (!r || !start)
        return OT_ENOMEM;
    *start = (uint32_t)b->rk.n;
    *r = (seg_row){.t = in->time_ms, .blk = blk, .bi = bi, .cat = in->cat, .ro = in->read_only};
    const char *eid = arena + in->event_id;
    row_strs rs;
    int rc = add_eid(b, eid, strlen(eid), &r->eid);
    if (!rc)
        rc = intern(b, in->region >= 0 ? arena + in->region : "",
                    in->region >= 0 ? strlen(arena + in->region) : 0, &rs.region);
    if (!rc)
        rc = intern_opt(b, arena, in->event_name, &rs.name);
    if (!rc)
        rc = intern_opt(b, arena, in->event_source, &rs.source);
    if (!rc)
        rc = intern_opt(b, arena, in->username, &rs.user);
    if (!rc)
        rc = intern_opt(b, arena, in->access_key_id, &rs.akid);
    r->region = rs.region.off, r->name = rs.name.off, r->source = rs.source.off;
    r->user = rs.user.off, r->akid = rs.akid.off;
    return rc ? rc : row_keys(b, in, arena, r, &rs);
}

int seg_builder_add_block(seg_builder *b, const ot_history_row *rows, size_t n, const char *arena,
                          const bool *keep, const void *z, size_t zlen, size_t ulen)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += keep[i];
    if (!kept)
        return OT_OK;
    if (b->rows.n + kept > SEG_MAX_ROWS || zlen > UINT32_MAX || ulen > UINT32_MAX)
        return OT_ELIMIT;
    seg_blk *k = vec_push(&b->blks);
    if (!k)
        return OT_ENOMEM;
    *k = (seg_blk){.off = b->off, .zlen = (uint32_t)zlen, .ulen = (uint32_t)ulen,
                   .crc = crc32_gzip_refl(0, z, zlen)};
    int rc = emit(b, z, zlen);
    for (size_t i = 0; !rc && i < n; i++)
        if (keep[i])
            rc = add_row(b, &rows[i], arena, (uint32_t)b->blks.n - 1, (uint16_t)i);
    return rc;
}

uint64_t seg_builder_rows(const seg_builder *b) { return b->rows.n; }

/* ---- finish ---- */

/* The rows' order by time, stable (arrival order among equal times): LSD radix on t - tmin. */
static uint32_t *sort_by_time(const seg_row *rows, size_t n, int64_t tmin, int64_t tmax)
{
    uint32_t *a = malloc(n * sizeof *a), *tmp = malloc(n * sizeof *tmp);
    size_t *count = calloc(65536, sizeof *count);
    if (!a || !tmp || !count) {
        free(a);
        free(tmp);
        free(count);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = (uint32_t)i;
    uint64_t range = (uint64_t)tmax - (uint64_t)tmin;
    for (int shift = 0; shift < 64 && (shift == 0 || range >> shift); shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(((uint64_t)rows[i].t - (uint64_t)tmin) >> shift) & 0xFFFF]++;
        for (size_t d = 0, sum = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t r = a[i];
            tmp[count[(((uint64_t)rows[r].t - (uint64_t)tmin) >> shift) & 0xFFFF]++] = r;
        }
        uint32_t *x = a;
        a = tmp;
        tmp = x;
    }
    free(tmp);
    free(count);
    return a;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

typedef struct sections {
    seg_header hd;
    uint32_t crc;
    int sec;
} sections;

/* Appends one section's bytes (its start recorded, its bytes added to the checksum). */
static int section(seg_builder *b, sections *s, const void *p, size_t n)
{
    int rc = emit_pad(b);
    s->hd.sec[s->sec].off = b->off;
    s->hd.sec[s->sec].len = n;
    s->sec++;
    s->crc = crc32_gzip_refl(s->crc, p, n);
    return rc ? rc : emit(b, p, n);
}

/* Posting lists: count each key's rows, then place each row (in time order) in its lists. */
static uint32_t *postings(seg_builder *b, const uint32_t *order, size_t *npost)
{
    key_ent *keys = b->key.p;
    const uint32_t *rk = b->rk.p, *start = b->rk_start.p;
    size_t n = b->rows.n, total = 0;
    for (size_t i = 0; i < b->rk.n; i++)
        keys[rk[i]].count++;
    for (size_t k = 0; k < b->key.n; k++) {
        keys[k].post = (uint32_t)total;
        total += keys[k].count;
    }
    uint32_t *post = malloc((total ? total : 1) * sizeof *post);
    uint32_t *fill = malloc((b->key.n ? b->key.n : 1) * sizeof *fill);
    if (!post || !fill) {
        free(post);
        free(fill);
        return NULL;
    }
    for (size_t k = 0; k < b->key.n; k++)
        fill[k] = keys[k].post;
    for (size_t s = 0; s < n; s++) {
        uint32_t r = order[s];
        size_t end = r + 1 < n ? start[r + 1] : b->rk.n;
        for (size_t i = start[r]; i < end; i++)
            post[fill[rk[i]]++] = (uint32_t)s;
    }
    free(fill);
    *npost = total;
    return post;
}

static const char *heap_str(const seg_builder *b, uint32_t off)
{
    return off == SEG_NONE ? "" : b->heap.data + off;
}

/* The key directory: seg_key entries and their hash slots (by the key's strings). */
static int directory(seg_builder *b, seg_key **out, uint32_t **slots, size_t *cap)
{
    const key_ent *keys = b->key.p;
    const uint32_t *reg = b->reg.p;
    uint64_t *rhash = malloc((b->reg.n ? b->reg.n : 1) * sizeof *rhash);
    for (size_t i = 0; rhash && i < b->reg.n; i++)
        rhash[i] = seg_hash(heap_str(b, reg[i]), strlen(heap_str(b, reg[i])), 0);
    *cap = pow2_at_least(b->key.n * 2);
    *out = malloc((b->key.n ? b->key.n : 1) * sizeof **out);
    *slots = calloc(*cap, sizeof **slots);
    if (!rhash || !*out || !*slots) {
        free(rhash);
        return OT_ENOMEM;
    }
    for (size_t k = 0; k < b->key.n; k++) {
        uint64_t p = keys[k].packed;
        int kind = (int)(p >> 60), cat = (int)(p >> 56 & 0xF);
        uint32_t region = reg[p >> 32 & 0xFFFF], value = (uint32_t)p;
        (*out)[k] = (seg_key){.kind_cat = (uint32_t)(kind << 8 | cat), .value = value,
                              .region = region, .post = keys[k].post, .npost = keys[k].count};
        uint64_t h = seg_key_hash2(kind, cat, keys[k].vhash, rhash[p >> 32 & 0xFFFF]);
        size_t j = h & (*cap - 1);
        while ((*slots)[j])
            j = (j + 1) & (*cap - 1);
        (*slots)[j] = (uint32_t)k + 1;
    }
    free(rhash);
    return OT_OK;
}

static int eid_slots(const seg_builder *b, const uint32_t *order, uint32_t **slots, size_t *cap)
{
    const uint64_t *eh = b->eid_hash.p;
    *cap = pow2_at_least(b->rows.n * 2);
    if (!(*slots = calloc(*cap, sizeof **slots)))
        return OT_ENOMEM;
    for (size_t s = 0; s < b->rows.n; s++) {
        size_t j = eh[order[s]] & (*cap - 1);
        while ((*slots)[j])
            j = (j + 1) & (*cap - 1);
        (*slots)[j] = (uint32_t)s + 1;
    }
    return OT_OK;
}

/* fsync of the directory holding the segment, so its name survives a crash before history.db
 * registers it. */
static int sync_dir(const seg_builder *b)
{
    char dir[sizeof b->path];
    const char *slash = strrchr(b->path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - b->path) : 1, slash ? b->path : ".");
    return ot_sys_fsync_dir(dir);
}

/* The header page (the buffer is free once everything else is written), then fsync of the file
 * and its directory. */
static int write_header(seg_builder *b, sections *s)
{
    memcpy(s->hd.magic, SEG_MAGIC, 8);
    s->hd.meta_crc = s->crc;
    s->hd.head_crc = crc32_gzip_refl(0, (const uint8_t *)&s->hd, offsetof(seg_header, head_crc));
    memset(b->obuf, 0, ALIGN);
    memcpy(b->obuf, &s->hd, sizeof s->hd);
    if (write_at(b, b->obuf, b->direct ? ALIGN : sizeof s->hd, 0) || ot_sys->fsync(b->fd) != 0 ||
        sync_dir(b)) {
        ot_error("history: write %s: %s", b->path, strerror(errno));
        return OT_EIO;
    }
    return OT_OK;
}

int seg_builder_finish(seg_builder *b, int64_t *tmin, int64_t *tmax)
{
    size_t n = b->rows.n;
    const seg_row *rows = b->rows.p;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        lo = rows[i].t < lo ? rows[i].t : lo;
        hi = rows[i].t > hi ? rows[i].t : hi;
    }
    uint32_t *order = n ? sort_by_time(rows, n, lo, hi) : NULL;
    seg_row *sorted = malloc((n ? n : 1) * sizeof *sorted);
    size_t npost = 0, kcap = 0, ecap = 0;
    uint32_t *post = NULL, *kslots = NULL, *eslots = NULL;
    seg_key *dir = NULL;
    int rc = (n && !order) || !sorted ? OT_ENOMEM : OT_OK;
    for (size_t s = 0; !rc && s < n; s++)
        sorted[s] = rows[order[s]];
    if (!rc && !(post = postings(b, order, &npost)))
        rc = OT_ENOMEM;
    if (!rc)
        rc = directory(b, &dir, &kslots, &kcap);
    if (!rc)
        rc = eid_slots(b, order, &eslots, &ecap);
    sections s = {.hd = {.n = n, .nblk = b->blks.n, .nkeys = b->key.n, .kcap = kcap,
                         .ecap = ecap, .nregions = b->reg.n, .npost = npost,
                         .tmin = n ? lo : 0, .tmax = n ? hi : 0}};
    if (!rc)
        rc = section(b, &s, sorted, n * sizeof *sorted);
    if (!rc)
        rc = section(b, &s, b->blks.p, b->blks.n * sizeof(seg_blk));
    if (!rc)
        rc = section(b, &s, b->heap.data, b->heap.len);
    if (!rc)
        rc = section(b, &s, dir, b->key.n * sizeof *dir);
    if (!rc)
        rc = section(b, &s, kslots, kcap * sizeof *kslots);
    if (!rc)
        rc = section(b, &s, post, npost * sizeof *post);
    if (!rc)
        rc = section(b, &s, eslots, ecap * sizeof *eslots);
    if (!rc)
        rc = section(b, &s, b->reg.p, b->reg.n * sizeof(uint32_t));
    if (!rc)
        rc = flush_out(b, true);
    if (!rc)
        rc = write_header(b, &s);
    free(order);
    free(sorted);
    free(post);
    free(dir);
    free(kslots);
    free(eslots);
    b->finished = rc == OT_OK;
    *tmin = s.hd.tmin;
    *tmax = s.hd.tmax;
    return rc;
}

void seg_builder_free(seg_builder *b, bool keep)
{
    if (!b)
        return;
    if (b->fd >= 0)
        ot_sys->close(b->fd);
    if (!(keep && b->finished))
        ot_sys->unlink(b->path);
    vec *vs[] = {&b->str_off, &b->key, &b->reg, &b->rows, &b->rk_start, &b->rk, &b->blks,
                 &b->eid_hash};
    for (size_t i = 0; i < sizeof vs / sizeof *vs; i++)
        free(vs[i]->p);
    table *ts[] = {&b->strs, &b->eids, &b->keys, &b->regs};
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
        free(ts[i]->slot);
        free(ts[i]->hash);
    }
    free(b->obuf);
    ot_buf_free(&b->heap);
    free(b);
}
