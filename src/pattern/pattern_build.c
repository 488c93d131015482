/* pattern_build.c — compiling patterns into a set's shared index (pattern_int.h): the path trie,
 * the value tables of each path, deduplicated field conditions, and per branch the one
 * condition it waits on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"
#include "util/vec.h"

#define PTT_COND 15 /* (node, canonical alternatives) -> cond, to share identical conditions */
#define PTT_ID 16   /* the caller's pattern ids, to refuse one added twice */

static uint64_t next_generation;

ot_pattern_set *ot_pattern_set_new(void)
{
    ot_pattern_set *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (OT_VEC_GROW(s->nodes, s->nodecap, 1)) {
        free(s);
        return NULL;
    }
    s->nodes[0] = (pt_node){PT_NONE, false, NULL, 0};
    s->nnodes = 1;
    return s;
}

static void free_index(pt_index *ix)
{
    pt_list *ls[] = {&ix->prefix_lens, &ix->suffix_lens, &ix->peic_lens,  &ix->seic_lens,
                     &ix->whead_lens,  &ix->wtail_lens,  &ix->cidr4_lens, &ix->cidr6_lens,
                     &ix->wc_rest,     &ix->exists_mids, &ix->ab_all,     &ix->ab_num,
                     &ix->ranges_pending};
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++)
        free(ls[i]->v);
    free(ix->tree.ends);
    free(ix->tree.lists);
}

void ot_pattern_set_free(ot_pattern_set *s)
{
    if (!s)
        return;
    pt_map_free(&s->map);
    for (size_t i = 0; i < s->nidx; i++)
        free_index(&s->idx[i]);
    for (size_t i = 0; i < s->nlists; i++)
        free(s->lists[i].v);
    for (size_t i = 0; i < s->nconds; i++)
        free(s->conds[i].triggers.v);
    for (size_t i = 0; i < s->nbranches; i++)
        free(s->branches[i].conds);
    free(s->always.v);
    for (size_t i = 0; i < s->nnodes; i++)
        free(s->nodes[i].kids);
    free(s->nodes), free(s->idx), free(s->lists), free(s->entries), free(s->mid_cond);
    free(s->conds), free(s->branches), free(s->ids), free(s->wcs), free(s->range_atoms);
    free(s);
}

static uint32_t tag_of(uint32_t owner, uint32_t table) { return owner << 5 | table; }

/* The trie node of a field's path, made as needed. */
static uint32_t path_node(ot_pattern_set *s, const pt_field *f)
{
    uint32_t node = 0;
    for (size_t i = 0; i < f->nkeys; i++) {
        uint32_t fresh = (uint32_t)s->nnodes;
        uint32_t got = pt_map_put(&s->map, tag_of(node, PTT_CHILD), f->keys[i], f->keylens[i],
                                  fresh);
        if (got == PT_NONE)
            return PT_NONE;
        if (got == fresh) {
            if (OT_VEC_GROW(s->nodes, s->nodecap, s->nnodes + 1))
                return PT_NONE;
            s->nodes[s->nnodes++] = (pt_node){PT_NONE, false, NULL, 0};
            s->nodes[node].has_children = true;
        }
        node = got;
    }
    return node;
}

static pt_index *node_index(ot_pattern_set *s, uint32_t node)
{
    if (s->nodes[node].index == PT_NONE) {
        if (OT_VEC_GROW(s->idx, s->idxcap, s->nidx + 1))
            return NULL;
        memset(&s->idx[s->nidx], 0, sizeof s->idx[s->nidx]);
        s->nodes[node].index = (uint32_t)s->nidx++;
    }
    return &s->idx[s->nodes[node].index];
}

static int new_entry(ot_pattern_set *s, pt_entry e, uint32_t *id)
{
    if (OT_VEC_GROW(s->entries, s->entrycap, s->nentries + 1))
        return OT_ENOMEM;
    s->entries[s->nentries] = e;
    *id = (uint32_t)s->nentries++;
    return 0;
}

