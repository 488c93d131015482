/* test_trail_db.c — state.db: schema, trail CRUD, the per-region limit with multi-region
 * trails, persistence across reopen, name rules with AWS's exact messages, tags, channels and
 * delivery notes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "otest.h"
#include <sqlite3.h>

#include "trail/trail.h"
#include "util/err.h"

#define ACCT "123456789012"

typedef struct fixture {
    char dir[64];
    char path[96];
    ot_trail_db *db;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    otest_tmpdir(f->dir, sizeof f->dir, "trail");
    snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
    assert_int_equal(ot_trail_db_open(f->path, &f->db), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ot_trail_db_close(f->db);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static ot_trail mk(const char *name, const char *region, bool multi)
{
    ot_trail t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.account_id, sizeof t.account_id, ACCT);
    snprintf(t.home_region, sizeof t.home_region, "%s", region);
    assert_int_equal(ot_trail_arn_make(t.arn, sizeof t.arn, region, ACCT, name), 0);
    snprintf(t.bucket, sizeof t.bucket, "logs");
    t.include_global = true;
    t.multi_region = multi;
    t.created_ms = 1700000000000;
    return t;
}

static void test_trail_db__schema(void **state)
{
    fixture *f = *state;
    sqlite3 *s;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    const char *tables[] = {"trails", "channels", "channel_destinations", "tags", "accounts"};
    for (int i = 0; i < 5; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM sqlite_master WHERE name='%s'", tables[i]);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 1);
        sqlite3_finalize(st);
    }
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(s);
}

static void test_trail_db__crud(void **state)
{
    fixture *f = *state;
    ot_trail t = mk("demo-trail", "us-east-1", false), got;
    snprintf(t.prefix, sizeof t.prefix, "pfx");
    t.log_validation = true;
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    assert_int_equal(ot_trail_create(f->db, &t, 5), OT_EEXIST);
    assert_int_equal(ot_trail_get_by_arn(f->db, "arn:aws:cloudtrail:us-east-1:" ACCT
                                                ":trail/demo-trail", &got), 0);
    assert_string_equal(got.name, "demo-trail");
    assert_string_equal(got.prefix, "pfx");
    assert_true(got.log_validation);
    assert_false(got.logging);
    assert_int_equal(got.created_ms, 1700000000000);

    snprintf(t.bucket, sizeof t.bucket, "other");
    t.log_validation = false;
    assert_int_equal(ot_trail_update(f->db, &t, 5), 0);
    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), 0);
    assert_string_equal(got.bucket, "other");
    assert_false(got.log_validation);

    ot_trail *list;
    size_t n;
    assert_int_equal(ot_trail_list(f->db, ACCT, &list, &n), 0);
    assert_int_equal(n, 1);
    free(list);
    assert_int_equal(ot_trail_list(f->db, "999999999999", &list, &n), 0);
    assert_int_equal(n, 0);
    assert_null(list);

    assert_int_equal(ot_trail_delete(f->db, t.arn), 0);
    assert_int_equal(ot_trail_delete(f->db, t.arn), OT_ENOTFOUND);
    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), OT_ENOTFOUND);
    assert_int_equal(ot_trail_update(f->db, &t, 5), OT_ENOTFOUND);
}

static void test_trail_db__logging(void **state)
{
    fixture *f = *state;
    ot_trail t = mk("logger", "eu-west-1", false), got;
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    bool changed;
    assert_int_equal(ot_trail_set_logging(f->db, t.arn, true, 1000, &changed), 0);
    assert_true(changed);
    assert_int_equal(ot_trail_set_logging(f->db, t.arn, true, 2000, &changed), 0);
    assert_false(changed); /* idempotent: the first start time stays */
    ot_trail *list;
    size_t n;
    assert_int_equal(ot_trail_list_logging(f->db, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].arn, t.arn);
    free(list);
    assert_int_equal(ot_trail_set_logging(f->db, t.arn, false, 3000, &changed), 0);
    assert_true(changed);
    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), 0);
    assert_false(got.logging);
    assert_int_equal(got.start_logging_ms, 1000);
    assert_int_equal(got.stop_logging_ms, 3000);
    assert_int_equal(ot_trail_list_logging(f->db, &list, &n), 0);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(ot_trail_set_logging(f->db, "arn:aws:cloudtrail:eu-west-1:" ACCT
                                                  ":trail/nope", true, 1, NULL), OT_ENOTFOUND);
}

