/* history.h — the event history index (<data-dir>/history.db) behind LookupEvents, `opentrail
 * import` and `opentrail lookup`.
 *
 * One SQLite database holds every management (and Insights) event the server records, and
 * segment files beside it (history-segments/) hold what `opentrail import` loads; each event
 * keeps its raw CloudTrail record verbatim and is indexed for every LookupEvents attribute and
 * for time. Queries merge both. Rows are independent of trails.
 *
 * Threads: an ot_history has one writer (the feeder thread, or the importer's writer thread) and
 * a small pool of reader connections that ot_history_query() borrows, so lookups never wait for
 * indexing (WAL journal mode). See docs/internals/HISTORY.md. */
#ifndef OT_HISTORY_H
#define OT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/jsonw.h"

typedef struct ot_history ot_history;

/* The eight LookupEvents attribute keys, in the API's spelling. */
typedef enum {
    OT_HK_EVENT_ID,
    OT_HK_EVENT_NAME,
    OT_HK_READ_ONLY,
    OT_HK_USERNAME,
    OT_HK_RESOURCE_TYPE,
    OT_HK_RESOURCE_NAME,
    OT_HK_EVENT_SOURCE,
    OT_HK_ACCESS_KEY_ID,
    OT_HK_COUNT
} ot_history_key;

/* What kind of event a row is. LookupEvents sees management events, or Insights events with
 * EventCategory=insight; data events are kept only when imported (for `opentrail lookup`). */
typedef enum { OT_HCAT_MANAGEMENT = 0, OT_HCAT_INSIGHT = 1, OT_HCAT_DATA = 2 } ot_history_cat;

/* 0 and the key, or OT_EINVAL for a name that is not one of the eight (case-sensitive). */
int ot_history_key_parse(const char *name, ot_history_key *k);
const char *ot_history_key_name(ot_history_key k);

/* ---- opening ---- */

typedef struct ot_history_opts {
    bool bulk;         /* bulk load: synchronous=OFF, big cache; ot_history_close checkpoints */
    bool read_only;    /* open an existing index for queries only */
    int readers;       /* reader connections in the pool; 0 = 4 */
} ot_history_opts;

/* Opens (creating if needed) the index at path. */
int ot_history_open(const char *path, const ot_history_opts *opts, ot_history **out);
void ot_history_close(ot_history *h);

/* ---- the rows ---- */

#define OT_HISTORY_MAX_RESOURCES 64

/* The indexed facts of one record, extracted by ot_history_extract(). The strings are offsets
 * into arena (so a row can be moved between threads); -1 means absent. */
typedef struct ot_history_row {
    int64_t time_ms;          /* eventTime */
    uint8_t cat;              /* ot_history_cat */
    int8_t read_only;         /* 1, 0, or -1 if the record has no readOnly */
    int32_t event_id, event_name, event_source, username, access_key_id, region;
    int32_t resources_json;   /* [{"ResourceType":..,"ResourceName":..}] as LookupEvents shows */
    uint16_t nres;
    int32_t res_type[OT_HISTORY_MAX_RESOURCES], res_name[OT_HISTORY_MAX_RESOURCES];
    const char *raw;          /* the record, verbatim (not owned) */
    size_t raw_len;
} ot_history_row;

/* Why a record was not extracted (for import reports). */
typedef enum {
    OT_HX_OK = 0,
    OT_HX_NOT_OBJECT,
    OT_HX_NO_EVENT_ID,
    OT_HX_BAD_TIME,
} ot_history_skip;

struct ot_json_doc;

/* Parses the record raw[0..len) (padded: OT_BUF_PAD readable bytes past len) and fills row,
 * appending its strings to arena (reset it between rows yourself). cat_hint < 0 derives the
 * category from the record (eventCategory / eventType). Returns 0, OT_EINVAL for malformed JSON,
 * or OT_ENOTFOUND with *why set when the record lacks what an index row needs. */
int ot_history_extract(struct ot_json_doc *doc, const char *raw, size_t len, bool padded,
                       int cat_hint, ot_history_row *row, ot_buf *arena, ot_history_skip *why);

/* Writer side: group inserts in a transaction. ot_history_commit() stores wal_lsn as the
 * feeder's checkpoint in the same transaction when wal_lsn > 0 (exactly-once across crashes). */
int ot_history_begin(ot_history *h);
/* Inserts a row; *added = 1 if new, 0 if its eventID was already indexed. imported rows are
 * exempt from retention. */
int ot_history_insert(ot_history *h, const ot_history_row *row, const char *arena, bool imported,
                      int *added);
int ot_history_commit(ot_history *h, uint64_t wal_lsn);
void ot_history_rollback(ot_history *h);

/* Document blocks: up to OT_HISTORY_BLOCK records stored deflated together (imports).
 * ot_history_block_encode (any thread) deflates rows[0..n)'s records and resources JSON, appending
 * the compressed bytes to out (scratch: working memory) and their inflated size to *ulen. */
#define OT_HISTORY_BLOCK 16
int ot_history_block_encode(const ot_history_row *rows, size_t n, const char *arena,
                            ot_buf *scratch, ot_buf *out, size_t *ulen);

/* Convenience for one record: extract + insert (inside a transaction the caller began). */
int ot_history_add(ot_history *h, const char *raw, size_t len, int cat_hint, bool imported,
                   int *added);

