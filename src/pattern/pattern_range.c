/* pattern_range.c — the numeric ranges of one path as a segment tree: the distinct endpoints cut
 * the line into slots (each endpoint, and the open gap before it), a range covers a run of
 * slots and is filed at the O(log n) tree nodes that tile that run, and a number's matches are
 * the lists on the way from its slot's leaf to the root: O(log n + matches) per value. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"
#include "util/vec.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The first endpoint >= x. */
static size_t lower_bound(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Slot 2i+1 is endpoint i itself; slot 2i the open gap below it; slot 2n the gap above all. */
static size_t slot_of(const pt_range_tree *t, double x)
{
    size_t i = lower_bound(t->ends, t->nends, x);
    return i < t->nends && t->ends[i] == x ? 2 * i + 1 : 2 * i;
}

static int file_at(ot_pattern_set *s, pt_range_tree *t, size_t node, uint32_t mid)
{
    if (t->lists[node] == PT_NONE) {
        if (OT_VEC_GROW(s->lists, s->listcap, s->nlists + 1))
            return OT_ENOMEM;
        memset(&s->lists[s->nlists], 0, sizeof(pt_list));
        t->lists[node] = (uint32_t)s->nlists++;
    }
    return pt_list_add(&s->lists[t->lists[node]], mid);
}

static int insert(ot_pattern_set *s, pt_range_tree *t, const pt_atom *a, uint32_t mid)
{
    size_t first = 0, last = 2 * t->nends;
    if (a->lo != -INFINITY) {
        size_t i = lower_bound(t->ends, t->nends, a->lo);
        first = a->lo_open ? 2 * i + 2 : 2 * i + 1;
    }
    if (a->hi != INFINITY) {
        size_t i = lower_bound(t->ends, t->nends, a->hi);
        last = a->hi_open ? 2 * i : 2 * i + 1;
    }
    if (first > last)
        return 0;
    for (size_t l = first + t->size, r = last + t->size + 1; l < r; l >>= 1, r >>= 1) {
        if ((l & 1) && file_at(s, t, l++, mid))
            return OT_ENOMEM;
        if ((r & 1) && file_at(s, t, --r, mid))
            return OT_ENOMEM;
    }
    return 0;
}

int pt_range_tree_build(ot_pattern_set *s, pt_index *ix)
{
    pt_range_tree *t = &ix->tree;
    const pt_list *pend = &ix->ranges_pending;
    if (!(t->ends = malloc(pend->n * sizeof *t->ends)))
        return OT_ENOMEM;
    for (size_t i = 0; i + 1 < pend->n; i += 2) {
        const pt_atom *a = &s->range_atoms[pend->v[i + 1]];
        if (a->lo != -INFINITY)
            t->ends[t->nends++] = a->lo;
        if (a->hi != INFINITY)
            t->ends[t->nends++] = a->hi;
    }
    qsort(t->ends, t->nends, sizeof *t->ends, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < t->nends; i++)
        if (k == 0 || t->ends[k - 1] != t->ends[i])
            t->ends[k++] = t->ends[i];
    t->nends = k;
    for (t->size = 1; t->size < 2 * t->nends + 1; t->size *= 2)
        ;
    if (!(t->lists = malloc(2 * t->size * sizeof *t->lists)))
        return OT_ENOMEM;
    for (size_t i = 0; i < 2 * t->size; i++)
        t->lists[i] = PT_NONE;
    for (size_t i = 0; i + 1 < pend->n; i += 2)
        if (insert(s, t, &s->range_atoms[pend->v[i + 1]], pend->v[i]))
            return OT_ENOMEM;
    return 0;
}

void pt_range_tree_query(const ot_pattern_set *s, const pt_index *ix, double x,
                         void (*emit)(void *ctx, uint32_t mid), void *ctx)
{
    const pt_range_tree *t = &ix->tree;
    if (!t->lists)
        return;
    for (size_t node = slot_of(t, x) + t->size; node >= 1; node >>= 1) {
        if (t->lists[node] == PT_NONE)
            continue;
        const pt_list *l = &s->lists[t->lists[node]];
        for (size_t i = 0; i < l->n; i++)
            emit(ctx, l->v[i]);
    }
}
