/* loadgen.c — PutAuditEvents load client for bench/ingest.
 *
 * N threads, each with a keep-alive libcurl handle, send pre-built request bodies (one per line
 * of BODIES) round robin, signing each with SigV4 (our own signer, the one the server verifies
 * with). Prints acknowledged events/s, MB/s of eventData, p50/p99 acknowledgement latency and
 * the client's own CPU use, so a reader can see the client was not the bottleneck.
 *
 *   ot_loadgen --endpoint http://127.0.0.1:4590 --channel ARN --bodies FILE
 *              --access-key AK --secret SK [--region us-east-1] [--clients 8] [--seconds 20] */
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "api/http.h"
#include "api/sigv4.h"
#include "util/buf.h"
#include "util/timeutil.h"

typedef struct body { char *data; size_t len; int events; } body;

static struct {
    const char *endpoint, *channel, *bodies, *ak, *sk, *region;
    int clients, seconds;
    body *b;
    size_t nb;
    char query[1024];
    char host[256];
} g = {.region = "us-east-1", .clients = 8, .seconds = 20};

typedef struct worker {
    pthread_t t;
    int id;
    uint64_t events, bytes, errors, requests;
    double *lat;
    size_t nlat, caplat;
} worker;

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    ot_buf *b = ud;
    ot_buf_append(b, p, s * n);
    return s * n;
}

static void encode_query(void)
{
    static const char keep[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
    char *o = g.query + sprintf(g.query, "channelArn=");
    for (const char *p = g.channel; *p; p++)
        o += strchr(keep, *p) ? sprintf(o, "%c", *p) : sprintf(o, "%%%02X", (unsigned char)*p);
}

static void sign(const body *b, struct curl_slist **hdrs)
{
    char amz_date[17], date[9];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    ot_req r;
    memset(&r, 0, sizeof r);
    r.method = "POST";
    r.raw_path = "/PutAuditEvents";
    r.raw_query = g.query;
    r.headers[0] = (ot_header){"content-type", "application/json"};
    r.headers[1] = (ot_header){"host", g.host};
    r.headers[2] = (ot_header){"x-amz-date", amz_date};
    r.nheaders = 3;
    r.body = b->data;
    r.body_len = b->len;
    ot_sigv4_scope sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.access_key, sizeof sc.access_key, "%s", g.ak);
    snprintf(sc.date, sizeof sc.date, "%s", date);
    snprintf(sc.region, sizeof sc.region, "%s", g.region);
    snprintf(sc.service, sizeof sc.service, "cloudtrail-data");
    snprintf(sc.amz_date, sizeof sc.amz_date, "%s", amz_date);
    snprintf(sc.signed_headers, sizeof sc.signed_headers, "content-type;host;x-amz-date");
    char sig[65], line[512];
    ot_sigv4_sign(&r, &sc, g.sk, sig);
    *hdrs = curl_slist_append(*hdrs, "Content-Type: application/json");
    snprintf(line, sizeof line, "X-Amz-Date: %s", amz_date);
    *hdrs = curl_slist_append(*hdrs, line);
    snprintf(line, sizeof line,
             "Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/%s/cloudtrail-data/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date, Signature=%s", g.ak, date, g.region, sig);
    *hdrs = curl_slist_append(*hdrs, line);
    *hdrs = curl_slist_append(*hdrs, "Expect:");
}

static void *run(void *arg)
{
    worker *w = arg;
    CURL *c = curl_easy_init();
    char url[1400];
    snprintf(url, sizeof url, "%s/PutAuditEvents?%s", g.endpoint, g.query);
    ot_buf resp;
    ot_buf_init(&resp, 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    int64_t end = ot_monotonic_ms() + (int64_t)g.seconds * 1000;
    for (size_t i = (size_t)w->id; ot_monotonic_ms() < end; i += (size_t)g.clients) {
        const body *b = &g.b[i % g.nb];
        struct curl_slist *h = NULL;
        sign(b, &h);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, b->data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)b->len);
        ot_buf_reset(&resp);
        int64_t t0 = ot_monotonic_ms();
        struct timespec a, z;
        clock_gettime(CLOCK_MONOTONIC, &a);
        CURLcode rc = curl_easy_perform(c);
        clock_gettime(CLOCK_MONOTONIC, &z);
        (void)t0;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        w->requests++;
        if (rc != CURLE_OK || status != 200 || !resp.data || strstr(resp.data, "\"failed\":[{")) {
            if (w->errors++ < 3)
                fprintf(stderr, "request failed: curl %d, HTTP %ld: %.300s\n", rc, status,
                        resp.data ? resp.data : "");
            continue;
        }
        w->events += (uint64_t)b->events;
        w->bytes += b->len;
        if (w->nlat == w->caplat) {
            w->caplat = w->caplat ? w->caplat * 2 : 1024;
            w->lat = realloc(w->lat, w->caplat * sizeof *w->lat);
        }
        w->lat[w->nlat++] = (double)(z.tv_sec - a.tv_sec) * 1e3 + (double)(z.tv_nsec - a.tv_nsec) / 1e6;
    }
    ot_buf_free(&resp);
    curl_easy_cleanup(c);
    return NULL;
}

