/* pattern_verify.c — whether a candidate branch holds: each of its conds met (or, for an
 * exists:false one, its field absent), and the leaves that met them drawn consistently from
 * the event's arrays: two leaves under the same array must sit in the same element of it
 * (event-ruler's rulesForJSONEvent). */
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"
#include "util/vec.h"

/* Leaves a and b share every array element they both sit in. Trails list arrays outermost
 * first; two trails name the same arrays up to the first step where they part. */
static bool compatible(const pt_scratch *x, const pt_occ *a, const pt_occ *b)
{
    const pt_step *ta = x->trail + a->trail, *tb = x->trail + b->trail;
    uint32_t n = a->trail_len < b->trail_len ? a->trail_len : b->trail_len;
    for (uint32_t i = 0; i < n && ta[i].array == tb[i].array; i++)
        if (ta[i].elem != tb[i].elem)
            return false;
    return true;
}

/* Whether every occurrence of cond c lies outside all arrays (compatible with anything). */
static bool outside_arrays(const pt_scratch *x, uint32_t c)
{
    for (uint32_t o = x->cond_head[c]; o != PT_NONE; o = x->occ[o].next)
        if (x->occ[o].trail_len)
            return false;
    return true;
}

/* Depth-first search for one occurrence per cond, pairwise compatible. conds[0..n) are the
 * conds still to place; x->pick[0..k) the occurrences placed. */
static bool place(const pt_scratch *x, const uint32_t *conds, uint32_t n, uint32_t k)
{
    if (k == n)
        return true;
    for (uint32_t o = x->cond_head[conds[k]]; o != PT_NONE; o = x->occ[o].next) {
        uint32_t j = 0;
        while (j < k && compatible(x, &x->occ[o], &x->occ[x->pick[j]]))
            j++;
        if (j < k)
            continue;
        x->pick[k] = o;
        if (place(x, conds, n, k + 1))
            return true;
    }
    return false;
}

bool pt_verify_branch(const ot_pattern_set *s, pt_scratch *x, uint32_t b)
{
    const pt_branch_c *bc = &s->branches[b];
    /* the conds that need a consistent choice are gathered at the end of pick[] */
    if (OT_VEC_GROW(x->pick, x->pickcap, 2 * (size_t)bc->nconds + 1)) {
        x->error = OT_ENOMEM;
        return false;
    }
    uint32_t *arrayed = x->pick + bc->nconds, narrayed = 0;
    for (uint32_t i = 0; i < bc->nconds; i++) {
        uint32_t c = bc->conds[i];
        if (x->cond_stamp[c] != x->epoch) {
            if (s->conds[c].absent_ok && x->node_stamp[s->conds[c].node] != x->epoch)
                continue; /* exists:false, and absent */
            return false;
        }
        if (!outside_arrays(x, c))
            arrayed[narrayed++] = c;
    }
    return narrayed <= 1 || place(x, arrayed, narrayed, 0);
}
