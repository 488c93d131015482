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

/* Writes tmpl with each "{key}" or "{key|default}" replaced by member key of obj as text (the
 * default, else "?", when it is missing or empty). */
static void fill(md *m, ot_json obj, const char *tmpl)
{
    const char *p = tmpl;
    while (*p && !m->rc) {
        const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
        if (!close) {
            put(m, p);
            return;
        }
        m->rc = ot_buf_append(m->b, p, (size_t)(open - p));
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(close - open - 1), open + 1);
        char *bar = strchr(key, '|');
        if (bar)
            *bar++ = '\0';
        text(m, str_or(obj, key, bar ? bar : "?"));
        p = close + 1;
    }
}

static void heading(md *m, ot_json rec)
{
    ot_json trigger;
    md_obj(rec, "trigger", m->empty, &trigger);
    fill(m, rec, "# {id|Incident}: ");
    if (md_str(rec, "title")) {
        fill(m, rec, "{title}");
    } else {
        fill(m, rec, "{runbook|runbook} after ");
        fill(m, trigger, "{eventName|an event}");
    }
    fill(m, rec, "\n\n**Status:** {status|unknown} · **Runbook:** {runbook|unknown} · "
                 "**Created:** {createdAt|unknown}\n");
}

static void chain_hop(md *m, ot_json hop, size_t i)
{
    char num[24];
    snprintf(num, sizeof num, "  %zu. ", i + 1);
    put(m, num);
    fill(m, hop, "{eventName} at {eventTime} by {callerType} {callerArn} issued {arn}");
    if (md_str(hop, "accessKeyId") && *md_str(hop, "accessKeyId"))
        fill(m, hop, " (key {accessKeyId})");
    fill(m, hop, ", event {eventID}\n");
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

/* One "- **label:** value" line per member of obj that is there; true when any was. */
typedef struct md_field {
    const char *label, *key;
} md_field;

static bool fields(md *m, ot_json obj, const md_field *f, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= field(m, f[i].label, obj, f[i].key);
    return any;
}

#define FIELDS(m, obj, table) fields((m), (obj), (table), sizeof(table) / sizeof((table)[0]))

static const md_field PRINCIPAL[] = {
    {"Principal type", "type"},        {"Principal", "arn"},
    {"Principal id", "principalId"},   {"User name", "userName"},
    {"Access key", "accessKeyId"},     {"MFA", "mfaAuthenticated"},
    {"Session created", "sessionCreationDate"},
};
static const md_field TRIGGER[] = {
    {"Event", "eventName"},    {"Event source", "eventSource"},     {"Time", "eventTime"},
    {"Event id", "eventID"},   {"Account", "recipientAccountId"},   {"Region", "awsRegion"},
};
static const md_field ORIGIN[] = {{"Source IP", "sourceIPAddress"}, {"User agent", "userAgent"}};
static const md_field RESOURCE[] = {{"Resource type", "type"}, {"Resource", "name"}, {"ARN", "arn"}};
static const md_field ACTION[] = {
    {"Action", "taken"}, {"Result", "result"}, {"Before", "before"}, {"After", "after"},
    {"Our call's event id", "eventID"},
};
static const md_field WINDOW[] = {{"From", "start"}, {"To", "end"}, {"Seconds", "seconds"}};

static void who(md *m, ot_json rec)
{
    ot_json actor;
    md_obj(rec, "actor", m->empty, &actor);
    put(m, "\n## Who\n\n");
    human(m, actor);
    FIELDS(m, actor, PRINCIPAL);
}

static void when_where(md *m, ot_json rec)
{
    ot_json trigger, actor;
    md_obj(rec, "trigger", m->empty, &trigger);
    md_obj(rec, "actor", m->empty, &actor);
    put(m, "\n## When and from where\n\n");
    FIELDS(m, trigger, TRIGGER);
    FIELDS(m, actor, ORIGIN);
}

static void what(md *m, ot_json rec)
{
    ot_json res, action;
    md_obj(rec, "resource", m->empty, &res);
    put(m, "\n## What changed\n\n");
    bool any = FIELDS(m, res, RESOURCE);
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
    FIELDS(m, action, ACTION);
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
            fill(m, ev, "| {eventTime|} | {eventName|} | {eventSource|} | {username|} | "
                        "{eventID|} |\n");
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
    FIELDS(m, win, WINDOW);
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

static void prior_item(md *m, ot_json p) { fill(m, p, "{id}: {runbook}, {createdAt}, {status}"); }

static void notification_item(md *m, ot_json n)
{
    fill(m, n, "{type|notification} to {target}");
    if (md_str(n, "error") && *md_str(n, "error"))
        fill(m, n, ": failed: {error}");
    else if (md_str(n, "messageId") && *md_str(n, "messageId"))
        fill(m, n, ": message id {messageId}");
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
