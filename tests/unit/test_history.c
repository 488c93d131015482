/* test_history.c — the event history index: extraction (Username, resources, category), every
 * lookup attribute, time ranges, paging stability with inserts between pages, retention,
 * NextToken tampering, the record splitter over every framing, import of damaged files, and the
 * migration of schema version 1 files (resources and raw in events). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "otest.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <sqlite3.h>

#include "history/history.h"
#include "history/import.h"
#include "util/err.h"
#include "util/json.h"

static char g_dir[64];
static char g_db[128];

static int setup(void **state)
{
    (void)state;
    otest_tmpdir(g_dir, sizeof g_dir, "hist");
    snprintf(g_db, sizeof g_db, "%s/history.db", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    otest_rmrf(g_dir);
    return 0;
}

/* A management event; user forms: "iam:NAME", "role:ROLE/SESSION", "root", "svc". */
static void make_event(char *out, size_t cap, const char *id, const char *time, const char *name,
                       const char *user, bool ro, const char *region)
{
    char ident[512];
    if (!strncmp(user, "iam:", 4))
        snprintf(ident, sizeof ident,
                 "{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/%s\","
                 "\"accessKeyId\":\"AKIA%s\",\"userName\":\"%s\"}", user + 4, user + 4, user + 4);
    else if (!strncmp(user, "role:", 5))
        snprintf(ident, sizeof ident,
                 "{\"type\":\"AssumedRole\",\"principalId\":\"AROAX:%s\","
                 "\"arn\":\"arn:aws:sts::111122223333:assumed-role/%s\",\"accessKeyId\":\"ASIAR\","
                 "\"sessionContext\":{\"sessionIssuer\":{\"userName\":\"therole\"}}}",
                 strchr(user, '/') + 1, user + 5);
    else if (!strcmp(user, "root"))
        snprintf(ident, sizeof ident, "{\"type\":\"Root\",\"arn\":\"arn:aws:iam::111122223333:root\"}");
    else
        snprintf(ident, sizeof ident, "{\"type\":\"AWSService\",\"invokedBy\":\"ec2.amazonaws.com\"}");
    snprintf(out, cap,
             "{\"eventVersion\":\"1.09\",\"userIdentity\":%s,\"eventTime\":\"%s\","
             "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"%s\",\"awsRegion\":\"%s\","
             "\"eventID\":\"%s\",\"readOnly\":%s,\"resources\":[{\"type\":\"AWS::IAM::Role\","
             "\"ARN\":\"arn:aws:iam::111122223333:role/r-%s\"},{\"type\":\"AWS::S3::Bucket\","
             "\"ARN\":\"arn:aws:s3:::bucket-%s\"}],\"eventType\":\"AwsApiCall\","
             "\"managementEvent\":true,\"eventCategory\":\"Management\"}",
             ident, time, name, region, id, ro ? "true" : "false", id, name);
}

static ot_history *open_db(void)
{
    ot_history *h = NULL;
    assert_int_equal(ot_history_open(g_db, NULL, &h), 0);
    return h;
}

static void add(ot_history *h, const char *json, int expect_added)
{
    int added = -1;
    assert_int_equal(ot_history_begin(h), 0);
    assert_int_equal(ot_history_add(h, json, strlen(json), -1, false, &added), 0);
    assert_int_equal(ot_history_commit(h, 0), 0);
    assert_int_equal(added, expect_added);
}

typedef struct collect {
    int n;
    char ids[1024][40];
    char users[1024][64];
    int64_t times[1024];
} collect;

static int on_hit(void *ctx, const ot_history_hit *e)
{
    collect *c = ctx;
    assert_true(c->n < 1024);
    snprintf(c->ids[c->n], sizeof c->ids[0], "%s", e->event_id);
    snprintf(c->users[c->n], sizeof c->users[0], "%s", e->username ? e->username : "");
    c->times[c->n] = e->time_ms;
    c->n++;
    return 0;
}

static int count_for(ot_history *h, ot_history_key k, const char *v, const char *region)
{
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 1000,
                          .region = region, .nattrs = 1};
    q.attrs[0].key = k;
    q.attrs[0].value = v;
    static collect c;
    memset(&c, 0, sizeof c);
    bool more;
    ot_history_cursor next;
    assert_int_equal(ot_history_query_run(h, &q, on_hit, &c, &more, &next), 0);
    assert_false(more);
    return c.n;
}

