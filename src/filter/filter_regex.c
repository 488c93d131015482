/* filter_regex.c — compile and run the %regex% dialect (filter_regex.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter_regex.h"
#include "util/err.h"

#define RX_MAX_STATES 63 /* per alternative: one uint64_t holds the states and the accept bit */
#define RX_MAX_REPEAT 63

typedef enum { RX_ONE, RX_OPT, RX_STAR, RX_PLUS } rx_quant;

typedef struct rx_state {
    uint64_t set[4];   /* the bytes it accepts */
    uint8_t quant;     /* rx_quant */
} rx_state;

typedef struct rx_alt {
    rx_state st[RX_MAX_STATES];
    int n;
    bool anchor_start, anchor_end;
} rx_alt;

struct flt_regex {
    int nalts;
    rx_alt alts[];
};

typedef struct rx_parser {
    const char *s;
    size_t n, pos;
    char *err;
    size_t errlen;
    size_t *at;
} rx_parser;

static int rx_fail(rx_parser *p, size_t at, const char *msg)
{
    snprintf(p->err, p->errlen, "%s", msg);
    *p->at = at;
    return OT_EINVAL;
}

static void set_add(uint64_t set[4], unsigned c) { set[c >> 6] |= (uint64_t)1 << (c & 63); }
static bool set_has(const uint64_t set[4], unsigned c) { return set[c >> 6] >> (c & 63) & 1; }

static void set_range(uint64_t set[4], unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++)
        set_add(set, c);
}

/* \d \D \s \S \w \W into set; false if c names no class. */
static bool class_escape(uint64_t set[4], char c)
{
    uint64_t tmp[4] = {0};
    char lower = (char)(c | 0x20);
    if (lower == 'd') {
        set_range(tmp, '0', '9');
    } else if (lower == 's') {
        const char *sp = " \t\n\r\f\v";
        for (; *sp; sp++)
            set_add(tmp, (unsigned char)*sp);
    } else if (lower == 'w') {
        set_range(tmp, '0', '9'), set_range(tmp, 'A', 'Z'), set_range(tmp, 'a', 'z');
        set_add(tmp, '_');
    } else {
        return false;
    }
    bool negate = c != lower;
    for (int i = 0; i < 4; i++)
        set[i] |= negate ? ~tmp[i] : tmp[i];
    return true;
}

/* The characters AWS allows in a regex: letters, digits, the symbols : _ # = @ / ; , - and
 * space, and the operators ^ $ ? [ ] { } | \ * + . */
static bool rx_allowed(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr(":_#=@/;,- ^$?[]{}|\\*+.", c) != NULL;
}

/* One escaped byte after '\' (pos at the byte) into set. */
static int rx_escape(rx_parser *p, uint64_t set[4])
{
    if (p->pos >= p->n)
        return rx_fail(p, p->pos - 1, "a regex may not end with '\\'");
    char c = p->s[p->pos++];
    if (!class_escape(set, c))
        set_add(set, (unsigned char)c);
    return 0;
}

static int rx_class(rx_parser *p, uint64_t set[4])
{
    size_t open = p->pos - 1;
    bool negate = p->pos < p->n && p->s[p->pos] == '^';
    uint64_t tmp[4] = {0};
    if (negate)
        p->pos++;
    bool first = true;
    while (p->pos < p->n && (p->s[p->pos] != ']' || first)) {
        first = false;
        unsigned lo = (unsigned char)p->s[p->pos++];
        if (lo == '\\') {
            int rc = rx_escape(p, tmp);
            if (rc)
                return rc;
            continue;
        }
        if (p->pos + 1 < p->n && p->s[p->pos] == '-' && p->s[p->pos + 1] != ']') {
            unsigned hi = (unsigned char)p->s[p->pos + 1];
            if (hi < lo)
                return rx_fail(p, p->pos, "a range in a regex class runs backwards");
            set_range(tmp, lo, hi);
            p->pos += 2;
        } else {
            set_add(tmp, lo);
        }
    }
    if (p->pos >= p->n)
        return rx_fail(p, open, "a '[' in a regex is not closed");
    p->pos++;
    for (int i = 0; i < 4; i++)
        set[i] = negate ? ~tmp[i] : tmp[i];
    return 0;
}

static int rx_number(rx_parser *p, int *out)
{
    if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
        return rx_fail(p, p->pos, "a regex repetition needs a number");
    int v = 0;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        v = v * 10 + (p->s[p->pos++] - '0');
        if (v > RX_MAX_REPEAT)
            return rx_fail(p, p->pos - 1, "a regex repetition count is too large");
    }
    *out = v;
    return 0;
}

static int rx_push(rx_parser *p, rx_alt *a, const rx_state *st, rx_quant q, size_t at)
{
    if (a->n >= RX_MAX_STATES)
        return rx_fail(p, at, "the regex is too long");
    a->st[a->n] = *st;
    a->st[a->n++].quant = (uint8_t)q;
    return 0;
}

