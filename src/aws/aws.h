/* aws.h — the one outbound AWS client (libcurl): credentials, region and endpoint, SigV4
 * signing (aws/sign.h), retries with jittered backoff, and the four wire protocols.
 *
 * Everything that talks to an AWS-shaped endpoint goes through here — `validate s3://`,
 * `lookup --endpoint`, `import s3://` — so the same environment (the variables botocore and the
 * aws CLI read) drives all of them:
 *   credentials  as the AWS CLI finds them (docs/credentials.md): AWS_ACCESS_KEY_ID /
 *                AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) unless --profile is given; then the
 *                profile (--profile, AWS_DEFAULT_PROFILE, AWS_PROFILE, "default") of
 *                AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials and AWS_CONFIG_FILE or
 *                ~/.aws/config: role_arn (STS AssumeRole), static keys, credential_process
 *                (aws/creds.c, aws/credsrc.h); then section [default] of the command's
 *                DATA-DIR/credentials when it has a --data-dir (first instead of last where the
 *                command talks to that data dir's server, lookup --endpoint, unless --profile);
 *   region       --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region in
 *                AWS_CONFIG_FILE or ~/.aws/config, us-east-1;
 *   endpoint     AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3), AWS_ENDPOINT_URL, then
 *                https://<service>.<region>.amazonaws.com; AWS_CA_BUNDLE is trusted for it. */
#ifndef OT_AWS_H
#define OT_AWS_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/sign.h"
#include "util/buf.h"

/* ---- credentials, region, endpoint ----------------------------------------------------- */

typedef struct ot_aws_creds {
    char access_key[129];
    char secret_key[257];
    char session_token[4096];
    char source[1100];        /* where they came from, for messages */
    int64_t expires_ms;       /* when temporary ones expire (Unix ms); 0 = never */
} ot_aws_creds;

struct ot_aws_client_opts;
/* Loads credentials along the chain above (o's profile, data_dir, data_dir_first). OT_ENOTFOUND
 * with err naming every place tried when none has a key pair (or when a named profile exists
 * in neither file); OT_EINVAL / OT_EIO / OT_ELIMIT with err saying why when a source is broken
 * (a file that does not parse, a failing credential_process, an AssumeRole error, SSO). */
int ot_aws_creds_load(ot_aws_creds *c, const struct ot_aws_client_opts *o, char *err,
                      size_t errlen);

/* The region along the chain above (flag may be NULL); out holds at least 33 bytes. */
void ot_aws_region(const char *flag, const char *profile, char *out, size_t cap);

/* The endpoint of a service: service_id names the variable (AWS_ENDPOINT_URL_<ID>, ID
 * uppercased, '-' and ' ' as '_'), host_prefix the real AWS host. No trailing '/'. */
void ot_aws_endpoint(const char *service_id, const char *host_prefix, const char *region,
                     char *out, size_t cap);

/* ---- requests -------------------------------------------------------------------------- */

/* CloudTrail's JSON 1.1 target prefix (X-Amz-Target: <prefix>.<Operation>). */
#define OT_AWS_CLOUDTRAIL_TARGET "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"

typedef enum ot_aws_protocol {
    OT_AWS_JSON,        /* JSON 1.1: POST /, X-Amz-Target: <target_prefix>.<operation> */
    OT_AWS_REST_JSON,   /* method + path + JSON body */
    OT_AWS_QUERY,       /* POST /, form body Action=<operation>&Version=<api_version>&... */
    OT_AWS_REST_XML,    /* S3: method + path-style /bucket/key, XML answers */
    OT_AWS_JSON_1_0,    /* JSON 1.0 (CloudWatch's awsJson1_0): as OT_AWS_JSON, content type
                         * application/x-amz-json-1.0 */
} ot_aws_protocol;

/* Whether p is one of the two X-Amz-Target JSON protocols (1.0 or 1.1). */
static inline bool ot_aws_protocol_is_target_json(ot_aws_protocol p)
{
    return p == OT_AWS_JSON || p == OT_AWS_JSON_1_0;
}

typedef struct ot_aws_client_opts {
    const char *service;       /* signing name: "s3", "cloudtrail", ... */
    const char *service_id;    /* for AWS_ENDPOINT_URL_<ID>; default: service */
    ot_aws_protocol protocol;
    const char *target_prefix; /* JSON 1.0 and 1.1 */
    const char *api_version;   /* query */
    const char *region;        /* --region, or NULL */
    const char *profile;       /* --profile, or NULL */
    const char *data_dir;      /* the command's --data-dir, or NULL */
    bool data_dir_first;       /* its credentials before the environment's */
    const char *endpoint;      /* an explicit endpoint (--endpoint), or NULL */
    int max_attempts;          /* default 5 */
    int base_delay_ms;         /* default 100: first backoff ceiling */
    int max_delay_ms;          /* default 10000 */
    long timeout_s;            /* per attempt; default 300 */
} ot_aws_client_opts;

typedef struct ot_aws_client {
    ot_aws_creds creds;
    char region[64];
    char service[33];
    char endpoint[1024];       /* scheme://authority[/base], no trailing '/' */
    bool endpoint_given;       /* it came from the command line (--endpoint), not the environment */
    char host[512];            /* the Host header: authority without a default port */
    char target_prefix[128];
    char api_version[32];
    char ca_bundle[1024];      /* AWS_CA_BUNDLE: trust for an https endpoint ("" = system) */
    ot_aws_protocol protocol;
    int max_attempts, base_delay_ms, max_delay_ms;
    long timeout_s;
    unsigned seed;             /* for the backoff jitter */
} ot_aws_client;

/* A request. Strings borrowed. path is the encoded path below the endpoint ("/" for the JSON
 * and query protocols); query is encoded "a=b&c=d" or NULL. */
