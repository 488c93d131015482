/* region.c — region names by the AWS partitions' patterns (see region.h). */
#include "util/region.h"

#include <string.h>

/* The partitions' prefixes, from botocore data/partitions.json (regionRegex of each). */
static const char *const prefixes[] = {
    "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", /* aws */
    "cn",                                                 /* aws-cn */
    "us-gov",                                             /* aws-us-gov */
    "us-iso", "us-isob", "us-isof", "eu-isoe",            /* aws-iso, -b, -f, -e */
    "eusc-de",                                            /* aws-eusc */
};

/* "<word>-<digits>" and nothing after: \w+\-\d+$ with \w as [a-z0-9]. */
static bool word_dash_number(const char *s)
{
    size_t w = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789");
    if (w == 0 || s[w] != '-')
        return false;
    const char *d = s + w + 1;
    size_t n = strspn(d, "0123456789");
    return n > 0 && d[n] == '\0';
}

bool ot_region_valid(const char *s)
{
    if (!s || strlen(s) > OT_REGION_MAX)
        return false;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(s, prefixes[i], n) == 0 && s[n] == '-' && word_dash_number(s + n + 1))
            return true;
    }
    return false;
}