/* {m}, {m,} or {m,n} after an atom: m copies, then optional copies or a star. */
static int rx_repeat(rx_parser *p, rx_alt *a, const rx_state *atom, size_t at)
{
    size_t brace = p->pos - 1;
    int lo, hi;
    int rc = rx_number(p, &lo);
    if (rc)
        return rc;
    hi = lo;
    bool unbounded = false;
    if (p->pos < p->n && p->s[p->pos] == ',') {
        p->pos++;
        if (p->pos < p->n && p->s[p->pos] == '}')
            unbounded = true;
        else if ((rc = rx_number(p, &hi)))
            return rc;
    }
    if (p->pos >= p->n || p->s[p->pos] != '}')
        return rx_fail(p, brace, "a '{' in a regex is not closed by '}'");
    p->pos++;
    if (hi < lo)
        return rx_fail(p, brace, "a regex repetition {m,n} needs m <= n");
    for (int i = 0; i < lo && !rc; i++)
        rc = rx_push(p, a, atom, RX_ONE, at);
    if (unbounded && !rc)
        rc = rx_push(p, a, atom, RX_STAR, at);
    for (int i = lo; i < hi && !rc; i++)
        rc = rx_push(p, a, atom, RX_OPT, at);
    return rc;
}

static int rx_atom(rx_parser *p, rx_state *st)
{
    memset(st, 0, sizeof *st);
    char c = p->s[p->pos++];
    if (c == '.') {
        memset(st->set, 0xff, sizeof st->set);
        return 0;
    }
    if (c == '[')
        return rx_class(p, st->set);
    if (c == '\\')
        return rx_escape(p, st->set);
    if (strchr("?*+{}]^$", c))
        return rx_fail(p, p->pos - 1, "a regex operator has nothing to apply to");
    set_add(st->set, (unsigned char)c);
    return 0;
}

static int rx_alternative(rx_parser *p, rx_alt *a)
{
    memset(a, 0, sizeof *a);
    if (p->pos < p->n && p->s[p->pos] == '^')
        a->anchor_start = true, p->pos++;
    while (p->pos < p->n && p->s[p->pos] != '|') {
        if (p->s[p->pos] == '$' && (p->pos + 1 == p->n || p->s[p->pos + 1] == '|')) {
            a->anchor_end = true, p->pos++;
            break;
        }
        size_t at = p->pos;
        rx_state atom;
        int rc = rx_atom(p, &atom);
        if (rc)
            return rc;
        char q = p->pos < p->n ? p->s[p->pos] : 0;
        rx_quant quant = q == '?' ? RX_OPT : q == '*' ? RX_STAR : q == '+' ? RX_PLUS : RX_ONE;
        if (q == '{') {
            p->pos++;
            rc = rx_repeat(p, a, &atom, at);
        } else {
            p->pos += quant != RX_ONE;
            rc = rx_push(p, a, &atom, quant, at);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int rx_check_chars(rx_parser *p)
{
    for (size_t i = 0; i < p->n; i++) {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '(' || c == ')')
            return rx_fail(p, i, "'(' and ')' are not supported in a regex");
        if (!rx_allowed(c))
            return rx_fail(p, i, "Invalid character(s) in regex");
    }
    return 0;
}

int flt_regex_compile(const char *re, size_t n, flt_regex **out, char *err, size_t errlen,
                      size_t *at)
{
    rx_parser p = {.s = re, .n = n, .err = err, .errlen = errlen, .at = at};
    int rc = rx_check_chars(&p);
    if (rc)
        return rc;
    if (n == 0)
        return rx_fail(&p, 0, "a regex may not be empty");
    int most = 1; /* an upper bound: a '|' inside [...] is no separator */
    for (size_t i = 0; i < n; i++)
        most += re[i] == '|';
    flt_regex *r = calloc(1, sizeof *r + (size_t)most * sizeof(rx_alt));
    if (!r)
        return OT_ENOMEM;
    for (;;) {
        if ((rc = rx_alternative(&p, &r->alts[r->nalts++]))) {
            free(r);
            return rc;
        }
        if (p.pos >= n)
            break;
        p.pos++; /* the '|' */
    }
    *out = r;
    return 0;
}

/* Adds the states reachable without input: past optional and starred states. */
static uint64_t closure(const rx_alt *a, uint64_t s)
{
    for (int i = 0; i < a->n; i++)
        if ((s >> i & 1) && (a->st[i].quant == RX_OPT || a->st[i].quant == RX_STAR))
            s |= (uint64_t)1 << (i + 1);
    return s;
}

static uint64_t step(const rx_alt *a, uint64_t s, unsigned char c)
{
    uint64_t next = 0;
    for (uint64_t live = s & (((uint64_t)1 << a->n) - 1); live; live &= live - 1) {
        int i = __builtin_ctzll(live);
        const rx_state *st = &a->st[i];
        if (!set_has(st->set, c))
            continue;
        next |= (uint64_t)1 << (i + 1);
        if (st->quant == RX_STAR || st->quant == RX_PLUS)
            next |= (uint64_t)1 << i;
    }
    return closure(a, next);
}

static bool alt_search(const rx_alt *a, const char *t, size_t n)
{
    uint64_t accept = (uint64_t)1 << a->n, start = closure(a, 1);
    uint64_t s = start;
    for (size_t i = 0;; i++) {
        if ((s & accept) && (!a->anchor_end || i == n))
            return true;
        if (i == n)
            return false;
        s = step(a, s, (unsigned char)t[i]);
        if (!a->anchor_start)
            s |= start;
        else if (!s)
            return false;
    }
}

bool flt_regex_search(const flt_regex *r, const char *t, size_t n)
{
    for (int i = 0; i < r->nalts; i++)
        if (alt_search(&r->alts[i], t, n))
            return true;
    return false;
}

void flt_regex_free(flt_regex *r)
{
    free(r);
}
