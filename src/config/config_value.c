/* config_value.c — one option's value, parsed by the option's type (config.h) and checked
 * against its bounds; a refusal says what the option expects. */
#include "config/config_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/region.h"
#include "util/timeutil.h"

static bool in_bounds(const ot_option *o, double v)
{
    return v >= o->lo && (o->hi == 0 || v <= o->hi);
}

/* Digits only: no sign, no spaces, no overflow (strtoull would take "-5" as a huge number). */
static bool parse_whole(const char *v, uint64_t *out)
{
    if (!*v || strspn(v, "0123456789") != strlen(v))
        return false;
    uint64_t n = 0;
    for (; *v; v++) {
        if (n > (UINT64_MAX - (uint64_t)(*v - '0')) / 10)
            return false;
        n = n * 10 + (uint64_t)(*v - '0');
    }
    *out = n;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
        *out = false;
    else
        return false;
    return true;
}

static bool parse_hostport(const char *v)
{
    const char *colon = strrchr(v, ':');
    uint64_t port;
    return colon && strlen(colon + 1) <= 5 && parse_whole(colon + 1, &port) && port <= 65535;
}

static bool parse_enum(const ot_option *o, const char *v, int *out)
{
    for (int i = 0; o->choices[i]; i++)
        if (!strcmp(o->choices[i], v)) {
            *out = i;
            return true;
        }
    return false;
}

static bool parse_number(const ot_option *o, const char *v, void *field)
{
    uint64_t n;
    double d;
    char *end;
    switch (o->type) {
    case OT_OPT_DURATION:
        return !ot_duration_parse(v, (int64_t *)field) && in_bounds(o, (double)*(int64_t *)field);
    case OT_OPT_BYTES:
        if (!parse_whole(v, &n) || !in_bounds(o, (double)n))
            return false;
        *(uint64_t *)field = n;
        return true;
    case OT_OPT_UNSIGNED:
        if (!parse_whole(v, &n) || n > UINT_MAX || !in_bounds(o, (double)n))
            return false;
        *(unsigned *)field = (unsigned)n;
        return true;
    default: /* OT_OPT_DOUBLE; !(d >= 0) also refuses NaN */
        d = strtod(v, &end);
        if (end == v || *end || !(d >= 0) || !in_bounds(o, d))
            return false;
        *(double *)field = d;
        return true;
    }
}

/* Whether v is good for o; a good value is stored in field (which o's type describes). */
static bool parse(const ot_option *o, const char *v, void *field)
{
    switch (o->type) {
    case OT_OPT_STRING:
        return true; /* the length is checked by the caller */
    case OT_OPT_FLAG:
    case OT_OPT_BOOL:
        return parse_bool(v, (bool *)field);
    case OT_OPT_REGION:
        return ot_region_valid(v);
    case OT_OPT_ACCOUNT:
        return strlen(v) == 12 && strspn(v, "0123456789") == 12;
    case OT_OPT_HOSTPORT:
        return parse_hostport(v);
    case OT_OPT_ENUM:
        return parse_enum(o, v, (int *)field);
    default:
        return parse_number(o, v, field);
    }
}

/* A bound as it would be typed: durations in the largest unit that divides them. */
static void format_bound(const ot_option *o, double v, char *out, size_t n)
{
    static const struct { const char *unit; double ms; } units[] = {
        {"d", 86400e3}, {"h", 3600e3}, {"m", 60e3}, {"s", 1e3}, {"ms", 1}};
    if (o->type == OT_OPT_DURATION && v > 0)
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if ((int64_t)v % (int64_t)units[i].ms == 0) {
                snprintf(out, n, "%.15g%s", v / units[i].ms, units[i].unit);
                return;
            }
    snprintf(out, n, "%.15g", v);
}

