/* api_sns_topics.c — the topic operations: CreateTopic, DeleteTopic, ListTopics,
 * Get/SetTopicAttributes and the tag operations
 * (https://docs.aws.amazon.com/sns/latest/api/API_Operations.html). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_sns_int.h"
#include "api/aws_error.h"
#include "util/err.h"

#define MAX_ATTRS 32

/* The topic attributes SNS lets CreateTopic and SetTopicAttributes set on a standard topic
 * (https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html). They are stored
 * and answered back; none of them changes what this server does yet. */
static const char *const SETTABLE[] = {
    "DeliveryPolicy", "DisplayName", "Policy", "TracingConfig", "KmsMasterKeyId",
    "SignatureVersion", "HTTPSuccessFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate",
    "HTTPFailureFeedbackRoleArn", "FirehoseSuccessFeedbackRoleArn",
    "FirehoseSuccessFeedbackSampleRate", "FirehoseFailureFeedbackRoleArn",
    "LambdaSuccessFeedbackRoleArn", "LambdaSuccessFeedbackSampleRate",
    "LambdaFailureFeedbackRoleArn", "ApplicationSuccessFeedbackRoleArn",
    "ApplicationSuccessFeedbackSampleRate", "ApplicationFailureFeedbackRoleArn",
    "SQSSuccessFeedbackRoleArn", "SQSSuccessFeedbackSampleRate", "SQSFailureFeedbackRoleArn",
};

static bool settable(const char *name)
{
    for (size_t i = 0; i < sizeof SETTABLE / sizeof SETTABLE[0]; i++)
        if (!strcmp(SETTABLE[i], name))
            return true;
    return false;
}

/* FIFO topics are not served: say so instead of making a standard topic. */
static bool refuse_fifo(ot_sns_call *c)
{
    ot_snsapi_error(c, 400, "InvalidParameter",
                    "Invalid parameter: FIFO topics are not supported by this server (only "
                    "standard topics)");
    return false;
}

/* Checks one attribute for CreateTopic / SetTopicAttributes, answering the error if bad. */
static bool attr_ok(ot_sns_call *c, const char *name, const char *value)
{
    if ((!strcmp(name, "FifoTopic") && !strcmp(value, "true")) ||
        !strcmp(name, "ContentBasedDeduplication") || !strcmp(name, "FifoThroughputScope") ||
        !strcmp(name, "ArchivePolicy"))
        return refuse_fifo(c);
    if (!strcmp(name, "FifoTopic") && !strcmp(value, "false"))
        return true;
    if (!settable(name)) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: AttributeName");
        return false;
    }
    return true;
}

/* Reads Attributes.entry.N.key/value (N = 1..) into attrs; false after answering an error. */
static bool read_attrs(ot_sns_call *c, ot_sns_attr *attrs, size_t *n)
{
    *n = 0;
    for (size_t i = 1;; i++) {
        char kname[48], vname[48];
        snprintf(kname, sizeof kname, "Attributes.entry.%zu.key", i);
        snprintf(vname, sizeof vname, "Attributes.entry.%zu.value", i);
        int rc = ot_snsapi_param(c, kname, attrs[*n].name, sizeof attrs[*n].name);
        if (rc == OT_ENOTFOUND)
            return true;
        if (rc || *n == MAX_ATTRS ||
            ot_snsapi_param(c, vname, attrs[*n].value, sizeof attrs[*n].value)) {
            ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Attributes");
            return false;
        }
        if (!attr_ok(c, attrs[*n].name, attrs[*n].value))
            return false;
        if (strcmp(attrs[*n].name, "FifoTopic")) /* FifoTopic=false: the default, not kept */
            (*n)++;
    }
}

