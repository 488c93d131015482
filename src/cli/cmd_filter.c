/* cmd_filter.c — `opentrail filter test PATTERN [FILE|-]`: try a CloudWatch Logs filter
 * pattern on log lines or on the events of a CloudTrail log file, as AWS's TestMetricFilter
 * and the console's pattern tester do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli/cli.h"
#include "filter/filter.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"

#define FILTER_MAX_INPUT (1ull << 30)

static const char filter_help[] =
    "usage: opentrail filter test PATTERN [FILE|-] [--count | --value NAME ...]\n"
    "\n"
    "Prints the events of FILE (default: standard input) that the CloudWatch Logs filter\n"
    "pattern PATTERN matches, one a line (docs/filter-patterns.md). FILE may be gzipped. A\n"
    "CloudTrail log file ({\"Records\":[...]}, .json or .json.gz) is read as its events, each\n"
    "one compact JSON event, as CloudTrail delivers them to CloudWatch Logs; anything else is\n"
    "read a line per event.\n"
    "\n"
    "options:\n"
    "  --count      print only the number of matching events\n"
    "  --value NAME for each matching event, print the value of NAME instead of the event: a\n"
    "               JSON selector ($.latency) or a space-delimited field ($bytes), as a metric\n"
    "               filter's metricValue and dimensions read them; repeat for more, printed\n"
    "               tab-separated, '-' where the event has none\n"
    "  -h, --help   show this help\n"
    "\n"
    "exit status: 0 on success (whether or not anything matched); 1 if FILE cannot be read;\n"
    "2 on usage errors, among them a pattern that does not compile (shown with a caret under\n"
    "the offending column).\n";

#define FILTER_MAX_VALUES 8

typedef struct filter_run {
    const ot_filter *f;
    ot_filter_fields *fx;
    bool count_only;
    const char *values[FILTER_MAX_VALUES]; /* --value names */
    int nvalues;
    unsigned long long matched;
} filter_run;

/* The --value columns of the event just matched. */
static void print_values(const filter_run *r)
{
    for (int i = 0; i < r->nvalues; i++) {
        const char *v;
        size_t n;
        if (i)
            fputc('\t', stdout);
        if (ot_filter_value(r->fx, r->values[i], &v, &n) == 0)
            fwrite(v, 1, n, stdout);
        else
            fputc('-', stdout);
    }
    fputc('\n', stdout);
}

static void consider(filter_run *r, const char *ev, size_t len)
{
    if (!ot_filter_match(r->f, ev, len, r->fx))
        return;
    r->matched++;
    if (r->nvalues && !r->count_only) {
        print_values(r);
    } else if (!r->count_only) {
        fwrite(ev, 1, len, stdout);
        fputc('\n', stdout);
    }
}

/* The whole input, inflated if it is gzip (zlib reads plain files unchanged). OT_EIO if it
 * cannot be opened, OT_ECORRUPT if its gzip data is damaged or cut short. */
static int read_input(const char *path, ot_buf *out)
{
    gzFile gz = strcmp(path, "-") ? gzopen(path, "rb") : gzdopen(0, "rb");
    if (!gz)
        return OT_EIO;
    int rc = 0;
    for (;;) {
        if ((rc = ot_buf_reserve(out, 1 << 16)))
            break;
        int n = gzread(gz, out->data + out->len, 1 << 16);
        if (n < 0) {
            rc = OT_ECORRUPT;
            break;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
    }
    if (gzclose(gz) != Z_OK && rc == 0)
        rc = OT_ECORRUPT; /* a gzip stream cut short */
    return rc;
}

/* A CloudTrail log file: each record of {"Records":[...]} is one event. False if the input is
 * no such file. */
static bool run_records(filter_run *r, const ot_buf *in)
{
    size_t i = 0;
    while (i < in->len && strchr(" \t\r\n", in->data[i]))
        i++;
    if (i >= in->len || in->data[i] != '{')
        return false;
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, records, rec;
    ot_json_iter it;
    char err[128];
    bool ok = doc && !ot_json_parse(doc, in->data, in->len, true, &root, err, sizeof err) &&
              !ot_json_get(root, "Records", &records) && !ot_json_array_iter(records, &it);
    ot_buf one;
    ot_buf_init(&one, FILTER_MAX_INPUT);
    while (ok && ot_json_array_next(&it, &rec)) {
        ot_buf_reset(&one);
        if (ot_json_write(rec, &one) == 0)
            consider(r, one.data, one.len);
    }
    ot_buf_free(&one);
    ot_json_doc_free(doc);
    return ok;
}

static void run_lines(filter_run *r, const ot_buf *in)
{
    const char *p = in->data, *end = in->data + in->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        if (n && p[n - 1] == '\r')
            n--;
        consider(r, p, n);
        p = nl ? nl + 1 : end;
    }
}

