/* cmd_pattern.c — `opentrail pattern test`: try EventBridge event patterns on events, one JSON
 * event a line, with the matcher the rules use (pattern/pattern.h): one pattern prints the
 * events it matches, as TestEventPattern would answer for each; --patterns FILE matches a whole
 * rule set at once and prints, per event, which patterns (by line) matched. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pattern/pattern.h"
#include "util/err.h"

static const char pattern_help[] =
    "usage: opentrail pattern test PATTERN [FILE|-] [--count]\n"
    "       opentrail pattern test --patterns PATTERNS [FILE|-]\n"
    "\n"
    "Matches EventBridge event patterns against events (docs/rules.md#event-patterns). FILE\n"
    "(default: standard input) holds one JSON event a line; blank lines are skipped. PATTERN\n"
    "is the pattern's JSON, or @PATH to read it from a file. The matching events are printed\n"
    "as they were read, one a line.\n"
    "\n"
    "options:\n"
    "  --count            print only the number of matching events\n"
    "  --patterns PATH    a file of patterns, one a line (blank lines are skipped but counted):\n"
    "                     all are matched together, and for each event a line is printed with\n"
    "                     the line numbers of the patterns it matches, ascending, separated by\n"
    "                     spaces (an empty line when none does, or the event is no JSON object)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 on success (whether or not anything matched); 1 if a file cannot be read;\n"
    "2 on usage errors, among them a pattern EventBridge would refuse (its reason is shown).\n";

typedef struct pattern_run {
    ot_pattern_set *set;
    ot_pattern_hits hits;
    bool count_only, per_event;
    unsigned long long matched;
} pattern_run;

/* The text of @PATH, or the argument itself. NULL (reported) if the file cannot be read. */
static char *pattern_text(const char *arg, size_t *len)
{
    if (arg[0] != '@') {
        *len = strlen(arg);
        return strdup(arg);
    }
    FILE *f = fopen(arg + 1, "rb");
    if (!f) {
        ot_cli_error("pattern", "cannot read %s: %s", arg + 1, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *t = realloc(text, cap = (n + 4096 + 1) * 2);
            if (!t)
                break;
            text = t;
        }
        size_t got = fread(text + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f) || !text;
    fclose(f);
    if (bad) {
        free(text);
        ot_cli_error("pattern", "cannot read %s", arg + 1);
        return NULL;
    }
    text[n] = '\0';
    while (n && strchr(" \t\r\n", text[n - 1])) /* a file's final newline is not the pattern's */
        text[--n] = '\0';
    *len = n;
    return text;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void consider(pattern_run *r, const char *ev, size_t len)
{
    int rc = ot_pattern_set_match(r->set, ev, len, &r->hits);
    size_t n = rc == 0 ? r->hits.n : 0;
    if (r->per_event) {
        qsort(r->hits.ids, n, sizeof *r->hits.ids, cmp_u32);
        for (size_t i = 0; i < n; i++)
            printf(i ? " %u" : "%u", r->hits.ids[i]);
        fputc('\n', stdout);
        return;
    }
    if (n == 0)
        return;
    r->matched++;
    if (!r->count_only) {
        fwrite(ev, 1, len, stdout);
        fputc('\n', stdout);
    }
}

/* Every non-blank line of in, as an event. */
static int run_events(pattern_run *r, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, in)) >= 0) {
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        size_t i = 0;
        while (i < n && strchr(" \t", line[i]))
            i++;
        if (i < n)
            consider(r, line, n);
    }
    bool bad = ferror(in);
    free(line);
    return bad ? OT_EIO : 0;
}

