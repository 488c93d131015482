/* vl_src_s3.c — an S3 endpoint as the source (ours, moto_server, MinIO, AWS), over aws/aws.h.
 *
 * Path-style requests, signed and retried by the AWS client, on handles of an ot_aws_pool (a
 * shared connection cache), so a run opens a few connections, not one per object. Log files
 * come through fetch_many: one curl multi handle with many transfers in flight, which hides
 * the per-request latency (on our server, every GetObject waits for its audit record's
 * group-committed fsync); a transfer that fails in a way worth retrying is fetched again
 * alone, with the client's backoff. Listing is ListObjectsV2 with max-keys=1000 and
 * encoding-type=url; GetObject returns the bytes and the x-amz-meta-* headers the digest
 * checks need. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "util/err.h"
#include "validate/vl_int.h"

typedef struct s3_source {
    vl_source base;
    ot_aws_client aws;
    ot_aws_pool *pool;
} s3_source;

static CURL *easy_take(s3_source *s) { return ot_aws_pool_take(s->pool); }

static void easy_give(s3_source *s, CURL *c) { ot_aws_pool_give(s->pool, c); }

static void swap_buf(ot_buf *a, ot_buf *b)
{
    ot_buf t = *a;
    *a = *b;
    *b = t;
}

/* ---- listing --------------------------------------------------------------------------- */

static int add_key(void *ctx, const char *key, uint64_t size)
{
    return vl_strv_push(ctx, key);
}

static int s3_list(vl_source *src, const char *bucket, const char *prefix, vl_strv *out,
                   char *err, size_t errlen)
{
    s3_source *s = (s3_source *)src;
    CURL *c = easy_take(s);
    if (!c)
        return OT_ENOMEM;
    int rc = ot_aws_s3_list(&s->aws, c, bucket, prefix, add_key, out, err, errlen);
    easy_give(s, c);
    vl_strv_sort(out);
    return rc;
}

/* ---- objects --------------------------------------------------------------------------- */

static void take_meta(const ot_aws_response *r, vl_obj *o)
{
    char v[VL_SIG_MAX + 1];
    if (ot_aws_response_header(r, "x-amz-meta-signature", v, sizeof v) && strlen(v) < VL_SIG_MAX)
        o->has_sig = true, snprintf(o->sig, sizeof o->sig, "%s", v);
    if (ot_aws_response_header(r, "x-amz-meta-signature-algorithm", v, sizeof v))
        o->has_sigalg = true, snprintf(o->sigalg, sizeof o->sigalg, "%.63s", v);
    if (ot_aws_response_header(r, "x-amz-meta-backfill-generation-timestamp", v, sizeof v))
        o->has_backfill_ts = true, snprintf(o->backfill_ts, sizeof o->backfill_ts, "%.63s", v);
}

/* The outcome of a GetObject: NoSuchKey is OT_ENOTFOUND. */
static int get_outcome(int rc, const ot_aws_response *resp, vl_obj *o, bool meta)
{
    if (rc == OT_EIO && !strcmp(resp->code, "NoSuchKey"))
        rc = OT_ENOTFOUND;
    if (!rc && meta)
        take_meta(resp, o);
    if (o->data.data)
        o->data.data[o->data.len] = '\0';
    return rc;
}

/* GetObject into o (its buffer and cap lent to the response meanwhile). */
static int get_into(s3_source *s, CURL *easy, const char *bucket, const char *key, bool meta,
                    vl_obj *o, char *err, size_t errlen)
{
    ot_aws_response resp;
    CURL *c = easy ? easy : easy_take(s);
    if (!c)
        return OT_ENOMEM;
    ot_aws_response_init(&resp, 0);
    ot_buf_reset(&o->data);
    swap_buf(&resp.body, &o->data);
    o->has_sig = o->has_sigalg = o->has_backfill_ts = false;
    int rc = ot_aws_s3_get(&s->aws, c, bucket, key, &resp, err, errlen);
    swap_buf(&resp.body, &o->data);
    rc = get_outcome(rc, &resp, o, meta);
    ot_aws_response_free(&resp);
    if (!easy)
        easy_give(s, c);
    return rc;
}

static int s3_get(vl_source *src, const char *bucket, const char *key, bool meta, vl_obj *o,
                  char *err, size_t errlen)
{
    return get_into((s3_source *)src, NULL, bucket, key, meta, o, err, errlen);
}

/* ---- many objects at once -------------------------------------------------------------- */

typedef struct slot {
    CURL *easy;
    vl_obj obj;
    ot_aws_response resp;   /* its body is obj.data while a transfer runs */
    ot_aws_request req;
    ot_buf path, scratch;
    struct curl_slist *headers;
    const char *bucket, *key;
    size_t tag;
} slot;