/* Files entry e under (ix, table, key). */
static int add_entry(ot_pattern_set *s, uint32_t ix, uint32_t table, const void *key, size_t n,
                     pt_entry e)
{
    uint32_t fresh = (uint32_t)s->nlists, eid;
    uint32_t list = pt_map_put(&s->map, tag_of(ix, table), key, n, fresh);
    if (list == PT_NONE)
        return OT_ENOMEM;
    if (list == fresh) {
        if (OT_VEC_GROW(s->lists, s->listcap, s->nlists + 1))
            return OT_ENOMEM;
        memset(&s->lists[s->nlists++], 0, sizeof(pt_list));
    }
    if (new_entry(s, e, &eid))
        return OT_ENOMEM;
    return pt_list_add(&s->lists[list], eid);
}

static void fold_ascii(char *out, const char *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] + 32) : in[i];
}

static double canonical(double d) { return d == 0 ? 0.0 : d; /* -0 is 0 */ }

static int add_wildcard(ot_pattern_set *s, uint32_t ixid, pt_index *ix, const pt_atom *a,
                        pt_entry e)
{
    size_t max = pt_wildcard_compiled_max(a->n);
    if (max > UINT32_MAX - s->wclen || OT_VEC_GROW(s->wcs, s->wccap, s->wclen + max))
        return OT_ENOMEM;
    const char *c = s->wcs + s->wclen;
    e.wc = (uint32_t)s->wclen;
    s->wclen += pt_wildcard_compile(a->s, a->n, s->wcs + s->wclen);
    const char *seg;
    size_t head = pt_wildcard_head(c, &seg);
    if (head)
        return pt_list_add_sorted_unique(&ix->whead_lens, (uint32_t)head) ?:
               add_entry(s, ixid, PTT_WC_HEAD, seg, head, e);
    size_t tail = pt_wildcard_tail(c, &seg);
    if (tail)
        return pt_list_add_sorted_unique(&ix->wtail_lens, (uint32_t)tail) ?:
               add_entry(s, ixid, PTT_WC_TAIL, seg, tail, e);
    uint32_t eid;
    return new_entry(s, e, &eid) ?: pt_list_add(&ix->wc_rest, eid);
}

static int add_cidr(ot_pattern_set *s, uint32_t ixid, pt_index *ix, const pt_atom *a, pt_entry e)
{
    ix->cidr = true;
    bool v4 = a->cidr.net.family == 4;
    size_t bytes = (a->cidr.prefix + 7) / 8;
    int rc = pt_list_add_sorted_unique(v4 ? &ix->cidr4_lens : &ix->cidr6_lens, a->cidr.prefix);
    return rc ?: add_entry(s, ixid, v4 ? PTT_CIDR4 : PTT_CIDR6, a->cidr.net.a, bytes, e);
}

static int add_range(ot_pattern_set *s, pt_index *ix, const pt_atom *a, uint32_t mid)
{
    if (OT_VEC_GROW(s->range_atoms, s->rangecap, s->nrange_atoms + 1))
        return OT_ENOMEM;
    s->range_atoms[s->nrange_atoms] = *a;
    int rc = pt_list_add(&ix->ranges_pending, mid);
    return rc ?: pt_list_add(&ix->ranges_pending, (uint32_t)s->nrange_atoms++);
}

