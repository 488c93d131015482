/* api_events_dest_api.c — API destinations: CreateApiDestination, DescribeApiDestination,
 * ListApiDestinations, UpdateApiDestination, DeleteApiDestination
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateApiDestination.html).
 *
 * InvocationEndpoint is an https:// URL as EventBridge requires; http:// only when the server
 * runs with --api-destination-allow-http (docs/rules.md "HTTP targets"). The connection must be
 * one of the caller's in the request's region. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "rules/destinations.h"
#include "util/err.h"
#include "util/timeutil.h"

#define WHAT "An api-destination"

static const char *const METHODS[] = {"POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"};

/* HttpMethod into d->method: 1, 0 (absent) or -1. */
static int http_method(ct_ctx *c, ot_api_destination *d)
{
    const char *m;
    int rc = ct_str(c, c->in, "HttpMethod", &m);
    if (rc <= 0)
        return rc;
    for (size_t i = 0; i < sizeof METHODS / sizeof *METHODS; i++)
        if (!strcmp(m, METHODS[i])) {
            snprintf(d->method, sizeof d->method, "%s", m);
            return 1;
        }
    return ev_invalid(c, "HttpMethod", m,
                      "Member must satisfy enum value set: [POST, GET, HEAD, OPTIONS, PUT, "
                      "PATCH, DELETE]");
}

/* The members a create and an update share, over d. create: the required ones must be there.
 * 0 or -1. */
static int destination_members(ct_ctx *c, ot_api_destination *d, bool create)
{
    const char *conn, *endpoint;
    int64_t rate = 0;
    int has_method = http_method(c, d), has_rate;
    if (has_method < 0 || ev_dest_description(c, d->description, &d->has_description) < 0 ||
        ev_string(c, c->in, "ConnectionArn", 1600, true, &conn) < 0 ||
        ev_string(c, c->in, "InvocationEndpoint", OT_DEST_ENDPOINT_MAX, true, &endpoint) < 0 ||
        (has_rate = ct_int(c, c->in, "InvocationRateLimitPerSecond", &rate)) < 0)
        return -1;
    if (create && (!conn || !endpoint || !has_method))
        return ev_invalid(c, !conn ? "ConnectionArn" : !endpoint ? "InvocationEndpoint"
                                                                 : "HttpMethod",
                          NULL, "Member must not be null");
    if (has_rate && (rate < 1 || rate > 1000000)) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)rate);
        return ev_invalid(c, "InvocationRateLimitPerSecond", v,
                          "Member must have value greater than or equal to 1");
    }
    if (endpoint && ev_dest_endpoint(c, endpoint) < 0)
        return -1;
    if (conn && strlen(conn) >= sizeof d->connection_arn)
        return ev_invalid(c, "ConnectionArn", conn, "Member must be a connection's ARN");
    if (conn)
        snprintf(d->connection_arn, sizeof d->connection_arn, "%s", conn);
    if (endpoint)
        snprintf(d->endpoint, sizeof d->endpoint, "%s", endpoint);
    if (has_rate)
        d->rate_limit = (int)rate;
    return 0;
}

/* A missing connection (create, update) answers as EventBridge does. */
static int connection_missing(ct_ctx *c, const ot_api_destination *d)
{
    return ct_fail(c, "ResourceNotFoundException", "Connection '%s' does not exist.",
                   d->connection_arn);
}

static void write_summary(ct_ctx *c, const ot_api_destination *d)
{
    ot_jw_kstr(&c->w, "ApiDestinationArn", d->arn);
    ot_jw_kstr(&c->w, "ApiDestinationState", OT_APIDEST_STATE);
    ev_dest_times(c, d->created_ms, d->modified_ms);
}

int ev_create_api_destination(ct_ctx *c)
{
    const char *name;
    ot_api_destination d = {0};
    if (ev_dest_name(c, &name) < 0 || destination_members(c, &d, true) < 0)
        return -1;
    snprintf(d.name, sizeof d.name, "%s", name);
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    int rc = ot_apidest_create(r, &s, &d, ot_now_ms());
    if (rc == OT_ENOTFOUND)
        return connection_missing(c, &d);
    if (rc)
        return ev_dest_fail(c, rc, WHAT, name);
    ct_ok(c);
    write_summary(c, &d);
    return 0;
}

