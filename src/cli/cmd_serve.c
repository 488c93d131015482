/* cmd_serve.c — `opentrail serve`: placeholder until the HTTP server lands on main. */
#include <stdio.h>

#include "cli/cli.h"

int ot_cmd_serve(int argc, char **argv)
{
    fprintf(stderr, "opentrail serve: not available in this build\n");
    return 2;
}