/* Files one atom of alternative mid in the tables of path index ixid. */
static int add_atom(ot_pattern_set *s, uint32_t ixid, const pt_atom *a, uint32_t mid, bool neg,
                    char *tmp)
{
    pt_index *ix = &s->idx[ixid];
    pt_entry e = {mid, PT_NONE, neg};
    double d = canonical(a->lo);
    int rc;
    switch (a->kind) {
    case PT_STR: return add_entry(s, ixid, PTT_STR, a->s, a->n, e);
    case PT_NUM: return add_entry(s, ixid, PTT_NUM, &d, sizeof d, e);
    case PT_TRUE: return add_entry(s, ixid, PTT_TRUE, "", 0, e);
    case PT_FALSE: return add_entry(s, ixid, PTT_FALSE, "", 0, e);
    case PT_NULL: return add_entry(s, ixid, PTT_NULL, "", 0, e);
    case PT_PREFIX:
    case PT_SUFFIX: {
        bool pre = a->kind == PT_PREFIX;
        rc = pt_list_add_sorted_unique(pre ? &ix->prefix_lens : &ix->suffix_lens, (uint32_t)a->n);
        return rc ?: add_entry(s, ixid, pre ? PTT_PREFIX : PTT_SUFFIX, a->s, a->n, e);
    }
    case PT_EIC:
    case PT_PREFIX_EIC:
    case PT_SUFFIX_EIC: {
        ix->fold = true;
        fold_ascii(tmp, a->s, a->n);
        uint32_t table = a->kind == PT_EIC ? PTT_EIC
                         : a->kind == PT_PREFIX_EIC ? PTT_PREFIX_EIC : PTT_SUFFIX_EIC;
        pt_list *lens = a->kind == PT_PREFIX_EIC ? &ix->peic_lens
                        : a->kind == PT_SUFFIX_EIC ? &ix->seic_lens : NULL;
        rc = lens ? pt_list_add_sorted_unique(lens, (uint32_t)a->n) : 0;
        return rc ?: add_entry(s, ixid, table, tmp, a->n, e);
    }
    case PT_WILDCARD: return add_wildcard(s, ixid, ix, a, e);
    case PT_CIDR: return add_cidr(s, ixid, ix, a, e);
    case PT_RANGE: return add_range(s, ix, a, mid);
    case PT_EXISTS: return pt_list_add(&ix->exists_mids, mid);
    default: return OT_EINVAL;
    }
}

/* Canonical bytes of a field's alternatives, so that identical conditions are shared. */
static int canonical_key(const pt_field *f, char **buf, size_t *cap, size_t *len)
{
    size_t n = 1;
    for (size_t i = 0; i < f->nalts; i++) {
        n += 3;
        for (size_t j = 0; j < f->alts[i].natoms; j++)
            n += 1 + sizeof(size_t) + f->alts[i].atoms[j].n + 2 * sizeof(double) + 2 +
                 sizeof(ot_cidr);
    }
    if (OT_VEC_GROW(*buf, *cap, n))
        return OT_ENOMEM;
    char *p = *buf;
    *p++ = (char)f->absent_ok;
    for (size_t i = 0; i < f->nalts; i++) {
        const pt_alt *alt = &f->alts[i];
        *p++ = (char)alt->negated, *p++ = (char)alt->numeric, *p++ = (char)alt->natoms;
        for (size_t j = 0; j < alt->natoms; j++) {
            const pt_atom *a = &alt->atoms[j];
            double lo = canonical(a->lo), hi = canonical(a->hi);
            *p++ = (char)a->kind;
            memcpy(p, &a->n, sizeof a->n), p += sizeof a->n;
            if (a->n)
                memcpy(p, a->s, a->n), p += a->n;
            memcpy(p, &lo, sizeof lo), p += sizeof lo;
            memcpy(p, &hi, sizeof hi), p += sizeof hi;
            *p++ = (char)a->lo_open, *p++ = (char)a->hi_open;
            memcpy(p, &a->cidr, sizeof a->cidr), p += sizeof a->cidr;
        }
    }
    *len = (size_t)(p - *buf);
    return 0;
}

/* Whether a cond is worth waiting on: it names values, not "anything but" or "any value". */
static bool selective(const pt_field *f)
{
    for (size_t i = 0; i < f->nalts; i++) {
        const pt_alt *alt = &f->alts[i];
        if (alt->negated || alt->natoms == 0)
            return false;
        pt_kind k = alt->atoms[0].kind;
        if (k == PT_EXISTS || k == PT_RANGE || k == PT_WILDCARD ||
            ((k == PT_PREFIX || k == PT_SUFFIX) && alt->atoms[0].n == 0))
            return false;
    }
    return true;
}