static void fill(ot_history *h)
{
    char buf[2048];
    make_event(buf, sizeof buf, "e1", "2024-03-01T10:00:00Z", "CreateRole", "iam:alice", false, "us-east-1");
    add(h, buf, 1);
    make_event(buf, sizeof buf, "e2", "2024-03-01T11:00:00Z", "GetRole", "role:admin/bob@example.com", true, "us-east-1");
    add(h, buf, 1);
    make_event(buf, sizeof buf, "e3", "2024-03-01T12:00:00Z", "GetRole", "root", true, "eu-west-1");
    add(h, buf, 1);
    make_event(buf, sizeof buf, "e4", "2024-03-01T13:00:00Z", "DeleteRole", "svc", false, "us-east-1");
    add(h, buf, 1);
}

static void test_attributes(void **state)
{
    (void)state;
    ot_history *h = open_db();
    fill(h);
    char buf[2048];
    make_event(buf, sizeof buf, "e1", "2024-03-01T10:00:00Z", "CreateRole", "iam:alice", false, "us-east-1");
    add(h, buf, 0); /* same eventID: not added twice */
    assert_int_equal(count_for(h, OT_HK_EVENT_ID, "e2", NULL), 1);
    assert_int_equal(count_for(h, OT_HK_EVENT_ID, "nope", NULL), 0);
    assert_int_equal(count_for(h, OT_HK_EVENT_NAME, "GetRole", NULL), 2);
    assert_int_equal(count_for(h, OT_HK_EVENT_NAME, "GetRole", "us-east-1"), 1);
    assert_int_equal(count_for(h, OT_HK_READ_ONLY, "true", NULL), 2);
    assert_int_equal(count_for(h, OT_HK_READ_ONLY, "false", NULL), 2);
    assert_int_equal(count_for(h, OT_HK_READ_ONLY, "yes", NULL), 0);
    /* Username as AWS derives it */
    assert_int_equal(count_for(h, OT_HK_USERNAME, "alice", NULL), 1);
    assert_int_equal(count_for(h, OT_HK_USERNAME, "bob@example.com", NULL), 1);
    assert_int_equal(count_for(h, OT_HK_USERNAME, "therole", NULL), 0);
    assert_int_equal(count_for(h, OT_HK_USERNAME, "root", NULL), 1);
    assert_int_equal(count_for(h, OT_HK_RESOURCE_TYPE, "AWS::IAM::Role", NULL), 4);
    assert_int_equal(count_for(h, OT_HK_RESOURCE_TYPE, "AWS::S3::Bucket", "eu-west-1"), 1);
    assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, "arn:aws:iam::111122223333:role/r-e3", NULL), 1);
    assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, "r-e3", NULL), 1);      /* short name */
    assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, "bucket-GetRole", NULL), 2);
    assert_int_equal(count_for(h, OT_HK_EVENT_SOURCE, "iam.amazonaws.com", NULL), 4);
    assert_int_equal(count_for(h, OT_HK_EVENT_SOURCE, "s3.amazonaws.com", NULL), 0);
    assert_int_equal(count_for(h, OT_HK_ACCESS_KEY_ID, "AKIAalice", NULL), 1);
    assert_int_equal(count_for(h, OT_HK_ACCESS_KEY_ID, "ASIAR", NULL), 1);

    /* several attributes ANDed, and newest first */
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 50, .nattrs = 2};
    q.attrs[0].key = OT_HK_READ_ONLY, q.attrs[0].value = "true";
    q.attrs[1].key = OT_HK_RESOURCE_NAME, q.attrs[1].value = "r-e3";
    static collect c;
    memset(&c, 0, sizeof c);
    bool more;
    ot_history_cursor next;
    assert_int_equal(ot_history_query_run(h, &q, on_hit, &c, &more, &next), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.ids[0], "e3");
    q.nattrs = 0;
    memset(&c, 0, sizeof c);
    assert_int_equal(ot_history_query_run(h, &q, on_hit, &c, &more, &next), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.ids[0], "e4");
    assert_string_equal(c.ids[3], "e1");
    int64_t n;
    assert_int_equal(ot_history_count(h, &n), 0);
    assert_int_equal(n, 4);
    ot_history_close(h);
}

/* ResourceName matches a resource's ARN or its short name, through one res row per name key:
 * ARNs sharing a key in one event give the event once; a suffix that is neither does not match. */
