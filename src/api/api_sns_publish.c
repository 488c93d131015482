/* api_sns_publish.c — Publish: a message, an optional Subject and MessageAttributes, checked
 * against SNS's limits (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html), then
 * handed to the store, which makes it durable before the MessageId is answered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_sns_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"

#define MAX_MESSAGE_ATTRS 10
#define SUBJECT_MAX 99

static bool bad(ot_sns_call *c, const char *what)
{
    ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: %s", what);
    return false;
}

/* ASCII text without control characters or line breaks, 1..99 characters, as SNS wants. */
static bool subject_ok(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return n >= 1 && n <= SUBJECT_MAX;
}

static bool type_ok(const char *type)
{
    static const char *const PREFIXES[] = {"String", "Number", "Binary"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(PREFIXES[i]);
        if (!strncmp(type, PREFIXES[i], n) && (type[n] == '\0' || type[n] == '.'))
            return true;
    }
    return false;
}

/* One attribute, MessageAttributes.entry.<i>: 1 when added to the JSON object, 0 when there
 * is none, -1 after answering an error. *size grows by its name, type and value. */
static int read_attr(ot_sns_call *c, size_t i, ot_jw *w, size_t *size)
{
    char key[80], name[256], type[256], value_key[80];
    snprintf(key, sizeof key, "MessageAttributes.entry.%zu.Name", i);
    int rc = ot_snsapi_param(c, key, name, sizeof name);
    if (rc == OT_ENOTFOUND)
        return 0;
    snprintf(key, sizeof key, "MessageAttributes.entry.%zu.Value.DataType", i);
    if (rc || !name[0] || i > MAX_MESSAGE_ATTRS || ot_snsapi_param(c, key, type, sizeof type))
        return bad(c, "MessageAttributes"), -1;
    if (!type_ok(type)) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: MessageAttributes "
                        "Reason: The message attribute '%s' has an invalid message attribute "
                        "type, the set of supported type prefixes is Binary, Number, and String.",
                        name);
        return -1;
    }
    bool binary = !strncmp(type, "Binary", 6);
    snprintf(value_key, sizeof value_key, "MessageAttributes.entry.%zu.Value.%s", i,
             binary ? "BinaryValue" : "StringValue");
    char *value = ot_snsapi_param_dup(c, value_key, &rc);
    if (!value || !value[0]) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: MessageAttributes "
                        "Reason: The message attribute '%s' must contain non-empty message "
                        "attribute value for message attribute type '%s'.", name, type);
        free(value);
        return -1;
    }
    ot_jw_key(w, name);
    ot_jw_obj(w);
    ot_jw_kstr(w, "Type", type);
    ot_jw_kstr(w, "Value", value); /* a Binary value stays base64, as SNS sends it */
    ot_jw_end(w);
    *size += strlen(name) + strlen(type) + strlen(value);
    free(value);
    return 1;
}

/* The MessageAttributes as the JSON object of the notification into out, NUL-terminated (left
 * empty when there are none); false after answering an error. */
static bool read_attrs(ot_sns_call *c, ot_buf *out, size_t *size)
{
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    size_t n = 0;
    for (int rc; (rc = read_attr(c, n + 1, &w, size)) != 0; n++)
        if (rc < 0)
            return false;
    ot_jw_end(&w);
    if (!n) {
        ot_buf_reset(out);
        return true;
    }
    return !ot_jw_error(&w) && !ot_buf_putc(out, '\0') ? true : bad(c, "MessageAttributes");
}

/* The checks of Publish that need no topic; false after answering an error. */
static bool publish_args_ok(ot_sns_call *c, char subject[SUBJECT_MAX + 2], bool *has_subject)
{
    char probe[8];
    if (ot_snsapi_param(c, "PhoneNumber", probe, sizeof probe) != OT_ENOTFOUND)
        return bad(c, "PhoneNumber Reason: SMS is not supported by this server");
    if (ot_snsapi_param(c, "MessageStructure", probe, sizeof probe) != OT_ENOTFOUND)
        return bad(c, "MessageStructure Reason: per-protocol messages are not supported by "
                      "this server yet");
    int rc = ot_snsapi_param(c, "Subject", subject, SUBJECT_MAX + 2);
    *has_subject = rc != OT_ENOTFOUND;
    if (*has_subject && (rc || !subject_ok(subject)))
        return bad(c, "Subject");
    return true;
}

void ot_snsapi_publish(ot_sns_call *c)
{
    /* Publish is a data event in CloudTrail, not recorded with the management events
     * (https://docs.aws.amazon.com/sns/latest/dg/sns-logging-using-cloudtrail.html) */
    c->resp->skip_audit = true;
    char subject[SUBJECT_MAX + 2], probe[2], message_id[37];
    bool has_subject = false;
    ot_sns_topic t;
    const char *target = ot_snsapi_param(c, "TopicArn", probe, sizeof probe) == OT_ENOTFOUND
                             ? "TargetArn" : "TopicArn";
    if (!publish_args_ok(c, subject, &has_subject))
        return;
    if (ot_snsapi_param(c, target, probe, sizeof probe) == OT_ENOTFOUND) {
        bad(c, "TopicArn or TargetArn Reason: no value for required parameter");
        return;
    }
    if (!ot_snsapi_topic(c, target, &t))
        return;
    int rc = 0;
    char *message = ot_snsapi_param_dup(c, "Message", &rc);
    ot_buf attrs;
    ot_buf_init(&attrs, (size_t)OT_SNS_MESSAGE_MAX * 8);
    size_t size = message ? strlen(message) : 0;
    if (!message || !message[0])
        bad(c, rc == OT_ELIMIT ? "Message" : "Empty message");
    else if (!read_attrs(c, &attrs, &size))
        ; /* answered */
    else if (size > OT_SNS_MESSAGE_MAX)
        bad(c, "Message too long");
    else {
        ot_sns_message m = {t.arn, has_subject ? subject : NULL, message,
                            attrs.len ? attrs.data : NULL};
        rc = ot_sns_publish(c->sns, &m, message_id);
        if (rc)
            ot_snsapi_store_error(c, rc, "Topic does not exist");
        else
            ot_snsapi_answer_one(c, "MessageId", message_id);
    }
    ot_buf_free(&attrs);
    free(message);
}
