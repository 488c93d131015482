/* incident_markdown.c — an incident record (docs/runbooks.md, "Incident records") as a Markdown
 * report for people: title and status, who (with the human behind the principal and how they
 * were found), when and from where, what changed, what the runbook did, the blind window and
 * the events recorded in it, prior incidents, notifications. Missing fields are left out, so a
 * record of any runbook renders; every value is written as inert text (incident_md_text.c). */
#include "incident/incident_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define MD_MAX (4u << 20)
#define MAX_WINDOW_ROWS 100

typedef struct md {
    ot_buf *b;
    ot_buf tmp;
    ot_json empty;
    int rc; /* sticky */
} md;

static void put(md *m, const char *s)
{
    if (!m->rc)
        m->rc = ot_buf_puts(m->b, s);
}

static void text(md *m, const char *s)
{
    if (!m->rc)
        m->rc = md_text(m->b, s ? s : "", s ? strlen(s) : 0);
}

/* Member key of obj, when it is there and neither null nor "". */
static bool present(ot_json obj, const char *key, ot_json *v)
{
    const char *s;
    size_t n;
    return ot_json_get(obj, key, v) == 0 && ot_json_typeof(*v) != OT_JSON_NULL &&
           !(ot_json_str(*v, &s, &n) == 0 && n == 0);
}

static void value(md *m, ot_json v)
{
    if (!m->rc)
        m->rc = md_value(m->b, v, &m->tmp);
}

/* "- **label:** value" for member key of obj, when it is there (true). */
static bool field(md *m, const char *label, ot_json obj, const char *key)
{
    ot_json v;
    if (!present(obj, key, &v))
        return false;
    put(m, "- **");
    put(m, label);
    put(m, ":** ");
    value(m, v);
    put(m, "\n");
    return true;
}

static const char *str_or(ot_json obj, const char *key, const char *dflt)
{
    const char *s = md_str(obj, key);
    return s && *s ? s : dflt;
}

static void heading(md *m, ot_json rec)
{
    ot_json trigger;
    md_obj(rec, "trigger", m->empty, &trigger);
    put(m, "# ");
    text(m, str_or(rec, "id", "Incident"));
    put(m, ": ");
    if (md_str(rec, "title")) {
        text(m, md_str(rec, "title"));
    } else {
        text(m, str_or(rec, "runbook", "runbook"));
        put(m, " after ");
        text(m, str_or(trigger, "eventName", "an event"));
    }
    put(m, "\n\n**Status:** ");
    text(m, str_or(rec, "status", "unknown"));
    put(m, " · **Runbook:** ");
    text(m, str_or(rec, "runbook", "unknown"));
    put(m, " · **Created:** ");
    text(m, str_or(rec, "createdAt", "unknown"));
    put(m, "\n");
}

static void chain_hop(md *m, ot_json hop, size_t i)
{
    char num[24];
    snprintf(num, sizeof num, "  %zu. ", i + 1);
    put(m, num);
    text(m, str_or(hop, "eventName", "?"));
    put(m, " at ");
    text(m, str_or(hop, "eventTime", "?"));
    put(m, " by ");
    text(m, str_or(hop, "callerType", "?"));
    put(m, " ");
    text(m, str_or(hop, "callerArn", "?"));
    put(m, " issued ");
    text(m, str_or(hop, "arn", "?"));
    if (md_str(hop, "accessKeyId") && *md_str(hop, "accessKeyId")) {
        put(m, " (key ");
        text(m, md_str(hop, "accessKeyId"));
        put(m, ")");
    }
    put(m, ", event ");
    text(m, str_or(hop, "eventID", "?"));
    put(m, "\n");
}

