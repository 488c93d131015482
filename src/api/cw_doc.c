/* cw_doc.c — the request tree of the CloudWatch API: building it (for the three decoders) and
 * reading it (for the operations), with the conversions the query protocol's strings need. */
#include "api/cw_doc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/jsonw.h"
#include "util/timeutil.h"

ot_cwd_doc *ot_cwd_doc_new(void)
{
    ot_cwd_doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->root = calloc(1, sizeof *d->root);
    if (!d->root) {
        free(d);
        return NULL;
    }
    d->root->type = OT_CWD_MAP;
    d->nodes = 1;
    return d;
}

static void node_free(ot_cwd *v)
{
    /* Iterative over siblings, recursive over depth: the decoders bound depth. */
    while (v) {
        ot_cwd *next = v->next;
        node_free(v->first);
        free(v->key);
        free(v->str);
        free(v);
        v = next;
    }
}

void ot_cwd_free(ot_cwd_doc *d)
{
    if (!d)
        return;
    node_free(d->root);
    free(d);
}

ot_cwd *ot_cwd_add(ot_cwd_doc *d, ot_cwd *parent, const char *key, size_t keylen,
                   ot_cwd_type type)
{
    if (d->nodes >= OT_CWD_NODES_MAX)
        return NULL;
    if (!parent)
        parent = d->root;
    ot_cwd *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    if (key && !(v->key = strndup(key, keylen))) {
        free(v);
        return NULL;
    }
    v->type = type;
    if (parent->last)
        parent->last->next = v;
    else
        parent->first = v;
    parent->last = v;
    parent->n++;
    d->nodes++;
    return v;
}

int ot_cwd_set_str(ot_cwd *v, const char *s, size_t n)
{
    if (memchr(s, '\0', n))
        return OT_EINVAL;
    char *copy = strndup(s, n);
    if (!copy)
        return OT_ENOMEM;
    free(v->str);
    v->str = copy;
    v->len = n;
    v->type = OT_CWD_STR;
    return OT_OK;
}

const ot_cwd *ot_cwd_get(const ot_cwd *m, const char *key)
{
    if (!m || m->type != OT_CWD_MAP)
        return NULL;
    for (const ot_cwd *c = m->first; c; c = c->next)
        if (c->key && !strcmp(c->key, key))
            return c;
    return NULL;
}

static bool absent(const ot_cwd *v)
{
    return !v || v->type == OT_CWD_NULL;
}

int ot_cwd_str(const ot_cwd *v, const char **s)
{
    if (absent(v))
        return OT_ENOTFOUND;
    if (v->type != OT_CWD_STR)
        return OT_EINVAL;
    *s = v->str;
    return OT_OK;
}

/* A whole string that is a finite number. */
static int parse_number(const char *s, double *d)
{
    if (!*s || strchr(" \t\n\r", *s))
        return OT_EINVAL;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || errno == ERANGE)
        return OT_EINVAL;
    *d = x;
    return OT_OK;
}

int ot_cwd_num(const ot_cwd *v, double *d)
{
    if (absent(v))
        return OT_ENOTFOUND;
    if (v->type == OT_CWD_NUM) {
        *d = v->num;
        return OT_OK;
    }
    return v->type == OT_CWD_STR ? parse_number(v->str, d) : OT_EINVAL;
}

int ot_cwd_int(const ot_cwd *v, int64_t *i)
{
    double d;
    int rc = ot_cwd_num(v, &d);
    if (rc)
        return rc;
    if (!isfinite(d) || d != floor(d) || d < -9.0e15 || d > 9.0e15)
        return OT_EINVAL;
    *i = (int64_t)d;
    return OT_OK;
}

int ot_cwd_bool(const ot_cwd *v, bool *b)
{
    if (absent(v))
        return OT_ENOTFOUND;
    if (v->type == OT_CWD_BOOL) {
        *b = v->b;
        return OT_OK;
    }
    if (v->type == OT_CWD_STR && (!strcmp(v->str, "true") || !strcmp(v->str, "false"))) {
        *b = v->str[0] == 't';
        return OT_OK;
    }
    return OT_EINVAL;
}

static int seconds_to_ms(double s, int64_t *ms)
{
    if (!isfinite(s) || s < 0 || s > 253402300799.0) /* up to 9999-12-31 */
        return OT_EINVAL;
    *ms = (int64_t)llround(s * 1000.0);
    return OT_OK;
}

int ot_cwd_time_ms(const ot_cwd *v, int64_t *ms)
{
    if (absent(v))
        return OT_ENOTFOUND;
    if (v->type == OT_CWD_NUM || v->type == OT_CWD_TIME)
        return seconds_to_ms(v->num, ms);
    if (v->type != OT_CWD_STR)
        return OT_EINVAL;
    double s;
    if (parse_number(v->str, &s) == OT_OK)
        return seconds_to_ms(s, ms);
    return ot_time_parse_iso8601(v->str, ms) == OT_OK ? OT_OK : OT_EINVAL;
}

int ot_cwd_list(const ot_cwd *v, const ot_cwd **first, size_t *n)
{
    *first = NULL;
    *n = 0;
    if (absent(v))
        return OT_ENOTFOUND;
    if (v->type == OT_CWD_STR && !v->len)
        return OT_OK;
    if (v->type != OT_CWD_LIST)
        return OT_EINVAL;
    *first = v->first;
    *n = v->n;
    return OT_OK;
}

/* ---- the tree as JSON (the requestParameters of a call) ---- */

static void node_json(ot_jw *w, const ot_cwd *v)
{
    switch (v->type) {
    case OT_CWD_NULL:
        ot_jw_null(w);
        break;
    case OT_CWD_BOOL:
        ot_jw_bool(w, v->b);
        break;
    case OT_CWD_NUM:
        ot_jw_num(w, v->num);
        break;
    case OT_CWD_STR:
        ot_jw_strn(w, v->str, v->len);
        break;
    case OT_CWD_TIME: {
        char iso[32];
        int64_t ms = 0;
        if (seconds_to_ms(v->num, &ms) == OT_OK) {
            ot_time_iso8601(ms, iso);
            ot_jw_str(w, iso);
        } else {
            ot_jw_num(w, v->num);
        }
        break;
    }
    case OT_CWD_LIST:
    case OT_CWD_MAP:
        v->type == OT_CWD_MAP ? ot_jw_obj(w) : ot_jw_arr(w);
        for (const ot_cwd *c = v->first; c; c = c->next) {
            if (v->type == OT_CWD_MAP)
                ot_jw_key(w, c->key);
            node_json(w, c);
        }
        ot_jw_end(w);
        break;
    }
}

static int to_json(const ot_cwd *m, const char *const *skip, ot_buf *out)
{
    ot_jw w;
    ot_jw_init(&w, out);
    ot_jw_obj(&w);
    for (const ot_cwd *c = m && m->type == OT_CWD_MAP ? m->first : NULL; c; c = c->next) {
        bool skipped = false;
        for (size_t i = 0; skip && skip[i] && !skipped; i++)
            skipped = !strcmp(c->key, skip[i]);
        if (skipped)
            continue;
        ot_jw_key(&w, c->key);
        node_json(&w, c);
    }
    ot_jw_end(&w);
    return ot_jw_error(&w) ? OT_ENOMEM : OT_OK;
}

char *ot_cwd_params_json(const ot_cwd *m)
{
    static const char *const envelope[] = {"Action", "Version", NULL};
    ot_buf b;
    ot_buf_init(&b, 0);
    if (to_json(m, envelope, &b) == OT_OK)
        return ot_buf_take(&b, NULL);
    ot_buf_free(&b);
    return NULL;
}
