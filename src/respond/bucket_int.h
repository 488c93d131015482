/* bucket_int.h — private to src/respond: the bucket-policy-restore runbook (bucket_restore.c),
 * its S3 calls as the responder (bucket_invoke.c) and its incident (bucket_incident.c). */
#ifndef OT_BUCKET_INT_H
#define OT_BUCKET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "respond/respond_int.h"
#include "store/store.h"

#define RB_BUCKET_RESTORE "bucket-policy-restore"

/* Whether the record is a trigger of bucket-policy-restore: a successful PutBucketPolicy,
 * DeleteBucketPolicy, PutBucketPublicAccessBlock or DeleteBucketPublicAccessBlock of
 * s3.amazonaws.com. */
bool rb_bucket_restore_wants(const ot_event *ev);
/* Runs the runbook for one trigger: 0 when done (acted or not; an incident written when the
 * bucket was public), an error only when the incident could not be stored. */
int rb_bucket_restore_run(ot_runbooks *rb, rb_trigger *t);

/* The answer of one S3 call made as the responder. */
typedef struct rb_s3_call {
    int status;
    char error_code[128];     /* "" on success */
    char error_message[512];
    char event_id[37];        /* the eventID of the call's audit record */
    int64_t at_ms;            /* when it was made (its eventTime) */
} rb_s3_call;

/* Calls the embedded S3 API in process: method on /<bucket>?<subresource> with body (may be
 * NULL), as the responder of runbook in account and region; the call is audited. 0 when it
 * succeeded, OT_EINVAL when S3 answered an error (in call). */
int rb_invoke_s3(ot_api *srv, const char *account, const char *region, const char *method,
                 const char *bucket, const char *subresource, const char *body,
                 rb_s3_call *call);

/* What the runbook found and did, for the incident (docs/runbooks.md "bucket-policy-restore"). */
typedef struct rb_bucket_outcome {
    const char *status;         /* restored, no-action-needed, dry-run, failed */
    bool dry_run;
    char bucket[64];
    char change[400];           /* what the trigger did, in words */
    char verdict[300];          /* why the policy is public (the statement) */
    const char *new_policy;     /* the public policy the trigger left in force (JSON text) */
    const char *previous;       /* the version before it (NULL: none, or a deletion) */
    bool have_restore;          /* a non-public earlier version (restore) was found */
    const ot_policy_version *restore; /* it (its policy NULL: delete the policy); or NULL */
    bool public_before, public_after;
    int pab_before, pab_after;  /* Block Public Access bits, -1 when none is set */
    int64_t exposed_until_ms;   /* the exposure's end: our restore, a later fix, 0 = still */
    char taken[128];            /* the changing calls, ", "-separated; "" = none */
    char steps[600];            /* the steps in words, "; "-separated */
    char error[512];
    char own_event_id[37];      /* the eventID of our restoring call */
} rb_bucket_outcome;

/* Writes, publishes and stores the incident of t (idempotent per trigger, as
 * rb_incident_put). */
int rb_bucket_incident(ot_runbooks *rb, const rb_trigger *t, const rb_bucket_outcome *o);

#endif
