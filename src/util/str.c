/* str.c — small string helpers (str.h). */
#include "util/str.h"

#include <ctype.h>
#include <string.h>

char *ot_str_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

size_t ot_str_rstrip_len(const char *s, char c)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == c)
        n--;
    return n;
}
