/* api_s3_object.c — object operations: PutObject, GetObject / HeadObject (with Range),
 * DeleteObject and DeleteObjects.
 *
 * GetObject streams the object through resp->file_fd (zero copy) when the store's reader has a
 * file behind it; HEAD uses the same response so the server reports the object's Content-Length
 * without sending the body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/s3_int.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/err.h"

#define META_MAX_BYTES 2048
#define DELETE_MAX_KEYS 1000

/* x-amz-meta-* headers into info (names lowercased by the server, prefix stripped). */
static bool collect_meta(s3_ctx *c, ot_object_info *info)
{
    size_t total = 0;
    for (size_t i = 0; i < c->req->nheaders; i++) {
        const ot_header *h = &c->req->headers[i];
        if (strncmp(h->name, "x-amz-meta-", 11) != 0 || !h->name[11])
            continue;
        total += strlen(h->name + 11) + strlen(h->value);
        if (info->nmeta == OT_STORE_MAX_META || total > META_MAX_BYTES) {
            s3_error(c, 400, "MetadataTooLarge", "Your metadata headers exceed the maximum "
                     "allowed metadata size (%d entries, %d bytes).", OT_STORE_MAX_META,
                     META_MAX_BYTES);
            return false;
        }
        info->meta[info->nmeta].name = h->name + 11; /* borrowed: put copies nothing it keeps */
        info->meta[info->nmeta].value = h->value;
        info->nmeta++;
    }
    return true;
}

void s3_put_object(s3_ctx *c)
{
    ot_object_info info;
    s3_body body;
    uint8_t md5[16];
    char etag[40];
    memset(&info, 0, sizeof info);
    if (!s3_need_key(c) || !s3_need_bucket(c))
        return;
    const char *ct = ot_req_header(c->req, "content-type");
    if (ct && strlen(ct) >= sizeof info.content_type) {
        s3_error(c, 400, "InvalidArgument", "The Content-Type is longer than %zu bytes.",
                 sizeof info.content_type - 1);
        return;
    }
    if (ct)
        memcpy(info.content_type, ct, strlen(ct) + 1);
    if (!collect_meta(c, &info) || !s3_body_read(c, &body))
        return;
    ot_md5(body.data, body.len, md5);
    if (!s3_body_verify(c, &body, md5))
        goto out;
    if (c->key[c->key_len - 1] == '/' && body.len) {
        s3_error(c, 400, "InvalidArgument", "Keys ending in '/' are folder markers here and "
                 "cannot hold data.");
        goto out;
    }
    if (!s3_write_once_may_create(c, c->key, c->key_len))
        goto out;
    if (s3_write_once_protected(c, c->key, c->key_len)) {
        s3_write_once_deny(c);
        goto out;
    }
    int rc = ot_store_put(c->srv->store, c->bucket, c->key, body.data, body.len, &info);
    if (rc) {
        s3_store_error(c, rc);
        goto out;
    }
    etag[0] = '"';
    ot_hex(md5, 16, etag + 1);
    memcpy(etag + 33, "\"", 2);
    ot_resp_header(c->resp, "ETag", etag);
out:
    s3_body_free(&body);
}

/* Parses a single "bytes=" range against size. Returns 1 with [*off, *len) for a satisfiable
 * range, 0 to ignore the header (absent, malformed or several ranges: the whole object is
 * sent, as S3 does), -1 if it cannot be satisfied. */
static int parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
    if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
        return 0;
    const char *p = h + 6, *dash = strchr(p, '-');
    char *end;
    if (!dash)
        return 0;
    if (dash == p) { /* bytes=-n: the last n bytes */
        unsigned long long n = strtoull(dash + 1, &end, 10);
        if (end == dash + 1 || *end)
            return 0;
        if (n == 0 || size == 0)
            return -1;
        *len = n > size ? size : n;
        *off = size - *len;
        return 1;
    }
    unsigned long long a = strtoull(p, &end, 10), b;
    if (end != dash)
        return 0;
    if (dash[1] == '\0') {
        b = size ? size - 1 : 0;
    } else {
        b = strtoull(dash + 1, &end, 10);
        if (*end || b < a)
            return 0;
    }
    if (a >= size)
        return -1;
    if (b >= size)
        b = size - 1;
    *off = a;
    *len = b - a + 1;
    return 1;
}

