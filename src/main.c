/* main.c — `opentrail <command> [options]`: dispatch through the command table. The exit
 * status and the error prefix are the same for every command (cli/cli.h, docs/cli.md). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define OT_VERSION "0.1.0"

static const ot_command commands[] = {
    {"serve", ot_cmd_serve, "run the server: CloudTrail, CloudTrail Data, S3, SNS, CloudWatch Logs, STS"},
    {"wal", ot_cmd_wal, "inspect or repair a write-ahead log (wal check DIR)"},
    {"keys", ot_cmd_keys, "digest signing keys: list, rotate, export (offline on a data dir)"},
    {"validate", ot_cmd_validate, "validate CloudTrail digest chains and log files (DIR or s3://)"},
    {"import", ot_cmd_import, "load CloudTrail log files (.json, .json.gz, S3 layout) into the event history"},
    {"lookup", ot_cmd_lookup, "search the event history (LookupEvents, offline or against a server)"},
    {"filter", ot_cmd_filter, "try a CloudWatch Logs filter pattern on log lines or CloudTrail files (filter test)"},
    {"pattern", ot_cmd_pattern, "try EventBridge event patterns on JSON events, one or a whole rule set (pattern test)"},
    {"monitor", ot_cmd_monitor, "the CIS metric filters and alarms on a log group (monitor cis, monitor list)"},
    {"incidents", ot_cmd_incidents, "the incidents the runbooks wrote (incidents list, incidents show ID)"},
    {"rules", ot_cmd_rules, "the rule target invocations given up on (rules dead-letters)"},
    {"runbook", ot_cmd_runbook, "the built-in runbooks, their state, trigger and settings (runbook list)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: opentrail <command> [options]\n\n"
                 "A self-hosted audit trail, wire- and file-compatible with AWS CloudTrail.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-10s %s\n", "version", "print the version");
    fprintf(out, "\n'opentrail <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? OT_EXIT_USAGE : OT_EXIT_OK;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("opentrail %s\n", OT_VERSION);
        return OT_EXIT_OK;
    }
    opterr = 0; /* the commands report bad options themselves (ot_cli_bad_option) */
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    ot_cli_error(NULL, "unknown command '%s'\n", argv[1]);
    usage(stderr);
    return OT_EXIT_USAGE;
}
