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

/* botocore data/partitions.json, partition "aws", each region's "description". */
static const struct {
    const char *name, *long_name;
} LONG_NAMES[] = {
    {"af-south-1", "Africa (Cape Town)"},
    {"ap-east-1", "Asia Pacific (Hong Kong)"},
    {"ap-east-2", "Asia Pacific (Taipei)"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
    {"ap-northeast-2", "Asia Pacific (Seoul)"},
    {"ap-northeast-3", "Asia Pacific (Osaka)"},
    {"ap-south-1", "Asia Pacific (Mumbai)"},
    {"ap-south-2", "Asia Pacific (Hyderabad)"},
    {"ap-southeast-1", "Asia Pacific (Singapore)"},
    {"ap-southeast-2", "Asia Pacific (Sydney)"},
    {"ap-southeast-3", "Asia Pacific (Jakarta)"},
    {"ap-southeast-4", "Asia Pacific (Melbourne)"},
    {"ap-southeast-5", "Asia Pacific (Malaysia)"},
    {"ap-southeast-6", "Asia Pacific (New Zealand)"},
    {"ap-southeast-7", "Asia Pacific (Thailand)"},
    {"ca-central-1", "Canada (Central)"},
    {"ca-west-1", "Canada West (Calgary)"},
    {"eu-central-1", "Europe (Frankfurt)"},
    {"eu-central-2", "Europe (Zurich)"},
    {"eu-north-1", "Europe (Stockholm)"},
    {"eu-south-1", "Europe (Milan)"},
    {"eu-south-2", "Europe (Spain)"},
    {"eu-west-1", "Europe (Ireland)"},
    {"eu-west-2", "Europe (London)"},
    {"eu-west-3", "Europe (Paris)"},
    {"il-central-1", "Israel (Tel Aviv)"},
    {"me-central-1", "Middle East (UAE)"},
    {"me-south-1", "Middle East (Bahrain)"},
    {"mx-central-1", "Mexico (Central)"},
    {"sa-east-1", "South America (Sao Paulo)"},
    {"us-east-1", "US East (N. Virginia)"},
    {"us-east-2", "US East (Ohio)"},
    {"us-west-1", "US West (N. California)"},
    {"us-west-2", "US West (Oregon)"},
};

const char *ot_region_long_name(const char *region)
{
    for (size_t i = 0; region && i < sizeof LONG_NAMES / sizeof LONG_NAMES[0]; i++)
        if (!strcmp(region, LONG_NAMES[i].name))
            return LONG_NAMES[i].long_name;
    return NULL;
}
