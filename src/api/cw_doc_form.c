/* cw_doc_form.c — a query-protocol form body into the request tree.
 *
 * botocore flattens the input shape into dotted keys
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html): a structure member is `A.B`,
 * list element N (from 1) is `A.member.N`, a map entry `A.entry.N.key` / `.value`, and an
 * empty list is `A=` (an empty string, which ot_cwd_list reads as an empty list). Each key is
 * walked from the root map, creating the maps and lists it names; lists are then put in member
 * order. A form list is at most FORM_LIST_MAX long and a form map has at most FORM_MAP_MAX
 * members (CloudWatch's largest are 1000 and ~30), which also keeps the lookups here linear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cw_doc.h"
#include "util/err.h"
#include "api/http.h"

#define FORM_LIST_MAX 1000
#define FORM_MAP_MAX 64
#define KEY_MAX 512

typedef struct walk {
    ot_cwd_doc *d;
    int rc;
    char err[160];
} walk;

static int refuse(walk *w, int rc, const char *fmt, const char *key)
{
    snprintf(w->err, sizeof w->err, fmt, key);
    return w->rc = rc;
}

/* The list number in segment s (1..FORM_LIST_MAX), or 0. */
static long member_number(const char *s)
{
    if (!*s || *s == '0' || strlen(s) > 4)
        return 0;
    long n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        n = n * 10 + (*s - '0');
    }
    return n <= FORM_LIST_MAX ? n : 0;
}

/* The type the segments from seg[i] on give to the node they start at. */
static ot_cwd_type type_at(char **seg, size_t nseg, size_t i)
{
    if (i >= nseg)
        return OT_CWD_STR;
    if ((!strcmp(seg[i], "member") || !strcmp(seg[i], "entry")) && i + 1 < nseg &&
        member_number(seg[i + 1]))
        return OT_CWD_LIST;
    return OT_CWD_MAP;
}

static ot_cwd *find_child(ot_cwd *node, const char *key, long index)
{
    if (node->last && (key ? node->last->key && !strcmp(node->last->key, key)
                           : node->last->index == index))
        return node->last;
    for (ot_cwd *c = node->first; c; c = c->next)
        if (key ? c->key && !strcmp(c->key, key) : c->index == index)
            return c;
    return NULL;
}

/* The child of node named by key (a map) or numbered index (a list), made with type if new. */
static ot_cwd *child(walk *w, ot_cwd *node, const char *key, long index, ot_cwd_type type,
                     const char *full)
{
    ot_cwd *c = find_child(node, key, index);
    if (c) {
        if (c->type != type && !(c->type == OT_CWD_STR && type == OT_CWD_LIST && !c->len)) {
            refuse(w, OT_EINVAL, "the parameter %.100s conflicts with another", full);
            return NULL;
        }
        if (c->type != type) /* "A=" then A.member.1: the list was not empty after all */
            c->type = type;
        return c;
    }
    if (node->n >= (node->type == OT_CWD_MAP ? FORM_MAP_MAX : FORM_LIST_MAX)) {
        refuse(w, OT_ELIMIT, "too many members near %.100s", full);
        return NULL;
    }
    c = ot_cwd_add(w->d, node, key, key ? strlen(key) : 0, type);
    if (!c)
        refuse(w, w->d->nodes >= OT_CWD_NODES_MAX ? OT_ELIMIT : OT_ENOMEM,
               "too many parameters (at %.100s)", full);
    else
        c->index = index;
    return c;
}

static int place(walk *w, char *key, const char *value, size_t vlen, const char *full)
{
    char *seg[OT_CWD_DEPTH_MAX + 1];
    size_t nseg = 0;
    for (char *s = key, *dot; s; s = dot ? dot + 1 : NULL) {
        if (nseg > OT_CWD_DEPTH_MAX)
            return refuse(w, OT_ELIMIT, "the parameter %.100s nests too deep", full);
        dot = strchr(s, '.');
        if (dot)
            *dot = '\0';
        seg[nseg++] = s;
    }
    ot_cwd *node = w->d->root;
    for (size_t i = 0; i < nseg; i++) {
        long index = 0;
        const char *name = seg[i];
        if (node->type == OT_CWD_LIST) {
            index = member_number(seg[++i]); /* type_at checked "member|entry" N */
            name = NULL;
        } else if (!*name) {
            return refuse(w, OT_EINVAL, "the parameter name %.100s is malformed", full);
        }
        node = child(w, node, name, index, type_at(seg, nseg, i + 1), full);
        if (!node)
            return w->rc ? w->rc : OT_ENOMEM;
    }
    if (node->str) /* the same parameter twice: the first wins, as ot_form_param reads it */
        return OT_OK;
    if (ot_cwd_set_str(node, value, vlen))
        return refuse(w, OT_EINVAL, "the parameter %.100s holds a NUL byte", full);
    return OT_OK;
}

/* Percent-decodes a form component ('+' is a space) into a new string; NULL if malformed. */
static char *decode(const char *s, size_t n, size_t *outlen)
{
    char *raw = strndup(s, n), *out = malloc(n + 1);
    long len = -1;
    if (raw && out && strlen(raw) == n) {
        for (char *p = raw; *p; p++)
            if (*p == '+')
                *p = ' ';
        len = ot_percent_decode(raw, n, out, n + 1);
    }
    free(raw);
    if (len < 0 || strlen(out) != (size_t)len) { /* malformed, or holds a NUL */
        free(out);
        return NULL;
    }
    *outlen = (size_t)len;
    return out;
}

static int pair(walk *w, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    size_t klen, vlen;
    char *key = decode(s, eq ? (size_t)(eq - s) : n, &klen);
    char *value = eq ? decode(eq + 1, n - (size_t)(eq - s) - 1, &vlen) : strdup("");
    int rc = OT_OK;
    if (!key || !value || klen >= KEY_MAX)
        rc = refuse(w, OT_EINVAL, "%s", "a malformed or too long form parameter");
    else {
        char full[KEY_MAX];
        snprintf(full, sizeof full, "%s", key);
        rc = place(w, key, value, eq ? vlen : 0, full);
    }
    free(key);
    free(value);
    return rc;
}

/* Puts the elements of every list in member order (insertion sort: lists are short and
 * usually sent in order). */
static void order(ot_cwd *node)
{
    for (ot_cwd *c = node->first; c; c = c->next)
        order(c);
    if (node->type != OT_CWD_LIST)
        return;
    ot_cwd *sorted = NULL, *c = node->first;
    while (c) {
        ot_cwd *next = c->next, **at = &sorted;
        while (*at && (*at)->index < c->index)
            at = &(*at)->next;
        c->next = *at;
        *at = c;
        c = next;
    }
    node->first = sorted;
    for (node->last = sorted; node->last && node->last->next;)
        node->last = node->last->next;
}

int ot_cwd_from_form(const char *data, size_t n, ot_cwd_doc **out, char err[160])
{
    *out = NULL;
    walk w = {.d = ot_cwd_doc_new()};
    if (!w.d)
        return OT_ENOMEM;
    int rc = OT_OK;
    for (size_t at = 0; at < n && !rc;) {
        const char *amp = memchr(data + at, '&', n - at);
        size_t len = amp ? (size_t)(amp - (data + at)) : n - at;
        if (len)
            rc = pair(&w, data + at, len);
        at += len + 1;
    }
    if (rc) {
        if (err)
            snprintf(err, 160, "%s", w.err[0] ? w.err : "out of memory");
        ot_cwd_free(w.d);
        return rc;
    }
    order(w.d->root);
    *out = w.d;
    return OT_OK;
}
