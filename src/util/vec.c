/* vec.c — growth of the arrays described in vec.h. */
#include "util/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

enum { VEC_MIN_CAP = 8 };

int ot_vec_grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return OT_OK;
    size_t ncap = *cap < VEC_MIN_CAP ? VEC_MIN_CAP : *cap;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return OT_ENOMEM;
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem)
        return OT_ENOMEM;
    /* arrp points at a T *: copied, not dereferenced as void *, so no aliasing rule is bent */
    void *arr;
    memcpy(&arr, arrp, sizeof arr);
    void *grown = realloc(arr, ncap * elem);
    if (!grown)
        return OT_ENOMEM;
    memcpy(arrp, &grown, sizeof grown);
    *cap = ncap;
    return OT_OK;
}
