/* pattern_match.c — one event against every pattern of a set: parse it once, walk only the
 * fields some pattern names (the path trie), look each leaf up in its path's tables, note the
 * conds it meets, then verify the branches those conds trigger. All per-call memory lives in
 * the caller's ot_pattern_hits and is reused, so a warm call allocates nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/vec.h"

static void scratch_free(pt_scratch *x)
{
    if (!x)
        return;
    free(x->cond_stamp), free(x->cond_head), free(x->cond_leaf), free(x->node_stamp);
    free(x->mid_excl), free(x->pattern_stamp), free(x->occ), free(x->trail), free(x->path);
    free(x->cands), free(x->pick), free(x->fold), free(x->copy);
    ot_json_doc_free(x->doc);
    free(x);
}

void ot_pattern_hits_free(ot_pattern_hits *hits)
{
    scratch_free(hits->scratch);
    free(hits->ids);
    memset(hits, 0, sizeof *hits);
}

/* The stamps sized for set s (zeroed when the scratch last served another set). */
static int size_for(pt_scratch *x, const ot_pattern_set *s)
{
    if (x->generation == s->generation)
        return 0;
    free(x->cond_stamp), free(x->cond_head), free(x->cond_leaf), free(x->node_stamp);
    free(x->mid_excl), free(x->pattern_stamp);
    x->cond_stamp = calloc(s->nconds + 1, sizeof *x->cond_stamp);
    x->cond_head = calloc(s->nconds + 1, sizeof *x->cond_head);
    x->cond_leaf = calloc(s->nconds + 1, sizeof *x->cond_leaf);
    x->node_stamp = calloc(s->nnodes + 1, sizeof *x->node_stamp);
    x->mid_excl = calloc(s->nmids + 1, sizeof *x->mid_excl);
    x->pattern_stamp = calloc(s->npatterns + 1, sizeof *x->pattern_stamp);
    if (!x->cond_stamp || !x->cond_head || !x->cond_leaf || !x->node_stamp || !x->mid_excl ||
        !x->pattern_stamp) {
        x->generation = 0;
        return OT_ENOMEM;
    }
    x->generation = s->generation;
    x->epoch = 0;
    x->leaf = 0;
    return 0;
}

static pt_scratch *scratch_of(ot_pattern_hits *hits, const ot_pattern_set *s)
{
    pt_scratch *x = hits->scratch;
    if (!x) {
        if (!(x = calloc(1, sizeof *x)) || !(x->doc = ot_json_doc_new())) {
            free(x);
            return NULL;
        }
        hits->scratch = x;
    }
    return size_for(x, s) ? NULL : x;
}

/* A new epoch: every stamp of the previous call is stale at once. */
static void next_epoch(const ot_pattern_set *s, pt_scratch *x)
{
    if (++x->epoch == 0) {
        memset(x->cond_stamp, 0, (s->nconds + 1) * sizeof *x->cond_stamp);
        memset(x->node_stamp, 0, (s->nnodes + 1) * sizeof *x->node_stamp);
        memset(x->pattern_stamp, 0, (s->npatterns + 1) * sizeof *x->pattern_stamp);
        x->epoch = 1;
    }
    x->nocc = x->ntrail = x->npath = x->ncands = 0;
    x->arrays = 0;
    x->error = 0;
}

typedef struct pt_walk {
    const ot_pattern_set *s;
    pt_scratch *x;
} pt_walk;

/* The trail of the current leaf, copied once into the pool however many conds it meets. */
static int leaf_trail(pt_scratch *x)
{
    if (x->leaf_trail != PT_NONE || x->npath == 0)
        return 0;
    if (OT_VEC_GROW(x->trail, x->trailcap, x->ntrail + x->npath))
        return OT_ENOMEM;
    memcpy(x->trail + x->ntrail, x->path, x->npath * sizeof *x->path);
    x->leaf_trail = (uint32_t)x->ntrail;
    x->leaf_trail_len = (uint32_t)x->npath;
    x->ntrail += x->npath;
    return 0;
}

static void cond_met(pt_walk *w, uint32_t c)
{
    const ot_pattern_set *s = w->s;
    pt_scratch *x = w->x;
    if (x->cond_stamp[c] != x->epoch) {
        x->cond_stamp[c] = x->epoch;
        x->cond_head[c] = PT_NONE;
        const pt_list *t = &s->conds[c].triggers;
        if (t->n && OT_VEC_GROW(x->cands, x->candcap, x->ncands + t->n)) {
            x->error = OT_ENOMEM;
            return;
        }
        if (t->n)
            memcpy(x->cands + x->ncands, t->v, t->n * sizeof *t->v);
        x->ncands += t->n;
    } else if (x->cond_leaf[c] == x->leaf) {
        return; /* this leaf is on record already */
    }
    x->cond_leaf[c] = x->leaf;
    if (leaf_trail(x) || OT_VEC_GROW(x->occ, x->occcap, x->nocc + 1)) {
        x->error = OT_ENOMEM;
        return;
    }
    bool top = x->npath == 0;
    x->occ[x->nocc] = (pt_occ){x->cond_head[c], top ? 0 : x->leaf_trail,
                               top ? 0 : x->leaf_trail_len};
    x->cond_head[c] = (uint32_t)x->nocc++;
}

