/* cmd_lookup.c — `opentrail lookup`: search the event history offline or through a server.
 *
 * Offline it reads DATA-DIR/history.db directly and may AND any number of attributes. With
 * --endpoint it calls LookupEvents through the AWS client (aws/aws.h), sending the first attribute
 * and checking the others on each returned event, since the API takes only one. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws.h"
#include "cli/cli.h"
#include "history/history.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

static const char lookup_help[] =
    "usage: opentrail lookup [filters] [options]\n"
    "\n"
    "Finds events in the event history, newest first. Filters (all given must match):\n"
    "  --event-id ID  --event-name NAME  --read-only true|false  --username NAME\n"
    "  --resource-type TYPE  --resource-name NAME-OR-ARN  --event-source SOURCE\n"
    "  --access-key-id KEY   --attribute KEY=VALUE (any LookupEvents key, repeatable)\n"
    "time range (inclusive):\n"
    "  --since DUR|TIME      e.g. 2h, 30m, 7d, or 2024-03-01T12:00:00Z\n"
    "  --until DUR|TIME      (DUR means that long ago)\n"
    "  --start TIME, --end TIME   ISO 8601 (YYYY-MM-DD[THH:MM:SS[Z]])\n"
    "options:\n"
    "  --insight             Insights events instead of management events\n"
    "  --data                imported data events (offline only)\n"
    "  --region REGION       only this region (offline default: every region; with\n"
    "                        --endpoint: AWS_REGION / AWS_DEFAULT_REGION / us-east-1)\n"
    "  --max N               stop after N events (default 50; 0 = all)\n"
    "  --output FMT          table (default on a terminal), json, ndjson (one raw CloudTrail\n"
    "                        record per line)\n"
    "  --data-dir DIR        offline: the data directory (default ./opentrail-data)\n"
    "  --endpoint URL        ask a server instead (credentials: DATA-DIR/credentials if it\n"
    "                        exists, else as the AWS CLI finds them: environment, profiles,\n"
    "                        credential_process, role_arn; throttling and 5xx answers are\n"
    "                        retried with backoff)\n"
    "  --profile NAME        --endpoint: the AWS CLI profile to use (beats DATA-DIR/credentials,\n"
    "                        AWS_PROFILE and the environment's keys; docs/credentials.md)\n"
    "  -h, --help            show this help\n";

enum { OUT_TABLE, OUT_JSON, OUT_NDJSON };

typedef struct lookup_opts {
    ot_history_query q;
    int output;
    long long max;
    const char *data_dir, *endpoint, *region, *profile;
    bool region_given;
    long long printed;
    ot_jw jw;
    ot_buf out;
} lookup_opts;

/* ---- time arguments ---- */

static int parse_when(const char *s, bool allow_duration, int64_t *ms)
{
    int64_t d;
    if (allow_duration && ot_duration_parse(s, &d) == 0 && strchr(s, '-') == NULL) {
        *ms = ot_now_ms() - d;
        return 0;
    }
    char buf[64];
    if (strlen(s) == 10 && snprintf(buf, sizeof buf, "%sT00:00:00Z", s) > 0)
        s = buf;
    return ot_time_parse_iso8601(s, ms);
}

/* ---- output ---- */

/* One line per record: records imported pretty-printed are compacted (they are kept verbatim). */
static void print_compact(const char *raw, size_t len)
{
    ot_json_doc *doc = memchr(raw, '\n', len) ? ot_json_doc_new() : NULL;
    ot_buf b;
    ot_json root;
    ot_buf_init(&b, 0);
    if (doc && ot_json_parse(doc, raw, len, false, &root, NULL, 0) == 0 &&
        ot_json_write(root, &b) == 0)
        fwrite(b.data, 1, b.len, stdout);
    else
        fwrite(raw, 1, len, stdout);
    fputc('\n', stdout);
    ot_buf_free(&b);
    ot_json_doc_free(doc);
}

