/* vl_unref.c — log files that no digest references.
 *
 * A digest lists the log files delivered during its window. A log file's name holds the minute
 * it was written (sealed), and its delivery is recorded for the digests within moments of that
 * — later only if the write had to be retried. So an unlisted log file is INVALID (an inserted
 * or renamed file) only when digests certainly covered the moments it could have been
 * delivered at: its whole name minute, plus LAG_MS, lies inside the covered span of a chain of
 * its account and region. A span is a valid digest's window, joined with the windows before it
 * as long as each digest names a previous one (the chain ran without a break; a previous digest
 * that is missing or INVALID is reported on its own and still counts as a link).
 *
 * Otherwise the file cannot be judged and is counted as not covered: delivered while validation
 * was off, before a chain started, or after — or in the last minutes of — the newest digest of
 * its chain: on a live bucket, the next digest will list it. Bases where the filters left another
 * trail's chain out are skipped: that trail's digests may list the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "validate/vl_int.h"

#define MINUTE_MS (60 * 1000LL)
#define LAG_MS (5 * MINUTE_MS) /* name minute to recorded delivery: seconds, minutes at most */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One valid digest window, then (after merging) one covered span. */
typedef struct window {
    char base[1200];
    char group[1400];
    bool backfill, linked;
    int64_t start, end;
} window;

static int cmp_window(const void *a, const void *b)
{
    const window *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (c)
        return c;
    if (x->backfill != y->backfill)
        return x->backfill ? 1 : -1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Merges the sorted windows of each chain into spans, in place; returns how many. */
static size_t merge_spans(window *w, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        window *last = k ? &w[k - 1] : NULL;
        bool joins = last && w[i].linked && !w[i].backfill && !last->backfill &&
                     !strcmp(last->group, w[i].group);
        if (joins) {
            if (w[i].end > last->end)
                last->end = w[i].end;
        } else {
            w[k++] = w[i];
        }
    }
    return k;
}

/* True if the digests certainly covered every moment a file named at minute ms of base could
 * have been delivered at. */
static bool certainly_covered(const window *spans, size_t n, const char *base, int64_t ms)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(spans[i].base, base) && spans[i].start < ms &&
            ms + MINUTE_MS + LAG_MS <= spans[i].end)
            return true;
    return false;
}

static size_t collect(vl_run *r, char **refs, size_t *nref, window *wins)
{
    size_t nwin = 0;
    for (size_t i = 0; i < r->nitems; i++) {
        vl_item *it = &r->items[i];
        if (it->type == VL_IT_LOG && !strcmp(it->bucket, r->src->bucket))
            refs[(*nref)++] = it->key;
        vl_dkey k;
        if (it->type == VL_IT_DIGEST && it->valid && it->end_ms > 0 &&
            vl_parse_digest_key(it->key, &k)) {
            window *w = &wins[nwin++];
            memcpy(w->base, k.base, sizeof k.base);
            memcpy(w->group, k.group, sizeof k.group);
            w->backfill = it->backfill;
            w->linked = it->linked;
            w->start = it->start_ms;
            w->end = it->end_ms;
        }
    }
    return nwin;
}

int vl_find_unreferenced(vl_run *r)
{
    size_t nref = 0, nwin = 0, ndigests = 0;
    for (size_t i = 0; i < r->nitems; i++)
        ndigests += r->items[i].type == VL_IT_DIGEST;
    char **refs = calloc(r->nitems + 1, sizeof *refs);
    window *wins = calloc(ndigests + 1, sizeof *wins);
    int rc = OT_OK;
    if (!refs || !wins) {
        rc = OT_ENOMEM;
        goto out;
    }
    nwin = collect(r, refs, &nref, wins);
    qsort(refs, nref, sizeof *refs, cmp_str);
    qsort(wins, nwin, sizeof *wins, cmp_window);
    nwin = merge_spans(wins, nwin);
    size_t nlisted = r->listed.n;
    for (size_t i = 0; i < nlisted && !rc; i++) {
        const char *key = r->listed.v[i];
        char base[1200];
        int64_t ms;
        if (!vl_parse_log_key(key, base, &ms) ||
            bsearch(&key, refs, nref, sizeof *refs, cmp_str))
            continue;
        bool excluded = false;
        for (size_t j = 0; j < r->excluded_bases.n; j++)
            excluded |= !strcmp(r->excluded_bases.v[j], base);
        if (excluded || ms < r->start_ms || ms > r->end_ms)
            continue;
        if (!certainly_covered(wins, nwin, base, ms)) {
            r->uncovered++;
            continue;
        }
        size_t idx;
        if (!(rc = vl_item_push(r, VL_IT_UNREF, false, r->src->bucket, key, &idx)))
            snprintf(r->items[idx].reason, sizeof r->items[idx].reason,
                     "not referenced by any digest");
    }
out:
    free(refs);
    free(wins);
    return rc;
}
