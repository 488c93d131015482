/* test_pattern_set.c — the shared matcher of many patterns (ot_pattern_set): on thousands of
 * seeded random patterns and events, the set answers exactly what each pattern alone
 * (ot_pattern_test) answers; plus the set's own contract (ids, build once, reuse of hits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"
#include "util/err.h"

typedef struct gen {
    uint64_t s;
    char *buf;
    size_t n, cap;
} gen;

static uint32_t rnd(gen *g, uint32_t n)
{
    g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(g->s >> 33) % n;
}

static void put(gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof tmp);
    if (g->n + (size_t)k + 1 > g->cap) {
        g->cap = (g->n + (size_t)k + 1) * 2;
        g->buf = realloc(g->buf, g->cap);
        assert_non_null(g->buf);
    }
    memcpy(g->buf + g->n, tmp, (size_t)k + 1);
    g->n += (size_t)k;
}

static const char *const keys[] = {"a", "b", "c"};
static const char *const strs[] = {"x", "xy", "Xy", "yx", "", "10.0.0.5", "10.1.0.5", "a*b",
                                   "2001:db8::1", "XY"};
static const char *const nums[] = {"0", "1", "2.5", "-3", "100", "1e3"};

static void event_value(gen *g, int depth)
{
    uint32_t r = rnd(g, depth < 3 ? 12 : 9);
    if (r < 4)
        put(g, "\"%s\"", strs[rnd(g, 10)]);
    else if (r < 6)
        put(g, "%s", nums[rnd(g, 6)]);
    else if (r == 6)
        put(g, "%s", rnd(g, 2) ? "true" : "false");
    else if (r == 7)
        put(g, "null");
    else if (r == 8 || r == 9) {
        put(g, "[");
        for (uint32_t i = 0, n = rnd(g, 4); i < n; i++) {
            put(g, i ? "," : "");
            event_value(g, depth + 1);
        }
        put(g, "]");
    } else {
        put(g, "{");
        for (uint32_t i = 0, n = 1 + rnd(g, 3); i < n; i++) {
            put(g, "%s\"%s\":", i ? "," : "", keys[rnd(g, 3)]);
            event_value(g, depth + 1);
        }
        put(g, "}");
    }
}

static void alternative(gen *g)
{
    switch (rnd(g, 17)) {
    case 0: put(g, "\"%s\"", strs[rnd(g, 10)]); break;
    case 1: put(g, "%s", nums[rnd(g, 6)]); break;
    case 2: put(g, "%s", rnd(g, 3) == 0 ? "null" : rnd(g, 2) ? "true" : "false"); break;
    case 3: put(g, "{\"prefix\":\"%s\"}", rnd(g, 2) ? "x" : ""); break;
    case 4: put(g, "{\"suffix\":\"%s\"}", rnd(g, 2) ? "y" : "5"); break;
    case 5: put(g, "{\"equals-ignore-case\":\"%s\"}", rnd(g, 2) ? "xy" : "x"); break;
    case 6: put(g, "{\"%s\":{\"equals-ignore-case\":\"X\"}}", rnd(g, 2) ? "prefix" : "suffix"); break;
    case 7: put(g, "{\"wildcard\":\"%s\"}", (const char *[]){"x*", "*y", "*", "a\\\\*b", "*0*"}[rnd(g, 5)]); break;
    case 8: put(g, "{\"anything-but\":\"%s\"}", strs[rnd(g, 10)]); break;
    case 9: put(g, "{\"anything-but\":[%s,%s]}", nums[rnd(g, 6)], nums[rnd(g, 6)]); break;
    case 10: put(g, "{\"anything-but\":{\"%s\":\"%s\"}}",
                 (const char *[]){"prefix", "suffix", "equals-ignore-case", "wildcard"}[rnd(g, 4)],
                 rnd(g, 2) ? "x" : "y*"); break;
    case 11: put(g, "{\"numeric\":[\">\",%s,\"<=\",100]}", rnd(g, 2) ? "0" : "-5"); break;
    case 12: put(g, "{\"numeric\":[\"%s\",%s]}", (const char *[]){"<", "<=", "=", ">="}[rnd(g, 4)],
                 nums[rnd(g, 6)]); break;
    case 13: put(g, "{\"cidr\":\"%s\"}", (const char *[]){"10.0.0.0/16", "10.0.0.0/8", "2001:db8::/48"}[rnd(g, 3)]); break;
    case 14: put(g, "{\"exists\":%s}", rnd(g, 2) ? "true" : "false"); break;
    default: put(g, "\"%s\"", strs[rnd(g, 3)]); break;
    }
}

static void pattern_object(gen *g, int depth, int *fields);

static void pattern_member(gen *g, int depth, int *fields, const char *key)
{
    put(g, "\"%s\":", key);
    if (depth < 2 && rnd(g, 3) == 0) {
        pattern_object(g, depth + 1, fields);
        return;
    }
    put(g, "[");
    for (uint32_t i = 0, n = 1 + rnd(g, 2); i < n; i++) {
        put(g, i ? "," : "");
        alternative(g);
    }
    put(g, "]");
    (*fields)++;
}

static void pattern_object(gen *g, int depth, int *fields)
{
    put(g, "{");
    uint32_t start = rnd(g, 3), n = 1 + rnd(g, 2);
    for (uint32_t i = 0; i < n; i++) {
        put(g, i ? "," : "");
        pattern_member(g, depth, fields, keys[(start + i) % 3]);
    }
    if (depth < 2 && rnd(g, 6) == 0) {
        put(g, ",\"$or\":[{");
        pattern_member(g, 2, fields, "d");
        put(g, "},{");
        pattern_member(g, 2, fields, "e");
        put(g, "}]");
    }
    put(g, "}");
}

#define NPATTERNS 600
#define NEVENTS 400

static void test_pattern_set__agrees_with_single(void **state)
{
    (void)state;
    gen g = {.s = 20261203};
    char *patterns[NPATTERNS];
    char msg[512];
    ot_pattern_set *s = ot_pattern_set_new();
    assert_non_null(s);
    int valid = 0;
    for (int i = 0; i < NPATTERNS; i++) {
        int fields = 0;
        g.n = 0;
        pattern_object(&g, 0, &fields);
        patterns[i] = strdup(g.buf);
        int rc = ot_pattern_set_add(s, (uint32_t)i * 7 + 3, g.buf, g.n, msg, sizeof msg);
        assert_int_equal(rc, ot_pattern_check(g.buf, g.n, msg, sizeof msg));
        valid += rc == 0;
    }
    assert_true(valid > NPATTERNS / 2);
    assert_int_equal(ot_pattern_set_build(s), 0);
    ot_pattern_hits hits = {0};
    long matched = 0;
    for (int e = 0; e < NEVENTS; e++) {
        g.n = 0;
        put(&g, "{\"a\":");
        event_value(&g, 0);
        put(&g, ",\"b\":");
        event_value(&g, 1);
        put(&g, ",\"c\":{\"a\":");
        event_value(&g, 1);
        put(&g, ",\"d\":\"x\"},\"d\":");
        event_value(&g, 2);
        put(&g, "}");
        assert_int_equal(ot_pattern_set_match(s, g.buf, g.n, &hits), 0);
        for (int i = 0; i < NPATTERNS; i++) {
            int single = ot_pattern_test(patterns[i], strlen(patterns[i]), g.buf, g.n, msg,
                                         sizeof msg);
            if (single < 0)
                continue;
            int in_set = 0;
            for (size_t h = 0; h < hits.n; h++)
                in_set += hits.ids[h] == (uint32_t)i * 7 + 3;
            if (in_set != single)
                print_error("pattern %s event %s: set %d single %d\n", patterns[i], g.buf, in_set,
                            single);
            assert_int_equal(in_set, single);
            matched += single;
        }
    }
    assert_true(matched > 100); /* the corpus exercises matches, not only misses */
    ot_pattern_hits_free(&hits);
    ot_pattern_set_free(s);
    for (int i = 0; i < NPATTERNS; i++)
        free(patterns[i]);
    free(g.buf);
}

