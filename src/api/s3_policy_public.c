/* s3_policy_public.c — whether a bucket policy makes its bucket public.
 *
 * S3's rule ("The meaning of public",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html):
 * a policy is public unless every Allow statement either names specific principals or is
 * restricted by a condition that pins one of a list of keys to fixed values. Here an Allow
 * statement is public when its Principal is "*" or {"AWS": "*"} (alone or in a list) and no
 * condition block restricts it. A block restricts when its operator is a positive match
 * (StringEquals[IgnoreCase], StringLike, ArnEquals, ArnLike, IpAddress; not the Not* forms and
 * not ...IfExists, which a request without the key passes) on one of the keys below, with no
 * value that is a wildcard ("*" anywhere) or an all-addresses range (0.0.0.0/0, ::/0).
 * Deny statements never make a policy public. The walker is independent of the policy checker:
 * it reads any JSON (events of other systems carry keys opentrail itself refuses to store). */
#include "api/s3_policy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/json.h"

static bool str_is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && !memcmp(s, lit, n);
}

static bool list_has_star(ot_json v)
{
    const char *s;
    size_t n;
    ot_json_iter it;
    ot_json e;
    if (ot_json_typeof(v) == OT_JSON_STRING)
        return !ot_json_str(v, &s, &n) && str_is(s, n, "*");
    if (ot_json_array_iter(v, &it))
        return false;
    while (ot_json_array_next(&it, &e))
        if (list_has_star(e))
            return true;
    return false;
}

/* "*" or {"AWS": "*" | [..., "*", ...]}. */
static bool principal_is_anyone(ot_json p)
{
    ot_json aws;
    if (ot_json_typeof(p) == OT_JSON_STRING)
        return list_has_star(p);
    return ot_json_get(p, "AWS", &aws) == 0 && list_has_star(aws);
}

static bool restricting_key(const char *k, size_t n)
{
    static const char *const keys[] = {
        "aws:SourceIp",        "aws:SourceVpc",        "aws:SourceVpce",
        "aws:SourceArn",       "aws:SourceAccount",    "aws:SourceOwner",
        "aws:PrincipalOrgID",  "aws:PrincipalAccount", "aws:PrincipalArn",
        "aws:userid",          "s3:DataAccessPointArn", "s3:DataAccessPointAccount"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (n == strlen(keys[i]) && !strncasecmp(k, keys[i], n))
            return true;
    return false;
}

static bool restricting_operator(const char *op, size_t n)
{
    static const char *const ops[] = {"StringEquals", "StringEqualsIgnoreCase", "StringLike",
                                      "ArnEquals",    "ArnLike",                "IpAddress"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (str_is(op, n, ops[i]))
            return true;
    return false;
}

/* A fixed value: a non-empty string without '*' or '?', and no all-addresses range. */
static bool fixed_value(ot_json v)
{
    const char *s;
    size_t n;
    if (ot_json_str(v, &s, &n) || n == 0 || memchr(s, '*', n) || memchr(s, '?', n))
        return false;
    return !str_is(s, n, "0.0.0.0/0") && !str_is(s, n, "::/0");
}

static bool fixed_values(ot_json v)
{
    ot_json_iter it;
    ot_json e;
    if (ot_json_typeof(v) == OT_JSON_STRING)
        return fixed_value(v);
    if (ot_json_array_iter(v, &it) || ot_json_count(v) == 0)
        return false;
    while (ot_json_array_next(&it, &e))
        if (!fixed_value(e))
            return false;
    return true;
}

/* Whether a Condition pins a restricting key to fixed values (blocks are ANDed: one is enough). */
static bool condition_restricts(ot_json cond)
{
    ot_json_iter ops, keys;
    ot_json block, val;
    const char *op, *k;
    size_t ol, kl;
    if (ot_json_object_iter(cond, &ops))
        return false;
    while (ot_json_object_next(&ops, &op, &ol, &block)) {
        if (!restricting_operator(op, ol) || ot_json_object_iter(block, &keys))
            continue;
        while (ot_json_object_next(&keys, &k, &kl, &val))
            if (restricting_key(k, kl) && fixed_values(val))
                return true;
    }
    return false;
}

static bool statement_is_public(ot_json st)
{
    ot_json eff, pr, cond;
    const char *s;
    size_t n;
    if (ot_json_get(st, "Effect", &eff) || ot_json_str(eff, &s, &n) || !str_is(s, n, "Allow"))
        return false;
    if (ot_json_get(st, "Principal", &pr) || !principal_is_anyone(pr))
        return false;
    return ot_json_get(st, "Condition", &cond) || !condition_restricts(cond);
}

static void name_statement(ot_json st, size_t index, char *why, size_t whylen)
{
    const char *sid;
    size_t n;
    if (!why || !whylen)
        return;
    if (!ot_json_get_str(st, "Sid", &sid, &n))
        snprintf(why, whylen, "statement \"%.*s\" allows anyone (Principal \"*\") without a "
                 "restricting condition", (int)(n > 100 ? 100 : n), sid);
    else
        snprintf(why, whylen, "statement %zu allows anyone (Principal \"*\") without a "
                 "restricting condition", index + 1);
}

bool ot_s3_policy_is_public(const char *json, size_t len, char *why, size_t whylen)
{
    ot_json root, stmts, st;
    ot_json_iter it;
    bool pub = false;
    if (why && whylen)
        why[0] = '\0';
    ot_json_doc *d = ot_json_doc_new();
    if (!d || ot_json_parse(d, json, len, false, &root, NULL, 0) ||
        ot_json_get(root, "Statement", &stmts))
        goto out;
    if (ot_json_typeof(stmts) == OT_JSON_OBJECT) {
        if ((pub = statement_is_public(stmts)))
            name_statement(stmts, 0, why, whylen);
        goto out;
    }
    if (ot_json_array_iter(stmts, &it))
        goto out;
    for (size_t i = 0; !pub && ot_json_array_next(&it, &st); i++)
        if ((pub = statement_is_public(st)))
            name_statement(st, i, why, whylen);
out:
    ot_json_doc_free(d);
    return pub;
}
