/* incident.h — what the runbooks write when they act: durable incident records, and the human
 * behind the principal that triggered them.
 *
 * An incident is one JSON document (its fields are documented in docs/runbooks.md) stored in
 * DATA-DIR/incidents.db, keyed by an id "INC-YYYYMMDD-<8 hex>" and unique per
 * (runbook, trigger event id), so a runbook that runs twice for the same event (at-least-once
 * delivery after kill -9) finds the incident it already wrote instead of writing a second. */
#ifndef OT_INCIDENT_H
#define OT_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ot_history;

typedef struct ot_incident_db ot_incident_db;

/* Opens (creating if needed) the store at path: WAL journal, synchronous=FULL. The handle may
 * be shared by threads (calls are serialised). */
int ot_incident_db_open(const char *path, ot_incident_db **out);
/* Opens an existing store for reading only (`opentrail incidents`, also while the server runs):
 * OT_ENOTFOUND when path does not exist; put and update then fail with OT_EINVAL. */
int ot_incident_db_open_readonly(const char *path, ot_incident_db **out);
void ot_incident_db_close(ot_incident_db *db);

/* The index fields of one incident; the whole record is `json`. */
typedef struct ot_incident {
    char id[32];            /* "INC-20261203-1a2b3c4d" */
    char runbook[32];       /* "trail-restore", "bucket-policy-restore", "instance-login" */
    char account[16];
    char region[32];
    char trigger_event_id[64];
    char human[256];        /* the resolved human ("" when unresolved) */
    int64_t created_ms;
    char *json;             /* the whole incident record (malloc'd; NULL in list results) */
} ot_incident;

void ot_incident_free(ot_incident *inc);

/* Stores inc (inc->id empty: a new id is made and written back; created_ms 0: now). runbook,
 * trigger_event_id and json are required (OT_EINVAL). OT_EEXIST when an incident for
 * (runbook, trigger_event_id) exists already: its id is written into inc->id and nothing is
 * changed. Durable when it returns 0. */
int ot_incident_put(ot_incident_db *db, ot_incident *inc);

/* Replaces the JSON of an existing incident (a runbook adds its outcome after acting); the
 * index fields stay. OT_ENOTFOUND for an unknown id. */
int ot_incident_update(ot_incident_db *db, const char *id, const char *json);

/* The incident with that id (out->json malloc'd: ot_incident_free), or OT_ENOTFOUND. */
int ot_incident_get(ot_incident_db *db, const char *id, ot_incident *out);

/* Newest first, at most max; account "" means every account. Entries have json == NULL. */
int ot_incident_list(ot_incident_db *db, const char *account, size_t max, ot_incident **out,
                     size_t *n);
void ot_incident_list_free(ot_incident *list, size_t n);

/* Earlier incidents (created before before_ms) for the same human, newest first, json NULL.
 * An empty human (unresolved) has no prior incidents. */
int ot_incident_prior(ot_incident_db *db, const char *human, int64_t before_ms, size_t max,
                      ot_incident **out, size_t *n);

/* Renders a stored incident record (its JSON) as Markdown for people and SNS. */
int ot_incident_markdown(const char *json, size_t len, char **out);

/* How the human behind a principal was found (§ "Resolving an assumed role to a human" in
 * docs/runbooks.md). */
typedef enum {
    OT_HUMAN_UNRESOLVED = 0,
    OT_HUMAN_IAM_USER,        /* userIdentity.type IAMUser: its userName */
    OT_HUMAN_ROOT,            /* the account's root user */
    OT_HUMAN_SOURCE_IDENTITY, /* sessionContext.sourceIdentity */
    OT_HUMAN_IDENTITY_CENTER, /* an AWSReservedSSO_* role: the session name */
    OT_HUMAN_ASSUME_ROLE,     /* found through AssumeRole* events in the history (chain) */
    OT_HUMAN_SAML,            /* the chain ends at AssumeRoleWithSAML: the SAML subject */
    OT_HUMAN_WEB_IDENTITY,    /* the chain ends at AssumeRoleWithWebIdentity */
    OT_HUMAN_OTHER_ACCOUNT,   /* the chain leaves the account (userIdentity type AWSAccount) */
} ot_human_how;

typedef struct ot_human {
    ot_human_how how;
    char name[256];         /* "alice", "arn:aws:iam::…:root", "" when unresolved */
    char provider[256];     /* SAML or web identity provider, "" otherwise */
    char *chain_json;       /* JSON array of the hops followed, oldest last: each
                             * {"eventID","eventName","eventTime","arn","accessKeyId"} (malloc'd) */
} ot_human;

void ot_human_free(ot_human *h);
const char *ot_human_how_name(ot_human_how how); /* "iam-user", "root", "source-identity", … */

/* Resolves the human behind the userIdentity of one CloudTrail record (JSON text). Correlation
 * searches the event history for the AssumeRole / AssumeRoleWithSAML /
 * AssumeRoleWithWebIdentity event that issued the record's access key (or assumed-role ARN)
 * before the record's eventTime, and recurses through role chaining (at most 10 hops; an event
 * met twice ends the walk). history may be NULL (no correlation). Returns 0 with out filled
 * (how OT_HUMAN_UNRESOLVED when nobody was found, also when the history cannot be read; free
 * with ot_human_free), OT_EINVAL when record is not a JSON object, or OT_ENOMEM. */
int ot_human_resolve(struct ot_history *history, const char *record, size_t len, ot_human *out);

#endif
