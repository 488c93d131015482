/* sns.h — SNS-compatible topics: their storage in state.db and the delivery of published
 * messages.
 *
 * Topics, their attributes and tags, subscriptions and an outbox of messages still to deliver
 * live in the data dir's state.db (tables sns_*), on a connection of this module's own. Publish
 * commits one outbox row per confirmed subscription before it returns, so an accepted message
 * survives kill -9; a delivery thread sends each row and deletes it only once delivered, so a
 * message is delivered at least once (a duplicate after a crash keeps its MessageId). The only
 * protocols delivered are `file` (one JSON message a line appended to DATA-DIR/sns/<name>) and
 * `http`/`https` (a POST of the JSON, as SNS sends it, after the SubscriptionConfirmation
 * handshake).
 * The API (api/api_sns.c) validates requests and maps these OT_E* codes to SNS's errors. */
#ifndef OT_SNS_H
#define OT_SNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot_sns ot_sns;

#define OT_SNS_NAME_MAX 256      /* topic name: 1..256 of [A-Za-z0-9_-] */
#define OT_SNS_ARN_MAX 352       /* arn:aws:sns:<region>:<account>:<name> */
#define OT_SNS_SUB_ARN_MAX 400   /* <topic arn>:<uuid> */
#define OT_SNS_ENDPOINT_MAX 512
#define OT_SNS_ATTR_VALUE_MAX 30720
#define OT_SNS_TAG_KEY_MAX 128
#define OT_SNS_TAG_VALUE_MAX 256
#define OT_SNS_TAGS_MAX 50       /* tags per topic */
#define OT_SNS_MESSAGE_MAX 262144 /* 256 KiB: message plus its attributes */
#define OT_SNS_PAGE 100          /* ListTopics / ListSubscriptions page size */

typedef struct ot_sns_opts {
    const char *data_dir;   /* state.db and sns/ (file endpoints) live here */
    const char *public_url; /* base of the UnsubscribeURL in messages, e.g. http://host:4590 */
    bool no_fsync;          /* do not fsync file endpoints (benchmarks only) */
} ot_sns_opts;

/* Opens the tables in DATA-DIR/state.db (made if missing), makes DATA-DIR/sns and starts the
 * delivery thread, which first delivers what a previous run left in the outbox. */
int ot_sns_open(const ot_sns_opts *opts, ot_sns **out);
/* Stops the delivery thread (undelivered messages stay in the outbox) and closes. NULL is ok. */
void ot_sns_close(ot_sns *sns);

/* ---- names (sns_name.c) ---- */

/* Whether name is a standard topic name: 1..256 of [A-Za-z0-9_-]. */
bool ot_sns_topic_name_ok(const char *name);
/* Splits a topic ARN arn:aws:sns:<region>:<12-digit account>:<name>; OT_EINVAL if it is not
 * one (region and account are written when not NULL: 32 and 16 bytes). */
int ot_sns_topic_arn_parse(const char *arn, char *region, char *account, char *name);
/* The topic ARN of a subscription ARN (<topic arn>:<36-char id>); OT_EINVAL if it is not one. */
int ot_sns_sub_arn_topic(const char *sub_arn, char topic_arn[OT_SNS_ARN_MAX]);
/* Whether a `file` endpoint is a plain file name under DATA-DIR/sns: 1..255 bytes of
 * [A-Za-z0-9._-], not starting with '.', so no '/' and no "..". */
bool ot_sns_file_endpoint_ok(const char *endpoint);

/* ---- topics (sns_topics.c) ---- */

typedef struct ot_sns_topic {
    char arn[OT_SNS_ARN_MAX];
    char account_id[16];
    char region[32];
    char name[OT_SNS_NAME_MAX + 1];
    int64_t created_ms;
} ot_sns_topic;

typedef struct ot_sns_attr {
    char name[64];
    char value[OT_SNS_ATTR_VALUE_MAX + 1];
} ot_sns_attr;

typedef struct ot_sns_tag {
    char key[OT_SNS_TAG_KEY_MAX + 1];
    char value[OT_SNS_TAG_VALUE_MAX + 1];
} ot_sns_tag;

/* Creates topic t (arn, account_id, region, name filled) with attributes and tags, in one
 * transaction. A topic of that ARN already there is success (*existed set, nothing changed)
 * unless tags are given and differ from its tags: OT_EEXIST. OT_ELIMIT: too many tags. */
int ot_sns_topic_create(ot_sns *sns, const ot_sns_topic *t, const ot_sns_attr *attrs,
                        size_t nattrs, const ot_sns_tag *tags, size_t ntags, bool *existed);
/* OT_ENOTFOUND if there is no topic of that ARN. */
int ot_sns_topic_get(ot_sns *sns, const char *arn, ot_sns_topic *out);
/* Deletes the topic, its attributes, tags, subscriptions and their undelivered messages.
 * Deleting a topic that does not exist is OT_ENOTFOUND. */
int ot_sns_topic_delete(ot_sns *sns, const char *arn);
/* Up to limit topics of account in region with ARN > after (""), in ARN order; malloc'd. */
int ot_sns_topic_list(ot_sns *sns, const char *account, const char *region, const char *after,
                      size_t limit, ot_sns_topic **out, size_t *n);

