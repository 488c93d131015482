/* api_events_dest_conn.c — connections: CreateConnection, DescribeConnection, ListConnections,
 * UpdateConnection, DeleteConnection
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateConnection.html).
 *
 * BASIC and API_KEY authorization only: OAUTH_CLIENT_CREDENTIALS, invocation HTTP parameters,
 * private connectivity and customer KMS keys are refused with ValidationException. The secret
 * (Password, ApiKeyValue) is never answered, and the call's audit record hides it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "rules/destinations.h"
#include "util/err.h"
#include "util/timeutil.h"

#define WHAT "Connection"

/* Members opentrail does not support: refused rather than ignored. */
static int refuse_unsupported(ct_ctx *c, ot_json obj, const char *const *keys, size_t n)
{
    ot_json v;
    for (size_t i = 0; i < n; i++)
        if (!ot_json_get(obj, keys[i], &v) && ot_json_typeof(v) != OT_JSON_NULL)
            return ct_fail(c, "ValidationException",
                           "opentrail does not support %s on connections: connections "
                           "authorize with BASIC or API_KEY only.", keys[i]);
    return 0;
}

/* AuthHeaderParameters: 1..512 characters, no control character and no ':'. A secret's value
 * is never repeated in the message. 1 present, 0 absent, -1 after an error. */
static int auth_value(ct_ctx *c, ot_json obj, const char *key, const char *path, bool secret,
                      char *out)
{
    const char *v;
    int rc = ct_str(c, obj, key, &v);
    if (rc <= 0)
        return rc;
    size_t len = strlen(v);
    bool ok = len >= 1 && len <= OT_DEST_AUTH_MAX;
    for (const char *p = v; ok && *p; p++)
        ok = (unsigned char)*p >= 0x20 && *p != 0x7f && *p != ':';
    if (!ok)
        return ct_fail(c, "ValidationException",
                       "1 validation error detected: Value %s%s%s at '%s' failed to satisfy "
                       "constraint: Member must have length between 1 and 512 and no control "
                       "character or ':'", secret ? "" : "'", secret ? "" : v,
                       secret ? "" : "'", path);
    memcpy(out, v, len + 1);
    return 1;
}

/* A header name: an HTTP token, as the key of an API_KEY connection is sent. */
static bool header_token(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return false;
    return true;
}

typedef struct auth_spec {
    const char *member;       /* BasicAuthParameters */
    const char *name_key;     /* Username */
    const char *secret_key;   /* Password */
    const char *path;         /* authParameters.basicAuthParameters */
} auth_spec;

static const auth_spec SPECS[] = {
    [OT_CONN_BASIC] = {"BasicAuthParameters", "Username", "Password",
                       "authParameters.basicAuthParameters"},
    [OT_CONN_API_KEY] = {"ApiKeyAuthParameters", "ApiKeyName", "ApiKeyValue",
                         "authParameters.apiKeyAuthParameters"},
};

/* The parameters of authorization conn->auth from AuthParameters ap into conn; full: both the
 * name and the secret are required (a new authorization), else each keeps its value when
 * absent. 0 or -1. */
static int auth_params(ct_ctx *c, ot_json ap, ot_connection *conn, bool full)
{
    static const char *const unsupported[] = {"OAuthParameters", "InvocationHttpParameters",
                                              "ConnectivityParameters"};
    const auth_spec *sp = &SPECS[conn->auth], *other = &SPECS[!conn->auth];
    ot_json params;
    char path[128];
    if (ct_struct(c, ap, "AuthParameters") < 0 ||
        refuse_unsupported(c, ap, unsupported, sizeof unsupported / sizeof *unsupported) < 0)
        return -1;
    if (!ot_json_get(ap, other->member, &params) && ot_json_typeof(params) != OT_JSON_NULL)
        return ct_fail(c, "ValidationException",
                       "AuthParameters.%s does not go with AuthorizationType %s.", other->member,
                       ot_conn_auth_name((ot_conn_auth)conn->auth));
    bool has = !ot_json_get(ap, sp->member, &params) && ot_json_typeof(params) != OT_JSON_NULL;
    if (!has && full)
        return ct_fail(c, "ValidationException",
                       "AuthorizationType %s needs AuthParameters.%s.",
                       ot_conn_auth_name((ot_conn_auth)conn->auth), sp->member);
    if (!has)
        return 0;
    if (ct_struct(c, params, sp->member) < 0)
        return -1;
    snprintf(path, sizeof path, "%s.%c%s", sp->path, tolower((unsigned char)sp->name_key[0]),
             sp->name_key + 1);
    int got_name = auth_value(c, params, sp->name_key, path, false, conn->auth_name);
    snprintf(path, sizeof path, "%s.%c%s", sp->path, tolower((unsigned char)sp->secret_key[0]),
             sp->secret_key + 1);
    int got_secret = got_name < 0 ? -1 : auth_value(c, params, sp->secret_key, path, true,
                                                    conn->secret);
    if (got_secret < 0)
        return -1;
    if (full && (!got_name || !got_secret))
        return ev_invalid(c, !got_name ? sp->name_key : sp->secret_key, NULL,
                          "Member must not be null");
    if (conn->auth == OT_CONN_API_KEY && !header_token(conn->auth_name))
        return ct_fail(c, "ValidationException",
                       "ApiKeyName '%s' is not valid: it is sent as an HTTP header name.",
                       conn->auth_name);
    return 0;
}

