/* trail.h — trails, channels and tags: the control-plane state kept in state.db (SQLite).
 *
 * The CloudTrail API handlers (api/api_cloudtrail.c) change this state; delivery reads the
 * logging trails and records delivery outcomes here so GetTrailStatus can report them. All
 * functions are thread-safe (one connection guarded by a mutex). */
#ifndef OT_TRAIL_H
#define OT_TRAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot_trail_db ot_trail_db;

typedef struct ot_trail {
    char name[129];
    char arn[320];            /* arn:aws:cloudtrail:<home-region>:<acct>:trail/<name> */
    char account_id[16];
    char home_region[32];
    char bucket[64];
    char prefix[201];         /* "" if none */
    char sns_topic_name[257];
    char kms_key_id[351];
    char cw_log_group_arn[351];
    char cw_role_arn[351];
    bool include_global;
    bool multi_region;
    bool log_validation;
    bool organization;
    char org_id[40];          /* o-xxxxxxxxxx for organization trails */
    bool has_custom_selectors;
    bool has_insight_selectors;
    bool logging;
    int64_t created_ms;
    int64_t start_logging_ms;    /* 0 = never */
    int64_t stop_logging_ms;     /* 0 = never */
    int64_t latest_delivery_ms;  /* last successful log-file delivery, 0 = never */
    int64_t latest_delivery_attempt_ms;
    bool latest_delivery_attempt_ok;
    char latest_delivery_error[512]; /* "" if the last attempt succeeded */
    int64_t latest_digest_delivery_ms;
    char latest_digest_delivery_error[512];
    /* Event selectors: the stored version (0 = the default selectors) and, where a holder
     * compiled it (delivery does), that version's matcher — borrowed, NULL elsewhere. */
    int64_t selectors_id;
    const struct ot_selectors *selectors;
} ot_trail;

#define OT_CHANNEL_MAX_DESTINATIONS 200

typedef struct ot_channel_destination {
    char type[32];            /* EVENT_DATA_STORE | AWS_SERVICE */
    char location[320];       /* for AWS_SERVICE: a trail ARN (our extension) */
} ot_channel_destination;

typedef struct ot_channel {
    char arn[160];            /* arn:aws:cloudtrail:<region>:<acct>:channel/<uuid> */
    char name[129];
    char source[257];
    char account_id[16];
    char region[32];
    ot_channel_destination *destinations; /* malloc'd; ot_channel_free() */
    size_t ndestinations;
    int64_t created_ms;
    /* Ingestion status (GetChannel IngestionStatus), recorded by ot_channel_note_ingestion. */
    int64_t latest_ingest_success_ms;      /* 0 = never */
    char latest_ingest_success_event_id[37];
    int64_t latest_ingest_attempt_ms;      /* 0 = never */
    char latest_ingest_attempt_event_id[37];
    char latest_ingest_error_code[128];    /* "" if the last attempt succeeded */
} ot_channel;

/* Opens (creating tables if needed) state.db at path. */
int ot_trail_db_open(const char *path, ot_trail_db **out);
void ot_trail_db_close(ot_trail_db *db);

/* Trails that are logging now (for delivery routing). *out is malloc'd; free() it. */
int ot_trail_list_logging(ot_trail_db *db, ot_trail **out, size_t *n);
/* A trail by ARN (any state). */
int ot_trail_get_by_arn(ot_trail_db *db, const char *arn, ot_trail *out);

/* Delivery outcome of a log file for the trail (GetTrailStatus fields). error NULL = success. */
int ot_trail_note_delivery(ot_trail_db *db, const char *trail_arn, int64_t attempt_ms,
                           const char *error);

/* A channel by ARN or by bare id (the part after "channel/"). */
int ot_channel_get(ot_trail_db *db, const char *arn_or_id, ot_channel *out);
void ot_channel_free(ot_channel *c);

/* Direct SQLite access for modules that keep their own tables in state.db (delivery
 * checkpoints). The callback runs with the db mutex held. */
struct sqlite3;
int ot_trail_db_with(ot_trail_db *db, int (*fn)(struct sqlite3 *sql, void *ctx), void *ctx);

/* ---- Additions used by the control plane (api/api_cloudtrail*.c) ---- */

#define OT_TRAIL_MAX_PER_REGION 5
#define OT_CHANNEL_MAX_PER_REGION 25
#define OT_TAGS_MAX_PER_RESOURCE 50