/* Reads Tags.member.N.Key/Value into tags[OT_SNS_TAGS_MAX]; false after answering an error. */
static bool read_tags(ot_sns_call *c, ot_sns_tag *tags, size_t *n)
{
    *n = 0;
    for (size_t i = 1;; i++) {
        char kname[48], vname[48];
        snprintf(kname, sizeof kname, "Tags.member.%zu.Key", i);
        snprintf(vname, sizeof vname, "Tags.member.%zu.Value", i);
        char probe[2];
        if (ot_snsapi_param(c, kname, probe, sizeof probe) == OT_ENOTFOUND)
            return true;
        if (*n == OT_SNS_TAGS_MAX) {
            ot_snsapi_error(c, 400, "TagLimitExceeded",
                            "Could not complete request: tag quota of per resource exceeded");
            return false;
        }
        ot_sns_tag *t = &tags[*n];
        if (ot_snsapi_param(c, kname, t->key, sizeof t->key) || !t->key[0] ||
            ot_snsapi_param(c, vname, t->value, sizeof t->value)) {
            ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Tags Reason: a tag "
                            "key is 1 to 128 characters, a tag value at most 256");
            return false;
        }
        (*n)++;
    }
}

void ot_snsapi_create_topic(ot_sns_call *c)
{
    ot_sns_topic t;
    memset(&t, 0, sizeof t);
    char name[OT_SNS_NAME_MAX + 2]; /* one more byte than a name may have */
    int rc = ot_snsapi_param(c, "Name", name, sizeof name);
    if (rc == OT_ENOTFOUND) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Name");
        return;
    }
    if (rc) /* longer than any name */
        name[0] = '\0';
    size_t len = strlen(name);
    if (len > 5 && !strcmp(name + len - 5, ".fifo")) {
        refuse_fifo(c);
        return;
    }
    if (!ot_sns_topic_name_ok(name)) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Topic Name");
        return;
    }
    memcpy(t.name, name, len + 1);
    ot_sns_attr *attrs = calloc(MAX_ATTRS + 1, sizeof *attrs);
    ot_sns_tag *tags = calloc(OT_SNS_TAGS_MAX, sizeof *tags);
    size_t nattrs = 0, ntags = 0;
    bool existed = false;
    if (!attrs || !tags) {
        ot_snsapi_store_error(c, OT_ENOMEM, "");
        goto out;
    }
    if (!read_attrs(c, attrs, &nattrs) || !read_tags(c, tags, &ntags))
        goto out;
    snprintf(t.account_id, sizeof t.account_id, "%s", c->req->principal.account_id);
    snprintf(t.region, sizeof t.region, "%s", c->req->region);
    snprintf(t.arn, sizeof t.arn, "arn:aws:sns:%s:%s:%s", t.region, t.account_id, t.name);
    rc = ot_sns_topic_create(c->sns, &t, attrs, nattrs, tags, ntags, &existed);
    if (rc == OT_EEXIST) {
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Tags Reason: Topic "
                        "already exists with different tags");
    } else if (rc == OT_ELIMIT) {
        ot_snsapi_error(c, 400, "TagLimitExceeded",
                        "Could not complete request: tag quota of per resource exceeded");
    } else if (rc) {
        ot_snsapi_store_error(c, rc, "");
    } else {
        ot_snsapi_answer_one(c, "TopicArn", t.arn);
    }
out:
    free(attrs);
    free(tags);
}

void ot_snsapi_delete_topic(ot_sns_call *c)
{
    char arn[OT_SNS_ARN_MAX];
    if (!ot_snsapi_topic_arn(c, "TopicArn", arn))
        return;
    /* SNS: deleting a topic that does not exist is not an error. */
    int rc = ot_sns_topic_delete(c->sns, arn);
    if (rc && rc != OT_ENOTFOUND)
        ot_snsapi_store_error(c, rc, "");
    else
        ot_snsapi_empty(c, false);
}