static void test_trail_db__delivery_notes(void **state)
{
    fixture *f = *state;
    ot_trail t = mk("deliver", "us-east-1", false), got;
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), 0);
    assert_int_equal(got.latest_delivery_ms, 0);
    assert_int_equal(got.latest_delivery_attempt_ms, 0);

    assert_int_equal(ot_trail_note_delivery(f->db, t.arn, 5000, NULL), 0);
    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), 0);
    assert_int_equal(got.latest_delivery_ms, 5000);
    assert_int_equal(got.latest_delivery_attempt_ms, 5000);
    assert_true(got.latest_delivery_attempt_ok);
    assert_string_equal(got.latest_delivery_error, "");

    assert_int_equal(ot_trail_note_delivery(f->db, t.arn, 6000, "NoSuchBucket"), 0);
    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), 0);
    assert_int_equal(got.latest_delivery_ms, 5000); /* last success is kept */
    assert_int_equal(got.latest_delivery_attempt_ms, 6000);
    assert_false(got.latest_delivery_attempt_ok);
    assert_string_equal(got.latest_delivery_error, "NoSuchBucket");

    assert_int_equal(ot_trail_note_digest(f->db, t.arn, 7000, NULL), 0);
    assert_int_equal(ot_trail_note_digest(f->db, t.arn, 8000, "AccessDenied"), 0);
    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), 0);
    assert_int_equal(got.latest_digest_delivery_ms, 7000);
    assert_string_equal(got.latest_digest_delivery_error, "AccessDenied");

    assert_int_equal(ot_trail_note_delivery(f->db, "arn:aws:cloudtrail:us-east-1:" ACCT
                                                    ":trail/gone", 1, NULL), OT_ENOTFOUND);
}

/* The trail's notification outcome is (latest, attempt, error). */
static void assert_note(fixture *f, const char *arn, int64_t latest, int64_t attempt,
                        const char *error)
{
    ot_trail_notification n;
    assert_int_equal(ot_trail_notification_get(f->db, arn, &n), 0);
    assert_int_equal(n.latest_ms, latest);
    assert_int_equal(n.attempt_ms, attempt);
    assert_string_equal(n.error, error);
}

/* Notification outcomes: a success sets both times and clears the error, a failure keeps the
 * last success; a deleted trail takes its history with it. */
static void test_trail_db__notification_notes(void **state)
{
    fixture *f = *state;
    ot_trail t = mk("notify", "us-east-1", false);
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    assert_note(f, t.arn, 0, 0, "");
    assert_int_equal(ot_trail_note_notification(f->db, t.arn, 5000, NULL), 0);
    assert_note(f, t.arn, 5000, 5000, "");
    assert_int_equal(ot_trail_note_notification(f->db, t.arn, 6000, "NotFound: gone"), 0);
    assert_note(f, t.arn, 5000, 6000, "NotFound: gone");
    assert_int_equal(ot_trail_note_notification(f->db, t.arn, 7000, NULL), 0);
    assert_note(f, t.arn, 7000, 7000, "");

    /* a first attempt that fails has no success time */
    ot_trail u = mk("notify-fail", "us-east-1", false);
    assert_int_equal(ot_trail_create(f->db, &u, 5), 0);
    assert_int_equal(ot_trail_note_notification(f->db, u.arn, 8000, "NotFound: gone"), 0);
    assert_note(f, u.arn, 0, 8000, "NotFound: gone");

    assert_int_equal(ot_trail_delete(f->db, t.arn), 0);
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    assert_note(f, t.arn, 0, 0, "");
}

/* SnsTopicARN: a name is the topic of the trail's home region and account, an ARN is kept. */
static void test_trail_db__sns_topic_arn(void **state)
{
    (void)state;
    ot_trail t = mk("sns", "eu-west-1", false);
    char arn[400];
    ot_trail_sns_topic_arn(&t, arn, sizeof arn);
    assert_string_equal(arn, "");
    snprintf(t.sns_topic_name, sizeof t.sns_topic_name, "files");
    ot_trail_sns_topic_arn(&t, arn, sizeof arn);
    assert_string_equal(arn, "arn:aws:sns:eu-west-1:" ACCT ":files");
    snprintf(t.sns_topic_name, sizeof t.sns_topic_name, "arn:aws:sns:us-east-1:%s:x", ACCT);
    ot_trail_sns_topic_arn(&t, arn, sizeof arn);
    assert_string_equal(arn, t.sns_topic_name);
}