/* The feeder's checkpoint: every WAL record with lsn <= it is indexed. */
uint64_t ot_history_checkpoint(ot_history *h);

/* Deletes up to batch non-imported rows older than cutoff_ms (oldest first); *deleted gets the
 * count, so callers loop with short transactions and never stall the writer for long. With
 * include_imported, imported rows go too (`import --apply-retention`). */
int ot_history_expire(ot_history *h, int64_t cutoff_ms, int batch, bool include_imported,
                      int *deleted);

/* Bulk loads: drops the lookup indexes (not the eventID one, which deduplicates) so rows go in
 * at append speed; ot_history_bulk_end() rebuilds them by sorting, which is much faster than
 * maintaining them row by row. Opening the index later rebuilds them too if a load died. */
int ot_history_bulk_begin(ot_history *h);
int ot_history_bulk_end(ot_history *h);

/* Number of rows (tests, summaries). */
int ot_history_count(ot_history *h, int64_t *n);

/* ---- queries ---- */

#define OT_HISTORY_MAX_ATTRS 8
#define OT_HISTORY_MAX_PAGE 1000

/* Where a page ended: the next page starts strictly after (time_ms, id) in newest-first order,
 * among rows with id <= snapshot (rows that existed when the first page was read). */
typedef struct ot_history_cursor {
    int64_t snapshot;
    int64_t time_ms;
    int64_t id;
} ot_history_cursor;

typedef struct ot_history_query {
    struct {
        ot_history_key key;
        const char *value;
    } attrs[OT_HISTORY_MAX_ATTRS]; /* ANDed */
    size_t nattrs;
    int64_t start_ms, end_ms;      /* inclusive; INT64_MIN / INT64_MAX when open */
    int cat;                       /* ot_history_cat */
    const char *region;            /* awsRegion; NULL = every region */
    size_t limit;                  /* 1..OT_HISTORY_MAX_PAGE */
    const ot_history_cursor *after; /* NULL for the first page */
} ot_history_query;

typedef struct ot_history_hit {
    int64_t id;
    int64_t time_ms;
    int read_only;             /* 1, 0 or -1 */
    const char *event_id, *event_name, *event_source, *username, *access_key_id; /* NULL if absent */
    const char *resources_json; /* never NULL ("[]") */
    const char *raw;
    size_t raw_len;
} ot_history_hit;

/* Called once per row, newest first; a non-zero return stops the query and is returned. */
typedef int (*ot_history_hit_fn)(void *ctx, const ot_history_hit *hit);

/* Runs q. *more is set when rows remain after this page, and then *next says where the next page
 * starts. Thread-safe (borrows a reader connection). */
int ot_history_query_run(ot_history *h, const ot_history_query *q, ot_history_hit_fn fn,
                         void *ctx, bool *more, ot_history_cursor *next);

/* ---- one event as JSON ---- */

/* How ot_history_json_event writes an event. The LookupEvents answer uses the zero value; the
 * CLI's --output json wants it readable. */
typedef struct ot_history_json_style {
    bool iso_time;   /* EventTime as ISO 8601 text instead of (fractional) epoch seconds */
    bool raw_record; /* CloudTrailEvent as the record itself instead of a JSON string of it */
    bool nulls;      /* absent attributes written as null instead of left out */
} ot_history_json_style;

/* Writes one event of a LookupEvents answer (EventId, EventName, ReadOnly, AccessKeyId,
 * EventTime, EventSource, Username, Resources, CloudTrailEvent) as an object to w. Returns
 * the writer's error state (0 or OT_E*). */
int ot_history_json_event(ot_jw *w, const ot_history_hit *e, const ot_history_json_style *style);

/* ---- pagination tokens ---- */

#define OT_HISTORY_TOKEN_MAX 128

/* A NextToken: the cursor and a hash of the query parameters, sealed with an HMAC under a key
 * kept in history.db, so a tampered token or one reused with other parameters is refused. */
void ot_history_token_make(ot_history *h, const uint8_t params[32], const ot_history_cursor *c,
                           char out[OT_HISTORY_TOKEN_MAX]);
/* 0, or OT_EINVAL if the token is malformed, forged or was made for other parameters. */
int ot_history_token_parse(ot_history *h, const char *token, const uint8_t params[32],
                           ot_history_cursor *c);

/* ---- the feeder (the running server) ---- */

struct ot_wal;

#define OT_HISTORY_CURSOR "history" /* the feeder's WAL cursor */

typedef struct ot_history_feed_opts {
    struct ot_wal *wal;    /* followed through the cursor OT_HISTORY_CURSOR */
    ot_history *history;   /* indexed into; stays the caller's */
    int64_t retention_ms;  /* 0 = keep forever */
} ot_history_feed_opts;

typedef struct ot_history_feed ot_history_feed;

/* Starts the WAL reader that follows the log from the index's checkpoint (its cursor never
 * lets the WAL release segments that are not indexed yet), indexing management and Insights
 * events, and applies retention when idle. */
int ot_history_feed_start(const ot_history_feed_opts *o, ot_history_feed **out);
/* Indexes what is durable, then stops the thread. */
void ot_history_feed_stop(ot_history_feed *f);

#endif
