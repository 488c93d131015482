/* cli_error.c — how every command reports an error: "opentrail <cmd>: <message>" on stderr and
 * the exit status of its kind (cli.h). */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void vreport(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "opentrail%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int ot_cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    return OT_EXIT_FAILURE;
}

int ot_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "see 'opentrail%s%s --help'\n", cmd ? " " : "", cmd ? cmd : "");
    return OT_EXIT_USAGE;
}

int ot_cli_bad_option(const char *cmd, int c, char **argv)
{
    /* A long option is the element getopt just stepped over (without any "=value"); a short
     * one is optopt. glibc leaves optopt 0 for an unknown long option and sets it to the
     * option's value for a known one it refused. The wording is getopt's own. */
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    bool is_long = arg[0] == '-' && arg[1] == '-';
    char name[128];
    if (is_long)
        snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    else
        snprintf(name, sizeof name, "-%c", optopt > ' ' && optopt < 127 ? optopt : '?');
    if (c == ':')
        return ot_cli_usage(cmd, "option '%s' requires an argument", name);
    if (is_long && optopt && strchr(arg, '='))
        return ot_cli_usage(cmd, "option '%s' doesn't allow an argument", name);
    return ot_cli_usage(cmd, "unrecognized option '%s'", name);
}
