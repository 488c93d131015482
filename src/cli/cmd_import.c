/* cmd_import.c — `opentrail import PATH|s3://bucket/prefix`: CloudTrail logs into history.db. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws.h"
#include "cli/cli.h"
#include "history/history.h"
#include "history/import.h"
#include "sys/datadir.h"
#include "util/err.h"
#include "util/timeutil.h"

static const char import_help[] =
    "usage: opentrail import PATH|s3://BUCKET/PREFIX [options]\n"
    "\n"
    "Loads CloudTrail log files into the event history (a segment file in\n"
    "DATA-DIR/history-segments, registered in DATA-DIR/history.db), where 'opentrail lookup'\n"
    "and LookupEvents find them once the import ends. PATH is a file or a directory (searched\n"
    "recursively for .json, .json.gz, .ndjson, .jsonl and .gz files); s3://BUCKET/PREFIX is\n"
    "any S3 endpoint, read over the S3 API (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else\n"
    "AWS itself; point it at 'opentrail serve' to import its own bucket). Files may hold a {\"Records\":[...]} envelope, a JSON\n"
    "array or NDJSON, plain or gzipped. Digest, Insights and ConfigWritabilityCheckFile objects\n"
    "are skipped; events already indexed (same eventID) are not added twice. A file that cannot\n"
    "be read is reported and the others are still imported.\n"
    "\n"
    "options:\n"
    "  --data-dir DIR        data directory (default ./opentrail-data)\n"
    "  --apply-retention     also delete events older than the retention window (imported\n"
    "                        events are kept forever otherwise)\n"
    "  --retention DUR       the window for --apply-retention (default 90d)\n"
    "  --threads N           parsing threads (default: one per CPU)\n"
    "  --region REGION       s3://: the signing region (default AWS_REGION, AWS_DEFAULT_REGION,\n"
    "                        the profile's region, us-east-1)\n"
    "  --profile NAME        s3://: the AWS CLI profile (default AWS_PROFILE; beats the\n"
    "                        environment's keys). Credentials are found as the AWS CLI finds\n"
    "                        them (environment, profiles, credential_process, role_arn), then\n"
    "                        DATA-DIR/credentials (docs/credentials.md)\n"
    "  --quiet               no progress bar and no summary\n"
    "  -h, --help            show this help\n"
    "\n"
    "exit status: 0 if every file was read; 1 if some failed (the rest is imported), the\n"
    "source cannot be read or the index could not be written; 2 on usage errors.\n";

typedef struct run_ctx {
    ot_import *im;
    ot_history *h;
    int rc;
    bool done;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} run_ctx;

static void *run_thread(void *arg)
{
    run_ctx *r = arg;
    int rc = ot_import_run(r->im, r->h);
    pthread_mutex_lock(&r->mu);
    r->rc = rc;
    r->done = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void progress(ot_import *im, double secs)
{
    ot_import_stats s;
    ot_import_stats_get(im, &s);
    double frac = s.bytes_total ? (double)s.bytes_in / (double)s.bytes_total : 1.0;
    if (frac > 1)
        frac = 1;
    int width = 30, fill = (int)(frac * width);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%%  %llu/%llu files  %llu events  %.0f events/s ", bar,
            frac * 100, (unsigned long long)(s.files_ok + s.files_failed + s.files_skipped),
            (unsigned long long)s.files, (unsigned long long)s.imported,
            secs > 0 ? (double)s.records / secs : 0.0);
    fflush(stderr);
}

/* Runs the import on a thread while this one redraws the progress bar every 100 ms, and
 * returns as soon as the import ends (a plain sleep would add up to 100 ms to every run). */
static void run_with_progress(run_ctx *r, int64_t t0)
{
    pthread_t th;
    if (pthread_create(&th, NULL, run_thread, r) != 0) {
        run_thread(r);
        return;
    }
    pthread_mutex_lock(&r->mu);
    while (!r->done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        if (!r->done) {
            pthread_mutex_unlock(&r->mu);
            progress(r->im, (double)(ot_monotonic_ms() - t0) / 1000.0);
            pthread_mutex_lock(&r->mu);
        }
    }
    pthread_mutex_unlock(&r->mu);
    pthread_join(th, NULL);
}

