/* s3_body.c — PutObject / DeleteObjects bodies: aws-chunked decoding and integrity checks.
 *
 * Over plain http botocore 1.43 sends the payload as-is with x-amz-checksum-crc32 in a header;
 * over https (and other SDKs) it streams "Content-Encoding: aws-chunked" with the checksum in a
 * trailer: "<hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n".
 * Chunk signatures are not re-verified here: the seed signature was checked by SigV4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <isa-l/crc.h>
#include <openssl/sha.h>
#include <zlib.h>

#include "api/s3_int.h"
#include "util/crypto.h"

static bool is_chunked(const ot_req *req)
{
    const char *ce = ot_req_header(req, "content-encoding");
    const char *sha = ot_req_header(req, "x-amz-content-sha256");
    return (ce && strstr(ce, "aws-chunked")) || (sha && strncmp(sha, "STREAMING-", 10) == 0);
}

/* One trailer line "name:value"; keeps an x-amz-checksum-* one. */
static void take_trailer(s3_body *b, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (!colon || (size_t)(colon - line) >= sizeof b->trailer_checksum_name ||
        strncasecmp(line, "x-amz-checksum-", 15) != 0)
        return;
    size_t nl = (size_t)(colon - line), vl = n - nl - 1;
    for (size_t i = 0; i < nl; i++)
        b->trailer_checksum_name[i] = (char)(line[i] | 0x20);
    b->trailer_checksum_name[nl] = '\0';
    const char *v = colon + 1;
    while (vl && *v == ' ')
        v++, vl--;
    snprintf(b->trailer_checksum, sizeof b->trailer_checksum, "%.*s", (int)vl, v);
}

static const char *decode_chunks(const char *p, size_t n, s3_body *b)
{
    const char *end = p + n;
    for (;;) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol)
            return "The chunk header is not terminated.";
        char *num_end;
        unsigned long long size = strtoull(p, &num_end, 16);
        if (num_end == p || (num_end != eol && *num_end != ';'))
            return "The chunk size is not a hexadecimal number.";
        p = eol + 2;
        if (size == 0)
            break;
        if (size > (unsigned long long)(end - p) || (size_t)(end - p) - size < 2 ||
            memcmp(p + size, "\r\n", 2) != 0)
            return "A chunk is shorter than its declared size.";
        if (ot_buf_append(&b->dec, p, size))
            return "The decoded body is too large.";
        p += size + 2;
    }
    /* Trailers, then an empty line (some clients end right after the last chunk). */
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        size_t ln = eol ? (size_t)(eol - p) : (size_t)(end - p);
        if (ln == 0)
            break;
        take_trailer(b, p, ln);
        p += ln + (eol ? 2 : 0);
    }
    return NULL;
}

bool s3_body_read(s3_ctx *c, s3_body *b)
{
    memset(b, 0, sizeof *b);
    b->data = c->req->body ? c->req->body : "";
    b->len = c->req->body_len;
    if (!is_chunked(c->req))
        return true;
    ot_buf_init(&b->dec, c->req->body_len + 1);
    if (ot_buf_reserve(&b->dec, 1)) {
        s3_error(c, 500, "InternalError", "Out of memory decoding the body.");
        goto fail;
    }
    const char *err = decode_chunks(b->data, b->len, b);
    if (err) {
        s3_error(c, 400, "IncompleteBody", "%s", err);
        goto fail;
    }
    b->data = b->dec.data;
    b->len = b->dec.len;
    const char *dl = ot_req_header(c->req, "x-amz-decoded-content-length");
    if (dl && strtoull(dl, NULL, 10) != b->len) {
        s3_error(c, 400, "IncompleteBody",
                 "The decoded body has %zu bytes, x-amz-decoded-content-length says %s.", b->len,
                 dl);
        goto fail;
    }
    return true;
fail:
    /* The caller frees the body only after a successful read: whatever was decoded before the
     * error (up to the whole request body) is released here. */
    s3_body_free(b);
    b->data = "";
    b->len = 0;
    return false;
}

void s3_body_free(s3_body *b) { ot_buf_free(&b->dec); }

/* base64 of the checksum the client named, computed over data; false for an unknown one. */
static bool compute(const char *algo, const char *data, size_t len, char *out)
{
    uint8_t d[32];
    size_t dn;
    if (!strcmp(algo, "crc32") || !strcmp(algo, "crc32c")) {
        uint32_t v = !strcmp(algo, "crc32")
            ? (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)data, (uInt)len)
            : ~crc32_iscsi((unsigned char *)data, (int)len, 0xffffffffu);
        d[0] = (uint8_t)(v >> 24), d[1] = (uint8_t)(v >> 16), d[2] = (uint8_t)(v >> 8);
        d[3] = (uint8_t)v;
        dn = 4;
    } else if (!strcmp(algo, "sha1")) {
        SHA1((const unsigned char *)data, len, d);
        dn = 20;
    } else if (!strcmp(algo, "sha256")) {
        ot_sha256(data, len, d);
        dn = 32;
    } else {
        return false;
    }
    ot_base64(d, dn, out);
    return true;
}

static bool check_md5(s3_ctx *c, const uint8_t md5[16])
{
    const char *cm = ot_req_header(c->req, "content-md5");
    uint8_t want[16];
    if (!cm)
        return true;
    if (ot_base64_decode(cm, strlen(cm), want, sizeof want) != 16) {
        s3_error(c, 400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
        return false;
    }
    if (memcmp(want, md5, 16) != 0) {
        s3_error(c, 400, "BadDigest", "The Content-MD5 you specified did not match what we "
                 "received.");
        return false;
    }
    return true;
}

bool s3_body_verify(s3_ctx *c, const s3_body *b, const uint8_t md5[16])
{
    static const char *algos[] = {"crc32", "crc32c", "sha1", "sha256"};
    if (!check_md5(c, md5))
        return false;
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++) {
        char hname[40], got[64];
        snprintf(hname, sizeof hname, "x-amz-checksum-%s", algos[i]);
        const char *want = ot_req_header(c->req, hname);
        if (!want && !strcmp(b->trailer_checksum_name, hname))
            want = b->trailer_checksum;
        if (!want)
            continue;
        compute(algos[i], b->data, b->len, got);
        if (strcmp(got, want) != 0) {
            s3_error(c, 400, "BadDigest", "The %s you specified did not match the calculated "
                     "checksum.", algos[i]);
            return false;
        }
        ot_resp_header(c->resp, hname, got);
    }
    return true;
}

bool s3_body_read_checked(s3_ctx *c, s3_body *body)
{
    uint8_t md5[16];
    if (!s3_body_read(c, body))
        return false;
    ot_md5(body->data, body->len, md5);
    if (s3_body_verify(c, body, md5))
        return true;
    s3_body_free(body);
    return false;
}
