/* s3.c — the two S3 calls every reader of a bucket makes: ListObjectsV2 (every page) and
 * GetObject, path-style, over ot_aws_call (see aws.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "util/err.h"
#include "util/uri.h"

#define LIST_PAGE_MAX (16u << 20)

/* A key as ListObjectsV2 with encoding-type=url sends it: '+' is a space, then %XX. */
static void url_key_decode(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '+')
            *p = ' ';
    ot_pct_decode(s, strlen(s), s);
}

static int list_query(ot_buf *q, const char *token, const char *prefix)
{
    int rc = OT_OK;
    if (token[0]) {
        rc = ot_buf_puts(q, "continuation-token=");
        if (!rc) rc = ot_uri_encode(q, token, strlen(token), false);
        if (!rc) rc = ot_buf_putc(q, '&');
    }
    if (!rc) rc = ot_buf_puts(q, "encoding-type=url&list-type=2&max-keys=1000&prefix=");
    if (!rc) rc = ot_uri_encode(q, prefix, strlen(prefix), false);
    return rc;
}

/* Calls fn for each <Contents> of one page; its continuation token (if truncated) into token. */
static int list_page(const ot_buf *body, ot_aws_s3_list_fn fn, void *ctx, char *token,
                     size_t tcap)
{
    char key[2048], size[32];
    int rc = OT_OK;
    const char *p = body->data, *end;
    while (!rc && p && (p = strstr(p, "<Contents>")) && (end = strstr(p, "</Contents>"))) {
        size_t n = (size_t)(end - p);
        char *one = strndup(p, n);
        if (!one)
            return OT_ENOMEM;
        if (ot_aws_xml_text(one, "Key", key, sizeof key)) {
            url_key_decode(key);
            if (!ot_aws_xml_text(one, "Size", size, sizeof size))
                size[0] = '\0';
            rc = fn(ctx, key, strtoull(size, NULL, 10));
        }
        free(one);
        p = end;
    }
    token[0] = '\0';
    if (!rc && body->data && strstr(body->data, "<IsTruncated>true</IsTruncated>") &&
        ot_aws_xml_text(body->data, "NextContinuationToken", token, tcap))
        url_key_decode(token);
    return rc;
}

int ot_aws_s3_list(const ot_aws_client *c, CURL *easy, const char *bucket, const char *prefix,
                   ot_aws_s3_list_fn fn, void *ctx, char *err, size_t errlen)
{
    char token[2048] = "";
    int rc;
    do {
        ot_buf path, query;
        ot_aws_response resp;
        ot_buf_init(&path, 0);
        ot_buf_init(&query, 0);
        ot_aws_response_init(&resp, LIST_PAGE_MAX);
        rc = ot_aws_s3_path(&path, bucket, NULL);
        if (!rc)
            rc = list_query(&query, token, prefix ? prefix : "");
        ot_aws_request req = {.method = "GET", .path = path.data, .query = query.data,
                              .operation = "ListObjectsV2"};
        if (!rc && (rc = ot_aws_call(c, easy, &req, &resp, err, errlen)) && resp.status)
            snprintf(err, errlen, "An error occurred (%s) when calling the ListObjectsV2 "
                     "operation on bucket %s (HTTP %ld)%s%s", resp.code, bucket, resp.status,
                     resp.message[0] ? ": " : "", resp.message);
        if (!rc)
            rc = list_page(&resp.body, fn, ctx, token, sizeof token);
        ot_buf_free(&path);
        ot_buf_free(&query);
        ot_aws_response_free(&resp);
    } while (!rc && token[0]);
    return rc;
}

int ot_aws_s3_get(const ot_aws_client *c, CURL *easy, const char *bucket, const char *key,
                  ot_aws_response *resp, char *err, size_t errlen)
{
    ot_buf path;
    ot_buf_init(&path, 0);
    int rc = ot_aws_s3_path(&path, bucket, key);
    ot_aws_request req = {.method = "GET", .path = path.data, .operation = "GetObject"};
    if (!rc)
        rc = ot_aws_call(c, easy, &req, resp, err, errlen);
    if (rc == OT_EIO && !strcmp(resp->code, "NoSuchKey"))
        rc = OT_ENOTFOUND;
    ot_buf_free(&path);
    return rc;
}
