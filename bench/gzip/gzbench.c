/* gzbench.c — which gzip codec delivery should use, measured on CloudTrail-sized batches.
 *
 * Takes PutAuditEvents bodies (bench/ingest/make_bodies.py output), groups the events into
 * {"Records":[...]} batches of 145 (the mean CloudTrail file), and compresses every batch with
 * each candidate for SECONDS, single-threaded. Prints MB/s of input and the ratio.
 *
 *   ot_gzbench BODIES [SECONDS=3] */
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/timeutil.h"

static ot_buf *batches;
static size_t nbatches;

static size_t isal(const ot_buf *in, uint8_t *out, size_t cap, int level)
{
    static uint8_t lvlbuf[ISAL_DEF_LVL3_DEFAULT];
    struct isal_zstream zs;
    isal_deflate_init(&zs);
    zs.level = (uint32_t)level;
    zs.level_buf = lvlbuf;
    zs.level_buf_size = level == 1 ? ISAL_DEF_LVL1_DEFAULT : ISAL_DEF_LVL3_DEFAULT;
    zs.gzip_flag = IGZIP_GZIP;
    zs.end_of_stream = 1;
    zs.next_in = (uint8_t *)in->data;
    zs.avail_in = (uint32_t)in->len;
    zs.next_out = out;
    zs.avail_out = (uint32_t)cap;
    isal_deflate(&zs);
    return zs.total_out;
}

static size_t zlib(const ot_buf *in, uint8_t *out, size_t cap, int level)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)in->data;
    zs.avail_in = (uInt)in->len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    ot_json_doc *doc = ot_json_doc_new();
    char *line = NULL;
    size_t cap = 0, in_batch = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0 && nbatches < 2000) {
        ot_json root, arr, ev, v;
        if (ot_json_parse(doc, line, (size_t)n, false, &root, NULL, 0) ||
            ot_json_get(root, "auditEvents", &arr))
            continue;
        ot_json_iter it;
        ot_json_array_iter(arr, &it);
        while (ot_json_array_next(&it, &ev)) {
            const char *s;
            size_t len;
            if (ot_json_get(ev, "eventData", &v) || ot_json_str(v, &s, &len))
                continue;
            if (!in_batch) {
                batches = realloc(batches, (nbatches + 1) * sizeof *batches);
                ot_buf_init(&batches[nbatches++], 0);
                ot_buf_puts(&batches[nbatches - 1], "{\"Records\":[");
            }
            ot_buf *b = &batches[nbatches - 1];
            if (in_batch)
                ot_buf_putc(b, ',');
            ot_buf_append(b, s, len);
            if (++in_batch == 145) {
                ot_buf_puts(b, "]}");
                in_batch = 0;
            }
        }
    }
    if (in_batch)
        ot_buf_puts(&batches[nbatches - 1], "]}");
    free(line);
    fclose(f);
    ot_json_doc_free(doc);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ot_gzbench BODIES [SECONDS]\n");
        return 2;
    }
    int seconds = argc > 2 ? atoi(argv[2]) : 3;
    load(argv[1]);
    struct { const char *name; size_t (*fn)(const ot_buf *, uint8_t *, size_t, int); int level; } c[] = {
        {"isal-1", isal, 1}, {"isal-3", isal, 3}, {"zlib-1", zlib, 1}, {"zlib-6", zlib, 6}};
    size_t cap = 64 << 20;
    uint8_t *out = malloc(cap);
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        uint64_t in = 0, outb = 0;
        int64_t t0 = ot_monotonic_ms(), end = t0 + seconds * 1000;
        for (size_t i = 0; ot_monotonic_ms() < end; i++) {
            const ot_buf *b = &batches[i % nbatches];
            in += b->len;
            outb += c[k].fn(b, out, cap, c[k].level);
        }
        double secs = (double)(ot_monotonic_ms() - t0) / 1e3;
        printf("%-7s %7.1f MB/s  ratio %.2f\n", c[k].name, (double)in / secs / 1e6,
               (double)in / (double)outb);
    }
    free(out);
    return 0;
}