static void mid_met(void *ctx, uint32_t mid)
{
    pt_walk *w = ctx;
    cond_met(w, w->s->mid_cond[mid]);
}

/* The entries under (ix, table, key): matches, or exclusions of anything-but alternatives. */
static void lookup(pt_walk *w, uint32_t ix, uint32_t table, const char *key, size_t n,
                   const char *whole, size_t wn)
{
    uint32_t list = pt_map_get(&w->s->map, ix << 5 | table, key, n);
    if (list == PT_NONE)
        return;
    const pt_list *l = &w->s->lists[list];
    for (size_t i = 0; i < l->n; i++) {
        const pt_entry *e = &w->s->entries[l->v[i]];
        if (e->wc != PT_NONE && !pt_wildcard_match(w->s->wcs + e->wc, whole, wn))
            continue;
        if (e->neg)
            w->x->mid_excl[e->mid] = w->x->leaf;
        else
            mid_met(w, e->mid);
    }
}

/* Lookups of every key length a table holds: prefixes (from the start) or suffixes. */
static void by_length(pt_walk *w, uint32_t ix, uint32_t table, const pt_list *lens,
                      const char *v, size_t n, bool from_end, const char *whole, size_t wn)
{
    for (size_t i = 0; i < lens->n && lens->v[i] <= n; i++)
        lookup(w, ix, table, from_end ? v + n - lens->v[i] : v, lens->v[i], whole, wn);
}

static void cidr_lookups(pt_walk *w, uint32_t ixid, const pt_index *ix, const char *v, size_t n)
{
    ot_ip ip;
    if (ot_ip_parse(v, n, &ip))
        return;
    const pt_list *lens = ip.family == 4 ? &ix->cidr4_lens : &ix->cidr6_lens;
    for (size_t i = 0; i < lens->n; i++) {
        uint8_t masked[16];
        unsigned bits = lens->v[i], bytes = (bits + 7) / 8;
        memcpy(masked, ip.a, bytes);
        if (bits % 8)
            masked[bytes - 1] &= (uint8_t)(0xff << (8 - bits % 8));
        lookup(w, ixid, ip.family == 4 ? PTT_CIDR4 : PTT_CIDR6, (const char *)masked, bytes,
               NULL, 0);
    }
}

static void string_leaf(pt_walk *w, uint32_t ixid, const pt_index *ix, const char *v, size_t n)
{
    lookup(w, ixid, PTT_STR, v, n, NULL, 0);
    by_length(w, ixid, PTT_PREFIX, &ix->prefix_lens, v, n, false, NULL, 0);
    by_length(w, ixid, PTT_SUFFIX, &ix->suffix_lens, v, n, true, NULL, 0);
    by_length(w, ixid, PTT_WC_HEAD, &ix->whead_lens, v, n, false, v, n);
    by_length(w, ixid, PTT_WC_TAIL, &ix->wtail_lens, v, n, true, v, n);
    for (size_t i = 0; i < ix->wc_rest.n; i++) {
        const pt_entry *e = &w->s->entries[ix->wc_rest.v[i]];
        if (!pt_wildcard_match(w->s->wcs + e->wc, v, n))
            continue;
        if (e->neg)
            w->x->mid_excl[e->mid] = w->x->leaf;
        else
            mid_met(w, e->mid);
    }
    if (ix->fold) {
        pt_scratch *x = w->x;
        if (OT_VEC_GROW(x->fold, x->foldcap, n + 1)) {
            x->error = OT_ENOMEM;
            return;
        }
        for (size_t i = 0; i < n; i++)
            x->fold[i] = v[i] >= 'A' && v[i] <= 'Z' ? (char)(v[i] + 32) : v[i];
        lookup(w, ixid, PTT_EIC, x->fold, n, NULL, 0);
        by_length(w, ixid, PTT_PREFIX_EIC, &ix->peic_lens, x->fold, n, false, NULL, 0);
        by_length(w, ixid, PTT_SUFFIX_EIC, &ix->seic_lens, x->fold, n, true, NULL, 0);
    }
    if (ix->cidr)
        cidr_lookups(w, ixid, ix, v, n);
}

/* Anything-but alternatives not excluded by this leaf. */
static void not_excluded(pt_walk *w, const pt_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (w->x->mid_excl[l->v[i]] != w->x->leaf)
            mid_met(w, l->v[i]);
}

