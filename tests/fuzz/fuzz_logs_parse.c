/* fuzz_logs_parse.c — the Logs API's small parsers of request members (api_logs_parse.c): the
 * bytes as a filter pattern whose field names TestMetricFilter reads, as a GetLogEvents /
 * FilterLogEvents direction token and as a describe paging token.
 *
 * Besides no crash or UB: every field name reported lies inside the pattern and is not empty;
 * a token that parses formats to text that parses to the same direction and cursor (leading
 * zeros and "-0" parse too, so the text itself may differ). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_logs.h"

typedef struct span {
    const char *start, *end;
} span;

static void check_field(void *ctx, const char *name, size_t len)
{
    const span *s = ctx;
    if (len == 0 || name < s->start || name + len > s->end)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    span s = {text, text + strlen(text)};
    ot_logs_pattern_fields(text, check_field, &s);
    bool back;
    int64_t ts, id, off;
    if (ot_logs_token_parse(text, &back, &ts, &id) == 0) {
        char again[64];
        ot_logs_token_format(again, sizeof again, back, ts, id);
        bool back2;
        int64_t ts2, id2;
        if (ot_logs_token_parse(again, &back2, &ts2, &id2) || back2 != back || ts2 != ts ||
            id2 != id)
            abort();
    }
    if (ot_logs_offset_parse(text, &off) == 0 && off < 0)
        abort();
    free(text);
    return 0;
}