/* AuthorizationType (required when creating): 1 and conn->auth, 0 absent, -1. */
static int auth_type(ct_ctx *c, ot_connection *conn)
{
    const char *t;
    int rc = ct_str(c, c->in, "AuthorizationType", &t);
    if (rc <= 0)
        return rc;
    ot_conn_auth a;
    if (!strcmp(t, "OAUTH_CLIENT_CREDENTIALS"))
        return ct_fail(c, "ValidationException",
                       "opentrail does not support OAUTH_CLIENT_CREDENTIALS connections: use "
                       "BASIC or API_KEY.");
    if (ot_conn_auth_parse(t, &a))
        return ev_invalid(c, "AuthorizationType", t,
                          "Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, "
                          "API_KEY]");
    conn->auth = a;
    return 1;
}

/* The members a create and an update share, over conn (create: from nothing). 0 or -1. */
static int connection_members(ct_ctx *c, ot_connection *conn, bool create)
{
    static const char *const unsupported[] = {"InvocationConnectivityParameters",
                                              "KmsKeyIdentifier"};
    ot_json ap;
    int old_auth = conn->auth;
    int has_type = auth_type(c, conn);
    if (has_type < 0 || ev_dest_description(c, conn->description, &conn->has_description) < 0 ||
        refuse_unsupported(c, c->in, unsupported, sizeof unsupported / sizeof *unsupported) < 0)
        return -1;
    if (create && !has_type)
        return ev_invalid(c, "AuthorizationType", NULL, "Member must not be null");
    bool has_ap = !ot_json_get(c->in, "AuthParameters", &ap) &&
                  ot_json_typeof(ap) != OT_JSON_NULL;
    bool new_auth = create || conn->auth != old_auth;
    if (!has_ap && new_auth)
        return create ? ev_invalid(c, "AuthParameters", NULL, "Member must not be null")
                      : ct_fail(c, "ValidationException",
                                "A new AuthorizationType needs its AuthParameters.");
    return has_ap ? auth_params(c, ap, conn, new_auth) : 0;
}

/* ConnectionArn, ConnectionState and the times: the answer of Create, Update and Delete. */
static void write_summary(ct_ctx *c, const ot_connection *conn, const char *state)
{
    ot_jw_kstr(&c->w, "ConnectionArn", conn->arn);
    ot_jw_kstr(&c->w, "ConnectionState", state);
    ev_dest_times(c, conn->created_ms, conn->modified_ms);
    ct_ktime(&c->w, "LastAuthorizedTime", conn->authorized_ms);
}

int ev_create_connection(ct_ctx *c)
{
    ev_audit_hide_secrets(c);
    const char *name;
    ot_connection conn = {0};
    if (ev_dest_name(c, &name) < 0 || connection_members(c, &conn, true) < 0)
        return -1;
    snprintf(conn.name, sizeof conn.name, "%s", name);
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    int rc = ot_conn_create(r, &s, &conn, ot_now_ms());
    if (rc)
        return ev_dest_fail(c, rc, WHAT, name);
    ct_ok(c);
    ot_jw_kstr(&c->w, "ConnectionArn", conn.arn);
    ot_jw_kstr(&c->w, "ConnectionState", OT_CONN_STATE);
    ev_dest_times(c, conn.created_ms, conn.modified_ms);
    return 0;
}

/* Name (required) and the connection it names in *conn. The store in *r. 0 or -1. */
static int named_connection(ct_ctx *c, ot_rules **r, ot_rules_scope *s, ot_connection *conn)
{
    const char *name;
    if (ev_dest_name(c, &name) < 0 || !(*r = ev_store(c, s)))
        return -1;
    int rc = ot_conn_get(*r, s, name, conn);
    return rc ? ev_dest_fail(c, rc, WHAT, name) : 0;
}

