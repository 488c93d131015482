/* vl_walk.c — find the digest chains in the source and walk each from newest to oldest, the
 * way `aws cloudtrail validate-logs` does (following each digest's previousDigestS3Object,
 * else the next older key listed), checking what it does not: that each digest's
 * previousDigestSignature / previousDigestHashValue name the digest actually found there, that
 * windows join up (newer start = older end), that the chain goes back in time, and that every
 * digest listed in range is reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/vec.h"
#include "validate/vl_int.h"


int vl_item_push(vl_run *r, vl_item_type type, bool backfill, const char *bucket,
                 const char *key, size_t *index)
{
    if (OT_VEC_GROW(r->items, r->cap, r->nitems + 1))
        return OT_ENOMEM;
    vl_item *it = &r->items[r->nitems];
    memset(it, 0, sizeof *it);
    it->type = type;
    it->backfill = backfill;
    it->bucket = bucket ? strdup(bucket) : NULL;
    it->key = key ? strdup(key) : NULL;
    if ((bucket && !it->bucket) || (key && !it->key)) {
        free(it->bucket);
        free(it->key);
        return OT_ENOMEM;
    }
    if (index)
        *index = r->nitems;
    r->nitems++;
    return OT_OK;
}

void vl_items_free(vl_run *r)
{
    for (size_t i = 0; i < r->nitems; i++) {
        free(r->items[i].bucket);
        free(r->items[i].key);
    }
    free(r->items);
    r->items = NULL;
    r->nitems = r->cap = 0;
}

bool vl_selected(const vl_run *r, const vl_dkey *k)
{
    const ot_validate_opts *o = r->o;
    if (r->want_account[0] && strcmp(k->account, r->want_account))
        return false;
    if (r->want_trail[0] && (strcmp(k->trail, r->want_trail) || strcmp(k->home, r->want_home)))
        return false;
    if (o->region && strcmp(k->region, o->region))
        return false;
    return true;
}

int vl_collect(vl_run *r, char *err, size_t errlen)
{
    char prefix[1100];
    snprintf(prefix, sizeof prefix, "%s%s", r->src->prefix,
             r->src->prefix[0] ? "/AWSLogs/" : "");
    int rc = r->src->ops->list(r->src, r->src->bucket, prefix, &r->listed, err, errlen);
    if (rc)
        return rc;
    int64_t oldest = -1;
    for (size_t i = 0; i < r->listed.n; i++) {
        vl_dkey k;
        if (!vl_parse_digest_key(r->listed.v[i], &k))
            continue;
        if (!vl_selected(r, &k)) {
            if (!vl_strv_has(&r->excluded_bases, k.base) && (rc = vl_strv_push(&r->excluded_bases, k.base)))
                return rc;
            continue;
        }
        if (oldest < 0 || k.ms < oldest)
            oldest = k.ms;
    }
    if (r->start_ms < 0) /* from the oldest digest's window on */
        r->start_ms = oldest < 0 ? r->end_ms : (oldest - HOUR_MS) / 1000 * 1000;
    for (size_t i = 0; i < r->listed.n; i++) {
        vl_dkey k;
        if (!vl_parse_digest_key(r->listed.v[i], &k) || !vl_selected(r, &k))
            continue;
        if (k.ms / 1000 < r->start_ms / 1000 || k.ms > r->end_ms + HOUR_MS)
            continue;
        if (!vl_strv_has(&r->groups, k.group) && (rc = vl_strv_push(&r->groups, k.group)))
            return rc;
    }
    return OT_OK;
}

/* One chain's walk state. */
typedef struct walk {
    vl_run *r;
    const char *home;
    bool backfill;
    const char **keys;     /* listed keys of the chain in range, oldest first */
    int64_t *ms;
    bool *seen;
    size_t n, top;         /* keys[0..top) not yet popped */
    vl_digest newer;       /* the last valid digest, if it links to the next one */
    bool have_newer;
    size_t newer_item;
} walk;

