/* filter_int.h — the compiled form of a filter pattern, shared by the compiler and the
 * evaluator of src/filter/ only.
 *
 * Everything lives in a few flat arrays owned by the ot_filter; strings are (offset, length)
 * into one arena, so a compiled pattern is a handful of allocations and matching walks arrays
 * without allocating. Expressions (JSON patterns, conditions on a space-delimited field) are
 * trees of flt_node in postfix-free form: an AND/OR node names its two children. */
#ifndef OT_FILTER_INT_H
#define OT_FILTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter/filter.h"
#include "filter/filter_regex.h"
#include "util/buf.h"
#include "util/json.h"

#define FLT_MAX_DEPTH 64       /* nested parentheses in a JSON pattern */
#define FLT_MAX_FIELDS 512     /* message fields a space-delimited pattern looks at */
#define FLT_MAX_REGEX_PER_PATTERN 2

typedef enum {
    FLT_EQ, FLT_NE, FLT_LT, FLT_GT, FLT_LE, FLT_GE,
    FLT_IS_NULL, FLT_IS_TRUE, FLT_IS_FALSE, FLT_NOT_EXISTS,
} flt_op;

typedef enum {
    FLT_V_NONE,    /* IS ... / NOT EXISTS take no value */
    FLT_V_TEXT,    /* a string, '*' wildcards allowed anywhere */
    FLT_V_NUMBER,  /* a number: compared as a number */
    FLT_V_ANY,     /* '*' alone: any value */
    FLT_V_REGEX,   /* %regex% */
} flt_vkind;

typedef struct flt_value {
    uint8_t kind;     /* flt_vkind */
    bool glob;        /* FLT_V_TEXT with a '*' */
    uint32_t off, len; /* FLT_V_TEXT: the text in the arena */
    double num;       /* FLT_V_NUMBER */
    uint32_t regex;   /* FLT_V_REGEX: index in regexes */
} flt_value;

/* One step of a JSON selector: a member name or an array index. */
typedef struct flt_step {
    int32_t index;     /* >= 0: array index; -1: member key_off (NUL-terminated in the arena) */
    uint32_t key_off;
} flt_step;

typedef struct flt_test {
    uint32_t step0, nsteps;  /* JSON: the selector, steps[step0 .. step0+nsteps) */
    uint8_t op;              /* flt_op */
    flt_value v;
} flt_test;

typedef enum { FLT_N_TEST, FLT_N_AND, FLT_N_OR } flt_nkind;
typedef struct flt_node {
    uint8_t kind;   /* flt_nkind */
    uint32_t a, b;  /* TEST: a = test index; AND/OR: child node indexes */
} flt_node;

/* A term of an unstructured pattern. Branch 0 holds the terms before the first '?': they apply
 * to every branch; each '?' term opens branch n and the plain terms after it join it. */
typedef struct flt_term {
    uint32_t off, len;
    uint32_t branch;
    bool negate;       /* -term */
} flt_term;

/* A literal some JSON string of a matching event must be (EXACT), start with (PREFIX) or end
 * with (SUFFIX): filter_prefilter.c. */
#define FLT_MAX_LITS 32
#define FLT_MAX_GROUPS 8
typedef enum { FLT_LIT_EXACT, FLT_LIT_PREFIX, FLT_LIT_SUFFIX } flt_lit_kind;
typedef struct flt_lit {
    uint32_t off, len;
    uint8_t kind;      /* flt_lit_kind */
    uint8_t group;     /* the event must hit a literal of every group */
} flt_lit;

/* A column of a space-delimited pattern. */
typedef struct flt_col {
    uint32_t name_off, name_len; /* the field's name, "" for ... */
    bool ellipsis;
    int32_t cond;                /* root node of its conditions, -1 if none */
} flt_col;

struct ot_filter {
    ot_filter_kind kind;
    char *arena;            /* strings, NUL-terminated each */
    size_t arena_len, arena_cap;
    flt_node *nodes;   size_t nnodes, nodes_cap;
    flt_test *tests;   size_t ntests, tests_cap;
    flt_step *steps;   size_t nsteps, steps_cap;
    flt_term *terms;   size_t nterms, terms_cap;
    uint32_t nbranches;     /* terms: branches opened by '?' */
    flt_col *cols;     size_t ncols, cols_cap;
    bool has_ellipsis;
    flt_regex **regexes; size_t nregexes, regexes_cap;
    int32_t root;           /* JSON: the root node */
    flt_lit lits[FLT_MAX_LITS]; /* JSON: an event must hit one of these to match ... */
    size_t nlits;           /* ... unless nlits is 0 */
    uint64_t lit_bloom[4];  /* the fingerprints of the EXACT literals (filter_prefilter.c) */
    bool lit_affixes;       /* some literal is a PREFIX or SUFFIX */
    uint8_t lit_groups;     /* the mask of all groups */
};

