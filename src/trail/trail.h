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

#endif
