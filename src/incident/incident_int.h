/* incident_int.h — what the files of the incident module share. */
#ifndef OT_INCIDENT_INT_H
#define OT_INCIDENT_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "incident/incident.h"
#include "util/json.h"

struct ot_incident_db {
    sqlite3 *sql;
    pthread_mutex_t mu; /* one call at a time on the connection */
    bool read_only;
};

/* The facts of one userIdentity that human resolution looks at (copied out of the record, so
 * its parse can be reused). Absent strings are "". */
typedef struct incident_who {
    char type[32];             /* IAMUser, Root, AssumedRole, SAMLUser, WebIdentityUser, ... */
    char arn[512];
    char account[32];          /* accountId */
    char principal_id[256];
    char access_key_id[128];
    char user_name[256];
    char identity_provider[256];
    char source_identity[256]; /* sessionContext.sourceIdentity */
    int64_t created_ms;        /* sessionContext.attributes.creationDate; 0 if absent */
} incident_who;

/* Reads the userIdentity object id into w. */
void incident_who_read(ot_json id, incident_who *w);

/* The rules that need no history (docs/runbooks.md, "Resolving an assumed role to a human"):
 * true and h->how / name / provider set when w itself names the human. */
bool incident_who_direct(const incident_who *w, ot_human *h);

/* One step back along the chain: the newest AssumeRole / AssumeRoleWithSAML /
 * AssumeRoleWithWebIdentity event at or before before_ms that issued w's access key (or,
 * failing that, w's assumed-role ARN). 0 and *raw (malloc'd record) / *len, OT_ENOTFOUND, or
 * an OT_E* error of the history. */
int incident_find_issuer(struct ot_history *h, const incident_who *w, int64_t before_ms,
                         char **raw, size_t *len);

/* ---- Markdown of untrusted values (incident_md_text.c) ---- */

/* Appends s[0..n) as inert Markdown text (control characters become spaces; the characters of
 * links, HTML, emphasis, code and tables are escaped). 0 or the buffer's error. */
int md_text(ot_buf *b, const char *s, size_t n);
/* A JSON value as text: a string as md_text, anything else as its compact JSON (via tmp). */
int md_value(ot_buf *b, ot_json v, ot_buf *tmp);
/* Member key of obj as a NUL-free string, or NULL. */
const char *md_str(ot_json obj, const char *key);
/* *out = member key of obj when it is an object (true), else empty (false: an empty object, so
 * a missing section reads as one whose members are all absent). */
bool md_obj(ot_json obj, const char *key, ot_json empty, ot_json *out);
/* A fenced ```json block of v's compact JSON (the fence outgrows any backticks inside). */
int md_code_block(ot_buf *b, ot_json v, ot_buf *tmp);

/* "INC-YYYYMMDD-<8 random hex>" for an incident created at created_ms (UTC date). */
void incident_make_id(int64_t created_ms, char out[32]);

#endif
