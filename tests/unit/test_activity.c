/* test_activity.c — PutAuditEvents per-event validation and the flattened CloudTrail record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "event/activity.h"
#include "event/event.h"
#include "util/crypto.h"
#include "util/err.h"

static const ot_activity_ctx ctx = {.region = "eu-west-1",
                                    .account_id = "123456789012",
                                    .channel_arn = "arn:aws:cloudtrail:eu-west-1:123456789012:channel/c1",
                                    .ingest_ms = 1795329283000};

#define GOOD_EVENT                                                                                 \
    "{\"version\":\"1.0\",\"userIdentity\":{\"type\":\"CustomUser\",\"principalId\":\"alice\","  \
    "\"details\":{\"team\":\"sec\"}},\"userAgent\":\"app/1.0\",\"eventSource\":\"myapp\","       \
    "\"eventName\":\"Login\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"req-1\","          \
    "\"requestParameters\":{\"a\":1},\"sourceIPAddress\":\"10.1.2.3\","                         \
    "\"recipientAccountId\":\"123456789012\"}"

static int run(const char *data, const char *checksum, ot_buf *out, ot_activity_error *err)
{
    ot_json_doc *doc = ot_json_doc_new();
    char id[37];
    int rc = ot_activity_record(doc, data, strlen(data), checksum, &ctx, id, out, err);
    ot_json_doc_free(doc);
    return rc;
}

static void test_good_event_is_flattened(void **state)
{
    ot_buf out;
    ot_buf_init(&out, 0);
    ot_activity_error err = {0};
    assert_int_equal(run(GOOD_EVENT, NULL, &out, &err), OT_OK);
    ot_json_doc *d = ot_json_doc_new();
    ot_json root, v;
    const char *s;
    size_t n;
    assert_int_equal(ot_json_parse(d, out.data, out.len, true, &root, NULL, 0), OT_OK);
    struct { const char *key, *want; } expect[] = {
        {"eventVersion", "1.11"},          {"eventTime", "2026-11-22T06:34:45Z"},
        {"eventSource", "myapp"},          {"eventName", "Login"},
        {"awsRegion", "eu-west-1"},        {"sourceIPAddress", "10.1.2.3"},
        {"userAgent", "app/1.0"},          {"requestID", "req-1"},
        {"eventType", "ActivityLog"},      {"eventCategory", "ActivityAuditLog"},
        {"recipientAccountId", "123456789012"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        assert_int_equal(ot_json_get_str(root, expect[i].key, &s, &n), OT_OK);
        assert_string_equal(s, expect[i].want);
    }
    assert_int_equal(ot_json_get_str(root, "eventID", &s, &n), OT_OK);
    assert_int_equal(n, 36);
    assert_int_equal(ot_json_get(root, "userIdentity", &v), OT_OK);
    assert_int_equal(ot_json_get_str(v, "principalId", &s, &n), OT_OK);
    assert_string_equal(s, "alice");
    assert_int_equal(ot_json_get(root, "responseElements", &v), OT_OK);
    assert_int_equal(ot_json_typeof(v), OT_JSON_NULL);
    assert_int_equal(ot_json_get(root, "metadata", &v), OT_OK);
    assert_int_equal(ot_json_get_str(v, "channelARN", &s, &n), OT_OK);
    assert_string_equal(s, ctx.channel_arn);
    ot_json_doc_free(d);
    ot_buf_free(&out);
}

static void test_checksum(void **state)
{
    uint8_t digest[32];
    char b64[48];
    ot_sha256(GOOD_EVENT, strlen(GOOD_EVENT), digest);
    ot_base64(digest, 32, b64);
    ot_buf out;
    ot_buf_init(&out, 0);
    ot_activity_error err = {0};
    assert_int_equal(run(GOOD_EVENT, b64, &out, &err), OT_OK);
    b64[3] ^= 1;
    ot_buf_reset(&out);
    assert_int_equal(run(GOOD_EVENT, b64, &out, &err), OT_EINVAL);
    assert_string_equal(err.code, "InvalidChecksum");
    assert_int_equal(out.len, 0);
    ot_buf_free(&out);
}

/* Each bad event names the error code the model lists for it, and writes nothing. */
static void test_bad_events(void **state)
{
    struct { const char *data, *code; } cases[] = {
        {"{not json", "InvalidData"},
        {"[1,2]", "InvalidData"},
        {"{\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"u\","
         "\"recipientAccountId\":\"123456789012\"}", "FieldNotFound"},            /* no version */
        {"{\"version\":\"1\",\"userIdentity\":{\"type\":\"t\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"u\","
         "\"recipientAccountId\":\"123456789012\"}", "FieldNotFound"},            /* no principalId */
        {"{\"version\":1,\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"u\","
         "\"recipientAccountId\":\"123456789012\"}", "InvalidData"},              /* wrong type */
        {"{\"version\":\"1\",\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"yesterday\",\"UID\":\"u\","
         "\"recipientAccountId\":\"123456789012\"}", "InvalidData"},              /* bad time */
        {"{\"version\":\"1\",\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"u\","
         "\"recipientAccountId\":\"999999999999\"}", "InvalidRecipient"},
        {"{\"version\":\"1\",\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"u\","
         "\"sourceIPAddress\":\"not-an-ip\",\"recipientAccountId\":\"123456789012\"}", "InvalidData"},
        {"{\"version\":\"1\",\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"u\","
         "\"sourceIPAddress\":\"10.0.0.1\\u0000<script>\",\"recipientAccountId\":\"123456789012\"}",
         "InvalidData"},                                                          /* NUL inside */
        {"{\"version\":\"1\",\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},\"eventSource\":\"s\","
         "\"eventName\":\"n\",\"eventTime\":\"2026-11-22T06:34:45Z\",\"UID\":\"u\","
         "\"requestParameters\":\"str\",\"recipientAccountId\":\"123456789012\"}", "InvalidData"},
    };
    ot_buf out;
    ot_buf_init(&out, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ot_activity_error err = {0};
        assert_int_equal(run(cases[i].data, NULL, &out, &err), OT_EINVAL);
        if (strcmp(err.code, cases[i].code))
            fail_msg("case %zu: got %s (%s), want %s", i, err.code, err.message, cases[i].code);
        assert_int_equal(out.len, 0);
    }
    ot_buf_free(&out);
}

