/* pattern_int.h — the event-pattern module's inside: the parsed form of one pattern (pt_ir), and
 * the compiled set every pattern of an ot_pattern_set shares.
 *
 * The set is an index keyed by field path, then by value, in one hash table (pt_map): a path trie
 * (which event fields any pattern names, so the walk skips the rest of the event), and per path
 * the exact strings and numbers, prefixes and suffixes by length, lower-cased values, CIDR blocks
 * by prefix length, wildcards by their literal head or tail, and a segment tree of numeric
 * ranges. A leaf of the event yields the field conditions it satisfies ("conds", deduplicated
 * across patterns); each pattern branch (one $or combination) waits on its rarest cond, its
 * "trigger", and is verified once the event has been walked: every cond met, the exists:false
 * ones absent, and one consistent choice of array elements (pattern_verify.c). */
#ifndef OT_PATTERN_INT_H
#define OT_PATTERN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pattern/pattern.h"
#include "util/cidr.h"
#include "util/json.h"

#define PT_NONE UINT32_MAX
#define PT_MAX_BRANCHES 256 /* $or combinations of one pattern */

/* ---- the parsed pattern (pattern_parse.c) ---- */

typedef enum {
    PT_STR,        /* exact string */
    PT_NUM,        /* exact number, compared as doubles */
    PT_TRUE,
    PT_FALSE,
    PT_NULL,
    PT_PREFIX,
    PT_SUFFIX,
    PT_EIC,        /* equals-ignore-case (ASCII letters) */
    PT_PREFIX_EIC,
    PT_SUFFIX_EIC,
    PT_WILDCARD,
    PT_RANGE,      /* numeric */
    PT_CIDR,
    PT_EXISTS,     /* exists:true (exists:false is the field's absent_ok) */
    PT_KINDS
} pt_kind;

typedef struct pt_atom {
    pt_kind kind;
    const char *s; /* string operand, unescaped (points into the parsed pattern) */
    size_t n;
    double lo, hi; /* PT_NUM: lo; PT_RANGE: bounds, +-inf when open-ended */
    bool lo_open, hi_open;
    ot_cidr cidr;
} pt_atom;

/* One alternative of a field: an atom, or anything-but a set of atoms. */
typedef struct pt_alt {
    bool negated;
    bool numeric; /* anything-but over numbers: only numbers can match */
    pt_atom *atoms;
    size_t natoms;
} pt_alt;

typedef struct pt_field {
    const char **keys; /* the path, outermost first */
    size_t *keylens;
    size_t nkeys;
    pt_alt *alts;
    size_t nalts;
    bool absent_ok; /* one alternative is exists:false */
} pt_field;

typedef struct pt_branch {
    pt_field **fields;
    size_t n, cap;
} pt_branch;

typedef struct pt_ir {
    pt_branch *branches;
    size_t n;
    struct pt_arena *arena;
    ot_json_doc *doc;
} pt_ir;

/* Parses and checks a pattern. 0, or OT_EINVAL / OT_ELIMIT with EventBridge's reason in msg
 * (full InvalidEventPattern wording), or OT_ENOMEM. pt_ir_free in every case. */
int pt_ir_parse(const char *json, size_t len, pt_ir *ir, char *msg, size_t msgcap);
void pt_ir_free(pt_ir *ir);

/* ---- wildcards (pattern_wildcard.c) ---- */

/* Checks a wildcard operand: 0, or OT_EINVAL with the reason in msg. */
int pt_wildcard_check(const char *s, size_t n, char *msg, size_t msgcap);
/* Compiles a checked operand into out (pt_wildcard_compiled_max(wn) bytes); its length. */
size_t pt_wildcard_compile(const char *w, size_t wn, char *out);
size_t pt_wildcard_compiled_max(size_t wn);
/* Whether value v matches the compiled wildcard c. */
bool pt_wildcard_match(const char *c, const char *v, size_t vn);
/* The literal text before the first star (or after the last) of compiled c, unescaped: its
 * length (0 when the operand starts, or ends, with a star) and *seg. */
