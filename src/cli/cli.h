/* cli.h — the opentrail subcommands, one cmd_<name>.c each. */
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

#endif
