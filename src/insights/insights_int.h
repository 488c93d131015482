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
#define INS_GRACE_MIN 1  /* minute M closes once the trail saw an event of minute M + 2 */
#define INS_LIVE_MIN 10  /* a trail whose events are this recent follows the wall clock when idle */
#define INS_FUTURE_MIN 5 /* events further in the future than this are not counted */
#define INS_KEEP_MIN (OT_INSIGHTS_WINDOW_MIN + 2 * 1440) /* counts older than this are pruned */

/* ---- insights.db (insights_db.c) ---- */

typedef struct ins_db {
    sqlite3 *sql;
    sqlite3_stmt *series_add, *series_id, *count_add, *count_get, *window, *next_start;
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
} ins_series;

/* A trail's event clock: the minutes counted and judged so far. */
typedef struct ins_clock {
    char trail[320];
    int64_t first_minute;     /* the earliest minute counted */
    int64_t clock;            /* the latest minute counted (or reached by the wall clock) */
    int64_t judged;           /* minutes <= this are judged */
} ins_clock;

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
/* The id of series s (made if new). */
int ins_db_series(ins_db *db, const ins_series *s, int64_t *id);
int ins_db_count_add(ins_db *db, int64_t series, int64_t minute, uint64_t n);
int ins_db_count(ins_db *db, int64_t series, int64_t minute, uint64_t *n);
/* Calls of series in minutes [from, to). */
int ins_db_window(ins_db *db, int64_t series, int64_t from, int64_t to, uint64_t *sum);
/* The first minute in [from, to] where series has at least OT_INSIGHTS_MIN_START calls;
 * OT_ENOTFOUND if none. */
int ins_db_next_start(ins_db *db, int64_t series, int64_t from, int64_t to, int64_t *minute);
int ins_db_clock(ins_db *db, const char *trail, ins_clock *c); /* OT_ENOTFOUND if new */
int ins_db_clock_put(ins_db *db, const ins_clock *c);
int ins_db_clocks(ins_db *db, ins_clock **out, size_t *n);
/* The series of trail worth judging in minutes (from, to]: those with an anomaly in progress
 * and those with a minute there that could start one. */
int ins_db_candidates(ins_db *db, const char *trail, int64_t from, int64_t to, ins_series **out,
                      size_t *n);
/* The anomaly in progress of series (s->active false when none). */
int ins_db_state(ins_db *db, int64_t series, ot_insight_state *s);
int ins_db_state_put(ins_db *db, int64_t series, const ot_insight_state *s);
int ins_db_outbox_add(ins_db *db, const ins_series *s, const char *record, size_t len);
/* Rows not yet in the WAL (walled false) or not yet delivered, oldest first. */
int ins_db_outbox(ins_db *db, bool walled, ins_outbox_row **out, size_t *n);
void ins_outbox_free(ins_outbox_row *v, size_t n);
/* Marks ids as appended to the WAL or delivered; rows that are both are deleted. */
int ins_db_outbox_mark(ins_db *db, bool walled, const int64_t *ids, size_t n);
/* Deletes counts of minutes before cutoff. */
int ins_db_prune(ins_db *db, int64_t cutoff_minute);

/* ---- the reader (insights_reader.c, insights_count.c, insights_judge.c, insights_out.c) ---- */

/* A logging trail with Insights on, as the reader caches it. */
typedef struct ins_trail {
    ot_trail t;               /* t.selectors: its compiled event selectors (owned) */
    bool on[2];               /* by ot_insight_type */
    int64_t low, high;        /* the batch's minutes counted for it (high < low: none) */
} ins_trail;

/* Calls counted by a batch, before they are added to insights.db. */
typedef struct ins_tally {
    size_t trail;             /* index into trails */
    ot_insight_type type;
    const char *account, *region, *source, *name, *error; /* into the batch's records */
    int64_t minute;
    uint64_t n;
} ins_tally;

struct ot_insights {
    ot_insights_opts o;
    ins_db db;
    ins_trail *trails;
    size_t ntrails, captrails;
    ins_tally *tally;
    size_t ntally, captally;
    ot_json_doc *doc;
    ot_buf rec, gz;
    int64_t pruned_ms;
    ot_wal_reader *reader;
    _Atomic uint64_t started, ended, files, position;
};

int64_t ins_now_ms(const ot_insights *in);
/* Re-reads the logging trails with Insights on. */
int ins_trails_refresh(ot_insights *in);
void ins_trails_free(ot_insights *in);
/* Counts the batch's management events into insights.db (in the caller's transaction). */
int ins_count_batch(ot_insights *in, const ot_wal_record *recs, size_t n);
/* Judges the trail's minutes that closed: c->judged moves to through. Insights events made go
 * to the outbox (in the caller's transaction). */
int ins_judge(ot_insights *in, ins_clock *c, int64_t through);
/* Moves the outbox into the WAL and into the trails' buckets; failures stay for the next try. */
void ins_out_flush(ot_insights *in);

#endif
