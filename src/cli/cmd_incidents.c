/* cmd_incidents.c — `opentrail incidents list|show`: the incidents the runbooks wrote, read from
 * DATA-DIR/incidents.db through a read-only handle, so it works while the server runs
 * (docs/runbooks.md, "opentrail incidents"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "incident/incident.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 1000

static const char incidents_help[] =
    "usage: opentrail incidents list [--account ID] [--limit N] [--json] [--data-dir DIR]\n"
    "       opentrail incidents show ID|latest [--format json|markdown] [--data-dir DIR]\n"
    "\n"
    "The incidents the runbooks wrote (trail-restore, bucket-policy-restore, instance-login),\n"
    "read from DIR/incidents.db; this works while the server runs.\n"
    "\n"
    "list  newest first: a table on a terminal, else (or with --json) JSON\n"
    "      {\"Incidents\": [{\"id\", \"runbook\", \"status\", \"createdAt\", \"account\", \"region\",\n"
    "      \"triggerEventId\", \"triggerEventName\", \"human\", \"title\"}, ...]}\n"
    "show  one incident (latest: the newest): its whole record (the fields are in\n"
    "      docs/runbooks.md) as JSON, or as the Markdown report the runbook published (the\n"
    "      default on a terminal)\n"
    "\n"
    "options:\n"
    "  --account ID          list: only this account's incidents\n"
    "  --limit N             list: at most N incidents, 1 to 1000 (default 50)\n"
    "  --json                list: JSON instead of the table\n"
    "  --format FORMAT       show: json or markdown\n"
    "  --data-dir DIR        the server's data directory (default ./opentrail-data)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 done, 1 no incidents.db or no such incident, 2 bad arguments.\n";

typedef struct incidents_opts {
    const char *data_dir, *account, *id;
    size_t limit;
    bool json, markdown, format_given;
} incidents_opts;

static int parse_limit(const char *cmd, const char *s, size_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > MAX_LIMIT)
        return ot_cli_usage(cmd, "--limit: expected a number from 1 to %d, got '%s'", MAX_LIMIT,
                            s);
    *out = (size_t)v;
    return 0;
}

static int parse_format(const char *cmd, const char *s, incidents_opts *o)
{
    if (strcmp(s, "json") && strcmp(s, "markdown"))
        return ot_cli_usage(cmd, "--format: expected json or markdown, got '%s'", s);
    o->markdown = !strcmp(s, "markdown");
    o->format_given = true;
    return 0;
}

/* 0, -1 after --help, or the exit status of a usage error. */
static int parse_args(const char *cmd, int argc, char **argv, incidents_opts *o)
{
    static const struct option opts[] = {
        {"account", 1, 0, 'a'}, {"limit", 1, 0, 'l'},    {"json", 0, 0, 'j'},
        {"format", 1, 0, 'f'},  {"data-dir", 1, 0, 'd'}, {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': o->account = optarg; break;
        case 'l':
            if (parse_limit(cmd, optarg, &o->limit))
                return OT_EXIT_USAGE;
            break;
        case 'j': o->json = true; break;
        case 'f':
            if (parse_format(cmd, optarg, o))
                return OT_EXIT_USAGE;
            break;
        case 'd': o->data_dir = optarg; break;
        case 'h': fputs(incidents_help, stdout); return -1;
        default: return ot_cli_bad_option(cmd, c, argv);
        }
    }
    if (optind < argc)
        o->id = argv[optind++];
    if (optind < argc)
        return ot_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static int open_db(const char *cmd, const incidents_opts *o, ot_incident_db **db)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/incidents.db", o->data_dir);
    int rc = ot_incident_db_open_readonly(path, db);
    if (rc == OT_ENOTFOUND)
        return ot_cli_error(cmd, "%s does not exist (no runbook has written an incident yet; "
                                 "or give --data-dir)", path);
    if (rc)
        return ot_cli_error(cmd, "cannot open %s: %s", path, ot_strerror(rc));
    return OT_EXIT_OK;
}

