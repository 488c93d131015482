/* monitor.h — what the `opentrail monitor` subcommands share (cmd_monitor.c): one connection to
 * the three services they use, through the one AWS client (aws/aws.h), so credentials, region,
 * endpoint (--endpoint, or AWS_ENDPOINT_URL(_<SERVICE>)) and retries are the AWS CLI's:
 *   CloudWatch Logs  JSON 1.1, X-Amz-Target Logs_20140328.<Op>   (metric filters, log groups)
 *   CloudWatch       JSON 1.0, GraniteServiceVersion20100801.<Op>  (alarms)
 *   SNS              query, Version 2010-03-31                     (the alarm's topic) */
#ifndef OT_CLI_MONITOR_H
#define OT_CLI_MONITOR_H

#include <curl/curl.h>
#include <stdbool.h>

#include "aws/aws.h"
#include "util/json.h"
#include "util/jsonw.h"

typedef struct ot_monitor_opts {
    const char *endpoint;  /* --endpoint: every service at this URL, or NULL */
    const char *profile;   /* --profile, or NULL */
    const char *region;    /* --region, or NULL */
    const char *data_dir;  /* --data-dir: DATA-DIR/credentials is tried first */
    const char *log_group; /* --log-group, or NULL */
    const char *topic;     /* --topic: a name or an ARN */
    const char *namespace_;
    int period_s;
    bool json;             /* --json */
} ot_monitor_opts;

typedef struct ot_monitor {
    ot_aws_client logs, cw, sns;
    CURL *easy;
    ot_aws_response resp;
    ot_json_doc *doc;      /* the last JSON answer, parsed */
    char err[1400];        /* why the last call failed */
} ot_monitor;

/* Sets up the three clients. OT_ENOTFOUND (no credentials) or OT_ENOMEM with m->err filled;
 * ot_monitor_close is needed either way. */
int ot_monitor_open(ot_monitor *m, const ot_monitor_opts *o);
void ot_monitor_close(ot_monitor *m);

/* Writes a request's members into the JSON object w has open (ctx is the caller's). */
typedef void (*ot_monitor_members_fn)(void *ctx, ot_jw *w);
/* Called for each item of a listing; non-zero stops it and is returned. */
typedef int (*ot_monitor_item_fn)(void *ctx, ot_json item);

/* Calls op on a JSON client (m->logs or m->cw) with the object members writes (NULL: "{}");
 * *root is the answer (valid until the next call). OT_EIO with m->err set (AWS's "An error
 * occurred (Code) ..."; the code is in m->resp.code). */
int ot_monitor_request(ot_monitor *m, const ot_aws_client *c, const char *op,
                       ot_monitor_members_fn members, void *ctx, ot_json *root);

/* Every page of a listing: op with members plus token_key (nextToken, NextToken) from the
 * previous answer, fn for each element of the answer's list_key array. */
int ot_monitor_each(ot_monitor *m, const ot_aws_client *c, const char *op,
                    ot_monitor_members_fn members, const char *list_key, const char *token_key,
                    ot_monitor_item_fn fn, void *ctx);

/* The ARN of a topic given by name or ARN. OT_ENOTFOUND with m->err telling how to create it
 * when there is no such topic; OT_EIO when SNS answered an error. */
int ot_monitor_topic_arn(ot_monitor *m, const char *name_or_arn, char *arn, size_t cap);

/* 0 if the log group exists; OT_ENOTFOUND with m->err telling how to create it; OT_EIO. */
int ot_monitor_log_group(ot_monitor *m, const char *group);

/* Copies a JSON string member into out ("" when absent). */
void ot_monitor_get_str(ot_json obj, const char *key, char *out, size_t cap);

/* `monitor cis` and `monitor list`: exit statuses (cli.h). */
int ot_monitor_cis(ot_monitor *m, const ot_monitor_opts *o);
int ot_monitor_list(ot_monitor *m, const ot_monitor_opts *o);

#endif
