/* import.h — loading CloudTrail log files into history.db (`opentrail import`).
 *
 * ot_hsplit finds the records in a byte stream, whatever the framing: a {"Records":[...]}
 * envelope (CloudTrail log files), a JSON array, NDJSON or concatenated objects. It keeps only
 * the unfinished record in memory, so files of any size stream through a small window.
 * ot_history_import() runs the whole import: files in parallel (inflate, split, extract with
 * simdjson) feeding one SQLite writer in large transactions. */
#ifndef OT_HISTORY_IMPORT_H
#define OT_HISTORY_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history/history.h"
#include "util/buf.h"

#define OT_HSPLIT_MAX_RECORD (64u << 20)
#define OT_HSPLIT_MAX_DEPTH 1024

typedef struct ot_hsplit {
    size_t pos;        /* next byte of the window to scan */
    long long rec_start, obj_start, key_start; /* window offsets, -1 if none */
    int depth;
    uint8_t arrays[OT_HSPLIT_MAX_DEPTH / 8]; /* bit d: the bracket open at depth d is '[' */
    bool in_str, esc, track_key;
    bool top_obj, top_array, envelope, in_records;
    char key[16];
    uint64_t records;
    char err[160];
} ot_hsplit;

/* Called with each complete record; rec has OT_BUF_PAD readable bytes after len. Non-zero stops
 * the feed and is returned. */
typedef int (*ot_hsplit_fn)(void *ctx, const char *rec, size_t len);

void ot_hsplit_init(ot_hsplit *s);
/* Scans the bytes appended to win since the last call, emits finished records and drops the
 * consumed bytes from win. OT_EINVAL (s->err says why) if the stream is not JSON records. */
int ot_hsplit_feed(ot_hsplit *s, ot_buf *win, ot_hsplit_fn fn, void *ctx);
/* At end of input: OT_ETORN if a record or envelope was left open. */
int ot_hsplit_finish(ot_hsplit *s, const ot_buf *win);

/* ---- the importer ---- */

typedef enum {
    OT_IMPORT_OK,
    OT_IMPORT_SKIPPED,  /* digest, Insight or ConfigWritabilityCheckFile object */
    OT_IMPORT_FAILED,   /* unreadable: reason says why; records before the damage are kept */
} ot_import_status;

typedef struct ot_import_file {
    char *name;         /* path, or s3://bucket/key */
    uint64_t size;
    ot_import_status status;
    char reason[200];
    uint64_t records, bad_records;
} ot_import_file;

typedef struct ot_import_stats {
    uint64_t files, files_ok, files_skipped, files_failed;
    uint64_t records;          /* records read */
    uint64_t imported;         /* new rows */
    uint64_t duplicates;       /* eventID already present */
    uint64_t bad_records;      /* malformed, or without eventID/eventTime */
    uint64_t bytes_in;         /* file bytes read so far (progress) */
    uint64_t bytes_total;
    uint64_t by_cat[3];        /* new rows per ot_history_cat */
} ot_import_stats;

/* Called for each object a remote source lists; non-zero stops the listing. */
typedef int (*ot_import_add_fn)(void *actx, const char *key, uint64_t size);

/* Where s3://bucket/prefix objects come from: an S3 endpoint, which the caller reaches (cli
 * builds this over aws/, so history needs no HTTP). Messages go into err. */
typedef struct ot_import_source {
    /* Every object below prefix. */
    int (*list)(void *ctx, const char *bucket, const char *prefix, ot_import_add_fn add,
                void *actx, char *err, size_t errlen);
    /* One whole object into out (called from several threads at once). */
    int (*get)(void *ctx, const char *bucket, const char *key, ot_buf *out, char *err,
               size_t errlen);
    void *ctx;
} ot_import_source;

typedef struct ot_import_opts {
    const ot_import_source *remote; /* for s3:// sources; borrowed until ot_import_free */
    int threads;               /* 0 = number of CPUs */
} ot_import_opts;

typedef struct ot_import ot_import;

/* Finds the files under source (a file, a directory, or s3://bucket/prefix read through
 * o->remote). */
int ot_import_new(const char *source, const ot_import_opts *o, ot_import **out, char *err,
                  size_t errlen);
/* Imports every file into h; returns 0 unless the index itself failed (files that fail are
 * reported in the file list, not here). Safe to call ot_import_stats() from another thread
 * meanwhile. */
int ot_import_run(ot_import *im, ot_history *h);
void ot_import_stats_get(ot_import *im, ot_import_stats *out);
const ot_import_file *ot_import_files(const ot_import *im, size_t *n);
void ot_import_free(ot_import *im);

/* Whether a file name is a CloudTrail object that holds no events to import. */
bool ot_import_skip_name(const char *name);

#endif