/* ---- list ---- */

/* What the table and the JSON show beyond the index: read from the record. */
typedef struct summary {
    char status[32], event_name[64], title[256];
} summary;

static void copy_member(ot_json obj, const char *key, char *out, size_t cap)
{
    const char *s;
    size_t n;
    if (ot_json_get_str(obj, key, &s, &n) == 0)
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), s);
}

static void summarize(ot_incident_db *db, ot_json_doc *doc, const char *id, summary *s)
{
    memset(s, 0, sizeof *s);
    ot_incident inc;
    ot_json rec, trigger;
    if (ot_incident_get(db, id, &inc) != 0)
        return;
    if (ot_json_parse(doc, inc.json, strlen(inc.json), false, &rec, NULL, 0) == 0) {
        copy_member(rec, "status", s->status, sizeof s->status);
        if (ot_json_get(rec, "trigger", &trigger) == 0)
            copy_member(trigger, "eventName", s->event_name, sizeof s->event_name);
        copy_member(rec, "title", s->title, sizeof s->title);
        if (!s->title[0])
            copy_member(rec, "change", s->title, sizeof s->title);
    }
    ot_incident_free(&inc);
}

static void json_item(ot_jw *w, const ot_incident *inc, const summary *s)
{
    char created[32];
    ot_time_iso8601(inc->created_ms, created);
    ot_jw_obj(w);
    ot_jw_kstr(w, "id", inc->id);
    ot_jw_kstr(w, "runbook", inc->runbook);
    ot_jw_kstr(w, "status", s->status);
    ot_jw_kstr(w, "createdAt", created);
    ot_jw_kstr(w, "account", inc->account);
    ot_jw_kstr(w, "region", inc->region);
    ot_jw_kstr(w, "triggerEventId", inc->trigger_event_id);
    ot_jw_kstr(w, "triggerEventName", s->event_name);
    ot_jw_kstr(w, "human", inc->human);
    ot_jw_kstr(w, "title", s->title);
    ot_jw_end(w);
}

static void table_row(const ot_incident *inc, const summary *s)
{
    char created[32];
    ot_time_iso8601(inc->created_ms, created);
    printf("%-21s  %-20s  %-21s  %-12s  %-16s  %-20.20s  %s\n", inc->id, created, inc->runbook,
           inc->account, s->status[0] ? s->status : "-", inc->human[0] ? inc->human : "-",
           s->title);
}

static int print_list(ot_incident_db *db, const incidents_opts *o, const ot_incident *list,
                      size_t n)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf out;
    ot_buf_init(&out, 0);
    ot_jw w;
    ot_jw_init(&w, &out);
    ot_jw_obj(&w);
    ot_jw_key(&w, "Incidents");
    ot_jw_arr(&w);
    if (!o->json && n)
        printf("%-21s  %-20s  %-21s  %-12s  %-16s  %-20s  %s\n", "ID", "CREATED", "RUNBOOK",
               "ACCOUNT", "STATUS", "HUMAN", "TITLE");
    for (size_t i = 0; doc && i < n; i++) {
        summary s;
        summarize(db, doc, list[i].id, &s);
        if (o->json)
            json_item(&w, &list[i], &s);
        else
            table_row(&list[i], &s);
    }
    ot_jw_end(&w);
    ot_jw_end(&w);
    int rc = doc ? ot_jw_error(&w) : OT_ENOMEM;
    if (!rc && o->json)
        printf("%.*s\n", (int)out.len, out.data);
    else if (!rc)
        fprintf(stderr, "%zu incident%s\n", n, n == 1 ? "" : "s");
    ot_buf_free(&out);
    ot_json_doc_free(doc);
    return rc;
}

