/* proto.c — what differs between the four wire protocols: how an error answer names its code
 * and message, and S3's XML and path-style addressing (see aws.h). */
#include <stdio.h>
#include <string.h>

#include "aws/aws.h"
#include "util/err.h"
#include "util/json.h"
#include "util/uri.h"

/* Decodes the five predefined XML entities and numeric &#N; / &#xN; (ASCII) of n bytes. */
static void xml_unescape(const char *s, size_t n, char *out, size_t cap)
{
    static const struct { const char *ent; char c; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        size_t k, el = 0;
        for (k = 0; s[i] == '&' && k < 5; k++)
            if (i + (el = strlen(ents[k].ent)) <= n && !strncmp(s + i, ents[k].ent, el))
                break;
        if (s[i] == '&' && k < 5) {
            out[o++] = ents[k].c;
            i += el - 1;
        } else {
            out[o++] = s[i];
        }
    }
    if (cap)
        out[o] = '\0';
}

const char *ot_aws_xml_text(const char *p, const char *tag, char *out, size_t cap)
{
    char open[80], close[80];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = p ? strstr(p, open) : NULL, *e;
    if (!s || !(e = strstr(s, close)))
        return NULL;
    s += strlen(open);
    xml_unescape(s, (size_t)(e - s), out, cap);
    return e + strlen(close);
}

/* "aws.protocoltests#Code" or "Code:http://..." to "Code". */
static void clean_code(const char *s, size_t n, char *out, size_t cap)
{
    const char *hash = memchr(s, '#', n);
    if (hash) {
        n -= (size_t)(hash + 1 - s);
        s = hash + 1;
    }
    const char *colon = memchr(s, ':', n);
    if (colon)
        n = (size_t)(colon - s);
    snprintf(out, cap, "%.*s", (int)n, s);
}

static void json_error(ot_aws_response *r)
{
    char hdr[256];
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root;
    const char *v;
    size_t n;
    if (doc && r->body.len &&
        !ot_json_parse(doc, r->body.data, r->body.len, true, &root, NULL, 0)) {
        if (!ot_json_get_str(root, "__type", &v, &n) || !ot_json_get_str(root, "code", &v, &n) ||
            !ot_json_get_str(root, "Code", &v, &n))
            clean_code(v, n, r->code, sizeof r->code);
        if (!ot_json_get_str(root, "message", &v, &n) || !ot_json_get_str(root, "Message", &v, &n))
            snprintf(r->message, sizeof r->message, "%.*s", (int)n, v);
    }
    ot_json_doc_free(doc);
    /* rest-json services name the code in a header; it wins over the body */
    if (ot_aws_response_header(r, "x-amzn-ErrorType", hdr, sizeof hdr))
        clean_code(hdr, strlen(hdr), r->code, sizeof r->code);
}

static void xml_error(ot_aws_response *r)
{
    const char *err = r->body.data ? strstr(r->body.data, "<Error>") : NULL;
    if (!err)
        return;
    ot_aws_xml_text(err, "Code", r->code, sizeof r->code);
    ot_aws_xml_text(err, "Message", r->message, sizeof r->message);
}

void ot_aws_parse_error(ot_aws_protocol p, ot_aws_response *r)
{
    r->code[0] = r->message[0] = '\0';
    if (r->status >= 200 && r->status < 300)
        return;
    if (ot_aws_protocol_is_target_json(p) || p == OT_AWS_REST_JSON)
        json_error(r);
    else
        xml_error(r);
    /* no body (HEAD, a proxy's page): botocore names the error by its status */
    if (!r->code[0])
        snprintf(r->code, sizeof r->code, "%ld", r->status);
}

int ot_aws_s3_path(ot_buf *out, const char *bucket, const char *key)
{
    int rc = ot_buf_putc(out, '/');
    if (!rc)
        rc = ot_uri_encode(out, bucket, strlen(bucket), false);
    if (!rc && key) {
        rc = ot_buf_putc(out, '/');
        if (!rc)
            rc = ot_uri_encode(out, key, strlen(key), true);
    }
    return rc;
}