static void leaf(pt_walk *w, uint32_t node, ot_json v)
{
    uint32_t ixid = w->s->nodes[node].index;
    pt_scratch *x = w->x;
    x->node_stamp[node] = x->epoch;
    if (ixid == PT_NONE)
        return;
    const pt_index *ix = &w->s->idx[ixid];
    x->leaf++;
    x->leaf_trail = PT_NONE;
    const char *str;
    size_t n;
    double d;
    bool b;
    switch (ot_json_typeof(v)) {
    case OT_JSON_STRING:
        ot_json_str(v, &str, &n);
        string_leaf(w, ixid, ix, str, n);
        break;
    case OT_JSON_NUMBER:
        if (ot_json_double(v, &d))
            break;
        d = d == 0 ? 0.0 : d;
        lookup(w, ixid, PTT_NUM, (const char *)&d, sizeof d, NULL, 0);
        pt_range_tree_query(w->s, ix, d, mid_met, w);
        not_excluded(w, &ix->ab_num);
        break;
    case OT_JSON_BOOL:
        ot_json_bool(v, &b);
        lookup(w, ixid, b ? PTT_TRUE : PTT_FALSE, "", 0, NULL, 0);
        break;
    default:
        lookup(w, ixid, PTT_NULL, "", 0, NULL, 0);
        break;
    }
    not_excluded(w, &ix->ab_all);
    for (size_t i = 0; i < ix->exists_mids.n; i++)
        mid_met(w, ix->exists_mids.v[i]);
}

static void walk(pt_walk *w, uint32_t node, ot_json v)
{
    pt_scratch *x = w->x;
    ot_json_iter it;
    ot_json val;
    const char *k;
    size_t kn;
    switch (ot_json_typeof(v)) {
    case OT_JSON_OBJECT:
        if (!w->s->nodes[node].has_children)
            return;
        ot_json_object_iter(v, &it);
        while (ot_json_object_next(&it, &k, &kn, &val)) {
            uint32_t child = pt_child(w->s, node, k, kn);
            if (child != PT_NONE)
                walk(w, child, val);
        }
        return;
    case OT_JSON_ARRAY: {
        uint32_t array = x->arrays++, elem = 0;
        ot_json_array_iter(v, &it);
        while (ot_json_array_next(&it, &val)) {
            if (OT_VEC_GROW(x->path, x->pathcap, x->npath + 1)) {
                x->error = OT_ENOMEM;
                return;
            }
            x->path[x->npath++] = (pt_step){array, elem++};
            walk(w, node, val);
            x->npath--;
        }
        return;
    }
    default:
        leaf(w, node, v);
    }
}

static int add_hit(ot_pattern_hits *hits, uint32_t id)
{
    if (OT_VEC_GROW(hits->ids, hits->cap, hits->n + 1))
        return OT_ENOMEM;
    hits->ids[hits->n++] = id;
    return 0;
}

static int verify_candidates(const ot_pattern_set *s, pt_scratch *x, ot_pattern_hits *hits)
{
    for (int pass = 0; pass < 2; pass++) {
        const uint32_t *v = pass ? s->always.v : x->cands;
        size_t n = pass ? s->always.n : x->ncands;
        for (size_t i = 0; i < n; i++) {
            uint32_t p = s->branches[v[i]].pattern;
            if (x->pattern_stamp[p] == x->epoch || !pt_verify_branch(s, x, v[i]))
                continue;
            x->pattern_stamp[p] = x->epoch;
            if (add_hit(hits, s->ids[p]))
                return OT_ENOMEM;
        }
    }
    return 0;
}

int ot_pattern_set_match(const ot_pattern_set *s, const char *event, size_t len,
                         ot_pattern_hits *hits)
{
    hits->n = 0;
    if (!s->built)
        return OT_EINVAL;
    pt_scratch *x = scratch_of(hits, s);
    if (!x || OT_VEC_GROW(x->copy, x->copycap, len + OT_BUF_PAD))
        return OT_ENOMEM;
    memcpy(x->copy, event, len);
    memset(x->copy + len, 0, OT_BUF_PAD);
    ot_json root;
    char why[64];
    int rc = ot_json_parse(x->doc, x->copy, len, true, &root, why, sizeof why);
    if (rc)
        return rc;
    if (ot_json_typeof(root) != OT_JSON_OBJECT)
        return OT_EINVAL;
    next_epoch(s, x);
    pt_walk w = {s, x};
    walk(&w, 0, root);
    if (x->error)
        return x->error;
    return verify_candidates(s, x, hits);
}

int ot_pattern_test(const char *pattern, size_t plen, const char *event, size_t elen, char *msg,
                    size_t msgcap)
{
    ot_pattern_set *s = ot_pattern_set_new();
    if (!s)
        return OT_ENOMEM;
    ot_pattern_hits hits = {0};
    int rc = ot_pattern_set_add(s, 0, pattern, plen, msg, msgcap);
    if (rc == 0)
        rc = ot_pattern_set_build(s);
    if (rc == 0) {
        rc = ot_pattern_set_match(s, event, elen, &hits);
        if (rc == OT_EINVAL && msgcap)
            snprintf(msg, msgcap, "The event is not a JSON object");
        else if (rc == 0)
            rc = hits.n > 0;
    }
    ot_pattern_hits_free(&hits);
    ot_pattern_set_free(s);
    return rc;
}