static int new_cond(ot_pattern_set *s, const pt_field *f, uint32_t node, uint32_t c)
{
    if (OT_VEC_GROW(s->conds, s->condcap, s->nconds + 1))
        return OT_ENOMEM;
    s->conds[s->nconds++] = (pt_cond){node, f->absent_ok, selective(f), 0, {0}};
    if (!node_index(s, node))
        return OT_ENOMEM;
    uint32_t ixid = s->nodes[node].index;
    char *tmp = malloc(OT_PATTERN_MAX_LEN + 1);
    if (!tmp)
        return OT_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < f->nalts && !rc; i++) {
        const pt_alt *alt = &f->alts[i];
        if (alt->natoms == 0)
            continue; /* exists:false: the cond's absent_ok */
        if (OT_VEC_GROW(s->mid_cond, s->midcap, s->nmids + 1)) {
            rc = OT_ENOMEM;
            break;
        }
        uint32_t mid = (uint32_t)s->nmids++;
        s->mid_cond[mid] = c;
        for (size_t j = 0; j < alt->natoms && !rc; j++)
            rc = add_atom(s, ixid, &alt->atoms[j], mid, alt->negated, tmp);
        if (!rc && alt->negated)
            rc = pt_list_add(alt->numeric ? &s->idx[ixid].ab_num : &s->idx[ixid].ab_all, mid);
    }
    free(tmp);
    return rc;
}

/* The cond of field f, shared with any identical one already in the set. */
static uint32_t field_cond(ot_pattern_set *s, const pt_field *f, char **buf, size_t *cap)
{
    uint32_t node = path_node(s, f);
    size_t len;
    if (node == PT_NONE || canonical_key(f, buf, cap, &len))
        return PT_NONE;
    uint32_t fresh = (uint32_t)s->nconds;
    uint32_t c = pt_map_put(&s->map, tag_of(node, PTT_COND), *buf, len, fresh);
    if (c == fresh && new_cond(s, f, node, c))
        return PT_NONE;
    if (c != PT_NONE)
        s->conds[c].refs++;
    return c;
}

int pt_set_add_ir(ot_pattern_set *s, uint32_t id, const pt_ir *ir)
{
    uint32_t dense = (uint32_t)s->npatterns;
    uint32_t got = pt_map_put(&s->map, PTT_ID, &id, sizeof id, dense);
    if (got == PT_NONE)
        return OT_ENOMEM;
    if (got != dense)
        return OT_EEXIST;
    if (OT_VEC_GROW(s->ids, s->idcap, s->npatterns + 1) ||
        OT_VEC_GROW(s->branches, s->branchcap, s->nbranches + ir->n))
        return OT_ENOMEM;
    s->ids[s->npatterns++] = id;
    char *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < ir->n && !rc; i++) {
        const pt_branch *b = &ir->branches[i];
        pt_branch_c *bc = &s->branches[s->nbranches];
        *bc = (pt_branch_c){dense, malloc((b->n ? b->n : 1) * sizeof(uint32_t)), 0};
        if (!bc->conds) {
            rc = OT_ENOMEM;
            break;
        }
        s->nbranches++;
        for (size_t j = 0; j < b->n && !rc; j++) {
            uint32_t c = field_cond(s, b->fields[j], &buf, &cap);
            if (c == PT_NONE)
                rc = OT_ENOMEM;
            else
                bc->conds[bc->nconds++] = c;
        }
    }
    free(buf);
    return rc;
}

int ot_pattern_set_add(ot_pattern_set *s, uint32_t id, const char *json, size_t len, char *msg,
                       size_t msgcap)
{
    if (s->built) {
        snprintf(msg, msgcap, "the pattern set is already built");
        return OT_EINVAL;
    }
    pt_ir ir;
    int rc = pt_ir_parse(json, len, &ir, msg, msgcap);
    if (rc == 0 && (rc = pt_set_add_ir(s, id, &ir)) == OT_EEXIST)
        snprintf(msg, msgcap, "pattern id %u was added before", id);
    pt_ir_free(&ir);
    return rc;
}