static void summary(ot_import *im, double secs)
{
    ot_import_stats s;
    ot_import_stats_get(im, &s);
    unsigned long long dups = s.duplicates, bad = s.bad_records;
    if (s.imported == 0 && dups && !bad) /* a rate of nothing written would mislead */
        printf("nothing new: all %llu events were already in the history (0 imported, %llu "
               "duplicates)\n", dups, dups);
    else if (s.imported == 0 && dups)
        printf("nothing new: %llu events were already in the history, %llu skipped (0 "
               "imported)\n", dups, bad);
    else if (s.imported == 0)
        printf("nothing imported: no events in %llu files\n", (unsigned long long)s.files_ok);
    else
        printf("imported %llu events from %llu files in %.2f s (%.0f events/s)\n",
               (unsigned long long)s.imported, (unsigned long long)s.files_ok, secs,
               secs > 0 ? (double)s.records / secs : 0.0);
    printf("  files:   %llu found, %llu read, %llu skipped (digest/Insights/config check), "
           "%llu failed\n",
           (unsigned long long)s.files, (unsigned long long)s.files_ok,
           (unsigned long long)s.files_skipped, (unsigned long long)s.files_failed);
    printf("  events:  %llu read, %llu new, %llu duplicates (eventID already indexed), "
           "%llu skipped (malformed or without eventID/eventTime)\n",
           (unsigned long long)s.records, (unsigned long long)s.imported,
           (unsigned long long)s.duplicates, (unsigned long long)s.bad_records);
    printf("  new by category: management %llu, data %llu, insight %llu\n",
           (unsigned long long)s.by_cat[OT_HCAT_MANAGEMENT],
           (unsigned long long)s.by_cat[OT_HCAT_DATA],
           (unsigned long long)s.by_cat[OT_HCAT_INSIGHT]);
}

static int report_failures(ot_import *im)
{
    size_t n;
    const ot_import_file *f = ot_import_files(im, &n);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].status == OT_IMPORT_FAILED) {
            ot_cli_error("import", "%s: %s", f[i].name, f[i].reason);
            failed++;
        } else if (f[i].bad_records) {
            ot_cli_error("import", "%s: %llu of %llu records skipped (malformed or without "
                         "eventID/eventTime)", f[i].name, (unsigned long long)f[i].bad_records,
                         (unsigned long long)f[i].records);
        }
    }
    return failed;
}

static int apply_retention(ot_history *h, int64_t retention_ms, uint64_t *deleted)
{
    int n, rc;
    *deleted = 0;
    do {
        rc = ot_history_expire(h, ot_now_ms() - retention_ms, 5000, true, &n);
        *deleted += (uint64_t)n;
    } while (!rc && n == 5000);
    return rc;
}

/* ---- s3:// over the S3 API ---- */

typedef struct s3_reader {
    ot_aws_client client;
    ot_aws_pool *pool;   /* the workers' connections, kept across objects */
} s3_reader;

static int s3_list(void *ctx, const char *bucket, const char *prefix, ot_import_add_fn add,
                   void *actx, char *err, size_t errlen)
{
    s3_reader *r = ctx;
    CURL *c = ot_aws_pool_take(r->pool);
    int rc = c ? ot_aws_s3_list(&r->client, c, bucket, prefix, add, actx, err, errlen)
               : OT_ENOMEM;
    ot_aws_pool_give(r->pool, c);
    return rc;
}

static int s3_get(void *ctx, const char *bucket, const char *key, ot_buf *out, char *err,
                  size_t errlen)
{
    s3_reader *r = ctx;
    ot_aws_response resp;
    ot_aws_response_init(&resp, 0);
    ot_buf t = resp.body; /* lend out (its memory and cap) to the response */
    resp.body = *out;
    CURL *c = ot_aws_pool_take(r->pool);
    int rc = c ? ot_aws_s3_get(&r->client, c, bucket, key, &resp, err, errlen) : OT_ENOMEM;
    ot_aws_pool_give(r->pool, c);
    *out = resp.body;
    resp.body = t;
    ot_aws_response_free(&resp);
    return rc;
}

/* The S3 source of `import s3://...`, over r (the caller's; it frees r->pool). */
static int s3_source(const ot_aws_client_opts *co, s3_reader *r, ot_import_source *src,
                     char *err, size_t errlen)
{
    int rc = ot_aws_client_init(&r->client, co, err, errlen);
    if (!rc && (rc = ot_aws_pool_new(&r->pool)))
        snprintf(err, errlen, "out of memory");
    *src = (ot_import_source){s3_list, s3_get, r};
    return rc;
}