/* The response's Content-Type field is short; a longer stored type goes out as a header. */
static void set_content_type(s3_ctx *c, const char *v)
{
    if (strlen(v) < sizeof c->resp->content_type)
        memcpy(c->resp->content_type, v, strlen(v) + 1);
    else
        ot_resp_header(c->resp, "Content-Type", v);
}

static void object_headers(s3_ctx *c, const ot_object_info *info)
{
    char when[40], etag[40];
    s3_time_http(info->mtime_ms, when);
    snprintf(etag, sizeof etag, "\"%s\"", info->etag);
    ot_resp_header(c->resp, "Last-Modified", when);
    ot_resp_header(c->resp, "ETag", etag);
    ot_resp_header(c->resp, "Accept-Ranges", "bytes");
    const char *ctype = info->content_type[0] ? info->content_type : "binary/octet-stream";
    for (size_t i = 0; i < info->nmeta; i++) {
        char name[160];
        snprintf(name, sizeof name, "x-amz-meta-%s", info->meta[i].name);
        ot_resp_header(c->resp, name, info->meta[i].value);
    }
    /* response-content-type=... and friends override the stored headers (GetObject only). */
    static const char *const over[][2] = {
        {"response-content-type", NULL}, {"response-content-language", "Content-Language"},
        {"response-expires", "Expires"}, {"response-cache-control", "Cache-Control"},
        {"response-content-disposition", "Content-Disposition"},
        {"response-content-encoding", "Content-Encoding"}};
    char v[256], type_over[256];
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        if (ot_req_query(c->req, over[i][0], v, sizeof v) != 0)
            continue;
        if (over[i][1]) {
            ot_resp_header(c->resp, over[i][1], v);
        } else {
            memcpy(type_over, v, sizeof v);
            ctype = type_over;
        }
    }
    set_content_type(c, ctype);
}

/* The body of a GetObject: the reader's file for sendfile, else [off, off + len) read into the
 * response (a backend without files: the object is read in full). */
static int object_body(s3_ctx *c, ot_store_reader *r, uint64_t off, uint64_t len)
{
    int fd = ot_store_reader_fd(r);
    if (fd >= 0) {
        c->resp->file_fd = dup(fd); /* the server sends and closes it */
        c->resp->file_off = off;
        c->resp->file_len = len;
        return c->resp->file_fd >= 0 ? OT_OK : OT_EAGAIN;
    }
    int rc = ot_buf_reserve(&c->resp->body, len);
    size_t got = 1;
    ot_store_reader_seek(r, off);
    while (!rc && c->resp->body.len < len && got > 0 &&
           !(rc = ot_store_reader_read(r, c->resp->body.data + c->resp->body.len,
                                       len - c->resp->body.len, &got)))
        c->resp->body.len += got;
    return rc ? rc : c->resp->body.len == len ? OT_OK : OT_EIO;
}

void s3_get_object(s3_ctx *c)
{
    ot_object_info info;
    ot_store_reader *r;
    uint64_t off = 0, len;
    if (!s3_need_key(c))
        return;
    int rc = ot_store_reader_open(c->srv->store, c->bucket, c->key, &r, &info);
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    len = info.size;
    int range = parse_range(ot_req_header(c->req, "range"), info.size, &off, &len);
    if (range < 0) {
        char cr[48];
        snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)info.size);
        s3_error(c, 416, "InvalidRange", "The requested range is not satisfiable");
        ot_resp_header(c->resp, "Content-Range", cr);
        goto out;
    }
    if (len > 0 && (rc = object_body(c, r, off, len))) {
        s3_store_error(c, rc);
        goto out;
    }
    object_headers(c, &info);
    if (range > 0) {
        char cr[80];
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)off,
                 (unsigned long long)(off + len - 1), (unsigned long long)info.size);
        ot_resp_header(c->resp, "Content-Range", cr);
        c->resp->status = 206;
    }
