/* api_events_dest.c — what the connection and API destination handlers
 * (api_events_dest_conn.c, api_events_dest_api.c) share: the audit record's requestParameters
 * with every secret hidden, the store's errors as EventBridge answers them, and the checks of
 * the members both kinds have. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_events.h"
#include "util/err.h"

/* What CloudTrail writes in place of a parameter it must not keep
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html). */
#define HIDDEN "HIDDEN_DUE_TO_SECURITY_REASONS"

/* The members that hold a secret: a password, an API key, an OAuth client secret, and the
 * values of a connection's invocation parameters. */
static bool secret_member(const char *key, size_t len)
{
    static const char *const keys[] = {"Password", "ApiKeyValue", "ClientSecret", "Value"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strlen(keys[i]) == len && !memcmp(keys[i], key, len))
            return true;
    return false;
}

static void write_hidden(ot_jw *w, ot_json v)
{
    ot_json_iter it;
    ot_json child;
    const char *k;
    size_t kl;
    switch (ot_json_typeof(v)) {
    case OT_JSON_OBJECT:
        ot_jw_obj(w);
        ot_json_object_iter(v, &it);
        while (ot_json_object_next(&it, &k, &kl, &child)) {
            char key[256];
            snprintf(key, sizeof key, "%.*s", (int)(kl < 255 ? kl : 255), k);
            ot_jw_key(w, key);
            if (secret_member(k, kl))
                ot_jw_str(w, HIDDEN);
            else
                write_hidden(w, child);
        }
        ot_jw_end(w);
        break;
    case OT_JSON_ARRAY:
        ot_jw_arr(w);
        ot_json_array_iter(v, &it);
        while (ot_json_array_next(&it, &child))
            write_hidden(w, child);
        ot_jw_end(w);
        break;
    default: {
        ot_buf tmp;
        ot_buf_init(&tmp, 0);
        if (ot_json_write(v, &tmp) == OT_OK)
            ot_jw_raw(w, tmp.data, tmp.len);
        else
            ot_jw_null(w);
        ot_buf_free(&tmp);
    }
    }
}

void ev_audit_hide_secrets(ct_ctx *c)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_jw w;
    ot_jw_init(&w, &b);
    write_hidden(&w, c->in);
    free(c->resp->audit_params);
    /* "{}" rather than the body when the copy failed: a secret must never reach the trail */
    c->resp->audit_params = ot_jw_error(&w) || ot_buf_append(&b, "", 1)
                                ? strdup("{}")
                                : ot_buf_take(&b, NULL);
    ot_buf_free(&b);
    if (!c->resp->audit_params)
        abort();
}

int ev_dest_fail(ct_ctx *c, int rc, const char *what, const char *name)
{
    switch (rc) {
    case OT_ENOTFOUND:
        return ct_fail(c, "ResourceNotFoundException", "%s '%s' does not exist.", what, name);
    case OT_EEXIST:
        return ct_fail(c, "ResourceAlreadyExistsException", "%s '%s' already exists.", what,
                       name);
    default:
        return ev_store_fail(c, rc, name);
    }
}

int ev_dest_name(ct_ctx *c, const char **name)
{
    return ev_name(c, c->in, "Name", true, name) < 0 ? -1 : 0;
}

int ev_dest_description(ct_ctx *c, char *out, bool *has)
{
    const char *d;
    int rc = ev_string(c, c->in, "Description", OT_DEST_DESCRIPTION_MAX, false, &d);
    if (rc > 0) {
        snprintf(out, OT_DEST_DESCRIPTION_MAX + 1, "%s", d);
        *has = true;
    }
    return rc < 0 ? -1 : 0;
}

/* Whether every byte of s is one of the HttpsEndpoint pattern's: an escape %XX or
 * [-()_.!~*';/?:@&=+$,A-Za-z0-9]. */
static bool endpoint_chars_ok(const char *s)
{
    for (; *s; s++) {
        if (*s == '%') {
            if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
                return false;
            s += 2;
        } else if (!isalnum((unsigned char)*s) && !strchr("-()_.!~*';/?:@&=+$,", *s)) {
            return false;
        }
    }
    return true;
}

int ev_dest_endpoint(ct_ctx *c, const char *url)
{
    bool https = !strncmp(url, "https://", 8), http = !strncmp(url, "http://", 7);
    const char *host = https ? url + 8 : http ? url + 7 : NULL;
    if (!endpoint_chars_ok(url))
        return ev_invalid(c, "InvocationEndpoint", url,
                          "Member must satisfy regular expression pattern: "
                          "^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$");
    if (!host || !*host || *host == '/')
        return ct_fail(c, "ValidationException",
                       "InvocationEndpoint %.256s is not valid: it must be an https:// URL.", url);
    if (http && !c->srv->cfg.api_destination_allow_http)
        return ct_fail(c, "ValidationException",
                       "InvocationEndpoint %.256s is not valid: it must be an https:// URL "
                       "(opentrail serve --api-destination-allow-http allows http://).", url);
    return 0;
}

void ev_dest_times(ct_ctx *c, int64_t created_ms, int64_t modified_ms)
{
    ct_ktime(&c->w, "CreationTime", created_ms);
    ct_ktime(&c->w, "LastModifiedTime", modified_ms);
}
