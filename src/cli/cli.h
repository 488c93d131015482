/* cli.h — the opentrail subcommands, one cmd_<name>.c each, and what they share: one error
 * prefix and one exit-code convention (docs/cli.md). */
#ifndef OT_CLI_H
#define OT_CLI_H

typedef struct ot_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
} ot_command;

int ot_cmd_serve(int argc, char **argv);
int ot_cmd_wal(int argc, char **argv);
int ot_cmd_keys(int argc, char **argv);
int ot_cmd_validate(int argc, char **argv);
int ot_cmd_import(int argc, char **argv);
int ot_cmd_lookup(int argc, char **argv);
int ot_cmd_filter(int argc, char **argv);
int ot_cmd_monitor(int argc, char **argv);
int ot_cmd_incidents(int argc, char **argv);
int ot_cmd_pattern(int argc, char **argv);
int ot_cmd_runbook(int argc, char **argv);
int ot_cmd_rules(int argc, char **argv);

/* The exit status of every command: 0 success, 1 the command ran and failed (an unreadable
 * file, a damaged log, a server that answered an error), 2 it was called wrongly (an unknown
 * option, a bad value, a missing argument). `validate` keeps the AWS CLI's (0, 1, 255). */
enum { OT_EXIT_OK = 0, OT_EXIT_FAILURE = 1, OT_EXIT_USAGE = 2 };

/* "opentrail <cmd>: <message>" on stderr (cmd may be "wal check"; NULL: "opentrail: ...").
 * Returns OT_EXIT_FAILURE, so that a runtime error is `return ot_cli_error(...)`. */
int ot_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a usage error, then "see 'opentrail <cmd> --help'". Returns OT_EXIT_USAGE. */
int ot_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usage error for what getopt_long returned for a bad option, '?' (unknown) or ':'
 * (missing value; the option string starts with ':'), with opterr = 0 (main.c sets it) so that
 * getopt prints nothing itself. Returns OT_EXIT_USAGE. */
int ot_cli_bad_option(const char *cmd, int c, char **argv);

#endif
