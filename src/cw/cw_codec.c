/* cw_codec.c — the one-column forms of string lists (action ARNs, dimension sets).
 *
 * A list is stored as netstrings, "<length>:<bytes>" one after the other: any byte may appear
 * in a dimension value, and reading back needs no parser. A dimension set is its names and
 * values alternating, sorted by name, so one set has exactly one spelling (metrics are unique
 * on it). */
#include <stdlib.h>
#include <string.h>

#include "cw/cw_int.h"
#include "util/buf.h"
#include "util/err.h"

static int put_netstring(ot_buf *out, const char *s)
{
    return ot_buf_printf(out, "%zu:", strlen(s)) || ot_buf_puts(out, s) ? OT_ENOMEM : OT_OK;
}

/* The next netstring of *p as a malloc'd string; advances *p. */
static int next_netstring(const char **p, char **out)
{
    char *colon;
    unsigned long n = strtoul(*p, &colon, 10);
    if (colon == *p || *colon != ':' || strnlen(colon + 1, n) < n)
        return OT_ECORRUPT;
    *out = strndup(colon + 1, n);
    if (!*out)
        return OT_ENOMEM;
    *p = colon + 1 + n;
    return OT_OK;
}

static int dim_cmp(const void *a, const void *b)
{
    return strcmp(((const ot_cw_dim *)a)->name, ((const ot_cw_dim *)b)->name);
}

int cw_dims_encode(const ot_cw_dim *dims, size_t n, ot_buf *out)
{
    if (n > OT_CW_DIMS_MAX)
        return OT_EINVAL;
    ot_cw_dim sorted[OT_CW_DIMS_MAX];
    for (size_t i = 0; i < n; i++) {
        if (!dims[i].name || !dims[i].value)
            return OT_EINVAL;
        sorted[i] = dims[i];
    }
    qsort(sorted, n, sizeof sorted[0], dim_cmp);
    ot_buf_reset(out);
    int rc = ot_buf_puts(out, "") ? OT_ENOMEM : OT_OK; /* "" when there are none */
    for (size_t i = 0; !rc && i < n; i++) {
        if (i > 0 && !strcmp(sorted[i].name, sorted[i - 1].name))
            return OT_EINVAL; /* a name twice */
        rc = put_netstring(out, sorted[i].name);
        if (!rc)
            rc = put_netstring(out, sorted[i].value);
    }
    return rc;
}

int cw_dims_decode(const char *enc, ot_cw_dim *dims, size_t cap, size_t *n)
{
    *n = 0;
    const char *p = enc ? enc : "";
    while (*p) {
        if (*n == cap)
            return OT_ECORRUPT;
        char *name = NULL, *value = NULL;
        int rc = next_netstring(&p, &name);
        if (!rc)
            rc = next_netstring(&p, &value);
        if (rc) {
            free(name);
            return rc;
        }
        dims[(*n)++] = (ot_cw_dim){.name = name, .value = value};
    }
    return OT_OK;
}

int cw_strlist_encode(char *const *s, size_t n, ot_buf *out)
{
    ot_buf_reset(out);
    int rc = ot_buf_puts(out, "") ? OT_ENOMEM : OT_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = s[i] ? put_netstring(out, s[i]) : OT_EINVAL;
    return rc;
}

int cw_strlist_decode(const char *enc, char **s, size_t cap, size_t *n)
{
    *n = 0;
    const char *p = enc ? enc : "";
    while (*p) {
        if (*n == cap)
            return OT_ECORRUPT;
        int rc = next_netstring(&p, &s[*n]);
        if (rc)
            return rc;
        (*n)++;
    }
    return OT_OK;
}
