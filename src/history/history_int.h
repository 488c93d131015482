/* history_int.h — private to src/history/: the ot_history object and its SQLite statements. */
#ifndef OT_HISTORY_INT_H
#define OT_HISTORY_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <zlib.h>

#include "history/history.h"

#define HIST_MAX_READERS 16

struct hist_seg;
struct seg_builder;

/* The segments a reader sees (its read transaction's seg rows), each with a reference. */
typedef struct hist_segref {
    struct hist_seg *seg;
    int64_t cut;              /* rows older than this are expired */
} hist_segref;

typedef struct hist_segset {
    hist_segref *v;
    size_t n;
} hist_segset;

typedef struct hist_reader {
    sqlite3 *db;
    bool busy;
} hist_reader;

struct ot_history {
    char path[1024];
    bool read_only;
    sqlite3 *db; /* the writer connection (a reader too when read_only) */
    sqlite3_stmt *ins_ev, *ins_doc, *ins_res, *set_ckpt;
    bool v1; /* a read-only open of a schema version 1 file (resources, raw in events) */
    bool blk; /* events has blk, bi (version 3): documents may be in doc_blk */
    bool res4; /* res has one name row per key with its ARNs (version 4) */
    bool has_seg; /* the seg table exists (version 5): imports are in segments */
    hist_segset wsegs; /* the writer's view, loaded by ot_history_begin (feed deduplication) */
    struct hist_seg **segs; /* open segments, shared by readers (under mu) */
    size_t nsegs, segcap;
    uint64_t ckpt; /* atomic: ot_history_checkpoint() reads it without the lock */
    uint8_t token_key[32];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hist_reader readers[HIST_MAX_READERS];
    int nreaders;
};

/* Resource index kinds in table res. */
enum { HIST_RES_TYPE = 0, HIST_RES_NAME = 1 };

/* The indexed short name of a resource ARN ("my-bucket" for arn:aws:s3:::my-bucket), or NULL
 * when it is empty or equals the ARN. */
const char *ot_history_short_name(const char *arn, size_t *n);
const char *hist_short_name_n(const char *arn, size_t len, size_t *n); /* arn need not end in \0 */

/* The res key of a resource name (schema 4): its last segment after '/' or ':', or the whole
 * name if that is empty. ResourceName q matches an ARN only if the key of q is the ARN's key
 * (q is the ARN or its short name, a suffix keeping the last segment), so a lookup by q is one
 * range of res_v on hist_rn_key(q), filtered by hist_rn_match over the row's ARNs (NUL-separated
 * in a): the ARN itself or its short name equals q. */
const char *hist_rn_key(const char *arn, size_t n, size_t *kn);
bool hist_rn_match(const char *a, size_t an, const char *q, size_t qn);
bool hist_has_res_a(sqlite3 *db);

/* Reads records out of one doc_blk row, inflating only as far as the records asked for (a page's
 * hits share blocks rarely, and a record's offset is known from the block's header). */
typedef struct hist_blk_reader {
    int64_t id;               /* the loaded block, 0 if none */
    ot_buf z, out;            /* its compressed bytes (a copy), what is inflated so far */
    size_t ulen;
    z_stream zs;
    bool zinit;
} hist_blk_reader;
void hist_blk_free(hist_blk_reader *r);
int hist_blk_load(hist_blk_reader *r, int64_t id, const void *z, size_t zlen, size_t ulen);
/* Record bi of the loaded block (pointers into r->out, valid until the next call); OT_ECORRUPT
 * if the block does not decode. */
int hist_blk_get(hist_blk_reader *r, int64_t bi, const char **res, const char **raw,
                 size_t *raw_len);

/* Opens a connection to h->path with the pragmas every connection uses. */
int hist_connect(const char *path, bool read_only, sqlite3 **out);

/* Borrows a reader connection from the pool (opening it on first use), waiting if all are
 * busy; hist_reader_put gives it back. */
int hist_reader_get(ot_history *h, sqlite3 **db);
void hist_reader_put(ot_history *h, sqlite3 *db);

/* The driving attribute of a query (index into q->attrs), or -1: the same choice for
 * history.db and segments. */
int hist_query_driver(const ot_history_query *q);

/* The first column of sql's first row, or -1 on error (for non-negative counts and ids). */
int64_t hist_scalar(sqlite3 *db, const char *sql);

/* Deletes one events row with its documents and resources (inside a transaction). */
int hist_delete_event(sqlite3 *db, int64_t id);

/* ---- segments (history_segs.c) ---- */

const char *hist_seg_table_sql(void);
bool hist_has_seg_table(sqlite3 *db);
void hist_seg_dir(const ot_history *h, char *out, size_t cap);
/* The registered segments as db's current transaction sees them. */
int hist_segs_load(ot_history *h, sqlite3 *db, hist_segset *set);
void hist_segs_release(ot_history *h, hist_segset *set);
int64_t hist_segs_max_id(const hist_segset *set);
bool hist_segs_has_eid(const hist_segset *set, const char *eid, size_t n);
uint64_t hist_segs_count(const hist_segset *set);
/* The import lock (one import per data dir at a time); OT_EEXIST if another holds it. */
int hist_segs_lock(ot_history *h, int *fd);
void hist_segs_unlock(int fd);
/* Removes segment files no seg row names (writer open, when no import runs). */
void hist_segs_cleanup(ot_history *h);
/* Registers a finished segment file: reserves its ids, drops feed rows with ids > since_id that
 * it duplicates, one transaction. */
int hist_segs_publish(ot_history *h, struct seg_builder *b, const char *file, int64_t since_id,
                      int64_t tmin, int64_t tmax);
/* Expires segment rows older than cutoff_ms (import --apply-retention). */
int hist_segs_expire(ot_history *h, int64_t cutoff_ms, int *deleted);

/* ---- the importer's writer (history_load.c) ---- */

typedef struct hist_loader hist_loader;
/* Takes the import lock (OT_EEXIST if another import holds it) and starts a segment. */
int hist_loader_new(ot_history *h, hist_loader **out);
/* Rows [0, n) (n <= OT_HISTORY_BLOCK) with their documents deflated together in z;
 * added[i] = 1 if row i is new, 0 if its eventID is already in the history or this import. */
int hist_loader_add_block(hist_loader *l, const ot_history_row *rows, size_t n, const char *arena,
                          const void *z, size_t zlen, size_t ulen, int *added);
/* Writes and registers what is left; the rows are visible to lookups once it returns. */
int hist_loader_finish(hist_loader *l);
void hist_loader_free(hist_loader *l);

#endif
