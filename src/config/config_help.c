/* config_help.c — the options part of `opentrail serve --help`, written from the table: each
 * entry ends with its environment variable, "[$OPENTRAIL_LISTEN]" (config_env.c). */
#include "config/config.h"

#include <string.h>

#define HELP_COLUMN 28 /* where the help text starts */
#define HELP_WIDTH 96  /* lines end before this column */

#define NO_BREAK '\a' /* a space the lines are not broken at: "(default<NO_BREAK>5m)" */

/* Writes text from column HELP_COLUMN, breaking lines at spaces before HELP_WIDTH. */
static void print_wrapped(FILE *out, const char *text, int column)
{
    const int room = HELP_WIDTH - HELP_COLUMN;
    while (*text) {
        fprintf(out, "%*s", HELP_COLUMN - column, "");
        int len = (int)strlen(text);
        if (len > room) {
            len = room;
            while (len > 0 && text[len] != ' ')
                len--;
            if (len == 0) /* one word longer than the room: let it run over */
                len = (int)strcspn(text, " ");
        }
        for (int i = 0; i < len; i++)
            fputc(text[i] == NO_BREAK ? ' ' : text[i], out);
        fputc('\n', out);
        text += len;
        text += strspn(text, " ");
        column = 0;
    }
}

void ot_config_print_help_entry(FILE *out, const char *option, const char *help)
{
    int column = fprintf(out, "  %s", option);
    if (column > HELP_COLUMN - 2) { /* too long to share the line with the help text */
        fputc('\n', out);
        column = 0;
    }
    print_wrapped(out, help, column);
}

void ot_config_print_help(FILE *out)
{
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        const ot_option *o = &opts[i];
        char option[64], help[512], dflt[96] = "";
        snprintf(option, sizeof option, "--%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        if (o->def && o->zero && !strcmp(o->def, "0"))
            snprintf(dflt, sizeof dflt, " (default\a0 = %s)", o->zero);
        else if (o->def)
            snprintf(dflt, sizeof dflt, " (default\a%s%s%s)", o->def, o->zero ? "; 0 = " : "",
                     o->zero ? o->zero : "");
        char env[96];
        ot_config_env_name(o->name, env, sizeof env);
        snprintf(help, sizeof help, "%s%s [$%s]", o->help, dflt, env);
        ot_config_print_help_entry(out, option, help);
    }
}