static void test_trail_db__region_limit(void **state)
{
    fixture *f = *state;
    /* Two multi-region trails homed elsewhere count in us-west-2 too. */
    ot_trail m1 = mk("multi-1", "us-east-1", true), m2 = mk("multi-2", "eu-west-1", true);
    assert_int_equal(ot_trail_create(f->db, &m1, 5), 0);
    assert_int_equal(ot_trail_create(f->db, &m2, 5), 0);
    size_t n;
    assert_int_equal(ot_trail_count_in_region(f->db, ACCT, "us-west-2", &n), 0);
    assert_int_equal(n, 2);
    char name[16];
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "west-%d", i);
        ot_trail t = mk(name, "us-west-2", false);
        assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    }
    ot_trail extra = mk("west-extra", "us-west-2", false);
    assert_int_equal(ot_trail_create(f->db, &extra, 5), OT_ELIMIT);
    /* us-east-1 holds 2 (both multi-region): a single-region trail still fits. */
    ot_trail east = mk("east-1", "us-east-1", false);
    assert_int_equal(ot_trail_create(f->db, &east, 5), 0);
    /* A new multi-region trail would be a sixth trail in us-west-2. */
    ot_trail m3 = mk("multi-3", "us-east-1", true);
    assert_int_equal(ot_trail_create(f->db, &m3, 5), OT_ELIMIT);
    /* Turning east-1 multi-region would overfill us-west-2 as well. */
    east.multi_region = true;
    assert_int_equal(ot_trail_update(f->db, &east, 5), OT_ELIMIT);
    assert_int_equal(ot_trail_count_in_region(f->db, ACCT, "us-west-2", &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(ot_trail_count_in_region(f->db, ACCT, "us-east-1", &n), 0);
    assert_int_equal(n, 3);
    /* Other accounts do not count. */
    assert_int_equal(ot_trail_count_in_region(f->db, "210987654321", "us-west-2", &n), 0);
    assert_int_equal(n, 0);
}

static void test_trail_db__name_clash_with_shadow(void **state)
{
    fixture *f = *state;
    ot_trail m = mk("shared", "us-east-1", true);
    assert_int_equal(ot_trail_create(f->db, &m, 5), 0);
    /* Its shadow already holds the name in eu-west-1. */
    ot_trail s = mk("shared", "eu-west-1", false);
    assert_int_equal(ot_trail_create(f->db, &s, 5), OT_EEXIST);
    ot_trail a = mk("alone", "eu-west-1", false);
    assert_int_equal(ot_trail_create(f->db, &a, 5), 0);
    ot_trail b = mk("alone", "us-east-1", true); /* its shadow would clash in eu-west-1 */
    assert_int_equal(ot_trail_create(f->db, &b, 5), OT_EEXIST);
    ot_trail c = mk("alone", "us-east-1", false); /* a different region: fine */
    assert_int_equal(ot_trail_create(f->db, &c, 5), 0);
    c.multi_region = true;
    assert_int_equal(ot_trail_update(f->db, &c, 5), OT_EEXIST);
}

static void test_trail_db__persistence(void **state)
{
    fixture *f = *state;
    ot_trail t = mk("durable", "ap-south-1", true), got;
    t.organization = true;
    assert_int_equal(ot_trail_org_id(f->db, ACCT, t.org_id), 0);
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    assert_int_equal(ot_trail_set_logging(f->db, t.arn, true, 42000, NULL), 0);
    ot_tag tag = {.key = "team", .value = "sec", .has_value = true};
    assert_int_equal(ot_tags_add(f->db, t.arn, &tag, 1, 50), 0);
    char org[40];
    assert_int_equal(ot_trail_org_id(f->db, ACCT, org), 0);
    assert_string_equal(org, t.org_id);

    ot_trail_db_close(f->db);
    assert_int_equal(ot_trail_db_open(f->path, &f->db), 0);

    assert_int_equal(ot_trail_get_by_arn(f->db, t.arn, &got), 0);
    assert_true(got.logging);
    assert_true(got.multi_region);
    assert_true(got.organization);
    assert_int_equal(got.start_logging_ms, 42000);
    assert_string_equal(got.org_id, t.org_id);
    char again[40];
    assert_int_equal(ot_trail_org_id(f->db, ACCT, again), 0);
    assert_string_equal(again, org);
    assert_int_equal(strlen(org), 12);
    assert_memory_equal(org, "o-", 2);
    for (int i = 2; i < 12; i++)
        assert_true((org[i] >= 'a' && org[i] <= 'z') || (org[i] >= '0' && org[i] <= '9'));
    ot_tag *tags;
    size_t n;
    assert_int_equal(ot_tags_list(f->db, t.arn, &tags, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(tags[0].value, "sec");
    free(tags);
}

static void test_trail_db__name_rules(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *msg; /* NULL: valid */
    } cases[] = {
        {"abc", NULL},
        {"my.trail_name-1", NULL},
        {"A1b", NULL},
        {"ab", "Trail name too short. Minimum allowed length: 3 characters. Specified name "
               "length: 2 characters."},
        {"", "Trail name too short. Minimum allowed length: 3 characters. Specified name "
             "length: 0 characters."},
        {"-abc", "Trail name must starts with a letter or number."},
        {"_abc", "Trail name must starts with a letter or number."},
        {"abc.", "Trail name must ends with a letter or number."},
        {"abc-", "Trail name must ends with a letter or number."},
        {"ab c", "Trail name or ARN can only contain uppercase letters, lowercase letters, "
                 "numbers, periods (.), hyphens (-), and underscores (_)."},
        {"ab/c", "Trail name or ARN can only contain uppercase letters, lowercase letters, "
                 "numbers, periods (.), hyphens (-), and underscores (_)."},
        {"a\xc3\xa9z", "Trail name or ARN can only contain uppercase letters, lowercase "
                       "letters, numbers, periods (.), hyphens (-), and underscores (_)."},
        {"my--namespace", "Trail name cannot contain adjacent periods (.), hyphens (-) or "
                          "underscores (_)."},
        {"my-_namespace", "Trail name cannot contain adjacent periods (.), hyphens (-) or "
                          "underscores (_)."},
        {"a..b", "Trail name cannot contain adjacent periods (.), hyphens (-) or "
                 "underscores (_)."},
        {"192.168.5.4", "Trail name cannot be formatted as an IP address."},
        {"192.168.5", NULL},
        {"1.2.3.4.5", NULL},
    };
    char msg[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        msg[0] = '\0';
        int rc = ot_trail_name_check(cases[i].name, msg, sizeof msg);
        if (!cases[i].msg) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, OT_EINVAL);
            assert_string_equal(msg, cases[i].msg);
        }
    }
    char long_name[200];
    memset(long_name, 'a', 129);
    long_name[129] = '\0';
    assert_int_equal(ot_trail_name_check(long_name, msg, sizeof msg), OT_EINVAL);
    assert_string_equal(msg, "Trail name too long. Maximum allowed length: 128 characters. "
                             "Specified name length: 129 characters.");
    long_name[128] = '\0';
    assert_int_equal(ot_trail_name_check(long_name, msg, sizeof msg), 0);
}