static void human(md *m, ot_json actor)
{
    ot_json h, chain, hop;
    md_obj(actor, "human", m->empty, &h);
    const char *name = md_str(h, "name"), *how = str_or(h, "how", "unresolved");
    put(m, "- **Human:** ");
    if (name && *name) {
        text(m, name);
        put(m, " (");
        text(m, how);
        if (md_str(h, "provider") && *md_str(h, "provider")) {
            put(m, ", provider ");
            text(m, md_str(h, "provider"));
        }
        put(m, ")\n");
    } else {
        put(m, "not resolved\n");
    }
    ot_json_iter it;
    if (ot_json_get(h, "chain", &chain) != 0 || ot_json_array_iter(chain, &it) != 0 ||
        ot_json_count(chain) == 0)
        return;
    put(m, "- **Role chain** (newest first):\n");
    for (size_t i = 0; ot_json_array_next(&it, &hop); i++)
        if (ot_json_typeof(hop) == OT_JSON_OBJECT)
            chain_hop(m, hop, i);
}

static void who(md *m, ot_json rec)
{
    ot_json actor;
    md_obj(rec, "actor", m->empty, &actor);
    put(m, "\n## Who\n\n");
    human(m, actor);
    field(m, "Principal type", actor, "type");
    field(m, "Principal", actor, "arn");
    field(m, "Principal id", actor, "principalId");
    field(m, "User name", actor, "userName");
    field(m, "Access key", actor, "accessKeyId");
    field(m, "MFA", actor, "mfaAuthenticated");
    field(m, "Session created", actor, "sessionCreationDate");
}

static void when_where(md *m, ot_json rec)
{
    ot_json trigger, actor;
    md_obj(rec, "trigger", m->empty, &trigger);
    md_obj(rec, "actor", m->empty, &actor);
    put(m, "\n## When and from where\n\n");
    field(m, "Event", trigger, "eventName");
    field(m, "Event source", trigger, "eventSource");
    field(m, "Time", trigger, "eventTime");
    field(m, "Event id", trigger, "eventID");
    field(m, "Account", trigger, "recipientAccountId");
    field(m, "Region", trigger, "awsRegion");
    field(m, "Source IP", actor, "sourceIPAddress");
    field(m, "User agent", actor, "userAgent");
}

static void what(md *m, ot_json rec)
{
    ot_json res, action;
    md_obj(rec, "resource", m->empty, &res);
    put(m, "\n## What changed\n\n");
    bool any = field(m, "Resource type", res, "type");
    any |= field(m, "Resource", res, "name");
    any |= field(m, "ARN", res, "arn");
    any |= field(m, "Change", rec, "change");
    if (!any)
        put(m, "Not recorded.\n");
    put(m, "\n## What was done\n\n");
    if (!md_obj(rec, "action", m->empty, &action)) {
        put(m, "Nothing yet.\n");
        return;
    }
    bool dry = false;
    if (ot_json_get_bool(action, "dryRun", &dry) == 0 && dry)
        put(m, "**Dry run:** the runbook changed nothing.\n\n");
    field(m, "Action", action, "taken");
    field(m, "Result", action, "result");
    field(m, "Before", action, "before");
    field(m, "After", action, "after");
    field(m, "Our call's event id", action, "eventID");
}

static void window_row(md *m, ot_json ev)
{
    static const char *const cols[] = {"eventTime", "eventName", "eventSource", "username",
                                       "eventID"};
    put(m, "|");
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        put(m, " ");
        text(m, str_or(ev, cols[i], ""));
        put(m, " |");
    }
    put(m, "\n");
}

static void window_events(md *m, ot_json win)
{
    ot_json events, ev, total;
    ot_json_iter it;
    size_t n = 0;
    if (ot_json_get(win, "events", &events) != 0 || ot_json_array_iter(events, &it) != 0 ||
        (n = ot_json_count(events)) == 0) {
        put(m, "\nNo events were recorded in the window.\n");
        return;
    }
    put(m, "\nEvents recorded in the window:\n\n| Time | Event | Source | User | Event id |\n"
           "|---|---|---|---|---|\n");
    for (size_t i = 0; ot_json_array_next(&it, &ev) && i < MAX_WINDOW_ROWS; i++)
        if (ot_json_typeof(ev) == OT_JSON_OBJECT)
            window_row(m, ev);
    int64_t all = (int64_t)n;
    if (ot_json_get(win, "eventsTotal", &total) == 0)
        ot_json_int64(total, &all);
    if (all > MAX_WINDOW_ROWS || all > (int64_t)n) {
        char more[96];
        snprintf(more, sizeof more, "\n%lld events in all; %zu shown.\n", (long long)all,
                 n < MAX_WINDOW_ROWS ? n : (size_t)MAX_WINDOW_ROWS);
        put(m, more);
    }
}

