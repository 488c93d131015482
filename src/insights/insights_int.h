/* insights_int.h — private to the insights module: insights.db and the reader's state. */
#ifndef OT_INSIGHTS_INT_H
#define OT_INSIGHTS_INT_H

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "insights/insights.h"
#include "trail/trail.h"
#include "util/buf.h"
#include "util/json.h"
#include "wal/wal_cursor.h"

#define INS_MINUTE_MS 60000LL
#define INS_GRACE_MIN 1  /* minute M of a series closes once it has an event of minute M + 2 */
#define INS_QUIET_MS (120 * 1000LL) /* a series without new events for this long has caught up */
#define INS_LIVE_MIN 10  /* ... and if its events are this recent it follows the wall clock */
#define INS_SWEEP_MS (10 * 1000LL)  /* how often quiet series are looked for */
#define INS_RETRY_MS (30 * 1000LL)  /* writing Insights events out is retried this often */
#define INS_FUTURE_MIN 5 /* events further in the future than this are not counted */
#define INS_KEEP_MIN (OT_INSIGHTS_WINDOW_MIN + 2 * 1440) /* counts older than this are pruned */

/* ---- insights.db (insights_db.c) ---- */

typedef struct ins_db {
    sqlite3 *sql;
    sqlite3_stmt *series_add, *series_get, *count_add, *count_get, *window, *next_start,
        *attr_add;
} ins_db;

/* One series: what is counted, for which trail. */
typedef struct ins_series {
    int64_t id;
    char trail[320];
    int type;                 /* ot_insight_type */
    char account[16];
    char region[32];
    char source[256];
    char name[256];
    char error[256];
    int64_t clock;            /* the latest minute counted */
    int64_t judged;           /* minutes <= this are judged */
    int64_t touched_ms;       /* when it was last counted (wall clock) */
} ins_series;

typedef struct ins_outbox_row {
    int64_t id;
    char trail[320];
    char account[16];
    char region[32];
    char *record;             /* malloc'd */
} ins_outbox_row;

int ins_db_open(const char *path, ins_db *db);
void ins_db_close(ins_db *db);
int ins_db_position(ins_db *db, uint64_t *lsn);
int ins_db_set_position(ins_db *db, uint64_t lsn);
/* Counts series s in at minute s->clock, wall time s->touched_ms: made if new (judged from
 * that minute on), else its clock moved on. *id gets its id. */
int ins_db_series(ins_db *db, const ins_series *s, int64_t *id);
int ins_db_series_get(ins_db *db, int64_t id, ins_series *s);
int ins_db_series_judged(ins_db *db, int64_t id, int64_t judged);
/* Series not counted since touched_before_ms that are not judged as far as a series that has
 * caught up is (insights_reader.c: caught_up_through). */
int ins_db_quiet_series(ins_db *db, int64_t touched_before_ms, int64_t now_minute,
                        ins_series **out, size_t *n);
int ins_db_count_add(ins_db *db, int64_t series, int64_t minute, uint64_t n);
int ins_db_count(ins_db *db, int64_t series, int64_t minute, uint64_t *n);
/* Calls of series in minutes [from, to). */
int ins_db_window(ins_db *db, int64_t series, int64_t from, int64_t to, uint64_t *sum);
/* The first minute in [from, to] where series has at least OT_INSIGHTS_MIN_START calls;
 * OT_ENOTFOUND if none. */
int ins_db_next_start(ins_db *db, int64_t series, int64_t from, int64_t to, int64_t *minute);
/* The first minute counted for trail, lowered to low if that is earlier (INT64_MAX: only
 * read it). */
