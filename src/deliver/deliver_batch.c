/* deliver_batch.c — the open batches of a trail: one growing log file per (account, region).
 *
 * This is the hot path: an event costs a lookup (usually the slot of the previous event) and
 * one append of its JSON. Buffers are kept across seals so the steady state allocates nothing. */
#include "deliver/deliver_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/timeutil.h"
#include "util/vec.h"

static const char HEAD[] = "{\"Records\":[";

static bool slot_matches(const ot_deliver_batch *b, const ot_event *e)
{
    return strcmp(b->account_id, e->account_id) == 0 && strcmp(b->region, e->region) == 0;
}

static int slot_find(ot_deliver_batchset *s, const ot_event *e, ot_deliver_batch **out)
{
    if (s->last < s->n && slot_matches(&s->v[s->last], e)) {
        *out = &s->v[s->last];
        return OT_OK;
    }
    for (size_t i = 0; i < s->n; i++)
        if (slot_matches(&s->v[i], e)) {
            s->last = i;
            *out = &s->v[i];
            return OT_OK;
        }
    if (strlen(e->account_id) >= sizeof s->v[0].account_id ||
        strlen(e->region) >= sizeof s->v[0].region)
        return OT_EINVAL;
    size_t old_cap = s->cap;
    if (OT_VEC_GROW(s->v, s->cap, s->n + 1))
        return OT_ENOMEM;
    /* new slots start empty; older ones past n keep their body's memory for reuse */
    memset(s->v + old_cap, 0, (s->cap - old_cap) * sizeof *s->v);
    ot_deliver_batch *b = &s->v[s->n];
    strcpy(b->account_id, e->account_id);
    strcpy(b->region, e->region);
    ot_buf_reset(&b->body);
    b->events = 0;
    s->last = s->n++;
    *out = b;
    return OT_OK;
}

/* The record's eventTime (for the digest's oldest/newest event times): the first
 * "eventTime" member, which records carry near their start; the ingest time if absent. */
static int64_t event_time(const ot_event *e)
{
    static const char K[] = "\"eventTime\":\"";
    const char *p = memmem(e->json, e->json_len, K, sizeof K - 1);
    int64_t ms;
    char iso[40];
    if (p) {
        p += sizeof K - 1;
        size_t n = 0;
        while (p + n < e->json + e->json_len && p[n] != '"' && n < sizeof iso - 1)
            n++;
        memcpy(iso, p, n);
        iso[n] = '\0';
        if (ot_time_parse_iso8601(iso, &ms) == 0)
            return ms;
    }
    return e->ingest_ms;
}

int ot_deliver_batchset_add(ot_deliver_batchset *s, const ot_event *e)
{
    ot_deliver_batch *b;
    int rc = slot_find(s, e, &b);
    if (rc)
        return rc;
    size_t before = b->body.len;
    rc = ot_buf_reserve(&b->body, sizeof HEAD + e->json_len + 1);
    if (rc)
        return rc;
    if (b->events == 0)
        ot_buf_append(&b->body, HEAD, sizeof HEAD - 1);
    else
        ot_buf_putc(&b->body, ',');
    ot_buf_append(&b->body, e->json, e->json_len);
    int64_t t = event_time(e);
    if (b->events == 0 || t < b->oldest_ms)
        b->oldest_ms = t;
    if (b->events == 0 || t > b->newest_ms)
        b->newest_ms = t;
    b->events++;
    s->events++;
    s->bytes += b->body.len - before;
    return OT_OK;
}

int ot_deliver_batch_close(ot_deliver_batch *b)
{
    return ot_buf_append(&b->body, "]}", 2);
}

bool ot_deliver_batchset_has_channel(const ot_deliver_batchset *s, const char *channel_arn)
{
    for (size_t i = 0; i < s->nchans; i++)
        if (strcmp(s->chans[i], channel_arn) == 0)
            return true;
    return false;
}

int ot_deliver_batchset_note_channel(ot_deliver_batchset *s, const char *channel_arn)
{
    if (ot_deliver_batchset_has_channel(s, channel_arn))
        return OT_OK;
    if (strchr(channel_arn, '\n'))
        return OT_EINVAL;
    if (OT_VEC_GROW(s->chans, s->capchans, s->nchans + 1))
        return OT_ENOMEM;
    if (!(s->chans[s->nchans] = strdup(channel_arn)))
        return OT_ENOMEM;
    s->nchans++;
    return OT_OK;
}

char *ot_deliver_batchset_channels(const ot_deliver_batchset *s)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    int rc = ot_buf_reserve(&b, 1);
    for (size_t i = 0; !rc && i < s->nchans; i++) {
        if (i)
            rc = ot_buf_putc(&b, '\n');
        if (!rc)
            rc = ot_buf_puts(&b, s->chans[i]);
    }
    if (rc) {
        ot_buf_free(&b);
        return NULL;
    }
    return ot_buf_take(&b, NULL);
}

int ot_deliver_batchset_set_channels(ot_deliver_batchset *s, const char *joined)
{
    const char *p = joined ? joined : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char one[512];
        if (n >= sizeof one)
            return OT_EINVAL;
        memcpy(one, p, n);
        one[n] = '\0';
        if (n) {
            int rc = ot_deliver_batchset_note_channel(s, one);
            if (rc)
                return rc;
        }
        p += n + (nl ? 1 : 0);
    }
    return OT_OK;
}

static void chans_clear(ot_deliver_batchset *s)
{
    for (size_t i = 0; i < s->nchans; i++)
        free(s->chans[i]);
    free(s->chans);
    s->chans = NULL;
    s->nchans = s->capchans = 0;
}

void ot_deliver_batchset_reset(ot_deliver_batchset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        ot_buf_reset(&s->v[i].body);
        s->v[i].events = 0;
    }
    s->n = 0;
    s->last = 0;
    s->events = s->bytes = 0;
    chans_clear(s);
}

void ot_deliver_batchset_free(ot_deliver_batchset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        ot_buf_free(&s->v[i].body);
    free(s->v);
    chans_clear(s);
    memset(s, 0, sizeof *s);
}
