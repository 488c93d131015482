/* cmd_serve.c — `opentrail serve`: reads the options (the table in config/) from the command
 * line, the environment and the config file, sets up the log, then runs the daemon
 * (src/daemon/). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ; /* POSIX: the environment, NAME=value strings */

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
          "(PutAuditEvents), an embedded S3, SNS topics, CloudWatch Logs, CloudWatch metrics\n"
          "and alarms and STS GetCallerIdentity, all on one port, told apart by the SigV4\n"
          "scope; unsigned GET /health, /ready and /metrics (loopback) for probes and\n"
          "Prometheus.\n"
          "\n"
          "options (each is also a key of the --config file, e.g. 'delivery-interval = 2s', and\n"
          "an environment variable, [$OPENTRAIL_DELIVERY_INTERVAL]; a flag wins over the\n"
          "environment, which wins over the file):\n",
          stdout);
    ot_config_print_help(stdout);
    ot_config_print_help_entry(stdout, "--config FILE",
                               "read 'key = value' lines; the environment and command-line options win "
                               "[$" OT_CONFIG_ENV_FILE "]");
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

/* One option of the table from the command line; 0, or OT_EXIT_USAGE once the error is
 * printed. */
static int apply_flag(int c, ot_config *cfg)
{
    char err[512];
    size_t n;
    const ot_option *o = &ot_config_options(&n)[c - OPT_TABLE];
    if (ot_config_set(cfg, o->name, o->type == OT_OPT_FLAG ? "true" : optarg, err, sizeof err))
        return ot_cli_usage("serve", "%s", err);
    return OT_OK;
}

/* Precedence: flag > environment > config file > default. Pass 0 finds --config (and --help,
 * and bad options) and applies the file and the environment; pass 1 the other flags. 0, or
 * OT_EXIT_USAGE once the error is printed. */
static int parse_args(int argc, char **argv, ot_config *cfg)
{
    struct option *opts = getopt_list();
    const char *config_path = NULL;
    char err[512];
    int rc = OT_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        optind = 1;
        int c;
        while (!rc && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
            if (c == OPT_HELP) {
                print_help();
                free(opts);
                exit(0);
            }
            if (c == '?' || c == ':') {
                rc = ot_cli_bad_option("serve", c, argv);
            } else if (c == OPT_CONFIG) {
                config_path = optarg;
            } else if (pass == 1) {
                rc = apply_flag(c, cfg);
            }
        }
        if (pass == 0 && !rc && ot_config_load_layers(cfg, config_path, environ, err, sizeof err))
            rc = ot_cli_usage("serve", "%s", err);
    }
    free(opts);
    if (rc)
        return rc;
    if (optind < argc)
        return ot_cli_usage("serve", "unexpected argument '%s'", argv[optind]);
    if (ot_config_check(cfg, err, sizeof err))
        return ot_cli_usage("serve", "%s", err);
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
        return OT_EXIT_USAGE;
    ot_log_set_format(cfg.log_format);
    ot_log_set_level(cfg.log_level);
    ot_config_env_warn_unknown(environ);
    log_options(&cfg);
    return ot_daemon_run(&cfg);
}