size_t pt_wildcard_head(const char *c, const char **seg);
size_t pt_wildcard_tail(const char *c, const char **seg);

/* ---- the hash table (pattern_map.c) ---- */

typedef struct pt_map_slot {
    uint64_t hash;
    uint32_t tag, off, len, val; /* val PT_NONE: empty slot */
} pt_map_slot;

typedef struct pt_map {
    pt_map_slot *slots;
    size_t cap, n; /* cap: a power of two */
    char *keys;    /* key bytes, concatenated */
    size_t keylen, keycap;
} pt_map;

uint64_t pt_hash(uint32_t tag, const void *p, size_t n);
/* The value under (tag, key), or PT_NONE. */
uint32_t pt_map_get(const pt_map *m, uint32_t tag, const void *key, size_t n);
/* The value under (tag, key), inserting val first if absent. PT_NONE on OT_ENOMEM. */
uint32_t pt_map_put(pt_map *m, uint32_t tag, const void *key, size_t n, uint32_t val);
void pt_map_free(pt_map *m);

/* ---- uint32 lists ---- */

typedef struct pt_list {
    uint32_t *v;
    size_t n, cap;
} pt_list;

int pt_list_add(pt_list *l, uint32_t x);
int pt_list_add_sorted_unique(pt_list *l, uint32_t x);

/* ---- the compiled set (pattern_build.c) ---- */

/* The tables of one path's leaf values, all under tag = (index << 5) | pt_table. */
enum pt_table {
    PTT_CHILD = 0, /* (used with the node id, for the path trie) */
    PTT_STR, PTT_NUM, PTT_TRUE, PTT_FALSE, PTT_NULL, PTT_PREFIX, PTT_SUFFIX, PTT_EIC,
    PTT_PREFIX_EIC, PTT_SUFFIX_EIC, PTT_WC_HEAD, PTT_WC_TAIL, PTT_CIDR4, PTT_CIDR6,
};

typedef struct pt_range_tree {
    double *ends; /* distinct finite endpoints, sorted */
    size_t nends;
    size_t size;       /* leaves: a power of two >= 2 * nends + 1 slots */
    uint32_t *lists;   /* per tree node: a list id, or PT_NONE */
} pt_range_tree;

typedef struct pt_index {
    pt_list prefix_lens, suffix_lens, peic_lens, seic_lens, whead_lens, wtail_lens;
    pt_list cidr4_lens, cidr6_lens;
    pt_list wc_rest;     /* entries of wildcards with no literal head or tail */
    pt_list exists_mids; /* exists:true */
    pt_list ab_all;      /* anything-but over strings: every leaf unless excluded */
    pt_list ab_num;      /* anything-but over numbers: every number unless excluded */
    pt_list ranges_pending; /* (mid, range atom id) pairs, until the build */
    pt_range_tree tree;
    bool fold;  /* some table needs the lower-cased value */
    bool cidr;  /* some table needs the value as an address */
} pt_index;

/* What a table lookup yields: a matcher alternative, or the exclusion of one. */
typedef struct pt_entry {
    uint32_t mid;
    uint32_t wc; /* a compiled wildcard to confirm on the whole value (offset in wcs), or PT_NONE */
    bool neg;
} pt_entry;

typedef struct pt_cond {
    uint32_t node;     /* the path */
    bool absent_ok;
    bool selective;    /* names values (no anything-but, exists, range, wildcard) */
    uint32_t refs;     /* branches that use it */
    pt_list triggers;  /* branches that wait on it */
} pt_cond;

typedef struct pt_branch_c {
    uint32_t pattern; /* dense index of the pattern */
    uint32_t *conds;
    uint32_t nconds;
} pt_branch_c;