/* Adds the patterns of the file at path, each under its line number. */
static int add_pattern_file(pattern_run *r, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ot_cli_error("pattern", "cannot read %s: %s", path, strerror(errno));
    char *line = NULL, msg[512];
    size_t cap = 0;
    ssize_t got;
    int rc = OT_EXIT_OK;
    for (uint32_t lineno = 1; rc == OT_EXIT_OK && (got = getline(&line, &cap, f)) >= 0; lineno++) {
        size_t n = (size_t)got;
        while (n && strchr(" \t\r\n", line[n - 1]))
            n--;
        if (n == 0)
            continue;
        int add = ot_pattern_set_add(r->set, lineno, line, n, msg, sizeof msg);
        if (add == OT_ENOMEM)
            rc = ot_cli_error("pattern", "out of memory");
        else if (add)
            rc = ot_cli_usage("pattern", "%s line %u: %s", path, lineno, msg);
    }
    if (rc == OT_EXIT_OK && ferror(f))
        rc = ot_cli_error("pattern", "cannot read %s", path);
    free(line);
    fclose(f);
    return rc;
}

static int add_one_pattern(pattern_run *r, const char *arg)
{
    size_t len;
    char *text = pattern_text(arg, &len), msg[512];
    if (!text)
        return OT_EXIT_FAILURE;
    int rc = ot_pattern_set_add(r->set, 1, text, len, msg, sizeof msg);
    free(text);
    if (rc == OT_ENOMEM)
        return ot_cli_error("pattern", "out of memory");
    return rc ? ot_cli_usage("pattern", "%s", msg) : OT_EXIT_OK;
}

static int pattern_test(pattern_run *r, const char *pattern, const char *patterns,
                        const char *path)
{
    if (!(r->set = ot_pattern_set_new()))
        return ot_cli_error("pattern", "out of memory");
    int rc = patterns ? add_pattern_file(r, patterns) : add_one_pattern(r, pattern);
    if (rc == OT_EXIT_OK && ot_pattern_set_build(r->set))
        rc = ot_cli_error("pattern", "out of memory");
    FILE *in = NULL;
    if (rc == OT_EXIT_OK && !(in = strcmp(path, "-") ? fopen(path, "rb") : stdin))
        rc = ot_cli_error("pattern", "cannot read %s: %s", path, strerror(errno));
    if (rc == OT_EXIT_OK) {
        if (run_events(r, in))
            rc = ot_cli_error("pattern", "cannot read %s", strcmp(path, "-") ? path : "stdin");
        else if (r->count_only)
            printf("%llu\n", r->matched);
    }
    if (in && in != stdin)
        fclose(in);
    ot_pattern_hits_free(&r->hits);
    ot_pattern_set_free(r->set);
    if (rc == OT_EXIT_OK && fflush(stdout))
        rc = ot_cli_error("pattern", "cannot write the output");
    return rc;
}

int ot_cmd_pattern(int argc, char **argv)
{
    const char *pos[3], *patterns = NULL;
    int npos = 0;
    pattern_run r = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--count"))
            r.count_only = true;
        else if (!strcmp(a, "--patterns") && i + 1 >= argc)
            return ot_cli_usage("pattern", "option '--patterns' requires an argument");
        else if (!strcmp(a, "--patterns"))
            patterns = argv[++i];
        else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return fputs(pattern_help, stdout), OT_EXIT_OK;
        else if (!strncmp(a, "--", 2))
            return ot_cli_usage("pattern", "unrecognized option '%s'", a);
        else if (npos < 3)
            pos[npos++] = a;
        else
            return ot_cli_usage("pattern", "unexpected argument '%s'", a);
    }
    int need = patterns ? 1 : 2; /* "test", then PATTERN unless --patterns gives them */
    if (npos < need || npos > need + 1 || strcmp(pos[0], "test"))
        return ot_cli_usage("pattern", "expected 'pattern test %s [FILE|-]'",
                            patterns ? "--patterns PATTERNS" : "PATTERN");
    if (patterns && r.count_only)
        return ot_cli_usage("pattern", "--count and --patterns do not go together");
    r.per_event = patterns != NULL;
    return pattern_test(&r, patterns ? NULL : pos[1], patterns, npos > need ? pos[need] : "-");
}
