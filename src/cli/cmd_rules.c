/* cmd_rules.c — `opentrail rules dead-letters`: the rule target invocations the router gave up
 * on, read from DATA-DIR/router.db through a read-only handle, so it works while the server
 * runs (docs/rules.md, "Retries and dead letters"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "respond/router.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 1000

static const char rules_help[] =
    "usage: opentrail rules dead-letters [--limit N] [--json] [--data-dir DIR]\n"
    "\n"
    "The rule target invocations the router gave up on (a target that does not exist, an\n"
    "input that could not be made, an event a runbook does not act on, retries spent), newest\n"
    "first, read from DIR/router.db; this works while the server runs.\n"
    "\n"
    "dead-letters  a table on a terminal, else (or with --json) JSON\n"
    "              {\"DeadLetters\": [{\"RuleArn\", \"TargetId\", \"TargetArn\", \"EventId\",\n"
    "              \"Attempts\", \"FirstAttempt\", \"LastAttempt\", \"LastError\"}, ...]}\n"
    "\n"
    "options:\n"
    "  --limit N             at most N dead letters, 1 to 1000 (default 50)\n"
    "  --json                JSON instead of the table\n"
    "  --data-dir DIR        the server's data directory (default ./opentrail-data)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 done (also when there are none), 1 router.db cannot be read, 2 bad\n"
    "arguments.\n";

typedef struct rules_opts {
    const char *data_dir;
    size_t limit;
    bool json;
} rules_opts;

/* 0, -1 after --help, or the exit status of a usage error. */
static int parse_args(const char *cmd, int argc, char **argv, rules_opts *o)
{
    static const struct option opts[] = {{"limit", 1, 0, 'l'},
                                         {"json", 0, 0, 'j'},
                                         {"data-dir", 1, 0, 'd'},
                                         {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    char *end;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > MAX_LIMIT)
                return ot_cli_usage(cmd, "--limit: expected a number from 1 to %d, got '%s'",
                                    MAX_LIMIT, optarg);
            o->limit = (size_t)v;
            break;
        case 'j': o->json = true; break;
        case 'd': o->data_dir = optarg; break;
        case 'h': fputs(rules_help, stdout); return -1;
        default: return ot_cli_bad_option(cmd, c, argv);
        }
    }
    if (optind < argc)
        return ot_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static void json_item(ot_jw *w, const ot_dead_letter *d)
{
    char first[32], last[32];
    ot_time_iso8601(d->first_ms, first);
    ot_time_iso8601(d->last_ms, last);
    ot_jw_obj(w);
    ot_jw_kstr(w, "RuleArn", d->rule_arn);
    ot_jw_kstr(w, "TargetId", d->target_id);
    ot_jw_kstr(w, "TargetArn", d->target_arn);
    ot_jw_kstr(w, "EventId", d->event_id);
    ot_jw_kint(w, "Attempts", d->attempts);
    ot_jw_kstr(w, "FirstAttempt", first);
    ot_jw_kstr(w, "LastAttempt", last);
    ot_jw_kstr(w, "LastError", d->reason);
    ot_jw_end(w);
}

static int print_json(const ot_dead_letter *v, size_t n)
{
    ot_buf out;
    ot_buf_init(&out, 0);
    ot_jw w;
    ot_jw_init(&w, &out);
    ot_jw_obj(&w);
    ot_jw_key(&w, "DeadLetters");
    ot_jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        json_item(&w, &v[i]);
    ot_jw_end(&w);
    ot_jw_end(&w);
    int rc = ot_jw_error(&w);
    if (!rc)
        printf("%.*s\n", (int)out.len, out.data);
    ot_buf_free(&out);
    return rc;
}

/* The rule's name is what a person recognises: the ARN's part after "rule/". */
static const char *rule_name(const char *arn)
{
    const char *s = strstr(arn, ":rule/");
    return s ? s + 6 : arn;
}

static void print_table(const ot_dead_letter *v, size_t n)
{
    if (n)
        printf("%-20s  %-20s  %-20s  %-12s  %-36s  %8s  %s\n", "LAST ATTEMPT", "FIRST ATTEMPT",
               "RULE", "TARGET", "EVENT", "ATTEMPTS", "LAST ERROR");
    for (size_t i = 0; i < n; i++) {
        char first[32], last[32];
        ot_time_iso8601(v[i].first_ms, first);
        ot_time_iso8601(v[i].last_ms, last);
        printf("%-20s  %-20s  %-20.64s  %-12.64s  %-36s  %8lld  %s\n", last, first,
               rule_name(v[i].rule_arn), v[i].target_id, v[i].event_id,
               (long long)v[i].attempts, v[i].reason);
        printf("%-20s  target %s\n", "", v[i].target_arn);
    }
    fprintf(stderr, "%zu dead letter%s\n", n, n == 1 ? "" : "s");
}

static int dead_letters(int argc, char **argv)
{
    const char *cmd = "rules dead-letters";
    rules_opts o = {.data_dir = "./opentrail-data", .limit = DEFAULT_LIMIT};
    int rc = parse_args(cmd, argc, argv, &o);
    if (rc)
        return rc < 0 ? OT_EXIT_OK : rc;
    ot_dead_letter *v = NULL;
    size_t n = 0;
    rc = ot_router_dead_letters(o.data_dir, o.limit, &v, &n);
    if (rc == OT_ENOTFOUND)
        return ot_cli_error(cmd, "%s/router.db does not exist (no rule has matched an event "
                                 "yet; or give --data-dir)", o.data_dir);
    if (rc)
        return ot_cli_error(cmd, "cannot read %s/router.db: %s", o.data_dir, ot_strerror(rc));
    if (o.json || !isatty(1))
        rc = print_json(v, n);
    else
        print_table(v, n);
    free(v);
    return rc ? ot_cli_error(cmd, "%s", ot_strerror(rc)) : OT_EXIT_OK;
}

int ot_cmd_rules(int argc, char **argv)
{
    if (argc < 2)
        return ot_cli_usage("rules", "missing subcommand (dead-letters)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(rules_help, stdout);
        return OT_EXIT_OK;
    }
    if (!strcmp(argv[1], "dead-letters"))
        return dead_letters(argc - 1, argv + 1);
    return ot_cli_usage("rules", "unknown subcommand '%s' (dead-letters)", argv[1]);
}
