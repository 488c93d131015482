/* ceiling.c — the machine's ceiling for validation: inflate (ISA-L igzip) + SHA-256 (OpenSSL) of
 * the same .json.gz files, already in memory, on N threads. Prints MB/s of compressed input and
 * of inflated output. Built by bench/validate/run.sh with cc (not part of the CMake build).
 *   ceiling LISTFILE THREADS */
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { unsigned char *d; size_t n; } blob;
static blob *files;
static size_t nfiles;
static atomic_size_t next_i;
static atomic_ullong out_bytes;

static void *work(void *a)
{
    size_t cap = 64u << 20;
    unsigned char *out = malloc(cap);
    size_t i;
    while ((i = atomic_fetch_add(&next_i, 1)) < nfiles) {
        struct inflate_state st;
        isal_inflate_init(&st);
        st.crc_flag = ISAL_GZIP;
        st.next_in = files[i].d;
        st.avail_in = (uint32_t)files[i].n;
        st.next_out = out;
        st.avail_out = (uint32_t)cap;
        isal_inflate(&st);
        size_t n = cap - st.avail_out;
        unsigned char md[32];
        unsigned int ml;
        EVP_Digest(out, n, md, &ml, EVP_sha256(), NULL);
        atomic_fetch_add(&out_bytes, n);
    }
    free(out);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    FILE *l = fopen(argv[1], "r");
    char path[4096];
    size_t cap = 0, in_bytes = 0;
    while (l && fgets(path, sizeof path, l)) {
        path[strcspn(path, "\n")] = 0;
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        if (nfiles == cap)
            files = realloc(files, (cap = cap ? cap * 2 : 1024) * sizeof *files);
        files[nfiles].d = malloc((size_t)n);
        files[nfiles].n = fread(files[nfiles].d, 1, (size_t)n, f);
        in_bytes += files[nfiles++].n;
        fclose(f);
    }
    int t = atoi(argv[2]);
    pthread_t th[256];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < t; i++)
        pthread_create(&th[i], NULL, work, NULL);
    for (int i = 0; i < t; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("ceiling: %zu files, %.1f MB gz, %.1f MB json, %.3f s, %.0f MB/s json\n", nfiles,
           (double)in_bytes / 1e6, (double)out_bytes / 1e6, s, (double)out_bytes / 1e6 / s);
    return 0;
}
