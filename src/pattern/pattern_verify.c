/* pattern_verify.c — whether a candidate branch holds: each of its conds met (or, for an
 * exists:false one, its field absent), and the leaves that met them drawn consistently from
 * the event's arrays: two leaves under the same array must sit in the same element of it
 * (event-ruler's rulesForJSONEvent). A leaf's trail names the arrays above it, outermost first,
 * each with the element it is in. */
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"
#include "util/vec.h"

/* Whether leaf o lies inside the context pre[0..d): those array elements. */
static bool in_context(const pt_scratch *x, const pt_occ *o, const pt_step *pre, uint32_t d)
{
    if (o->trail_len < d)
        return false;
    const pt_step *t = x->trail + o->trail;
    for (uint32_t i = 0; i < d; i++)
        if (t[i].array != pre[i].array || t[i].elem != pre[i].elem)
            return false;
    return true;
}

#define PT_FREE (PT_NONE - 1) /* a leaf of the context itself: pairs with anything */

/* The array that cond c's leaves in the context enter next (one path leads to one array from
 * a given element), PT_FREE if one of them enters none, PT_NONE if it has no leaf there. */
static uint32_t next_array(const pt_scratch *x, uint32_t c, const pt_step *pre, uint32_t d)
{
    uint32_t a = PT_NONE;
    for (uint32_t o = x->cond_head[c]; o != PT_NONE; o = x->occ[o].next) {
        const pt_occ *oc = &x->occ[o];
        if (!in_context(x, oc, pre, d))
            continue;
        if (oc->trail_len == d)
            return PT_FREE;
        a = x->trail[oc->trail + d].array;
    }
    return a;
}

static bool solve(const pt_scratch *x, uint32_t *conds, uint32_t n, const pt_step *pre,
                  uint32_t d);

/* Whether one element of array a holds a consistent choice for every cond of conds[0..n). */
static bool some_element(const pt_scratch *x, uint32_t *conds, uint32_t n, const pt_step *pre,
                         uint32_t d, uint32_t a)
{
    uint32_t first = conds[0], tried = PT_NONE;
    for (uint32_t o = x->cond_head[first]; o != PT_NONE; o = x->occ[o].next) {
        const pt_occ *oc = &x->occ[o];
        if (!in_context(x, oc, pre, d) || oc->trail_len <= d)
            continue;
        const pt_step *t = x->trail + oc->trail;
        if (t[d].array != a || t[d].elem == tried)
            continue; /* a cond's leaves come in event order: an element's are adjacent */
        tried = t[d].elem;
        if (solve(x, conds, n, t, d + 1))
            return true;
    }
    return false;
}

/* Whether conds[0..n) have leaves, within the context pre[0..d), that pairwise share every
 * array element they both sit in. The conds split by the array each enters next; those groups
 * are independent, and a group needs one element that holds the whole group: polynomial, where
 * trying every combination of leaves would be exponential. */
static bool solve(const pt_scratch *x, uint32_t *conds, uint32_t n, const pt_step *pre,
                  uint32_t d)
{
    uint32_t i = 0;
    while (i < n) {
        uint32_t a = next_array(x, conds[i], pre, d);
        if (a == PT_NONE)
            return false;
        if (a == PT_FREE) {
            uint32_t t = conds[i];
            conds[i] = conds[--n], conds[n] = t; /* done with it; the set itself is kept */
            continue;
        }
        uint32_t j = i + 1;
        for (uint32_t k = i + 1; k < n; k++)
            if (next_array(x, conds[k], pre, d) == a) {
                uint32_t t = conds[k];
                conds[k] = conds[j], conds[j++] = t;
            }
        if (!some_element(x, conds + i, j - i, pre, d, a))
            return false;
        i = j;
    }
    return true;
}

/* Whether every leaf of cond c lies outside all arrays (and so pairs with anything). */
static bool outside_arrays(const pt_scratch *x, uint32_t c)
{
    for (uint32_t o = x->cond_head[c]; o != PT_NONE; o = x->occ[o].next)
        if (x->occ[o].trail_len)
            return false;
    return true;
}

bool pt_verify_branch(const ot_pattern_set *s, pt_scratch *x, uint32_t b)
{
    const pt_branch_c *bc = &s->branches[b];
    /* the conds that need a consistent choice of array elements */
    if (OT_VEC_GROW(x->pick, x->pickcap, (size_t)bc->nconds + 1)) {
        x->error = OT_ENOMEM;
        return false;
    }
    uint32_t *arrayed = x->pick, narrayed = 0;
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
    return narrayed <= 1 || solve(x, arrayed, narrayed, NULL, 0);
}
