/* rulesbench.c — how fast one event is matched against 1, 100, 1,000 and 10,000 EventBridge
 * rules at once (pattern/pattern.h), beside the in-process ceiling measured in the same run:
 * parsing each event's JSON once with the project's reader (simdjson), which the matcher does
 * exactly once per event.
 *
 * Reads NDJSON CloudTrail records and wraps each in EventBridge's envelope ("detail-type": "AWS
 * API Call via CloudTrail", "source": "aws.<service>", the record under "detail"), reads rules
 * (one pattern a line, bench/rules/make_rules.py), then for each rule count builds one set of the
 * first N rules and matches every event over and over on one core: five rounds of SECONDS / 5
 * each, the ceiling and every set in turn, each keeping its best round.
 *
 *   ot_rulesbench EVENTS.ndjson RULES.txt [SECONDS=2] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pattern/pattern.h"
#include "util/buf.h"
#include "util/json.h"

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct lines {
    char **v;
    size_t *len;
    size_t n, cap;
} lines;

static void push(lines *l, char *s, size_t n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        l->len = realloc(l->len, l->cap * sizeof *l->len);
        if (!l->v || !l->len)
            exit(1);
    }
    l->v[l->n] = s, l->len[l->n++] = n;
}

static void read_lines(const char *path, lines *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n)
            push(out, strndup(line, n), n);
    }
    free(line);
    fclose(f);
}

static const char *member(ot_json rec, const char *key, const char *dflt)
{
    const char *s;
    size_t n;
    return ot_json_get_str(rec, key, &s, &n) == 0 ? s : dflt;
}

/* The record in EventBridge's envelope, as CloudTrail delivers it to the default bus. */
static char *envelope(ot_json_doc *doc, const char *rec_text, size_t len, size_t *out_len)
{
    ot_json rec;
    if (ot_json_parse(doc, rec_text, len, false, &rec, NULL, 0))
        return NULL;
    const char *src = member(rec, "eventSource", "unknown.amazonaws.com");
    const char *type = member(rec, "eventType", "AwsApiCall");
    const char *dt = !strcmp(type, "AwsConsoleSignIn")  ? "AWS Console Sign In via CloudTrail"
                     : !strcmp(type, "AwsServiceEvent") ? "AWS Service Event via CloudTrail"
                                                        : "AWS API Call via CloudTrail";
    size_t svc = strcspn(src, ".");
    size_t cap = len + 512;
    char *out = malloc(cap);
    int n = snprintf(out, cap,
                     "{\"version\":\"0\",\"id\":\"%s\",\"detail-type\":\"%s\",\"source\":\"aws.%.*s\","
                     "\"account\":\"%s\",\"time\":\"%s\",\"region\":\"%s\",\"resources\":[],"
                     "\"detail\":%.*s}",
                     member(rec, "eventID", ""), dt, (int)svc, src,
                     member(rec, "recipientAccountId", ""), member(rec, "eventTime", ""),
                     member(rec, "awsRegion", ""), (int)len, rec_text);
    if (n < 0 || (size_t)n >= cap)
        return free(out), NULL;
    *out_len = (size_t)n;
    return out;
}

static double rate(double seconds, const lines *ev, const ot_pattern_set *s, ot_json_doc *doc,
                   ot_pattern_hits *hits, size_t *matches)
{
    int64_t start = mono_ns(), stop = start + (int64_t)(seconds * 1e9);
    size_t done = 0;
    do {
        size_t m = 0;
        for (size_t i = 0; i < ev->n; i++) {
            if (s) {
                if (ot_pattern_set_match(s, ev->v[i], ev->len[i], hits))
                    exit(1);
                m += hits->n;
            } else {
                ot_json root;
                m += ot_json_parse(doc, ev->v[i], ev->len[i], false, &root, NULL, 0) == 0;
            }
        }
        *matches = m;
        done += ev->n;
    } while (mono_ns() < stop);
    return (double)done / ((double)(mono_ns() - start) / 1e9);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ot_rulesbench EVENTS.ndjson RULES.txt [SECONDS]\n");
        return 2;
    }
    double seconds = argc > 3 ? atof(argv[3]) : 2.0;
    lines recs = {0}, ev = {0}, rules = {0};
    read_lines(argv[1], &recs);
    read_lines(argv[2], &rules);
    ot_json_doc *doc = ot_json_doc_new();
    size_t bytes = 0;
    for (size_t i = 0; i < recs.n; i++) {
        size_t n;
        char *e = envelope(doc, recs.v[i], recs.len[i], &n);
        if (e)
            push(&ev, e, n), bytes += n;
    }
    printf("%zu events in EventBridge's envelope, %.0f bytes each on average; %zu rules; %.1f s "
           "per measurement, one core\n", ev.n, (double)bytes / (double)(ev.n ? ev.n : 1), rules.n,
           seconds);
    /* every set is built first; then rounds measure the ceiling and each set in turn, and
     * each keeps its best round, so that a busy neighbour on a shared machine skews nothing */
    static const size_t counts[] = {1, 100, 1000, 10000};
    enum { NSETS = sizeof counts / sizeof counts[0], ROUNDS = 5 };
    ot_pattern_set *sets[NSETS];
    double build_ms[NSETS], best[NSETS + 1] = {0};
    size_t matches[NSETS + 1];
    for (size_t c = 0; c < NSETS; c++) {
        size_t n = counts[c] < rules.n ? counts[c] : rules.n;
        char msg[512];
        int64_t t0 = mono_ns();
        sets[c] = ot_pattern_set_new();
        for (size_t i = 0; i < n; i++)
            if (ot_pattern_set_add(sets[c], (uint32_t)i, rules.v[i], rules.len[i], msg, sizeof msg)) {
                fprintf(stderr, "rule %zu: %s\n", i + 1, msg);
                return 1;
            }
        if (ot_pattern_set_build(sets[c]))
            return 1;
        build_ms[c] = (double)(mono_ns() - t0) / 1e6;
    }
    ot_pattern_hits hits = {0};
    for (int round = 0; round < ROUNDS; round++)
        for (size_t c = 0; c <= NSETS; c++) {
            double r = rate(seconds / ROUNDS, &ev, c ? sets[c - 1] : NULL, doc, &hits, &matches[c]);
            best[c] = r > best[c] ? r : best[c];
        }
    printf("%-12s %12.0f events/s  (parse each event's JSON once: the ceiling)\n", "ceiling",
           best[0]);
    for (size_t c = 0; c < NSETS; c++) {
        double r = best[c + 1];
        printf("%6zu rules %12.0f events/s  %8zu matches/pass  %5.2fx the ceiling  %5.2fx the "
               "1-rule rate  (built in %.1f ms)\n", counts[c] < rules.n ? counts[c] : rules.n, r,
               matches[c + 1], r / best[0], r / best[1], build_ms[c]);
        ot_pattern_set_free(sets[c]);
    }
    ot_pattern_hits_free(&hits);
    ot_json_doc_free(doc);
    return 0;
}