static void print_hit(lookup_opts *o, const ot_history_hit *e)
{
    char when[32];
    ot_time_iso8601(e->time_ms, when);
    if (o->output == OUT_NDJSON) {
        print_compact(e->raw, e->raw_len);
    } else if (o->output == OUT_TABLE) {
        printf("%-20s  %-28.28s  %-24.24s  %-26.26s  %-5s  %s\n", when,
               e->event_name ? e->event_name : "-", e->username ? e->username : "-",
               e->event_source ? e->event_source : "-",
               e->read_only < 0 ? "-" : e->read_only ? "true" : "false", e->event_id);
    } else {
        static const ot_history_json_style readable = {
            .iso_time = true, .raw_record = true, .nulls = true};
        ot_history_json_event(&o->jw, e, &readable);
        fwrite(o->out.data, 1, o->out.len, stdout);
        ot_buf_reset(&o->out);
    }
    o->printed++;
}

static void print_begin(lookup_opts *o)
{
    ot_buf_init(&o->out, 0);
    ot_jw_init(&o->jw, &o->out);
    if (o->output == OUT_TABLE)
        printf("%-20s  %-28s  %-24s  %-26s  %-5s  %s\n", "TIME", "EVENT NAME", "USER",
               "EVENT SOURCE", "READ", "EVENT ID");
    if (o->output == OUT_JSON) {
        ot_jw_obj(&o->jw);
        ot_jw_key(&o->jw, "Events");
        ot_jw_arr(&o->jw);
        fwrite(o->out.data, 1, o->out.len, stdout);
        ot_buf_reset(&o->out);
    }
}

static void print_end(lookup_opts *o)
{
    if (o->output == OUT_JSON)
        printf("]}\n");
    else if (o->output == OUT_TABLE)
        fprintf(stderr, "%lld events\n", o->printed);
    ot_buf_free(&o->out);
}

/* ---- offline ---- */

static int on_hit(void *ctx, const ot_history_hit *e)
{
    print_hit(ctx, e);
    return 0;
}

static int lookup_offline(lookup_opts *o)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/history.db", o->data_dir);
    if (access(path, R_OK) != 0) {
        return ot_cli_error("lookup", "%s does not exist (run 'opentrail serve' or 'opentrail "
                            "import' first, or give --data-dir)", path);
    }
    ot_history *h = NULL;
    ot_history_opts ho = {.read_only = true, .readers = 1};
    if (ot_history_open(path, &ho, &h)) {
        return ot_cli_error("lookup", "cannot open %s", path);
    }
    o->q.region = o->region_given ? o->region : NULL;
    print_begin(o);
    ot_history_cursor cur;
    bool more = true;
    int rc = 0;
    while (!rc && more && (o->max == 0 || o->printed < o->max)) {
        long long left = o->max ? o->max - o->printed : OT_HISTORY_MAX_PAGE;
        o->q.limit = left < OT_HISTORY_MAX_PAGE ? (size_t)left : OT_HISTORY_MAX_PAGE;
        rc = ot_history_query_run(h, &o->q, on_hit, o, &more, &cur);
        o->q.after = &cur;
    }
    print_end(o);
    ot_history_close(h);
    if (rc)
        return ot_cli_error("lookup", "query failed: %s", ot_strerror(rc));
    return OT_EXIT_OK;
}

/* ---- against a server ---- */

static bool res_match(ot_json res, ot_history_key k, const char *v)
{
    ot_json_iter it;
    ot_json r;
    if (ot_json_array_iter(res, &it))
        return false;
    while (ot_json_array_next(&it, &r)) {
        const char *s;
        size_t n;
        if (ot_json_get_str(r, k == OT_HK_RESOURCE_TYPE ? "ResourceType" : "ResourceName", &s,
                            &n))
            continue;
        if (!strcmp(s, v))
            return true;
        const char *slash = strrchr(s, '/'), *colon = strrchr(s, ':');
        const char *tail = slash ? slash + 1 : colon ? colon + 1 : NULL;
        if (k == OT_HK_RESOURCE_NAME && tail && !strcmp(tail, v))
            return true;
    }
    return false;
}