static void test_trail_db__arn(void **state)
{
    (void)state;
    char r[32], a[16], n[129], arn[320];
    assert_int_equal(ot_trail_arn_make(arn, sizeof arn, "eu-west-1", ACCT, "demo"), 0);
    assert_string_equal(arn, "arn:aws:cloudtrail:eu-west-1:" ACCT ":trail/demo");
    assert_int_equal(ot_trail_arn_parse(arn, r, a, n), 0);
    assert_string_equal(r, "eu-west-1");
    assert_string_equal(a, ACCT);
    assert_string_equal(n, "demo");
    const char *bad[] = {
        "arn:aws:cloudtrail:eu-west-1:" ACCT ":trail/",
        "arn:aws:cloudtrail:eu-west-1:12345:trail/demo",
        "arn:aws:cloudtrail::" ACCT ":trail/demo",
        "arn:aws:s3:eu-west-1:" ACCT ":trail/demo",
        "arn:aws:cloudtrail:eu-west-1:" ACCT ":channel/demo",
        "arn:aws:cloudtrail:EU:" ACCT ":trail/demo",
        "arn:aws:cloudtrail:eu-west-1:" ACCT ":trail/a/b",
        "arn:aws:cloudtrail:eu-west-1",
        "demo",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ot_trail_arn_parse(bad[i], r, a, n), OT_EINVAL);
    assert_int_equal(ot_trail_arn_make(arn, 20, "eu-west-1", ACCT, "demo"), OT_ELIMIT);
}

