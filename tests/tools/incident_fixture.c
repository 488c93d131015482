/* incident_fixture.c — a test fixture: `ot_incident_fixture DB` stores each incident record read
 * from stdin (one JSON object a line) into the incidents.db at DB through ot_incident_put, the
 * way a runbook does, and prints per line the incident's id, then " new" or " exists". The
 * index fields come from the record (docs/runbooks.md): runbook, trigger.eventID,
 * trigger.recipientAccountId, trigger.awsRegion, actor.human.name, createdAt, and id if given.
 * tests/e2e/test_incidents_cli.py runs it to make the store `opentrail incidents` reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/incident.h"
#include "util/err.h"
#include "util/json.h"
#include "util/timeutil.h"

static void copy_at(ot_json rec, const char *section, const char *key, char *out, size_t cap)
{
    ot_json obj = rec;
    const char *s;
    size_t n;
    if ((section && ot_json_get(rec, section, &obj) != 0) || ot_json_get_str(obj, key, &s, &n))
        return;
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), s);
}

static int index_fields(ot_json rec, ot_incident *inc)
{
    ot_json actor;
    char created[64] = "";
    copy_at(rec, NULL, "id", inc->id, sizeof inc->id);
    copy_at(rec, NULL, "runbook", inc->runbook, sizeof inc->runbook);
    copy_at(rec, "trigger", "eventID", inc->trigger_event_id, sizeof inc->trigger_event_id);
    copy_at(rec, "trigger", "recipientAccountId", inc->account, sizeof inc->account);
    copy_at(rec, "trigger", "awsRegion", inc->region, sizeof inc->region);
    if (ot_json_get(rec, "actor", &actor) == 0)
        copy_at(actor, "human", "name", inc->human, sizeof inc->human);
    copy_at(rec, NULL, "createdAt", created, sizeof created);
    return created[0] ? ot_time_parse_iso8601(created, &inc->created_ms) : 0;
}

static int put_line(ot_incident_db *db, ot_json_doc *doc, char *line)
{
    size_t len = strcspn(line, "\n");
    line[len] = '\0';
    if (!len)
        return 0;
    ot_json rec;
    ot_incident inc = {.json = line};
    if (ot_json_parse(doc, line, len, false, &rec, NULL, 0) || index_fields(rec, &inc))
        return OT_EINVAL;
    int rc = ot_incident_put(db, &inc);
    if (rc && rc != OT_EEXIST)
        return rc;
    printf("%s %s\n", inc.id, rc ? "exists" : "new");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ot_incident_fixture DB < records.jsonl\n");
        return 2;
    }
    ot_incident_db *db;
    if (ot_incident_db_open(argv[1], &db)) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    ot_json_doc *doc = ot_json_doc_new();
    static char line[1 << 20];
    int rc = doc ? 0 : OT_ENOMEM;
    while (!rc && fgets(line, sizeof line, stdin))
        rc = put_line(db, doc, line);
    ot_json_doc_free(doc);
    ot_incident_db_close(db);
    if (rc)
        fprintf(stderr, "ot_incident_fixture: %s\n", ot_strerror(rc));
    return rc ? 1 : 0;
}
