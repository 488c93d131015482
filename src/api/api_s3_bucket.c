/* api_s3_bucket.c — bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation.
 *
 * CreateBucket records the caller's account as the owner; ListBuckets lists the caller's own
 * buckets only.
 *
 * Buckets carry no region of their own here: every bucket is in the server's default region
 * (what GetBucketLocation and x-amz-bucket-region report). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_int.h"
#include "api/s3_policy.h"
#include "store/store.h"
#include "util/err.h"
#include "util/region.h"

#define MAX_BUCKETS_PAGE 10000

void s3_list_buckets(s3_ctx *c)
{
    ot_bucket_info *v = NULL;
    size_t n = 0;
    char prefix[128] = "", token[128] = "", maxs[16] = "";
    ot_req_query(c->req, "prefix", prefix, sizeof prefix);
    ot_req_query(c->req, "continuation-token", token, sizeof token);
    ot_req_query(c->req, "max-buckets", maxs, sizeof maxs);
    char *end;
    long max = maxs[0] ? strtol(maxs, &end, 10) : MAX_BUCKETS_PAGE;
    if (maxs[0] && (*end || max < 1 || max > MAX_BUCKETS_PAGE)) {
        s3_error(c, 400, "InvalidArgument", "max-buckets must be between 1 and 10000.");
        return;
    }
    const char *me = s3_caller_account(c);
    int rc = ot_store_bucket_list(c->srv->store, &v, &n);
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    ot_buf *b = &c->resp->body;
    s3_xml_begin(b, "ListAllMyBucketsResult");
    s3_owner(b, me);
    ot_buf_puts(b, "<Buckets>");
    long shown = 0;
    const char *last = NULL;
    bool more = false;
    for (size_t i = 0; i < n; i++) {
        char owner[16];
        if (strncmp(v[i].name, prefix, strlen(prefix)) || strcmp(v[i].name, token) <= 0)
            continue;
        /* Only the caller's own buckets, as S3 lists them (a policy grant does not list). */
        if (ot_s3_bucket_owner(c->srv->store, v[i].name, c->srv->cfg.account_id, owner) ||
            strcmp(owner, me))
            continue;
        if (shown == max) {
            more = true;
            break;
        }
        char when[32];
        s3_time_iso(v[i].created_ms, when);
        ot_buf_puts(b, "<Bucket>");
        s3_xml_elem(b, "Name", v[i].name, false);
        s3_xml_elem(b, "CreationDate", when, false);
        s3_xml_elem(b, "BucketRegion", c->srv->cfg.default_region, false);
        ot_buf_puts(b, "</Bucket>");
        last = v[i].name;
        shown++;
    }
    ot_buf_puts(b, "</Buckets>");
    if (more && last)
        s3_xml_elem(b, "ContinuationToken", last, false);
    if (prefix[0])
        s3_xml_elem(b, "Prefix", prefix, false);
    s3_xml_end(b, "ListAllMyBucketsResult");
    snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/xml");
    free(v);
}

/* The optional <CreateBucketConfiguration><LocationConstraint>..: only its shape is checked:
 * empty, a region name, or "EU" (S3's old name for eu-west-1). */
static bool check_create_config(s3_ctx *c)
{
    const char *p = c->req->body, *end = p + c->req->body_len, *in, *in_end, *after;
    if (c->req->body_len == 0)
        return true;
    if (!s3_xml_find(p, end, "CreateBucketConfiguration", &in, &in_end, &after)) {
        s3_malformed_xml(c);
        return false;
    }
    const char *lin, *lend;
    if (s3_xml_find(in, in_end, "LocationConstraint", &lin, &lend, &after)) {
        char region[OT_REGION_MAX + 2];
        snprintf(region, sizeof region, "%.*s", (int)(lend - lin), lin);
        if (lend > lin && strcmp(region, "EU") && !ot_region_valid(region)) {
            s3_error(c, 400, "InvalidLocationConstraint",
                     "The specified location-constraint is not valid.");
            return false;
        }
    }
    return true;
}

void s3_create_bucket(s3_ctx *c)
{
    if (!check_create_config(c))
        return;
    int rc = ot_store_bucket_create_owned(c->srv->store, c->bucket, s3_caller_account(c));
    char owner[16];
    if (rc == OT_EEXIST &&
        ot_s3_bucket_owner(c->srv->store, c->bucket, c->srv->cfg.account_id, owner) == OT_OK &&
        strcmp(owner, s3_caller_account(c))) {
        s3_error(c, 409, "BucketAlreadyExists", "The requested bucket name is not available. "
                 "The bucket namespace is shared by all users of the system. Please select a "
                 "different name and try again.");
        return;
    }
    if (rc == OT_EEXIST) {
        s3_error(c, 409, "BucketAlreadyOwnedByYou", "Your previous request to create the named "
                 "bucket succeeded and you already own it.");
        return;
    }
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    char loc[80];
    snprintf(loc, sizeof loc, "/%s", c->bucket);
    ot_resp_header(c->resp, "Location", loc);
}

void s3_head_bucket(s3_ctx *c)
{
    if (!s3_need_bucket(c))
        return;
    ot_resp_header(c->resp, "x-amz-bucket-region", c->srv->cfg.default_region);
}

void s3_delete_bucket(s3_ctx *c)
{
    int rc = ot_store_bucket_delete(c->srv->store, c->bucket);
    if (rc == OT_EEXIST) {
        s3_error(c, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty.");
        return;
    }
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    c->resp->status = 204;
}

void s3_get_bucket_location(s3_ctx *c)
{
    if (!s3_need_bucket(c))
        return;
    ot_buf *b = &c->resp->body;
    const char *region = c->srv->cfg.default_region;
    ot_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"%s\">",
                  S3_XMLNS);
    if (strcmp(region, "us-east-1") != 0) /* S3 reports us-east-1 as an empty constraint */
        s3_xml_escape(b, region, strlen(region));
    ot_buf_puts(b, "</LocationConstraint>");
    snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/xml");
}
