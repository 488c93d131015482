/* cmd_wal.c — `opentrail wal`: placeholder until the WAL module lands (branch wal). */
#include <stdio.h>

#include "cli/cli.h"

int ot_cmd_wal(int argc, char **argv)
{
    fprintf(stderr, "opentrail wal: not available in this build\n");
    return 2;
}
