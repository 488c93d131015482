/* api_s3_list.c — ListObjects (v1) and ListObjectsV2.
 *
 * v1 pages with Marker; NextMarker is sent only with a delimiter (as S3 does: without one the
 * client continues from the last key). v2 pages with an opaque ContinuationToken, which here
 * is the base64 of the last key or CommonPrefix returned. With encoding-type=url, keys,
 * prefixes, markers and the delimiter are percent-encoded (botocore asks for this by default
 * and decodes them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/s3_int.h"
#include "api/s3_policy.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/err.h"

#define LIST_MAX 1000
#define PARAM_CAP (S3_KEY_MAX * 3 + 16)

typedef struct list_args {
    char prefix[PARAM_CAP], delim[PARAM_CAP], marker[PARAM_CAP], start_after[PARAM_CAP];
    char token[PARAM_CAP * 2];
    size_t max;
    bool url, fetch_owner, has_delim, has_marker, has_token, has_start_after;
} list_args;

static bool query(s3_ctx *c, const char *name, char *out, size_t cap, bool *present)
{
    int rc = ot_req_query(c->req, name, out, cap);
    if (present)
        *present = rc == 0;
    if (rc == OT_ELIMIT) {
        s3_error(c, 400, "InvalidArgument", "The %s parameter is too long.", name);
        return false;
    }
    if (rc)
        out[0] = '\0';
    return true;
}

static bool parse_args(s3_ctx *c, bool v2, list_args *a)
{
    char maxs[32] = "", enc[32] = "", owner[16] = "";
    bool has_max;
    if (!query(c, "prefix", a->prefix, sizeof a->prefix, NULL) ||
        !query(c, "delimiter", a->delim, sizeof a->delim, &a->has_delim) ||
        !query(c, "marker", a->marker, sizeof a->marker, &a->has_marker) ||
        !query(c, "start-after", a->start_after, sizeof a->start_after, &a->has_start_after) ||
        !query(c, "continuation-token", a->token, sizeof a->token, &a->has_token) ||
        !query(c, "max-keys", maxs, sizeof maxs, &has_max) ||
        !query(c, "encoding-type", enc, sizeof enc, NULL) ||
        !query(c, "fetch-owner", owner, sizeof owner, NULL))
        return false;
    char *end;
    long long max = has_max ? strtoll(maxs, &end, 10) : LIST_MAX;
    if (has_max && (!maxs[0] || *end || max < 0)) {
        s3_error(c, 400, "InvalidArgument", "Provided max-keys not an integer or within "
                 "integer range");
        return false;
    }
    a->max = max > LIST_MAX ? LIST_MAX : (size_t)max;
    if (enc[0] && strcmp(enc, "url") != 0) {
        s3_error(c, 400, "InvalidArgument", "Invalid Encoding Method specified in Request");
        return false;
    }
    a->url = enc[0] != '\0';
    a->fetch_owner = !strcmp(owner, "true");
    if (v2 && a->has_token) {
        uint8_t dec[PARAM_CAP];
        long n = ot_base64_decode(a->token, strlen(a->token), dec, sizeof dec - 1);
        if (n <= 0 || memchr(dec, '\0', (size_t)n)) {
            s3_error(c, 400, "InvalidArgument", "The continuation token provided is incorrect");
            return false;
        }
        memcpy(a->marker, dec, (size_t)n);
        a->marker[n] = '\0';
    } else if (v2) {
        memcpy(a->marker, a->start_after, strlen(a->start_after) + 1);
    }
    return true;
}

static void write_contents(s3_ctx *c, ot_buf *b, const ot_list_result *r, bool url, bool owner)
{
    char acct[16] = "";
    /* Objects belong to the bucket's owner (S3's default "bucket owner enforced" ownership). */
    if (owner && ot_s3_bucket_owner(c->srv->store, c->bucket, c->srv->cfg.account_id, acct))
        snprintf(acct, sizeof acct, "%s", c->srv->cfg.account_id);
    for (size_t i = 0; i < r->nentries; i++) {
        const ot_list_entry *e = &r->entries[i];
        char when[32];
        s3_time_iso(e->info.mtime_ms, when);
        ot_buf_puts(b, "<Contents>");
        s3_xml_elem(b, "Key", e->key, url);
        s3_xml_elem(b, "LastModified", when, false);
        ot_buf_printf(b, "<ETag>&quot;%s&quot;</ETag>", e->info.etag);
        s3_xml_elem_u64(b, "Size", e->info.size);
        if (owner)
            s3_owner(b, acct);
        ot_buf_puts(b, "<StorageClass>STANDARD</StorageClass></Contents>");
    }
    for (size_t i = 0; i < r->nprefixes; i++) {
        ot_buf_puts(b, "<CommonPrefixes>");
        s3_xml_elem(b, "Prefix", r->common_prefixes[i], url);
        ot_buf_puts(b, "</CommonPrefixes>");
    }
}