static int cmd_list(const incidents_opts *o)
{
    const char *cmd = "incidents list";
    if (o->id)
        return ot_cli_usage(cmd, "unexpected argument '%s'", o->id);
    if (o->format_given)
        return ot_cli_usage(cmd, "--format belongs to 'incidents show' (list takes --json)");
    ot_incident_db *db;
    int rc = open_db(cmd, o, &db);
    if (rc)
        return rc;
    ot_incident *list = NULL;
    size_t n = 0;
    rc = ot_incident_list(db, o->account ? o->account : "", o->limit, &list, &n);
    if (!rc)
        rc = print_list(db, o, list, n);
    ot_incident_list_free(list, n);
    ot_incident_db_close(db);
    return rc ? ot_cli_error(cmd, "cannot read the incidents: %s", ot_strerror(rc)) : OT_EXIT_OK;
}

/* ---- show ---- */

static int print_incident(const char *cmd, const incidents_opts *o, const ot_incident *inc)
{
    if (!o->markdown) {
        printf("%s\n", inc->json);
        return OT_EXIT_OK;
    }
    char *md;
    int rc = ot_incident_markdown(inc->json, strlen(inc->json), &md);
    if (rc)
        return ot_cli_error(cmd, "incident %s cannot be rendered: %s", inc->id, ot_strerror(rc));
    fputs(md, stdout);
    free(md);
    return OT_EXIT_OK;
}

/* `show latest`: the newest incident of any account, so a walkthrough needs no id. */
static int get_incident(ot_incident_db *db, const char *id, ot_incident *inc)
{
    if (strcmp(id, "latest"))
        return ot_incident_get(db, id, inc);
    ot_incident *list;
    size_t n;
    int rc = ot_incident_list(db, "", 1, &list, &n);
    if (rc)
        return rc;
    rc = n ? ot_incident_get(db, list[0].id, inc) : OT_ENOTFOUND;
    ot_incident_list_free(list, n);
    return rc;
}

static int cmd_show(incidents_opts *o)
{
    const char *cmd = "incidents show";
    if (!o->id)
        return ot_cli_usage(cmd, "missing ID (see 'opentrail incidents list')");
    if (o->account || o->limit || o->json)
        return ot_cli_usage(cmd, "--account, --limit and --json belong to 'incidents list' "
                                 "(show takes --format)");
    if (!o->format_given)
        o->markdown = isatty(1);
    ot_incident_db *db;
    int rc = open_db(cmd, o, &db);
    if (rc)
        return rc;
    ot_incident inc = {0};
    rc = get_incident(db, o->id, &inc);
    if (rc == OT_ENOTFOUND)
        rc = ot_cli_error(cmd, "no incident '%s'", o->id);
    else if (rc)
        rc = ot_cli_error(cmd, "cannot read incident '%s': %s", o->id, ot_strerror(rc));
    else
        rc = print_incident(cmd, o, &inc);
    ot_incident_free(&inc);
    ot_incident_db_close(db);
    return rc;
}

static int run(const char *cmd, int argc, char **argv, bool list)
{
    incidents_opts o = {.data_dir = "./opentrail-data"};
    int rc = parse_args(cmd, argc, argv, &o);
    if (rc)
        return rc < 0 ? OT_EXIT_OK : rc;
    if (list) {
        o.json = o.json || !isatty(1);
        if (!o.limit)
            o.limit = DEFAULT_LIMIT;
        return cmd_list(&o);
    }
    return cmd_show(&o);
}

int ot_cmd_incidents(int argc, char **argv)
{
    if (argc < 2)
        return ot_cli_usage("incidents", "missing subcommand (list or show)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(incidents_help, stdout);
        return OT_EXIT_OK;
    }
    if (!strcmp(argv[1], "list"))
        return run("incidents list", argc - 1, argv + 1, true);
    if (!strcmp(argv[1], "show"))
        return run("incidents show", argc - 1, argv + 1, false);
    return ot_cli_usage("incidents", "unknown subcommand '%s' (list or show)", argv[1]);
}