/* Checks the attributes the server could not (all but the first). */
static bool remote_match(const lookup_opts *o, ot_json ev)
{
    for (size_t i = 1; i < o->q.nattrs; i++) {
        ot_history_key k = o->q.attrs[i].key;
        const char *v = o->q.attrs[i].value, *s;
        size_t n;
        if (k == OT_HK_RESOURCE_TYPE || k == OT_HK_RESOURCE_NAME) {
            ot_json res;
            if (ot_json_get(ev, "Resources", &res) || !res_match(res, k, v))
                return false;
            continue;
        }
        if (ot_json_get_str(ev, ot_history_key_name(k), &s, &n) || strcmp(s, v))
            return false;
    }
    return true;
}

static void print_remote(lookup_opts *o, ot_json ev, ot_buf *tmp)
{
    ot_history_hit e = {.read_only = -1, .resources_json = "[]", .raw = "{}", .raw_len = 2};
    size_t n;
    double t = 0;
    ot_json v;
    ot_json_get_str(ev, "EventId", &e.event_id, &n);
    ot_json_get_str(ev, "EventName", &e.event_name, &n);
    ot_json_get_str(ev, "EventSource", &e.event_source, &n);
    ot_json_get_str(ev, "Username", &e.username, &n);
    ot_json_get_str(ev, "AccessKeyId", &e.access_key_id, &n);
    const char *ro;
    if (ot_json_get_str(ev, "ReadOnly", &ro, &n) == 0)
        e.read_only = !strcmp(ro, "true");
    if (ot_json_get(ev, "EventTime", &v) == 0 && ot_json_double(v, &t) == 0)
        e.time_ms = (int64_t)(t * 1000);
    ot_buf_reset(tmp);
    if (ot_json_get(ev, "Resources", &v) == 0 && ot_json_write(v, tmp) == 0)
        e.resources_json = tmp->data;
    ot_json_get_str(ev, "CloudTrailEvent", &e.raw, &e.raw_len);
    if (!e.event_id)
        e.event_id = "-";
    print_hit(o, &e);
}

/* The LookupEvents request for one page. */
static void page_request(const lookup_opts *o, const char *token, ot_buf *body)
{
    ot_jw w;
    ot_jw_init(&w, body);
    ot_jw_obj(&w);
    if (o->q.nattrs) {
        ot_jw_key(&w, "LookupAttributes");
        ot_jw_arr(&w);
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "AttributeKey", ot_history_key_name(o->q.attrs[0].key));
        ot_jw_kstr(&w, "AttributeValue", o->q.attrs[0].value);
        ot_jw_end(&w);
        ot_jw_end(&w);
    }
    if (o->q.start_ms != INT64_MIN)
        ot_jw_key(&w, "StartTime"), ot_jw_num(&w, (double)o->q.start_ms / 1000.0);
    if (o->q.end_ms != INT64_MAX)
        ot_jw_key(&w, "EndTime"), ot_jw_num(&w, (double)o->q.end_ms / 1000.0);
    if (o->q.cat == OT_HCAT_INSIGHT)
        ot_jw_kstr(&w, "EventCategory", "insight");
    ot_jw_kint(&w, "MaxResults", 50);
    if (token)
        ot_jw_kstr(&w, "NextToken", token);
    ot_jw_end(&w);
}

