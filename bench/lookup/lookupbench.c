/* lookupbench.c — event history lookup latency at scale.
 *   lookupbench gen DB N       N synthetic management events into DB through the real insert
 *                              path (ot_history_add: simdjson extract + prepared inserts)
 *   lookupbench query DB REPS  p50/p99 of a first page and of a deep page (page 100) of 50, per
 *                              attribute key, in-process (ot_history_query_run, region-scoped as
 *                              LookupEvents is), plus the value used and its match count.
 * Built by bench/lookup/run.sh against build-release/libopentrail_core.a. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history/history.h"
#include "util/err.h"
#include "util/timeutil.h"

#define NAMES 40
#define USERS 300
#define SOURCES 25

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* Zipf-ish pick: small indexes much more often. */
static int skewed(int n) { return (int)((next_rand() % 1000) * (next_rand() % 1000) / 1000000.0 * n); }

static int gen(const char *db, long n)
{
    ot_history *h;
    ot_history_opts o = {.bulk = true};
    if (ot_history_open(db, &o, &h))
        return 1;
    char rec[4096];
    int64_t end = ot_now_ms(), span = 80LL * 86400 * 1000;
    int64_t t0 = now_ns();
    ot_history_bulk_begin(h);
    ot_history_begin(h);
    for (long i = 0; i < n; i++) {
        int name = skewed(NAMES), user = skewed(USERS), src = skewed(SOURCES);
        int64_t t = end - span + (int64_t)((double)i / (double)n * (double)span);
        char when[32];
        ot_time_iso8601(t, when);
        snprintf(rec, sizeof rec,
                 "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\","
                 "\"principalId\":\"AROAEXAMPLE:user%d\",\"arn\":\"arn:aws:sts::123456789012:"
                 "assumed-role/role%d/user%d\",\"accountId\":\"123456789012\",\"accessKeyId\":"
                 "\"ASIA%012d\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\","
                 "\"userName\":\"role%d\"},\"attributes\":{\"mfaAuthenticated\":\"false\"}}},"
                 "\"eventTime\":\"%s\",\"eventSource\":\"svc%d.amazonaws.com\",\"eventName\":"
                 "\"Op%d\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"10.0.%d.%d\","
                 "\"userAgent\":\"aws-sdk-go/1.44.0 (go1.20; linux; amd64)\",\"requestParameters\":"
                 "{\"bucketName\":\"bucket-%d\",\"key\":\"obj/%ld\"},\"responseElements\":null,"
                 "\"requestID\":\"%016lx\",\"eventID\":\"%08lx-0000-4000-8000-%012lx\","
                 "\"readOnly\":%s,\"resources\":[{\"accountId\":\"123456789012\",\"type\":"
                 "\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::bucket-%d\"}],\"eventType\":"
                 "\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":\"123456789012\","
                 "\"eventCategory\":\"Management\"}",
                 user, user % 20, user, user, user % 20, when, src, name, (int)(i % 250),
                 (int)(i / 250 % 250), skewed(2000), i, (unsigned long)next_rand(), i, i, name % 3 ? "true" : "false",
                 skewed(2000));
        int added;
        if (ot_history_add(h, rec, strlen(rec), -1, false, &added)) {
            fprintf(stderr, "insert failed at %ld\n", i);
            return 1;
        }
        if (i % 100000 == 99999) {
            ot_history_commit(h, 0);
            ot_history_begin(h);
        }
    }
    ot_history_commit(h, 0);
    ot_history_bulk_end(h);
    double s = (double)(now_ns() - t0) / 1e9;
    printf("RESULT gen events=%ld seconds=%.1f events_per_s=%.0f\n", n, s, (double)n / s);
    ot_history_close(h);
    return 0;
}

static int count_rows(void *ctx, const ot_history_hit *e)
{
    (void)e;
    ++*(long *)ctx;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void measure(ot_history *h, ot_history_key k, const char *v, int reps)
{
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 50,
                          .region = "us-east-1", .nattrs = k == OT_HK_COUNT ? 0 : 1};
    q.attrs[0].key = k;
    q.attrs[0].value = v;
    int64_t *first = calloc((size_t)reps, sizeof *first), *deep = calloc((size_t)reps, sizeof *deep);
    long rows = 0;
    int depth = 0;
    for (int r = 0; r < reps; r++) {
        bool more;
        ot_history_cursor cur;
        q.after = NULL;
        int64_t t = now_ns();
        ot_history_query_run(h, &q, count_rows, &rows, &more, &cur);
        first[r] = now_ns() - t;
        /* walk to page 100 (or the last page) and time the next one */
        depth = 1;
        for (; more && depth < 100; depth++) {
            q.after = &cur;
            ot_history_query_run(h, &q, count_rows, &rows, &more, &cur);
        }
        q.after = more ? &cur : NULL;
        t = now_ns();
        ot_history_query_run(h, &q, count_rows, &rows, &more, &cur);
        deep[r] = now_ns() - t;
    }
    qsort(first, (size_t)reps, sizeof *first, cmp);
    qsort(deep, (size_t)reps, sizeof *deep, cmp);
    printf("RESULT %-12s %-28.28s first p50=%.3f ms p99=%.3f ms   page%d p50=%.3f ms p99=%.3f ms\n",
           k == OT_HK_COUNT ? "(none)" : ot_history_key_name(k), v ? v : "", first[reps / 2] / 1e6,
           first[reps * 99 / 100] / 1e6, depth + 1, deep[reps / 2] / 1e6,
           deep[reps * 99 / 100] / 1e6);
    free(first);
    free(deep);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "gen"))
        return gen(argv[2], atol(argv[3]));
    if (argc != 4 || strcmp(argv[1], "query")) {
        fprintf(stderr, "usage: lookupbench gen DB N | query DB REPS\n");
        return 2;
    }
    ot_history *h;
    ot_history_opts o = {.read_only = true, .readers = 1};
    if (ot_history_open(argv[2], &o, &h))
        return 1;
    int reps = atoi(argv[3]);
    measure(h, OT_HK_COUNT, NULL, reps);
    measure(h, OT_HK_EVENT_NAME, "Op0", reps);
    measure(h, OT_HK_EVENT_NAME, "Op30", reps);
    measure(h, OT_HK_READ_ONLY, "false", reps);
    measure(h, OT_HK_USERNAME, "user0", reps);
    measure(h, OT_HK_USERNAME, "user200", reps);
    measure(h, OT_HK_RESOURCE_TYPE, "AWS::S3::Bucket", reps);
    measure(h, OT_HK_RESOURCE_NAME, "bucket-0", reps);
    measure(h, OT_HK_RESOURCE_NAME, "arn:aws:s3:::bucket-1500", reps);
    measure(h, OT_HK_EVENT_SOURCE, "svc0.amazonaws.com", reps);
    measure(h, OT_HK_ACCESS_KEY_ID, "ASIA000000000000", reps);
    measure(h, OT_HK_EVENT_ID, "00000010-0000-4000-8000-000000000010", reps);
    ot_history_close(h);
    return 0;
}
