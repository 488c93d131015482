/* api_s3_pab.c — PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock
 * (/<bucket>?publicAccessBlock), recorded by CloudTrail as Put/Get/DeleteBucketPublicAccessBlock.
 *
 * Only the bucket owner's account calls them (checked by the router), as for policies. The body
 * is a PublicAccessBlockConfiguration whose four elements are each optional and "true" or
 * "false" (an absent one is false, as S3 stores it); anything else is MalformedXML. What each
 * setting enforces here is in s3_public_access.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_int.h"
#include "util/buf.h"
#include "util/err.h"

static const struct {
    const char *name;
    unsigned bit;
} pab_elems[] = {
    {"BlockPublicAcls", OT_PAB_BLOCK_PUBLIC_ACLS},
    {"IgnorePublicAcls", OT_PAB_IGNORE_PUBLIC_ACLS},
    {"BlockPublicPolicy", OT_PAB_BLOCK_PUBLIC_POLICY},
    {"RestrictPublicBuckets", OT_PAB_RESTRICT_PUBLIC_BUCKETS},
};
#define NELEMS (sizeof pab_elems / sizeof pab_elems[0])

/* Reads the configuration into *flags and the elements given into *given; false if malformed. */
static bool parse_pab(const char *p, size_t len, unsigned *flags, unsigned *given)
{
    const char *end = p + len, *in, *in_end, *after, *v, *v_end, *v_after;
    *flags = *given = 0;
    if (!s3_xml_find(p, end, "PublicAccessBlockConfiguration", &in, &in_end, &after))
        return false;
    for (size_t i = 0; i < NELEMS; i++) {
        if (!s3_xml_find(in, in_end, pab_elems[i].name, &v, &v_end, &v_after))
            continue;
        size_t n = (size_t)(v_end - v);
        if (n == 4 && !memcmp(v, "true", 4))
            *flags |= pab_elems[i].bit;
        else if (!(n == 5 && !memcmp(v, "false", 5)))
            return false;
        *given |= pab_elems[i].bit;
    }
    return true;
}

/* requestParameters as CloudTrail logs them: the configuration with its namespace. */
static void audit_pab(s3_ctx *c, unsigned flags, unsigned given)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_buf_printf(&b, "{\"publicAccessBlock\":\"\",\"PublicAccessBlockConfiguration\":"
                      "{\"xmlns\":\"%s\"", S3_XMLNS);
    for (size_t i = 0; i < NELEMS; i++)
        if (given & pab_elems[i].bit)
            ot_buf_printf(&b, ",\"%s\":%s", pab_elems[i].name,
                          flags & pab_elems[i].bit ? "true" : "false");
    ot_buf_puts(&b, "}}");
    free(c->resp->audit_params);
    c->resp->audit_params = ot_buf_take(&b, NULL);
}

void s3_put_public_access_block(s3_ctx *c)
{
    s3_body body;
    unsigned flags, given;
    if (!s3_body_read_checked(c, &body))
        return;
    if (!parse_pab(body.data, body.len, &flags, &given)) {
        s3_malformed_xml(c);
        goto out;
    }
    audit_pab(c, flags, given);
    int rc = ot_store_pab_put(c->srv->store, c->bucket, flags);
    if (rc)
        s3_store_error(c, rc);
out:
    s3_body_free(&body);
}

void s3_get_public_access_block(s3_ctx *c)
{
    unsigned flags;
    int rc = ot_store_pab_get(c->srv->store, c->bucket, &flags);
    if (rc == OT_ENOTFOUND) {
        s3_error(c, 404, "NoSuchPublicAccessBlockConfiguration",
                 "The public access block configuration was not found");
        return;
    }
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    ot_buf *b = &c->resp->body;
    s3_xml_begin(b, "PublicAccessBlockConfiguration");
    for (size_t i = 0; i < NELEMS; i++)
        s3_xml_elem(b, pab_elems[i].name, flags & pab_elems[i].bit ? "true" : "false", false);
    s3_xml_end(b, "PublicAccessBlockConfiguration");
    snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/xml");
}

void s3_delete_public_access_block(s3_ctx *c)
{
    int rc = ot_store_pab_delete(c->srv->store, c->bucket);
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    c->resp->status = 204;
}