out:
    ot_store_reader_close(r);
    ot_object_info_free(&info);
}

void s3_delete_object(s3_ctx *c)
{
    if (!s3_need_key(c) || !s3_need_bucket(c))
        return;
    if (s3_write_once_protected(c, c->key, c->key_len)) {
        s3_write_once_deny(c);
        return;
    }
    int rc = ot_store_delete(c->srv->store, c->bucket, c->key);
    if (rc) {
        s3_store_error(c, rc);
        return;
    }
    c->resp->status = 204;
}

/* One <Object><Key>..</Key></Object> of a DeleteObjects request: deletes it and reports. */
static void delete_one(s3_ctx *c, ot_buf *b, const char *key, size_t klen, bool quiet)
{
    const char *code = NULL, *msg = NULL;
    if (klen > S3_KEY_MAX) {
        code = "KeyTooLongError", msg = "Your key is too long.";
    } else if (!ot_store_key_valid(key, klen)) {
        code = "InvalidArgument", msg = "Object key not supported by this server.";
    } else if (!s3_allowed(c, "s3:DeleteObject", key, klen)) {
        code = "AccessDenied", msg = "Access Denied";
    } else if (s3_write_once_protected(c, key, klen)) {
        code = "AccessDenied", msg = "Access Denied";
    } else {
        int rc = ot_store_delete(c->srv->store, c->bucket, key);
        if (rc)
            code = "InternalError", msg = "We encountered an internal error.";
    }
    if (code) {
        ot_buf_puts(b, "<Error>");
        ot_buf_puts(b, "<Key>");
        s3_xml_escape(b, key, klen);
        ot_buf_puts(b, "</Key>");
        s3_xml_elem(b, "Code", code, false);
        s3_xml_elem(b, "Message", msg, false);
        ot_buf_puts(b, "</Error>");
    } else if (!quiet) {
        ot_buf_puts(b, "<Deleted><Key>");
        s3_xml_escape(b, key, klen);
        ot_buf_puts(b, "</Key></Deleted>");
    }
}

void s3_delete_objects(s3_ctx *c)
{
    s3_body body;
    uint8_t md5[16];
    if (!s3_need_bucket(c) || !s3_body_read(c, &body))
        return;
    ot_md5(body.data, body.len, md5);
    const char *p = body.data, *end = p + body.len, *in, *in_end, *after;
    ot_buf out;
    ot_buf_init(&out, 0);
    char *key = malloc(S3_KEY_MAX * 6 + 1);
    if (!key || !s3_body_verify(c, &body, md5))
        goto out;
    if (!s3_xml_find(p, end, "Delete", &in, &in_end, &after)) {
        s3_malformed_xml(c);
        goto out;
    }
    const char *qin, *qend, *oin, *oend;
    bool quiet = s3_xml_find(in, in_end, "Quiet", &qin, &qend, &after) &&
                 qend - qin == 4 && !memcmp(qin, "true", 4);
    s3_xml_begin(&out, "DeleteResult");
    size_t count = 0;
    for (p = in; s3_xml_find(p, in_end, "Object", &oin, &oend, &after); p = after) {
        const char *kin, *kend, *kafter;
        long kl;
        if (++count > DELETE_MAX_KEYS || !s3_xml_find(oin, oend, "Key", &kin, &kend, &kafter) ||
            (kl = s3_xml_unescape(kin, (size_t)(kend - kin), key, S3_KEY_MAX * 6 + 1)) < 0) {
            s3_malformed_xml(c);
            goto out;
        }
        delete_one(c, &out, key, (size_t)kl, quiet);
    }
    if (count == 0) {
        s3_malformed_xml(c);
        goto out;
    }
    s3_xml_end(&out, "DeleteResult");
    ot_buf_reset(&c->resp->body);
    ot_buf_append(&c->resp->body, out.data, out.len);
    snprintf(c->resp->content_type, sizeof c->resp->content_type, "application/xml");
out:
    free(key);
    ot_buf_free(&out);
    s3_body_free(&body);
}