/* Each branch waits on its most selective cond: the one fewest branches share, preferring
 * named values over anything-but, exists and ranges. */
static int choose_triggers(ot_pattern_set *s)
{
    for (size_t b = 0; b < s->nbranches; b++) {
        const pt_branch_c *bc = &s->branches[b];
        uint32_t best = PT_NONE;
        uint64_t best_cost = UINT64_MAX;
        for (uint32_t i = 0; i < bc->nconds; i++) {
            const pt_cond *c = &s->conds[bc->conds[i]];
            if (c->absent_ok)
                continue;
            uint64_t cost = (uint64_t)c->refs * (c->selective ? 1 : 100000);
            if (cost < best_cost)
                best_cost = cost, best = bc->conds[i];
        }
        int rc = best == PT_NONE ? pt_list_add(&s->always, (uint32_t)b)
                                 : pt_list_add(&s->conds[best].triggers, (uint32_t)b);
        if (rc)
            return rc;
    }
    return 0;
}

uint64_t pt_key_head(const char *k, size_t n)
{
    uint64_t h = 0;
    memcpy(&h, k, n < 8 ? n : 8);
    return h;
}

uint32_t pt_child(const ot_pattern_set *s, uint32_t node, const char *k, size_t n)
{
    const pt_node *nd = &s->nodes[node];
    if (!nd->kids)
        return pt_map_get(&s->map, node << 5 | PTT_CHILD, k, n);
    uint64_t head = pt_key_head(k, n);
    for (uint32_t i = 0; i < nd->nkids; i++) {
        const pt_kid *kid = &nd->kids[i];
        if (kid->head == head && kid->len == n && (n <= 8 || !memcmp(kid->key + 8, k + 8, n - 8)))
            return kid->node;
    }
    return PT_NONE;
}

/* The children of the nodes that have few, as arrays to scan (the map's keys no longer move). */
static int list_kids(ot_pattern_set *s)
{
    uint32_t *count = calloc(s->nnodes, sizeof *count);
    if (!count)
        return OT_ENOMEM;
    for (size_t i = 0; i < s->map.cap; i++)
        if (s->map.slots[i].val != PT_NONE && (s->map.slots[i].tag & 31) == PTT_CHILD)
            count[s->map.slots[i].tag >> 5]++;
    int rc = 0;
    for (size_t i = 0; i < s->map.cap && !rc; i++) {
        const pt_map_slot *sl = &s->map.slots[i];
        if (sl->val == PT_NONE || (sl->tag & 31) != PTT_CHILD || count[sl->tag >> 5] > PT_SCAN_KIDS)
            continue;
        pt_node *parent = &s->nodes[sl->tag >> 5];
        if (!parent->kids && !(parent->kids = malloc(count[sl->tag >> 5] * sizeof(pt_kid))))
            rc = OT_ENOMEM;
        else
            parent->kids[parent->nkids++] = (pt_kid){pt_key_head(s->map.keys + sl->off, sl->len),
                                                     s->map.keys + sl->off, sl->len, sl->val};
    }
    free(count);
    return rc;
}

int ot_pattern_set_build(ot_pattern_set *s)
{
    if (s->built || list_kids(s))
        return OT_EINVAL;
    for (size_t i = 0; i < s->nidx; i++)
        if (s->idx[i].ranges_pending.n && pt_range_tree_build(s, &s->idx[i]))
            return OT_ENOMEM;
    if (choose_triggers(s))
        return OT_ENOMEM;
    s->generation = __atomic_add_fetch(&next_generation, 1, __ATOMIC_RELAXED);
    s->built = true;
    return 0;
}

int ot_pattern_check(const char *json, size_t len, char *msg, size_t msgcap)
{
    pt_ir ir;
    int rc = pt_ir_parse(json, len, &ir, msg, msgcap);
    pt_ir_free(&ir);
    return rc;
}
