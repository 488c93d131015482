/* ceiling.c — this machine's ingest ceiling for the same request bodies, measured in-process:
 * parse each PutAuditEvents body and every eventData in it (simdjson, as the server does), then
 * gzip the event bytes in CloudTrail-sized batches with ISA-L level 1 (the server's codec). No
 * network, no signing, no fsync. Runs THREADS pipelines (default: all cores) for SECONDS.
 *
 *   ot_ingest_ceiling BODIES [THREADS] [SECONDS] */
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/timeutil.h"

#define BATCH_EVENTS 145 /* the mean CloudTrail file of the reference corpus */

static char **bodies;
static size_t *lens, nbodies;
static int seconds = 5;

typedef struct job { pthread_t t; int id, n; uint64_t events, bytes; } job;

static void compress_batch(ot_buf *batch, uint8_t *out, size_t outcap)
{
    struct isal_zstream zs;
    uint8_t *level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
    isal_deflate_init(&zs);
    zs.level = 1;
    zs.level_buf = level_buf;
    zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    zs.gzip_flag = IGZIP_GZIP;
    zs.end_of_stream = 1;
    zs.flush = NO_FLUSH;
    zs.next_in = (uint8_t *)batch->data;
    zs.avail_in = (uint32_t)batch->len;
    zs.next_out = out;
    zs.avail_out = (uint32_t)outcap;
    isal_deflate(&zs);
    free(level_buf);
}

static void *run(void *arg)
{
    job *j = arg;
    ot_json_doc *outer = ot_json_doc_new(), *inner = ot_json_doc_new();
    ot_buf batch;
    ot_buf_init(&batch, 0);
    size_t outcap = 64 << 20;
    uint8_t *out = malloc(outcap);
    int in_batch = 0;
    int64_t end = ot_monotonic_ms() + seconds * 1000;
    for (size_t i = (size_t)j->id; ot_monotonic_ms() < end; i += (size_t)j->n) {
        size_t k = i % nbodies;
        ot_json root, arr, ev, v;
        if (ot_json_parse(outer, bodies[k], lens[k], true, &root, NULL, 0) ||
            ot_json_get(root, "auditEvents", &arr))
            abort();
        ot_json_iter it;
        ot_json_array_iter(arr, &it);
        while (ot_json_array_next(&it, &ev)) {
            const char *data;
            size_t n;
            if (ot_json_get(ev, "eventData", &v) || ot_json_str(v, &data, &n) ||
                ot_json_parse(inner, data, n, false, &v, NULL, 0))
                abort();
            ot_buf_putc(&batch, in_batch ? ',' : '[');
            ot_buf_append(&batch, data, n);
            j->events++;
            j->bytes += n;
            if (++in_batch == BATCH_EVENTS) {
                ot_buf_putc(&batch, ']');
                compress_batch(&batch, out, outcap);
                ot_buf_reset(&batch);
                in_batch = 0;
            }
        }
    }
    free(out);
    ot_buf_free(&batch);
    ot_json_doc_free(outer);
    ot_json_doc_free(inner);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ot_ingest_ceiling BODIES [THREADS] [SECONDS]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (argc > 3)
        seconds = atoi(argv[3]);
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        bodies = realloc(bodies, (nbodies + 1) * sizeof *bodies);
        lens = realloc(lens, (nbodies + 1) * sizeof *lens);
        ot_buf b;
        ot_buf_init(&b, 0);
        ot_buf_append(&b, line, (size_t)n);
        lens[nbodies] = b.len;
        bodies[nbodies++] = ot_buf_take(&b, NULL);
    }
    free(line);
    fclose(f);
    job *jobs = calloc((size_t)threads, sizeof *jobs);
    int64_t t0 = ot_monotonic_ms();
    for (int i = 0; i < threads; i++) {
        jobs[i].id = i;
        jobs[i].n = threads;
        pthread_create(&jobs[i].t, NULL, run, &jobs[i]);
    }
    uint64_t events = 0, bytes = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(jobs[i].t, NULL);
        events += jobs[i].events;
        bytes += jobs[i].bytes;
    }
    double secs = (double)(ot_monotonic_ms() - t0) / 1e3;
    printf("ceiling_events_per_s=%.0f ceiling_MB_per_s=%.1f threads=%d\n", (double)events / secs,
           (double)bytes / secs / 1e6, threads);
    for (size_t i = 0; i < nbodies; i++)
        free(bodies[i]);
    free(bodies);
    free(lens);
    free(jobs);
    return 0;
}
