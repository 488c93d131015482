/* wal.h — the segmented write-ahead log every acknowledged event goes through first.
 *
 * An event is acknowledged only after ot_wal_append() returns, i.e. after its record is written
 * and fdatasync'ed. Concurrent appenders share one fsync (group commit): a single flusher thread
 * takes every pending record, writes them with one writev, syncs once and wakes all waiters.
 *
 * On disk (docs/internals/WAL.md): dir/<first-lsn, 20 digits>.wal segments, each a 16-byte header
 * ("OTWAL001" + first LSN, u64 LE) followed by records
 *     u32 payload_len | u32 crc32c(lsn bytes + payload) | u64 lsn | payload      (little-endian)
 * LSNs start at 1 and are consecutive across segments. Readers follow the log through named
 * cursors (wal/wal_cursor.h), kept in dir/cursors/<name>. */
#ifndef OT_WAL_H
#define OT_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OT_WAL_MAX_RECORD (4u << 20) /* payload cap: 4 MiB */

typedef struct ot_wal ot_wal;

typedef struct ot_wal_opts {
    const char *dir;          /* created if missing */
    uint64_t segment_bytes;   /* roll to a new segment past this size; 0 = 64 MiB */
    bool no_sync;             /* skip fdatasync (benchmarks of the ceiling only) */
} ot_wal_opts;

/* What opening found; filled even when open fails with OT_ECORRUPT. */
typedef struct ot_wal_recovery {
    uint64_t first_lsn;       /* oldest record kept (0 if the log is empty) */
    uint64_t last_lsn;        /* newest valid record (0 if empty) */
    uint64_t records;
    size_t segments;
    bool torn_tail;           /* the last segment ended in a partial or bad record ... */
    uint64_t truncated_bytes; /* ... and this many bytes were cut off it */
    char detail[256];         /* human-readable description of what was found */
} ot_wal_recovery;

/* Opens (creating if needed) and recovers the log: a torn tail in the newest segment is reported
 * and truncated; damage anywhere else is OT_ECORRUPT (run `opentrail wal check --repair`). */
int ot_wal_open(const ot_wal_opts *opts, ot_wal **out, ot_wal_recovery *rec);
/* Stops the flusher after the pending records are durable, and frees w. */
void ot_wal_close(ot_wal *w);

/* Appends n records as one consecutive LSN range and blocks until they are durable.
 * *first_lsn gets the LSN of payloads[0]. OT_ELIMIT if a payload exceeds OT_WAL_MAX_RECORD,
 * OT_EIO if writing or syncing failed (nothing is acknowledged then). Thread-safe. */
int ot_wal_append(ot_wal *w, const void *const *payloads, const size_t *lens, size_t n,
                  uint64_t *first_lsn);

uint64_t ot_wal_durable_lsn(ot_wal *w);
/* Whether a failed fsync made the log read-only (every append fails until it is reopened). */
bool ot_wal_failed(ot_wal *w);

/* Calls fn for each durable record with lsn >= from, in order; stops early if fn returns
 * non-zero (and returns that value). Safe while appends continue. */
typedef int (*ot_wal_visitor)(void *ctx, uint64_t lsn, const void *payload, size_t len);
int ot_wal_read(ot_wal *w, uint64_t from, ot_wal_visitor fn, void *ctx);

/* Deletes whole segments whose records all have lsn < keep_from (never the active segment).
 * The cursors (wal_cursor.h) call it with their oldest committed position; call it directly
 * only on a log without cursors. */
int ot_wal_release(ot_wal *w, uint64_t keep_from);

/* Offline inspection for `opentrail wal check`: validates every segment and record, prints a
 * report to out (if not NULL). With repair, a torn or corrupt tail is truncated. Returns 0 if
 * the log is clean (or was repaired), OT_ETORN / OT_ECORRUPT otherwise. */
int ot_wal_check(const char *dir, bool repair, FILE *out, ot_wal_recovery *rec);

#endif