static void test_resource_names(void **state)
{
    (void)state;
    ot_history *h = open_db();
    static const char EV[] =
        "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"Root\",\"arn\":"
        "\"arn:aws:iam::111122223333:root\"},\"eventTime\":\"2024-03-01T10:00:00Z\","
        "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"TagRole\",\"awsRegion\":"
        "\"us-east-1\",\"eventID\":\"rn-1\",\"readOnly\":false,\"resources\":["
        "{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::shared/x\"},"
        "{\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::1:role/p/x\"},"
        "{\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::1:role/q:r\"},"
        "{\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::bkt\"},"
        "{\"type\":\"Plain\",\"ARN\":\"plain\"},{\"type\":\"Dir\",\"ARN\":\"arn:aws:thing/\"}],"
        "\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"eventCategory\":\"Management\"}";
    add(h, EV, 1);
    static const struct {
        const char *q;
        int n;
    } cases[] = {{"x", 1}, {"arn:aws:s3:::shared/x", 1}, {"arn:aws:iam::1:role/p/x", 1},
                 {"p/x", 0}, {"shared/x", 0}, {"q:r", 1}, {"r", 0},
                 {"arn:aws:iam::1:role/q:r", 1}, {"bkt", 1}, {"arn:aws:s3:::bkt", 1},
                 {"s3:::bkt", 0}, {"plain", 1}, {"arn:aws:thing/", 1}, {"thing", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, cases[i].q, NULL), cases[i].n);
        assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, cases[i].q, "us-east-1"), cases[i].n);
        /* not the driver: checked per row (EXISTS) */
        ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 10, .nattrs = 2};
        q.attrs[0].key = OT_HK_USERNAME, q.attrs[0].value = "root";
        q.attrs[1].key = OT_HK_RESOURCE_NAME, q.attrs[1].value = cases[i].q;
        static collect c;
        memset(&c, 0, sizeof c);
        bool more;
        ot_history_cursor next;
        assert_int_equal(ot_history_query_run(h, &q, on_hit, &c, &more, &next), 0);
        assert_int_equal(c.n, cases[i].n);
    }
    assert_int_equal(count_for(h, OT_HK_RESOURCE_TYPE, "AWS::IAM::Role", NULL), 1);
    ot_history_close(h);
}

static void test_time_range(void **state)
{
    (void)state;
    ot_history *h = open_db();
    fill(h);
    /* inclusive bounds: 11:00..12:00 gives e2 and e3 */
    ot_history_query q = {.start_ms = 1709290800000LL, .end_ms = 1709294400000LL, .limit = 50};
    static collect c;
    memset(&c, 0, sizeof c);
    bool more;
    ot_history_cursor next;
    assert_int_equal(ot_history_query_run(h, &q, on_hit, &c, &more, &next), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.ids[0], "e3");
    assert_string_equal(c.ids[1], "e2");
    q.start_ms = 1709294400001LL;
    q.end_ms = INT64_MAX;
    memset(&c, 0, sizeof c);
    assert_int_equal(ot_history_query_run(h, &q, on_hit, &c, &more, &next), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.ids[0], "e4");
    ot_history_close(h);
}

/* 300 events in the same second and around it; pages of 7 while new events (newer and older)
 * arrive between pages: every original event exactly once, none of the new ones. */
static void test_paging_stable(void **state)
{
    (void)state;
    ot_history *h = open_db();
    char buf[2048], id[32], when[32];
    assert_int_equal(ot_history_begin(h), 0);
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "p%03d", i);
        snprintf(when, sizeof when, "2024-03-01T10:00:%02dZ", i % 3 == 0 ? 30 : i % 60);
        make_event(buf, sizeof buf, id, when, "GetRole", "iam:alice", true, "us-east-1");
        int added;
        assert_int_equal(ot_history_add(h, buf, strlen(buf), -1, false, &added), 0);
    }
    assert_int_equal(ot_history_commit(h, 0), 0);
    static char seen[300];
    memset(seen, 0, sizeof seen);
    ot_history_cursor cur;
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 7, .nattrs = 1};
    q.attrs[0].key = OT_HK_EVENT_NAME, q.attrs[0].value = "GetRole";
    bool more = true;
    int pages = 0, total = 0, extra = 0;
    int64_t prev_t = INT64_MAX;
    while (more) {
        static collect c;
        memset(&c, 0, sizeof c);
        assert_int_equal(ot_history_query_run(h, &q, on_hit, &c, &more, &cur), 0);
        for (int i = 0; i < c.n; i++) {
            assert_true(c.times[i] <= prev_t); /* newest first across pages */
            prev_t = c.times[i];
            int k = atoi(c.ids[i] + 1);
            assert_true(c.ids[i][0] == 'p');
            assert_int_equal(seen[k], 0);
            seen[k] = 1;
            total++;
        }
        /* arrivals between pages: one in the same second as the cursor, one newer, one older */
        const char *times[] = {"2024-03-01T10:00:30Z", "2024-03-01T11:00:00Z", "2024-03-01T09:00:00Z"};
        for (int j = 0; j < 3; j++) {
            snprintf(id, sizeof id, "new%d-%d", pages, j);
            make_event(buf, sizeof buf, id, times[j], "GetRole", "iam:alice", true, "us-east-1");
            add(h, buf, 1);
            extra++;
        }
        q.after = &cur;
        pages++;
    }
    assert_int_equal(total, 300);
    assert_int_equal(pages, 43);
    /* a fresh query sees them all */
    assert_int_equal(count_for(h, OT_HK_EVENT_NAME, "GetRole", NULL), 300 + extra);
    ot_history_close(h);
}