static void write_v1(s3_ctx *c, const list_args *a, const ot_list_result *r)
{
    ot_buf *b = &c->resp->body;
    s3_xml_begin(b, "ListBucketResult");
    s3_xml_elem(b, "Name", c->bucket, false);
    s3_xml_elem(b, "Prefix", a->prefix, a->url);
    s3_xml_elem(b, "Marker", a->marker, a->url);
    s3_xml_elem_u64(b, "MaxKeys", a->max);
    if (a->has_delim)
        s3_xml_elem(b, "Delimiter", a->delim, a->url);
    ot_buf_printf(b, "<IsTruncated>%s</IsTruncated>", r->truncated ? "true" : "false");
    if (r->truncated && a->has_delim && r->next_marker)
        s3_xml_elem(b, "NextMarker", r->next_marker, a->url);
    write_contents(c, b, r, a->url, true);
    if (a->url)
        ot_buf_puts(b, "<EncodingType>url</EncodingType>");
    s3_xml_end(b, "ListBucketResult");
}

static void write_v2(s3_ctx *c, const list_args *a, const ot_list_result *r)
{
    ot_buf *b = &c->resp->body;
    s3_xml_begin(b, "ListBucketResult");
    s3_xml_elem(b, "Name", c->bucket, false);
    s3_xml_elem(b, "Prefix", a->prefix, a->url);
    s3_xml_elem_u64(b, "KeyCount", r->nentries + r->nprefixes);
    s3_xml_elem_u64(b, "MaxKeys", a->max);
    if (a->has_delim)
        s3_xml_elem(b, "Delimiter", a->delim, a->url);
    ot_buf_printf(b, "<IsTruncated>%s</IsTruncated>", r->truncated ? "true" : "false");
    if (a->has_token)
        s3_xml_elem(b, "ContinuationToken", a->token, false);
    if (r->truncated && r->next_marker) {
        size_t n = strlen(r->next_marker);
        char *tok = malloc(4 * ((n + 2) / 3) + 1);
        if (tok) {
            ot_base64((const uint8_t *)r->next_marker, n, tok);
            s3_xml_elem(b, "NextContinuationToken", tok, false);
            free(tok);
        }
    }
    if (a->has_start_after)
        s3_xml_elem(b, "StartAfter", a->start_after, a->url);
    write_contents(c, b, r, a->url, a->fetch_owner);
    if (a->url)
        ot_buf_puts(b, "<EncodingType>url</EncodingType>");
    s3_xml_end(b, "ListBucketResult");
}

void s3_list_objects(s3_ctx *c, bool v2)
{
    list_args *a = calloc(1, sizeof *a);
    ot_list_result r;
    if (!a) {
        s3_error(c, 500, "InternalError", "Out of memory.");
        return;
    }
    if (!parse_args(c, v2, a))
        goto out;
    int rc = ot_store_list(c->srv->store, c->bucket, a->prefix,
                           a->has_delim && a->delim[0] ? a->delim : NULL, a->marker, a->max, &r);
    if (rc) {
        s3_store_error(c, rc);
        goto out;
    }
    if (a->max == 0)
        r.truncated = false; /* S3 answers max-keys=0 with an empty, complete page */
    if (v2)
        write_v2(c, a, &r);
    else
        write_v1(c, a, &r);
    snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/xml");
    ot_store_list_free(&r);
out:
    free(a);
}
