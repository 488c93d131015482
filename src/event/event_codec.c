/* event_codec.c — the WAL payload format of an event (see event.h).
 *
 *   u8 'E' | u8 version | i64 ingest_ms | u8 category | u8 rw
 *   6 x (u16 len | bytes | NUL): account, region, source, name, id, channel
 *   version 2 only:
 *     u8 console | 3 x str: event type, userIdentity.arn, errorCode
 *     u16 nresources | nresources x (str type, str arn)
 *   u32 json_len | json | NUL                                   (all little-endian)
 *
 * Version 1 payloads (written before event selectors existed) still decode: their selector
 * facts are empty. The encoder always writes version 2. */
#include "event/event.h"

#include <string.h>

#include "util/err.h"

#define EVENT_MAGIC 'E'
#define EVENT_VERSION 2
#define STR_MAX 0xffff

static int put_str(ot_buf *out, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max)
        return OT_ELIMIT;
    uint8_t len[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
    int rc = ot_buf_append(out, len, 2);
    if (!rc)
        rc = ot_buf_append(out, s ? s : "", n);
    if (!rc)
        rc = ot_buf_putc(out, '\0');
    return rc;
}

/* The version-2 selector facts. */
static int put_facts(const ot_event *e, ot_buf *out)
{
    int rc = ot_buf_putc(out, (char)e->console);
    const char *strs[] = {e->event_type, e->user_arn, e->error_code};
    for (size_t i = 0; !rc && i < sizeof strs / sizeof strs[0]; i++)
        rc = put_str(out, strs[i], STR_MAX);
    size_t n = e->resources ? e->nresources : 0;
    if (!rc && n > 0xffff)
        rc = OT_ELIMIT;
    uint8_t cnt[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
    if (!rc)
        rc = ot_buf_append(out, cnt, 2);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = put_str(out, e->resources[i].type, STR_MAX);
        if (!rc)
            rc = put_str(out, e->resources[i].arn, STR_MAX);
    }
    return rc;
}

int ot_event_encode(const ot_event *e, ot_buf *out)
{
    uint8_t head[12];
    head[0] = EVENT_MAGIC;
    head[1] = EVENT_VERSION;
    uint64_t t = (uint64_t)e->ingest_ms;
    for (int i = 0; i < 8; i++)
        head[2 + i] = (uint8_t)(t >> (8 * i));
    head[10] = e->category;
    head[11] = e->rw;
    size_t mark = out->len;
    int rc = ot_buf_append(out, head, sizeof head);
    const char *strs[] = {e->account_id, e->region, e->event_source, e->event_name, e->event_id,
                          e->channel_arn};
    for (size_t i = 0; !rc && i < sizeof strs / sizeof strs[0]; i++)
        rc = put_str(out, strs[i], STR_MAX);
    if (!rc)
        rc = put_facts(e, out);
    if (!rc && e->json_len > 0xffffffffu)
        rc = OT_ELIMIT;
    if (!rc) {
        uint32_t n = (uint32_t)e->json_len;
        uint8_t len[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
        rc = ot_buf_append(out, len, 4);
    }
    if (!rc)
        rc = ot_buf_append(out, e->json, e->json_len);
    if (!rc)
        rc = ot_buf_putc(out, '\0');
    if (rc && out->len > mark) {
        out->len = mark; /* nothing half-written */
        out->data[mark] = '\0';
    }
    return rc;
}

static int get_str(const uint8_t *p, size_t n, size_t *off, const char **s)
{
    if (*off > n || n - *off < 3)
        return OT_ECORRUPT;
    size_t len = (size_t)p[*off] | (size_t)p[*off + 1] << 8;
    *off += 2;
    if (n - *off < len + 1 || p[*off + len] != '\0')
        return OT_ECORRUPT;
    *s = (const char *)p + *off;
    *off += len + 1;
    return OT_OK;
}

static int get_facts(const uint8_t *p, size_t n, size_t *off, ot_event *e)
{
    if (n - *off < 1 || p[*off] > OT_CONSOLE_TRUE)
        return OT_ECORRUPT;
    e->console = p[(*off)++];
    const char **strs[] = {&e->event_type, &e->user_arn, &e->error_code};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (get_str(p, n, off, strs[i]))
            return OT_ECORRUPT;
    if (n - *off < 2)
        return OT_ECORRUPT;
    e->nresources = (size_t)p[*off] | (size_t)p[*off + 1] << 8;
    *off += 2;
    size_t start = *off;
    const char *skip;
    for (size_t i = 0; i < 2 * e->nresources; i++)
        if (get_str(p, n, off, &skip))
            return OT_ECORRUPT;
    e->resources_raw = p + start;
    e->resources_raw_len = *off - start;
    return OT_OK;
}

int ot_event_decode(const void *payload, size_t n, ot_event *e)
{
    const uint8_t *p = payload;
    if (n < 12 || p[0] != EVENT_MAGIC || (p[1] != 1 && p[1] != 2))
        return OT_ECORRUPT;
    memset(e, 0, sizeof *e);
    e->event_type = e->user_arn = e->error_code = "";
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t |= (uint64_t)p[2 + i] << (8 * i);
    e->ingest_ms = (int64_t)t;
    e->category = p[10];
    e->rw = p[11];
    size_t off = 12;
    const char **strs[] = {&e->account_id, &e->region, &e->event_source, &e->event_name,
                           &e->event_id, &e->channel_arn};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (get_str(p, n, &off, strs[i]))
            return OT_ECORRUPT;
    if (p[1] == 2 && get_facts(p, n, &off, e))
        return OT_ECORRUPT;
    if (n - off < 4)
        return OT_ECORRUPT;
    size_t jl = (size_t)p[off] | (size_t)p[off + 1] << 8 | (size_t)p[off + 2] << 16 |
                (size_t)p[off + 3] << 24;
    off += 4;
    if (n - off != jl + 1 || p[off + jl] != '\0')
        return OT_ECORRUPT;
    e->json = (const char *)p + off;
    e->json_len = jl;
    return OT_OK;
}

bool ot_event_resource_next(const ot_event *e, size_t *cursor, ot_event_resource *out)
{
    if (e->resources) {
        if (*cursor >= e->nresources)
            return false;
        *out = e->resources[(*cursor)++];
        if (!out->type)
            out->type = "";
        if (!out->arn)
            out->arn = "";
        return true;
    }
    if (!e->resources_raw || *cursor >= e->resources_raw_len)
        return false;
    /* decode checked the layout: two NUL-terminated strings with u16 lengths */
    const uint8_t *p = e->resources_raw + *cursor;
    size_t tl = (size_t)p[0] | (size_t)p[1] << 8;
    out->type = (const char *)p + 2;
    p += 2 + tl + 1;
    size_t al = (size_t)p[0] | (size_t)p[1] << 8;
    out->arn = (const char *)p + 2;
    *cursor += 2 + tl + 1 + 2 + al + 1;
    return true;
}
