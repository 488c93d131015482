/* fuzz_cw_request.c — the CloudWatch API's decoders on untrusted bytes: the same input as a
 * smithy-rpc-v2-cbor body (src/api/cw_doc_cbor.c, libcbor's streaming decoder), an awsJson1_0
 * body (cw_doc_json.c) and a query form (cw_doc_form.c), and every accessor over the tree each
 * gives (cw_doc.c); and the input as a Content-Encoding: gzip body (ot_gunzip, util/gzip.c).
 *
 * What must hold besides "no crash, leak or UB": a decoder either gives a tree whose root is a
 * map within the node cap, or refuses with OT_EINVAL / OT_ELIMIT and a reason; decoding is
 * repeatable (the same answer twice); and the tree's node count matches a walk of it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/cw_doc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/gzip.h"

static size_t walk(const ot_cwd *v, int depth)
{
    if (depth > OT_CWD_DEPTH_MAX + 1)
        abort();
    size_t n = 1;
    const char *s;
    double d;
    int64_t i, ms;
    bool b;
    const ot_cwd *first;
    size_t len;
    ot_cwd_str(v, &s);
    ot_cwd_num(v, &d);
    ot_cwd_int(v, &i);
    ot_cwd_bool(v, &b);
    ot_cwd_time_ms(v, &ms);
    if (ot_cwd_list(v, &first, &len) == OT_OK && v->type == OT_CWD_LIST && len != v->n)
        abort();
    if (v->type == OT_CWD_STR && (!v->str || strlen(v->str) != v->len))
        abort();
    for (const ot_cwd *c = v->first; c; c = c->next) {
        if ((v->type == OT_CWD_MAP) != (c->key != NULL))
            abort();
        n += walk(c, depth + 1);
    }
    if (v->type == OT_CWD_MAP && v->first && v->first->key)
        ot_cwd_get(v, v->first->key);
    return n;
}

typedef int (*decoder)(const char *data, size_t n, ot_cwd_doc **out, char err[160]);

static int from_cbor(const char *data, size_t n, ot_cwd_doc **out, char err[160])
{
    return ot_cwd_from_cbor((const uint8_t *)data, n, out, err);
}

static void check(decoder dec, const char *data, size_t n)
{
    ot_cwd_doc *d = NULL, *again = NULL;
    char err[160] = "";
    int rc = dec(data, n, &d, err);
    int rc2 = dec(data, n, &again, NULL);
    if (rc != rc2)
        abort();
    if (rc == OT_OK) {
        if (!d || d->root->type != OT_CWD_MAP || d->nodes > OT_CWD_NODES_MAX ||
            walk(d->root, 0) != d->nodes || again->nodes != d->nodes)
            abort();
    } else if (d || (rc != OT_EINVAL && rc != OT_ELIMIT && rc != OT_ENOMEM) || !err[0]) {
        abort();
    }
    ot_cwd_free(d);
    ot_cwd_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly size bytes for CBOR and the form (a read past the end is caught); the JSON
     * decoder copies its input itself. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    check(from_cbor, s, size);
    check(ot_cwd_from_json, s, size);
    check(ot_cwd_from_form, s, size);
    ot_buf plain;
    ot_buf_init(&plain, 0);
    int rc = ot_gunzip(s, size, 1u << 20, &plain);
    if ((rc != OT_OK && rc != OT_EINVAL && rc != OT_ELIMIT && rc != OT_ENOMEM) ||
        plain.len > 1u << 20)
        abort();
    if (rc == OT_OK)
        check(from_cbor, plain.data, plain.len);
    ot_buf_free(&plain);
    free(s);
    return 0;
}
