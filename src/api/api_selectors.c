/* api_selectors.c — PutEventSelectors and GetEventSelectors
 * (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html).
 *
 * Put validates everything (trail/selectors.h) before it changes anything, stores a new
 * selectors version, then tells delivery, which seals what the trail holds with the old
 * selectors before the new ones route. Both answer with the canonical form, defaults filled. */
#include <stdlib.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "trail/selectors.h"
#include "util/err.h"
#include "util/timeutil.h"

/* The required TrailName member, resolved (for_write refuses shadows). */
static int trail_from_member(ct_ctx *c, bool for_write, ot_trail *t)
{
    const char *name;
    int rc = ct_str(c, c->in, "TrailName", &name);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ct_fail(c, "InvalidTrailNameException", "Trail name or ARN must be provided.");
    return ct_trail_resolve(c, name, for_write, t);
}

/* Writes TrailARN and the one member of canonical ({"<Member>":[...]}) into the response. */
static int respond(ct_ctx *c, const ot_trail *t, const char *canonical)
{
    const char *colon = strchr(canonical, ':');
    const char *close = strrchr(canonical, '}');
    if (canonical[0] != '{' || canonical[1] != '"' || !colon || !close || close < colon)
        return ct_fail(c, "InternalFailure", "Stored event selectors are malformed.");
    char key[32];
    size_t kl = (size_t)(colon - canonical) - 3;
    if (kl >= sizeof key)
        return ct_fail(c, "InternalFailure", "Stored event selectors are malformed.");
    memcpy(key, canonical + 2, kl);
    key[kl] = '\0';
    ct_ok(c);
    ot_jw_kstr(&c->w, "TrailARN", t->arn);
    ot_jw_key(&c->w, key);
    ot_jw_raw(&c->w, colon + 1, (size_t)(close - colon - 1));
    return 0;
}

int ct_put_event_selectors(ct_ctx *c)
{
    ot_trail t;
    if (trail_from_member(c, true, &t))
        return -1;
    ot_buf canon;
    ot_buf_init(&canon, 0);
    ot_selectors_error err;
    int rc = ot_selectors_build(c->in, &canon, NULL, &err);
    if (rc) {
        ot_buf_free(&canon);
        return ct_fail(c, err.code ? err.code : "InternalFailure", "%s",
                       err.code ? err.message : "Out of memory.");
    }
    int64_t id = 0;
    rc = ot_trail_selectors_put(c->srv->trails, t.arn, canon.data, ot_now_ms(), &id);
    if (rc == OT_ENOTFOUND)
        rc = ct_trail_not_found(c, t.arn);
    else if (rc)
        rc = ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    if (!rc) {
        ot_api_trail_changed(c->srv, t.arn);
        rc = respond(c, &t, canon.data);
    }
    ot_buf_free(&canon);
    return rc;
}

int ct_get_event_selectors(ct_ctx *c)
{
    ot_trail t;
    if (trail_from_member(c, false, &t))
        return -1;
    if (!t.selectors_id)
        return respond(c, &t, OT_SELECTORS_DEFAULT_JSON);
    char *json = NULL;
    int rc = ot_trail_selectors_get(c->srv->trails, t.selectors_id, &json);
    if (rc)
        rc = ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    else
        rc = respond(c, &t, json);
    free(json);
    return rc;
}
