/* vl_unref.c — log files that no digest references.
 *
 * A log file listed in the source that no digest names is INVALID when it lies inside the
 * window of a valid digest of the same account and region (it was delivered while digests were
 * being written, so one should list it: an inserted or renamed file). Outside every window
 * (delivered while validation was off, or after the newest digest) it cannot be checked and is
 * counted as not covered. Bases where the filters left another trail's chain out are skipped:
 * that trail's digests may list the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "validate/vl_int.h"

#define SLACK_MS (2 * 60 * 1000LL) /* a log's name holds its delivery minute, rounded down */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct window {
    char base[1200];
    int64_t start, end;
} window;

int vl_find_unreferenced(vl_run *r)
{
    size_t nref = 0, nwin = 0;
    char **refs = calloc(r->nitems + 1, sizeof *refs);
    window *wins = calloc(r->nitems + 1, sizeof *wins);
    int rc = OT_OK;
    if (!refs || !wins) {
        rc = OT_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < r->nitems; i++) {
        vl_item *it = &r->items[i];
        if (it->type == VL_IT_LOG && !strcmp(it->bucket, r->src->bucket))
            refs[nref++] = it->key;
        vl_dkey k;
        if (it->type == VL_IT_DIGEST && it->end_ms > 0 && vl_parse_digest_key(it->key, &k)) {
            memcpy(wins[nwin].base, k.base, sizeof k.base);
            wins[nwin].start = it->start_ms - SLACK_MS;
            wins[nwin++].end = it->end_ms;
        }
    }
    qsort(refs, nref, sizeof *refs, cmp_str);
    size_t nlisted = r->listed.n;
    for (size_t i = 0; i < nlisted && !rc; i++) {
        const char *key = r->listed.v[i];
        char base[1200];
        int64_t ms;
        if (!vl_parse_log_key(key, base, &ms) ||
            bsearch(&key, refs, nref, sizeof *refs, cmp_str))
            continue;
        bool excluded = false, covered = false;
        for (size_t j = 0; j < r->excluded_bases.n; j++)
            excluded |= !strcmp(r->excluded_bases.v[j], base);
        if (excluded || ms < r->start_ms || ms > r->end_ms)
            continue;
        for (size_t j = 0; j < nwin && !covered; j++)
            covered = !strcmp(wins[j].base, base) && ms >= wins[j].start && ms <= wins[j].end;
        if (!covered) {
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
