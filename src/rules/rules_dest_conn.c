/* rules_dest_conn.c — connections: the authorization an API destination sends. */
#include <string.h>

#include "rules/rules_dest_int.h"
#include "util/err.h"

static const char *const AUTH_NAMES[] = {[OT_CONN_BASIC] = "BASIC", [OT_CONN_API_KEY] = "API_KEY"};

const char *ot_conn_auth_name(ot_conn_auth a)
{
    return (size_t)a < sizeof AUTH_NAMES / sizeof *AUTH_NAMES ? AUTH_NAMES[a] : "BASIC";
}

int ot_conn_auth_parse(const char *name, ot_conn_auth *a)
{
    for (size_t i = 0; i < sizeof AUTH_NAMES / sizeof *AUTH_NAMES; i++)
        if (name && !strcmp(name, AUTH_NAMES[i])) {
            *a = (ot_conn_auth)i;
            return 0;
        }
    return OT_EINVAL;
}

static const ot_sql_col COLS[] = {
    OT_SQL_COL(ot_connection, description, 2),
    OT_SQL_COL(ot_connection, has_description, 3),
    OT_SQL_COL(ot_connection, auth, 4),
    OT_SQL_COL(ot_connection, auth_name, 5),
    OT_SQL_COL(ot_connection, secret, 6),
    OT_SQL_COL(ot_connection, created_ms, 7),
    OT_SQL_COL(ot_connection, modified_ms, 8),
    OT_SQL_COL(ot_connection, authorized_ms, 9),
};

static const dest_table CONNECTIONS = {
    .table = "connections",
    .kind = "connection",
    .columns = "description, has_description, auth, auth_name, secret, created_ms, modified_ms,"
               " authorized_ms",
    .cols = COLS,
    .ncols = sizeof COLS / sizeof *COLS,
    .elem = sizeof(ot_connection),
};

int ot_conn_create(ot_rules *r, const ot_rules_scope *s, ot_connection *c, int64_t now_ms)
{
    c->created_ms = c->modified_ms = c->authorized_ms = now_ms;
    return dest_put(r, &CONNECTIONS, s, c, true);
}

int ot_conn_get(ot_rules *r, const ot_rules_scope *s, const char *name, ot_connection *out)
{
    return dest_get(r, &CONNECTIONS, s, name, out);
}

int ot_conn_get_by_arn(ot_rules *r, const char *arn, ot_connection *out)
{
    return dest_get_by_arn(r, &CONNECTIONS, arn, out);
}

int ot_conn_update(ot_rules *r, const ot_rules_scope *s, ot_connection *c, int64_t now_ms)
{
    c->modified_ms = c->authorized_ms = now_ms;
    return dest_put(r, &CONNECTIONS, s, c, false);
}

int ot_conn_delete(ot_rules *r, const ot_rules_scope *s, const char *name, ot_connection *out)
{
    ot_connection gone;
    return dest_delete(r, &CONNECTIONS, s, name, out ? out : &gone);
}

int ot_conn_list(ot_rules *r, const ot_rules_scope *s, const char *prefix, const char *after,
                 int limit, ot_connection **out, size_t *n)
{
    return dest_list(r, &CONNECTIONS, s, prefix, NULL, NULL, after, limit, (void **)out, n);
}