/* Rows of a table, straight from SQLite. */
static int64_t sql_count(const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_retention(void **state)
{
    (void)state;
    ot_history *h = open_db();
    fill(h); /* 2024-03-01 10:00 .. 13:00 */
    char buf[2048];
    int added, deleted;
    make_event(buf, sizeof buf, "imp", "2024-03-01T09:00:00Z", "Old", "iam:x", false, "us-east-1");
    assert_int_equal(ot_history_begin(h), 0);
    assert_int_equal(ot_history_add(h, buf, strlen(buf), -1, true, &added), 0);
    assert_int_equal(ot_history_commit(h, 0), 0);
    /* cutoff 11:30: e1 and e2 go, in batches of 1; the imported one stays */
    int64_t cutoff = 1709292600000LL, total = 0;
    do {
        assert_int_equal(ot_history_expire(h, cutoff, 1, false, &deleted), 0);
        total += deleted;
    } while (deleted == 1);
    assert_int_equal(total, 2);
    assert_int_equal(count_for(h, OT_HK_EVENT_ID, "e1", NULL), 0);
    assert_int_equal(count_for(h, OT_HK_EVENT_ID, "e2", NULL), 0);
    assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, "r-e1", NULL), 0); /* res rows too */
    assert_int_equal(count_for(h, OT_HK_EVENT_ID, "e3", NULL), 1);
    assert_int_equal(count_for(h, OT_HK_EVENT_ID, "imp", NULL), 1);
    assert_int_equal(ot_history_expire(h, cutoff, 100, true, &deleted), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(count_for(h, OT_HK_EVENT_ID, "imp", NULL), 0);
    ot_history_close(h);
    /* documents go with their rows */
    assert_int_equal(sql_count("SELECT count(*) FROM ev_doc"), 2);
    assert_int_equal(sql_count("SELECT count(*) FROM ev_doc WHERE id NOT IN (SELECT id FROM events)"), 0);
}

typedef struct doc_hit {
    int n;
    char raw[2048];
    char resources[512];
} doc_hit;

static int on_doc(void *ctx, const ot_history_hit *e)
{
    doc_hit *d = ctx;
    d->n++;
    snprintf(d->raw, sizeof d->raw, "%.*s", (int)e->raw_len, e->raw);
    snprintf(d->resources, sizeof d->resources, "%s", e->resources_json);
    return 0;
}

static doc_hit lookup_doc(ot_history *h, ot_history_key k, const char *v)
{
    ot_history_query q = {.start_ms = INT64_MIN, .end_ms = INT64_MAX, .limit = 10, .nattrs = 1};
    q.attrs[0].key = k;
    q.attrs[0].value = v;
    doc_hit d = {0};
    bool more;
    ot_history_cursor next;
    assert_int_equal(ot_history_query_run(h, &q, on_doc, &d, &more, &next), 0);
    return d;
}