static void test_trail_db__tags(void **state)
{
    fixture *f = *state;
    ot_trail t = mk("tagged", "us-east-1", false);
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    ot_tag tags[51];
    memset(tags, 0, sizeof tags);
    for (int i = 0; i < 51; i++) {
        snprintf(tags[i].key, sizeof tags[i].key, "k%02d", i);
        snprintf(tags[i].value, sizeof tags[i].value, "v%d", i);
        tags[i].has_value = i % 2 == 0;
    }
    assert_int_equal(ot_tags_add(f->db, t.arn, tags, 51, 50), OT_ELIMIT);
    ot_tag *got;
    size_t n;
    assert_int_equal(ot_tags_list(f->db, t.arn, &got, &n), 0);
    assert_int_equal(n, 0); /* nothing written on failure */
    assert_int_equal(ot_tags_add(f->db, t.arn, tags, 50, 50), 0);
    /* Overwriting an existing key does not count against the cap. */
    snprintf(tags[3].value, sizeof tags[3].value, "changed");
    tags[3].has_value = true;
    assert_int_equal(ot_tags_add(f->db, t.arn, &tags[3], 1, 50), 0);
    assert_int_equal(ot_tags_add(f->db, t.arn, &tags[50], 1, 50), OT_ELIMIT);
    assert_int_equal(ot_tags_list(f->db, t.arn, &got, &n), 0);
    assert_int_equal(n, 50);
    assert_string_equal(got[3].key, "k03");
    assert_string_equal(got[3].value, "changed");
    assert_false(got[1].has_value);
    assert_true(got[0].has_value);
    free(got);
    assert_int_equal(ot_tags_remove(f->db, t.arn, tags, 10), 0);
    assert_int_equal(ot_tags_list(f->db, t.arn, &got, &n), 0);
    assert_int_equal(n, 40);
    assert_string_equal(got[0].key, "k10");
    free(got);
    const char *ghost = "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/ghost";
    assert_int_equal(ot_tags_add(f->db, ghost, tags, 1, 50), OT_ENOTFOUND);
    assert_int_equal(ot_tags_remove(f->db, ghost, tags, 1), OT_ENOTFOUND);
    /* Deleting the trail drops its tags; a new trail of that name starts clean. */
    assert_int_equal(ot_trail_delete(f->db, t.arn), 0);
    assert_int_equal(ot_trail_create(f->db, &t, 5), 0);
    assert_int_equal(ot_tags_list(f->db, t.arn, &got, &n), 0);
    assert_int_equal(n, 0);
}

static ot_channel mkchan(const char *id, const char *name, const char *region)
{
    ot_channel c;
    memset(&c, 0, sizeof c);
    snprintf(c.arn, sizeof c.arn, "arn:aws:cloudtrail:%s:" ACCT ":channel/%s", region, id);
    snprintf(c.name, sizeof c.name, "%s", name);
    snprintf(c.source, sizeof c.source, "Custom");
    snprintf(c.account_id, sizeof c.account_id, ACCT);
    snprintf(c.region, sizeof c.region, "%s", region);
    c.created_ms = 1;
    return c;
}