/* Sets (or replaces) one attribute of an existing topic; OT_ENOTFOUND if it is gone. */
int ot_sns_attr_set(ot_sns *sns, const char *topic_arn, const char *name, const char *value);
/* The stored attributes of a topic, by name; malloc'd. */
int ot_sns_attr_list(ot_sns *sns, const char *topic_arn, ot_sns_attr **out, size_t *n);

/* Adds or replaces tags; OT_ENOTFOUND (no topic), OT_ELIMIT (more than OT_SNS_TAGS_MAX). */
int ot_sns_tag_put(ot_sns *sns, const char *topic_arn, const ot_sns_tag *tags, size_t n);
/* Removes the tags of these keys (absent keys are fine); OT_ENOTFOUND (no topic). */
int ot_sns_tag_delete(ot_sns *sns, const char *topic_arn, const char *const *keys, size_t n);
/* The tags of a topic, by key; malloc'd. */
int ot_sns_tag_list(ot_sns *sns, const char *topic_arn, ot_sns_tag **out, size_t *n);

/* ---- subscriptions (sns_subs.c) ---- */

typedef struct ot_sns_sub {
    char arn[OT_SNS_SUB_ARN_MAX];
    char topic_arn[OT_SNS_ARN_MAX];
    char owner[16];
    char protocol[16];
    char endpoint[OT_SNS_ENDPOINT_MAX + 1];
    bool confirmed;
    char token[72];          /* the confirmation token of a pending subscription */
    bool auth_unsubscribe;   /* Unsubscribe only signed (AuthenticateOnUnsubscribe) */
    /* delivery status, kept by the delivery thread: */
    int64_t attempts;        /* delivery attempts, successful or not */
    int64_t delivered;       /* messages delivered */
    int64_t last_attempt_ms;
    int64_t last_success_ms;
    char last_error[256];    /* of the last failed attempt, "" after a success */
    int64_t backlog;         /* messages in the outbox for it (filled by get) */
} ot_sns_sub;

/* Subscribes s->endpoint with s->protocol ("file", "http", "https") to s->topic_arn for
 * s->owner; fills s->arn (a new one, or the existing subscription's for the same topic,
 * protocol and endpoint: SNS answers that one again), s->confirmed (a `file` endpoint is
 * confirmed at once) and s->token. A new http/https subscription is pending: a
 * SubscriptionConfirmation with its token is queued for its endpoint in the same transaction.
 * OT_ENOTFOUND if the topic is gone. */
int ot_sns_sub_create(ot_sns *sns, ot_sns_sub *s);
int ot_sns_sub_get(ot_sns *sns, const char *arn, ot_sns_sub *out);
/* Confirms the pending subscription of topic_arn holding token; OT_ENOTFOUND if none.
 * auth_unsubscribe (AuthenticateOnUnsubscribe, from a signed call) takes away its unsigned
 * UnsubscribeURL for good. */
int ot_sns_sub_confirm(ot_sns *sns, const char *topic_arn, const char *token,
                       bool auth_unsubscribe, ot_sns_sub *out);
/* Deletes a subscription and its undelivered messages; OT_ENOTFOUND if there is none. */
int ot_sns_sub_delete(ot_sns *sns, const char *arn);
/* Up to limit subscriptions of account's topics in region (of topic_arn only, when not NULL) with
 * ARN > after, in ARN order; malloc'd. */
int ot_sns_sub_list(ot_sns *sns, const char *account, const char *region, const char *topic_arn,
                    const char *after, size_t limit, ot_sns_sub **out, size_t *n);
/* How many confirmed and pending subscriptions a topic has. */
int ot_sns_sub_counts(ot_sns *sns, const char *topic_arn, int64_t *confirmed, int64_t *pending);

/* ---- publishing (sns_publish.c) ---- */

typedef struct ot_sns_message {
    const char *topic_arn;
    const char *subject;            /* NULL: none */
    const char *message;
    const char *attributes_json;    /* the MessageAttributes JSON object, or NULL: none */
} ot_sns_message;

/* Gives the message a MessageId (uuid, written to message_id) and commits one outbox row per
 * confirmed subscription of its topic before returning, then wakes the delivery thread.
 * OT_ENOTFOUND if the topic is gone. */
int ot_sns_publish(ot_sns *sns, const ot_sns_message *m, char message_id[37]);

/* The signature fields of a message: SignatureVersion, Signature, SigningCertURL. */
typedef struct ot_sns_signature {
    const char *version, *signature, *cert_url;
} ot_sns_signature;

/* Writes the notification JSON SNS sends to a subscriber (Type "Notification", MessageId,
 * TopicArn, Subject, Message, Timestamp, SignatureVersion, Signature, SigningCertURL,
 * UnsubscribeURL, MessageAttributes) into out (reset first); sig NULL leaves the signature
 * fields empty. 0 or OT_ENOMEM. */
struct ot_buf;
int ot_sns_notification_json(struct ot_buf *out, const ot_sns_message *m, const char *message_id,
                             int64_t timestamp_ms, const char *unsubscribe_url,
                             const ot_sns_signature *sig);

/* Where the signing certificate is served (unsigned GET), below the server's URL. */
#define OT_SNS_CERT_PATH "/SimpleNotificationService-opentrail.pem"
/* The signing certificate, PEM text (static for the life of sns). */
const char *ot_sns_signing_cert(const ot_sns *sns);

#endif
