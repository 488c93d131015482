/* destinations.h — EventBridge connections and API destinations (HTTP targets), kept in
 * rules.db beside the rules that target them.
 *
 * A connection holds the authorization an HTTP target sends: BASIC (a user name and password)
 * or API_KEY (a header name and value); OAUTH_CLIENT_CREDENTIALS is not supported. An API
 * destination is an endpoint (URL and HTTP method) called with one connection's authorization.
 * Both belong to an account and a region (ot_rules_scope) and are named
 *   arn:aws:events:<region>:<account>:connection/<name>/<uuid>
 *   arn:aws:events:<region>:<account>:api-destination/<name>/<uuid>
 * (a new uuid each time a name is created, so an ARN of a deleted resource never names its
 * successor). The secret (password, key value) is read only by the HTTP sender
 * (respond/target_http.c); the API never answers with it.
 *
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html */
#ifndef OT_RULES_DESTINATIONS_H
#define OT_RULES_DESTINATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

#define OT_DEST_NAME_MAX 64          /* ConnectionName, ApiDestinationName */
#define OT_DEST_DESCRIPTION_MAX 512
#define OT_DEST_AUTH_MAX 512         /* AuthHeaderParameters(Sensitive) */
#define OT_DEST_ENDPOINT_MAX 2048    /* HttpsEndpoint */
#define OT_DEST_ARN_MAX 256
#define OT_DEST_PER_SCOPE_MAX 3000   /* EventBridge's quota of each per account and region */

typedef enum ot_conn_auth {
    OT_CONN_BASIC,   /* Authorization: Basic base64(user:password) */
    OT_CONN_API_KEY, /* <key name>: <key value> */
} ot_conn_auth;

/* "BASIC" / "API_KEY", and back: 0 or OT_EINVAL. */
const char *ot_conn_auth_name(ot_conn_auth a);
int ot_conn_auth_parse(const char *name, ot_conn_auth *a);

/* The only states opentrail's connections and destinations have: a connection with BASIC or
 * API_KEY authorization is authorized once created, as EventBridge shows it. */
#define OT_CONN_STATE "AUTHORIZED"
#define OT_APIDEST_STATE "ACTIVE"

typedef struct ot_connection {
    char name[OT_DEST_NAME_MAX + 1];
    char arn[OT_DEST_ARN_MAX];
    char description[OT_DEST_DESCRIPTION_MAX + 1];
    bool has_description;
    int auth;                                /* ot_conn_auth */
    char auth_name[OT_DEST_AUTH_MAX + 1];    /* Username, or ApiKeyName */
    char secret[OT_DEST_AUTH_MAX + 1];       /* Password, or ApiKeyValue: never answered */
    int64_t created_ms, modified_ms, authorized_ms;
} ot_connection;

typedef struct ot_api_destination {
    char name[OT_DEST_NAME_MAX + 1];
    char arn[OT_DEST_ARN_MAX];
    char description[OT_DEST_DESCRIPTION_MAX + 1];
    bool has_description;
    char connection_arn[OT_DEST_ARN_MAX];
    char endpoint[OT_DEST_ENDPOINT_MAX + 1];
    char method[8];                          /* POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE */
    int rate_limit;                          /* InvocationRateLimitPerSecond; 0: not set */
    int64_t created_ms, modified_ms;
} ot_api_destination;

/* ---- connections ---- */

/* Creates c (its name, description, auth, auth_name, secret; the ARN and times are filled in
 * *c). 0, OT_EEXIST (the name is taken), OT_ELIMIT (OT_DEST_PER_SCOPE_MAX) or OT_E*. */
int ot_conn_create(ot_rules *r, const ot_rules_scope *s, ot_connection *c, int64_t now_ms);

/* 0 and *out, OT_ENOTFOUND or OT_E*. */
int ot_conn_get(ot_rules *r, const ot_rules_scope *s, const char *name, ot_connection *out);

/* The connection an ARN names (account and region from the ARN; its uuid must match).
 * OT_ENOTFOUND for a malformed ARN too. */
int ot_conn_get_by_arn(ot_rules *r, const char *arn, ot_connection *out);

/* Replaces the stored connection c->name with *c (its ARN kept; created_ms as *c has it;
 * modified_ms and authorized_ms set to now). 0, OT_ENOTFOUND or OT_E*. */
int ot_conn_update(ot_rules *r, const ot_rules_scope *s, ot_connection *c, int64_t now_ms);

/* Deletes it, its last state in *out (may be NULL). 0, OT_ENOTFOUND or OT_E*. */
int ot_conn_delete(ot_rules *r, const ot_rules_scope *s, const char *name, ot_connection *out);

/* The scope's connections in name order whose name starts with prefix (NULL: any) and sorts
 * after `after` (NULL: from the first), at most limit: *out malloc'd (free it), *n. */
int ot_conn_list(ot_rules *r, const ot_rules_scope *s, const char *prefix, const char *after,
                 int limit, ot_connection **out, size_t *n);

/* ---- API destinations ---- */

/* Creates d (its connection must exist in the scope: OT_ENOTFOUND otherwise); as
 * ot_conn_create otherwise. */
int ot_apidest_create(ot_rules *r, const ot_rules_scope *s, ot_api_destination *d,
                      int64_t now_ms);
int ot_apidest_get(ot_rules *r, const ot_rules_scope *s, const char *name,
                   ot_api_destination *out);
/* The API destination a target ARN names; an ARN without its /<uuid> names the current one. */
int ot_apidest_get_by_arn(ot_rules *r, const char *arn, ot_api_destination *out);
/* As ot_conn_update (creation kept as *d has it). OT_ENOTFOUND when the destination or its
 * connection is missing: a caller that read the destination first (to merge a change into it)
 * knows it is the connection. */
int ot_apidest_update(ot_rules *r, const ot_rules_scope *s, ot_api_destination *d,
                      int64_t now_ms);
int ot_apidest_delete(ot_rules *r, const ot_rules_scope *s, const char *name);
/* As ot_conn_list; connection_arn (NULL: any) keeps only the destinations that use it. */
int ot_apidest_list(ot_rules *r, const ot_rules_scope *s, const char *prefix,
                    const char *connection_arn, const char *after, int limit,
                    ot_api_destination **out, size_t *n);

#endif
