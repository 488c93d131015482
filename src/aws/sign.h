/* sign.h — the SigV4 signing core, shared by the server's verifier (api/sigv4.c) and the
 * outbound AWS client (aws/client.c), so both build the canonical request one way.
 *
 * The canonical request is built as botocore (auth.py) builds it:
 *   - URI: S3 signs the path exactly as sent; every other service removes dot segments and
 *     empty segments, then percent-encodes the (already encoded) path once more.
 *   - Query: each name and value is decoded and re-encoded with the RFC 3986 unreserved set,
 *     then the pairs are sorted by encoded name, then encoded value. Presigned URLs leave out
 *     X-Amz-Signature.
 *   - Headers: the SignedHeaders list, in the order given; repeated headers joined with ',';
 *     values trimmed and inner whitespace runs collapsed (Python's ' '.join(v.split())).
 *   - Payload: the hash the caller passes. */
#ifndef OT_AWS_SIGN_H
#define OT_AWS_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define OT_AWS_ALGORITHM "AWS4-HMAC-SHA256"
#define OT_AWS_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A header as the signer sees it: name lowercased. Borrowed. */
typedef struct ot_aws_kv {
    const char *name;
    const char *value;
} ot_aws_kv;

/* Everything the canonical request is made of. All strings borrowed. */
typedef struct ot_aws_canon {
    const char *method;
    const char *path;            /* as sent, still percent-encoded, without the query */
    const char *query;           /* as sent, without '?'; NULL or "" if none */
    const ot_aws_kv *headers;
    size_t nheaders;
    const char *signed_headers;  /* "host;x-amz-date" */
    const char *payload_hash;    /* hex SHA-256, UNSIGNED-PAYLOAD, ... */
    bool s3;                     /* S3's path rule (the path as sent) */
    bool presigned;              /* leave X-Amz-Signature out of the query */
} ot_aws_canon;

/* Who signs, where, when: the credential scope plus the request time. */
typedef struct ot_aws_scope {
    const char *amz_date;        /* yyyymmddThhmmssZ */
    const char *date;            /* yyyymmdd */
    const char *region;
    const char *service;
} ot_aws_scope;

/* Appends the canonical request to out. OT_ELIMIT if out's cap is reached (untrusted input),
 * OT_ENOMEM. */
int ot_aws_canonical_request(ot_buf *out, const ot_aws_canon *c);

/* The hex signature of a canonical request: string to sign, then the derived signing key
 * (HMAC chain over date, region, service, "aws4_request"). */
int ot_aws_signature(const char *canonical, size_t len, const ot_aws_scope *scope,
                     const char *secret_key, char signature_hex[65]);

/* Both steps; the canonical request is capped at 1 MiB. */
int ot_aws_sign_canon(const ot_aws_canon *c, const ot_aws_scope *scope, const char *secret_key,
                      char signature_hex[65]);

/* Python's str.isspace() over ASCII, which is what botocore's value.split() splits on. */
bool ot_aws_space(unsigned char c);

/* "yyyymmddThhmmssZ" of a time in ms since the epoch. */
void ot_aws_amz_date(int64_t ms, char out[17]);

#endif
