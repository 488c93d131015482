/* filter_regex.h — the regular expressions of filter patterns (%...%), a deliberately small
 * dialect: literals, '.', [classes], \d \D \s \S \w \W and escaped symbols, the quantifiers
 * ? * + {m} {m,} {m,n}, top-level '|' alternatives, '^' and '$' anchors; no groups (AWS rejects
 * '(' and ')'). Each alternative compiles to a chain of at most 63 states and matches as a
 * bit-parallel Thompson NFA: no backtracking, no allocation, linear time in the text.
 * Why not POSIX regcomp: regexec allocates per call, knows no \d, and backtracks in glibc for
 * some inputs; the dialect is small enough to run exactly. */
#ifndef OT_FILTER_REGEX_H
#define OT_FILTER_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct flt_regex flt_regex;

/* Compiles re[0..n) (without the % delimiters). Returns 0 and *out, OT_ENOMEM, or OT_EINVAL
 * with a message in err and the offset in re of the offending byte in *at. */
int flt_regex_compile(const char *re, size_t n, flt_regex **out, char *err, size_t errlen,
                      size_t *at);
/* True if the regex matches somewhere in t[0..n) (anchors permitting). */
bool flt_regex_search(const flt_regex *r, const char *t, size_t n);
void flt_regex_free(flt_regex *r);

#endif
