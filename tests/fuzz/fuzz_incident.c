/* fuzz_incident.c — an incident record rendered as Markdown (incident/incident_markdown.c,
 * incident_md_text.c) and a CloudTrail record's userIdentity resolved to a human without a
 * history (incident/human_*.c). Input: any bytes as the JSON of both. What must hold: a JSON
 * object renders (0) and renders the same twice; outside the fenced details block, no input
 * character can start a link, image or HTML tag (every '[' and '<' is escaped); resolution of an
 * object succeeds with an empty chain (nothing to correlate) and a how that has a name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "incident/incident.h"
#include "util/err.h"

/* Every '[' or '<' before the details block is escaped by a backslash. */
static void check_inert(const char *md)
{
    const char *end = strstr(md, "\n## Details\n");
    size_t n = end ? (size_t)(end - md) : strlen(md);
    for (size_t i = 0; i < n; i++)
        if ((md[i] == '[' || md[i] == '<') && (i == 0 || md[i - 1] != '\\'))
            abort();
}

static void check_markdown(const char *data, size_t size)
{
    char *a = NULL, *b = NULL;
    int rc = ot_incident_markdown(data, size, &a);
    if (rc != OT_OK && rc != OT_EINVAL && rc != OT_ELIMIT)
        abort();
    if (rc) {
        if (a)
            abort();
        return;
    }
    check_inert(a);
    if (ot_incident_markdown(data, size, &b) != OT_OK || strcmp(a, b))
        abort();
    free(a);
    free(b);
}

static void check_human(const char *data, size_t size)
{
    ot_human h;
    int rc = ot_human_resolve(NULL, data, size, &h);
    if (rc != OT_OK && rc != OT_EINVAL)
        abort();
    if (rc)
        return;
    if (!h.chain_json || strcmp(h.chain_json, "[]") || !ot_human_how_name(h.how)[0] ||
        (h.how == OT_HUMAN_UNRESOLVED && h.name[0]))
        abort();
    ot_human_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_markdown((const char *)data, size);
    check_human((const char *)data, size);
    return 0;
}