/* Checks a trail name against the CloudTrail naming rules. Returns 0, or OT_EINVAL with the
 * exact AWS message in msg (InvalidTrailNameException). */
int ot_trail_name_check(const char *name, char *msg, size_t msgcap);
/* "arn:aws:cloudtrail:<region>:<acct>:trail/<name>" into out; OT_ELIMIT if it does not fit. */
int ot_trail_arn_make(char *out, size_t cap, const char *region, const char *account,
                      const char *name);
/* Splits a trail ARN. region, account and name get NUL-terminated copies. Returns OT_EINVAL
 * if arn is not arn:aws:cloudtrail:<region>:<12 digits>:trail/<non-empty name>. */
int ot_trail_arn_parse(const char *arn, char region[32], char account[16], char name[129]);
/* The ARN of the trail's SNS topic: SnsTopicName as given when it is an ARN, else the topic of
 * that name in the trail's home region and account. "" when the trail has no topic. */
void ot_trail_sns_topic_arn(const ot_trail *t, char *out, size_t cap);

/* Trails counted in region for the 5-per-region limit: those homed there plus every
 * multi-region trail of the account (each counts in every region). */
int ot_trail_count_in_region(ot_trail_db *db, const char *account, const char *region,
                             size_t *n);
/* Inserts t (t->arn is the key). Atomically refuses a duplicate: OT_EEXIST if a trail with
 * this ARN exists or the name is taken in t->home_region by a shadow of a multi-region trail;
 * OT_ELIMIT if the region (or, for a multi-region trail, any region) would hold more than
 * max_per_region trails. */
int ot_trail_create(ot_trail_db *db, const ot_trail *t, size_t max_per_region);
/* Replaces the configuration of the trail t->arn (logging and delivery fields are kept).
 * OT_ENOTFOUND, or OT_ELIMIT if turning it multi-region would overfill some region. */
int ot_trail_update(ot_trail_db *db, const ot_trail *t, size_t max_per_region);
/* Deletes a trail and its tags; OT_ENOTFOUND if absent. */
int ot_trail_delete(ot_trail_db *db, const char *arn);
/* Every trail of the account (all home regions), ordered by home region then name.
 * *out is malloc'd (NULL when n is 0); free() it. */
int ot_trail_list(ot_trail_db *db, const char *account, ot_trail **out, size_t *n);
/* StartLogging / StopLogging. Starting a logging trail or stopping a stopped one changes
 * nothing (both are idempotent). *changed tells whether the state flipped (may be NULL). */
int ot_trail_set_logging(ot_trail_db *db, const char *arn, bool logging, int64_t now_ms,
                         bool *changed);
/* Delivery outcome of a digest file (GetTrailStatus LatestDigestDelivery*). error NULL =
 * success. */
int ot_trail_note_digest(ot_trail_db *db, const char *trail_arn, int64_t ms, const char *error);
/* The outcome of a trail's SNS notifications (trail_notify.c; GetTrailStatus). */
typedef struct ot_trail_notification {
    int64_t latest_ms;   /* last notification published, 0 = never */
    int64_t attempt_ms;  /* last attempt, successful or not, 0 = never */
    char error[512];     /* of the last attempt, "" if it succeeded */
} ot_trail_notification;

/* Records a notification attempt for the trail; error NULL = success. */
int ot_trail_note_notification(ot_trail_db *db, const char *trail_arn, int64_t attempt_ms,
                               const char *error);
/* The trail's notification outcome; all zero when none was ever attempted. */
int ot_trail_notification_get(ot_trail_db *db, const char *trail_arn,
                              ot_trail_notification *out);
/* Creates the notification table (called by ot_trail_db_open). */
int ot_trail_notify_schema(struct sqlite3 *sql);

/* The account's organization id, o-[a-z0-9]{10}, made once and kept in state.db. */
int ot_trail_org_id(ot_trail_db *db, const char *account, char out[40]);

/* Event selectors (trail_selectors.c). Every PutEventSelectors stores a new immutable
 * version (id > 0) and points the trail at it, in one transaction; versions are kept so a
 * pending log-file seal can be redone with the selectors it was routed by. json is the
 * canonical form (trail/selectors.h). OT_ENOTFOUND if the trail does not exist. */