int ev_describe_connection(ct_ctx *c)
{
    ot_rules *r;
    ot_rules_scope s;
    ot_connection conn;
    if (named_connection(c, &r, &s, &conn) < 0)
        return -1;
    ot_jw *w = &c->w;
    ct_ok(c);
    ot_jw_kstr(w, "ConnectionArn", conn.arn);
    ot_jw_kstr(w, "Name", conn.name);
    if (conn.has_description)
        ot_jw_kstr(w, "Description", conn.description);
    ot_jw_kstr(w, "ConnectionState", OT_CONN_STATE);
    ot_jw_kstr(w, "AuthorizationType", ot_conn_auth_name((ot_conn_auth)conn.auth));
    const auth_spec *sp = &SPECS[conn.auth];
    ot_jw_key(w, "AuthParameters");
    ot_jw_obj(w);
    ot_jw_key(w, sp->member);
    ot_jw_obj(w);
    ot_jw_kstr(w, sp->name_key, conn.auth_name); /* the secret never leaves the store */
    ot_jw_end(w);
    ot_jw_end(w);
    ev_dest_times(c, conn.created_ms, conn.modified_ms);
    ct_ktime(w, "LastAuthorizedTime", conn.authorized_ms);
    return 0;
}

/* ConnectionState: NULL (any), or a state of the model's enum. 0 or -1. */
static int state_filter(ct_ctx *c, const char **state)
{
    static const char *const states[] = {"CREATING",     "UPDATING",      "DELETING",
                                         "AUTHORIZED",   "DEAUTHORIZED",  "AUTHORIZING",
                                         "DEAUTHORIZING", "ACTIVE",       "FAILED_CONNECTIVITY"};
    *state = NULL;
    if (ct_str(c, c->in, "ConnectionState", state) < 0)
        return -1;
    for (size_t i = 0; *state && i < sizeof states / sizeof *states; i++)
        if (!strcmp(*state, states[i]))
            return 0;
    if (!*state)
        return 0;
    return ev_invalid(c, "ConnectionState", *state,
                      "Member must satisfy enum value set: [CREATING, UPDATING, DELETING, "
                      "AUTHORIZED, DEAUTHORIZED, AUTHORIZING, DEAUTHORIZING, ACTIVE, "
                      "FAILED_CONNECTIVITY]");
}

int ev_list_connections(ct_ctx *c)
{
    const char *prefix, *state, *after;
    int limit;
    if (ev_name(c, c->in, "NamePrefix", false, &prefix) < 0 || state_filter(c, &state) < 0 ||
        ev_page(c, &limit, &after) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    ot_connection *conns = NULL;
    size_t n = 0;
    /* every connection opentrail keeps is AUTHORIZED: another state lists none */
    int rc = state && strcmp(state, OT_CONN_STATE)
                 ? 0
                 : ot_conn_list(r, &s, prefix, after, limit + 1, &conns, &n);
    if (rc)
        return ev_store_fail(c, rc, "");
    ot_jw *w = &c->w;
    ct_ok(c);
    ot_jw_key(w, "Connections");
    ot_jw_arr(w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "ConnectionArn", conns[i].arn);
        ot_jw_kstr(w, "Name", conns[i].name);
        ot_jw_kstr(w, "ConnectionState", OT_CONN_STATE);
        ot_jw_kstr(w, "AuthorizationType", ot_conn_auth_name((ot_conn_auth)conns[i].auth));
        ev_dest_times(c, conns[i].created_ms, conns[i].modified_ms);
        ct_ktime(w, "LastAuthorizedTime", conns[i].authorized_ms);
        ot_jw_end(w);
    }
    ot_jw_end(w);
    ev_next_token(c, n, limit, n > (size_t)limit ? conns[limit - 1].name : "");
    free(conns);
    return 0;
}

int ev_update_connection(ct_ctx *c)
{
    ev_audit_hide_secrets(c);
    ot_rules *r;
    ot_rules_scope s;
    ot_connection conn;
    if (named_connection(c, &r, &s, &conn) < 0 || connection_members(c, &conn, false) < 0)
        return -1;
    int rc = ot_conn_update(r, &s, &conn, ot_now_ms());
    if (rc)
        return ev_dest_fail(c, rc, WHAT, conn.name);
    ct_ok(c);
    write_summary(c, &conn, OT_CONN_STATE);
    return 0;
}

int ev_delete_connection(ct_ctx *c)
{
    const char *name;
    ot_rules_scope s;
    ot_rules *r;
    ot_connection conn;
    if (ev_dest_name(c, &name) < 0 || !(r = ev_store(c, &s)))
        return -1;
    int rc = ot_conn_delete(r, &s, name, &conn);
    if (rc)
        return ev_dest_fail(c, rc, WHAT, name);
    ct_ok(c);
    write_summary(c, &conn, "DELETING"); /* as EventBridge answers while it deletes */
    return 0;
}