/* The members of an ApiDestination (ListApiDestinations) and of DescribeApiDestination's
 * answer (describe: Description too). */
static void write_destination(ct_ctx *c, const ot_api_destination *d, bool describe)
{
    ot_jw *w = &c->w;
    ot_jw_kstr(w, "ApiDestinationArn", d->arn);
    ot_jw_kstr(w, "Name", d->name);
    if (describe && d->has_description)
        ot_jw_kstr(w, "Description", d->description);
    ot_jw_kstr(w, "ApiDestinationState", OT_APIDEST_STATE);
    ot_jw_kstr(w, "ConnectionArn", d->connection_arn);
    ot_jw_kstr(w, "InvocationEndpoint", d->endpoint);
    ot_jw_kstr(w, "HttpMethod", d->method);
    if (d->rate_limit)
        ot_jw_kint(w, "InvocationRateLimitPerSecond", d->rate_limit);
    ev_dest_times(c, d->created_ms, d->modified_ms);
}

/* Name (required) and the destination it names in *d; the store in *r. 0 or -1. */
static int named_destination(ct_ctx *c, ot_rules **r, ot_rules_scope *s, ot_api_destination *d)
{
    const char *name;
    if (ev_dest_name(c, &name) < 0 || !(*r = ev_store(c, s)))
        return -1;
    int rc = ot_apidest_get(*r, s, name, d);
    return rc ? ev_dest_fail(c, rc, WHAT, name) : 0;
}

int ev_describe_api_destination(ct_ctx *c)
{
    ot_rules *r;
    ot_rules_scope s;
    ot_api_destination d;
    if (named_destination(c, &r, &s, &d) < 0)
        return -1;
    ct_ok(c);
    write_destination(c, &d, true);
    return 0;
}

int ev_list_api_destinations(ct_ctx *c)
{
    const char *prefix, *conn, *after;
    int limit;
    if (ev_name(c, c->in, "NamePrefix", false, &prefix) < 0 ||
        ev_string(c, c->in, "ConnectionArn", 1600, true, &conn) < 0 ||
        ev_page(c, &limit, &after) < 0)
        return -1;
    ot_rules_scope s;
    ot_rules *r = ev_store(c, &s);
    if (!r)
        return -1;
    ot_api_destination *d = NULL;
    size_t n = 0;
    int rc = ot_apidest_list(r, &s, prefix, conn, after, limit + 1, &d, &n);
    if (rc)
        return ev_store_fail(c, rc, "");
    ct_ok(c);
    ot_jw_key(&c->w, "ApiDestinations");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        ot_jw_obj(&c->w);
        write_destination(c, &d[i], false);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
    ev_next_token(c, n, limit, n > (size_t)limit ? d[limit - 1].name : "");
    free(d);
    return 0;
}

int ev_update_api_destination(ct_ctx *c)
{
    ot_rules *r;
    ot_rules_scope s;
    ot_api_destination d;
    if (named_destination(c, &r, &s, &d) < 0 || destination_members(c, &d, false) < 0)
        return -1;
    int rc = ot_apidest_update(r, &s, &d, ot_now_ms());
    if (rc == OT_ENOTFOUND) /* it was there a moment ago: the connection is the missing one */
        return connection_missing(c, &d);
    if (rc)
        return ev_dest_fail(c, rc, WHAT, d.name);
    ct_ok(c);
    write_summary(c, &d);
    return 0;
}

int ev_delete_api_destination(ct_ctx *c)
{
    const char *name;
    ot_rules_scope s;
    ot_rules *r;
    if (ev_dest_name(c, &name) < 0 || !(r = ev_store(c, &s)))
        return -1;
    int rc = ot_apidest_delete(r, &s, name);
    if (rc)
        return ev_dest_fail(c, rc, WHAT, name);
    ct_ok(c);
    return 0;
}
