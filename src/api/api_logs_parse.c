/* api_logs_parse.c — the small parsers of the Logs API: GetLogEvents' direction tokens, the
 * retention values, and the field names a filter pattern reads (for TestMetricFilter's
 * extractedValues). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_logs.h"
#include "util/err.h"

/* A decimal int64 at *p (an optional '-', then digits, no overflow) ending at `end`. */
static bool int_until(const char **p, char end, int64_t *v)
{
    const char *s = *p;
    char *stop;
    if (*s != '-' && !isdigit((unsigned char)*s))
        return false;
    if (*s == '-' && !isdigit((unsigned char)s[1]))
        return false;
    errno = 0;
    long long x = strtoll(s, &stop, 10);
    if (errno || *stop != end)
        return false;
    *v = x;
    *p = stop + (end != '\0');
    return true;
}

int ot_logs_token_parse(const char *s, bool *backward, int64_t *ts, int64_t *id)
{
    if (!s || (s[0] != 'f' && s[0] != 'b') || s[1] != '/')
        return OT_EINVAL;
    const char *p = s + 2;
    int64_t t, i;
    if (!int_until(&p, '/', &t) || !int_until(&p, '\0', &i))
        return OT_EINVAL;
    *backward = s[0] == 'b';
    *ts = t;
    *id = i;
    return 0;
}

int ot_logs_offset_parse(const char *s, int64_t *offset)
{
    const char *p = s ? s + 2 : NULL;
    int64_t v;
    if (!s || s[0] != 'o' || s[1] != '/' || !int_until(&p, '\0', &v) || v < 0)
        return OT_EINVAL;
    *offset = v;
    return 0;
}

void ot_logs_token_format(char *out, size_t cap, bool backward, int64_t ts, int64_t id)
{
    snprintf(out, cap, "%c/%" PRId64 "/%" PRId64, backward ? 'b' : 'f', ts, id);
}

bool ot_logs_retention_valid(int64_t days)
{
    static const int VALID[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                                365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};
    for (size_t i = 0; i < sizeof VALID / sizeof *VALID; i++)
        if (VALID[i] == days)
            return true;
    return false;
}

static bool selector_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '[' || ch == ']' ||
           ch == '-';
}

/* Every "$.selector" outside a quoted string. */
static void json_fields(const char *p, void (*fn)(void *, const char *, size_t), void *ctx)
{
    bool quoted = false;
    for (; *p; p++) {
        if (quoted && *p == '\\' && p[1])
            p++; /* an escaped character inside a string */
        else if (*p == '"')
            quoted = !quoted;
        else if (!quoted && p[0] == '$' && p[1] == '.') {
            size_t n = 2;
            while (selector_char(p[n]))
                n++;
            fn(ctx, p, n);
            p += n - 1;
        }
    }
}

/* The name that starts each comma-separated field of "[a, b = 1, ...]", outside quotes and
 * brackets. "..." and unnamed fields have none. */
static void delim_fields(const char *p, void (*fn)(void *, const char *, size_t), void *ctx)
{
    p = strchr(p, '[');
    bool at_field = true, quoted = false;
    int depth = 0;
    for (p = p ? p + 1 : ""; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        if (quoted)
            continue;
        if (*p == '(' || *p == '[')
            depth++;
        else if (*p == ')' || (*p == ']' && depth > 0))
            depth--;
        else if (*p == ']' && depth == 0)
            return;
        if (*p == ',' && depth == 0) {
            at_field = true;
        } else if (at_field && !isspace((unsigned char)*p)) {
            size_t n = 0;
            while (isalnum((unsigned char)p[n]) || p[n] == '_')
                n++;
            if (n > 0)
                fn(ctx, p, n);
            at_field = false;
            p += n ? n - 1 : 0;
        }
    }
}

void ot_logs_pattern_fields(const char *pattern, void (*fn)(void *ctx, const char *name,
                                                            size_t len), void *ctx)
{
    const char *p = pattern;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '{')
        json_fields(p, fn, ctx);
    else if (*p == '[')
        delim_fields(p, fn, ctx);
}
