/* cmd_runbook.c — `opentrail runbook list [--config FILE] [--json]`: the built-in runbooks,
 * their state, trigger and settings as a server started with the same configuration (config
 * file and OPENTRAIL_* environment, as `serve` reads them) runs them (docs/runbooks.md). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "respond/respond.h"
#include "util/buf.h"
#include "util/jsonw.h"

extern char **environ;

#define MAX_RUNBOOKS 8

static void print_help(void)
{
    printf("usage: opentrail runbook list [--config FILE] [--json]\n\n"
           "The built-in runbooks: each one's state (on, off, dry-run), trigger, action and\n"
           "settings, read from the config file and OPENTRAIL_* variables as 'serve' reads "
           "them.\n\n"
           "  --config FILE  the server's config file (default: $OPENTRAIL_CONFIG)\n"
           "  --json         JSON instead of a table (the default when stdout is not a "
           "terminal)\n");
}

/* The name column is as wide as the longest name, so every row lines up. */
static void print_table(const ot_runbook_info *rb, size_t n)
{
    int w = (int)strlen("RUNBOOK");
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(rb[i].name) > w)
            w = (int)strlen(rb[i].name);
    printf("%-*s %-8s %s\n", w, "RUNBOOK", "STATE", "TRIGGER");
    for (size_t i = 0; i < n; i++) {
        printf("%-*s %-8s %s\n", w, rb[i].name, rb[i].state, rb[i].trigger);
        printf("%-*s %-8s action: %s\n", w, "", "", rb[i].action);
        for (size_t s = 0; s < rb[i].nsettings; s++)
            printf("%-*s %-8s %s = %s\n", w, "", "", rb[i].settings[s].key,
                   rb[i].settings[s].value[0] ? rb[i].settings[s].value : "-");
    }
}

static int print_json(const ot_runbook_info *rb, size_t n)
{
    ot_buf out;
    ot_buf_init(&out, 0);
    ot_jw w;
    ot_jw_init(&w, &out);
    ot_jw_obj(&w);
    ot_jw_key(&w, "runbooks");
    ot_jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        ot_jw_obj(&w);
        ot_jw_kstr(&w, "name", rb[i].name);
        ot_jw_kstr(&w, "state", rb[i].state);
        ot_jw_kstr(&w, "trigger", rb[i].trigger);
        ot_jw_kstr(&w, "action", rb[i].action);
        ot_jw_key(&w, "settings");
        ot_jw_obj(&w);
        for (size_t s = 0; s < rb[i].nsettings; s++)
            ot_jw_kstr(&w, rb[i].settings[s].key, rb[i].settings[s].value);
        ot_jw_end(&w);
        ot_jw_end(&w);
    }
    ot_jw_end(&w);
    ot_jw_end(&w);
    int rc = ot_jw_error(&w);
    if (!rc)
        printf("%s\n", out.data);
    ot_buf_free(&out);
    return rc ? ot_cli_error("runbook list", "out of memory") : OT_EXIT_OK;
}

static int list(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config_path = NULL;
    bool json = !isatty(1);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') {
            print_help();
            return OT_EXIT_OK;
        }
        if (c == 'c')
            config_path = optarg;
        else if (c == 'j')
            json = true;
        else
            return ot_cli_bad_option("runbook list", c, argv);
    }
    if (optind < argc)
        return ot_cli_usage("runbook list", "unexpected argument '%s'", argv[optind]);
    static ot_config cfg;
    char err[512];
    ot_config_defaults(&cfg);
    if (ot_config_load_layers(&cfg, config_path, environ, err, sizeof err))
        return ot_cli_usage("runbook list", "%s", err);
    ot_runbook_info rb[MAX_RUNBOOKS];
    size_t n = ot_runbook_list(&cfg, rb, MAX_RUNBOOKS);
    if (json)
        return print_json(rb, n);
    print_table(rb, n);
    return OT_EXIT_OK;
}

int ot_cmd_runbook(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        print_help();
        return OT_EXIT_OK;
    }
    if (argc < 2)
        return ot_cli_usage("runbook", "expected a subcommand: list");
    if (!strcmp(argv[1], "list"))
        return list(argc - 1, argv + 1);
    return ot_cli_usage("runbook", "unknown subcommand '%s' (expected list)", argv[1]);
}
