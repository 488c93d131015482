/* metrics_process.c — the process series, read from /proc/self when scraped (metrics.h). */
#include <dirent.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "util/metrics.h"

OT_GAUGE(m_start, "opentrail_process_start_time_seconds",
         "When the process started, in seconds since the Unix epoch.");
OT_GAUGE(m_fds, "opentrail_process_open_fds", "File descriptors the process has open.");
OT_GAUGE(m_rss, "opentrail_process_resident_memory_bytes", "Resident memory of the process.");

__attribute__((constructor)) static void note_start(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ot_metric_set(&m_start, (double)ts.tv_sec + ts.tv_nsec / 1e9);
}

static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    long n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static double resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    int got = f ? fscanf(f, "%lu %lu", &size, &resident) : 0;
    if (f)
        fclose(f);
    return got == 2 ? (double)resident * (double)sysconf(_SC_PAGESIZE) : -1;
}

void ot_metrics_process_refresh(void)
{
    long fds = open_fds();
    double rss = resident_bytes();
    if (fds >= 0)
        ot_metric_set(&m_fds, (double)fds);
    if (rss >= 0)
        ot_metric_set(&m_rss, rss);
}
