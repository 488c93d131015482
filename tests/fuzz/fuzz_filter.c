/* fuzz_filter.c — CloudWatch Logs filter patterns (src/filter/): any bytes compiled as a
 * pattern, and every pattern that compiles matched against a fixed set of events (CloudTrail
 * JSON, plain lines, an access-log line, broken JSON).
 *
 * Patterns come from any caller of PutMetricFilter or FilterLogEvents. Besides no crash, leak or
 * UB: a rejected pattern names a column inside it (or just past its end) and says why; the
 * same pattern padded with blanks compiles alike and matches the same events; matching is
 * repeatable; ot_filter_match_each and ot_filter_set_match agree with ot_filter_match; and the
 * values a match leaves behind are readable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "util/err.h"

static const char *const events[] = {
    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\",\"arn\":\"arn:aws:iam::1:root\"},"
    "\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"DisableKey\",\"errorCode\":"
    "\"AccessDenied\",\"sourceIPAddress\":\"123.123.0.7\",\"readOnly\":false,\"n\":[1,2.5,-3e2],"
    "\"x\":null,\"o\":{\"a\":[{\"b\":\"c\"}]}}",
    "{\"eventType\":\"UpdateTrail\",\"arrayKey\":[\"value\",\"another value\"],\"SomeObject\":null}",
    "[ERROR 419] MISSING ARGUMENTS",
    "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534",
    "{\"a\":1",
    "",
    "  {\"a\":\"\\u0041\\\"q\",\"b\":true}  ",
    "x \"unterminated [also",
};
#define NEVENTS (sizeof events / sizeof events[0])

static ot_filter_fields *fx;

static void read_values(void)
{
    const char *v;
    size_t n;
    static const char *const names[] = {"$.eventName", "$.n[1]", "$.o.a[0].b", "$status",
                                        "bytes", "$.x", "$"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int rc = ot_filter_value(fx, names[i], &v, &n);
        if (rc == 0 && n > 0)
            (void)((volatile const char *)v)[n - 1];
        else if (rc != 0 && rc != OT_ENOTFOUND && rc != OT_EINVAL)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fx && !(fx = ot_filter_fields_new()))
        abort();
    ot_filter *f = NULL, *padded = NULL;
    ot_filter_error err;
    int rc = ot_filter_compile((const char *)data, size, &f, &err);
    if (rc == OT_EINVAL) {
        if (err.column < 1 || (size_t)err.column > size + 1 || !err.message[0])
            abort();
    } else if (rc != 0) {
        abort();
    }
    char *pad = malloc(size + 2);
    if (!pad)
        abort();
    pad[0] = ' ';
    memcpy(pad + 1, data, size);
    pad[size + 1] = ' ';
    int prc = size + 2 <= OT_FILTER_MAX_PATTERN ? ot_filter_compile(pad, size + 2, &padded, NULL)
                                                : rc;
    if (size + 2 <= OT_FILTER_MAX_PATTERN && prc != rc)
        abort();
    for (size_t i = 0; f && i < NEVENTS; i++) {
        size_t n = strlen(events[i]);
        ot_filter *both[2] = {f, padded ? padded : f};
        bool each[2];
        ot_filter_match_each(both, 2, events[i], n, fx, each);
        bool in_set[2] = {false, false};
        ot_filter_set *set = NULL;
        if (ot_filter_set_new(both, 2, &set))
            abort();
        ot_filter_set_match(set, events[i], n, fx, in_set);
        ot_filter_set_free(set);
        bool m = ot_filter_match(f, events[i], n, fx);
        if (each[0] != m || each[1] != m || in_set[0] != m || in_set[1] != m)
            abort();
        if (m)
            read_values();
        if (ot_filter_match(f, events[i], n, fx) != m)
            abort();
        if (padded && ot_filter_match(padded, events[i], n, fx) != m)
            abort();
    }
    ot_filter_free(f);
    ot_filter_free(padded);
    free(pad);
    return 0;
}
