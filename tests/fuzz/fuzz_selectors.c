/* fuzz_selectors.c — PutEventSelectors bodies: basic EventSelectors and AdvancedEventSelectors
 * (src/trail/selectors_build.c, matched by src/trail/selectors_match.c).
 *
 * Selectors come from any caller of PutEventSelectors and are stored in state.db as their
 * canonical form, which is compiled again at every start. So the canonical form of accepted
 * selectors must be accepted too, be its own canonical form, and route a set of sample events
 * exactly as the selectors it came from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "trail/selectors.h"
#include "util/json.h"

#define NEVENTS 6

static ot_buf g_enc[NEVENTS];
static ot_event g_ev[NEVENTS];

static void add_event(size_t i, ot_event e, const ot_event_resource *res, size_t nres)
{
    e.json = "{}";
    e.json_len = 2;
    e.resources = res;
    e.nresources = nres;
    ot_buf_init(&g_enc[i], 0);
    if (ot_event_encode(&e, &g_enc[i]) || ot_event_decode(g_enc[i].data, g_enc[i].len, &g_ev[i]))
        abort();
}

/* Events of each category the selectors look at, as the WAL carries them. */
static void make_events(void)
{
    static const ot_event_resource obj[] = {{"AWS::S3::Object", "arn:aws:s3:::b/logs/k"},
                                            {"AWS::S3::Bucket", "arn:aws:s3:::b"}};
    static const ot_event_resource fn[] = {
        {"AWS::Lambda::Function", "arn:aws:lambda:us-east-1:123456789012:function:f"}};
    ot_event base = {.account_id = "123456789012", .region = "us-east-1", .channel_arn = "",
                     .event_type = "AwsApiCall", .user_arn = "arn:aws:iam::123456789012:user/a",
                     .error_code = "", .event_id = "e"};
    ot_event e = base;
    e.category = OT_CAT_MANAGEMENT, e.rw = OT_RW_WRITE;
    e.event_source = "cloudtrail.amazonaws.com", e.event_name = "CreateTrail";
    add_event(0, e, NULL, 0);
    e.rw = OT_RW_READ, e.event_source = "kms.amazonaws.com", e.event_name = "Decrypt";
    e.console = OT_CONSOLE_TRUE;
    add_event(1, e, NULL, 0);
    e = base;
    e.category = OT_CAT_DATA, e.rw = OT_RW_READ;
    e.event_source = "s3.amazonaws.com", e.event_name = "GetObject", e.error_code = "AccessDenied";
    add_event(2, e, obj, 2);
    e.rw = OT_RW_WRITE, e.event_name = "PutObject", e.error_code = "";
    add_event(3, e, obj, 1);
    e.event_source = "lambda.amazonaws.com", e.event_name = "Invoke";
    add_event(4, e, fn, 1);
    e = base;
    e.category = OT_CAT_ACTIVITY, e.rw = OT_RW_UNKNOWN, e.event_source = "myapp";
    e.event_name = "Login", e.channel_arn = "arn:aws:cloudtrail:us-east-1:123456789012:channel/c";
    add_event(5, e, NULL, 0);
}

/* One more event made of the input's own strings (the last quoted ones, unescaped text only), so
 * that the Equals/StartsWith values of the selectors sometimes match. */
static void input_event(const uint8_t *data, size_t size, ot_buf *enc, ot_event *ev)
{
    static char str[4][128];
    size_t k = 0;
    for (size_t i = 0; i < size; i++) {
        const uint8_t *q = data[i] == '"' ? memchr(data + i + 1, '"', size - i - 1) : NULL;
        if (!q)
            continue;
        size_t n = (size_t)(q - data) - i - 1;
        if (n < sizeof str[0] && !memchr(data + i + 1, '\\', n) && !memchr(data + i + 1, 0, n)) {
            memcpy(str[k % 4], data + i + 1, n);
            str[k++ % 4][n] = '\0';
        }
        i = (size_t)(q - data);
    }
    for (; k < 4; k++)
        str[k][0] = '\0';
    ot_event_resource res = {"AWS::S3::Object", str[2]};
    ot_event e = {.account_id = "123456789012", .region = "us-east-1", .channel_arn = "",
                  .event_type = "AwsApiCall", .user_arn = str[3], .error_code = "",
                  .event_id = "e", .category = size % 2 ? OT_CAT_DATA : OT_CAT_MANAGEMENT,
                  .rw = (uint8_t)(size % 3), .event_source = str[1], .event_name = str[0],
                  .json = "{}", .json_len = 2, .resources = &res, .nresources = 1};
    ot_buf_reset(enc);
    if (ot_event_encode(&e, enc) || ot_event_decode(enc->data, enc->len, ev))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ot_json_doc *doc;
    if (!doc) {
        if (!(doc = ot_json_doc_new()))
            abort();
        make_events();
    }
    ot_json root;
    char why[128];
    if (ot_json_parse(doc, (const char *)data, size, false, &root, why, sizeof why))
        return 0;
    ot_buf canon, canon2;
    ot_buf_init(&canon, 0);
    ot_buf_init(&canon2, 0);
    ot_selectors *s = NULL, *s2 = NULL;
    ot_selectors_error err = {0};
    if (ot_selectors_build(root, &canon, &s, &err) == 0) {
        if (ot_selectors_compile(canon.data, canon.len, &s2, &err) ||
            ot_json_parse(doc, canon.data, canon.len, false, &root, why, sizeof why) ||
            ot_selectors_build(root, &canon2, NULL, &err))
            abort(); /* the stored form would not load at the next start */
        if (canon.len != canon2.len || memcmp(canon.data, canon2.data, canon.len))
            abort(); /* the canonical form is not stable */
        for (size_t i = 0; i < NEVENTS; i++)
            if (ot_selectors_match(s, &g_ev[i]) != ot_selectors_match(s2, &g_ev[i]))
                abort();
        ot_buf enc;
        ot_event ev;
        ot_buf_init(&enc, 0);
        input_event(data, size, &enc, &ev);
        if (ot_selectors_match(s, &ev) != ot_selectors_match(s2, &ev))
            abort();
        ot_buf_free(&enc);
    } else if (!err.code || s) {
        abort(); /* a refusal always says why and builds nothing */
    }
    ot_selectors_free(s);
    ot_selectors_free(s2);
    ot_buf_free(&canon);
    ot_buf_free(&canon2);
    return 0;
}