/* A child of a trie node, for the scan that beats hashing when a node has few children. */
typedef struct pt_kid {
    uint64_t head; /* the key's first 8 bytes, zero-padded */
    const char *key;
    uint32_t len, node;
} pt_kid;

#define PT_SCAN_KIDS 12 /* up to this many children, a node's are scanned, not hashed */

typedef struct pt_node {
    uint32_t index; /* pt_index id, or PT_NONE if no pattern tests this path's leaves */
    bool has_children;
    pt_kid *kids;   /* after the build, when there are at most PT_SCAN_KIDS of them */
    uint32_t nkids;
} pt_node;

uint64_t pt_key_head(const char *k, size_t n);
/* The child of node under key k, or PT_NONE. */
uint32_t pt_child(const ot_pattern_set *s, uint32_t node, const char *k, size_t n);

struct ot_pattern_set {
    pt_map map;
    pt_node *nodes;
    size_t nnodes, nodecap;
    pt_index *idx;
    size_t nidx, idxcap;
    pt_list *lists; /* entry lists, the values of map slots */
    size_t nlists, listcap;
    pt_entry *entries;
    size_t nentries, entrycap;
    uint32_t *mid_cond;
    size_t nmids, midcap;
    pt_cond *conds;
    size_t nconds, condcap;
    pt_branch_c *branches;
    size_t nbranches, branchcap;
    pt_list always; /* branches with no cond to wait on (exists:false only) */
    uint32_t *ids;  /* dense pattern index -> caller's id */
    size_t npatterns, idcap;
    char *wcs;      /* compiled wildcard operands, concatenated */
    size_t wclen, wccap;
    pt_atom *range_atoms; /* numeric ranges awaiting the build */
    size_t nrange_atoms, rangecap;
    bool built;
    uint64_t generation; /* tells a scratch which set it was sized for */
};

int pt_set_add_ir(ot_pattern_set *s, uint32_t id, const pt_ir *ir);
int pt_range_tree_build(ot_pattern_set *s, pt_index *ix);
/* Calls emit(ctx, mid) for every numeric range of ix that contains x. */
void pt_range_tree_query(const ot_pattern_set *s, const pt_index *ix, double x,
                         void (*emit)(void *ctx, uint32_t mid), void *ctx);

/* ---- per-call state (pattern_match.c, pattern_verify.c) ---- */

typedef struct pt_occ {
    uint32_t next;               /* the cond's next occurrence, or PT_NONE */
    uint32_t trail, trail_len;   /* offset and length in the trail pool, in steps */
} pt_occ;

typedef struct pt_step {
    uint32_t array, elem; /* which array of the event, which element of it */
} pt_step;

typedef struct pt_scratch {
    uint64_t generation;
    uint32_t epoch;
    uint64_t leaf;
    uint32_t *cond_stamp, *cond_head;
    uint64_t *cond_leaf; /* the last leaf that met the cond, to record each leaf once */
    uint32_t *node_stamp;
    uint64_t *mid_excl;
    uint32_t *pattern_stamp;
    size_t ncond, nnode, nmid, npattern;
    pt_occ *occ;
    size_t nocc, occcap;
    pt_step *trail; /* snapshots of the trail at matching leaves */
    size_t ntrail, trailcap;
    pt_step *path;  /* the trail of the leaf being walked */
    size_t npath, pathcap;
    uint32_t arrays; /* arrays seen so far in this event */
    uint32_t leaf_trail, leaf_trail_len; /* the current leaf's snapshot, PT_NONE until made */
    uint32_t *cands;
    size_t ncands, candcap;
    uint32_t *pick; /* the verifier's conds that need a consistent choice of array elements */
    size_t pickcap;
    char *fold;
    size_t foldcap;
    char *copy; /* the event, padded for simdjson */
    size_t copycap;
    ot_json_doc *doc;
    int error;
} pt_scratch;

/* Whether branch b holds for the event just walked. */
bool pt_verify_branch(const ot_pattern_set *s, pt_scratch *x, uint32_t b);

#endif
