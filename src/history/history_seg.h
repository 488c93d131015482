/* history_seg.h — private to src/history/: event segments, the store `opentrail import` writes.
 *
 * A segment is one immutable file holding a batch of imported events, laid out for lookups:
 * the events sorted by time as fixed-size rows, their documents in deflated blocks of
 * OT_HISTORY_BLOCK, a string heap, and for every lookup key a posting list (the ascending row
 * numbers that have it) found through a hash directory, plus an eventID hash table. Building
 * one costs a few appends per event instead of ~10 B-tree entries, which is what made
 * SQLite-only imports slow; queries merge segments with history.db (see HISTORY.md).
 *
 * Row r of a segment registered at base has event id base + r, so (time, id) order is row
 * order and segments page exactly like history.db rows. */
#ifndef OT_HISTORY_SEG_H
#define OT_HISTORY_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history/history.h"
#include "util/buf.h"

#define SEG_MAGIC "OTSEG001"
#define SEG_NONE UINT32_MAX   /* an absent string */
#define SEG_MAX_ROWS (4u << 20) /* an import writes another segment past this */

/* Lookup keys: which attribute a posting list is for. EventId has the hash table instead. */
enum { SEGK_ALL = 0, SEGK_NAME, SEGK_RO, SEGK_USER, SEGK_RTYPE, SEGK_RNAME, SEGK_SOURCE,
       SEGK_AKID };

/* On disk, little-endian, every section 8-byte aligned. */
typedef struct seg_row {
    int64_t t;
    uint32_t blk;                /* document block */
    uint16_t bi;                 /* record in the block */
    uint8_t cat;
    int8_t ro;                   /* 1, 0, -1 */
    uint32_t eid, region, name, source, user, akid; /* heap offsets or SEG_NONE */
} seg_row;

typedef struct seg_blk {
    uint64_t off;                /* file offset of the deflated block */
    uint32_t zlen, ulen, crc, pad; /* crc: CRC-32 of the zlen compressed bytes */
} seg_blk;

typedef struct seg_key {
    uint32_t kind_cat;           /* kind << 8 | cat */
    uint32_t value, region;      /* heap offsets */
    uint32_t post, npost;        /* its rows: postings[post .. post + npost) */
} seg_key;

enum { SEC_ROWS, SEC_BLKS, SEC_HEAP, SEC_KEYS, SEC_KSLOTS, SEC_POST, SEC_ESLOTS, SEC_REGIONS,
       SEC_COUNT };

typedef struct seg_header {
    char magic[8];
    uint64_t n, nblk, nkeys, kcap, ecap, nregions, npost;
    int64_t tmin, tmax;
    struct { uint64_t off, len; } sec[SEC_COUNT];
    uint32_t meta_crc;           /* CRC-32 of the sections, in order */
    uint32_t head_crc;           /* CRC-32 of the header up to here */
} seg_header;

/* ---- hashing (the builder and readers must agree) ---- */

uint64_t seg_hash(const void *p, size_t n, uint64_t seed);
/* A key's hash from its strings, or from their seg_hash(s, n, 0) values. */
uint64_t seg_key_hash(int kind, int cat, const char *value, const char *region);
uint64_t seg_key_hash2(int kind, int cat, uint64_t value_hash, uint64_t region_hash);

/* ---- reading ---- */

typedef struct hist_seg {
    int64_t id;                  /* = base: row r is event base + r */
    char path[1100];
    const uint8_t *map;
    size_t size;
    const seg_header *hd;
    const seg_row *rows;
    const seg_blk *blks;
    const char *heap;
    const seg_key *keys;
    const uint32_t *kslots, *post, *eslots, *regions;
    int refs;                    /* guarded by the owner's mutex */
} hist_seg;

/* Maps and verifies the file (header, section bounds, checksums); OT_ECORRUPT if it is not a
 * well-formed segment. */
int hist_seg_open(const char *path, int64_t id, hist_seg **out);
void hist_seg_close(hist_seg *s);

/* Row number of eventID eid, or -1. */
int64_t hist_seg_find_eid(const hist_seg *s, const char *eid, size_t n);
/* The key's posting list, or NULL (n = 0). */
const uint32_t *hist_seg_postings(const hist_seg *s, int kind, int cat, const char *value,
                                  const char *region, uint32_t *n);
/* First row with (t, base + row) >= (t, id); rows with t >= t0: hist_seg_lower(s, t0, INT64_MIN). */
uint64_t hist_seg_lower(const hist_seg *s, int64_t t, int64_t id);
const char *hist_seg_str(const hist_seg *s, uint32_t off); /* NULL for SEG_NONE */

/* Reads the document of a row through r (a page's cache of one block). */
struct hist_blk_reader;
int hist_seg_doc(const hist_seg *s, uint64_t row, struct hist_blk_reader *r, const char **res,
                 const char **raw, size_t *raw_len);

/* A query's matching rows of one segment, newest first (see history_seg_iter.c). */
typedef struct seg_iter {
    const hist_seg *s;
    const ot_history_query *q;
    int driver;                  /* index into q->attrs, -1 = none */
    uint64_t lo, hi;             /* candidate rows [lo, hi) from time, cursor and cut */
    int nlists;
    struct { const uint32_t *p; int64_t pos; } lists[64];
    int64_t single;              /* EventId driver: the one row, consumed when -1 */
} seg_iter;

/* cut: rows older than it are expired (import --apply-retention). */
void seg_iter_init(seg_iter *it, const hist_seg *s, const ot_history_query *q, int64_t cut);
/* Next matching row, or -1. */
int64_t seg_iter_next(seg_iter *it);

/* ---- building ---- */

typedef struct seg_builder seg_builder;

/* Starts a segment file at path (created exclusively). */
int seg_builder_new(const char *path, seg_builder **out);
/* Whether eventID eid was already added to this segment. */
bool seg_builder_has(seg_builder *b, const char *eid, size_t n);
/* Adds a block of rows whose documents are z (deflated by ot_history_block_encode, ulen bytes
 * inflated); keep[i] false skips row i (a duplicate: its document stays in the block unused). */
int seg_builder_add_block(seg_builder *b, const ot_history_row *rows, size_t n, const char *arena,
                          const bool *keep, const void *z, size_t zlen, size_t ulen);
uint64_t seg_builder_rows(const seg_builder *b);
/* Sorts, writes the index sections and the header, fsyncs; the time range goes to tmin, tmax. */
int seg_builder_finish(seg_builder *b, int64_t *tmin, int64_t *tmax);
/* Frees; removes the file unless it was finished and keep is set. */
void seg_builder_free(seg_builder *b, bool keep);

#endif
