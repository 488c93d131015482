/* fuzz_aws_chunked.c — aws-chunked request bodies (s3_body.c): decoding, trailers, checksums.
 *
 * Input: one flags byte, then the body. Flag bits add the headers a client controls:
 * 1 x-amz-decoded-content-length (the next 4 bytes, little endian, as its value), 2 Content-MD5,
 * 4 x-amz-checksum-crc32c, 8 x-amz-checksum-sha256 (bogus values: the mismatch paths). The body
 * is always decoded as aws-chunked. Every path must free what it decoded (LeakSanitizer). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/s3_int.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    data++, size--;
    char declen[16];
    ot_req req;
    memset(&req, 0, sizeof req);
    req.method = "PUT";
    req.raw_path = "/bucket/key";
    req.raw_query = "";
    req.headers[req.nheaders++] = (ot_header){"content-encoding", "aws-chunked"};
    if ((flags & 1) && size >= 4) {
        uint32_t v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
        snprintf(declen, sizeof declen, "%u", v % 100000);
        req.headers[req.nheaders++] = (ot_header){"x-amz-decoded-content-length", declen};
        data += 4, size -= 4;
    }
    if (flags & 2)
        req.headers[req.nheaders++] = (ot_header){"content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="};
    if (flags & 4)
        req.headers[req.nheaders++] = (ot_header){"x-amz-checksum-crc32c", "AAAAAA=="};
    if (flags & 8)
        req.headers[req.nheaders++] = (ot_header){"x-amz-checksum-sha256", "bogus"};
    ot_buf body;
    ot_buf_init(&body, 0);
    if (ot_buf_append(&body, (const char *)data, size) || ot_buf_reserve(&body, 1)) {
        ot_buf_free(&body);
        return 0;
    }
    req.body = body.data;
    req.body_len = body.len;
    ot_resp resp;
    ot_resp_init(&resp);
    s3_ctx c = {.req = &req, .resp = &resp};
    s3_body b;
    if (s3_body_read(&c, &b)) {
        uint8_t md5[16] = {0};
        s3_body_verify(&c, &b, md5);
        s3_body_free(&b);
    }
    ot_resp_free(&resp);
    ot_buf_free(&body);
    return 0;
}