typedef struct import_opts {
    const char *data_dir;
    bool retention;
    int64_t retention_ms;
    bool quiet;
} import_opts;

/* Runs the import of the files im found into DATA-DIR's history; the exit status. */
static int import_into(ot_import *im, const import_opts *o)
{
    char err[512] = "", path[1024];
    if (ot_datadir_prepare(o->data_dir, err, sizeof err))
        return ot_cli_error("import", "%s", err);
    snprintf(path, sizeof path, "%s/history.db", o->data_dir);
    ot_history *h = NULL;
    ot_history_opts ho = {.bulk = true, .readers = 1};
    if (ot_history_open(path, &ho, &h))
        return ot_cli_error("import", "cannot open %s", path);
    int64_t t0 = ot_monotonic_ms();
    run_ctx r = {.im = im, .h = h, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    bool tty = !o->quiet && isatty(2);
    if (tty)
        run_with_progress(&r, t0);
    else
        run_thread(&r);
    double secs = (double)(ot_monotonic_ms() - t0) / 1000.0;
    if (tty) {
        progress(im, secs);
        fputc('\n', stderr);
    }
    int failed = report_failures(im);
    int rc = r.rc;
    uint64_t deleted = 0;
    if (!rc && o->retention)
        rc = apply_retention(h, o->retention_ms, &deleted);
    if (!o->quiet) {
        summary(im, secs);
        if (o->retention)
            printf("  retention: %llu events older than the window deleted\n",
                   (unsigned long long)deleted);
    }
    if (rc == OT_EEXIST)
        ot_cli_error("import", "another 'opentrail import' is writing to %s; wait for it to "
                     "finish, then run this one again", o->data_dir);
    else if (rc)
        ot_cli_error("import", "writing %s failed: %s", path, ot_strerror(rc));
    ot_history_close(h);
    return rc || failed ? OT_EXIT_FAILURE : OT_EXIT_OK;
}

int ot_cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, 0, 'd'}, {"apply-retention", no_argument, 0, 'r'},
        {"retention", required_argument, 0, 'R'}, {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'},           {"help", no_argument, 0, 'h'},
        {"region", required_argument, 0, 'g'},    {"profile", required_argument, 0, 'p'},
        {0, 0, 0, 0}};
    ot_aws_client_opts co = {.service = "s3", .protocol = OT_AWS_REST_XML};
    const char *data_dir = "./opentrail-data";
    bool retention = false, quiet = false;
    int64_t retention_ms = 90LL * 86400 * 1000;
    int threads = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data_dir = optarg; break;
        case 'r': retention = true; break;
        case 'R':
            if (ot_duration_parse(optarg, &retention_ms) || retention_ms <= 0)
                return ot_cli_usage("import", "--retention: expected a duration such as 90d, "
                                    "got '%s'", optarg);
            break;
        case 't':
            threads = strspn(optarg, "0123456789") == strlen(optarg) && strlen(optarg) <= 4
                          ? (int)strtol(optarg, NULL, 10) : 0;
            if (threads < 1)
                return ot_cli_usage("import", "--threads: expected a whole number from 1 to "
                                    "9999, got '%s'", optarg);
            break;
        case 'q': quiet = true; break;
        case 'g': co.region = optarg; break;
        case 'p': co.profile = optarg; break;
        case 'h': fputs(import_help, stdout); return 0;
        default: return ot_cli_bad_option("import", c, argv);
        }
    }
    if (optind != argc - 1)
        return ot_cli_usage("import", "expected one PATH or s3://BUCKET/PREFIX");
    const char *source = argv[optind];
    char err[512] = "";
    s3_reader s3 = {.pool = NULL};
    ot_import_source remote = {0};
    ot_import_opts io = {.remote = &remote, .threads = threads};
    ot_import *im = NULL;
    co.data_dir = data_dir;
    int rc = OT_EXIT_FAILURE;
    if ((!strncmp(source, "s3://", 5) && s3_source(&co, &s3, &remote, err, sizeof err)) ||
        ot_import_new(source, &io, &im, err, sizeof err))
        ot_cli_error("import", "%s", err);
    else
        rc = import_into(im, &(import_opts){data_dir, retention, retention_ms, quiet});
    ot_import_free(im);
    ot_aws_pool_free(s3.pool);
    return rc;
}
