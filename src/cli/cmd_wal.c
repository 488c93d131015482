/* cmd_wal.c — `opentrail wal check DIR [--repair] [--json]`: offline validation and repair of a
 * write-ahead log directory, and `opentrail wal readers DIR [--json]`: its named readers (their
 * cursors) with the position each committed and how far behind it is (docs/wal.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "wal/wal_check.h"
#include "wal/wal_cursor.h"

/* The convention of cli.h: a damaged log is the check failing. */
enum { EXIT_CLEAN = OT_EXIT_OK, EXIT_DAMAGED = OT_EXIT_FAILURE, EXIT_USAGE = OT_EXIT_USAGE };

static void usage(FILE *out)
{
    fprintf(out,
            "usage: opentrail wal check DIR [--repair] [--json]\n"
            "       opentrail wal readers DIR [--json]\n"
            "       opentrail wal --help\n"
            "\n"
            "Validates every segment and record of the write-ahead log in DIR and reports the\n"
            "segments, the record count, the LSN range and any damage with its byte offset.\n"
            "A server's data dir (it holds wal/ or state.db) stands for its log, <data-dir>/wal.\n"
            "Run it while no server has the log open.\n"
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
            "  1  the log is damaged (torn tail or corruption) and was not repaired, or DIR\n"
            "     cannot be inspected (missing, unreadable, in use)\n"
            "  2  usage error\n");
}

/* "opentrail wal[ <cmd>]: <message>" and the usage lines; returns EXIT_USAGE. */
static int __attribute__((format(printf, 2, 3))) usage_error(const char *cmd, const char *fmt, ...)
{
    char name[32], msg[1024];
    snprintf(name, sizeof name, "wal%s%s", cmd ? " " : "", cmd ? cmd : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ot_cli_error(name, "%s", msg);
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
        return ot_cli_error("wal check", "%s: %s", dir, why);
    }
    if (json ? print_json(r) : (ot_wal_report_print(r, stdout), 0))
        rc = OT_ENOMEM;
    if (rc == OT_EEXIST)
        ot_cli_error("wal check", "%s: the log is in use by another process; stop it first", dir);
    else if (rc && rc != OT_ETORN && rc != OT_ECORRUPT)
        ot_cli_error("wal check", "%s: repair failed: %s (%s)", dir, ot_strerror(rc), strerror(errno));
    ot_wal_report_free(r);
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
        return ot_cli_error("wal readers", "%s: %s", dir, why);
    }
    uint64_t last = r->rec.last_lsn;
    ot_wal_report_free(r);
    ot_wal_cursor_info *v = NULL;
    size_t n = 0;
    if ((rc = ot_wal_cursors_list_dir(dir, last, &v, &n)))
        return ot_cli_error("wal readers", "%s: %s", dir, ot_strerror(rc));
    if (json)
        rc = print_readers_json(dir, last, v, n);
    else
        print_readers_text(dir, last, v, n);
    free(v);
    return rc ? OT_EXIT_FAILURE : EXIT_CLEAN;
}

/* A server's data dir (it holds wal/ or state.db) stands for its log, DIR/wal: *dir becomes
 * that path (in buf), and the report says so (on stderr under --json, to keep stdout JSON). */
static void data_dir_to_wal(const char **dir, const char *doing, char *buf, size_t n, bool json)
{
    struct stat st;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/wal", *dir);
    bool has_wal = stat(probe, &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(probe, sizeof probe, "%s/state.db", *dir);
    if (!has_wal && stat(probe, &st) != 0)
        return;
    snprintf(buf, n, "%s/wal", *dir);
    fprintf(json ? stderr : stdout, "%s is a data dir: %s its write-ahead log %s\n", *dir,
            doing, buf);
    *dir = buf;
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
            return usage_error(cmd, "unknown option '%s'", argv[i]);
        } else if (*dir) {
            return usage_error(cmd, "one DIR only ('%s' and '%s')", *dir, argv[i]);
        } else {
            *dir = argv[i];
        }
    }
    if (!*dir)
        return usage_error(cmd, "missing DIR");
    return -1;
}

static int cmd_check(int argc, char **argv)
{
    const char *dir = NULL;
    bool repair = false, json = false;
    int rc = parse_args("check", argc, argv, &dir, &repair, &json);
    if (rc >= 0)
        return rc;
    char wal_dir[4096];
    data_dir_to_wal(&dir, "checking", wal_dir, sizeof wal_dir, json);
    return run_check(dir, repair, json);
}

static int cmd_readers(int argc, char **argv)
{
    const char *dir = NULL;
    bool json = false;
    int rc = parse_args("readers", argc, argv, &dir, NULL, &json);
    if (rc >= 0)
        return rc;
    char wal_dir[4096];
    data_dir_to_wal(&dir, "listing the readers of", wal_dir, sizeof wal_dir, json);
    return run_readers(dir, json);
}

int ot_cmd_wal(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "missing subcommand (check or readers)");
    if (is_help(argv[1])) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    if (!strcmp(argv[1], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "readers"))
        return cmd_readers(argc - 1, argv + 1);
    return usage_error(NULL, "unknown subcommand '%s' (check or readers)", argv[1]);
}
