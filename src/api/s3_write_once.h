/* s3_write_once.h — where trail delivery writes in a bucket, and the keys that would get in its
 * way (used by the S3 API's write-once checks and by CreateTrail / UpdateTrail).
 *
 * A trail delivers under its "log roots": "[P/]AWSLogs/<account>/CloudTrail/" and
 * "[P/]AWSLogs/<account>/CloudTrail-Digest/", or "[P/]AWSLogs/<org-id>/" for an organization
 * trail (P = the trail's S3KeyPrefix without trailing '/'). */
#ifndef OT_S3_WRITE_ONCE_H
#define OT_S3_WRITE_ONCE_H

#include <stdbool.h>
#include <stddef.h>

struct ot_store;

#define OT_LOG_ROOT_MAX 320

typedef struct ot_log_roots {
    char root[2][OT_LOG_ROOT_MAX];
    size_t n;
} ot_log_roots;

/* The log roots of a trail; org_id is "" for a trail that is not an organization trail. */
void ot_log_roots_make(const char *prefix, const char *account, const char *org_id,
                       ot_log_roots *out);
/* True if writing key would put an object inside a log root, or an object (not a folder marker)
 * where a log root needs a folder: "AWSLogs" or "team/a" for the root "team/a/AWSLogs/...". */
bool ot_log_roots_blocked_by(const ot_log_roots *r, const char *key, size_t klen);
/* True if key names an object at a folder level of CloudTrail's layout, under any "AWSLogs"
 * segment: AWSLogs, AWSLogs/<id>, AWSLogs/<org-id>/<acct>,
 * AWSLogs/<id>/CloudTrail[-Digest][/<region>[/yyyy[/mm[/dd]]]]
 * (one more level for organization trails). Such an object would stop delivery of any trail
 * created over it later, so the S3 API refuses them whether or not a trail exists. */
bool ot_log_key_is_folder(const char *key, size_t klen);
/* Finds an object already stored where r needs a folder (the ancestors of each root). Copies its
 * key into out and returns true if there is one. */
bool ot_log_roots_find_blocker(struct ot_store *s, const char *bucket, const ot_log_roots *r,
                               char *out, size_t cap);

#endif