static bool slot_start(s3_source *s, CURLM *m, slot *sl, vl_fetch_sink *sink)
{
    if (!sink->next(sink->ctx, &sl->bucket, &sl->key, &sl->tag))
        return false;
    ot_buf_reset(&sl->path);
    ot_buf_reset(&sl->scratch);
    ot_buf_reset(&sl->obj.data);
    swap_buf(&sl->resp.body, &sl->obj.data);
    ot_buf_reset(&sl->resp.headers);
    sl->req = (ot_aws_request){.method = "GET", .operation = "GetObject"};
    if (!ot_aws_s3_path(&sl->path, sl->bucket, sl->key)) {
        sl->req.path = sl->path.data;
        ot_aws_prepare(&s->aws, sl->easy, &sl->req, &sl->resp, &sl->headers, &sl->scratch);
    }
    curl_easy_setopt(sl->easy, CURLOPT_PRIVATE, sl);
    curl_multi_add_handle(m, sl->easy);
    return true;
}

static void slot_done(s3_source *s, CURLM *m, slot *sl, CURLcode cc, vl_fetch_sink *sink)
{
    char err[512] = "";
    curl_easy_getinfo(sl->easy, CURLINFO_RESPONSE_CODE, &sl->resp.status);
    curl_multi_remove_handle(m, sl->easy);
    curl_easy_setopt(sl->easy, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(sl->headers);
    sl->headers = NULL;
    int rc = ot_aws_finish(&s->aws, &sl->req, cc, &sl->resp, err, sizeof err);
    swap_buf(&sl->resp.body, &sl->obj.data);
    if (rc && ot_aws_retryable(cc, &sl->resp))
        rc = get_into(s, sl->easy, sl->bucket, sl->key, false, &sl->obj, err, sizeof err);
    else
        rc = get_outcome(rc, &sl->resp, &sl->obj, false);
    sink->done(sink->ctx, sl->tag, rc, &sl->obj, err);
}

static void slots_free(s3_source *s, CURLM *m, slot *slots, int n)
{
    for (int i = 0; slots && i < n; i++) {
        if (slots[i].easy) {
            curl_multi_remove_handle(m, slots[i].easy);
            easy_give(s, slots[i].easy);
        }
        curl_slist_free_all(slots[i].headers);
        vl_obj_free(&slots[i].obj);
        ot_aws_response_free(&slots[i].resp);
        ot_buf_free(&slots[i].path);
        ot_buf_free(&slots[i].scratch);
    }
    free(slots);
}

/* Finishes every transfer that is done; returns whether any was. */
static bool reap(s3_source *s, CURLM *m, vl_fetch_sink *sink, slot **free_slots, int *nfree)
{
    CURLMsg *msg;
    int left;
    bool finished = false;
    while ((msg = curl_multi_info_read(m, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        slot *sl = NULL;
        CURLcode cc = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
        slot_done(s, m, sl, cc, sink);
        free_slots[(*nfree)++] = sl;
        finished = true;
    }
    return finished;
}

static int s3_fetch_many(vl_source *src, vl_fetch_sink *sink, int inflight)
{
    s3_source *s = (s3_source *)src;
    if (inflight < 1)
        inflight = 1;
    CURLM *m = curl_multi_init();
    slot *slots = calloc((size_t)inflight, sizeof *slots);
    slot **free_slots = calloc((size_t)inflight, sizeof *free_slots);
    int nfree = 0, running = 0, rc = OT_OK;
    if (!m || !slots || !free_slots) {
        rc = OT_ENOMEM;
        goto out;
    }
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)inflight);
    curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    for (int i = 0; i < inflight; i++) {
        vl_obj_init(&slots[i].obj, VL_LOG_MAX);
        ot_aws_response_init(&slots[i].resp, 0);
        ot_buf_init(&slots[i].path, 0);
        ot_buf_init(&slots[i].scratch, 0);
        if (!(slots[i].easy = easy_take(s)))
            rc = OT_ENOMEM;
        free_slots[nfree++] = &slots[i];
    }
    bool more = !rc;
    while (more || running) {
        while (more && nfree > 0 && (more = slot_start(s, m, free_slots[nfree - 1], sink)))
            nfree--;
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            rc = OT_EIO;
            break;
        }
        bool finished = reap(s, m, sink, free_slots, &nfree);
        if (!finished && running && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK) {
            rc = OT_EIO;
            break;
        }
    }
out:
    slots_free(s, m, slots, inflight);
    free(free_slots);
    curl_multi_cleanup(m);
    return rc;
}

static void s3_close(vl_source *src)
{
    s3_source *s = (s3_source *)src;
    ot_aws_pool_free(s->pool);
    free(s);
}

static const vl_source_ops s3_ops = {s3_list, s3_get, s3_close, s3_fetch_many};

int vl_src_s3_open(const char *bucket, const char *prefix, const char *region, vl_source **out,
                   char *err, size_t errlen)
{
    s3_source *s = calloc(1, sizeof *s);
    if (!s)
        return OT_ENOMEM;
    ot_aws_client_opts co = {.service = "s3", .protocol = OT_AWS_REST_XML, .region = region};
    int rc = ot_aws_client_init(&s->aws, &co, err, errlen);
    if (!rc)
        rc = ot_aws_pool_new(&s->pool);
    if (rc) {
        free(s);
        return rc;
    }
    s->base.ops = &s3_ops;
    snprintf(s->base.bucket, sizeof s->base.bucket, "%s", bucket);
    snprintf(s->base.prefix, sizeof s->base.prefix, "%s", prefix ? prefix : "");
    *out = &s->base;
    return OT_OK;
}
