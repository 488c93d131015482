/* cmd_monitor.c — `opentrail monitor cis|list`: the CIS metric filters and alarms on a running
 * server (or on AWS), through its CloudWatch Logs, CloudWatch and SNS APIs (cli/monitor.h). This
 * file reads the arguments; monitor_cis.c and monitor_list.c do the work. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cis_pack.h"
#include "cli/cli.h"
#include "cli/monitor.h"
#include "util/err.h"

static const char monitor_help[] =
    "usage: opentrail monitor cis --log-group NAME --topic NAME|ARN [options]\n"
    "       opentrail monitor list [--log-group NAME] [options]\n"
    "\n"
    "cis   creates the CIS AWS Foundations metric filters and alarms (Security Hub\n"
    "      CloudWatch.1-14) on a log group that a trail streams into, each alarm notifying\n"
    "      the SNS topic. Running it again changes only what differs, and says so.\n"
    "list  shows the metric filters (of the log group, or all) and the alarms on their\n"
    "      metrics, with each alarm's state.\n"
    "\n"
    "options:\n"
    "  --log-group NAME      the CloudWatch Logs group (it must exist)\n"
    "  --topic NAME|ARN      cis: the SNS topic the alarms notify (it must exist)\n"
    "  --period SECONDS      cis: the alarms' period (default 300; 10, 20, 30 or a multiple\n"
    "                        of 60, at most 86400)\n"
    "  --namespace NS        cis: the metrics' namespace (default " OT_CIS_NAMESPACE ")\n"
    "  --json                JSON instead of text (the default when stdout is not a terminal)\n"
    "  --endpoint URL        the server (else AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,\n"
    "                        then AWS itself)\n"
    "  --profile NAME        the AWS CLI profile to sign with (docs/credentials.md)\n"
    "  --region REGION       default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1\n"
    "  --data-dir DIR        its credentials file is tried first (default ./opentrail-data)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 done, 1 a server error or a missing topic or log group, 2 bad arguments.\n";

static int parse_period(const char *cmd, const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    bool ok = *s && !*end && v > 0 && v <= 86400 &&
              (v == 10 || v == 20 || v == 30 || v % 60 == 0);
    if (!ok)
        return ot_cli_usage(cmd, "--period: expected 10, 20, 30 or a multiple of 60 up to "
                            "86400 seconds, got '%s'", s);
    *out = (int)v;
    return 0;
}

/* 0, -1 after --help, or the exit status of a usage error. */
static int parse_args(const char *cmd, int argc, char **argv, ot_monitor_opts *o)
{
    static const struct option opts[] = {
        {"log-group", 1, 0, 'g'}, {"topic", 1, 0, 't'},    {"period", 1, 0, 'P'},
        {"namespace", 1, 0, 'n'}, {"json", 0, 0, 'j'},     {"endpoint", 1, 0, 'e'},
        {"profile", 1, 0, 'p'},   {"region", 1, 0, 'r'},   {"data-dir", 1, 0, 'd'},
        {"help", 0, 0, 'h'},      {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'g': o->log_group = optarg; break;
        case 't': o->topic = optarg; break;
        case 'P':
            if (parse_period(cmd, optarg, &o->period_s))
                return OT_EXIT_USAGE;
            break;
        case 'n': o->namespace_ = optarg; break;
        case 'j': o->json = true; break;
        case 'e': o->endpoint = optarg; break;
        case 'p': o->profile = optarg; break;
        case 'r': o->region = optarg; break;
        case 'd': o->data_dir = optarg; break;
        case 'h': fputs(monitor_help, stdout); return -1;
        default: return ot_cli_bad_option(cmd, c, argv);
        }
    }
    if (optind < argc)
        return ot_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static int check_args(const char *cmd, const ot_monitor_opts *o, bool cis)
{
    if (cis && (!o->log_group || !o->topic))
        return ot_cli_usage(cmd, "--log-group and --topic are required");
    if (o->log_group && !*o->log_group)
        return ot_cli_usage(cmd, "--log-group needs a name");
    if (!cis && (o->topic || o->period_s || o->namespace_))
        return ot_cli_usage(cmd, "--topic, --period and --namespace belong to 'monitor cis'");
    if (o->namespace_ && (!*o->namespace_ || strpbrk(o->namespace_, ":*$")))
        return ot_cli_usage(cmd, "--namespace: 1 to 255 characters, none of ':', '*', '$'");
    return 0;
}

static int run(const char *cmd, int argc, char **argv, bool cis)
{
    ot_monitor_opts o = {.data_dir = "./opentrail-data", .json = !isatty(1)};
    int rc = parse_args(cmd, argc, argv, &o);
    if (rc)
        return rc < 0 ? OT_EXIT_OK : rc;
    if ((rc = check_args(cmd, &o, cis)) != 0)
        return rc;
    if (!o.period_s)
        o.period_s = OT_CIS_PERIOD_S;
    if (!o.namespace_)
        o.namespace_ = OT_CIS_NAMESPACE;
    ot_monitor m;
    if (ot_monitor_open(&m, &o))
        rc = ot_cli_error(cmd, "%s", m.err);
    else
        rc = cis ? ot_monitor_cis(&m, &o) : ot_monitor_list(&m, &o);
    ot_monitor_close(&m);
    return rc;
}

int ot_cmd_monitor(int argc, char **argv)
{
    if (argc < 2)
        return ot_cli_usage("monitor", "missing subcommand (cis or list)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(monitor_help, stdout);
        return OT_EXIT_OK;
    }
    if (!strcmp(argv[1], "cis"))
        return run("monitor cis", argc - 1, argv + 1, true);
    if (!strcmp(argv[1], "list"))
        return run("monitor list", argc - 1, argv + 1, false);
    return ot_cli_usage("monitor", "unknown subcommand '%s' (cis or list)", argv[1]);
}
