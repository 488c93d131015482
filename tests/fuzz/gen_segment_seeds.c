/* gen_segment_seeds.c — writes the seed segments of fuzz_history_seg (not built by CMake).
 *
 * Build it next to a fuzz build and run it from the repository root:
 *   clang++ -x c -Isrc tests/fuzz/gen_segment_seeds.c -x none build-fuzz/libopentrail_core.a \
 *     -fsanitize=fuzzer-no-link,address,undefined $(pkg-config --libs sqlite3 zlib libisal \
 *     simdjson libcurl libmicrohttpd openssl) -lstdc++ -lm -lpthread -o /tmp/gen && /tmp/gen
 * Each seed is a real segment as `opentrail import` writes it (history_segw.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history/history.h"
#include "history/history_seg.h"
#include "util/json.h"

#define DIR "tests/fuzz/corpus/history_seg/"

static const char *const RECORDS[] = {
    "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-02T03:04:05Z\",\"eventID\":\"e1\","
    "\"eventName\":\"CreateTrail\",\"eventSource\":\"cloudtrail.amazonaws.com\","
    "\"awsRegion\":\"us-east-1\",\"readOnly\":false,\"userIdentity\":{\"type\":\"IAMUser\","
    "\"userName\":\"alice\",\"accessKeyId\":\"AKIA1\"},\"resources\":[{\"type\":"
    "\"AWS::CloudTrail::Trail\",\"ARN\":\"arn:aws:cloudtrail:us-east-1:1:trail/t\"}]}",
    "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-02T03:04:06Z\",\"eventID\":\"e2\","
    "\"eventName\":\"GetObject\",\"eventSource\":\"s3.amazonaws.com\",\"awsRegion\":\"eu-west-1\","
    "\"readOnly\":true,\"eventCategory\":\"Data\",\"userIdentity\":{\"type\":\"Root\"}}",
    "{\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventID\":\"e3\","
    "\"eventName\":\"ConsoleLogin\",\"eventSource\":\"signin.amazonaws.com\","
    "\"awsRegion\":\"us-east-1\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"bob\"}}",
};

static void write_seed(const char *name, size_t nrec)
{
    ot_json_doc *doc = ot_json_doc_new();
    ot_buf arena, scratch, z;
    ot_buf_init(&arena, 0);
    ot_buf_init(&scratch, 0);
    ot_buf_init(&z, 0);
    ot_history_row rows[8];
    bool keep[8];
    for (size_t i = 0; i < nrec; i++) {
        ot_history_skip why;
        const char *r = RECORDS[i];
        if (ot_history_extract(doc, r, strlen(r), false, -1, &rows[i], &arena, &why))
            abort();
        rows[i].raw = r;
        rows[i].raw_len = strlen(r);
        keep[i] = true;
    }
    size_t ulen;
    if (ot_history_block_encode(rows, nrec, arena.data, &scratch, &z, &ulen))
        abort();
    seg_builder *b;
    int64_t tmin, tmax;
    unlink(name);
    if (seg_builder_new(name, &b) ||
        seg_builder_add_block(b, rows, nrec, arena.data, keep, z.data, z.len, ulen) ||
        seg_builder_finish(b, &tmin, &tmax))
        abort();
    seg_builder_free(b, true);
    ot_buf_free(&arena);
    ot_buf_free(&scratch);
    ot_buf_free(&z);
    ot_json_doc_free(doc);
}

int main(void)
{
    write_seed(DIR "one_row.seg", 1);
    write_seed(DIR "three_rows.seg", 3);
    return 0;
}
