/* trail_name.c — trail naming rules (with AWS's exact messages) and trail ARNs. */
#include <stdio.h>
#include <string.h>

#include "trail/trail.h"
#include "util/err.h"
#include "util/region.h"

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_punct(char c) { return c == '.' || c == '_' || c == '-'; }

/* Dotted-quad form such as 192.168.5.4 (AWS refuses names that look like an IP address). */
static bool looks_like_ip(const char *s)
{
    int parts = 0, digits = 0;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') {
            if (++digits > 3)
                return false;
        } else if (*s == '.' || *s == '\0') {
            if (digits == 0)
                return false;
            parts++;
            digits = 0;
            if (*s == '\0')
                return parts == 4;
        } else {
            return false;
        }
    }
}

static int fail(char *msg, size_t cap, const char *text)
{
    snprintf(msg, cap, "%s", text);
    return OT_EINVAL;
}

int ot_trail_name_check(const char *name, char *msg, size_t msgcap)
{
    size_t n = strlen(name);
    if (n < 3) {
        snprintf(msg, msgcap,
                 "Trail name too short. Minimum allowed length: 3 characters. Specified name "
                 "length: %zu characters.", n);
        return OT_EINVAL;
    }
    if (n > 128) {
        snprintf(msg, msgcap,
                 "Trail name too long. Maximum allowed length: 128 characters. Specified name "
                 "length: %zu characters.", n);
        return OT_EINVAL;
    }
    if (!is_alnum(name[0]))
        return fail(msg, msgcap, "Trail name must starts with a letter or number.");
    if (!is_alnum(name[n - 1]))
        return fail(msg, msgcap, "Trail name must ends with a letter or number.");
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(name[i]) && !is_punct(name[i]))
            return fail(msg, msgcap,
                        "Trail name or ARN can only contain uppercase letters, lowercase "
                        "letters, numbers, periods (.), hyphens (-), and underscores (_).");
    for (size_t i = 1; i < n; i++)
        if (is_punct(name[i]) && is_punct(name[i - 1]))
            return fail(msg, msgcap,
                        "Trail name cannot contain adjacent periods (.), hyphens (-) or "
                        "underscores (_).");
    if (looks_like_ip(name))
        return fail(msg, msgcap, "Trail name cannot be formatted as an IP address.");
    return 0;
}

int ot_trail_arn_make(char *out, size_t cap, const char *region, const char *account,
                      const char *name)
{
    int n = snprintf(out, cap, "arn:aws:cloudtrail:%s:%s:trail/%s", region, account, name);
    return n < 0 || (size_t)n >= cap ? OT_ELIMIT : 0;
}

/* Copies s[0..n) into out if it fits and every byte passes ok(). */
static int take(const char *s, size_t n, char *out, size_t cap, bool (*ok)(char))
{
    if (n == 0 || n >= cap)
        return OT_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!ok(s[i]))
            return OT_EINVAL;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

static bool any_char(char c) { return c != '\0'; }
static bool digit_char(char c) { return c >= '0' && c <= '9'; }
static bool name_char(char c) { return c != '\0' && c != '/' && c != ':'; }

int ot_trail_arn_parse(const char *arn, char region[32], char account[16], char name[129])
{
    static const char pfx[] = "arn:aws:cloudtrail:";
    if (strncmp(arn, pfx, sizeof pfx - 1) != 0)
        return OT_EINVAL;
    const char *r = arn + sizeof pfx - 1;
    const char *a = strchr(r, ':');
    if (!a || take(r, (size_t)(a - r), region, 32, any_char) || !ot_region_valid(region))
        return OT_EINVAL;
    a++;
    const char *t = strchr(a, ':');
    if (!t || t - a != 12 || take(a, 12, account, 16, digit_char))
        return OT_EINVAL;
    if (strncmp(t, ":trail/", 7) != 0)
        return OT_EINVAL;
    const char *nm = t + 7;
    return take(nm, strlen(nm), name, 129, name_char);
}

void ot_trail_sns_topic_arn(const ot_trail *t, char *out, size_t cap)
{
    if (!t->sns_topic_name[0] || !strncmp(t->sns_topic_name, "arn:", 4))
        snprintf(out, cap, "%s", t->sns_topic_name);
    else
        snprintf(out, cap, "arn:aws:sns:%s:%s:%s", t->home_region, t->account_id,
                 t->sns_topic_name);
}
