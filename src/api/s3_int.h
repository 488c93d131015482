/* s3_int.h — internals of the embedded S3 REST API (path-style), shared by its files.
 *
 * api_s3.c routes a request to one operation; api_s3_bucket.c, api_s3_list.c and
 * api_s3_object.c implement them; s3_xml.c writes and reads the few XML shapes involved;
 * s3_body.c decodes aws-chunked bodies and checks Content-MD5 / x-amz-checksum-*. */
#ifndef OT_S3_INT_H
#define OT_S3_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "store/store.h"
#include "util/buf.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_KEY_MAX 1024

typedef struct s3_ctx {
    ot_api *srv;
    const ot_req *req;
    ot_resp *resp;
    bool head;            /* HEAD: errors carry a status and no body */
    char bucket[64];      /* "" for service-level requests */
    char *key;            /* decoded object key (malloc'd), NULL for bucket-level requests */
    size_t key_len;       /* bytes of key (a decoded %00 makes it differ from strlen) */
} s3_ctx;

/* Errors: an S3 <Error> document (status only for HEAD). */
void s3_error(s3_ctx *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a store error to its S3 error (NoSuchBucket, NoSuchKey, KeyConflict, InternalError). */
void s3_store_error(s3_ctx *c, int rc);
/* 400 MalformedXML. */
void s3_malformed_xml(s3_ctx *c);
/* Checks the bucket exists; sends NoSuchBucket and returns false otherwise. */
bool s3_need_bucket(s3_ctx *c);
/* Checks the object key can be stored; sends KeyTooLongError / InvalidArgument otherwise. */
bool s3_need_key(s3_ctx *c);

/* XML writing. */
void s3_xml_begin(ot_buf *b, const char *root);
void s3_xml_end(ot_buf *b, const char *root);
void s3_xml_escape(ot_buf *b, const char *s, size_t n);
/* <name>value</name>, escaped, or percent-encoded first when url is true. */
void s3_xml_elem(ot_buf *b, const char *name, const char *value, bool url);
void s3_xml_elem_u64(ot_buf *b, const char *name, uint64_t v);
void s3_url_encode(ot_buf *b, const char *s, size_t n);
void s3_owner(ot_buf *b, const char *account); /* <Owner> of an account */
void s3_time_iso(int64_t ms, char out[32]);   /* 2009-10-12T17:50:30.000Z */
void s3_time_http(int64_t ms, char out[40]);  /* Mon, 12 Oct 2009 17:50:30 GMT */

/* XML reading: finds the next <tag ...>...</tag> (or <tag/>) in [p, end); the content is
 * [*in, *in_end) and *after points past the element. Returns false if there is none. */
bool s3_xml_find(const char *p, const char *end, const char *tag, const char **in,
                 const char **in_end, const char **after);
/* Replaces the five XML entities and numeric character references; -1 on a malformed one or if
 * out (cap bytes, NUL added) is too small. */
long s3_xml_unescape(const char *p, size_t n, char *out, size_t cap);

/* Request bodies (s3_body.c). The decoded body is in *out (points into req->body or dec). */
typedef struct s3_body {
    const char *data;
    size_t len;
    ot_buf dec;           /* owned: the aws-chunked payload decoded */
    char trailer_checksum_name[40];
    char trailer_checksum[96];
} s3_body;
/* Decodes an aws-chunked body if the request has one. On failure it sends the error, frees what
 * it decoded and returns false; after true the caller releases the body with s3_body_free. */
bool s3_body_read(s3_ctx *c, s3_body *body);
/* Checks Content-MD5 and x-amz-checksum-* (header or trailer); sends BadDigest/InvalidDigest
 * and returns false on a mismatch. md5 is the body's MD5. The checksum checked is echoed into
 * the response headers. */
bool s3_body_verify(s3_ctx *c, const s3_body *body, const uint8_t md5[16]);
void s3_body_free(s3_body *body);
/* s3_body_read then s3_body_verify, for a small configuration body (policy, Block Public
 * Access): false when either sent an error (the body is then released already). */
bool s3_body_read_checked(s3_ctx *c, s3_body *body);

/* Write-once log buckets (s3_write_once.c): true if key exists under [prefix/]AWSLogs/ of a
 * bucket some trail names and the option is on; s3_write_once_deny sends 403 AccessDenied. */
bool s3_write_once_protected(s3_ctx *c, const char *key, size_t key_len);
void s3_write_once_deny(s3_ctx *c);
/* Whether a client may create key: not under a trail's log roots (option on) and not at a folder
 * of CloudTrail's layout. Sends 403 AccessDenied and returns false otherwise. */
bool s3_write_once_may_create(s3_ctx *c, const char *key, size_t key_len);

/* Access (s3_access.c). The caller's account (the server's for an unsigned-in principal). */
const char *s3_caller_account(const s3_ctx *c);
/* Whether the caller may do action on the request's bucket (object: on its key); sends
 * NoSuchBucket or 403 AccessDenied and returns false otherwise. */
bool s3_authorize(s3_ctx *c, const char *action, bool object);
/* The same decision for one key of the bucket, without sending anything (DeleteObjects). */
bool s3_allowed(s3_ctx *c, const char *action, const char *key, size_t klen);
/* True if the caller's account owns the bucket; sends NoSuchBucket / AccessDenied otherwise. */
bool s3_is_owner(s3_ctx *c);

/* Operations. */
void s3_list_buckets(s3_ctx *c);
void s3_create_bucket(s3_ctx *c);
void s3_head_bucket(s3_ctx *c);
void s3_delete_bucket(s3_ctx *c);
void s3_get_bucket_location(s3_ctx *c);
void s3_list_objects(s3_ctx *c, bool v2);
void s3_put_object(s3_ctx *c);
void s3_get_object(s3_ctx *c);
void s3_delete_object(s3_ctx *c);
void s3_delete_objects(s3_ctx *c);
void s3_put_bucket_policy(s3_ctx *c);
void s3_get_bucket_policy(s3_ctx *c);
void s3_delete_bucket_policy(s3_ctx *c);
void s3_put_public_access_block(s3_ctx *c);
void s3_get_public_access_block(s3_ctx *c);
void s3_delete_public_access_block(s3_ctx *c);

/* Block Public Access (s3_public_access.c). Whether the bucket's configuration forbids storing
 * this policy (BlockPublicPolicy and the policy is public): sends 403 AccessDenied and returns
 * true. */
bool s3_pab_refuses_policy(s3_ctx *c, const char *json, size_t len);
/* Whether the bucket's BlockPublicAcls forbids the request's x-amz-acl (public-read,
 * public-read-write, authenticated-read): sends 403 AccessDenied and returns true. */
bool s3_pab_refuses_acl(s3_ctx *c);
/* The policy history's record of this call: the caller, the request time, and the eventID its
 * audit record will carry (chosen now, into c->resp->audit_event_id). */
void s3_policy_version_of_call(s3_ctx *c, ot_policy_version *v);

#endif