static void test_trail_db__channels(void **state)
{
    fixture *f = *state;
    ot_channel_destination d[2] = {
        {.type = "AWS_SERVICE", .location = "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/a"},
        {.type = "AWS_SERVICE", .location = "arn:aws:cloudtrail:us-east-1:" ACCT ":trail/b"},
    };
    ot_channel c = mkchan("0a1b2c3d-0000-4000-8000-000000000001", "chan-one", "us-east-1");
    c.destinations = d;
    c.ndestinations = 2;
    assert_int_equal(ot_channel_create(f->db, &c, 25), 0);
    ot_channel dup = mkchan("0a1b2c3d-0000-4000-8000-000000000002", "chan-one", "us-east-1");
    assert_int_equal(ot_channel_create(f->db, &dup, 25), OT_EEXIST);
    ot_channel other = mkchan("0a1b2c3d-0000-4000-8000-000000000003", "chan-one", "eu-west-1");
    assert_int_equal(ot_channel_create(f->db, &other, 25), 0); /* names are per region */

    ot_channel got;
    assert_int_equal(ot_channel_get(f->db, c.arn, &got), 0);
    assert_string_equal(got.name, "chan-one");
    assert_int_equal(got.ndestinations, 2);
    assert_string_equal(got.destinations[1].location, d[1].location);
    ot_channel_free(&got);
    assert_int_equal(ot_channel_get(f->db, "0a1b2c3d-0000-4000-8000-000000000001", &got), 0);
    assert_string_equal(got.arn, c.arn);
    ot_channel_free(&got);
    assert_int_equal(ot_channel_get(f->db, "nope", &got), OT_ENOTFOUND);

    assert_int_equal(ot_channel_update(f->db, c.arn, "chan-renamed", &d[1], 1), 0);
    assert_int_equal(ot_channel_get(f->db, c.arn, &got), 0);
    assert_string_equal(got.name, "chan-renamed");
    assert_int_equal(got.ndestinations, 1);
    assert_string_equal(got.destinations[0].location, d[1].location);
    ot_channel_free(&got);
    ot_channel c2 = mkchan("0a1b2c3d-0000-4000-8000-000000000004", "chan-two", "us-east-1");
    assert_int_equal(ot_channel_create(f->db, &c2, 25), 0);
    assert_int_equal(ot_channel_update(f->db, c2.arn, "chan-renamed", NULL, 0), OT_EEXIST);

    assert_int_equal(ot_channel_note_ingestion(f->db, c.arn, 900, "ev-1", NULL), 0);
    assert_int_equal(ot_channel_note_ingestion(f->db, c.arn, 950, "ev-2", "InvalidData"), 0);
    assert_int_equal(ot_channel_get(f->db, c.arn, &got), 0);
    assert_int_equal(got.latest_ingest_success_ms, 900);
    assert_string_equal(got.latest_ingest_success_event_id, "ev-1");
    assert_int_equal(got.latest_ingest_attempt_ms, 950);
    assert_string_equal(got.latest_ingest_error_code, "InvalidData");
    ot_channel_free(&got);

    ot_tag tag = {.key = "k", .value = "v", .has_value = true};
    assert_int_equal(ot_tags_add(f->db, c.arn, &tag, 1, 50), 0);

    ot_channel *list;
    size_t n;
    assert_int_equal(ot_channel_list(f->db, ACCT, "us-east-1", NULL, 1, &list, &n), 0);
    assert_int_equal(n, 1);
    char after[160];
    snprintf(after, sizeof after, "%s", list[0].arn);
    ot_channel_list_free(list, n);
    assert_int_equal(ot_channel_list(f->db, ACCT, "us-east-1", after, 10, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_not_equal(list[0].arn, after);
    ot_channel_list_free(list, n);

    assert_int_equal(ot_channel_delete(f->db, c.arn), 0);
    assert_int_equal(ot_channel_delete(f->db, c.arn), OT_ENOTFOUND);
    ot_tag *tags;
    assert_int_equal(ot_tags_list(f->db, c.arn, &tags, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ot_channel_get(f->db, c.arn, &got), OT_ENOTFOUND);
}

static void test_trail_db__channel_limit(void **state)
{
    fixture *f = *state;
    char id[40], name[16];
    for (int i = 0; i < 26; i++) {
        snprintf(id, sizeof id, "0a1b2c3d-0000-4000-8000-%012d", i);
        snprintf(name, sizeof name, "ch-%d", i);
        ot_channel c = mkchan(id, name, "us-east-1");
        assert_int_equal(ot_channel_create(f->db, &c, 25), i < 25 ? 0 : OT_ELIMIT);
    }
    ot_channel *list;
    size_t n;
    assert_int_equal(ot_channel_list(f->db, ACCT, "us-east-1", NULL, 1000, &list, &n), 0);
    assert_int_equal(n, 25);
    ot_channel_list_free(list, n);
}

static int with_cb(struct sqlite3 *sql, void *ctx)
{
    *(int *)ctx = sqlite3_exec(sql, "CREATE TABLE IF NOT EXISTS delivery_ckpt (k TEXT)", NULL,
                               NULL, NULL);
    return 0;
}

static void test_trail_db__with(void **state)
{
    fixture *f = *state;
    int rc = -1;
    assert_int_equal(ot_trail_db_with(f->db, with_cb, &rc), 0);
    assert_int_equal(rc, SQLITE_OK);
}

static void test_trail_db__open_failure(void **state)
{
    (void)state;
    ot_trail_db *db = (ot_trail_db *)1;
    assert_int_not_equal(ot_trail_db_open("/nonexistent-dir/x/state.db", &db), 0);
    assert_null(db);
    ot_trail_db_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trail_db__schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__logging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__delivery_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__notification_notes, setup, teardown),
        cmocka_unit_test(test_trail_db__sns_topic_arn),
        cmocka_unit_test_setup_teardown(test_trail_db__region_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__name_clash_with_shadow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__persistence, setup, teardown),
        cmocka_unit_test(test_trail_db__name_rules),
        cmocka_unit_test(test_trail_db__arn),
        cmocka_unit_test_setup_teardown(test_trail_db__tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__channels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__channel_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trail_db__with, setup, teardown),
        cmocka_unit_test(test_trail_db__open_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
