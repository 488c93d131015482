/* sigv4.h — AWS Signature Version 4 verification of incoming requests.
 *
 * Supports the Authorization header form (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...) and presigned URLs (X-Amz-Algorithm / X-Amz-Credential / X-Amz-Date /
 * X-Amz-Expires / X-Amz-SignedHeaders / X-Amz-Signature in the query). The canonical request is
 * built exactly as botocore builds it: S3 uses the path as sent; other services encode it once
 * more; the query is sorted by encoded name then value; signed headers are trimmed and joined. */
#ifndef OT_SIGV4_H
#define OT_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "api/http.h"

#define OT_SIGV4_MAX_SKEW_MS (15 * 60 * 1000)

typedef struct ot_sigv4_scope {
    char access_key[129];
    char date[9];            /* yyyymmdd from the credential scope */
    char region[33];
    char service[33];
    char amz_date[17];       /* yyyymmddThhmmssZ */
    char signed_headers[1024];
    char signature[65];
    int64_t expires_s;       /* presigned only; 0 otherwise */
    int presigned;
} ot_sigv4_scope;

/* An authentication failure, in the vocabulary of the calling protocol. */
typedef struct ot_sigv4_error {
    int status;              /* 403 normally; 400 for malformed authorization */
    const char *json_code;   /* for JSON services, e.g. "InvalidSignatureException" */
    const char *xml_code;    /* for S3, e.g. "SignatureDoesNotMatch" */
    char message[512];
    /* Where S3 answers differently from the JSON services (all static strings or 0/NULL for
     * "the same as above"): its status, its message, and one extra element of its <Error>
     * (e.g. <HeadersNotSigned>host</HeadersNotSigned>). */
    int xml_status;
    const char *xml_message;
    const char *xml_detail_name, *xml_detail;
    /* For query-protocol services (STS): the code, and the message where it differs from
     * message (NULL: the same). */
    const char *query_code;
    const char *query_message;
} ot_sigv4_error;

/* Extracts the scope from the request. Returns 0, OT_ENOTFOUND if the request carries no SigV4
 * at all (err filled: MissingAuthenticationToken / AccessDenied), OT_EINVAL for a Signature
 * Version 2 request (an "AWS AKID:sig" header, or a query with AWSAccessKeyId or Signature: 400
 * IncompleteSignatureException / S3 InvalidRequest "The authorization mechanism you have
 * provided is not supported. Please use AWS4-HMAC-SHA256."), or OT_EINVAL if malformed
 * (err filled: IncompleteSignatureException / AuthorizationHeaderMalformed), if the scope's
 * region is not a region name (ot_region_valid; InvalidSignatureException "Credential should
 * be scoped to a valid region" / AuthorizationHeaderMalformed) or if host is not a signed
 * header (IncompleteSignatureException / AccessDenied HeadersNotSigned). On success the
 * scope's region is a valid region name. */
int ot_sigv4_parse(const ot_req *req, ot_sigv4_scope *scope, ot_sigv4_error *err);

/* Verifies the signature with the secret key and checks the clock (15 minutes either way of
 * now_ms; presigned URLs: within X-Amz-Expires). The payload hash: for S3, the
 * x-amz-content-sha256 header when present ("UNSIGNED-PAYLOAD" and the STREAMING-* values are
 * accepted as sent; a hash must match the body), UNSIGNED-PAYLOAD for a presigned URL without
 * it; for every other service always the SHA-256 of req->body, as AWS computes it there (so
 * UNSIGNED-PAYLOAD does not verify). Returns 0 or OT_EINVAL with err filled
 * (InvalidSignatureException / SignatureDoesNotMatch, or "Signature expired" /
 * RequestTimeTooSkewed). */
int ot_sigv4_verify(const ot_req *req, const ot_sigv4_scope *scope, const char *secret_key,
                    int64_t now_ms, ot_sigv4_error *err);

/* Fills err for an access key the server does not know: 403 UnrecognizedClientException
 * "The security token included in the request is invalid." for the JSON services, 403
 * InvalidAccessKeyId "The AWS Access Key Id you provided does not exist in our records." for
 * S3. */
void ot_sigv4_error_unknown_key(ot_sigv4_error *err);

/* Computes the signature a client would send (for tests and for the load client). */
int ot_sigv4_sign(const ot_req *req, const ot_sigv4_scope *scope, const char *secret_key,
                  char signature_hex[65]);

#endif
