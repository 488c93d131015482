/* test_sns.c — src/sns: the name checks of untrusted strings (topic names, topic and
 * subscription ARNs, file endpoints), the notification JSON, and the store: topics, tags and
 * subscriptions in state.db, the signed SubscriptionConfirmation JSON (verified with the served
 * certificate), the http POST's failures, and a
 * published message that is delivered to its file endpoint —
 * also when it was committed by a store that was closed before delivering it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "otest.h"
#include "sns/sns.h"
#include "sns/sns_int.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"

#define ARN "arn:aws:sns:us-east-1:123456789012:alerts"

static void test_sns__topic_names(void **state)
{
    (void)state;
    assert_true(ot_sns_topic_name_ok("a"));
    assert_true(ot_sns_topic_name_ok("Security-Alerts_2"));
    char longest[258];
    memset(longest, 'x', 256);
    longest[256] = '\0';
    assert_true(ot_sns_topic_name_ok(longest));
    longest[256] = 'x', longest[257] = '\0';
    assert_false(ot_sns_topic_name_ok(longest)); /* 257 */
    assert_false(ot_sns_topic_name_ok(""));
    assert_false(ot_sns_topic_name_ok("a.fifo"));
    assert_false(ot_sns_topic_name_ok("a b"));
    assert_false(ot_sns_topic_name_ok("a/b"));
    assert_false(ot_sns_topic_name_ok("a:b"));
}

