/* s3_access.c — who may do what to a bucket: its owner, then its policy (s3_policy.h).
 *
 * Buckets belong to the account that created them (the owner is recorded with the bucket by the
 * store). A bucket created before owners were recorded belongs to the server's account
 * (--account-id, the account of the credentials file's default profile). The owner may do
 * anything its policy does not explicitly deny, except that the policy operations themselves are
 * the owner's alone and never denied (so a policy cannot lock its owner out). Any other account,
 * and a service such as CloudTrail delivering, may do only what the policy allows (and, with
 * RestrictPublicBuckets, nothing through a public policy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_int.h"
#include "api/s3_policy.h"
#include "store/store.h"
#include "util/err.h"

int ot_s3_bucket_owner(ot_store *s, const char *bucket, const char *default_owner,
                       char owner[16])
{
    int rc = ot_store_bucket_owner(s, bucket, owner);
    if (rc == OT_OK && !owner[0])
        snprintf(owner, 16, "%s", default_owner);
    return rc;
}

/* RestrictPublicBuckets on a bucket whose policy is public: only the owner's account and
 * services get in. Stricter than S3, which keeps the grants of the policy's non-public
 * statements to named accounts: here a public policy grants other accounts nothing. */
static bool restricted_public(ot_store *s, const char *bucket, const char *json, size_t len)
{
    unsigned flags;
    return ot_store_pab_get(s, bucket, &flags) == OT_OK &&
           (flags & OT_PAB_RESTRICT_PUBLIC_BUCKETS) && ot_s3_policy_is_public(json, len, NULL, 0);
}

int ot_s3_access_check(ot_store *s, const char *default_owner, const ot_s3_access *a,
                       bool *allowed)
{
    char owner[16], *json = NULL;
    size_t len;
    *allowed = false;
    int rc = ot_s3_bucket_owner(s, a->bucket, default_owner, owner);
    if (rc)
        return rc;
    bool is_owner = !a->service && a->account && !strcmp(a->account, owner);
    rc = ot_store_policy_get(s, a->bucket, &json, &len);
    if (rc == OT_ENOTFOUND) {
        *allowed = is_owner;
        return OT_OK;
    }
    if (rc)
        return rc;
    ot_policy_result r = ot_s3_policy_eval(json, len, a);
    *allowed = r == OT_POLICY_ALLOW || (is_owner && r != OT_POLICY_DENY);
    if (*allowed && !is_owner && !a->service && restricted_public(s, a->bucket, json, len))
        *allowed = false;
    free(json);
    return OT_OK;
}

const char *s3_caller_account(const s3_ctx *c)
{
    const char *a = c->req->principal.account_id;
    return a[0] ? a : c->srv->cfg.account_id;
}

/* The request as a policy sees it: the caller's account and ARN, its x-amz-acl. */
static ot_s3_access request_access(s3_ctx *c, const char *action, const char *key, size_t klen)
{
    const ot_principal *p = &c->req->principal;
    ot_s3_access a = {.account = s3_caller_account(c),
                      .arn = p->arn,
                      .action = action,
                      .bucket = c->bucket,
                      .key = key,
                      .key_len = klen,
                      .acl = ot_req_header(c->req, "x-amz-acl")};
    return a;
}

bool s3_allowed(s3_ctx *c, const char *action, const char *key, size_t klen)
{
    ot_s3_access a = request_access(c, action, key, klen);
    bool ok;
    return ot_s3_access_check(c->srv->store, c->srv->cfg.account_id, &a, &ok) == OT_OK && ok;
}

bool s3_authorize(s3_ctx *c, const char *action, bool object)
{
    ot_s3_access a = request_access(c, action, object ? c->key : NULL, object ? c->key_len : 0);
    bool ok;
    int rc = ot_s3_access_check(c->srv->store, c->srv->cfg.account_id, &a, &ok);
    if (rc) {
        s3_store_error(c, rc);
        return false;
    }
    if (!ok)
        s3_error(c, 403, "AccessDenied", "Access Denied");
    return ok;
}

bool s3_is_owner(s3_ctx *c)
{
    char owner[16];
    int rc = ot_s3_bucket_owner(c->srv->store, c->bucket, c->srv->cfg.account_id, owner);
    if (rc) {
        s3_store_error(c, rc);
        return false;
    }
    if (strcmp(owner, s3_caller_account(c)) != 0) {
        s3_error(c, 403, "AccessDenied", "Access Denied: only the bucket owner's account may "
                 "read or change its policy.");
        return false;
    }
    return true;
}

