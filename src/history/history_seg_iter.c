/* history_seg_iter.c — a query's matching rows in one segment, newest first.
 *
 * The driving attribute (chosen as for history.db) names posting lists: one for a region, or
 * one per region of the segment when the query has none, merged by row number. Rows are in
 * (time, id) order, so the time range, the page cursor and the retention cut are a row range
 * [lo, hi) found by binary search, and each list starts at its last entry below hi. The other
 * attributes are checked per row. */
#include "history/history_seg.h"

#include <string.h>

#include "history/history_int.h"

static int kind_of(ot_history_key k)
{
    switch (k) {
    case OT_HK_EVENT_NAME: return SEGK_NAME;
    case OT_HK_READ_ONLY: return SEGK_RO;
    case OT_HK_USERNAME: return SEGK_USER;
    case OT_HK_RESOURCE_TYPE: return SEGK_RTYPE;
    case OT_HK_RESOURCE_NAME: return SEGK_RNAME;
    case OT_HK_EVENT_SOURCE: return SEGK_SOURCE;
    case OT_HK_ACCESS_KEY_ID: return SEGK_AKID;
    default: return SEGK_ALL;
    }
}

/* Index of the last entry of p[0..n) below hi, or -1. */
static int64_t last_below(const uint32_t *p, uint32_t n, uint64_t hi)
{
    uint64_t lo = 0, h = n;
    while (lo < h) {
        uint64_t mid = lo + (h - lo) / 2;
        if (p[mid] < hi)
            lo = mid + 1;
        else
            h = mid;
    }
    return (int64_t)lo - 1;
}

static void add_list(seg_iter *it, int kind, const char *value, const char *region)
{
    uint32_t n;
    const uint32_t *p = hist_seg_postings(it->s, kind, it->q->cat, value, region, &n);
    if (!p || !n || it->nlists == (int)(sizeof it->lists / sizeof *it->lists))
        return;
    it->lists[it->nlists].p = p;
    it->lists[it->nlists].pos = last_below(p, n, it->hi);
    it->nlists++;
}

/* The lists of (kind, value) in the query's region, or in every region of the segment. */
static void add_lists(seg_iter *it, int kind, const char *value)
{
    if (it->q->region) {
        add_list(it, kind, value, it->q->region);
        return;
    }
    for (uint64_t i = 0; i < it->s->hd->nregions; i++) {
        const char *r = hist_seg_str(it->s, it->s->regions[i]);
        if (r)
            add_list(it, kind, value, r);
    }
}

void seg_iter_init(seg_iter *it, const hist_seg *s, const ot_history_query *q, int64_t cut)
{
    memset(it, 0, sizeof *it);
    it->s = s;
    it->q = q;
    it->single = -1;
    int64_t from = q->start_ms > cut ? q->start_ms : cut;
    it->lo = hist_seg_lower(s, from, INT64_MIN);
    it->hi = q->end_ms == INT64_MAX ? s->hd->n : hist_seg_lower(s, q->end_ms + 1, INT64_MIN);
    if (q->after) {
        uint64_t c = hist_seg_lower(s, q->after->time_ms, q->after->id);
        it->hi = c < it->hi ? c : it->hi;
    }
    if (it->lo >= it->hi)
        return;
    it->driver = hist_query_driver(q);
    if (it->driver < 0) {
        add_lists(it, SEGK_ALL, "");
        return;
    }
    ot_history_key k = q->attrs[it->driver].key;
    const char *v = q->attrs[it->driver].value;
    if (k == OT_HK_EVENT_ID) {
        int64_t r = hist_seg_find_eid(s, v, strlen(v));
        it->single = r >= (int64_t)it->lo && r < (int64_t)it->hi ? r : -1;
        return;
    }
    add_lists(it, kind_of(k), v);
}

static bool has_key(const hist_seg *s, int kind, int cat, const char *value, const char *region,
                    uint64_t row)
{
    uint32_t n;
    const uint32_t *p = hist_seg_postings(s, kind, cat, value, region, &n);
    if (!p)
        return false;
    int64_t i = last_below(p, n, row + 1);
    return i >= 0 && p[i] == row;
}

static bool str_is(const hist_seg *s, uint32_t off, const char *v)
{
    const char *x = hist_seg_str(s, off);
    return x && !strcmp(x, v);
}

/* Everything the query asks of the row except the driving attribute's list membership. */
static bool matches(const seg_iter *it, uint64_t row)
{
    const hist_seg *s = it->s;
    const ot_history_query *q = it->q;
    const seg_row *r = &s->rows[row];
    const char *region = hist_seg_str(s, r->region);
    if (r->cat != q->cat || !region || (q->region && strcmp(region, q->region)))
        return false;
    for (size_t i = 0; i < q->nattrs; i++) {
        if ((int)i == it->driver && q->attrs[i].key != OT_HK_EVENT_ID)
            continue;
        const char *v = q->attrs[i].value;
        bool ok;
        switch (q->attrs[i].key) {
        case OT_HK_EVENT_ID: ok = str_is(s, r->eid, v); break;
        case OT_HK_EVENT_NAME: ok = str_is(s, r->name, v); break;
        case OT_HK_EVENT_SOURCE: ok = str_is(s, r->source, v); break;
        case OT_HK_USERNAME: ok = str_is(s, r->user, v); break;
        case OT_HK_ACCESS_KEY_ID: ok = str_is(s, r->akid, v); break;
        case OT_HK_READ_ONLY: ok = r->ro == (!strcmp(v, "true") ? 1 : !strcmp(v, "false") ? 0 : -2); break;
        default: ok = has_key(s, kind_of(q->attrs[i].key), r->cat, v, region, row); break;
        }
        if (!ok)
            return false;
    }
    return true;
}

int64_t seg_iter_next(seg_iter *it)
{
    for (;;) {
        int64_t row = -1;
        if (it->single >= 0) {
            row = it->single;
            it->single = -1;
        } else {
            int best = -1;
            for (int i = 0; i < it->nlists; i++) {
                int64_t pos = it->lists[i].pos;
                if (pos < 0 || it->lists[i].p[pos] < it->lo)
                    continue;
                if (best < 0 || it->lists[i].p[pos] > it->lists[best].p[it->lists[best].pos])
                    best = i;
            }
            if (best < 0)
                return -1;
            row = it->lists[best].p[it->lists[best].pos--];
        }
        if (row < 0)
            return -1;
        if ((uint64_t)row < it->s->hd->n && matches(it, (uint64_t)row))
            return row;
    }
}