static void test_sns__topic_arns(void **state)
{
    (void)state;
    char region[32], account[16], name[OT_SNS_NAME_MAX + 1];
    assert_int_equal(ot_sns_topic_arn_parse(ARN, region, account, name), OT_OK);
    assert_string_equal(region, "us-east-1");
    assert_string_equal(account, "123456789012");
    assert_string_equal(name, "alerts");
    assert_int_equal(ot_sns_topic_arn_parse(ARN, NULL, NULL, NULL), OT_OK);
    static const char *const BAD[] = {
        "", "alerts", "arn:aws:sqs:us-east-1:123456789012:alerts",
        "arn:aws:sns:us-east-1:12345678901:alerts",     /* 11 digits */
        "arn:aws:sns:us-east-1:1234567890123:alerts",   /* 13 */
        "arn:aws:sns:us-east-1:12345678901a:alerts",
        "arn:aws:sns::123456789012:alerts",             /* no region */
        "arn:aws:sns:US_EAST:123456789012:alerts",
        "arn:aws:sns:us-east-1:123456789012:",          /* no name */
        "arn:aws:sns:us-east-1:123456789012:a:b",       /* a subscription, not a topic */
        "arn:aws:sns:us-east-1:123456789012",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_int_equal(ot_sns_topic_arn_parse(BAD[i], region, account, name), OT_EINVAL);
}

static void test_sns__subscription_arns(void **state)
{
    (void)state;
    char topic[OT_SNS_ARN_MAX];
    assert_int_equal(ot_sns_sub_arn_topic(ARN ":c03114dd-1868-4184-90f3-cec00e2bddc5", topic),
                     OT_OK);
    assert_string_equal(topic, ARN);
    assert_int_equal(ot_sns_sub_arn_topic(ARN, topic), OT_EINVAL);
    assert_int_equal(ot_sns_sub_arn_topic(ARN ":C03114DD-1868-4184-90f3-cec00e2bddc5", topic),
                     OT_EINVAL);
    assert_int_equal(ot_sns_sub_arn_topic("x:c03114dd-1868-4184-90f3-cec00e2bddc5", topic),
                     OT_EINVAL);
    assert_int_equal(ot_sns_sub_arn_topic(":c03114dd-1868-4184-90f3-cec00e2bddc5", topic),
                     OT_EINVAL);
    assert_int_equal(ot_sns_sub_arn_topic("", topic), OT_EINVAL);
}

static void test_sns__file_endpoints(void **state)
{
    (void)state;
    assert_true(ot_sns_file_endpoint_ok("alerts.jsonl"));
    assert_true(ot_sns_file_endpoint_ok("a-b_c.1"));
    assert_false(ot_sns_file_endpoint_ok(""));
    assert_false(ot_sns_file_endpoint_ok("."));
    assert_false(ot_sns_file_endpoint_ok(".."));
    assert_false(ot_sns_file_endpoint_ok(".hidden"));
    assert_false(ot_sns_file_endpoint_ok("../state.db"));
    assert_false(ot_sns_file_endpoint_ok("a/b"));
    assert_false(ot_sns_file_endpoint_ok("/etc/passwd"));
    assert_false(ot_sns_file_endpoint_ok("a b"));
    char longest[257];
    memset(longest, 'x', 256);
    longest[256] = '\0';
    assert_false(ot_sns_file_endpoint_ok(longest));
    longest[255] = '\0';
    assert_true(ot_sns_file_endpoint_ok(longest));
}

static void test_sns__notification_json(void **state)
{
    (void)state;
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_sns_message m = {ARN, "Hi \"you\"", "line1\nline2", "{\"k\":{\"Type\":\"String\"}}"};
    assert_int_equal(ot_sns_notification_json(&b, &m, "id-1", 1336006446655, "http://u/x", NULL),
                     OT_OK);
    assert_int_equal(ot_buf_putc(&b, '\0'), OT_OK);
    assert_string_equal(b.data,
                        "{\"Type\":\"Notification\",\"MessageId\":\"id-1\",\"TopicArn\":\"" ARN
                        "\",\"Subject\":\"Hi \\\"you\\\"\",\"Message\":\"line1\\nline2\","
                        "\"Timestamp\":\"2012-05-03T00:54:06.655Z\",\"SignatureVersion\":\"\","
                        "\"Signature\":\"\",\"SigningCertURL\":\"\",\"UnsubscribeURL\":"
                        "\"http://u/x\",\"MessageAttributes\":{\"k\":{\"Type\":\"String\"}}}");
    m.subject = NULL, m.attributes_json = NULL;
    ot_sns_signature sig = {"2", "c2ln", "http://c"};
    assert_int_equal(ot_sns_notification_json(&b, &m, "id-1", 0, "u", &sig), OT_OK);
    assert_non_null(memmem(b.data, b.len, "\"SignatureVersion\":\"2\",\"Signature\":\"c2ln\","
                                          "\"SigningCertURL\":\"http://c\"", 61));
    assert_null(memmem(b.data, b.len, "Subject", 7));
    assert_null(memmem(b.data, b.len, "MessageAttributes", 17));
    ot_buf_free(&b);
}

/* Whether sig64 (base64) is the SHA256withRSA signature of text by the key of cert_pem. */
static bool verifies(const char *cert_pem, const char *text, const char *sig64)
{
    BIO *bio = BIO_new_mem_buf(cert_pem, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    EVP_PKEY *pk = x ? X509_get_pubkey(x) : NULL;
    uint8_t sig[512];
    long n = ot_base64_decode(sig64, strlen(sig64), sig, sizeof sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = pk && n > 0 && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1 &&
              EVP_DigestVerify(ctx, sig, (size_t)n, (const uint8_t *)text, strlen(text)) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    X509_free(x);
    BIO_free(bio);
    return ok;
}

/* The value of the JSON string member key in json (no escapes in the values looked up). */
static void member(const char *json, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    assert_non_null(p);
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

static ot_sns *open_store(const char *dir);

static void test_sns__confirmation_json_signed(void **state)
{
    (void)state;
    char dir[64];
    otest_tmpdir(dir, sizeof dir, "sns");
    ot_sns *sns = open_store(dir);
    ot_buf b;
    ot_buf_init(&b, 0);
    ot_sns_sub s = {.topic_arn = ARN, .token = "tok123"};
    assert_int_equal(ot_sns_confirmation_json(&b, sns, &s, "id-2", 1336006446655), 0);
    assert_non_null(strstr(b.data, "\"Type\":\"SubscriptionConfirmation\""));
    assert_non_null(strstr(b.data, "\"Token\":\"tok123\""));
    const char *url = "http://127.0.0.1:4590/?Action=ConfirmSubscription&TopicArn=" ARN
                      "&Token=tok123";
    assert_non_null(strstr(b.data, url));
    assert_non_null(strstr(b.data, "\"SigningCertURL\":\"http://127.0.0.1:4590" OT_SNS_CERT_PATH));
    assert_int_equal(b.data[b.len - 1], '\0'); /* NUL-terminated for the outbox */
    /* SignatureVersion 2: the canonical string of the confirmation's fields, in this order */
    char sig[700], text[2048];
    member(b.data, "Signature", sig, sizeof sig);
    snprintf(text, sizeof text,
             "Message\nYou have chosen to subscribe to the topic %s.\nTo confirm the "
             "subscription, visit the SubscribeURL included in this message.\nMessageId\nid-2\n"
             "SubscribeURL\n%s\nTimestamp\n2012-05-03T00:54:06.655Z\nToken\ntok123\n"
             "TopicArn\n%s\nType\nSubscriptionConfirmation\n", ARN, url, ARN);
    assert_true(verifies(ot_sns_signing_cert(sns), text, sig));
    text[9] ^= 1; /* one bit off */
    assert_false(verifies(ot_sns_signing_cert(sns), text, sig));
    /* the key and certificate are kept across restarts */
    char *cert = strdup(ot_sns_signing_cert(sns));
    ot_sns_close(sns);
    sns = open_store(dir);
    assert_string_equal(ot_sns_signing_cert(sns), cert);
    free(cert);
    ot_buf_free(&b);
    ot_sns_close(sns);
    otest_rmrf(dir);
}

static void test_sns__http_post_failures(void **state)
{
    (void)state;
    char err[256] = "";
    /* Port 1 on loopback: nothing listens, the connection is refused. */
    ot_sns_http_msg m = {"http://127.0.0.1:1/x", "Notification", "id", ARN, ARN ":s", "{}", 2};
    assert_int_equal(ot_sns_http_post(&m, err, sizeof err), OT_EAGAIN);
    assert_non_null(strstr(err, "POST: "));
    m.endpoint = "ftp://127.0.0.1/x"; /* only http and https are ever spoken */
    assert_int_equal(ot_sns_http_post(&m, err, sizeof err), OT_EAGAIN);
}

/* ---- the store ---------------------------------------------------------------------------- */

static ot_sns *open_store(const char *dir)
{
    ot_sns_opts o = {.data_dir = dir, .public_url = "http://127.0.0.1:4590", .no_fsync = true};
    ot_sns *sns = NULL;
    assert_int_equal(ot_sns_open(&o, &sns), OT_OK);
    return sns;
}

static void create_topic(ot_sns *sns, const ot_sns_tag *tags, size_t ntags, int want)
{
    ot_sns_topic t = {.arn = ARN, .account_id = "123456789012", .region = "us-east-1",
                      .name = "alerts"};
    bool existed = false;
    assert_int_equal(ot_sns_topic_create(sns, &t, NULL, 0, tags, ntags, &existed), want);
}

static void test_sns__topics_and_tags(void **state)
{
    (void)state;
    char dir[64];
    otest_tmpdir(dir, sizeof dir, "sns");
    ot_sns *sns = open_store(dir);
    ot_sns_tag tags[2] = {{"team", "sec"}, {"env", "prod"}};
    create_topic(sns, tags, 2, OT_OK);
    create_topic(sns, tags, 2, OT_OK);     /* idempotent */
    create_topic(sns, NULL, 0, OT_OK);     /* no tags given: no conflict */
    create_topic(sns, tags, 1, OT_EEXIST); /* different tags */
    ot_sns_topic *list = NULL;
    size_t n = 0;
    assert_int_equal(ot_sns_topic_list(sns, "123456789012", "us-east-1", "", 100, &list, &n), 0);
    assert_int_equal(n, 1);
    free(list);
    assert_int_equal(ot_sns_topic_list(sns, "999999999999", "us-east-1", "", 100, &list, &n), 0);
    assert_int_equal(n, 0);
    free(list);
    const char *keys[] = {"env", "absent"};
    assert_int_equal(ot_sns_tag_delete(sns, ARN, keys, 2), OT_OK);
    ot_sns_tag *got = NULL;
    assert_int_equal(ot_sns_tag_list(sns, ARN, &got, &n), OT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(got[0].key, "team");
    free(got);
    ot_sns_tag many[OT_SNS_TAGS_MAX];
    for (size_t i = 0; i < OT_SNS_TAGS_MAX; i++)
        snprintf(many[i].key, sizeof many[i].key, "k%zu", i), many[i].value[0] = '\0';
    assert_int_equal(ot_sns_tag_put(sns, ARN, many, OT_SNS_TAGS_MAX), OT_ELIMIT); /* 51 */
    assert_int_equal(ot_sns_tag_put(sns, ARN "x", tags, 1), OT_ENOTFOUND);
    assert_int_equal(ot_sns_attr_set(sns, ARN, "DisplayName", "Alerts"), OT_OK);
    assert_int_equal(ot_sns_topic_delete(sns, ARN), OT_OK);
    assert_int_equal(ot_sns_topic_delete(sns, ARN), OT_ENOTFOUND);
    ot_sns_close(sns);
    otest_rmrf(dir);
}

/* Waits (bounded) until the subscription has no message left to deliver. */
static void wait_delivered(ot_sns *sns, const char *sub_arn, ot_sns_sub *s)
{
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ot_sns_sub_get(sns, sub_arn, s), OT_OK);
        if (!s->backlog)
            return;
        usleep(10000);
    }
    fail_msg("not delivered");
}

static void test_sns__publish_survives_close(void **state)
{
    (void)state;
    char dir[64], path[128];
    otest_tmpdir(dir, sizeof dir, "sns");
    ot_sns *sns = open_store(dir);
    create_topic(sns, NULL, 0, OT_OK);
    ot_sns_sub s = {.topic_arn = ARN, .owner = "123456789012", .protocol = "file",
                    .endpoint = "out.jsonl"};
    assert_int_equal(ot_sns_sub_create(sns, &s), OT_OK);
    assert_true(s.confirmed);
    /* Stop the delivery thread first: the message can only reach the file through the outbox
     * committed by publish, read by the next store. */
    ot_sns_deliver_stop(sns);
    char id[37];
    ot_sns_message m = {ARN, NULL, "durable", NULL};
    assert_int_equal(ot_sns_publish(sns, &m, id), OT_OK);
    ot_sns_close(sns);
    snprintf(path, sizeof path, "%s/sns/out.jsonl", dir);
    assert_int_not_equal(access(path, F_OK), 0);

    sns = open_store(dir);
    ot_sns_sub got;
    wait_delivered(sns, s.arn, &got);
    assert_int_equal(got.delivered, 1);
    assert_string_equal(got.last_error, "");
    size_t len = 0;
    char *text = otest_read_file(path, &len);
    assert_non_null(strstr(text, id));
    assert_non_null(strstr(text, "\"Message\":\"durable\""));
    assert_int_equal(text[len - 1], '\n');
    free(text);
    ot_sns_close(sns);
    otest_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sns__topic_names),
        cmocka_unit_test(test_sns__topic_arns),
        cmocka_unit_test(test_sns__subscription_arns),
        cmocka_unit_test(test_sns__file_endpoints),
        cmocka_unit_test(test_sns__notification_json),
        cmocka_unit_test(test_sns__confirmation_json_signed),
        cmocka_unit_test(test_sns__http_post_failures),
        cmocka_unit_test(test_sns__topics_and_tags),
        cmocka_unit_test(test_sns__publish_survives_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
