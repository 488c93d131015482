/* monitor_conn.c — the connection of `opentrail monitor` to CloudWatch Logs, CloudWatch and SNS
 * (monitor.h): three clients of the one AWS client, one curl handle, one reply buffer. */
#include <stdio.h>
#include <string.h>

#include "cli/monitor.h"
#include "util/err.h"
#include "util/uri.h"

#define LOGS_TARGET "Logs_20140328"
#define CW_TARGET "GraniteServiceVersion20100801"
#define SNS_API_VERSION "2010-03-31"
#define REPLY_MAX (64u << 20)

int ot_monitor_open(ot_monitor *m, const ot_monitor_opts *o)
{
    memset(m, 0, sizeof *m);
    ot_aws_response_init(&m->resp, REPLY_MAX);
    ot_aws_client_opts co = {.service = "logs", .service_id = "cloudwatch logs",
                             .protocol = OT_AWS_JSON, .target_prefix = LOGS_TARGET,
                             .region = o->region, .profile = o->profile,
                             .data_dir = o->data_dir, .data_dir_first = true,
                             .endpoint = o->endpoint};
    int rc = ot_aws_client_init(&m->logs, &co, m->err, sizeof m->err);
    if (rc)
        return rc;
    /* the same credentials for all three: resolved (and perhaps assumed) once */
    co.service = "monitoring", co.service_id = "cloudwatch", co.protocol = OT_AWS_JSON_1_0;
    co.target_prefix = CW_TARGET;
    ot_aws_client_setup(&m->cw, &co, &m->logs.creds);
    co.service = "sns", co.service_id = "sns", co.protocol = OT_AWS_QUERY;
    co.target_prefix = NULL, co.api_version = SNS_API_VERSION;
    ot_aws_client_setup(&m->sns, &co, &m->logs.creds);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    m->easy = curl_easy_init();
    m->doc = ot_json_doc_new();
    if (!m->easy || !m->doc) {
        snprintf(m->err, sizeof m->err, "out of memory");
        return OT_ENOMEM;
    }
    return OT_OK;
}

void ot_monitor_close(ot_monitor *m)
{
    ot_json_doc_free(m->doc);
    ot_aws_response_free(&m->resp);
    if (m->easy) {
        curl_easy_cleanup(m->easy);
        curl_global_cleanup();
    }
}

static int call(ot_monitor *m, const ot_aws_client *c, const char *op, const char *body,
                size_t len)
{
    ot_aws_request req = {.operation = op, .body = body, .body_len = len};
    return ot_aws_call(c, m->easy, &req, &m->resp, m->err, sizeof m->err);
}

static int parse_answer(ot_monitor *m, const ot_aws_client *c, const char *op, ot_json *root)
{
    char why[128];
    const ot_buf *b = &m->resp.body;
    bool empty = !b->data || !b->len; /* some answers (PutMetricAlarm) may have no body */
    if (ot_json_parse(m->doc, empty ? "{}" : b->data, empty ? 2 : b->len, !empty, root, why,
                      sizeof why)) {
        snprintf(m->err, sizeof m->err, "%s: unreadable answer from %s (%s)", op, c->endpoint,
                 why);
        return OT_EIO;
    }
    return OT_OK;
}

/* One JSON call: {members..., token_key: token} (the token only when there is one). */
static int json_call(ot_monitor *m, const ot_aws_client *c, const char *op,
                     ot_monitor_members_fn members, void *ctx, const char *token_key,
                     const char *token, ot_json *root)
{
    ot_buf body;
    ot_buf_init(&body, 0);
    ot_jw w;
    ot_jw_init(&w, &body);
    ot_jw_obj(&w);
    if (members)
        members(ctx, &w);
    if (token && *token)
        ot_jw_kstr(&w, token_key, token);
    ot_jw_end(&w);
    int rc = ot_jw_error(&w) ? OT_ENOMEM : call(m, c, op, body.data, body.len);
    ot_buf_free(&body);
    if (rc == OT_ENOMEM)
        snprintf(m->err, sizeof m->err, "out of memory");
    return rc ? rc : parse_answer(m, c, op, root);
}

int ot_monitor_request(ot_monitor *m, const ot_aws_client *c, const char *op,
                       ot_monitor_members_fn members, void *ctx, ot_json *root)
{
    return json_call(m, c, op, members, ctx, NULL, NULL, root);
}

int ot_monitor_each(ot_monitor *m, const ot_aws_client *c, const char *op,
                    ot_monitor_members_fn members, const char *list_key, const char *token_key,
                    ot_monitor_item_fn fn, void *ctx)
{
    char token[1024] = "";
    int rc;
    do {
        ot_json root, list, item;
        ot_json_iter it;
        rc = json_call(m, c, op, members, ctx, token_key, token, &root);
        if (!rc && ot_json_get(root, list_key, &list) == 0 && ot_json_array_iter(list, &it) == 0)
            while (!rc && ot_json_array_next(&it, &item))
                rc = fn(ctx, item);
        if (!rc)
            ot_monitor_get_str(root, token_key, token, sizeof token);
    } while (!rc && token[0]);
    return rc;
}

