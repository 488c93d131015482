/* api_s3_policy.c — PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy.
 *
 * Only the bucket owner's account calls them (checked by the router); a policy is checked in
 * full before it is stored (MalformedPolicy names what is wrong or unsupported) and is kept
 * byte for byte as sent, which is what GetBucketPolicy returns. Every change, deletion included,
 * is kept in the bucket's policy history with the eventID of its audit record, so the runbook
 * bucket-policy-restore can put the previous policy back. A public policy is refused when the
 * bucket's Block Public Access has BlockPublicPolicy (s3_public_access.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_int.h"
#include "api/s3_policy.h"
#include "store/store.h"
#include "util/err.h"

/* requestParameters as CloudTrail logs them: the policy as a JSON object, beside "policy": "".
 * Only a checked policy gets here, so it is one JSON object. */
static void audit_policy(s3_ctx *c, const char *json, size_t len)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_buf_puts(&b, "{\"bucketPolicy\":");
    ot_buf_append(&b, json, len);
    ot_buf_puts(&b, ",\"policy\":\"\"}");
    free(c->resp->audit_params);
    c->resp->audit_params = ot_buf_take(&b, NULL);
}

void s3_put_bucket_policy(s3_ctx *c)
{
    s3_body body;
    char err[512];
    if (!s3_body_read_checked(c, &body))
        return;
    if (ot_s3_policy_check(body.data, body.len, c->bucket, err, sizeof err)) {
        s3_error(c, 400, "MalformedPolicy", "%s", err);
        goto out;
    }
    audit_policy(c, body.data, body.len);
    if (s3_pab_refuses_policy(c, body.data, body.len))
        goto out;
    ot_policy_version who;
    s3_policy_version_of_call(c, &who);
    int rc = ot_store_policy_set(c->srv->store, c->bucket, body.data, body.len, &who);
    if (rc) {
        s3_store_error(c, rc);
        goto out;
    }
    c->resp->status = 204;
out:
    s3_body_free(&body);
}

void s3_get_bucket_policy(s3_ctx *c)
{
    char *json;
    size_t len;
    int rc = ot_store_policy_get(c->srv->store, c->bucket, &json, &len);
    if (rc == OT_ENOTFOUND) {
        s3_error(c, 404, "NoSuchBucketPolicy", "The bucket policy does not exist");
        return;
    }
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    ot_buf_append(&c->resp->body, json, len);
    snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/json");
    free(json);
}

void s3_delete_bucket_policy(s3_ctx *c)
{
    ot_policy_version who;
    s3_policy_version_of_call(c, &who);
    int rc = ot_store_policy_set(c->srv->store, c->bucket, NULL, 0, &who);
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    c->resp->status = 204;
}