/* The CLI's _get_last_digest: pops listed keys until one older than before_ms. */
static const char *next_older(walk *w, int64_t before_ms)
{
    while (w->top > 0) {
        size_t i = --w->top;
        if (before_ms < 0 || w->ms[i] < before_ms)
            return w->keys[i];
    }
    return NULL;
}

static void mark_seen(walk *w, const char *key)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->keys[i], key))
            w->seen[i] = true;
}

static void flag(vl_run *r, size_t item, const char *fmt, const char *a, const char *b)
{
    vl_item *it = &r->items[item];
    if (!it->valid)
        return; /* keep the first reason */
    it->valid = false;
    snprintf(it->reason, sizeof it->reason, fmt, a, b);
}

/* The newer digest's claims about the one it names as previous, which the CLI never checks. */
static void check_link(walk *w, const vl_digest *d)
{
    vl_run *r = w->r;
    const vl_digest *n = &w->newer;
    char uri[1400], t1[32], t2[32];
    snprintf(uri, sizeof uri, "s3://%s/%s", d->bucket, d->key);
    if (strcmp(n->prev_sig, d->sig))
        flag(r, w->newer_item, "previousDigestSignature does not match the signature of %s%s",
             uri, "");
    else if (strcmp(n->prev_hash, d->body_sha))
        flag(r, w->newer_item, "previousDigestHashValue does not match the SHA-256 of %s%s", uri,
             "");
    else if (d->end_ms >= n->end_ms)
        flag(r, w->newer_item, "previous digest %s is not older than this one%s", uri, "");
    else if (n->start_ms != d->end_ms) {
        vl_fmt_time(n->start_ms, t1);
        vl_fmt_time(d->end_ms, t2);
        char msg[200];
        snprintf(msg, sizeof msg, "digestStartTime %s does not continue the previous digest's "
                 "digestEndTime %s", t1, t2);
        flag(r, w->newer_item, "%s%s", msg, "");
    }
}

static int push_digest(walk *w, const vl_digest *d, bool valid, const char *reason,
                       size_t *index)
{
    vl_run *r = w->r;
    int rc = vl_item_push(r, VL_IT_DIGEST, w->backfill, d->bucket, d->key, index);
    if (rc)
        return rc;
    vl_item *it = &r->items[*index];
    it->valid = valid;
    if (!valid)
        snprintf(it->reason, sizeof it->reason, "%s", reason);
    it->start_ms = d->start_ms;
    it->end_ms = d->end_ms;
    it->linked = valid && d->prev_object && d->prev_bucket;
    for (size_t i = 0; valid && i < d->nlogs; i++) {
        size_t li;
        if ((rc = vl_item_push(r, VL_IT_LOG, false, d->logs[i].bucket, d->logs[i].key, &li)))
            return rc;
        snprintf(r->items[li].hash, sizeof r->items[li].hash, "%s", d->logs[i].hash);
    }
    return OT_OK;
}

static int gap(walk *w, const char *next_key, int64_t last_start)
{
    vl_dkey k;
    size_t gi;
    char a[32], b[32];
    int rc;
    if (!vl_parse_digest_key(next_key, &k) ||
        (rc = vl_item_push(w->r, VL_IT_GAP, w->backfill, NULL, NULL, &gi)))
        return OT_OK;
    vl_fmt_time(k.ms, a);
    vl_fmt_time(last_start, b);
    snprintf(w->r->items[gi].reason, sizeof w->r->items[gi].reason,
             "No log files were delivered by CloudTrail between %s and %s", a, b);
    return OT_OK;
}

static void drop_newer(walk *w)
{
    if (w->have_newer)
        vl_digest_free(&w->newer);
    w->have_newer = false;
}

