/* vl_tail.c — a chain must reach as far as it is known to reach.
 *
 * The backward walk starts at the newest digest it finds, so deleting the newest digests (with
 * or without the log files they list), or all of AWSLogs/, leaves a shorter chain that is valid
 * in itself; `aws cloudtrail validate-logs` reports nothing. Two things say how far a chain
 * should reach:
 *
 *  - an opentrail data dir (--data-dir) knows each chain's head, the newest digest it committed
 *    (vl_heads.c): in the requested range, that digest must be there;
 *  - while a trail logs with validation on, a digest is written every interval even when no log
 *    file was delivered (AWS: every hour). With an explicit --end-time T, a chain whose newest
 *    digest E is a full interval long (a regular digest, not the short final one written when
 *    logging stops) must have its next digest, ending at E + interval, once T is an interval
 *    past that. The interval is the most common window length among the chain's other digests
 *    (the longer on a tie; one hour if there are none). A trail stopped exactly on a digest boundary looks like one still logging:
 *    --end-time should then not go past the stop (or use --data-dir, which knows).
 *
 * A missing tail is reported as the CLI reports a missing digest — `Digest file <uri> INVALID:
 * not found` — naming the digest that should be there, with why in parentheses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/timeutil.h"
#include "validate/vl_int.h"


/* The newest valid standard digest of a chain group, and the chain's interval: the most common
 * window length among its other valid digests (the longer one on a tie; 0 if there are none).
 * A late writer makes a window of several intervals and a stop a short one; neither is common. */
typedef struct chain_tail {
    const vl_item *newest;
    int64_t interval;
    bool any_newer;   /* a digest item (valid or not) newer than newest: reported already */
} chain_tail;

static int64_t common_length(const int64_t *len, size_t n)
{
    int64_t best = 0;
    size_t best_n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        for (size_t j = 0; j < n; j++)
            c += len[j] == len[i];
        if (c > best_n || (c == best_n && len[i] > best)) {
            best = len[i];
            best_n = c;
        }
    }
    return best;
}

static bool in_chain(const vl_item *it, const char *group, vl_dkey *k)
{
    return it->type == VL_IT_DIGEST && !it->backfill && vl_parse_digest_key(it->key, k) &&
           !strcmp(k->group, group);
}

static int find_tail(const vl_run *r, const char *group, chain_tail *t)
{
    memset(t, 0, sizeof *t);
    int64_t newest_any = -1;
    size_t n = 0;
    vl_dkey k;
    for (size_t i = 0; i < r->nitems; i++) {
        const vl_item *it = &r->items[i];
        if (!in_chain(it, group, &k))
            continue;
        newest_any = k.ms > newest_any ? k.ms : newest_any;
        if (it->valid && (!t->newest || it->end_ms > t->newest->end_ms))
            t->newest = it;
        n += it->valid;
    }
    if (!t->newest)
        return OT_OK;
    t->any_newer = newest_any > t->newest->end_ms;
    int64_t *len = calloc(n, sizeof *len);
    if (!len)
        return OT_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < r->nitems; i++) {
        const vl_item *it = &r->items[i];
        if (it != t->newest && it->valid && in_chain(it, group, &k))
            len[m++] = it->end_ms - it->start_ms;
    }
    t->interval = common_length(len, m);
    free(len);
    return OT_OK;
}

static bool have_item(const vl_run *r, const char *bucket, const char *key)
{
    for (size_t i = 0; i < r->nitems; i++)
        if (r->items[i].type == VL_IT_DIGEST && !strcmp(r->items[i].key, key) &&
            !strcmp(r->items[i].bucket, bucket))
            return true;
    return false;
}

static int push_missing(vl_run *r, const char *bucket, const char *key, const char *why)
{
    size_t idx;
    int rc = vl_item_push(r, VL_IT_DIGEST, false, bucket, key, &idx);
    if (!rc)
        snprintf(r->items[idx].reason, sizeof r->items[idx].reason, "not found (%s)", why);
    return rc;
}

static void describe_newest(const chain_tail *t, char *out, size_t cap)
{
    char e[32];
    if (!t->newest) {
        snprintf(out, cap, "no digest of this chain was found");
        return;
    }
    vl_fmt_time(t->newest->end_ms, e);
    snprintf(out, cap, "the newest found ends at %s: s3://%s/%s", e, t->newest->bucket,
             t->newest->key);
}

/* --data-dir: each selected chain head of this bucket in range must have been found. Returns the
 * groups it judged in judged (the data dir knows where those end). */
