/* fuzz_event_pattern.c — EventBridge event patterns (src/pattern/): the input's first line is a
 * pattern, every further line an event.
 *
 * Patterns come from any caller of PutRule or TestEventPattern, events from any caller that gets
 * an API call recorded. Besides no crash, leak or UB: a refused pattern says why in EventBridge's
 * words; a set holding the pattern beside fixed ones answers, for every pattern and event, what
 * each pattern alone (ot_pattern_test) answers; matching is repeatable; each pattern is reported
 * at most once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"
#include "util/err.h"

static const char *const fixed[] = {
    "{\"source\":[\"aws.s3\"],\"detail\":{\"eventName\":[{\"prefix\":\"Put\"}]}}",
    "{\"a\":{\"b\":[{\"anything-but\":{\"wildcard\":\"x*\"}}],\"c\":[{\"numeric\":[\">\",0]}]}}",
    "{\"$or\":[{\"a\":[{\"exists\":false}]},{\"ip\":[{\"cidr\":\"10.0.0.0/8\"}]}]}",
    "{\"a\":[{\"equals-ignore-case\":\"X\"},null,true,1]}",
};
#define NFIXED (sizeof fixed / sizeof fixed[0])
#define NSET (NFIXED + 1)

/* Whether id is among the hits, and not twice. */
static int in_hits(const ot_pattern_hits *h, uint32_t id)
{
    int n = 0;
    for (size_t i = 0; i < h->n; i++)
        n += h->ids[i] == id;
    if (n > 1)
        abort();
    return n;
}

static void check_event(const ot_pattern_set *s, const char *const *pats, const size_t *plens,
                        const char *ev, size_t n, ot_pattern_hits *h)
{
    char msg[512];
    int rc = ot_pattern_set_match(s, ev, n, h);
    if (rc != 0 && rc != OT_EINVAL)
        abort();
    size_t first = h->n;
    for (uint32_t id = 0; id < NSET; id++) {
        int single = ot_pattern_test(pats[id], plens[id], ev, n, msg, sizeof msg);
        if (rc == OT_EINVAL ? single != OT_EINVAL : single != in_hits(h, id))
            abort();
    }
    int again = ot_pattern_set_match(s, ev, n, h);
    if (again != rc || h->n != first)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data, *end = in + size;
    const char *nl = memchr(in, '\n', size);
    size_t plen = nl ? (size_t)(nl - in) : size;
    char msg[512];
    int rc = ot_pattern_check(in, plen, msg, sizeof msg);
    if (rc != 0) {
        if ((rc != OT_EINVAL && rc != OT_ELIMIT) || !strstr(msg, "Event pattern is not valid. Reason: "))
            abort();
        return 0;
    }
    const char *pats[NSET];
    size_t plens[NSET];
    ot_pattern_set *s = ot_pattern_set_new();
    if (!s)
        abort();
    for (uint32_t i = 0; i < NFIXED; i++) {
        pats[i] = fixed[i], plens[i] = strlen(fixed[i]);
        if (ot_pattern_set_add(s, i, pats[i], plens[i], msg, sizeof msg))
            abort();
    }
    pats[NFIXED] = in, plens[NFIXED] = plen;
    if (ot_pattern_set_add(s, NFIXED, in, plen, msg, sizeof msg) || ot_pattern_set_build(s))
        abort();
    ot_pattern_hits h = {0};
    for (const char *p = nl ? nl + 1 : end; p < end;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *stop = e ? e : end;
        check_event(s, pats, plens, p, (size_t)(stop - p), &h);
        p = e ? e + 1 : end;
    }
    ot_pattern_hits_free(&h);
    ot_pattern_set_free(s);
    return 0;
}
