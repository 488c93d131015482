/* vl_aws.c — AWS credentials, endpoints and the one CloudTrail call the validator makes.
 *
 * Follows botocore's rules so the same environment drives `aws cloudtrail validate-logs` and us:
 * keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), else the profile
 * AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials);
 * endpoints from AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL. Requests are signed by
 * libcurl (CURLOPT_AWS_SIGV4). */
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "validate/vl_int.h"

#define RESP_MAX (8u << 20)

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void read_profile(vl_aws *a)
{
    char path[1024];
    const char *f = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
    const char *profile = getenv("AWS_PROFILE") ? getenv("AWS_PROFILE") : "default";
    if (f)
        snprintf(path, sizeof path, "%s", f);
    else
        snprintf(path, sizeof path, "%s/.aws/credentials", home ? home : ".");
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    char line[4096];
    bool in = false;
    while (fgets(line, sizeof line, fp)) {
        char *s = trim(line);
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (e)
                *e = '\0';
            in = !strcmp(trim(s + 1), profile);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!in || !eq)
            continue;
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (!strcmp(k, "aws_access_key_id"))
            snprintf(a->access_key, sizeof a->access_key, "%s", v);
        else if (!strcmp(k, "aws_secret_access_key"))
            snprintf(a->secret_key, sizeof a->secret_key, "%s", v);
        else if (!strcmp(k, "aws_session_token"))
            snprintf(a->session_token, sizeof a->session_token, "%s", v);
    }
    fclose(fp);
}

int vl_aws_load(vl_aws *a, const char *region, char *err, size_t errlen)
{
    memset(a, 0, sizeof a[0]);
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (ak && sk) {
        snprintf(a->access_key, sizeof a->access_key, "%s", ak);
        snprintf(a->secret_key, sizeof a->secret_key, "%s", sk);
        if (getenv("AWS_SESSION_TOKEN"))
            snprintf(a->session_token, sizeof a->session_token, "%s", getenv("AWS_SESSION_TOKEN"));
    } else {
        read_profile(a);
    }
    const char *r = region ? region : getenv("AWS_REGION") ? getenv("AWS_REGION")
                                  : getenv("AWS_DEFAULT_REGION");
    snprintf(a->region, sizeof a->region, "%s", r && *r ? r : "us-east-1");
    if (!a->access_key[0] || !a->secret_key[0]) {
        snprintf(err, errlen, "Unable to locate credentials (set AWS_ACCESS_KEY_ID and "
                 "AWS_SECRET_ACCESS_KEY, or a profile in the shared credentials file)");
        return OT_EINVAL;
    }
    return OT_OK;
}

void vl_aws_endpoint(const char *service_env, const char *service_host, const char *region,
                     char *out, size_t cap)
{
    const char *e = getenv(service_env);
    if (!e || !*e)
        e = getenv("AWS_ENDPOINT_URL");
    if (e && *e)
        snprintf(out, cap, "%s", e);
    else
        snprintf(out, cap, "https://%s.%s.amazonaws.com", service_host, region);
    size_t n = strlen(out);
    while (n && out[n - 1] == '/')
        out[--n] = '\0';
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    return ot_buf_append(ud, p, size * n) ? 0 : size * n;
}

/* One signed JSON-1.1 POST; the body of a 200 answer in resp. */
static int post_json(const vl_aws *a, const char *region, const char *url, const char *target,
                     const char *body, ot_buf *resp, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char tmp[4200], sigv4[128], userpwd[600];
    if (!c)
        return OT_ENOMEM;
    snprintf(tmp, sizeof tmp, "X-Amz-Target: %s", target);
    h = curl_slist_append(h, tmp);
    h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.1");
    if (a->session_token[0]) {
        snprintf(tmp, sizeof tmp, "X-Amz-Security-Token: %s", a->session_token);
        h = curl_slist_append(h, tmp);
    }
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:cloudtrail", region);
    snprintf(userpwd, sizeof userpwd, "%s:%s", a->access_key, a->secret_key);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int rc = OT_OK;
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(cc));
        rc = OT_EIO;
    } else if (status != 200) {
        snprintf(err, errlen, "An error occurred (%ld) when calling the ListPublicKeys "
                 "operation: %.300s", status, resp->data ? resp->data : "");
        rc = OT_EIO;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
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

int vl_list_public_keys(const vl_aws *a, const char *region, int64_t start_ms, int64_t end_ms,
                        ot_vkeys *keys, char *err, size_t errlen)
{
    char url[1024], next[2048] = "";
    vl_aws_endpoint("AWS_ENDPOINT_URL_CLOUDTRAIL", "cloudtrail", region, url, sizeof url);
    strncat(url, "/", sizeof url - strlen(url) - 1);
    int rc = OT_OK;
    do {
        ot_buf body, resp;
        ot_buf_init(&body, 0);
        ot_buf_init(&resp, RESP_MAX);
        ot_jw w;
        ot_jw_init(&w, &body);
        ot_jw_obj(&w);
        ot_jw_kint(&w, "StartTime", start_ms / 1000);
        ot_jw_kint(&w, "EndTime", end_ms / 1000);
        if (next[0])
            ot_jw_kstr(&w, "NextToken", next);
        ot_jw_end(&w);
        rc = post_json(a, region, url,
                       "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys",
                       body.data, &resp, err, errlen);
        if (!rc)
            rc = add_page(keys, &resp, next, sizeof next, err, errlen);
        ot_buf_free(&body);
        ot_buf_free(&resp);
    } while (!rc && next[0]);
    return rc;
}
