/* wal_int.h — private to src/wal: the on-disk format, the segment reader and the directory scan
 * shared by recovery (wal.c), reading (wal_read.c) and the offline check (wal_check.c). */
#ifndef OT_WAL_INT_H
#define OT_WAL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wal/wal.h"
#include "wal/wal_cursor.h"

#define WAL_MAGIC "OTWAL001"
#define WAL_SEG_HDR 16u         /* magic + first LSN */
#define WAL_REC_HDR 16u         /* payload_len, crc32c, lsn */
#define WAL_NAME_LEN 24         /* 20 digits + ".wal" */
#define WAL_DEFAULT_SEGMENT (64u << 20)
#define WAL_READ_CHUNK (1u << 20)
#define WAL_LOCK_NAME "LOCK"
#define WAL_CURSOR_DIR "cursors" /* dir/cursors/<name>: a cursor's committed LSN */
#define WAL_COMMIT_RING 4096     /* group commits remembered for the lag in seconds */

/* When a group became durable: its last LSN and the wall clock. */
typedef struct wal_commit_mark {
    uint64_t lsn;
    int64_t ms;
} wal_commit_mark;

/* The cursors known to a log: every file under dir/cursors (open or not) and those reserved
 * in memory. Segments are kept back to the oldest committed position among them. */
typedef struct wal_cursor_ent {
    char name[OT_WAL_CURSOR_NAME_MAX + 1];
    uint64_t committed;
    bool open;
    bool on_disk;       /* false for a reservation not opened yet */
} wal_cursor_ent;

typedef struct wal_cursor_tab {
    pthread_mutex_t mu; /* taken before the log's own mutex, never after */
    wal_cursor_ent *v;
    size_t n, cap;
} wal_cursor_tab;

/* What a segment scan found. */
enum wal_damage {
    WAL_OK = 0,
    WAL_DMG_SHORT_HEADER, /* file shorter than the segment header (crash while creating it) */
    WAL_DMG_HEADER,       /* bad magic, or header LSN differs from the file name */
    WAL_DMG_RECORD,       /* partial or invalid record at bad_offset */
    WAL_DMG_GAP,          /* first LSN does not follow the previous segment's last */
};

typedef struct wal_seg {
    uint64_t first_lsn;   /* from the name (and header) */
    uint64_t last_lsn;    /* last valid record; first_lsn - 1 if none */
    uint64_t records;
    uint64_t valid_bytes; /* header + valid records: where a truncation would cut */
    uint64_t file_bytes;
    /* damage (scans only) */
    int damage;
    uint64_t bad_offset;
    bool later_valid;     /* a valid record follows the damage in this segment */
    uint64_t later_offset, later_lsn;
    char what[160];
} wal_seg;

typedef struct wal_dirscan {
    wal_seg *segs;        /* ascending first_lsn */
    size_t nsegs;
    size_t first_bad;     /* index of the first damaged segment, nsegs if none */
    bool torn;            /* that damage is a torn tail of the newest segment */
} wal_dirscan;

/* Buffered sequential reader over one segment file, bounded by limit bytes. */
typedef struct wal_reader {
    int fd;
    uint64_t limit;
    uint64_t pos;  /* file offset of the next record */
    uint64_t base; /* file offset of buf[0] */
    char *buf;
    size_t cap, len;
} wal_reader;

typedef struct wal_rec {
    uint64_t lsn;
    uint64_t off;
    const char *payload;
    uint32_t len;
} wal_rec;

enum { WAL_REC_END = 0, WAL_REC_OK = 1, WAL_REC_BAD = 2 };

