/* fuzz_validate_gzip.c — `opentrail validate`'s reading of a log file: the bytes of an object are
 * untrusted (anyone who can write to the bucket chooses them). ot_validate_inflate inflates the
 * first gzip member (ISA-L igzip) into a bounded buffer and says whether it was cut short or
 * followed by more data; what it inflated is then shape-checked as {"Records":[{...},...]}. */
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/json.h"
#include "validate/validate.h"

#define OUT_MAX (8u << 20) /* a gzip bomb stops here, as VL_LOG_MAX bounds a real run */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ot_buf out;
    ot_buf_init(&out, OUT_MAX);
    char sha[65];
    ot_gz_status st = ot_validate_inflate(data, size, &out, sha);
    if ((st == OT_GZ_OK || st == OT_GZ_TRAILING) && out.data) {
        ot_json_doc *doc = ot_json_doc_new();
        if (doc)
            (void)ot_validate_log_json(doc, out.data, out.len);
        ot_json_doc_free(doc);
    }
    ot_buf_free(&out);
    return 0;
}