static int load_bodies(void)
{
    FILE *f = fopen(g.bodies, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        g.b = realloc(g.b, (g.nb + 1) * sizeof *g.b);
        body *b = &g.b[g.nb++];
        b->data = strdup(line);
        b->len = (size_t)n;
        b->events = 0;
        for (char *p = line; (p = strstr(p, "\"eventData\":")); p++)
            b->events++;
    }
    free(line);
    fclose(f);
    return g.nb ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"endpoint", 1, 0, 'e'}, {"channel", 1, 0, 'c'}, {"bodies", 1, 0, 'b'},
        {"access-key", 1, 0, 'a'}, {"secret", 1, 0, 's'}, {"region", 1, 0, 'r'},
        {"clients", 1, 0, 'n'}, {"seconds", 1, 0, 't'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e': g.endpoint = optarg; break;
        case 'c': g.channel = optarg; break;
        case 'b': g.bodies = optarg; break;
        case 'a': g.ak = optarg; break;
        case 's': g.sk = optarg; break;
        case 'r': g.region = optarg; break;
        case 'n': g.clients = atoi(optarg); break;
        case 't': g.seconds = atoi(optarg); break;
        default: return 2;
        }
    }
    if (!g.endpoint || !g.channel || !g.bodies || !g.ak || !g.sk || g.clients < 1) {
        fprintf(stderr, "usage: ot_loadgen --endpoint URL --channel ARN --bodies FILE "
                        "--access-key AK --secret SK [--region R] [--clients N] [--seconds S]\n");
        return 2;
    }
    if (load_bodies()) {
        fprintf(stderr, "cannot read request bodies from %s\n", g.bodies);
        return 1;
    }
    snprintf(g.host, sizeof g.host, "%s", strstr(g.endpoint, "://") ? strstr(g.endpoint, "://") + 3 : g.endpoint);
    encode_query();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    worker *w = calloc((size_t)g.clients, sizeof *w);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    int64_t t0 = ot_monotonic_ms();
    for (int i = 0; i < g.clients; i++) {
        w[i].id = i;
        pthread_create(&w[i].t, NULL, run, &w[i]);
    }
    uint64_t events = 0, bytes = 0, errors = 0;
    size_t nlat = 0;
    for (int i = 0; i < g.clients; i++) {
        pthread_join(w[i].t, NULL);
        events += w[i].events;
        bytes += w[i].bytes;
        errors += w[i].errors;
        nlat += w[i].nlat;
    }
    double secs = (double)(ot_monotonic_ms() - t0) / 1e3;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    double *all = malloc((nlat ? nlat : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < g.clients; i++) {
        memcpy(all + k, w[i].lat, w[i].nlat * sizeof *all);
        k += w[i].nlat;
        free(w[i].lat);
    }
    qsort(all, nlat, sizeof *all, cmp_double);
    double p50 = nlat ? all[nlat / 2] : 0, p99 = nlat ? all[(size_t)((double)nlat * 0.99)] : 0;
    printf("events_acked=%llu seconds=%.2f events_per_s=%.0f MB_per_s=%.1f p50_ms=%.2f p99_ms=%.2f "
           "errors=%llu client_cpu_s=%.2f client_cpu_pct=%.0f\n",
           (unsigned long long)events, secs, (double)events / secs, (double)bytes / secs / 1e6, p50,
           p99, (unsigned long long)errors, cpu, 100.0 * cpu / secs);
    free(all);
    free(w);
    curl_global_cleanup();
    return errors ? 1 : 0;
}