void ot_snsapi_list_topics(ot_sns_call *c)
{
    char after[OT_SNS_SUB_ARN_MAX];
    if (!ot_snsapi_next_token(c, after, sizeof after))
        return;
    ot_sns_topic *topics = NULL;
    size_t n = 0;
    int rc = ot_sns_topic_list(c->sns, c->req->principal.account_id, c->req->region, after,
                               OT_SNS_PAGE + 1, &topics, &n);
    if (rc) {
        ot_snsapi_store_error(c, rc, "");
        return;
    }
    ot_buf *b = &c->resp->body;
    ot_snsapi_begin(c, true);
    ot_snsapi_list_open(c, "Topics");
    for (size_t i = 0; i < n && i < OT_SNS_PAGE; i++) {
        ot_buf_puts(b, "      <member>");
        ot_aws_xml_elem(b, "TopicArn", topics[i].arn);
        ot_buf_puts(b, "</member>\n");
    }
    ot_snsapi_list_close(c, "Topics", n > OT_SNS_PAGE ? topics[OT_SNS_PAGE - 1].arn : NULL);
    ot_snsapi_end(c, true);
    free(topics);
}

/* The default access policy SNS gives a new topic: its owner may do everything to it. */
static void default_policy(const ot_sns_topic *t, char *out, size_t cap)
{
    snprintf(out, cap,
             "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":"
             "\"__default_statement_ID\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
             "\"Action\":[\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\","
             "\"SNS:AddPermission\",\"SNS:RemovePermission\",\"SNS:DeleteTopic\","
             "\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\",\"SNS:Publish\"],"
             "\"Resource\":\"%s\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\"%s\"}}}]}",
             t->arn, t->account_id);
}

static const char *stored(const ot_sns_attr *attrs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(attrs[i].name, name))
            return attrs[i].value;
    return NULL;
}

static void write_topic_attrs(ot_sns_call *c, const ot_sns_topic *t, const ot_sns_attr *attrs,
                              size_t nattrs, int64_t confirmed, int64_t pending)
{
    char policy[1024], num[24];
    default_policy(t, policy, sizeof policy);
    ot_snsapi_begin(c, true);
    ot_snsapi_list_open(c, "Attributes");
    ot_snsapi_entry(c, "TopicArn", t->arn);
    ot_snsapi_entry(c, "Owner", t->account_id);
    if (!stored(attrs, nattrs, "Policy"))
        ot_snsapi_entry(c, "Policy", policy);
    if (!stored(attrs, nattrs, "DisplayName"))
        ot_snsapi_entry(c, "DisplayName", "");
    snprintf(num, sizeof num, "%lld", (long long)confirmed);
    ot_snsapi_entry(c, "SubscriptionsConfirmed", num);
    snprintf(num, sizeof num, "%lld", (long long)pending);
    ot_snsapi_entry(c, "SubscriptionsPending", num);
    ot_snsapi_entry(c, "SubscriptionsDeleted", "0");
    for (size_t i = 0; i < nattrs; i++)
        ot_snsapi_entry(c, attrs[i].name, attrs[i].value);
    ot_snsapi_list_close(c, "Attributes", NULL);
    ot_snsapi_end(c, true);
}

void ot_snsapi_get_topic_attributes(ot_sns_call *c)
{
    ot_sns_topic t;
    if (!ot_snsapi_topic(c, "TopicArn", &t))
        return;
    ot_sns_attr *attrs = NULL;
    size_t n = 0;
    int64_t confirmed = 0, pending = 0;
    int rc = ot_sns_attr_list(c->sns, t.arn, &attrs, &n);
    if (!rc)
        rc = ot_sns_sub_counts(c->sns, t.arn, &confirmed, &pending);
    if (rc)
        ot_snsapi_store_error(c, rc, "Topic does not exist");
    else
        write_topic_attrs(c, &t, attrs, n, confirmed, pending);
    free(attrs);
}

void ot_snsapi_set_topic_attributes(ot_sns_call *c)
{
    ot_sns_topic t;
    char name[64];
    if (!ot_snsapi_topic(c, "TopicArn", &t) ||
        !ot_snsapi_required(c, "AttributeName", name, sizeof name))
        return;
    int rc = 0;
    char *value = ot_snsapi_param_dup(c, "AttributeValue", &rc);
    if (rc == OT_ENOTFOUND)
        value = strdup(""), rc = value ? OT_OK : OT_ENOMEM;
    if (rc || strlen(value) > OT_SNS_ATTR_VALUE_MAX)
        ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: AttributeValue");
    else if (attr_ok(c, name, value)) {
        rc = ot_sns_attr_set(c->sns, t.arn, name, value);
        if (rc)
            ot_snsapi_store_error(c, rc, "Topic does not exist");
        else
            ot_snsapi_empty(c, false);
    }
    free(value);
}

