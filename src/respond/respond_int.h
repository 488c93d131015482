/* respond_int.h — private to src/respond: the reader's state, one trigger, and the in-process
 * API calls the runbooks make. */
#ifndef OT_RESPOND_INT_H
#define OT_RESPOND_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "incident/incident.h"
#include "respond/respond.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/jsonw.h"

struct ot_history;
struct ot_wal_reader;

#define RB_RUNBOOKS 3 /* trail-restore, instance-login, bucket-policy-restore */

struct ot_runbooks {
    ot_api *srv;
    ot_incident_db *incidents;
    struct ot_wal_reader *reader;
    struct rb_login *login;  /* instance-login's parsed configuration (login_int.h) */
    /* One lock per runbook, held for a whole run: the runbooks' reader and the rule router's
     * dispatcher (runbook targets) may offer the same record to the same runbook at once, and
     * a runbook's check-then-act (state, then incident) must not interleave with itself. */
    pthread_mutex_t run_mu[RB_RUNBOOKS];
};

/* One CloudTrail record offered to the runbooks: its WAL position, routing facts and the
 * members of the record they read (pointing into doc). */
typedef struct rb_trigger {
    uint64_t lsn;
    const ot_event *ev;
    const char *record;
    size_t len;
    ot_json root;            /* the parsed record */
    char event_time[40];     /* "" if absent */
    int64_t event_ms;        /* eventTime, 0 if unreadable */
    const char *account;     /* recipientAccountId (the routing fact) */
    const char *region;      /* awsRegion */
    char trail[400];         /* the trail as requestParameters names it (name or ARN) */
    char trail_arn[400];     /* its ARN */
    char trail_name[130];
    bool from_rule;          /* offered by a rule's runbook target: runs even when "off" */
} rb_trigger;

/* The mode a runbook set to `configured` runs t in: a rule's runbook target runs a runbook
 * whose own trigger is off (on, then); dry-run stays dry-run. */
int rb_run_mode(int configured, const rb_trigger *t);

/* ---- rule targets (runbook_target.c) ---- */

/* Offers the event of a rule's runbook target (the EventBridge envelope the router matched,
 * envelope[0..len), accepted by the server at ingest_ms: a StopLogging is audited before its
 * stop commits, and the runbook waits for that) to runbook `name` (name_len bytes): 0 when
 * the runbook ran (or the record
 * is a runbook's own, which triggers nothing); OT_EINVAL, the reason in err, when the event
 * is none the runbook acts on or the runbook is unknown (final: a dead letter); OT_EAGAIN
 * when it could not run now (the runbooks are not running, the incident was not stored). */
int rb_run_for_rule(ot_runbooks *rb, const char *name, size_t name_len, const char *envelope,
                    size_t len, int64_t ingest_ms, char *err, size_t errcap);

/* ---- the runbooks and the reader's offer (runbook_reader.c) ---- */

typedef int (*rb_runbook_fn)(ot_runbooks *rb, rb_trigger *t);

typedef struct rb_runbook {
    const char *name;
    bool (*wants)(const ot_event *ev); /* whether a record (its WAL header) is a trigger */
    rb_runbook_fn run;
    const char *triggers;              /* in words, for a dead letter's reason */
} rb_runbook;

/* The runbook called name (name_len bytes) and its index (into run_mu), or NULL. */
const rb_runbook *rb_runbook_named(const char *name, size_t name_len, size_t *index);
/* Parses ev's record into a trigger and runs runbook i on it under its lock; a failed call
 * (errorCode) or a runbook's own record is skipped (0). from_rule: see rb_trigger. */
int rb_offer(ot_runbooks *rb, size_t i, uint64_t lsn, const ot_event *ev, ot_json_doc *doc,
             bool from_rule);

/* ---- in-process calls (rb_invoke.c) ---- */

/* The answer of one call made as the responder. */
typedef struct rb_call {
    int status;               /* HTTP status */
    char error_code[128];     /* "" on success */
    char error_message[512];
    char request_id[37];      /* also the requestID of the call's audit record */
    int64_t at_ms;            /* when the call was made */
    ot_json_doc *doc;         /* the parsed JSON answer (NULL if none) */
    ot_json out;              /* its root */
} rb_call;

/* Calls CloudTrail operation op with the JSON body as the responder of runbook in account
 * and region; the call is audited. 0 when the call succeeded, OT_EINVAL when the API answered
 * an error (in call), another OT_E* when it could not be made. rb_call_free() afterwards. */
int rb_invoke(ot_api *srv, const char *runbook, const char *account, const char *region,
              const char *op, const char *body, rb_call *call);
void rb_call_free(rb_call *call);

/* The responder's ARN for runbook in account. */
void rb_responder_arn(const char *account, const char *runbook, char *out, size_t cap);
/* Makes req (method, path, body and other headers set by the caller) a call of runbook's
 * responder in account and region to service: its principal, address, user agent (written into
 * agent, which must outlive req), request id and time. */
void rb_responder_request(ot_req *req, const char *runbook, const char *account,
                          const char *region, const char *service, char agent[64]);
/* Whether a record was written by a runbook's own call (it must not trigger a runbook). */
bool rb_is_own_record(ot_json record);

/* ---- what every incident has (rb_incident.c; docs/runbooks.md "Incident records") ---- */

/* A runbook's record before it is stored ends in this: rb_incident_complete fills it. */
#define RB_NO_NOTIFICATIONS "\"notifications\":[]}"

