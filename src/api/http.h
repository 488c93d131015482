/* http.h — the request and response every service handler sees.
 *
 * The HTTP server (http.c, libmicrohttpd) reads the whole request, authenticates it (SigV4),
 * picks the service from the credential scope and calls that service's handler with an ot_req.
 * The handler fills an ot_resp; the server sends it. Handlers never see libmicrohttpd. */
#ifndef OT_HTTP_H
#define OT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Header lines a request may carry; one with more is refused with 431 (http_framing.h). */
#define OT_MAX_HEADERS 64

typedef struct ot_header {
    char *name; /* lowercased */
    char *value;
} ot_header;

/* Who made the call: becomes the userIdentity of the events it causes. */
typedef struct ot_principal {
    char type[32];          /* "IAMUser", "Root", ... */
    char account_id[16];
    char arn[256];
    char user_name[128];
    char principal_id[64];
    char access_key_id[128];
} ot_principal;

typedef struct ot_req {
    const char *method;      /* "GET", "PUT", ... */
    const char *raw_path;    /* as sent, still percent-encoded, without the query */
    const char *raw_query;   /* as sent, without '?'; "" if none */
    ot_header headers[OT_MAX_HEADERS];
    size_t nheaders;
    const char *body;        /* NUL-terminated, OT_BUF_PAD readable bytes past body_len */
    size_t body_len;
    char source_ip[64];
    char request_id[37];     /* uuid, also sent as x-amzn-RequestId / x-amz-request-id */
    int64_t received_ms;     /* wall clock when the request arrived */
    /* Filled by authentication: */
    char service[32];        /* signing name: cloudtrail, cloudtrail-data, s3, ... */
    char region[32];
    ot_principal principal;
    /* Filled by dispatch for the access log: the API operation run (static string), or NULL
     * if none was identified. */
    const char *operation;
} ot_req;

typedef struct ot_resp {
    int status;
    char content_type[64];
    ot_header headers[16];   /* extra headers; names and values owned (malloc'd) */
    size_t nheaders;
    ot_buf body;             /* sent as-is unless file_fd >= 0 */
    int file_fd;             /* if >= 0, the body is file_len bytes of this fd from file_off */
    uint64_t file_off;
    uint64_t file_len;
    bool skip_audit;         /* dispatch must not audit the named operation: the handler wrote
                              * the event itself (StopLogging) or the call is data, not
                              * management (PutAuditEvents, PutLogEvents) */
    char *audit_params;      /* the call's requestParameters as a JSON object (malloc'd),
                              * for a request whose body is no JSON object (query, CBOR);
                              * NULL: the body. S3: members added to requestParameters beside
                              * bucketName, Host and key (bucketPolicy, ...) */
    char audit_event_id[37]; /* the eventID the call's record must carry, chosen by a handler
                              * that keeps it (the policy history); "": a new one */
} ot_resp;

/* Header lookup by lowercase name; NULL if absent. */
const char *ot_req_header(const ot_req *r, const char *name);
/* Whether r is an unsigned GET or HEAD of exactly path, without a query: the form of the
 * public probes (/health, /ready, /metrics). A query (a presigned URL, S3's list-type=2) or an
 * Authorization header makes it an API call on a bucket of that name instead. */
bool ot_req_is_probe(const ot_req *r, const char *path);
/* Query parameter by name, percent-decoded into out (NUL-terminated). Returns 0, OT_ENOTFOUND,
 * or OT_ELIMIT if it does not fit. A parameter given without '=' has the value "". */
int ot_req_query(const ot_req *r, const char *name, char *out, size_t outcap);
/* The same over n bytes of "k=v&k=v" (a query string, or a form body when form is true: then
 * '+' decodes to a space, as application/x-www-form-urlencoded says, and a value holding a
 * NUL byte is OT_ELIMIT). The first parameter of that name wins; a malformed escape in its
 * value is OT_ELIMIT, and a malformed key is skipped. */
int ot_form_param(const char *s, size_t n, const char *name, bool form, char *out,
                  size_t outcap);

void ot_resp_init(ot_resp *resp);
void ot_resp_free(ot_resp *resp);
/* Adds a response header (copied). */
int ot_resp_header(ot_resp *resp, const char *name, const char *value);

/* Percent-decoding of a path or query component ('+' is kept as '+'); returns the length or -1
 * on a malformed escape or if it does not fit (out gets a NUL). */
long ot_percent_decode(const char *in, size_t n, char *out, size_t outcap);

#endif