/* format */
uint32_t wal_crc(uint64_t lsn, const void *payload, size_t len);
void wal_put_u32(unsigned char *p, uint32_t v);
void wal_put_u64(unsigned char *p, uint64_t v);
uint32_t wal_get_u32(const unsigned char *p);
uint64_t wal_get_u64(const unsigned char *p);
void wal_rec_header(unsigned char hdr[WAL_REC_HDR], uint64_t lsn, const void *payload, uint32_t len);
void wal_seg_header(unsigned char hdr[WAL_SEG_HDR], uint64_t first_lsn);
void wal_seg_name(char name[WAL_NAME_LEN + 1], uint64_t first_lsn);
int wal_seg_path(char *path, size_t size, const char *dir, uint64_t first_lsn);
bool wal_parse_name(const char *name, uint64_t *lsn);
/* The first LSNs of dir's segments, ascending; *out is malloc'ed (NULL if none). */
int wal_list(const char *dir, uint64_t **out, size_t *n);
/* Creates dir/<lsn>.wal with its header, syncs it and the directory; *fd is open for writing. */
int wal_seg_create(const char *dir, uint64_t first_lsn, bool sync, int *fd);
/* Empties a segment and writes a fresh header (repairing a torn or damaged one). */
int wal_seg_reset(const char *dir, uint64_t first_lsn);

/* reader */
int wal_reader_init(wal_reader *r);
void wal_reader_free(wal_reader *r);
void wal_reader_start(wal_reader *r, int fd, uint64_t limit);
/* Next record at r->pos, which must carry LSN expect. WAL_REC_BAD describes the problem in why
 * and leaves r->pos at the bad record; OT_EIO if the file cannot be read. With verify false the
 * CRC is not checked (the record was validated when the log was opened). */
int wal_reader_next(wal_reader *r, uint64_t expect, bool verify, wal_rec *rec, char *why, size_t whylen);

/* scan */
int wal_scan_dir(const char *dir, wal_dirscan *out);
void wal_dirscan_free(wal_dirscan *s);
/* Fills rec (counts, LSN range, detail) from a scan. */
void wal_dirscan_summary(const wal_dirscan *s, ot_wal_recovery *rec);
/* Cuts the log at the first damage: the damaged segment keeps its valid records (a bad header
 * is rewritten from the file name), later segments are renamed <name>.orphaned. *cut gets the
 * bytes removed from the damaged segment. */
int wal_repair(const char *dir, const wal_dirscan *s, uint64_t *cut, size_t *orphaned);
/* Takes the exclusive lock on dir/LOCK; *fd keeps it. OT_EEXIST if another process holds it. */
int wal_lock(const char *dir, int *fd);
/* "<dir>: the log is in use by another process (pid N)", the pid where the OS tells it. */
void wal_lock_busy_detail(const char *dir, char *out, size_t n);

/* wal.c, for wal_read.c */
/* A copy of the segment table and the durable LSN, taken together. */
int wal_snapshot(ot_wal *w, wal_seg **segs, size_t *n, uint64_t *durable);
const char *wal_dir(const ot_wal *w);
/* Removes the leading segments whose records are all below keep_from (never the active one)
 * from the table; *lsns (malloc'ed) gets their first LSNs, for the caller to unlink. */
int wal_detach_old(ot_wal *w, uint64_t keep_from, uint64_t **lsns, size_t *n);


/* wal.c, for wal_cursor.c and wal_runner.c */
struct timespec;
/* ms from now on CLOCK_MONOTONIC (the clock of the log's and the runner's condition variables). */
void wal_deadline(struct timespec *ts, int ms);
wal_cursor_tab *wal_cursors(ot_wal *w);
int wal_wait_durable(ot_wal *w, uint64_t after, bool *kick, int timeout_ms);
void wal_kick(ot_wal *w, bool *kick);
int64_t wal_durable_time(ot_wal *w, uint64_t lsn);
/* The first LSN still on disk (the oldest segment's), 0 if the log is empty. */
uint64_t wal_first_lsn(ot_wal *w);
/* The segment holding lsn, or the first after it if lsn was released: 1 and *out filled, 0 if
 * lsn is not durable yet. */
int wal_seg_find(ot_wal *w, uint64_t lsn, wal_seg *out);

/* wal_cursor.c, for wal.c: reads dir/cursors into t (initialises t's mutex); with create the
 * directory is made if missing. */
int wal_cursors_load(const char *dir, bool create, wal_cursor_tab *t);
void wal_cursors_free(wal_cursor_tab *t);

#endif