int ins_db_first_minute(ins_db *db, const char *trail, int64_t low, int64_t *first);
/* The anomaly in progress of series (s->active false when none). */
int ins_db_state(ins_db *db, int64_t series, ot_insight_state *s);
int ins_db_state_put(ins_db *db, int64_t series, const ot_insight_state *s);
int ins_db_outbox_add(ins_db *db, const ins_series *s, const char *record, size_t len);
/* Rows not yet in the WAL (walled false) or not yet delivered, oldest first. */
int ins_db_outbox(ins_db *db, bool walled, ins_outbox_row **out, size_t *n);
void ins_outbox_free(ins_outbox_row *v, size_t n);
/* Marks ids as appended to the WAL or delivered; rows that are both are deleted. */
int ins_db_outbox_mark(ins_db *db, bool walled, const int64_t *ids, size_t n);
/* Adds n calls with value of attribute attr to series' minute. */
int ins_db_attr_add(ins_db *db, int64_t series, int64_t minute, int attr, const char *value,
                    uint64_t n);
/* The OT_INSIGHTS_TOP values of attr with the most calls in series' minutes [from, to], each
 * with its calls divided by minutes. */
int ins_db_attr_top(ins_db *db, int64_t series, int attr, int64_t from, int64_t to,
                    double minutes, ot_insight_value *out, size_t *n);
/* Deletes counts of minutes before cutoff. */
int ins_db_prune(ins_db *db, int64_t cutoff_minute);

/* ---- the reader (insights_reader.c, insights_count.c, insights_judge.c, insights_out.c) ---- */

/* A logging trail with Insights on, as the reader caches it. */
typedef struct ins_trail {
    ot_trail t;               /* t.selectors: its compiled event selectors (owned) */
    bool on[2];               /* by ot_insight_type */
    int64_t low;              /* the batch's earliest minute counted for it (INT64_MAX: none) */
} ins_trail;

/* Calls counted by a batch, before they are added to insights.db. */
typedef struct ins_tally {
    size_t trail;             /* index into trails */
    ot_insight_type type;
    const char *account, *region, *source, *name, *error; /* into the batch's records */
    int64_t minute;
    uint64_t n;
    int64_t series;           /* its id, once stored */
} ins_tally;

/* Calls of one tally entry that share a value of an attribution attribute. */
typedef struct ins_attr_tally {
    size_t tally;             /* index into tally */
    int attr;                 /* ot_insight_attr */
    size_t value;             /* offset of the NUL-terminated value in values */
    uint64_t n;
} ins_attr_tally;

struct ot_insights {
    ot_insights_opts o;
    ins_db db;
    ins_trail *trails;
    size_t ntrails, captrails;
    ins_tally *tally;
    size_t ntally, captally;
    ins_attr_tally *attrs;
    size_t nattrs, capattrs;
    ot_buf values;            /* the attribute values of the batch */
    ot_insight_attribution attribution[OT_INSIGHT_NATTRS]; /* scratch for a record */
    int64_t *touched;         /* the series the batch counted */
    size_t ntouched, captouched;
    ot_json_doc *doc;
    ot_buf rec, gz;
    int64_t pruned_ms, swept_ms;
    int64_t out_retry_ms;     /* writing out failed: not tried again before this */
    ot_wal_reader *reader;
    _Atomic uint64_t started, ended, files, position;
};

int64_t ins_now_ms(const ot_insights *in);
/* Re-reads the logging trails with Insights on. */
int ins_trails_refresh(ot_insights *in);
void ins_trails_free(ot_insights *in);
/* Counts the batch's management events into insights.db (in the caller's transaction):
 * touched lists the series counted, trails[].low the trails' earliest minutes. */
int ins_count_batch(ot_insights *in, const ot_wal_record *recs, size_t n);
/* Judges series s's minutes (s->judged, through] and stores how far it got. Insights events
 * made go to the outbox (in the caller's transaction). */
int ins_judge(ot_insights *in, const ins_series *s, int64_t through);
/* Moves the outbox into the WAL and into the trails' buckets; failures stay for the next try,
 * at most every INS_RETRY_MS. */
void ins_out_flush(ot_insights *in);

#endif