/* Prints the matching events of one answer; its NextToken (malloc'd) into *next. */
static int print_page(lookup_opts *o, const ot_aws_response *resp, char **next)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, evs, ev;
    ot_json_iter it;
    int rc = 0;
    if (!doc || ot_json_parse(doc, resp->body.data, resp->body.len, true, &root, NULL, 0) != 0) {
        rc = ot_cli_error("lookup", "HTTP %ld, unreadable response", resp->status);
    } else if (ot_json_get(root, "Events", &evs) == 0 && ot_json_array_iter(evs, &it) == 0) {
        ot_buf tmp;
        ot_buf_init(&tmp, 0);
        while (ot_json_array_next(&it, &ev) && (o->max == 0 || o->printed < o->max))
            if (remote_match(o, ev))
                print_remote(o, ev, &tmp);
        ot_buf_free(&tmp);
        const char *t;
        size_t n;
        if (ot_json_get_str(root, "NextToken", &t, &n) == 0)
            *next = strdup(t);
    }
    ot_json_doc_free(doc);
    return rc;
}

static int remote_page(lookup_opts *o, const ot_aws_client *c, CURL *cu, const char *token,
                       ot_aws_response *resp, char **next)
{
    char err[1024];
    ot_buf body;
    ot_buf_init(&body, 0);
    page_request(o, token, &body);
    ot_aws_request req = {.operation = "LookupEvents", .body = body.data, .body_len = body.len};
    int rc = ot_aws_call(c, cu, &req, resp, err, sizeof err);
    ot_buf_free(&body);
    if (rc)
        return ot_cli_error("lookup", "%s", err);
    return print_page(o, resp, next);
}

static int lookup_remote(lookup_opts *o)
{
    char err[1400];
    ot_aws_client c;
    ot_aws_client_opts co = {.service = "cloudtrail", .protocol = OT_AWS_JSON,
                             .target_prefix = OT_AWS_CLOUDTRAIL_TARGET, .endpoint = o->endpoint,
                             .region = o->region_given ? o->region : NULL,
                             .data_dir = o->data_dir, .data_dir_first = true,
                             .profile = o->profile};
    if (ot_aws_client_init(&c, &co, err, sizeof err))
        return ot_cli_error("lookup", "%s", err);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *cu = curl_easy_init();
    ot_aws_response resp;
    ot_aws_response_init(&resp, 64u << 20);
    print_begin(o);
    char *token = NULL;
    int rc = cu ? OT_EXIT_OK : OT_EXIT_FAILURE;
    while (!rc) {
        char *next = NULL;
        rc = remote_page(o, &c, cu, token, &resp, &next);
        free(token);
        token = next;
        if (!token || (o->max != 0 && o->printed >= o->max))
            break;
    }
    free(token);
    print_end(o);
    ot_aws_response_free(&resp);
    curl_easy_cleanup(cu);
    curl_global_cleanup();
    return rc;
}

/* ---- arguments ---- */

static int add_attr(lookup_opts *o, ot_history_key k, const char *v)
{
    if (o->q.nattrs == OT_HISTORY_MAX_ATTRS) {
        return ot_cli_usage("lookup", "at most %d attributes", OT_HISTORY_MAX_ATTRS);
    }
    if (!*v) {
        return ot_cli_usage("lookup", "%s needs a value", ot_history_key_name(k));
    }
    if (k == OT_HK_READ_ONLY && strcmp(v, "true") && strcmp(v, "false"))
        return ot_cli_usage("lookup", "--read-only (ReadOnly): expected true or false, got '%s'",
                            v);
    o->q.attrs[o->q.nattrs].key = k;
    o->q.attrs[o->q.nattrs++].value = v;
    return 0;
}