/* The topic named by ResourceArn, for the tag operations, which answer ResourceNotFound. */
static bool tag_resource(ot_sns_call *c, char arn[OT_SNS_ARN_MAX])
{
    return ot_snsapi_topic_arn(c, "ResourceArn", arn);
}

static void tag_store_error(ot_sns_call *c, int rc)
{
    if (rc == OT_ENOTFOUND)
        ot_snsapi_error(c, 404, "ResourceNotFound", "Resource does not exist");
    else if (rc == OT_ELIMIT)
        ot_snsapi_error(c, 400, "TagLimitExceeded",
                        "Could not complete request: tag quota of per resource exceeded");
    else
        ot_snsapi_store_error(c, rc, "");
}

void ot_snsapi_tag_resource(ot_sns_call *c)
{
    char arn[OT_SNS_ARN_MAX];
    ot_sns_tag *tags = calloc(OT_SNS_TAGS_MAX, sizeof *tags);
    size_t n = 0;
    if (!tags)
        ot_snsapi_store_error(c, OT_ENOMEM, "");
    else if (tag_resource(c, arn) && read_tags(c, tags, &n)) {
        int rc = n ? ot_sns_tag_put(c->sns, arn, tags, n) : OT_OK;
        if (!n)
            ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: Tags");
        else if (rc)
            tag_store_error(c, rc);
        else
            ot_snsapi_empty(c, true);
    }
    free(tags);
}

void ot_snsapi_untag_resource(ot_sns_call *c)
{
    char arn[OT_SNS_ARN_MAX];
    if (!tag_resource(c, arn))
        return;
    char keys[OT_SNS_TAGS_MAX][OT_SNS_TAG_KEY_MAX + 1];
    const char *ptrs[OT_SNS_TAGS_MAX];
    size_t n = 0;
    for (; n < OT_SNS_TAGS_MAX; n++) {
        char name[48];
        snprintf(name, sizeof name, "TagKeys.member.%zu", n + 1);
        int rc = ot_snsapi_param(c, name, keys[n], sizeof keys[n]);
        if (rc == OT_ENOTFOUND)
            break;
        if (rc) {
            ot_snsapi_error(c, 400, "InvalidParameter", "Invalid parameter: TagKeys");
            return;
        }
        ptrs[n] = keys[n];
    }
    int rc = ot_sns_tag_delete(c->sns, arn, ptrs, n);
    if (rc)
        tag_store_error(c, rc);
    else
        ot_snsapi_empty(c, true);
}

void ot_snsapi_list_tags(ot_sns_call *c)
{
    char arn[OT_SNS_ARN_MAX];
    ot_sns_topic t;
    if (!tag_resource(c, arn))
        return;
    int rc = ot_sns_topic_get(c->sns, arn, &t);
    ot_sns_tag *tags = NULL;
    size_t n = 0;
    if (!rc)
        rc = ot_sns_tag_list(c->sns, arn, &tags, &n);
    if (rc) {
        tag_store_error(c, rc);
        return;
    }
    ot_buf *b = &c->resp->body;
    ot_snsapi_begin(c, true);
    ot_snsapi_list_open(c, "Tags");
    for (size_t i = 0; i < n; i++) {
        ot_buf_puts(b, "      <member>");
        ot_aws_xml_elem(b, "Key", tags[i].key);
        ot_aws_xml_elem(b, "Value", tags[i].value);
        ot_buf_puts(b, "</member>\n");
    }
    ot_snsapi_list_close(c, "Tags", NULL);
    ot_snsapi_end(c, true);
    free(tags);
}
