/* login_allowlist.h — the allowlist gate of the instance-login runbook (docs/runbooks.md
 * "instance-login"): the logins to an instance that are an approved change, so the instance is
 * not isolated (the incident only notifies).
 *
 * The configuration (runbook-instance-login-allow) is a ';'-separated list of entries; an entry
 * is one or more space-separated parts, each given at most once:
 *     user=GLOB     the OS user the key was sent for (requestParameters.instanceOSUser)
 *     actor=GLOB    the caller: userIdentity.arn, or the human resolved behind it
 *     cidr=BLOCK    the caller's sourceIPAddress is in this IPv4 or IPv6 block
 * A login is allowed when every part of one entry matches it. GLOB is a shell pattern
 * (fnmatch(3): '*' also matches '/', '?', [set]); a login without an OS user (ssm StartSession)
 * or without an IP address never matches an entry that names one. */
#ifndef OT_LOGIN_ALLOWLIST_H
#define OT_LOGIN_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "util/cidr.h"

#define RB_ALLOW_USER_MAX 64    /* AWS: instanceOSUser is at most 32 characters */
#define RB_ALLOW_ACTOR_MAX 512
#define RB_ALLOW_TEXT_MAX 640

typedef struct rb_allow_entry {
    char user[RB_ALLOW_USER_MAX];   /* "" = any */
    char actor[RB_ALLOW_ACTOR_MAX]; /* "" = any */
    bool has_cidr;
    ot_cidr cidr;
    char text[RB_ALLOW_TEXT_MAX];   /* the entry as configured, for the incident */
} rb_allow_entry;

typedef struct rb_allowlist {
    rb_allow_entry *v;  /* malloc'd; rb_allowlist_free() */
    size_t n;
} rb_allowlist;

/* What the gate looks at in one login (NULL or "" when the record has none). */
typedef struct rb_login_who {
    const char *os_user;
    const char *actor_arn;
    const char *human;
    const char *source_ip;
} rb_login_who;

/* Parses the configured list ("" is the empty list). OT_EINVAL with the reason (naming the
 * entry) in err: an unknown or repeated part, a part without '=' or a value, an entry without
 * parts, a value too long, a bad CIDR block. OT_ENOMEM. */
int rb_allowlist_parse(const char *s, rb_allowlist *out, char *err, size_t errlen);
/* The index of the first entry that allows the login, or -1. */
int rb_allowlist_match(const rb_allowlist *l, const rb_login_who *who);
void rb_allowlist_free(rb_allowlist *l);

#endif
