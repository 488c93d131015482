/* cmd_wal.c — `opentrail wal check DIR [--repair] [--json]`: offline validation and repair of a
 * write-ahead log directory, and `opentrail wal readers DIR [--json]`: its named readers (their
 * cursors) with the position each committed and how far behind it is (docs/wal.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "wal/wal_check.h"
#include "wal/wal_cursor.h"

enum { EXIT_CLEAN = 0, EXIT_DAMAGED = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fprintf(out,
            "usage: opentrail wal check DIR [--repair] [--json]\n"
            "       opentrail wal readers DIR [--json]\n"
            "       opentrail wal --help\n"
            "\n"
            "Validates every segment and record of the write-ahead log in DIR (for a server,\n"
            "<data-dir>/wal) and reports the segments, the record count, the LSN range and any\n"
            "damage with its byte offset. Run it while no server has the log open.\n"
            "\n"
            "  A torn tail is a partial or bad record at the very end of the newest segment: the\n"
            "  trace of a crash in the middle of a write that was never acknowledged. The server\n"
            "  truncates it by itself when it opens the log.\n"
            "  Corruption is damage anywhere else (an older segment, or bad bytes followed by\n"
            "  valid records): the server refuses to start until it is repaired.\n"
            "\n"
            "'wal readers' lists the log's named readers (DIR/cursors/<name>): the LSN each has\n"
            "committed and its lag in records behind the newest record. Segments are kept until\n"
            "the slowest reader has committed past them. It may run while the server runs.\n"
            "\n"
            "options:\n"
            "  --repair   cut the log at the first damage: the damaged segment keeps its valid\n"
            "             records, newer segments are renamed <name>.orphaned (kept, not deleted).\n"
            "             Records after the damage are lost from the log.\n"
            "  --json     print the report as one JSON object instead of text\n"
            "  -h, --help print this help\n"
            "\n"
            "exit status:\n"
            "  0  the log is clean, or --repair fixed it\n"
            "  1  the log is damaged (torn tail or corruption) and was not repaired\n"
            "  2  usage error, or DIR cannot be inspected (missing, unreadable, in use)\n");
}

static int usage_error(void)
{
    fprintf(stderr, "usage: opentrail wal check DIR [--repair] [--json]\n"
                    "       opentrail wal readers DIR [--json]\n"
                    "'opentrail wal --help' explains the report and the exit status.\n");
    return EXIT_USAGE;
}

static bool is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help");
}

static int print_json(const ot_wal_report *r)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    int rc = ot_wal_report_json(r, &b);
    if (!rc)
        printf("%s\n", b.data);
    ot_buf_free(&b);
    return rc;
}

static int run_check(const char *dir, bool repair, bool json)
{
    ot_wal_report *r = NULL;
    int rc = ot_wal_inspect(dir, repair, &r);
    if (!r) {
        const char *why = rc == OT_ENOTFOUND ? "no such directory" : strerror(errno);
        fprintf(stderr, "opentrail wal check: %s: %s\n", dir, why);
        return EXIT_USAGE;
    }
    if (json ? print_json(r) : (ot_wal_report_print(r, stdout), 0))
        rc = OT_ENOMEM;
    if (rc == OT_EEXIST)
        fprintf(stderr, "opentrail wal check: %s: the log is in use by another process; stop it first\n", dir);
    else if (rc && rc != OT_ETORN && rc != OT_ECORRUPT)
        fprintf(stderr, "opentrail wal check: %s: repair failed: %s (%s)\n", dir, ot_strerror(rc), strerror(errno));
    ot_wal_report_free(r);
    if (rc == OT_EEXIST)
        return EXIT_USAGE;
    return rc ? EXIT_DAMAGED : EXIT_CLEAN;
}

static void print_readers_text(const char *dir, uint64_t last, const ot_wal_cursor_info *v,
                               size_t n)
{
    printf("WAL %s: last LSN %" PRIu64 ", %zu reader(s)\n", dir, last, n);
    if (n)
        printf("  %-32s %20s %16s\n", "reader", "committed LSN", "lag (records)");
    for (size_t i = 0; i < n; i++)
        printf("  %-32s %20" PRIu64 " %16" PRIu64 "\n", v[i].name, v[i].committed, v[i].lag_records);
}

static int print_readers_json(const char *dir, uint64_t last, const ot_wal_cursor_info *v,
                              size_t n)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    int rc = ot_buf_puts(&b, "{\"dir\":");
    if (!rc)
        rc = ot_json_escape(&b, dir, strlen(dir));
    if (!rc)
        rc = ot_buf_printf(&b, ",\"last_lsn\":%" PRIu64 ",\"readers\":[", last);
    for (size_t i = 0; i < n && !rc; i++) /* names are [a-z0-9_-]: nothing to escape */
        rc = ot_buf_printf(&b, "%s{\"name\":\"%s\",\"committed\":%" PRIu64 ",\"lag_records\":%" PRIu64 "}",
                           i ? "," : "", v[i].name, v[i].committed, v[i].lag_records);
    if (!rc)
        rc = ot_buf_puts(&b, "]}");
    if (!rc)
        printf("%s\n", b.data);
    ot_buf_free(&b);
    return rc;
}

