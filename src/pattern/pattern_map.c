/* pattern_map.c — the one hash table of a pattern set: (tag, bytes) -> uint32, open addressing
 * with linear probing. The tag says which table a key belongs to (a path's exact strings, its
 * prefixes, the children of a trie node, ...), so all of them share one allocation. */
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"
#include "util/vec.h"

static uint64_t mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h;
}

/* One multiply per 8 bytes, a full mix at the end: keys are short (field names, API names). */
uint64_t pt_hash(uint32_t tag, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)tag << 32) ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x94d049bb133111ebull;
        h = h << 29 | h >> 35;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return mix((h ^ w) * 0x94d049bb133111ebull) | 1; /* never 0: 0 marks nothing */
}

static bool slot_is(const pt_map *m, const pt_map_slot *sl, uint64_t h, uint32_t tag,
                    const void *key, size_t n)
{
    return sl->hash == h && sl->tag == tag && sl->len == n && !memcmp(m->keys + sl->off, key, n);
}

uint32_t pt_map_get(const pt_map *m, uint32_t tag, const void *key, size_t n)
{
    if (!m->cap)
        return PT_NONE;
    uint64_t h = pt_hash(tag, key, n);
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const pt_map_slot *sl = &m->slots[i];
        if (sl->val == PT_NONE)
            return PT_NONE;
        if (slot_is(m, sl, h, tag, key, n))
            return sl->val;
    }
}

static int grow(pt_map *m)
{
    size_t cap = m->cap ? 2 * m->cap : 64;
    pt_map_slot *slots = malloc(cap * sizeof *slots);
    if (!slots)
        return OT_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        slots[i].val = PT_NONE;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].val == PT_NONE)
            continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (slots[j].val != PT_NONE)
            j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots, m->cap = cap;
    return 0;
}

uint32_t pt_map_put(pt_map *m, uint32_t tag, const void *key, size_t n, uint32_t val)
{
    uint32_t have = pt_map_get(m, tag, key, n);
    if (have != PT_NONE)
        return have;
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
        return PT_NONE;
    if (n > UINT32_MAX - m->keylen || OT_VEC_GROW(m->keys, m->keycap, m->keylen + n + 1))
        return PT_NONE;
    uint64_t h = pt_hash(tag, key, n);
    size_t i = h & (m->cap - 1);
    while (m->slots[i].val != PT_NONE)
        i = (i + 1) & (m->cap - 1);
    if (n)
        memcpy(m->keys + m->keylen, key, n);
    m->slots[i] = (pt_map_slot){h, tag, (uint32_t)m->keylen, (uint32_t)n, val};
    m->keylen += n;
    m->n++;
    return val;
}

void pt_map_free(pt_map *m)
{
    free(m->slots);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

int pt_list_add(pt_list *l, uint32_t x)
{
    if (OT_VEC_GROW(l->v, l->cap, l->n + 1))
        return OT_ENOMEM;
    l->v[l->n++] = x;
    return 0;
}

/* Keeps l sorted and free of duplicates: the distinct key lengths of a table. */
int pt_list_add_sorted_unique(pt_list *l, uint32_t x)
{
    size_t i = 0;
    while (i < l->n && l->v[i] < x)
        i++;
    if (i < l->n && l->v[i] == x)
        return 0;
    if (OT_VEC_GROW(l->v, l->cap, l->n + 1))
        return OT_ENOMEM;
    memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof *l->v);
    l->v[i] = x;
    l->n++;
    return 0;
}