/* A history.db written before version 2: readable as it is, migrated by the writer's open. */
static void test_migrate_v1(void **state)
{
    (void)state;
    static const char V1[] =
        "CREATE TABLE meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
        "CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, t INTEGER NOT NULL,"
        " cat INTEGER NOT NULL, region TEXT NOT NULL, imported INTEGER NOT NULL,"
        " event_id TEXT NOT NULL, event_name TEXT, event_source TEXT, read_only INTEGER,"
        " username TEXT, access_key_id TEXT, resources TEXT NOT NULL, raw TEXT NOT NULL);"
        "CREATE UNIQUE INDEX ev_id ON events(event_id);"
        "CREATE INDEX ev_name ON events(event_name, cat, region, t);"
        "CREATE TABLE res(id INTEGER NOT NULL, kind INTEGER NOT NULL, v TEXT NOT NULL,"
        " cat INTEGER NOT NULL, region TEXT NOT NULL, t INTEGER NOT NULL,"
        " PRIMARY KEY(id, kind, v)) WITHOUT ROWID;"
        "INSERT INTO events VALUES(1, 1709287200000, 0, 'us-east-1', 0, 'old-1', 'CreateRole',"
        " 'iam.amazonaws.com', 0, 'alice', 'AKIAalice',"
        " '[{\"ResourceType\":\"AWS::IAM::Role\",\"ResourceName\":\"r1\"}]',"
        " '{\"eventID\":\"old-1\",\"eventName\":\"CreateRole\"}');"
        "INSERT INTO res VALUES(1, 1, 'r1', 0, 'us-east-1', 1709287200000);";
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, V1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    ot_history *h = NULL; /* read-only: the file stays version 1 */
    ot_history_opts ro = {.read_only = true};
    assert_int_equal(ot_history_open(g_db, &ro, &h), 0);
    doc_hit d = lookup_doc(h, OT_HK_EVENT_NAME, "CreateRole");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.raw, "{\"eventID\":\"old-1\",\"eventName\":\"CreateRole\"}");
    ot_history_close(h);
    assert_int_equal(sql_count("SELECT count(*) FROM pragma_table_info('events') WHERE name = 'raw'"), 1);

    h = open_db(); /* the writer migrates */
    assert_int_equal(sql_count("SELECT count(*) FROM pragma_table_info('events')"
                               " WHERE name IN ('raw', 'resources')"), 0);
    assert_int_equal(sql_count("SELECT count(*) FROM ev_doc"), 1);
    d = lookup_doc(h, OT_HK_RESOURCE_NAME, "r1");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.raw, "{\"eventID\":\"old-1\",\"eventName\":\"CreateRole\"}");
    assert_string_equal(d.resources, "[{\"ResourceType\":\"AWS::IAM::Role\",\"ResourceName\":\"r1\"}]");
    char buf[2048]; /* new rows continue the id sequence and dedup still holds */
    make_event(buf, sizeof buf, "new-1", "2024-03-01T11:00:00Z", "GetRole", "iam:bob", true, "us-east-1");
    add(h, buf, 1);
    add(h, buf, 0);
    d = lookup_doc(h, OT_HK_EVENT_ID, "new-1");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.raw, buf);
    assert_int_equal(sql_count("SELECT max(id) FROM events"), 2);
    ot_history_close(h);
    h = open_db(); /* a second open finds version 3 and changes nothing */
    assert_int_equal(sql_count("SELECT count(*) FROM ev_doc"), 2);
    assert_int_equal(sql_count("PRAGMA user_version"), 5);
    assert_int_equal(sql_count("SELECT count(*) FROM pragma_table_info('events')"
                               " WHERE name IN ('blk', 'bi')"), 2);
    ot_history_close(h);
}

/* A version 2 file (documents in ev_doc, no block columns): read as it is read-only; the writer
 * adds the columns, old rows keep their ev_doc documents and imported rows go to blocks. */
static void test_migrate_v2(void **state)
{
    (void)state;
    static const char V2[] =
        "CREATE TABLE meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
        "CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, t INTEGER NOT NULL,"
        " cat INTEGER NOT NULL, region TEXT NOT NULL, imported INTEGER NOT NULL,"
        " event_id TEXT NOT NULL, event_name TEXT, event_source TEXT, read_only INTEGER,"
        " username TEXT, access_key_id TEXT);"
        "CREATE TABLE ev_doc(id INTEGER PRIMARY KEY, resources TEXT NOT NULL, raw NOT NULL);"
        "CREATE UNIQUE INDEX ev_id ON events(event_id);"
        "CREATE TABLE res(id INTEGER NOT NULL, kind INTEGER NOT NULL, v TEXT NOT NULL,"
        " cat INTEGER NOT NULL, region TEXT NOT NULL, t INTEGER NOT NULL,"
        " PRIMARY KEY(id, kind, v)) WITHOUT ROWID;"
        "INSERT INTO events VALUES(1, 1709287200000, 0, 'us-east-1', 0, 'old-2', 'CreateRole',"
        " 'iam.amazonaws.com', 0, 'alice', 'AKIAalice');"
        "INSERT INTO ev_doc VALUES(1, '[]', '{\"eventID\":\"old-2\"}');"
        "INSERT INTO res VALUES(1, 0, 'AWS::IAM::Role', 0, 'us-east-1', 1709287200000),"
        " (1, 1, 'arn:aws:iam::1:role/q:r', 0, 'us-east-1', 1709287200000),"
        " (1, 1, 'q:r', 0, 'us-east-1', 1709287200000),"
        " (1, 1, 'arn:aws:s3:::shared/x', 0, 'us-east-1', 1709287200000),"
        " (1, 1, 'arn:aws:iam::1:role/p/x', 0, 'us-east-1', 1709287200000),"
        " (1, 1, 'x', 0, 'us-east-1', 1709287200000),"
        " (1, 1, 'arn:aws:s3:::bkt', 0, 'us-east-1', 1709287200000),"
        " (1, 1, 'bkt', 0, 'us-east-1', 1709287200000);"
        "PRAGMA user_version = 2;";
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, V2, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    ot_history *h = NULL;
    ot_history_opts ro = {.read_only = true};
    assert_int_equal(ot_history_open(g_db, &ro, &h), 0);
    doc_hit d = lookup_doc(h, OT_HK_EVENT_NAME, "CreateRole");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.raw, "{\"eventID\":\"old-2\"}");
    assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, "bkt", NULL), 1); /* old res rows */
    assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, "r", NULL), 0);
    ot_history_close(h);
    assert_int_equal(sql_count("SELECT count(*) FROM pragma_table_info('events') WHERE name = 'blk'"), 0);

    h = open_db();
    assert_int_equal(sql_count("PRAGMA user_version"), 5);
    /* res migrated: one row per name key (x, r, bkt) plus the type row */
    assert_int_equal(sql_count("SELECT count(*) FROM res"), 4);
    static const struct {
        const char *q;
        int n;
    } cases[] = {{"x", 1}, {"arn:aws:s3:::shared/x", 1}, {"arn:aws:iam::1:role/p/x", 1},
                 {"p/x", 0}, {"q:r", 1}, {"r", 0}, {"arn:aws:iam::1:role/q:r", 1},
                 {"bkt", 1}, {"arn:aws:s3:::bkt", 1}, {"s3:::bkt", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(count_for(h, OT_HK_RESOURCE_NAME, cases[i].q, "us-east-1"), cases[i].n);
    assert_int_equal(count_for(h, OT_HK_RESOURCE_TYPE, "AWS::IAM::Role", "us-east-1"), 1);
    d = lookup_doc(h, OT_HK_USERNAME, "alice");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.raw, "{\"eventID\":\"old-2\"}");
    ot_history_close(h);
}