/* Waits (at most 5 s) until the history has indexed every WAL record up to lsn. */
bool rb_history_reaches(struct ot_history *h, uint64_t lsn);
/* The human behind t's principal (waiting for the history to hold t first); ot_human_free. */
void rb_resolve_human(ot_runbooks *rb, const rb_trigger *t, const char *runbook, ot_human *h);
/* Member key of the record: member of obj, copied as it is (nothing when absent). */
void rb_copy_raw(ot_jw *w, const char *key, ot_json obj, const char *member);
void rb_write_trigger(ot_jw *w, const rb_trigger *t);           /* "trigger": {…} */
void rb_write_actor(ot_jw *w, ot_json rec, const ot_human *h);  /* "actor": {…, "human"} */

/* The members every record starts with. */
typedef struct rb_incident_head {
    const char *runbook, *status, *title;
    int64_t created_ms;
    const char *resource_type, *resource_arn, *resource_name;
    const char *change;
} rb_incident_head;

/* Opens the record: runbook, status, title, createdAt, trigger, actor, resource, change. */
void rb_write_head(ot_jw *w, const rb_incident_head *hd, const rb_trigger *t, const ot_human *h);
/* Opens "window" (the blind or exposure window) with its start and end (ISO 8601 with
 * milliseconds) and seconds; the caller adds its own members and closes it. */
void rb_write_window_open(ot_jw *w, int64_t start_ms, int64_t end_ms);
/* Closes it with RB_NO_NOTIFICATIONS. */
void rb_write_tail(ot_jw *w);
/* "prior": the earlier incidents of the same human. */
void rb_write_prior(ot_jw *w, ot_incident_db *db, const char *human, int64_t now);
/* The status of stored incident id ("" if unreadable). */
void rb_incident_status(ot_incident_db *db, const char *id, char *out, size_t cap);

/* Stores the record json (ending in RB_NO_NOTIFICATIONS) of t as a new incident of runbook;
 * inc gets the index fields and the id. OT_EEXIST (with inc->id) when t has one already. */
int rb_incident_put(ot_runbooks *rb, const char *runbook, const rb_trigger *t,
                    const ot_human *h, int64_t now, const char *json, ot_incident *inc);
/* body with "id" in front (what is stored once complete, without notifications). */
int rb_incident_with_id(const char *body, const char *id, ot_buf *out);
/* Completes incident id with body: publishes it to the runbook topic (when one is set) and
 * stores it with its id and the notifications sent (note: one more, a JSON object, first;
 * NULL: none). */
int rb_incident_complete(ot_runbooks *rb, const char *runbook, const char *id,
                         const char *body, const char *subject, const char *note);
/* A run after a crash found incident id: completed if the crash came before it was. */
int rb_incident_complete_existing(ot_runbooks *rb, const char *runbook, const char *id,
                                  const char *subject);
/* Stores body as t's new incident and completes it, or, when a run before a crash stored it
 * already, completes that one; id gets the incident's id. */
int rb_incident_store(ot_runbooks *rb, const char *runbook, const rb_trigger *t,
                      const ot_human *h, int64_t now, const char *body, const char *subject,
                      char id[32]);

/* ---- what a runbook applies to (rb_match.c) ---- */

/* Whether ev is a successful management call of source named one of names[0..n). */
bool rb_event_is(const ot_event *ev, const char *source, const char *const *names, size_t n);
/* Whether the comma-separated list (spaces around items ignored) holds a or b (b may be NULL). */
bool rb_list_names(const char *list, const char *a, const char *b);

/* ---- trail-restore (trail_restore.c, restore_incident.c) ---- */

#define RB_TRAIL_RESTORE "trail-restore"

/* Whether the record is a trigger of trail-restore (event name, source, success). */
bool rb_trail_restore_wants(const ot_event *ev);
/* Runs the runbook for one trigger. 0 when done (acted or not, incident written); an error
 * only when the incident could not be stored (the reader then reads the record again). */
int rb_trail_restore_run(ot_runbooks *rb, rb_trigger *t);

/* What the runbook found and did, for the incident (docs/runbooks.md "Incident records"). */
typedef struct rb_restore_outcome {
    bool dry_run;
    const char *change;          /* "StopLogging: logging stopped" */
    const char *status;          /* restored, no-action-needed, dry-run, failed */
    char taken[128];             /* the changing calls, ", "-separated; "" = none */
    char steps[512];             /* the steps in words, "; "-separated */
    char error[512];             /* why it failed */
    int logging_before;          /* IsLogging: 1, 0, or -1 = the trail did not exist */
    int logging_after;
    bool mgmt_before;            /* whether the selectors recorded management events */
    bool recreated;              /* DeleteTrail: the trail was made again */
    int64_t selectors_restored;  /* the selector version put back (0 = the default), -1 none */
    char last_op[32];            /* the last changing call made, and its requestID */
    char last_request_id[37];
    int64_t restored_ms;         /* when that call was made (0 if none) */
} rb_restore_outcome;

/* Writes the incident of t with outcome o (resolving the human, the blind window and the
 * prior incidents from the history), publishes it to the runbook topic and stores the
 * MessageId. Idempotent: an incident that exists for t is completed, not written again. */
int rb_restore_incident(ot_runbooks *rb, const rb_trigger *t, const rb_restore_outcome *o);

#endif
