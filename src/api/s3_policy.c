/* s3_policy.c — checking and evaluating bucket policies (the language is in s3_policy.h).
 *
 * One walker serves both: with no request it only checks the document (PutBucketPolicy), with one
 * it also computes whether each statement matches. The document is stored as given and walked
 * again per request: policies are small and simdjson parses them in microseconds, and there is
 * no second, compiled representation to keep in step with the text. */
#include "api/s3_policy.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/json.h"

typedef struct pol {
    const ot_s3_access *a; /* NULL: check only */
    const char *bucket;
    char *err;
    size_t errlen;
} pol;

static int fail(pol *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(pol *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (p->err)
        vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    return OT_EINVAL;
}

static bool ch_eq(char x, char y, bool nocase)
{
    return nocase ? tolower((unsigned char)x) == tolower((unsigned char)y) : x == y;
}

/* IAM wildcards: '*' any run of characters, '?' any one. Linear backtracking on the last '*'. */
static bool glob(const char *pat, size_t pn, const char *s, size_t sn, bool nocase)
{
    size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;
    while (si < sn) {
        if (pi < pn && pat[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pn && (pat[pi] == '?' || ch_eq(pat[pi], s[si], nocase))) {
            pi++, si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < pn && pat[pi] == '*')
        pi++;
    return pi == pn;
}

static bool str_is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && !memcmp(s, lit, n);
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* One value of a list-or-string element: checks it and ORs its match into *m. */
typedef int (*value_fn)(pol *p, const char *s, size_t n, void *arg, bool *m);

static int each_value(pol *p, ot_json v, const char *what, value_fn fn, void *arg, bool *m)
{
    const char *s;
    size_t n;
    *m = false;
    if (ot_json_typeof(v) == OT_JSON_STRING) {
        ot_json_str(v, &s, &n);
        return fn(p, s, n, arg, m);
    }
    ot_json_iter it;
    ot_json e;
    if (ot_json_typeof(v) != OT_JSON_ARRAY || ot_json_count(v) == 0)
        return fail(p, "%s must be a string or a non-empty list of strings.", what);
    ot_json_array_iter(v, &it);
    while (ot_json_array_next(&it, &e)) {
        bool one = false;
        if (ot_json_typeof(e) != OT_JSON_STRING)
            return fail(p, "%s must be a string or a non-empty list of strings.", what);
        ot_json_str(e, &s, &n);
        if (fn(p, s, n, arg, &one))
            return OT_EINVAL;
        *m = *m || one;
    }
    return OT_OK;
}

/* ---- Principal ----------------------------------------------------------------------- */

/* "arn:aws:iam::<12 digits>:" followed by "root" or "user/<name>": returns the tail or NULL. */
static const char *iam_arn_tail(const char *s, size_t n)
{
    static const char head[] = "arn:aws:iam::";
    size_t hl = sizeof head - 1;
    if (n < hl + 13 || memcmp(s, head, hl) || !all_digits(s + hl, 12) || s[hl + 12] != ':')
        return NULL;
    const char *t = s + hl + 13;
    size_t tl = n - hl - 13;
    if (str_is(t, tl, "root") || (tl > 5 && !memcmp(t, "user/", 5)))
        return t;
    return NULL;
}

static int aws_principal(pol *p, const char *s, size_t n, void *arg, bool *m)
{
    const ot_s3_access *a = p->a;
    const char *tail = NULL;
    if (!str_is(s, n, "*") && !(n == 12 && all_digits(s, n)) && !(tail = iam_arn_tail(s, n)))
        return fail(p, "Invalid principal in policy: \"%.*s\" (use \"*\", an account id, "
                    "arn:aws:iam::<id>:root or arn:aws:iam::<id>:user/<name>).", (int)n, s);
    if (!a)
        return OT_OK;
    if (str_is(s, n, "*"))
        *m = true; /* {"AWS": "*"} is the same as "*" */
    else if (!a->account)
        *m = false;
    else if (n == 12)
        *m = !memcmp(s, a->account, 12) && a->account[12] == '\0';
    else if (!strncmp(tail, "root", 4))
        *m = !memcmp(s + 13, a->account, 12) && a->account[12] == '\0';
    else
        *m = a->arn && str_is(s, n, a->arn);
    return OT_OK;
}

static int service_principal(pol *p, const char *s, size_t n, void *arg, bool *m)
{
    static const char suffix[] = ".amazonaws.com";
    size_t sl = sizeof suffix - 1;
    if (n <= sl || memcmp(s + n - sl, suffix, sl) || memchr(s, '*', n))
        return fail(p, "Invalid principal in policy: service \"%.*s\" (use "
                    "<name>.amazonaws.com).", (int)n, s);
    *m = p->a && p->a->service && str_is(s, n, p->a->service);
    return OT_OK;
}

static int principal(pol *p, ot_json v, bool *m)
{
    const char *s, *key;
    size_t n, kl;
    *m = false;
    if (ot_json_typeof(v) == OT_JSON_STRING) {
        ot_json_str(v, &s, &n);
        if (!str_is(s, n, "*"))
            return fail(p, "Invalid principal in policy: \"%.*s\".", (int)n, s);
        *m = true;
        return OT_OK;
    }
    ot_json_iter it;
    ot_json e;
    if (ot_json_typeof(v) != OT_JSON_OBJECT || ot_json_count(v) == 0)
        return fail(p, "Principal must be \"*\" or an object with AWS and/or Service.");
    ot_json_object_iter(v, &it);
    while (ot_json_object_next(&it, &key, &kl, &e)) {
        bool one;
        value_fn fn = str_is(key, kl, "AWS") ? aws_principal
                      : str_is(key, kl, "Service") ? service_principal : NULL;
        if (!fn)
            return fail(p, "Unsupported principal type \"%.*s\" (only AWS and Service).",
                        (int)kl, key);
        if (each_value(p, e, "Principal", fn, NULL, &one))
            return OT_EINVAL;
        *m = *m || one;
    }
    return OT_OK;
}

/* ---- Action and Resource -------------------------------------------------------------- */

static int action(pol *p, const char *s, size_t n, void *arg, bool *m)
{
    bool ok = str_is(s, n, "*") || (n > 3 && !strncasecmp(s, "s3:", 3));
    for (size_t i = 3; ok && i < n; i++)
        ok = isalnum((unsigned char)s[i]) || s[i] == '*' || s[i] == '?';
    if (!ok)
        return fail(p, "Policy has invalid action: \"%.*s\" (only s3: actions).", (int)n, s);
    *m = p->a && glob(s, n, p->a->action, strlen(p->a->action), true);
    return OT_OK;
}

static int resource(pol *p, const char *s, size_t n, void *arg, bool *m)
{
    char want[80];
    int wl = snprintf(want, sizeof want, "arn:aws:s3:::%s", p->bucket);
    if (wl < 0 || (size_t)wl >= sizeof want || n < (size_t)wl || memcmp(s, want, (size_t)wl) ||
        (n > (size_t)wl && s[wl] != '/'))
        return fail(p, "Policy has invalid resource: \"%.*s\" (must be %s or %s/<key pattern>).",
                    (int)n, s, want, want);
    const ot_s3_access *a = p->a;
    if (!a)
        return OT_OK;
    if (!a->key)
        *m = n == (size_t)wl;
    else
        *m = n > (size_t)wl && glob(s + wl + 1, n - (size_t)wl - 1, a->key, a->key_len, false);
    return OT_OK;
}

/* ---- Condition ---------------------------------------------------------------------------- */

typedef struct cond_arg {
    bool like;          /* StringLike / ArnLike: wildcards */
    const char *have;   /* the request's value, NULL if it carries none */
} cond_arg;

static int cond_value(pol *p, const char *s, size_t n, void *arg, bool *m)
{
    const cond_arg *c = arg;
    if (c->have)
        *m = c->like ? glob(s, n, c->have, strlen(c->have), false) : str_is(s, n, c->have);
    return OT_OK;
}

/* The request's value for a supported condition key; false for an unsupported key. */
static bool cond_key(pol *p, const char *k, size_t kl, const char **have)
{
    const ot_s3_access *a = p->a;
    char lk[32];
    if (kl >= sizeof lk)
        return false;
    for (size_t i = 0; i < kl; i++)
        lk[i] = (char)tolower((unsigned char)k[i]);
    lk[kl] = '\0';
    if (!strcmp(lk, "aws:sourcearn"))
        *have = a ? a->source_arn : NULL;
    else if (!strcmp(lk, "aws:sourceaccount"))
        *have = a ? a->source_account : NULL;
    else if (!strcmp(lk, "s3:x-amz-acl"))
        *have = a ? a->acl : NULL;
    else
        return false;
    return true;
}

static int condition(pol *p, ot_json v, bool *m)
{
    ot_json_iter ops, keys;
    ot_json block, val;
    const char *op, *k;
    size_t ol, kl;
    *m = true;
    if (ot_json_typeof(v) != OT_JSON_OBJECT)
        return fail(p, "Condition must be an object.");
    ot_json_object_iter(v, &ops);
    while (ot_json_object_next(&ops, &op, &ol, &block)) {
        cond_arg c = {.like = str_is(op, ol, "StringLike") || str_is(op, ol, "ArnLike")};
        if (!c.like && !str_is(op, ol, "StringEquals") && !str_is(op, ol, "ArnEquals"))
            return fail(p, "Unsupported condition operator \"%.*s\" (StringEquals, StringLike, "
                        "ArnEquals, ArnLike).", (int)ol, op);
        if (ot_json_typeof(block) != OT_JSON_OBJECT || ot_json_count(block) == 0)
            return fail(p, "Condition operator %.*s must map keys to values.", (int)ol, op);
        ot_json_object_iter(block, &keys);
        while (ot_json_object_next(&keys, &k, &kl, &val)) {
            bool one;
            if (!cond_key(p, k, kl, &c.have))
                return fail(p, "Unsupported condition key \"%.*s\" (aws:SourceArn, "
                            "aws:SourceAccount, s3:x-amz-acl).", (int)kl, k);
            if (each_value(p, val, "A condition value", cond_value, &c, &one))
                return OT_EINVAL;
            *m = *m && one;
        }
    }
    return OT_OK;
}

/* ---- Statements ------------------------------------------------------------------------ */

static int statement(pol *p, ot_json st, ot_policy_result *out)
{
    static const char *const known[] = {"Sid", "Effect", "Principal", "Action", "Resource",
                                        "Condition"};
    ot_json v[6];
    bool have[6] = {false}, m[4] = {true, true, true, true};
    ot_json_iter it;
    ot_json val;
    const char *k, *eff;
    size_t kl, el;
    if (ot_json_typeof(st) != OT_JSON_OBJECT)
        return fail(p, "Each Statement must be an object.");
    ot_json_object_iter(st, &it);
    while (ot_json_object_next(&it, &k, &kl, &val)) {
        size_t i = 0;
        while (i < 6 && !str_is(k, kl, known[i]))
            i++;
        if (i == 6)
            return fail(p, "Unsupported policy element \"%.*s\" (NotPrincipal, NotAction and "
                        "NotResource are not supported).", (int)kl, k);
        if (have[i]) /* JSON allows it, and the last would silently win: refuse */
            return fail(p, "Duplicate policy element \"%s\".", known[i]);
        v[i] = val, have[i] = true;
    }
    for (size_t i = 1; i < 5; i++)
        if (!have[i])
            return fail(p, "Missing required field %s.", known[i]);
    if (have[0] && ot_json_typeof(v[0]) != OT_JSON_STRING)
        return fail(p, "Sid must be a string.");
    if (ot_json_str(v[1], &eff, &el) || (!str_is(eff, el, "Allow") && !str_is(eff, el, "Deny")))
        return fail(p, "Effect must be \"Allow\" or \"Deny\".");
    if (principal(p, v[2], &m[0]) || each_value(p, v[3], "Action", action, NULL, &m[1]) ||
        each_value(p, v[4], "Resource", resource, NULL, &m[2]) ||
        (have[5] && condition(p, v[5], &m[3])))
        return OT_EINVAL;
    if (p->a && m[0] && m[1] && m[2] && m[3])
        *out = eff[0] == 'D' ? OT_POLICY_DENY : OT_POLICY_ALLOW;
    return OT_OK;
}

static int walk(pol *p, const char *json, size_t len, ot_policy_result *res)
{
    char perr[128];
    ot_json root, val;
    ot_json_iter it;
    const char *k, *s;
    size_t kl, n;
    bool have_statement = false;
    *res = OT_POLICY_NO_MATCH;
    if (len > OT_POLICY_MAX_BYTES)
        return fail(p, "Policies must be at most %d bytes.", OT_POLICY_MAX_BYTES);
    ot_json_doc *d = ot_json_doc_new();
    if (!d)
        return fail(p, "Out of memory.");
    int rc = OT_OK;
    if (ot_json_parse(d, json, len, false, &root, perr, sizeof perr)) {
        rc = fail(p, "Policies must be valid JSON: %s.", perr);
        goto out;
    }
    if (ot_json_typeof(root) != OT_JSON_OBJECT) {
        rc = fail(p, "A policy must be a JSON object.");
        goto out;
    }
    ot_json_object_iter(root, &it);
    while (!rc && ot_json_object_next(&it, &k, &kl, &val)) {
        if (str_is(k, kl, "Version")) {
            if (ot_json_str(val, &s, &n) ||
                (!str_is(s, n, "2012-10-17") && !str_is(s, n, "2008-10-17")))
                rc = fail(p, "Version must be \"2012-10-17\" or \"2008-10-17\".");
        } else if (str_is(k, kl, "Id")) {
            if (ot_json_typeof(val) != OT_JSON_STRING)
                rc = fail(p, "Id must be a string.");
        } else if (str_is(k, kl, "Statement")) {
            if (have_statement) { /* a second one must not replace the first's Deny */
                rc = fail(p, "Duplicate policy element \"Statement\".");
                break;
            }
            have_statement = true;
            if (ot_json_typeof(val) == OT_JSON_OBJECT) {
                rc = statement(p, val, res);
            } else if (ot_json_typeof(val) == OT_JSON_ARRAY && ot_json_count(val) > 0) {
                ot_json_iter si;
                ot_json st;
                ot_json_array_iter(val, &si);
                while (!rc && ot_json_array_next(&si, &st)) {
                    ot_policy_result r = OT_POLICY_NO_MATCH;
                    rc = statement(p, st, &r);
                    if (r == OT_POLICY_DENY || (r == OT_POLICY_ALLOW && *res != OT_POLICY_DENY))
                        *res = r;
                }
            } else {
                rc = fail(p, "Statement must be an object or a non-empty list.");
            }
        } else {
            rc = fail(p, "Unsupported policy element \"%.*s\".", (int)kl, k);
        }
    }
    if (!rc && !have_statement)
        rc = fail(p, "Missing required field Statement.");
out:
    ot_json_doc_free(d);
    return rc;
}

int ot_s3_policy_check(const char *json, size_t len, const char *bucket, char *err,
                       size_t errlen)
{
    pol p = {.a = NULL, .bucket = bucket, .err = err, .errlen = errlen};
    ot_policy_result r;
    return walk(&p, json, len, &r);
}

ot_policy_result ot_s3_policy_eval(const char *json, size_t len, const ot_s3_access *a)
{
    pol p = {.a = a, .bucket = a->bucket};
    ot_policy_result r;
    return walk(&p, json, len, &r) ? OT_POLICY_DENY : r;
}
