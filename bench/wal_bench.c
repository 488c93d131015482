/* wal_bench.c — durable append throughput of the WAL (group commit) with concurrent appenders.
 *
 *   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel -j2
 *   cc -O2 -D_GNU_SOURCE -Isrc bench/wal_bench.c build-rel/libopentrail_core.a \
 *      $(pkg-config --libs libisal) -lpthread -o build-rel/wal_bench
 *   build-rel/wal_bench DIR [threads=16] [batch=1] [seconds=3] [bytes=1400] [nosync=0]
 *
 * Prints events/s, MB/s, appends per fdatasync (counted through the ot_sys table). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/sysio.h"
#include "wal/wal.h"

static atomic_long syncs, events;
static atomic_bool stop;
static int batch = 1;
static size_t bytes = 1400;

static int counting_fdatasync(int fd)
{
    atomic_fetch_add(&syncs, 1);
    return fdatasync(fd);
}

static void *worker(void *arg)
{
    ot_wal *w = arg;
    char *buf = malloc(bytes);
    memset(buf, '{', bytes);
    const void **ps = malloc(batch * sizeof *ps);
    size_t *lens = malloc(batch * sizeof *lens);
    for (int i = 0; i < batch; i++) {
        ps[i] = buf;
        lens[i] = bytes;
    }
    while (!atomic_load(&stop)) {
        uint64_t lsn;
        if (ot_wal_append(w, ps, lens, batch, &lsn)) {
            fprintf(stderr, "append failed\n");
            break;
        }
        atomic_fetch_add(&events, batch);
    }
    free(buf);
    free(ps);
    free(lens);
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: wal_bench DIR [threads] [batch] [seconds] [bytes] [nosync]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 16;
    batch = argc > 3 ? atoi(argv[3]) : 1;
    int secs = argc > 4 ? atoi(argv[4]) : 3;
    bytes = argc > 5 ? (size_t)atoi(argv[5]) : 1400;
    static ot_sysio counting;
    counting = ot_sys_default;
    counting.fdatasync = counting_fdatasync;
    ot_sys = &counting;
    ot_wal_opts o = {.dir = argv[1], .no_sync = argc > 6 && atoi(argv[6])};
    ot_wal *w;
    ot_wal_recovery rec;
    if (ot_wal_open(&o, &w, &rec)) {
        fprintf(stderr, "open: %s\n", rec.detail);
        return 1;
    }
    pthread_t *th = calloc(threads, sizeof *th);
    double t0 = now();
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, w);
    sleep(secs);
    atomic_store(&stop, true);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double dt = now() - t0;
    long ev = atomic_load(&events), sy = atomic_load(&syncs);
    printf("threads=%d batch=%d bytes=%zu: %.0f events/s, %.1f MB/s, %ld fdatasyncs (%.1f events each)\n", threads,
           batch, bytes, ev / dt, ev * (bytes + 16) / dt / 1e6, sy, sy ? (double)ev / sy : 0);
    ot_wal_close(w);
    free(th);
    return 0;
}