/* One step: validate key; returns the next key to visit (or NULL). */
static int step(walk *w, const char **key, char **bucket, int64_t *last_start)
{
    vl_run *r = w->r;
    vl_digest d;
    char reason[600];
    size_t item;
    const char *vouched = NULL;
    if (w->have_newer && !strcmp(w->newer.prev_object, *key) &&
        !strcmp(w->newer.prev_bucket, *bucket))
        vouched = w->newer.prev_sig;
    mark_seen(w, *key);
    int rc = vl_digest_load(r->src, *bucket, *key, &r->keys, w->home, vouched, &d, reason,
                            sizeof reason);
    if (rc == OT_ENOMEM) {
        vl_digest_free(&d);
        return rc;
    }
    if (rc) {
        rc = push_digest(w, &d, false, reason, &item);
        vl_dkey k;
        int64_t before = vl_parse_digest_key(d.key, &k) ? k.ms : -1;
        vl_digest_free(&d);
        drop_newer(w);
        *key = next_older(w, before);
        return rc;
    }
    if ((rc = push_digest(w, &d, true, NULL, &item))) {
        vl_digest_free(&d);
        return rc;
    }
    if (w->have_newer)
        check_link(w, &d);
    drop_newer(w);
    *last_start = d.start_ms;
    if (!d.prev_object || !d.prev_bucket) {
        vl_dkey k;
        int64_t before = vl_parse_digest_key(d.key, &k) ? k.ms : d.end_ms;
        *key = next_older(w, before);
        if (*key)
            gap(w, *key, *last_start);
        vl_digest_free(&d);
        return OT_OK;
    }
    w->newer = d;
    w->have_newer = true;
    w->newer_item = item;
    free(*bucket);
    *bucket = strdup(d.prev_bucket);
    *key = w->newer.prev_object;
    return *bucket ? OT_OK : OT_ENOMEM;
}

static int walk_chain(vl_run *r, const char *group, bool backfill)
{
    walk w = {.r = r, .backfill = backfill};
    vl_dkey k;
    int rc = OT_OK;
    w.keys = calloc(r->listed.n + 1, sizeof *w.keys);
    w.ms = calloc(r->listed.n + 1, sizeof *w.ms);
    w.seen = calloc(r->listed.n + 1, sizeof *w.seen);
    char *bucket = strdup(r->src->bucket);
    if (!w.keys || !w.ms || !w.seen || !bucket) {
        rc = OT_ENOMEM;
        goto out;
    }
    char home[32] = "";
    for (size_t i = 0; i < r->listed.n; i++) {
        if (!vl_parse_digest_key(r->listed.v[i], &k) || strcmp(k.group, group) ||
            k.backfill != backfill || k.ms / 1000 < r->start_ms / 1000 ||
            k.ms > r->end_ms + HOUR_MS)
            continue;
        snprintf(home, sizeof home, "%s", k.home);
        w.keys[w.n] = r->listed.v[i];
        w.ms[w.n++] = k.ms;
    }
    w.home = home;
    w.top = w.n;
    const char *key = next_older(&w, -1);
    int64_t last_start = key ? w.ms[w.top] : 0;
    size_t guard = 2 * w.n + 16;
    while (key && r->start_ms <= last_start && guard-- > 0 && !rc)
        rc = step(&w, &key, &bucket, &last_start);
    drop_newer(&w);
    /* digests listed in range that no walk reached: checked on their own */
    for (size_t i = 0; i < w.n && !rc; i++) {
        if (w.seen[i] || w.ms[i] < r->start_ms)
            continue;
        const char *k1 = w.keys[i];
        int64_t ls = 0;
        char *b1 = strdup(r->src->bucket);
        if (!b1) {
            rc = OT_ENOMEM;
            break;
        }
        w.top = 0; /* no listing fallback for these */
        rc = step(&w, &k1, &b1, &ls);
        drop_newer(&w);
        free(b1);
    }
out:
    free(bucket);
    free(w.keys);
    free(w.ms);
    free(w.seen);
    return rc;
}

int vl_walk_all(vl_run *r)
{
    int rc = OT_OK;
    for (int pass = 0; pass < 2 && !rc; pass++)
        for (size_t g = 0; g < r->groups.n && !rc; g++)
            rc = walk_chain(r, r->groups.v[g], pass == 1);
    return rc;
}
