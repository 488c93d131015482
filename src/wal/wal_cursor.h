/* wal_cursor.h — named readers of the WAL.
 *
 * Every reader of the log (delivery, history, and whatever comes next) opens a cursor under
 * its own name. A cursor has a committed position, kept durably in dir/cursors/<name> (one
 * decimal LSN: records <= it are done), and a read position in memory, which starts just past
 * the committed one. The reader reads records in LSN order, commits when its own work is safe,
 * and sleeps in ot_wal_cursor_wait() until the flusher signals new durable records.
 *
 * Segments are deleted once every known cursor has committed past them: the oldest committed
 * position among the cursor files (open or not) holds them back. Retiring a cursor deletes its
 * file and so frees what it held. With no cursor at all nothing is released.
 *
 * A reader whose own store is transactional (history.db, state.db) passes its own checkpoint
 * to open: the cursor then starts past max(file, checkpoint), so a crash between the reader's
 * commit and the cursor's never replays what the reader already has, and a data dir from
 * before cursors needs no migration. See docs/internals/WAL.md. */
#ifndef OT_WAL_CURSOR_H
#define OT_WAL_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wal/wal.h"

#define OT_WAL_CURSOR_NAME_MAX 32 /* [a-z0-9_-], 1..32 characters */

typedef struct ot_wal_cursor ot_wal_cursor;

typedef struct ot_wal_cursor_info {
    char name[OT_WAL_CURSOR_NAME_MAX + 1];
    uint64_t committed;    /* records <= this are done */
    bool open;             /* a reader holds it in this process */
    uint64_t lag_records;  /* durable LSN - committed */
    /* Age of the oldest uncommitted record (0 if none). The log remembers when the last 4096
     * group commits became durable; an older record, or one written before the log was opened,
     * counts from the oldest time known, so after a restart this is a lower bound. */
    double lag_seconds;
} ot_wal_cursor_info;

bool ot_wal_cursor_name_ok(const char *name);

/* Opens (creating if needed) the cursor name. reader_ckpt is the reader's own checkpoint (0 if
 * it keeps none). OT_EINVAL for a bad name, OT_EEXIST if it is open already. */
int ot_wal_cursor_open(ot_wal *w, const char *name, uint64_t reader_ckpt, ot_wal_cursor **out);
/* Closes the handle; the file and the segments it holds stay. */
void ot_wal_cursor_close(ot_wal_cursor *c);

/* Holds every segment for a cursor that will be opened later, so that another reader's commit
 * cannot release records it still needs (the daemon reserves all its readers before starting
 * any). Kept in memory only; a cursor that has a file needs no reservation. */
int ot_wal_cursor_reserve(ot_wal *w, const char *name);
/* Deletes the cursor's file and forgets it: the segments it held are released (if no other
 * cursor holds them). OT_EEXIST if it is open, OT_ENOTFOUND if there is no such cursor. */
int ot_wal_cursor_retire(ot_wal *w, const char *name);

/* Reads up to max durable records from the read position on, calling fn for each; fn returns
 * 0 when it consumed the record, anything else to stop before it (returned as is). Returns the
 * number of records consumed (>= 0) or an error. Records released before the cursor existed
 * are skipped with a warning. */
int ot_wal_cursor_read(ot_wal_cursor *c, size_t max, ot_wal_visitor fn, void *ctx);
/* Moves the read position back (or on) so that the next read starts at lsn; never below the
 * committed position + 1. */
void ot_wal_cursor_seek(ot_wal_cursor *c, uint64_t lsn);
/* Last LSN read (the read position - 1) and last committed. */
uint64_t ot_wal_cursor_position(const ot_wal_cursor *c);
uint64_t ot_wal_cursor_committed(const ot_wal_cursor *c);
/* Durably records that records <= lsn are done, then releases the segments no cursor needs.
 * A commit below the committed position is ignored. */
int ot_wal_cursor_commit(ot_wal_cursor *c, uint64_t lsn);

/* Sleeps until a record past the read position is durable (1), timeout_ms passed or
 * ot_wal_cursor_wake() was called (0), or the log is closing (OT_ECLOSED). No polling: the
 * flusher signals after each group commit. */
int ot_wal_cursor_wait(ot_wal_cursor *c, int timeout_ms);
/* Ends the current or next wait of c early (from any thread). */
void ot_wal_cursor_wake(ot_wal_cursor *c);

int ot_wal_cursor_info_get(ot_wal_cursor *c, ot_wal_cursor_info *out);
/* Every known cursor with its lag (malloc'ed, *out NULL if none). */
int ot_wal_cursors_list(ot_wal *w, ot_wal_cursor_info **out, size_t *n);
/* Offline, for `opentrail wal readers`: the cursor files of dir, their lag in records from
 * durable_lsn (lag_seconds is 0: no running log to ask). */
int ot_wal_cursors_list_dir(const char *dir, uint64_t durable_lsn, ot_wal_cursor_info **out,
                            size_t *n);

/* ---- the reader runner: a reader in a few lines ----
 *
 * The runner owns a thread and the cursor: it waits for records, hands them to batch in LSN
 * order, commits after batch returns 0 and, on an error, reads the same records again after a
 * backoff (100 ms doubling to 5 s). batch may see records again after a crash only if it had
 * not returned yet (or the reader passes its own checkpoint, then never). */
typedef struct ot_wal_record {
    uint64_t lsn;
    const void *payload;
    size_t len;
} ot_wal_record;

typedef struct ot_wal_reader_def {
    const char *name;
    int (*batch)(void *ctx, const ot_wal_record *recs, size_t n); /* 0 = done */
    /* Optional: called after idle_ms without records; return > 0 to be called again at once. */
    int (*idle)(void *ctx);
    void *ctx;
    uint64_t checkpoint; /* the reader's own checkpoint, 0 if none */
    size_t batch_max;    /* records per batch; 0 = 1024 */
    int idle_ms;         /* 0 = 1000 */
    /* A reader with its own checkpoint may let the cursor trail behind by up to this long
     * (it commits when idle, at stop and at most this often), sparing two fsyncs per batch:
     * the cursor then only holds segments a little longer. 0 = commit after every batch. */
    int commit_every_ms;
    /* How much lower the thread's CPU priority is than the server's (its nice value is raised
     * by this much, 1..19; 0 = the same): a reader whose work can wait yields the CPU to the
     * acceptance of events when both cores are busy, and catches up when they are not. */
    int nice;
} ot_wal_reader_def;

typedef struct ot_wal_reader ot_wal_reader;

int ot_wal_reader_start(ot_wal *w, const ot_wal_reader_def *def, ot_wal_reader **out);
/* Stops the thread (after the batch in progress) and closes the cursor. */
void ot_wal_reader_stop(ot_wal_reader *r);
ot_wal_cursor *ot_wal_reader_cursor(ot_wal_reader *r);

#endif
