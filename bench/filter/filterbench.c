/* filterbench.c — how fast filter patterns evaluate over realistic CloudTrail events, beside
 * the in-process ceiling measured in the same run: parsing each event's JSON once with the
 * project's reader (simdjson), which a JSON pattern must do at least once per event unless it
 * can rule the event out first.
 *
 * Reads NDJSON events (one CloudTrail record a line), then for each CIS pattern
 * (tests/unit/filter_cis.h) matches every event over and over for SECONDS, single-threaded, and
 * prints events/s per core, the matches, and the ratio to the ceiling.
 *
 *   ot_filterbench EVENTS.ndjson [SECONDS=2] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "../../tests/unit/filter_cis.h"
#include "util/buf.h"
#include "util/json.h"
#include <time.h>

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct span { size_t off, len; } span;

static ot_buf corpus;
static span *events;
static size_t nevents;

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    ot_buf_init(&corpus, 0);
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (ot_buf_append(&corpus, chunk, n))
            exit(1);
    fclose(f);
    size_t cap = 0;
    for (size_t i = 0; i < corpus.len;) {
        char *nl = memchr(corpus.data + i, '\n', corpus.len - i);
        size_t end = nl ? (size_t)(nl - corpus.data) : corpus.len;
        if (end > i) {
            if (nevents == cap && !(events = realloc(events, (cap = cap ? cap * 2 : 1024) * sizeof *events)))
                exit(1);
            events[nevents++] = (span){i, end - i};
        }
        i = end + 1;
    }
}

/* Runs fn over every event until seconds pass; returns events per second. */
static double rate(double seconds, size_t (*fn)(void *ctx, const char *ev, size_t len), void *ctx,
                   size_t *hits)
{
    int64_t start = mono_ns(), stop = start + (int64_t)(seconds * 1e9);
    size_t done = 0;
    *hits = 0;
    do {
        size_t h = 0;
        for (size_t i = 0; i < nevents; i++)
            h += fn(ctx, corpus.data + events[i].off, events[i].len);
        *hits = h;
        done += nevents;
    } while (mono_ns() < stop);
    return (double)done / ((double)(mono_ns() - start) / 1e9);
}

static size_t parse_once(void *ctx, const char *ev, size_t len)
{
    ot_json root;
    return ot_json_parse(ctx, ev, len, false, &root, NULL, 0) == 0;
}

typedef struct match_ctx { ot_filter *f; ot_filter_fields *fx; } match_ctx;

static size_t match_one(void *ctx, const char *ev, size_t len)
{
    match_ctx *m = ctx;
    return ot_filter_match(m->f, ev, len, m->fx);
}

/* The whole pack on each event, as a log group carrying every CIS metric filter would. */
typedef struct pack_ctx {
    ot_filter *f[FILTER_CIS_COUNT];
    ot_filter_set *set;
    ot_filter_fields *fx;
} pack_ctx;

/* One filter after the other, each scanning and parsing the event itself. */
static size_t match_pack_apart(void *ctx, const char *ev, size_t len)
{
    pack_ctx *p = ctx;
    size_t h = 0;
    for (size_t i = 0; i < FILTER_CIS_COUNT; i++)
        h += ot_filter_match(p->f[i], ev, len, p->fx);
    return h;
}

/* ot_filter_set_match: each string of the event looked up once for all the filters. */
static size_t match_set(void *ctx, const char *ev, size_t len)
{
    pack_ctx *p = ctx;
    bool hit[FILTER_CIS_COUNT];
    return ot_filter_set_match(p->set, ev, len, p->fx, hit);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ot_filterbench EVENTS.ndjson [SECONDS]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    load(argv[1]);
    printf("%zu events, %.0f bytes each on average, %.1f s per measurement, one core\n", nevents,
           (double)corpus.len / (double)(nevents ? nevents : 1), seconds);
    ot_json_doc *doc = ot_json_doc_new();
    size_t hits;
    double ceiling = rate(seconds, parse_once, doc, &hits);
    printf("%-14s %12.0f events/s  (parse each event's JSON once: the ceiling)\n", "ceiling",
           ceiling);
    match_ctx m = {.fx = ot_filter_fields_new()};
    double worst = 0;
    for (size_t i = 0; i < FILTER_CIS_COUNT; i++) {
        const char *p = filter_cis_cases[i].pattern;
        ot_filter_error e;
        if (ot_filter_compile(p, strlen(p), &m.f, &e)) {
            fprintf(stderr, "%s: %s\n", filter_cis_cases[i].control, e.message);
            return 1;
        }
        double r = rate(seconds, match_one, &m, &hits);
        printf("%-14s %12.0f events/s  %8zu matches  %5.2fx the ceiling\n",
               filter_cis_cases[i].control, r, hits, r / ceiling);
        worst = worst == 0 || r < worst ? r : worst;
        ot_filter_free(m.f);
    }
    printf("slowest CIS pattern: %.0f events/s per core (%.2fx the ceiling)\n", worst,
           worst / ceiling);
    pack_ctx pack = {.fx = m.fx};
    for (size_t i = 0; i < FILTER_CIS_COUNT; i++) {
        const char *p = filter_cis_cases[i].pattern;
        if (ot_filter_compile(p, strlen(p), &pack.f[i], NULL))
            return 1;
    }
    double r = rate(seconds, match_pack_apart, &pack, &hits);
    printf("all %zu patterns, one ot_filter_match each: %.0f events/s per core (%.2fx the "
           "ceiling), %zu matches\n", FILTER_CIS_COUNT, r, r / ceiling, hits);
    if (ot_filter_set_new(pack.f, FILTER_CIS_COUNT, &pack.set))
        return 1;
    r = rate(seconds, match_set, &pack, &hits);
    printf("all %zu patterns, ot_filter_set_match:      %.0f events/s per core (%.2fx the "
           "ceiling), %zu matches\n", FILTER_CIS_COUNT, r, r / ceiling, hits);
    ot_filter_set_free(pack.set);
    for (size_t i = 0; i < FILTER_CIS_COUNT; i++)
        ot_filter_free(pack.f[i]);
    ot_filter_fields_free(m.fx);
    ot_json_doc_free(doc);
    ot_buf_free(&corpus);
    free(events);
    return 0;
}
