/* vec.h — the one idiom for growable arrays.
 *
 * An array is three plain fields the owner keeps: a typed pointer, a count in use and a
 * capacity. Before appending, OT_VEC_GROW(arr, cap, need) makes room for `need` elements
 * (doubling, at least 8, every size computation overflow-checked), so structs keep their own
 * typed fields and no caller writes realloc by hand:
 *
 *     if (OT_VEC_GROW(v->items, v->cap, v->n + 1))
 *         return OT_ENOMEM;
 *     v->items[v->n++] = item;
 *
 * The array is malloc'd and belongs to its owner, who frees it with free(). */
#ifndef OT_VEC_H
#define OT_VEC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Grows the array whose pointer is at arrp (a T **) to hold at least need elements of elem
 * bytes; *cap is its capacity in elements. 0, or OT_ENOMEM (allocation failed or the size
 * would overflow), leaving the array and *cap unchanged. */
int ot_vec_grow(void *arrp, size_t *cap, size_t need, size_t elem)
    __attribute__((warn_unused_result));

#define OT_VEC_GROW(arr, cap, need) ot_vec_grow(&(arr), &(cap), (need), sizeof *(arr))

#ifdef __cplusplus
}
#endif

#endif