static void test_checkpoint_and_token(void **state)
{
    (void)state;
    ot_history *h = open_db();
    assert_int_equal(ot_history_checkpoint(h), 0);
    assert_int_equal(ot_history_begin(h), 0);
    assert_int_equal(ot_history_commit(h, 42), 0);
    assert_int_equal(ot_history_checkpoint(h), 42);
    uint8_t params[32] = {1, 2, 3}, other[32] = {1, 2, 4};
    ot_history_cursor c = {.snapshot = 99, .time_ms = 1709290800000LL, .id = 7}, back;
    char tok[OT_HISTORY_TOKEN_MAX];
    ot_history_token_make(h, params, &c, tok);
    assert_int_equal(ot_history_token_parse(h, tok, params, &back), 0);
    assert_int_equal(back.snapshot, 99);
    assert_int_equal(back.id, 7);
    assert_int_equal(back.time_ms, c.time_ms);
    assert_int_equal(ot_history_token_parse(h, tok, other, &back), OT_EINVAL);
    /* flip every character in turn: never accepted */
    for (size_t i = 0; tok[i]; i++) {
        char t2[OT_HISTORY_TOKEN_MAX];
        memcpy(t2, tok, sizeof t2);
        t2[i] = t2[i] == 'A' ? 'B' : 'A';
        assert_int_not_equal(ot_history_token_parse(h, t2, params, &back), 0);
    }
    assert_int_equal(ot_history_token_parse(h, "", params, &back), OT_EINVAL);
    assert_int_equal(ot_history_token_parse(h, "not base64 !!", params, &back), OT_EINVAL);
    ot_history_close(h);
    /* survives a reopen: same key, same checkpoint */
    h = open_db();
    assert_int_equal(ot_history_checkpoint(h), 42);
    assert_int_equal(ot_history_token_parse(h, tok, params, &back), 0);
    ot_history_close(h);
}