/* 0, or nonzero once a usage error is printed. */
static int parse_args(int argc, char **argv, lookup_opts *o)
{
    static const struct option opts[] = {
        {"event-id", 1, 0, 0},      {"event-name", 1, 0, 1},   {"read-only", 1, 0, 2},
        {"username", 1, 0, 3},      {"resource-type", 1, 0, 4}, {"resource-name", 1, 0, 5},
        {"event-source", 1, 0, 6},  {"access-key-id", 1, 0, 7}, {"attribute", 1, 0, 'a'},
        {"since", 1, 0, 's'},       {"until", 1, 0, 'u'},      {"start", 1, 0, 'S'},
        {"end", 1, 0, 'E'},         {"insight", 0, 0, 'I'},    {"data", 0, 0, 'D'},
        {"region", 1, 0, 'r'},      {"max", 1, 0, 'm'},        {"output", 1, 0, 'o'},
        {"data-dir", 1, 0, 'd'},    {"endpoint", 1, 0, 'e'},   {"help", 0, 0, 'h'},
        {"profile", 1, 0, 'p'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c >= 0 && c < OT_HK_COUNT) {
            if (add_attr(o, (ot_history_key)c, optarg))
                return -1;
            continue;
        }
        switch (c) {
        case 'a': {
            char *eq = strchr(optarg, '=');
            ot_history_key k;
            if (eq)
                *eq = '\0';
            if (!eq || ot_history_key_parse(optarg, &k))
                return ot_cli_usage("lookup", "--attribute wants KEY=VALUE with KEY one of "
                                    "EventId, EventName, ReadOnly, Username, ResourceType, "
                                    "ResourceName, EventSource, AccessKeyId");
            if (add_attr(o, k, eq + 1))
                return -1;
            break;
        }
        case 's': case 'u': case 'S': case 'E': {
            int64_t ms;
            if (parse_when(optarg, c == 's' || c == 'u', &ms)) {
                return ot_cli_usage("lookup", "cannot read the time '%s'", optarg);
            }
            if (c == 's' || c == 'S')
                o->q.start_ms = ms;
            else
                o->q.end_ms = ms;
            break;
        }
        case 'I': o->q.cat = OT_HCAT_INSIGHT; break;
        case 'D': o->q.cat = OT_HCAT_DATA; break;
        case 'r': o->region = optarg; o->region_given = true; break;
        case 'm':
            if (!*optarg || strspn(optarg, "0123456789") != strlen(optarg) || strlen(optarg) > 12)
                return ot_cli_usage("lookup", "--max: expected a whole number (0 = all), got "
                                    "'%s'", optarg);
            o->max = strtoll(optarg, NULL, 10);
            break;
        case 'o':
            if (!strcmp(optarg, "table")) o->output = OUT_TABLE;
            else if (!strcmp(optarg, "json")) o->output = OUT_JSON;
            else if (!strcmp(optarg, "ndjson")) o->output = OUT_NDJSON;
            else {
                return ot_cli_usage("lookup", "--output: expected table, json or ndjson, got "
                                    "'%s'", optarg);
            }
            break;
        case 'd': o->data_dir = optarg; break;
        case 'e': o->endpoint = optarg; break;
        case 'p': o->profile = optarg; break;
        case 'h': fputs(lookup_help, stdout); exit(0);
        default: return ot_cli_bad_option("lookup", c, argv);
        }
    }
    if (optind < argc) {
        return ot_cli_usage("lookup", "unexpected argument '%s'", argv[optind]);
    }
    if (o->q.start_ms > o->q.end_ms)
        return ot_cli_usage("lookup", "the start of the time range is after its end");
    return 0;
}

int ot_cmd_lookup(int argc, char **argv)
{
    lookup_opts o;
    memset(&o, 0, sizeof o);
    o.q.start_ms = INT64_MIN;
    o.q.end_ms = INT64_MAX;
    o.q.cat = OT_HCAT_MANAGEMENT;
    o.max = 50;
    o.output = isatty(1) ? OUT_TABLE : OUT_JSON;
    o.data_dir = "./opentrail-data";
    if (parse_args(argc, argv, &o))
        return OT_EXIT_USAGE;
    if (o.endpoint && o.q.cat == OT_HCAT_DATA)
        return ot_cli_usage("lookup", "--data works offline only (LookupEvents never returns "
                            "data events)");
    return o.endpoint ? lookup_remote(&o) : lookup_offline(&o);
}
