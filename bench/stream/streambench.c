/* streambench.c — the trail stream's own throughput: events per second from the WAL into a log
 * group, with nothing else running.
 *
 *   ot_streambench EVENTS.ndjson DIR [filters]
 *
 * Appends every record of the NDJSON corpus (one CloudTrail record a line, from gen_events.py)
 * to a fresh WAL in DIR as acknowledged events, makes an organization trail (every account's
 * events) logging into log group "bench", then starts the stream and times it until logs.db's
 * position reaches the last record. With `filters`, the group has three metric filters (two CIS
 * patterns and one counting every event by eventSource) feeding a metrics store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "cw/cw.h"
#include "daemon/trail_stream.h"
#include "event/event.h"
#include "logs/logs.h"
#include "mfilter/mfilter.h"
#include "trail/trail.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/timeutil.h"
#include "wal/wal.h"

#define ACCOUNT "123456789012"
#define REGION "us-east-1"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *str_of(ot_json root, const char *key)
{
    static char bufs[6][256];
    static int next;
    const char *s;
    size_t n;
    char *b = bufs[next++ % 6];
    if (ot_json_get_str(root, key, &s, &n) || n >= 256)
        return "";
    memcpy(b, s, n);
    b[n] = '\0';
    return b;
}

/* One NDJSON line as the WAL payload ingest would have made of it. */
static int encode(ot_json_doc *doc, const char *line, size_t len, int64_t ingest_ms, ot_buf *out)
{
    ot_json root;
    char err[64];
    if (ot_json_parse(doc, line, len, false, &root, err, sizeof err))
        return -1;
    bool ro = false;
    ot_json_get_bool(root, "readOnly", &ro);
    ot_event e = {.ingest_ms = ingest_ms,
                  .category = strcmp(str_of(root, "eventCategory"), "Data") ? OT_CAT_MANAGEMENT
                                                                             : OT_CAT_DATA,
                  .rw = ro ? OT_RW_READ : OT_RW_WRITE,
                  .account_id = str_of(root, "recipientAccountId"),
                  .region = str_of(root, "awsRegion"),
                  .event_source = str_of(root, "eventSource"),
                  .event_name = str_of(root, "eventName"),
                  .event_id = str_of(root, "eventID"),
                  .channel_arn = "",
                  .json = line,
                  .json_len = len,
                  .event_type = "AwsApiCall",
                  .user_arn = "",
                  .error_code = ""};
    return ot_event_encode(&e, out);
}

static uint64_t load_wal(ot_wal *w, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    ot_json_doc *doc = ot_json_doc_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t last = 0;
    int64_t ingest = ot_now_ms();
    ot_buf b;
    ot_buf_init(&b, 0);
    while ((n = getline(&line, &cap, f)) > 1) {
        line[--n] = '\0';
        ot_buf_reset(&b);
        if (encode(doc, line, (size_t)n, ingest, &b))
            continue;
        const void *p = b.data;
        size_t len = b.len;
        if (ot_wal_append(w, &p, &len, 1, &last))
            break;
    }
    ot_buf_free(&b);
    free(line);
    ot_json_doc_free(doc);
    fclose(f);
    return last;
}

static void add_filters(ot_logs *logs, const ot_logs_scope *s)
{
    static const char *const f[][2] = {
        {"{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
         "[{\"metricName\":\"Unauthorized\",\"metricNamespace\":\"CIS\",\"metricValue\":\"1\"}]"},
        {"{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }",
         "[{\"metricName\":\"TrailChanges\",\"metricNamespace\":\"CIS\",\"metricValue\":\"1\","
         "\"defaultValue\":0}]"},
        {"{ $.eventSource = * }",
         "[{\"metricName\":\"Calls\",\"metricNamespace\":\"Bench\",\"metricValue\":\"1\","
         "\"dimensions\":{\"Source\":\"$.eventSource\"}}]"},
    };
    char name[16];
    for (size_t i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "f%zu", i);
        ot_logs_metric_put(logs, s, "bench", name, f[i][0], f[i][1], ot_now_ms());
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ot_streambench EVENTS.ndjson DIR [filters]\n");
        return 2;
    }
    bool filters = argc > 3 && strcmp(argv[3], "filters") == 0;
    char path[1024];
    ot_api srv = {0};
    snprintf(path, sizeof path, "%s/state.db", argv[2]);
    ot_trail t = {.name = "bench", .account_id = ACCOUNT, .home_region = REGION,
                  .bucket = "bench", .multi_region = true, .include_global = true,
                  .organization = true, .org_id = "o-benchbench0",
                  .cw_log_group_arn = "arn:aws:logs:" REGION ":" ACCOUNT ":log-group:bench:*",
                  .cw_role_arn = "arn:aws:iam::" ACCOUNT ":role/x"};
    ot_trail_arn_make(t.arn, sizeof t.arn, REGION, ACCOUNT, "bench");
    if (ot_trail_db_open(path, &srv.trails) || ot_trail_create(srv.trails, &t, 5) ||
        ot_trail_set_logging(srv.trails, t.arn, true, ot_now_ms() - 1, NULL))
        return 1;
    ot_logs_scope scope = {ACCOUNT, REGION};
    snprintf(path, sizeof path, "%s/logs.db", argv[2]);
    if (ot_logs_open(path, 0, &srv.logs) || ot_logs_group_create(srv.logs, &scope, "bench", 0) ||
        ot_mfilter_new(srv.logs, &srv.mfilter))
        return 1;
    snprintf(path, sizeof path, "%s/cloudwatch.db", argv[2]);
    ot_cw_opts co = {.path = path, .no_thread = true};
    if (filters && (ot_cw_open(&co, &srv.cw), add_filters(srv.logs, &scope), !srv.cw))
        return 1;
    snprintf(path, sizeof path, "%s/wal", argv[2]);
    ot_wal_opts wo = {.dir = path, .no_sync = true};
    ot_wal_recovery rec;
    if (ot_wal_open(&wo, &srv.wal, &rec))
        return 1;
    uint64_t last = load_wal(srv.wal, argv[1]);
    double t0 = now_s();
    ot_trail_stream *s;
    if (ot_trail_stream_start(&srv, &s))
        return 1;
    uint64_t pos = 0;
    while (ot_logs_feed_position(srv.logs, OT_TRAIL_STREAM_CURSOR, &pos) == 0 && pos < last)
        usleep(2000);
    double dt = now_s() - t0;
    printf("trail stream%s: %llu events in %.2f s: %.0f events/s\n",
           filters ? " with 3 metric filters" : "", (unsigned long long)last, dt, last / dt);
    ot_trail_stream_stop(s);
    ot_wal_close(srv.wal);
    ot_cw_close(srv.cw);
    ot_mfilter_free(srv.mfilter);
    ot_logs_close(srv.logs);
    ot_trail_db_close(srv.trails);
    return 0;
}
