/* login_allowlist.c — parsing and matching the instance-login allowlist (login_allowlist.h). */
#include "respond/login_allowlist.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define SPACES " \t"

static int fail(char *err, size_t errlen, const char *entry, size_t n, const char *why)
{
    snprintf(err, errlen, "runbook-instance-login-allow: entry \"%.*s\": %s", (int)(n > 200 ? 200 : n),
             entry, why);
    return OT_EINVAL;
}

/* Copies the value of one part into dst (cap bytes); false when it does not fit. */
static bool take(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

/* One "key=value" part of entry e (the part is p, n bytes; the entry's text for errors). */
static int parse_part(rb_allow_entry *e, const char *p, size_t n, char *err, size_t errlen)
{
    const char *eq = memchr(p, '=', n);
    if (!eq || eq == p || eq + 1 == p + n)
        return fail(err, errlen, e->text, strlen(e->text), "each part is key=value");
    size_t klen = (size_t)(eq - p), vlen = n - klen - 1;
    const char *v = eq + 1;
    char why[160];
    if (klen == 4 && !memcmp(p, "user", 4)) {
        if (e->user[0])
            return fail(err, errlen, e->text, strlen(e->text), "user= is given twice");
        if (!take(e->user, sizeof e->user, v, vlen))
            return fail(err, errlen, e->text, strlen(e->text), "user= is too long");
    } else if (klen == 5 && !memcmp(p, "actor", 5)) {
        if (e->actor[0])
            return fail(err, errlen, e->text, strlen(e->text), "actor= is given twice");
        if (!take(e->actor, sizeof e->actor, v, vlen))
            return fail(err, errlen, e->text, strlen(e->text), "actor= is too long");
    } else if (klen == 4 && !memcmp(p, "cidr", 4)) {
        if (e->has_cidr)
            return fail(err, errlen, e->text, strlen(e->text), "cidr= is given twice");
        if (ot_cidr_parse(v, vlen, &e->cidr, why, sizeof why))
            return fail(err, errlen, e->text, strlen(e->text), why);
        e->has_cidr = true;
    } else {
        return fail(err, errlen, e->text, strlen(e->text),
                    "unknown part (user=, actor= and cidr= are known)");
    }
    return OT_OK;
}

/* One entry: the n bytes at s, already without the ';'. */
static int parse_entry(const char *s, size_t n, rb_allow_entry *e, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    if (n >= sizeof e->text)
        return fail(err, errlen, s, n, "too long");
    memcpy(e->text, s, n);
    size_t at = 0, parts = 0;
    while (at < n) {
        at += strspn(e->text + at, SPACES);
        size_t len = strcspn(e->text + at, SPACES);
        if (!len)
            break;
        int rc = parse_part(e, e->text + at, len, err, errlen);
        if (rc)
            return rc;
        parts++;
        at += len;
    }
    return parts ? OT_OK : fail(err, errlen, s, n, "no parts (user=, actor=, cidr=)");
}

/* The entry [s, s+n) without the spaces around it. */
static void trim(const char **s, size_t *n)
{
    while (*n && strchr(SPACES, **s))
        (*s)++, (*n)--;
    while (*n && strchr(SPACES, (*s)[*n - 1]))
        (*n)--;
}

int rb_allowlist_parse(const char *s, rb_allowlist *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ';';
    out->v = calloc(cap, sizeof *out->v);
    if (!out->v)
        return OT_ENOMEM;
    for (const char *p = s;;) {
        size_t n = strcspn(p, ";");
        const char *entry = p;
        size_t len = n;
        trim(&entry, &len);
        if (len) { /* an empty entry (";;", a trailing ';') is nothing */
            int rc = parse_entry(entry, len, &out->v[out->n], err, errlen);
            if (rc) {
                rb_allowlist_free(out);
                return rc;
            }
            out->n++;
        }
        if (!p[n])
            return OT_OK;
        p += n + 1;
    }
}

static bool glob(const char *pattern, const char *s)
{
    return s && s[0] && !fnmatch(pattern, s, 0);
}

static bool entry_allows(const rb_allow_entry *e, const rb_login_who *who)
{
    if (e->user[0] && !glob(e->user, who->os_user))
        return false;
    if (e->actor[0] && !glob(e->actor, who->actor_arn) && !glob(e->actor, who->human))
        return false;
    if (e->has_cidr) {
        ot_ip ip;
        if (!who->source_ip || ot_ip_parse(who->source_ip, strlen(who->source_ip), &ip) ||
            !ot_cidr_contains(&e->cidr, &ip))
            return false;
    }
    return true;
}

int rb_allowlist_match(const rb_allowlist *l, const rb_login_who *who)
{
    for (size_t i = 0; i < l->n; i++)
        if (entry_allows(&l->v[i], who))
            return (int)i;
    return -1;
}

void rb_allowlist_free(rb_allowlist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