static int run_readers(const char *dir, bool json)
{
    ot_wal_report *r = NULL;
    int rc = ot_wal_inspect(dir, false, &r);
    if (!r) {
        const char *why = rc == OT_ENOTFOUND ? "no such directory" : strerror(errno);
        fprintf(stderr, "opentrail wal readers: %s: %s\n", dir, why);
        return EXIT_USAGE;
    }
    uint64_t last = r->rec.last_lsn;
    ot_wal_report_free(r);
    ot_wal_cursor_info *v = NULL;
    size_t n = 0;
    if ((rc = ot_wal_cursors_list_dir(dir, last, &v, &n))) {
        fprintf(stderr, "opentrail wal readers: %s: %s\n", dir, ot_strerror(rc));
        return EXIT_USAGE;
    }
    if (json)
        rc = print_readers_json(dir, last, v, n);
    else
        print_readers_text(dir, last, v, n);
    free(v);
    return rc ? EXIT_USAGE : EXIT_CLEAN;
}

/* DIR plus the flags a subcommand takes (repair is NULL for one without --repair). */
static int parse_args(const char *cmd, int argc, char **argv, const char **dir, bool *repair,
                      bool *json)
{
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            usage(stdout);
            return EXIT_CLEAN;
        } else if (repair && !strcmp(argv[i], "--repair")) {
            *repair = true;
        } else if (!strcmp(argv[i], "--json")) {
            *json = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "opentrail wal %s: unknown option '%s'\n", cmd, argv[i]);
            return usage_error();
        } else if (*dir) {
            fprintf(stderr, "opentrail wal %s: one DIR only ('%s' and '%s')\n", cmd, *dir, argv[i]);
            return usage_error();
        } else {
            *dir = argv[i];
        }
    }
    if (!*dir) {
        fprintf(stderr, "opentrail wal %s: missing DIR\n", cmd);
        return usage_error();
    }
    return -1;
}

static int cmd_check(int argc, char **argv)
{
    const char *dir = NULL;
    bool repair = false, json = false;
    int rc = parse_args("check", argc, argv, &dir, &repair, &json);
    return rc >= 0 ? rc : run_check(dir, repair, json);
}

static int cmd_readers(int argc, char **argv)
{
    const char *dir = NULL;
    bool json = false;
    int rc = parse_args("readers", argc, argv, &dir, NULL, &json);
    return rc >= 0 ? rc : run_readers(dir, json);
}

int ot_cmd_wal(int argc, char **argv)
{
    if (argc < 2)
        return usage_error();
    if (is_help(argv[1])) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    if (!strcmp(argv[1], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "readers"))
        return cmd_readers(argc - 1, argv + 1);
    fprintf(stderr, "opentrail wal: unknown subcommand '%s'\n", argv[1]);
    return usage_error();
}
