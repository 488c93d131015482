/* sns_name.c — the names SNS accepts: topic names, topic and subscription ARNs, and the file
 * names our `file` protocol writes to. Pure functions over untrusted strings (unit-tested in
 * tests/unit/test_sns_name.c). */
#include <stdio.h>
#include <string.h>

#include "sns/sns.h"
#include "util/err.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define ARN_PREFIX "arn:aws:sns:"
#define SUB_ID_LEN 36 /* a uuid */

bool ot_sns_topic_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n >= 1 && n <= OT_SNS_NAME_MAX && strspn(name, NAME_CHARS) == n;
}

/* Copies the n bytes at s into out[cap] if they fit and are all of chars. */
static bool field(const char *s, size_t n, const char *chars, char *out, size_t cap)
{
    if (n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(chars, s[i]))
            return false;
    if (out) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return true;
}

int ot_sns_topic_arn_parse(const char *arn, char *region, char *account, char *name)
{
    size_t plen = strlen(ARN_PREFIX);
    if (strncmp(arn, ARN_PREFIX, plen))
        return OT_EINVAL;
    const char *r = arn + plen, *a = strchr(r, ':');
    const char *t = a ? strchr(a + 1, ':') : NULL;
    if (!t)
        return OT_EINVAL;
    if (!field(r, (size_t)(a - r), "abcdefghijklmnopqrstuvwxyz0123456789-", region, 32) ||
        !field(a + 1, (size_t)(t - a - 1), "0123456789", account, 16) || t - a - 1 != 12 ||
        !ot_sns_topic_name_ok(t + 1))
        return OT_EINVAL;
    if (name)
        snprintf(name, OT_SNS_NAME_MAX + 1, "%s", t + 1);
    return OT_OK;
}

int ot_sns_sub_arn_topic(const char *sub_arn, char topic_arn[OT_SNS_ARN_MAX])
{
    size_t n = strlen(sub_arn);
    if (n < SUB_ID_LEN + 2 || sub_arn[n - SUB_ID_LEN - 1] != ':')
        return OT_EINVAL;
    const char *id = sub_arn + n - SUB_ID_LEN;
    if (strspn(id, "0123456789abcdef-") != SUB_ID_LEN)
        return OT_EINVAL;
    size_t tlen = n - SUB_ID_LEN - 1;
    if (tlen >= OT_SNS_ARN_MAX)
        return OT_EINVAL;
    memcpy(topic_arn, sub_arn, tlen);
    topic_arn[tlen] = '\0';
    return ot_sns_topic_arn_parse(topic_arn, NULL, NULL, NULL);
}

bool ot_sns_file_endpoint_ok(const char *endpoint)
{
    size_t n = strlen(endpoint);
    return n >= 1 && n <= 255 && endpoint[0] != '.' &&
           strspn(endpoint, NAME_CHARS ".") == n;
}
