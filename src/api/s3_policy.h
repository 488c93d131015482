/* s3_policy.h — bucket policies: the part of the IAM policy language opentrail evaluates, and the
 * access decision for a bucket (its owner, then its policy).
 *
 * Supported (anything else is refused by ot_s3_policy_check, never ignored):
 *   top level   Version ("2012-10-17" | "2008-10-17"), Id, Statement (one or a list)
 *   statement   Sid, Effect ("Allow" | "Deny"), Principal, Action, Resource, Condition
 *   Principal   "*" | {"AWS": "*" | "<account id>" | "arn:aws:iam::<id>:root" |
 *               "arn:aws:iam::<id>:user/<name>" (one or a list),
 *               "Service": "<name>.amazonaws.com" (one or a list)}
 *   Action      "*" | "s3:<name>" with '*' / '?' wildcards, case-insensitive (one or a list)
 *   Resource    "arn:aws:s3:::<this bucket>" | "arn:aws:s3:::<this bucket>/<key glob>" (list ok)
 *   Condition   StringEquals | StringLike | ArnEquals | ArnLike on aws:SourceArn,
 *               aws:SourceAccount, s3:x-amz-acl; blocks and keys are ANDed, values ORed; a key the
 *               request does not carry does not match.
 * Evaluation is deny-by-default: an explicit Deny wins, then an Allow, else nothing matched. */
#ifndef OT_S3_POLICY_H
#define OT_S3_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct ot_store;

#define OT_POLICY_MAX_BYTES 20480 /* S3's limit on a bucket policy */
#define OT_CLOUDTRAIL_SERVICE "cloudtrail.amazonaws.com"

/* One request as a policy sees it. */
typedef struct ot_s3_access {
    const char *account;        /* the caller's account; NULL when a service acts */
    const char *arn;            /* the caller's principal ARN; NULL when a service acts */
    const char *service;        /* e.g. OT_CLOUDTRAIL_SERVICE; NULL for an account's caller */
    const char *action;         /* "s3:GetObject", ... */
    const char *bucket;
    const char *key;            /* NULL for a bucket-level action */
    size_t key_len;
    const char *source_arn;     /* aws:SourceArn, or NULL */
    const char *source_account; /* aws:SourceAccount, or NULL */
    const char *acl;            /* s3:x-amz-acl, or NULL */
} ot_s3_access;

typedef enum { OT_POLICY_NO_MATCH, OT_POLICY_ALLOW, OT_POLICY_DENY } ot_policy_result;

/* Validates a policy for bucket: 0, or OT_EINVAL with the reason (for MalformedPolicy) in err. */
int ot_s3_policy_check(const char *json, size_t len, const char *bucket, char *err,
                       size_t errlen);
/* Evaluates a (checked) policy for one request. A document that does not check gives DENY. */
ot_policy_result ot_s3_policy_eval(const char *json, size_t len, const ot_s3_access *a);

/* Whether a policy makes its bucket public, by S3's rule (s3_policy_public.c): an Allow to
 * "*" or {"AWS": "*"} without a condition pinning a key such as aws:SourceIp, aws:SourceVpc,
 * aws:PrincipalOrgID, aws:SourceAccount or aws:SourceArn to fixed values. Any JSON is read
 * (not only policies ot_s3_policy_check accepts); unparsable text is not public. why (may be
 * NULL) names the first public statement. */
bool ot_s3_policy_is_public(const char *json, size_t len, char *why, size_t whylen);

/* The account that owns bucket: its owner record, or default_owner for a bucket without one
 * (created before owners were recorded). OT_ENOTFOUND if there is no bucket. */
int ot_s3_bucket_owner(struct ot_store *s, const char *bucket, const char *default_owner,
                       char owner[16]);
/* The decision: the owner's account may do anything its bucket's policy does not deny; anyone
 * else (another account, a service) only what the policy allows. Returns 0 and sets *allowed,
 * OT_ENOTFOUND if there is no bucket, or a store error. */
int ot_s3_access_check(struct ot_store *s, const char *default_owner, const ot_s3_access *a,
                       bool *allowed);

#endif