struct ot_filter_fields {
    ot_json_doc *doc;
    ot_json root;
    bool have_doc;          /* root is the last matched JSON event */
    const ot_filter *last;  /* the filter last matched */
    const char *msg;
    size_t nfields;
    struct { uint32_t off, len; } field[FLT_MAX_FIELDS]; /* message fields (delimited) */
    uint32_t cap[FLT_MAX_FIELDS];   /* column -> field index after a delimited match */
    ot_buf scratch;         /* a number's text, a selector being parsed */
    /* several filters on one event (ot_filter_set_match): the one parse they share */
    bool shared;
    int8_t parsed;          /* -1 not parsed yet, 0 not a JSON object, 1 root is the event */
    /* ot_filter_set_match: the literal groups each filter of the set has hit in the event */
    bool prefiltered;       /* the set ruled out what could not match: skip each prefilter */
    uint8_t *got;
    size_t got_cap;
};

/* Starts a new event in fx; shared: several filters will look at it (ot_filter_set_match). */
void flt_new_event(ot_filter_fields *fx, const char *msg, bool shared);
/* f on the event fx was started for (after flt_new_event). */
bool flt_match_one(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx);

/* ---- the compiler's shared helpers (filter_compile.c) ---- */

/* A cursor over the pattern, with the error to fill. */
typedef struct flt_parser {
    ot_filter *f;
    const char *s;
    size_t len, pos;
    ot_filter_error *err;
    int depth;
} flt_parser;

int flt_fail(flt_parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void flt_skip_space(flt_parser *p);
/* Copies s[0..n) into the arena (NUL-terminated); *off gets where. */
int flt_arena_put(ot_filter *f, const char *s, size_t n, uint32_t *off);
static inline const char *flt_str(const ot_filter *f, uint32_t off) { return f->arena + off; }
int flt_add_node(ot_filter *f, uint8_t kind, uint32_t a, uint32_t b, int32_t *out);
/* Appends test t and a TEST node for it; *out gets the node. */
int flt_add_test(ot_filter *f, const flt_test *t, int32_t *out);
int flt_add_regex(flt_parser *p, size_t at, const char *re, size_t n, uint32_t *out);

/* A quoted string at p->pos ('"' ... '"', backslash escapes) into the arena. */
int flt_parse_quoted(flt_parser *p, uint32_t *off, uint32_t *len);
/* A comparison value (quoted, %regex%, '*', a number or a bare word ending at whitespace, ')',
 * ',', ']', '}', '&&' or '||') for operator op. */
int flt_parse_value(flt_parser *p, flt_op op, flt_value *v);
/* An operator at p->pos: = != < > <= >=. OT_ENOTFOUND if none. */
int flt_parse_op(flt_parser *p, flt_op *op);

int flt_compile_terms(flt_parser *p);
int flt_compile_json(flt_parser *p);
int flt_compile_delim(flt_parser *p);

/* Parses a selector "$.a.b[1]" at p->pos into f->steps; step0 and nsteps get where. */
int flt_parse_selector(flt_parser *p, uint32_t *step0, uint32_t *nsteps);

/* ---- the evaluator's shared helpers ---- */

/* Does text t[0..n) compare with value v under op (a string-valued field)? */
bool flt_text_test(const ot_filter *f, flt_op op, const flt_value *v, const char *t, size_t n);
/* x op want, for the six comparison operators (false for the others). */
bool flt_number_test(flt_op op, double x, double want);
/* Glob: '*' matches any run of bytes. */
bool flt_glob(const char *pat, size_t pn, const char *t, size_t tn);
bool flt_match_terms(const ot_filter *f, const char *msg, size_t len);
bool flt_match_json(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx);
bool flt_match_delim(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx);
/* Builds f->lits for the JSON pattern at f->root (filter_prefilter.c). */
void flt_prefilter_build(ot_filter *f);
/* False if msg cannot match f's JSON pattern (no JSON string hits its literals). */
bool flt_prefilter_pass(const ot_filter *f, const char *msg, size_t len);
/* Resolves steps on root; false if a step is missing. */
bool flt_resolve(const ot_filter *f, const flt_step *steps, uint32_t n, ot_json root,
                 ot_json *out);
/* Parses a whole number; false if t[0..n) is not one. */
bool flt_number(const char *t, size_t n, double *out);

#endif
