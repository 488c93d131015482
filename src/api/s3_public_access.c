/* s3_public_access.c — what a bucket's Block Public Access settings enforce here.
 *
 *   BlockPublicPolicy      PutBucketPolicy with a public policy (ot_s3_policy_is_public) is
 *                          refused with 403 AccessDenied, as S3 does; a policy already stored
 *                          stays.
 *   RestrictPublicBuckets  while the stored policy is public, only the owner's account and
 *                          service principals get access through it (s3_access.c).
 *   BlockPublicAcls        PutObject with x-amz-acl public-read, public-read-write or
 *                          authenticated-read is refused with 403 AccessDenied.
 *   IgnorePublicAcls       stored and returned; opentrail keeps no ACLs, so there is none to
 *                          ignore.
 * Only the bucket's own configuration counts: there is no account-level one (S3 Control). */
#include <stdlib.h>
#include <string.h>

#include "api/s3_int.h"
#include "api/s3_policy.h"
#include "util/crypto.h"
#include "util/timeutil.h"

static bool pab_has(s3_ctx *c, unsigned bit)
{
    unsigned flags;
    return ot_store_pab_get(c->srv->store, c->bucket, &flags) == 0 && (flags & bit);
}

bool s3_pab_refuses_policy(s3_ctx *c, const char *json, size_t len)
{
    if (!pab_has(c, OT_PAB_BLOCK_PUBLIC_POLICY) || !ot_s3_policy_is_public(json, len, NULL, 0))
        return false;
    s3_error(c, 403, "AccessDenied", "Access Denied");
    return true;
}

bool s3_pab_refuses_acl(s3_ctx *c)
{
    static const char *const public_acls[] = {"public-read", "public-read-write",
                                              "authenticated-read"};
    const char *acl = ot_req_header(c->req, "x-amz-acl");
    bool pub = false;
    for (size_t i = 0; acl && i < sizeof public_acls / sizeof public_acls[0]; i++)
        pub = pub || !strcmp(acl, public_acls[i]);
    if (!pub || !pab_has(c, OT_PAB_BLOCK_PUBLIC_ACLS))
        return false;
    s3_error(c, 403, "AccessDenied", "Access Denied");
    return true;
}

void s3_policy_version_of_call(s3_ctx *c, ot_policy_version *v)
{
    memset(v, 0, sizeof *v);
    if (!c->resp->audit_event_id[0])
        ot_uuid4(c->resp->audit_event_id);
    memcpy(v->event_id, c->resp->audit_event_id, sizeof c->resp->audit_event_id);
    memcpy(v->principal, c->req->principal.arn, sizeof v->principal);
    v->time_ms = c->req->received_ms;
}