static void test_extract_category(void **state)
{
    (void)state;
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf arena;
    ot_buf_init(&arena, 0);
    ot_history_row row;
    ot_history_skip why;
    const char *ins = "{\"eventID\":\"i\",\"eventTime\":\"2024-01-01T00:00:00Z\","
                      "\"eventType\":\"AwsCloudTrailInsight\",\"eventCategory\":\"Insight\"}";
    assert_int_equal(ot_history_extract(doc, ins, strlen(ins), false, -1, &row, &arena, &why), 0);
    assert_int_equal(row.cat, OT_HCAT_INSIGHT);
    const char *data = "{\"eventID\":\"d\",\"eventTime\":\"2024-01-01T00:00:00Z\","
                       "\"managementEvent\":false,\"eventCategory\":\"Data\"}";
    assert_int_equal(ot_history_extract(doc, data, strlen(data), false, -1, &row, &arena, &why), 0);
    assert_int_equal(row.cat, OT_HCAT_DATA);
    const char *noid = "{\"eventTime\":\"2024-01-01T00:00:00Z\"}";
    assert_int_equal(ot_history_extract(doc, noid, strlen(noid), false, -1, &row, &arena, &why),
                     OT_ENOTFOUND);
    assert_int_equal(why, OT_HX_NO_EVENT_ID);
    const char *badtime = "{\"eventID\":\"x\",\"eventTime\":\"yesterday\"}";
    assert_int_equal(ot_history_extract(doc, badtime, strlen(badtime), false, -1, &row, &arena, &why),
                     OT_ENOTFOUND);
    assert_int_equal(why, OT_HX_BAD_TIME);
    assert_int_equal(ot_history_extract(doc, "{\"a\":", 5, false, -1, &row, &arena, &why), OT_EINVAL);
    const char *fed = "{\"eventID\":\"f\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"userIdentity\":"
                      "{\"type\":\"FederatedUser\",\"arn\":\"arn:aws:sts::1:federated-user/Bob\"}}";
    assert_int_equal(ot_history_extract(doc, fed, strlen(fed), false, -1, &row, &arena, &why), 0);
    assert_string_equal(arena.data + row.username, "Bob");
    ot_buf_free(&arena);
    ot_json_doc_free(doc);
}

/* ---- the splitter ---- */

typedef struct recs {
    int n;
    char first[64];
} recs;

static int on_rec(void *ctx, const char *rec, size_t len)
{
    recs *r = ctx;
    if (r->n++ == 0)
        snprintf(r->first, sizeof r->first, "%.*s", (int)(len < 60 ? len : 60), rec);
    return 0;
}

/* Feeds text in pieces of `step` bytes. */
static int split_all(const char *text, size_t step, recs *r, ot_hsplit *sp)
{
    ot_buf win;
    ot_buf_init(&win, 0);
    ot_hsplit_init(sp);
    memset(r, 0, sizeof *r);
    size_t n = strlen(text);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i += step) {
        ot_buf_append(&win, text + i, n - i < step ? n - i : step);
        rc = ot_hsplit_feed(sp, &win, on_rec, r);
    }
    if (!rc)
        rc = ot_hsplit_finish(sp, &win);
    ot_buf_free(&win);
    return rc;
}

static void test_split(void **state)
{
    (void)state;
    const char *env = "{\"Records\":[{\"eventID\":\"a\",\"x\":\"}]\\\"{\"},{\"eventID\":\"b\","
                      "\"resources\":[{\"ARN\":\"q\"}]}]}";
    const char *env2 = "{\"other\":[1,2,{\"Records\":[]}],\"Records\":[{\"eventID\":\"a\"}]}";
    const char *arr = "[{\"eventID\":\"a\"},\n{\"eventID\":\"b\"},{\"eventID\":\"c\"}]";
    const char *nd = "{\"eventID\":\"a\",\"Records\":1}\n{\"eventID\":\"b\"}\n\n{\"eventID\":\"c\"}\n";
    recs r;
    ot_hsplit sp;
    for (size_t step = 1; step < 80; step += 7) {
        assert_int_equal(split_all(env, step, &r, &sp), 0);
        assert_int_equal(r.n, 2);
        assert_string_equal(r.first, "{\"eventID\":\"a\",\"x\":\"}]\\\"{\"}");
        assert_int_equal(split_all(env2, step, &r, &sp), 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(split_all(arr, step, &r, &sp), 0);
        assert_int_equal(r.n, 3);
        assert_int_equal(split_all(nd, step, &r, &sp), 0);
        assert_int_equal(r.n, 3);
    }
    assert_int_equal(split_all("{\"Records\":[{\"eventID\":\"a\"},{\"eve", 5, &r, &sp), OT_ETORN);
    assert_int_equal(r.n, 1);
    assert_int_equal(split_all("hello", 5, &r, &sp), OT_EINVAL);
    assert_int_equal(split_all("]", 5, &r, &sp), OT_EINVAL);
    /* a record closed by the wrong bracket is refused, not handed on as "{...]" (fuzz find) */
    assert_int_equal(split_all("{\"eventID\":\"a\"}\n{\"eventID\":\"b\"]\n", 3, &r, &sp),
                     OT_EINVAL);
    assert_int_equal(r.n, 1);
    assert_non_null(strstr(sp.err, "mismatched"));
    assert_int_equal(split_all("[{\"eventID\":\"a\"]}", 4, &r, &sp), OT_EINVAL);
    assert_int_equal(r.n, 0);
}

/* ---- import of a small tree with damaged files ---- */

static void write_file(const char *name, const char *data, size_t n, bool gz)
{
    char path[256];
    snprintf(path, sizeof path, "%s/logs/%s", g_dir, name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, data, (unsigned)n), (int)n);
        gzclose(f);
    } else {
        otest_write_file(path, data, n);
    }
}

