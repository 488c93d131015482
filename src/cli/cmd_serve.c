/* cmd_serve.c — `opentrail serve`: reads the options (the table in config/), sets up the log,
 * then runs the daemon (src/daemon/). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "util/err.h"
#include "util/log.h"

enum { OPT_CONFIG = 'c', OPT_HELP = 'h', OPT_TABLE = 256 /* + index in the table */ };

static void print_help(void)
{
    fputs("usage: opentrail serve [options]\n"
          "\n"
          "Runs the CloudTrail-compatible server: the CloudTrail API (JSON 1.1), CloudTrail Data\n"
          "(PutAuditEvents) and an embedded S3, all on one port, told apart by the SigV4 scope.\n"
          "\n"
          "options (each is also a key of the --config file, e.g. 'delivery-interval = 2s'):\n",
          stdout);
    ot_config_print_help(stdout);
    ot_config_print_help_entry(stdout, "--config FILE",
                               "read 'key = value' lines; command-line options win");
    ot_config_print_help_entry(stdout, "-h, --help", "show this help");
    fputs("\n"
          "On first start, DIR/credentials is created with an admin access key:\n"
          "  export AWS_SHARED_CREDENTIALS_FILE=DIR/credentials "
          "AWS_ENDPOINT_URL=http://127.0.0.1:4590\n",
          stdout);
}

/* The getopt_long list: every option of the table, then --config and --help. The caller frees
 * it. */
static struct option *getopt_list(void)
{
    size_t n;
    const ot_option *table = ot_config_options(&n);
    struct option *opts = calloc(n + 3, sizeof *opts);
    if (!opts)
        abort();
    for (size_t i = 0; i < n; i++)
        opts[i] = (struct option){table[i].name,
                                  table[i].type == OT_OPT_FLAG ? no_argument : required_argument,
                                  NULL, OPT_TABLE + (int)i};
    opts[n] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    opts[n + 1] = (struct option){"help", no_argument, NULL, OPT_HELP};
    return opts;
}

/* One option from the command line: pass 0 reads --config, pass 1 the rest, so the command
 * line wins over the file. */
static int apply(int pass, int c, ot_config *cfg)
{
    char err[512];
    if (c == OPT_CONFIG) {
        if (pass == 0 && ot_config_load_file(cfg, optarg, err, sizeof err)) {
            fprintf(stderr, "opentrail serve: %s\n", err);
            return OT_EINVAL;
        }
        return OT_OK;
    }
    if (pass == 0)
        return OT_OK;
    size_t n;
    const ot_option *o = &ot_config_options(&n)[c - OPT_TABLE];
    if (ot_config_set(cfg, o->name, o->type == OT_OPT_FLAG ? "true" : optarg, err, sizeof err)) {
        fprintf(stderr, "opentrail serve: %s\n", err);
        return OT_EINVAL;
    }
    return OT_OK;
}

static int parse_args(int argc, char **argv, ot_config *cfg)
{
    struct option *opts = getopt_list();
    int rc = OT_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        optind = 1;
        int c;
        while (!rc && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
            if (c == OPT_HELP) {
                print_help();
                free(opts);
                exit(0);
            }
            if (c == '?') {
                fprintf(stderr, "see 'opentrail serve --help'\n");
                rc = OT_EINVAL;
            } else {
                rc = apply(pass, c, cfg);
            }
        }
    }
    free(opts);
    if (rc)
        return rc;
    if (optind < argc) {
        fprintf(stderr, "opentrail serve: unexpected argument '%s'\n", argv[optind]);
        return OT_EINVAL;
    }
    char err[512];
    if (ot_config_check(cfg, err, sizeof err)) {
        fprintf(stderr, "opentrail serve: %s\n", err);
        return OT_EINVAL;
    }
    return OT_OK;
}

/* With --log-level debug, the options the server runs with, one line each. */
static void log_options(const ot_config *cfg)
{
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        char value[600];
        ot_config_format_value(cfg, &opts[i], value, sizeof value);
        ot_debug("serve option %s = %s", opts[i].name, value);
    }
}

int ot_cmd_serve(int argc, char **argv)
{
    static ot_config cfg;
    ot_config_defaults(&cfg);
    if (parse_args(argc, argv, &cfg))
        return 2;
    ot_log_set_format(cfg.log_format);
    ot_log_set_level(cfg.log_level);
    log_options(&cfg);
    return ot_daemon_run(&cfg);
}