int ot_trail_selectors_put(ot_trail_db *db, const char *trail_arn, const char *json,
                           int64_t now_ms, int64_t *id);
/* The canonical JSON of a stored version (malloc'd into *json; free() it). OT_ENOTFOUND if
 * no such version. */
int ot_trail_selectors_get(ot_trail_db *db, int64_t id, char **json);
/* The newest version stored for trail_arn before version before_id (INT64_MAX: before none),
 * its id into *id and its JSON malloc'd into *json (free() it). OT_ENOTFOUND if there is none:
 * the trail had the default selectors. The trail-restore runbook puts earlier selectors back. */
int ot_trail_selectors_before(ot_trail_db *db, const char *trail_arn, int64_t before_id,
                              int64_t *id, char **json);
/* Creates the selector table and the trails.selectors_id column (older state.db files);
 * called by ot_trail_db_open. */
int ot_trail_selectors_schema(struct sqlite3 *sql);

/* Insights selectors (trail_insights.c), stored on the trail's row. json is the canonical
 * InsightSelectors array (api/api_insights.c builds it); NULL turns Insights off. Both keep
 * has_insight_selectors in step. OT_ENOTFOUND if the trail does not exist. */
int ot_trail_insights_put(ot_trail_db *db, const char *trail_arn, const char *json);
/* The stored array (malloc'd into *json; free() it). OT_ENOTFOUND if the trail does not exist
 * or has Insights off. */
int ot_trail_insights_get(ot_trail_db *db, const char *trail_arn, char **json);
/* Adds the trails.insight_selectors column to older state.db files; ot_trail_db_open calls
 * it. */
int ot_trail_insights_schema(struct sqlite3 *sql);

/* The configuration a trail had when it was last deleted (trail_deleted.c documents the JSON
 * object), for the trail-restore runbook to make it again. malloc'd into *config; free() it.
 * OT_ENOTFOUND if no trail of that ARN was ever deleted. */
int ot_trail_deleted_get(ot_trail_db *db, const char *arn, char **config);

/* Tags of any resource (trail or channel ARN). */
typedef struct ot_tag {
    char key[129];
    char value[257];
    bool has_value;   /* a key without a value is stored with a null value */
} ot_tag;

/* Tags of resource_arn, ordered by key; *out malloc'd (NULL when n is 0), free() it. */
int ot_tags_list(ot_trail_db *db, const char *resource_arn, ot_tag **out, size_t *n);
/* Adds or overwrites tags on an existing trail or channel, atomically. OT_ENOTFOUND if no
 * trail or channel has this ARN, OT_ELIMIT if the resource would hold more than max tags. */
int ot_tags_add(ot_trail_db *db, const char *resource_arn, const ot_tag *tags, size_t n,
                size_t max);
/* Removes the given keys (values are ignored); OT_ENOTFOUND if the resource does not exist. */
int ot_tags_remove(ot_trail_db *db, const char *resource_arn, const ot_tag *tags, size_t n);

/* Creates a channel with its destinations. OT_EEXIST if the account already has a channel of
 * that name in c->region, OT_ELIMIT if the region already holds max channels. */
int ot_channel_create(ot_trail_db *db, const ot_channel *c, size_t max);
/* Renames a channel and/or replaces its destinations (name NULL = keep; dests NULL = keep).
 * OT_ENOTFOUND, or OT_EEXIST if another channel has the new name. */
int ot_channel_update(ot_trail_db *db, const char *arn, const char *name,
                      const ot_channel_destination *dests, size_t ndests);
/* Deletes a channel, its destinations and its tags; OT_ENOTFOUND if absent. */
int ot_channel_delete(ot_trail_db *db, const char *arn);
/* Channels of account in region with ARN > after (NULL = from the start), ordered by ARN, at
 * most limit. Destinations are not loaded. *out malloc'd; ot_channel_list_free(). */
int ot_channel_list(ot_trail_db *db, const char *account, const char *region, const char *after,
                    size_t limit, ot_channel **out, size_t *n);
void ot_channel_list_free(ot_channel *list, size_t n);
/* Ingestion outcome of one PutAuditEvents event on the channel. error_code NULL = success. */
int ot_channel_note_ingestion(ot_trail_db *db, const char *arn, int64_t ms, const char *event_id,
                              const char *error_code);

#endif