/* A bad pattern: the message, then the pattern with a caret under the column. */
static int bad_pattern(const char *pattern, const ot_filter_error *e)
{
    size_t n = strlen(pattern);
    char *shown = malloc(n + 1), *caret = malloc((size_t)e->column + 1);
    if (!shown || !caret) {
        free(shown), free(caret);
        return ot_cli_usage("filter", "%s (column %d)", e->message, e->column);
    }
    for (size_t i = 0; i <= n; i++)
        shown[i] = pattern[i] == '\t' || pattern[i] == '\n' || pattern[i] == '\r' ? ' ' : pattern[i];
    memset(caret, ' ', (size_t)e->column);
    caret[e->column - 1] = '^';
    caret[e->column] = '\0';
    int rc = ot_cli_usage("filter", "%s (column %d)\n  %s\n  %s", e->message, e->column, shown,
                          caret);
    free(shown), free(caret);
    return rc;
}

static int filter_test(const char *pattern, const char *path, filter_run *r)
{
    ot_filter *f;
    ot_filter_error e;
    int rc = ot_filter_compile(pattern, strlen(pattern), &f, &e);
    if (rc == OT_EINVAL)
        return bad_pattern(pattern, &e);
    if (rc)
        return ot_cli_error("filter", "%s", ot_strerror(rc));
    r->f = f;
    r->fx = ot_filter_fields_new();
    ot_buf in;
    ot_buf_init(&in, FILTER_MAX_INPUT);
    rc = r->fx ? read_input(path, &in) : OT_ENOMEM;
    int read_errno = errno;
    if (rc == 0) {
        if (!run_records(r, &in))
            run_lines(r, &in);
        if (r->count_only)
            printf("%llu\n", r->matched);
    }
    ot_buf_free(&in);
    ot_filter_fields_free(r->fx);
    ot_filter_free(f);
    if (rc)
        return ot_cli_error("filter", "cannot read %s: %s", strcmp(path, "-") ? path : "stdin",
                            rc == OT_EIO && read_errno ? strerror(read_errno) : ot_strerror(rc));
    return fflush(stdout) == 0 ? OT_EXIT_OK : ot_cli_error("filter", "cannot write the output");
}

/* Options are --count and -h/--help anywhere (or none after "--"); every other argument is
 * positional, so a pattern may start with '-' (`-ERROR` excludes a term). */
int ot_cmd_filter(int argc, char **argv)
{
    const char *pos[3];
    int npos = 0;
    bool options = true;
    filter_run r = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && !strcmp(a, "--"))
            options = false;
        else if (options && !strcmp(a, "--count"))
            r.count_only = true;
        else if (options && !strcmp(a, "--value") && i + 1 >= argc)
            return ot_cli_usage("filter", "option '--value' requires an argument");
        else if (options && !strcmp(a, "--value") && r.nvalues == FILTER_MAX_VALUES)
            return ot_cli_usage("filter", "at most %d --value options", FILTER_MAX_VALUES);
        else if (options && !strcmp(a, "--value"))
            r.values[r.nvalues++] = argv[++i];
        else if (options && (!strcmp(a, "--help") || !strcmp(a, "-h")))
            return fputs(filter_help, stdout), OT_EXIT_OK;
        else if (options && !strncmp(a, "--", 2))
            return ot_cli_usage("filter", "unrecognized option '%s'", a);
        else if (npos < 3)
            pos[npos++] = a;
        else
            return ot_cli_usage("filter", "unexpected argument '%s'", a);
    }
    if (npos < 2 || strcmp(pos[0], "test"))
        return ot_cli_usage("filter", "expected 'filter test PATTERN [FILE|-]'");
    return filter_test(pos[1], npos == 3 ? pos[2] : "-", &r);
}