static void blind_window(md *m, ot_json rec)
{
    ot_json win;
    if (!md_obj(rec, "window", m->empty, &win))
        return;
    put(m, "\n## Blind window\n\n");
    field(m, "From", win, "start");
    field(m, "To", win, "end");
    field(m, "Seconds", win, "seconds");
    window_events(m, win);
}

/* A bulleted list of the objects in rec[key], each written by item; none_text when empty. */
static void list(md *m, ot_json rec, const char *title, const char *key, const char *none_text,
                 void (*item)(md *m, ot_json v))
{
    ot_json arr, v;
    ot_json_iter it;
    put(m, "\n## ");
    put(m, title);
    put(m, "\n\n");
    if (ot_json_get(rec, key, &arr) != 0 || ot_json_array_iter(arr, &it) != 0 ||
        ot_json_count(arr) == 0) {
        put(m, none_text);
        put(m, "\n");
        return;
    }
    while (ot_json_array_next(&it, &v))
        if (ot_json_typeof(v) == OT_JSON_OBJECT) {
            put(m, "- ");
            item(m, v);
            put(m, "\n");
        }
}

static void prior_item(md *m, ot_json p)
{
    text(m, str_or(p, "id", "?"));
    put(m, ": ");
    text(m, str_or(p, "runbook", "?"));
    put(m, ", ");
    text(m, str_or(p, "createdAt", "?"));
    put(m, ", ");
    text(m, str_or(p, "status", "?"));
}

static void notification_item(md *m, ot_json n)
{
    text(m, str_or(n, "type", "notification"));
    put(m, " to ");
    text(m, str_or(n, "target", "?"));
    if (md_str(n, "error") && *md_str(n, "error")) {
        put(m, ": failed: ");
        text(m, md_str(n, "error"));
    } else if (md_str(n, "messageId") && *md_str(n, "messageId")) {
        put(m, ": message id ");
        text(m, md_str(n, "messageId"));
    }
}

static void details(md *m, ot_json rec)
{
    ot_json d;
    if (!present(rec, "details", &d))
        return;
    put(m, "\n## Details\n\n");
    if (!m->rc)
        m->rc = md_code_block(m->b, d, &m->tmp);
}

static int render(md *m, ot_json rec)
{
    heading(m, rec);
    who(m, rec);
    when_where(m, rec);
    what(m, rec);
    blind_window(m, rec);
    list(m, rec, "Prior incidents for this human", "prior", "None.", prior_item);
    list(m, rec, "Notifications", "notifications", "None sent.", notification_item);
    details(m, rec);
    return m->rc;
}

int ot_incident_markdown(const char *json, size_t len, char **out)
{
    *out = NULL;
    ot_json_doc *doc = ot_json_doc_new(), *empty_doc = ot_json_doc_new();
    ot_buf b;
    ot_buf_init(&b, MD_MAX);
    md m = {.b = &b};
    ot_buf_init(&m.tmp, MD_MAX);
    ot_json rec;
    int rc = doc && empty_doc ? OT_OK : OT_ENOMEM;
    if (!rc && (ot_json_parse(empty_doc, "{}", 2, false, &m.empty, NULL, 0) != 0 ||
                ot_json_parse(doc, json, len, false, &rec, NULL, 0) != 0 ||
                ot_json_typeof(rec) != OT_JSON_OBJECT))
        rc = OT_EINVAL;
    if (!rc)
        rc = render(&m, rec);
    if (!rc && !(*out = ot_buf_take(&b, NULL)))
        rc = OT_ENOMEM;
    ot_buf_free(&b);
    ot_buf_free(&m.tmp);
    ot_json_doc_free(doc);
    ot_json_doc_free(empty_doc);
    return rc;
}
