/* fuzz_router_input.c — what a rule's target receives (src/respond/router_input.c): the
 * InputPath, InputPathsMap and InputTemplate of any caller of PutTargets applied to an event.
 *
 * Input: four fields separated by '\n': InputPath, InputPathsMap, InputTemplate, then the event
 * (an empty field is absent). Besides no crash, leak or UB: a refusal is OT_EINVAL with a reason;
 * the output is repeatable; an InputPath's output, and a JSON template's, is JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "respond/router_input.h"
#include "util/err.h"

#define FIELDS 4

static int run(ot_json_doc *doc, const ot_rule_target *t, const char *ev, ot_buf *out)
{
    char err[256] = "";
    ot_router_input_ctx ctx = {.rule_arn = "arn:aws:events:us-east-1:111122223333:rule/fz",
                               .rule_name = "fz", .ingest_ms = 1};
    int rc = ot_router_input(doc, t, ev, strlen(ev), &ctx, out, err, sizeof err);
    if (rc == OT_EINVAL && !err[0])
        abort();
    return rc;
}

static void check(const ot_rule_target *t, const char *ev, bool json_out)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf a, b;
    ot_buf_init(&a, 0);
    ot_buf_init(&b, 0);
    int rc = run(doc, t, ev, &a);
    if (rc != run(doc, t, ev, &b) || (!rc && (a.len != b.len || memcmp(a.data, b.data, a.len))))
        abort();
    ot_json root;
    char why[64];
    if (!rc && json_out && ot_json_parse(doc, a.data, a.len, false, &root, why, sizeof why))
        abort();
    ot_buf_free(&a);
    ot_buf_free(&b);
    ot_json_doc_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *field[FIELDS] = {0};
    char *p = text;
    for (int i = 0; i < FIELDS && p; i++) {
        field[i] = p;
        p = i + 1 < FIELDS ? strchr(p, '\n') : NULL;
        if (p)
            *p++ = '\0';
    }
    const char *ev = field[3] ? field[3] : "{}";
    if (field[0] && *field[0])
        check(&(ot_rule_target){.input_path = field[0]}, ev, true);
    if (field[2] && *field[2]) {
        const char *tpl = field[2];
        while (*tpl == ' ' || *tpl == '\t' || *tpl == '\r')
            tpl++;
        ot_rule_target t = {.input_paths_map = field[1] && *field[1] ? field[1] : NULL,
                            .input_template = field[2]};
        check(&t, ev, *tpl == '{' || *tpl == '[');
    }
    free(text);
    return 0;
}