/* " (from LO to HI; 0 = ZERO)", " (at least LO)", or "" when the option has no bounds. */
static void format_range(const ot_option *o, char *out, size_t n)
{
    char lo[32], hi[32], range[96] = "";
    format_bound(o, o->lo, lo, sizeof lo);
    format_bound(o, o->hi, hi, sizeof hi);
    if (o->hi)
        snprintf(range, sizeof range, "from %s to %s", lo, hi);
    else if (o->lo)
        snprintf(range, sizeof range, "at least %s", lo);
    const char *sep = range[0] && o->zero ? "; " : "";
    if (range[0] || o->zero)
        snprintf(out, n, " (%s%s%s%s)", range, sep, o->zero ? "0 = " : "", o->zero ? o->zero : "");
    else
        out[0] = '\0';
}

/* What o expects, as "expected <this>, got ...". */
static void expected(const ot_option *o, char *out, size_t n)
{
    char range[160];
    format_range(o, range, sizeof range);
    switch (o->type) {
    case OT_OPT_FLAG:
    case OT_OPT_BOOL: snprintf(out, n, "true or false"); break;
    case OT_OPT_DURATION: snprintf(out, n, "a duration such as %s%s", o->def, range); break;
    case OT_OPT_BYTES: snprintf(out, n, "a byte count%s", range); break;
    case OT_OPT_UNSIGNED: snprintf(out, n, "a whole number%s", range); break;
    case OT_OPT_DOUBLE: snprintf(out, n, "a number%s", range); break;
    case OT_OPT_ACCOUNT: snprintf(out, n, "12 digits"); break;
    case OT_OPT_HOSTPORT: snprintf(out, n, "host:port such as %s", o->def); break;
    default: /* OT_OPT_ENUM */
        snprintf(out, n, "one of");
        for (int i = 0; o->choices[i]; i++)
            snprintf(out + strlen(out), n - strlen(out), "%s %s", i ? "," : "", o->choices[i]);
    }
}

static int refuse(const ot_option *o, const char *value, char *err, size_t errlen)
{
    if (o->type == OT_OPT_REGION) {
        snprintf(err, errlen, "%s: '%s' is not an AWS region name (such as us-east-1)", o->name,
                 value);
        return OT_EINVAL;
    }
    char want[256];
    expected(o, want, sizeof want);
    snprintf(err, errlen, "%s: expected %s, got '%s'", o->name, want, value);
    return OT_EINVAL;
}

int ot_config_set_value(ot_config *cfg, const ot_option *o, const char *value, char *err,
                        size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    bool is_text = o->type == OT_OPT_STRING || o->type == OT_OPT_REGION ||
                   o->type == OT_OPT_ACCOUNT || o->type == OT_OPT_HOSTPORT;
    union { int64_t i64; uint64_t u64; double d; unsigned u; int i; bool b; } parsed;
    if (!parse(o, value, &parsed))
        return refuse(o, value, err, errlen);
    if (is_text && strlen(value) >= o->size) {
        snprintf(err, errlen, "%s: value too long (at most %zu characters)", o->name,
                 o->size - 1);
        return OT_EINVAL;
    }
    if (is_text)
        memcpy(field, value, strlen(value) + 1);
    else
        memcpy(field, &parsed, o->size);
    return OT_OK;
}

void ot_config_format_value(const ot_config *cfg, const ot_option *o, char *out, size_t n)
{
    const char *field = (const char *)cfg + o->offset;
    switch (o->type) {
    case OT_OPT_FLAG:
    case OT_OPT_BOOL: snprintf(out, n, "%s", *(const bool *)field ? "true" : "false"); break;
    case OT_OPT_DURATION: format_bound(o, (double)*(const int64_t *)field, out, n); break;
    case OT_OPT_BYTES:
        snprintf(out, n, "%llu", (unsigned long long)*(const uint64_t *)field);
        break;
    case OT_OPT_UNSIGNED: snprintf(out, n, "%u", *(const unsigned *)field); break;
    case OT_OPT_DOUBLE: snprintf(out, n, "%.15g", *(const double *)field); break;
    case OT_OPT_ENUM: snprintf(out, n, "%s", o->choices[*(const int *)field]); break;
    default: snprintf(out, n, "%s", field); /* the text types */
    }
}