static void test_pattern_set__contract(void **state)
{
    (void)state;
    char msg[256];
    ot_pattern_set *s = ot_pattern_set_new(), *t = ot_pattern_set_new();
    ot_pattern_hits hits = {0};
    const char *ev = "{\"source\":\"aws.s3\",\"n\":5}";
    assert_int_equal(ot_pattern_set_match(s, ev, strlen(ev), &hits), OT_EINVAL); /* not built */
    assert_int_equal(ot_pattern_set_add(s, 1, "{\"source\":[\"aws.s3\"]}", 21, msg, sizeof msg), 0);
    assert_int_equal(ot_pattern_set_add(s, 1, "{\"n\":[5]}", 9, msg, sizeof msg), OT_EEXIST);
    assert_int_equal(ot_pattern_set_add(s, 2, "{\"n\":5}", 7, msg, sizeof msg), OT_EINVAL);
    assert_non_null(strstr(msg, "\"n\" must be an object or an array"));
    assert_int_equal(ot_pattern_set_add(s, 9, "{\"n\":[5]}", 9, msg, sizeof msg), 0);
    assert_int_equal(ot_pattern_set_build(s), 0);
    assert_int_equal(ot_pattern_set_add(s, 3, "{\"n\":[6]}", 9, msg, sizeof msg), OT_EINVAL);
    assert_int_equal(ot_pattern_set_match(s, ev, strlen(ev), &hits), 0);
    assert_int_equal(hits.n, 2);
    assert_true((hits.ids[0] == 1 && hits.ids[1] == 9) || (hits.ids[0] == 9 && hits.ids[1] == 1));
    assert_int_equal(ot_pattern_set_match(s, "[]", 2, &hits), OT_EINVAL);
    assert_int_equal(hits.n, 0);
    /* an empty set matches nothing; the same hits serve another set */
    assert_int_equal(ot_pattern_set_build(t), 0);
    assert_int_equal(ot_pattern_set_match(t, ev, strlen(ev), &hits), 0);
    assert_int_equal(hits.n, 0);
    assert_int_equal(ot_pattern_set_match(s, ev, strlen(ev), &hits), 0);
    assert_int_equal(hits.n, 2);
    /* a pattern of several $or branches is reported once */
    ot_pattern_set *u = ot_pattern_set_new();
    const char *p = "{\"$or\":[{\"source\":[\"aws.s3\"]},{\"n\":[5]}]}";
    assert_int_equal(ot_pattern_set_add(u, 4, p, strlen(p), msg, sizeof msg), 0);
    assert_int_equal(ot_pattern_set_build(u), 0);
    assert_int_equal(ot_pattern_set_match(u, ev, strlen(ev), &hits), 0);
    assert_int_equal(hits.n, 1);
    assert_int_equal(hits.ids[0], 4);
    ot_pattern_hits_free(&hits);
    ot_pattern_set_free(s), ot_pattern_set_free(t), ot_pattern_set_free(u);
}