static int check_heads(vl_run *r, vl_strv *judged)
{
    const vl_source *src = r->src;
    int rc = OT_OK;
    for (size_t i = 0; i < r->nheads && !rc; i++) {
        const vl_head *h = &r->heads[i];
        vl_dkey k;
        if (!vl_parse_digest_key(h->key, &k) || !vl_selected(r, &k) ||
            strcmp(h->bucket, src->bucket) || strncmp(h->key, src->prefix, strlen(src->prefix)))
            continue;
        if (h->end_ms > r->end_ms + HOUR_MS ||
            (r->o->start_ms >= 0 && h->end_ms < r->start_ms))
            continue; /* outside the requested range */
        if ((rc = vl_strv_push(judged, k.group)) || have_item(r, h->bucket, h->key))
            continue;
        chain_tail t;
        if ((rc = find_tail(r, k.group, &t)))
            break;
        char e[32], newest[1400], why[1600];
        vl_fmt_time(h->end_ms, e);
        describe_newest(&t, newest, sizeof newest);
        snprintf(why, sizeof why, "the data dir's chain head: digests were written up to %s; %s",
                 e, newest);
        rc = push_missing(r, h->bucket, h->key, why);
    }
    return rc;
}

/* The key of the digest of the same chain ending at ms: same folder and name, other date. */
static bool key_at(const char *key, int64_t ms, char *out, size_t cap)
{
    size_t len = strlen(key);
    char ts[32];
    vl_fmt_time(ms, ts); /* YYYY-MM-DDTHH:MM:SSZ */
    const char *file = strrchr(key, '/');
    if (len < 24 || !file || file - key < 10 || len + 1 > cap)
        return false;
    memcpy(out, key, len + 1);
    char *date = out + (file - key) - 10; /* YYYY/MM/DD */
    memcpy(date, ts, 4);
    memcpy(date + 5, ts + 5, 2);
    memcpy(date + 8, ts + 8, 2);
    char *stamp = out + len - 24; /* YYYYMMDDTHHMMSSZ */
    const char basic[] = {ts[0], ts[1], ts[2],  ts[3],  ts[5],  ts[6],  ts[8],  ts[9],
                          'T',   ts[11], ts[12], ts[14], ts[15], ts[17], ts[18], 'Z'};
    memcpy(stamp, basic, sizeof basic);
    return true;
}

static void fmt_dur(int64_t ms, char *out, size_t cap)
{
    int64_t s = ms / 1000;
    if (s % 3600 == 0)
        snprintf(out, cap, "%lldh", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(out, cap, "%lldm", (long long)(s / 60));
    else
        snprintf(out, cap, "%llds", (long long)s);
}

/* Explicit --end-time: a regular newest digest means the trail was still logging; its successor
 * is due one interval later and delivered within another. */
static int check_cadence(vl_run *r, const char *group, int64_t end_time)
{
    chain_tail t;
    int rc = find_tail(r, group, &t);
    if (rc || !t.newest || t.any_newer)
        return rc;
    int64_t iv = t.interval > 0 ? t.interval : HOUR_MS;
    int64_t len = t.newest->end_ms - t.newest->start_ms, due = t.newest->end_ms + iv;
    if (len < iv || end_time < due + iv)
        return OT_OK;
    char key[1200], e[32], d[32], T[32], ivs[32], why[1600];
    if (!key_at(t.newest->key, due, key, sizeof key))
        return OT_OK;
    vl_fmt_time(t.newest->end_ms, e);
    vl_fmt_time(due, d);
    vl_fmt_time(end_time, T);
    fmt_dur(iv, ivs, sizeof ivs);
    snprintf(why, sizeof why,
             "the chain stops at %s with s3://%s/%s; a logging trail gets a digest every %s, so "
             "one ending at %s is due well before --end-time %s; if logging or validation "
             "stopped at %s, validate with --end-time %s",
             e, t.newest->bucket, t.newest->key, ivs, d, T, e, e);
    return push_missing(r, t.newest->bucket, key, why);
}

int vl_check_tails(vl_run *r)
{
    vl_strv judged = {0};
    int rc = check_heads(r, &judged);
    if (!rc && r->o->end_ms >= 0) {
        int64_t now = ot_now_ms() / 1000 * 1000;
        int64_t end_time = r->o->end_ms < now ? r->o->end_ms : now;
        size_t ngroups = r->groups.n;
        for (size_t g = 0; g < ngroups && !rc; g++)
            if (!vl_strv_has(&judged, r->groups.v[g]))
                rc = check_cadence(r, r->groups.v[g], end_time);
    }
    vl_strv_free(&judged);
    return rc;
}