void ot_monitor_get_str(ot_json obj, const char *key, char *out, size_t cap)
{
    const char *s;
    size_t n;
    if (ot_json_get_str(obj, key, &s, &n))
        n = 0, s = "";
    snprintf(out, cap, "%.*s", (int)n, s);
}

/* ---- SNS: the topic ---- */

static int topic_missing(ot_monitor *m, const char *what)
{
    const char *colon = strrchr(what, ':');
    snprintf(m->err, sizeof m->err, "no SNS topic %s (create it first: aws sns create-topic "
             "--name %s)", what, colon ? colon + 1 : what);
    return OT_ENOTFOUND;
}

/* An ARN: GetTopicAttributes says whether the topic exists. */
static int topic_by_arn(ot_monitor *m, const char *arn, char *out, size_t cap)
{
    ot_buf form;
    ot_buf_init(&form, 0);
    int rc = ot_buf_puts(&form, "TopicArn=");
    if (!rc)
        rc = ot_uri_encode(&form, arn, strlen(arn), false);
    if (!rc)
        rc = call(m, &m->sns, "GetTopicAttributes", form.data, form.len);
    ot_buf_free(&form);
    if (rc && !strcmp(m->resp.code, "NotFound"))
        return topic_missing(m, arn);
    if (!rc)
        snprintf(out, cap, "%s", arn);
    return rc;
}

/* The topic named name on one page of ListTopics (ARNs end in ":name"); *next its NextToken. */
static bool topic_on_page(const char *xml, const char *name, char *out, size_t cap, char *next,
                          size_t ncap)
{
    char arn[1024];
    size_t nl = strlen(name);
    const char *p = xml;
    while ((p = ot_aws_xml_text(p, "TopicArn", arn, sizeof arn)) != NULL) {
        size_t al = strlen(arn);
        if (al > nl && arn[al - nl - 1] == ':' && !strcmp(arn + al - nl, name)) {
            snprintf(out, cap, "%s", arn);
            return true;
        }
    }
    if (!ot_aws_xml_text(xml, "NextToken", next, ncap))
        next[0] = '\0';
    return false;
}

/* A name: ListTopics, every page, until a topic of that name shows up. */
static int topic_by_name(ot_monitor *m, const char *name, char *out, size_t cap)
{
    char token[1024] = "";
    ot_buf form;
    ot_buf_init(&form, 0);
    int rc = OT_OK;
    do {
        ot_buf_reset(&form);
        if (token[0])
            rc = ot_buf_puts(&form, "NextToken=") ||
                 ot_uri_encode(&form, token, strlen(token), false) ? OT_ENOMEM : OT_OK;
        if (!rc)
            rc = call(m, &m->sns, "ListTopics", form.data, form.len);
        if (!rc && topic_on_page(m->resp.body.data ? m->resp.body.data : "", name, out, cap,
                                 token, sizeof token))
            break;
        if (!rc && !token[0])
            rc = topic_missing(m, name);
    } while (!rc);
    ot_buf_free(&form);
    return rc;
}

int ot_monitor_topic_arn(ot_monitor *m, const char *name_or_arn, char *arn, size_t cap)
{
    if (!strncmp(name_or_arn, "arn:", 4))
        return topic_by_arn(m, name_or_arn, arn, cap);
    return topic_by_name(m, name_or_arn, arn, cap);
}

/* ---- CloudWatch Logs: the group ---- */

static void group_prefix(void *ctx, ot_jw *w)
{
    ot_jw_kstr(w, "logGroupNamePrefix", ctx);
    ot_jw_kint(w, "limit", 50);
}

/* DescribeLogGroups by prefix; the group itself sorts first among the answers. */
int ot_monitor_log_group(ot_monitor *m, const char *group)
{
    ot_json root, groups, g;
    ot_json_iter it;
    int rc = ot_monitor_request(m, &m->logs, "DescribeLogGroups", group_prefix, (void *)group,
                                &root);
    if (rc)
        return rc;
    if (ot_json_get(root, "logGroups", &groups) == 0 && ot_json_array_iter(groups, &it) == 0)
        while (ot_json_array_next(&it, &g)) {
            char name[600];
            ot_monitor_get_str(g, "logGroupName", name, sizeof name);
            if (!strcmp(name, group))
                return OT_OK;
        }
    snprintf(m->err, sizeof m->err, "no log group %s (create it first: aws logs "
             "create-log-group --log-group-name %s, and point the trail at it)", group, group);
    return OT_ENOTFOUND;
}
