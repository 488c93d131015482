/* pattern_wildcard.c — EventBridge's wildcard operand: '*' matches any run of characters
 * (none included); "\*" is a literal star and "\\" a literal backslash; any other escape, and
 * two stars in a row, are refused, in event-ruler's words. */
#include <stdio.h>
#include <string.h>

#include "pattern/pattern_int.h"
#include "util/err.h"

int pt_wildcard_check(const char *s, size_t n, char *msg, size_t msgcap)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            if (i + 1 >= n || (s[i + 1] != '*' && s[i + 1] != '\\')) {
                snprintf(msg, msgcap, "Invalid escape character at pos %zu", i);
                return OT_EINVAL;
            }
            i++;
        } else if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
            snprintf(msg, msgcap, "Consecutive wildcard characters at pos %zu", i);
            return OT_EINVAL;
        }
    }
    return 0;
}

/* The literal character at w[*i] (unescaped), advancing *i; false at an unescaped star. */
static bool literal_at(const char *w, size_t *i, char *c)
{
    if (w[*i] == '*')
        return false;
    if (w[*i] == '\\')
        (*i)++;
    *c = w[(*i)++];
    return true;
}

/* Glob matching with one backtrack point, the last star: enough when '*' is the only
 * metacharacter. */
bool pt_wildcard_match(const char *w, size_t wn, const char *v, size_t vn)
{
    size_t wi = 0, vi = 0, star_w = PT_NONE, star_v = 0;
    while (vi < vn) {
        if (wi < wn) {
            if (w[wi] == '*') {
                star_w = ++wi;
                star_v = vi;
                continue;
            }
            size_t next = wi;
            char c;
            literal_at(w, &next, &c);
            if (c == v[vi]) {
                wi = next, vi++;
                continue;
            }
        }
        if (star_w == PT_NONE)
            return false;
        wi = star_w;
        vi = ++star_v;
    }
    while (wi < wn && w[wi] == '*')
        wi++;
    return wi == wn;
}

size_t pt_wildcard_head(const char *w, size_t wn, char *out)
{
    size_t i = 0, k = 0;
    char c;
    while (i < wn && literal_at(w, &i, &c))
        out[k++] = c;
    return k;
}

size_t pt_wildcard_tail(const char *w, size_t wn, char *out)
{
    size_t i = 0, k = 0;
    char c;
    while (i < wn) {
        if (w[i] == '*') {
            i++, k = 0; /* the tail starts again after every star */
            continue;
        }
        literal_at(w, &i, &c);
        out[k++] = c;
    }
    return k;
}

bool pt_wildcard_has_star(const char *w, size_t wn)
{
    for (size_t i = 0; i < wn; i++) {
        if (w[i] == '\\')
            i++;
        else if (w[i] == '*')
            return true;
    }
    return false;
}