/* Identical conditions are shared, yet each pattern still needs all of its own. */
static void test_pattern_set__shared_conditions(void **state)
{
    (void)state;
    char msg[256];
    ot_pattern_set *s = ot_pattern_set_new();
    char p[128];
    for (uint32_t i = 0; i < 1000; i++) {
        int n = snprintf(p, sizeof p, "{\"source\":[\"aws.ec2\"],\"detail\":{\"eventName\":[\"Op%u\"]}}",
                         i);
        assert_int_equal(ot_pattern_set_add(s, i, p, (size_t)n, msg, sizeof msg), 0);
    }
    assert_int_equal(ot_pattern_set_build(s), 0);
    ot_pattern_hits hits = {0};
    const char *ev = "{\"source\":\"aws.ec2\",\"detail\":{\"eventName\":\"Op417\"}}";
    assert_int_equal(ot_pattern_set_match(s, ev, strlen(ev), &hits), 0);
    assert_int_equal(hits.n, 1);
    assert_int_equal(hits.ids[0], 417);
    ev = "{\"source\":\"aws.s3\",\"detail\":{\"eventName\":\"Op417\"}}";
    assert_int_equal(ot_pattern_set_match(s, ev, strlen(ev), &hits), 0);
    assert_int_equal(hits.n, 0);
    ot_pattern_hits_free(&hits);
    ot_pattern_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_set__agrees_with_single),
        cmocka_unit_test(test_pattern_set__contract),
        cmocka_unit_test(test_pattern_set__shared_conditions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
