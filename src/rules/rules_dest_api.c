/* rules_dest_api.c — API destinations: an HTTP endpoint called with a connection's
 * authorization. A destination's connection must exist in its account and region when it is
 * created or changed. */
#include <string.h>

#include "rules/rules_dest_int.h"
#include "util/err.h"

static const ot_sql_col COLS[] = {
    OT_SQL_COL(ot_api_destination, description, 2),
    OT_SQL_COL(ot_api_destination, has_description, 3),
    OT_SQL_COL(ot_api_destination, connection_arn, 4),
    OT_SQL_COL(ot_api_destination, endpoint, 5),
    OT_SQL_COL(ot_api_destination, method, 6),
    OT_SQL_COL(ot_api_destination, rate_limit, 7),
    OT_SQL_COL(ot_api_destination, created_ms, 8),
    OT_SQL_COL(ot_api_destination, modified_ms, 9),
};

/* The connection named by the destination's connection_arn exists in the scope: its exact ARN
 * (with the uuid) is stored on a connection row. OT_ENOTFOUND otherwise. */
static int connection_exists(sqlite3 *db, const ot_rules_scope *s, const void *row)
{
    const ot_api_destination *d = row;
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(
        db, "SELECT COUNT(*) FROM connections WHERE account=?1 AND region=?2 AND arn=?3", &st);
    if (rc)
        return rc;
    int64_t n = 0;
    if (!(rc = rules_bind_scope(st, s, d->connection_arn)))
        rc = ot_sql_int64(db, st, &n, "connection");
    sqlite3_finalize(st);
    return rc ? rc : n ? 0 : OT_ENOTFOUND;
}

static const dest_table DESTINATIONS = {
    .table = "api_destinations",
    .kind = "api-destination",
    .columns = "description, has_description, connection_arn, endpoint, method, rate_limit,"
               " created_ms, modified_ms",
    .cols = COLS,
    .ncols = sizeof COLS / sizeof *COLS,
    .elem = sizeof(ot_api_destination),
    .check = connection_exists,
};

int ot_apidest_create(ot_rules *r, const ot_rules_scope *s, ot_api_destination *d,
                      int64_t now_ms)
{
    d->created_ms = d->modified_ms = now_ms;
    return dest_put(r, &DESTINATIONS, s, d, true);
}

int ot_apidest_get(ot_rules *r, const ot_rules_scope *s, const char *name,
                   ot_api_destination *out)
{
    return dest_get(r, &DESTINATIONS, s, name, out);
}

int ot_apidest_get_by_arn(ot_rules *r, const char *arn, ot_api_destination *out)
{
    return dest_get_by_arn(r, &DESTINATIONS, arn, out);
}

int ot_apidest_update(ot_rules *r, const ot_rules_scope *s, ot_api_destination *d,
                      int64_t now_ms)
{
    d->modified_ms = now_ms;
    return dest_put(r, &DESTINATIONS, s, d, false);
}

int ot_apidest_delete(ot_rules *r, const ot_rules_scope *s, const char *name)
{
    return dest_delete(r, &DESTINATIONS, s, name, NULL);
}

int ot_apidest_list(ot_rules *r, const ot_rules_scope *s, const char *prefix,
                    const char *connection_arn, const char *after, int limit,
                    ot_api_destination **out, size_t *n)
{
    return dest_list(r, &DESTINATIONS, s, prefix, "connection_arn", connection_arn, after, limit,
                     (void **)out, n);
}