static void test_field_too_long(void **state)
{
    char data[4096];
    char name[1100];
    memset(name, 'x', 1025);
    name[1025] = '\0';
    snprintf(data, sizeof data,
             "{\"version\":\"1\",\"userIdentity\":{\"type\":\"t\",\"principalId\":\"p\"},"
             "\"eventSource\":\"s\",\"eventName\":\"%s\",\"eventTime\":\"2026-11-22T06:34:45Z\","
             "\"UID\":\"u\",\"recipientAccountId\":\"123456789012\"}", name);
    ot_buf out;
    ot_buf_init(&out, 0);
    ot_activity_error err = {0};
    assert_int_equal(run(data, NULL, &out, &err), OT_EINVAL);
    assert_string_equal(err.code, "FieldTooLong");
    ot_buf_free(&out);
}

static void test_event_codec_round_trip(void **state)
{
    const char *json = "{\"eventID\":\"e\"}";
    ot_event e = {.ingest_ms = 1795329283123, .category = OT_CAT_ACTIVITY, .rw = OT_RW_READ,
                  .account_id = "123456789012", .region = "eu-west-1", .event_source = "src",
                  .event_name = "Name", .event_id = "e", .channel_arn = "arn:ch",
                  .json = json, .json_len = strlen(json)};
    ot_buf b;
    ot_buf_init(&b, 0);
    assert_int_equal(ot_event_encode(&e, &b), OT_OK);
    ot_event d;
    assert_int_equal(ot_event_decode(b.data, b.len, &d), OT_OK);
    assert_int_equal(d.ingest_ms, e.ingest_ms);
    assert_int_equal(d.category, OT_CAT_ACTIVITY);
    assert_int_equal(d.rw, OT_RW_READ);
    assert_string_equal(d.region, "eu-west-1");
    assert_string_equal(d.channel_arn, "arn:ch");
    assert_int_equal(d.json_len, strlen(json));
    assert_memory_equal(d.json, json, d.json_len);
    /* Every truncation and a flipped length are detected, never read past the end. */
    for (size_t cut = 0; cut < b.len; cut++)
        assert_int_equal(ot_event_decode(b.data, cut, &d), OT_ECORRUPT);
    b.data[12] = (char)0xff;
    assert_int_equal(ot_event_decode(b.data, b.len, &d), OT_ECORRUPT);
    ot_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_event_is_flattened),
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_bad_events),
        cmocka_unit_test(test_field_too_long),
        cmocka_unit_test(test_event_codec_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
