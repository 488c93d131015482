/* vl_aws.c — the one CloudTrail call the validator makes (ListPublicKeys), over aws/.
 *
 * Credentials, region and endpoint follow aws/aws.h (botocore's rules), so the same
 * environment drives `aws cloudtrail validate-logs` and us. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "validate/vl_int.h"

#define RESP_MAX (8u << 20)
int vl_aws_load(vl_aws *a, const char *region, char *err, size_t errlen)
{
    ot_aws_creds creds;
    ot_aws_client_opts co = {.service = "cloudtrail"};
    memset(a, 0, sizeof a[0]);
    ot_aws_region(region, NULL, a->region, sizeof a->region);
    return ot_aws_creds_load(&creds, &co, err, errlen);
}

/* Adds the keys of one ListPublicKeys page; the NextToken (if any) into next. */
static int add_page(ot_vkeys *keys, const ot_buf *resp, char *next, size_t ncap, char *err,
                    size_t errlen)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, list, k;
    ot_json_iter it;
    char jerr[64];
    int rc = OT_EINVAL;
    next[0] = '\0';
    if (!doc || ot_json_parse(doc, resp->data, resp->len, true, &root, jerr, sizeof jerr) ||
        ot_json_get(root, "PublicKeyList", &list) || ot_json_array_iter(list, &it)) {
        snprintf(err, errlen, "ListPublicKeys: malformed response");
        goto out;
    }
    while (ot_json_array_next(&it, &k)) {
        const char *val, *fp;
        size_t vl, fl;
        if (ot_json_get_str(k, "Value", &val, &vl) || ot_json_get_str(k, "Fingerprint", &fp, &fl))
            continue;
        uint8_t *der = malloc(vl);
        long dl = der ? ot_base64_decode(val, vl, der, vl) : -1;
        /* a key that does not decode is still listed: digests naming it say so */
        if (dl > 0)
            ot_vkeys_add(keys, der, (size_t)dl, fp);
        else
            ot_vkeys_add(keys, (const uint8_t *)"", 0, fp);
        free(der);
    }
    const char *nt;
    size_t ntl;
    if (!ot_json_get_str(root, "NextToken", &nt, &ntl))
        snprintf(next, ncap, "%s", nt);
    rc = OT_OK;
out:
    ot_json_doc_free(doc);
    return rc;
}

/* The JSON of one ListPublicKeys request. */
static int page_request(ot_buf *body, int64_t start_ms, int64_t end_ms, const char *next)
{
    ot_jw w;
    ot_jw_init(&w, body);
    ot_jw_obj(&w);
    ot_jw_kint(&w, "StartTime", start_ms / 1000);
    ot_jw_kint(&w, "EndTime", end_ms / 1000);
    if (next[0])
        ot_jw_kstr(&w, "NextToken", next);
    ot_jw_end(&w);
    return body->data ? OT_OK : OT_ENOMEM;
}

int vl_list_public_keys(const vl_aws *a, const char *region, int64_t start_ms, int64_t end_ms,
                        ot_vkeys *keys, char *err, size_t errlen)
{
    ot_aws_client c;
    ot_aws_client_opts co = {.service = "cloudtrail", .protocol = OT_AWS_JSON,
                             .target_prefix = OT_AWS_CLOUDTRAIL_TARGET, .region = region,
                             .timeout_s = 60};
    char next[2048] = "";
    int rc = ot_aws_client_init(&c, &co, err, errlen);
    while (!rc) {
        ot_buf body;
        ot_aws_response resp;
        ot_buf_init(&body, 0);
        ot_aws_response_init(&resp, RESP_MAX);
        rc = page_request(&body, start_ms, end_ms, next);
        ot_aws_request req = {.operation = "ListPublicKeys", .body = body.data,
                              .body_len = body.len};
        if (!rc)
            rc = ot_aws_call(&c, NULL, &req, &resp, err, errlen);
        if (!rc)
            rc = add_page(keys, &resp.body, next, sizeof next, err, errlen);
        ot_buf_free(&body);
        ot_aws_response_free(&resp);
        if (!next[0])
            break;
    }
    return rc;
}