typedef struct ot_aws_request {
    const char *method;        /* default "POST" (JSON, query) or "GET" */
    const char *path;
    const char *query;
    const char *operation;     /* for X-Amz-Target / Action, and for messages */
    const char *body;          /* JSON, or the query protocol's extra form parameters */
    size_t body_len;
    const ot_aws_kv *headers;  /* extra headers (lowercase names), signed too */
    size_t nheaders;
} ot_aws_request;

typedef struct ot_aws_response {
    long status;               /* 0 when no answer came */
    ot_buf body;
    ot_buf headers;            /* raw "Name: value\r\n" lines of the last answer */
    char code[128];            /* the AWS error code, parsed per protocol; "" on success */
    char message[512];
    int attempts;
} ot_aws_response;

/* Resolves credentials, region and endpoint. OT_ENOTFOUND (no credentials) with err filled. */
int ot_aws_client_init(ot_aws_client *c, const ot_aws_client_opts *o, char *err, size_t errlen);
/* The same with credentials already in hand (an STS client signing with a source profile's). */
void ot_aws_client_setup(ot_aws_client *c, const ot_aws_client_opts *o, const ot_aws_creds *creds);

void ot_aws_response_init(ot_aws_response *r, size_t body_max);
void ot_aws_response_free(ot_aws_response *r);
/* A header of the answer (name case-insensitive) copied into out; false if absent. */
bool ot_aws_response_header(const ot_aws_response *r, const char *name, char *out, size_t cap);

/* Sends the request, retrying throttling, 5xx and connection failures with jittered
 * exponential backoff. easy may be NULL (a temporary handle) or a handle the caller reuses
 * (its connection is kept). Returns 0 on a 2xx answer; OT_EIO for an error answer (resp has
 * status, code, message; err says "An error occurred (Code) when calling the Op operation:
 * message") or a transport failure (err names the host; an unresolvable one suggests
 * AWS_ENDPOINT_URL); OT_ELIMIT if the body passed its cap. */
int ot_aws_call(const ot_aws_client *c, CURL *easy, const ot_aws_request *req, ot_aws_response *resp,
                char *err, size_t errlen);

/* The Authorization header value of a request signed by c at amz_date: every header in kv
 * (lowercase names; sorted here in place, repeated ones kept in order) is signed; path and
 * query as sent. */
int ot_aws_authorization(const ot_aws_client *c, const char *method, const char *path,
                         const char *query, ot_aws_kv *kv, size_t n, const char *payload_hash,
                         const char *amz_date, char *auth, size_t cap);

/* For callers that drive transfers themselves (curl multi): sets every option of one attempt
 * on easy (URL, method, body, signed headers, the response sinks). *headers must be freed
 * with curl_slist_free_all after the transfer; *scratch (the body, for the query protocol)
 * with ot_buf_free. */
int ot_aws_prepare(const ot_aws_client *c, CURL *easy, const ot_aws_request *req,
                   ot_aws_response *resp, struct curl_slist **headers, ot_buf *scratch);
/* After such a transfer: parses the AWS error of an answer; 0 for 2xx, OT_EIO otherwise
 * (err filled as ot_aws_call fills it). */
int ot_aws_finish(const ot_aws_client *c, const ot_aws_request *req, CURLcode cc,
                  ot_aws_response *resp, char *err, size_t errlen);
/* Whether a finished attempt is worth retrying (throttling, 5xx, a dropped connection). */
bool ot_aws_retryable(CURLcode cc, const ot_aws_response *resp);
/* The wait before retry `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))]
 * ("full jitter"). */
int ot_aws_backoff_ms(int attempt, int base_ms, int max_ms, unsigned *seed);

/* ---- handle pool ---------------------------------------------------------------------- */

/* Easy handles on one shared connection and DNS cache, for a reader that makes many requests
 * from several threads (thread-safe). take returns NULL when out of memory; give takes any
 * handle back (NULL is ignored); free closes every connection. */
typedef struct ot_aws_pool ot_aws_pool;
int ot_aws_pool_new(ot_aws_pool **out);
CURL *ot_aws_pool_take(ot_aws_pool *p);
void ot_aws_pool_give(ot_aws_pool *p, CURL *c);
void ot_aws_pool_free(ot_aws_pool *p);

/* ---- protocol helpers ------------------------------------------------------------------ */

/* Fills resp->code / resp->message from the answer, per protocol. */
void ot_aws_parse_error(ot_aws_protocol p, ot_aws_response *resp);
/* The text of the first <tag>…</tag> at or after p, entity-decoded into out; returns the
 * position after the element, or NULL if there is none. */
const char *ot_aws_xml_text(const char *p, const char *tag, char *out, size_t cap);
/* ---- S3 (rest-xml) ----------------------------------------------------------------------- */

/* Called for each object listed; non-zero stops the listing and is returned. */
typedef int (*ot_aws_s3_list_fn)(void *ctx, const char *key, uint64_t size);
/* Every object below prefix (ListObjectsV2, all pages, keys url-encoded on the wire), in
 * the order S3 returns them. err names the bucket and HTTP status on an error answer. */
int ot_aws_s3_list(const ot_aws_client *c, CURL *easy, const char *bucket, const char *prefix,
                   ot_aws_s3_list_fn fn, void *ctx, char *err, size_t errlen);
/* GetObject into resp (its body's cap applies); OT_ENOTFOUND for NoSuchKey. */
int ot_aws_s3_get(const ot_aws_client *c, CURL *easy, const char *bucket, const char *key,
                  ot_aws_response *resp, char *err, size_t errlen);

/* Path-style "/bucket[/key]" with bucket and key percent-encoded ('/' kept in the key). */
int ot_aws_s3_path(ot_buf *out, const char *bucket, const char *key);

#endif