static void test_import(void **state)
{
    (void)state;
    char dir[128], a[2048], b[2048], body[8192];
    snprintf(dir, sizeof dir, "%s/logs", g_dir);
    mkdir(dir, 0700);
    make_event(a, sizeof a, "ia", "2024-03-01T10:00:00Z", "CreateRole", "iam:alice", false, "us-east-1");
    make_event(b, sizeof b, "ib", "2024-03-01T11:00:00Z", "GetRole", "root", true, "us-east-1");
    snprintf(body, sizeof body, "{\"Records\":[%s,%s]}", a, b);
    write_file("one.json.gz", body, strlen(body), true);
    snprintf(body, sizeof body, "%s\n%s\n", b, a); /* NDJSON, both duplicates */
    write_file("two.ndjson", body, strlen(body), false);
    write_file("x_CloudTrail-Digest_y.json.gz", "{}", 2, true);
    snprintf(body, sizeof body, "{\"Records\":[%s", a);
    write_file("trunc.json", body, strlen(body), false);
    /* corrupt gzip: a valid header then garbage */
    write_file("bad.json.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage", 24, false);
    ot_import *im = NULL;
    char err[256];
    /* one worker reads the files in name order (e2e test_import covers parallel workers) */
    ot_import_opts io = {.threads = 1};
    assert_int_equal(ot_import_new(dir, &io, &im, err, sizeof err), 0);
    ot_history *h = open_db();
    assert_int_equal(ot_import_run(im, h), 0);
    ot_import_stats s;
    ot_import_stats_get(im, &s);
    assert_int_equal(s.files, 5);
    assert_int_equal(s.files_skipped, 1);
    assert_int_equal(s.files_failed, 2);
    assert_int_equal(s.imported, 2);
    assert_int_equal(s.duplicates, 3); /* two.ndjson (2) + the record before the truncation */
    size_t n;
    const ot_import_file *f = ot_import_files(im, &n);
    for (size_t i = 0; i < n; i++) {
        if (strstr(f[i].name, "trunc.json"))
            assert_non_null(strstr(f[i].reason, "truncated JSON"));
        if (strstr(f[i].name, "bad.json.gz"))
            assert_int_equal(f[i].status, OT_IMPORT_FAILED);
    }
    assert_int_equal(count_for(h, OT_HK_USERNAME, "alice", NULL), 1);
    /* the documents come back verbatim from their (deflated) block */
    doc_hit d = lookup_doc(h, OT_HK_EVENT_ID, "ia");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.raw, a);
    assert_string_equal(d.resources,
                        "[{\"ResourceType\":\"AWS::IAM::Role\",\"ResourceName\":"
                        "\"arn:aws:iam::111122223333:role/r-ia\"},{\"ResourceType\":"
                        "\"AWS::S3::Bucket\",\"ResourceName\":\"arn:aws:s3:::bucket-CreateRole\"}]");
    d = lookup_doc(h, OT_HK_EVENT_ID, "ib");
    assert_string_equal(d.raw, b);
    ot_import_free(im);
    /* both rows live in one segment, which the duplicates did not repeat */
    assert_int_equal(sql_count("SELECT count(*) FROM seg"), 1);
    assert_int_equal(sql_count("SELECT n FROM seg"), 2);
    assert_int_equal(sql_count("SELECT count(*) FROM events"), 0);
    /* retention (import --apply-retention): the segment stays while one of its rows does */
    int deleted;
    assert_int_equal(ot_history_expire(h, 1709290800000LL, 100, true, &deleted), 0); /* < 11:00 */
    assert_int_equal(deleted, 1);
    assert_int_equal(sql_count("SELECT count(*) FROM seg"), 1);
    assert_int_equal(lookup_doc(h, OT_HK_EVENT_ID, "ia").n, 0);
    d = lookup_doc(h, OT_HK_EVENT_ID, "ib");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.raw, b);
    assert_int_equal(ot_history_expire(h, INT64_MAX, 100, true, &deleted), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(sql_count("SELECT count(*) FROM seg"), 0);
    int64_t left;
    assert_int_equal(ot_history_count(h, &left), 0);
    assert_int_equal(left, 0);
    ot_history_close(h);
    assert_int_not_equal(ot_import_new("/nonexistent/x", &io, &im, err, sizeof err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resource_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_and_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extract_category, setup, teardown),
        cmocka_unit_test(test_split),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v2, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
