/* fuzz_history_split.c — the import record splitter (src/history/history_split.c).
 *
 * `opentrail import` reads files from anywhere, so the splitter sees arbitrary bytes. The input
 * is split twice: whole, and fed in small chunks (size from the first byte) as the importer's
 * reads and inflate output deliver it. Both must find the same records and the same outcome,
 * every record must be a {...} span, and each record goes on through ot_history_extract as the
 * importer sends it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history/history.h"
#include "history/import.h"
#include "util/json.h"

typedef struct {
    ot_buf seen;   /* every record, length-prefixed, to compare the two runs */
    ot_buf arena;
    ot_json_doc *doc;
} run_ctx;

static int on_record(void *ctx, const char *rec, size_t len)
{
    run_ctx *r = ctx;
    if (len < 2 || rec[0] != '{' || rec[len - 1] != '}')
        abort();
    if (ot_buf_append(&r->seen, &len, sizeof len) || ot_buf_append(&r->seen, rec, len))
        abort();
    ot_history_row row;
    ot_history_skip why;
    ot_buf_reset(&r->arena);
    (void)ot_history_extract(r->doc, rec, len, true, -1, &row, &r->arena, &why);
    return 0;
}

/* Feeds data in chunks of `chunk` bytes; returns the feed's or the finish's result. */
static int split(run_ctx *r, const uint8_t *data, size_t size, size_t chunk)
{
    ot_hsplit s;
    ot_hsplit_init(&s);
    ot_buf win;
    ot_buf_init(&win, 0);
    int rc = 0;
    for (size_t off = 0; off < size && !rc; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (ot_buf_append(&win, data + off, n))
            abort();
        rc = ot_hsplit_feed(&s, &win, on_record, r);
    }
    if (!rc)
        rc = ot_hsplit_finish(&s, &win);
    ot_buf_free(&win);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ot_json_doc *doc;
    if (!doc && !(doc = ot_json_doc_new()))
        abort();
    run_ctx whole = {.doc = doc}, chunked = {.doc = doc};
    ot_buf_init(&whole.seen, 0);
    ot_buf_init(&chunked.seen, 0);
    ot_buf_init(&whole.arena, 0);
    ot_buf_init(&chunked.arena, 0);
    size_t chunk = size ? (size_t)(data[0] % 17) + 1 : 1;
    int rc_whole = split(&whole, data, size, size ? size : 1);
    int rc_chunked = split(&chunked, data, size, chunk);
    if (rc_whole != rc_chunked || whole.seen.len != chunked.seen.len ||
        (whole.seen.len && memcmp(whole.seen.data, chunked.seen.data, whole.seen.len)))
        abort(); /* the framing must not depend on where reads end */
    ot_buf_free(&whole.seen);
    ot_buf_free(&chunked.seen);
    ot_buf_free(&whole.arena);
    ot_buf_free(&chunked.arena);
    return 0;
}
