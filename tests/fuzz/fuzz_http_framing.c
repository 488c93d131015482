/* fuzz_http_framing.c — the request framing check (api/http_framing.c) over arbitrary header
 * blocks: lines "name: value" as a client would send them (CRLF or LF). It must never crash, and
 * its verdict must be 0, 400 or 431, with 431 exactly when there are too many lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/http_framing.h"

#define MAX_HEADERS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ot_framing f;
    ot_framing_init(&f);
    size_t lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char *colon = strchr(line, ':');
        const char *value = "";
        if (colon) {
            *colon = '\0';
            value = colon + 1;
        }
        ot_framing_header(&f, line, value);
        lines++;
    }
    int v = ot_framing_verdict(&f, MAX_HEADERS);
    if (v != 0 && v != 400 && v != 431)
        abort();
    if ((v == 431) != (lines > MAX_HEADERS))
        abort();
    free(text);
    return 0;
}
