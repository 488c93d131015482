/* sns_publish.c — Publish: the notification JSON a subscriber gets and the outbox rows that
 * make delivery durable.
 *
 * The message is written as SNS sends it to HTTP/S endpoints
 * (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html). One row per
 * confirmed subscription is committed (synchronous=FULL) before Publish answers; the delivery
 * thread is then woken. Every message is signed (SignatureVersion 2, sns_sign.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sns/sns_int.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/sql.h"
#include "util/timeutil.h"

/* "2012-05-02T00:54:06.655Z", as SNS writes Timestamp. */
static void timestamp_ms(int64_t ms, char out[32])
{
    char secs[32];
    ot_time_iso8601(ms, secs); /* "YYYY-MM-DDTHH:MM:SSZ" */
    snprintf(out, 32, "%.19s.%03dZ", secs, (int)(ms % 1000));
}

static void write_signature(ot_jw *w, const ot_sns_signature *sig)
{
    ot_jw_kstr(w, "SignatureVersion", sig->version);
    ot_jw_kstr(w, "Signature", sig->signature);
    ot_jw_kstr(w, "SigningCertURL", sig->cert_url);
}

int ot_sns_notification_json(ot_buf *out, const ot_sns_message *m, const char *message_id,
                             int64_t timestamp_ms_, const char *unsubscribe_url,
                             const ot_sns_signature *sig)
{
    static const ot_sns_signature unsigned_ = {"", "", ""};
    sig = sig ? sig : &unsigned_;
    char ts[32];
    timestamp_ms(timestamp_ms_, ts);
    ot_buf_reset(out);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "Type", "Notification");
    ot_jw_kstr(&w, "MessageId", message_id);
    ot_jw_kstr(&w, "TopicArn", m->topic_arn);
    if (m->subject)
        ot_jw_kstr(&w, "Subject", m->subject);
    ot_jw_kstr(&w, "Message", m->message);
    ot_jw_kstr(&w, "Timestamp", ts);
    write_signature(&w, sig);
    ot_jw_kstr(&w, "UnsubscribeURL", unsubscribe_url);
    if (m->attributes_json) {
        ot_jw_key(&w, "MessageAttributes");
        ot_jw_raw(&w, m->attributes_json, strlen(m->attributes_json));
    }
    ot_jw_end(&w);
    return ot_jw_error(&w) ? OT_ENOMEM : OT_OK;
}

typedef struct publish_args {
    ot_sns *sns;
    const ot_sns_message *m;
    const char *message_id;
    int64_t now_ms;
} publish_args;

static void read_arn(sqlite3_stmt *st, void *row)
{
    ot_sql_col_text(st, 0, row, OT_SNS_SUB_ARN_MAX);
}

/* The outbox row of one subscription: the message with its own UnsubscribeURL. */
static int enqueue(sqlite3 *sql, const publish_args *a, const char *sub_arn, ot_buf *body)
{
    char url[OT_SNS_SUB_ARN_MAX + 320];
    snprintf(url, sizeof url, "%s/?Action=Unsubscribe&SubscriptionArn=%s", a->sns->public_url,
             sub_arn);
    char ts[32], signature[700];
    timestamp_ms(a->now_ms, ts);
    const char *fields[] = {"Message", a->m->message, "MessageId", a->message_id,
                            "Subject", a->m->subject, "Timestamp", ts,
                            "TopicArn", a->m->topic_arn, "Type", "Notification"};
    int rc = ot_sns_sign(a->sns->sign_key, fields, 12, signature, sizeof signature);
    ot_sns_signature sig = {"2", signature, a->sns->cert_url};
    if (!rc)
        rc = ot_sns_notification_json(body, a->m, a->message_id, a->now_ms, url, &sig);
    if (rc || (rc = ot_buf_putc(body, '\0')))
        return rc;
    return ot_sns_enqueue(sql, sub_arn, a->message_id, "Notification", body->data);
}

static int publish_tx(sqlite3 *sql, const void *arg)
{
    const publish_args *a = arg;
    const char *p[] = {a->m->topic_arn};
    int rc = ot_sns_topic_exists(sql, a->m->topic_arn);
    if (rc)
        return rc;
    char (*arns)[OT_SNS_SUB_ARN_MAX] = NULL;
    size_t n = 0;
    rc = ot_sql_select(sql, "SELECT arn FROM sns_subs WHERE topic_arn=?1 AND confirmed=1"
                            " ORDER BY arn", p, 1, OT_SNS_SUB_ARN_MAX, read_arn,
                       "sns subscribers", (void **)&arns, &n);
    ot_buf body;
    ot_buf_init(&body, (size_t)OT_SNS_MESSAGE_MAX * 8); /* escaping grows it, at most 6x */
    for (size_t i = 0; !rc && i < n; i++)
        rc = enqueue(sql, a, arns[i], &body);
    ot_buf_free(&body);
    free(arns);
    return rc;
}

int ot_sns_publish(ot_sns *sns, const ot_sns_message *m, char message_id[37])
{
    ot_uuid4(message_id);
    publish_args a = {sns, m, message_id, ot_now_ms()};
    int rc = ot_sns_tx(sns, publish_tx, &a);
    if (!rc)
        ot_sns_kick(sns);
    return rc;
}

int ot_sns_enqueue(sqlite3 *sql, const char *sub_arn, const char *message_id, const char *type,
                   const char *body)
{
    const char *p[] = {sub_arn, message_id, type, body};
    return ot_sns_exec(sql, "INSERT INTO sns_outbox (sub_arn, message_id, type, body)"
                            " VALUES (?1,?2,?3,?4)", p, 4, NULL);
}

int ot_sns_confirmation_json(ot_buf *out, const ot_sns *sns, const ot_sns_sub *s,
                             const char *message_id, int64_t now_ms)
{
    char ts[32], text[OT_SNS_ARN_MAX + 160], url[OT_SNS_ARN_MAX + 400], signature[700];
    timestamp_ms(now_ms, ts);
    snprintf(text, sizeof text, "You have chosen to subscribe to the topic %s.\nTo confirm the "
             "subscription, visit the SubscribeURL included in this message.", s->topic_arn);
    snprintf(url, sizeof url, "%s/?Action=ConfirmSubscription&TopicArn=%s&Token=%s",
             sns->public_url, s->topic_arn, s->token);
    const char *fields[] = {"Message", text, "MessageId", message_id, "SubscribeURL", url,
                            "Timestamp", ts, "Token", s->token, "TopicArn", s->topic_arn,
                            "Type", "SubscriptionConfirmation"};
    int rc = ot_sns_sign(sns->sign_key, fields, 14, signature, sizeof signature);
    if (rc)
        return rc;
    ot_buf_reset(out);
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    ot_jw_kstr(&w, "Type", "SubscriptionConfirmation");
    ot_jw_kstr(&w, "MessageId", message_id);
    ot_jw_kstr(&w, "Token", s->token);
    ot_jw_kstr(&w, "TopicArn", s->topic_arn);
    ot_jw_kstr(&w, "Message", text);
    ot_jw_kstr(&w, "SubscribeURL", url);
    ot_jw_kstr(&w, "Timestamp", ts);
    write_signature(&w, &(ot_sns_signature){"2", signature, sns->cert_url});
    ot_jw_end(&w);
    return ot_jw_error(&w) || ot_buf_putc(out, '\0') ? OT_ENOMEM : OT_OK;
}
