/* creds.c — the credential chain and the region (see aws.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "util/err.h"

/* The value of key in section [section] of an INI file (as botocore reads the shared files:
 * '#' and ';' start comments, whitespace around names and values is dropped). */
static bool ini_get(const char *path, const char *section, const char *key, char *out,
                    size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[8192];
    bool in = false, found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char *s = line, *e;
        while (isspace((unsigned char)*s))
            s++;
        for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);)
            *--e = '\0';
        if (*s == '#' || *s == ';' || !*s)
            continue;
        if (*s == '[') {
            size_t n = strcspn(s + 1, "]");
            in = strlen(section) == n && !strncmp(s + 1, section, n);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!in || !eq)
            continue;
        char *v = eq + 1;
        for (e = eq; e > s && isspace((unsigned char)e[-1]);)
            e--;
        while (isspace((unsigned char)*v))
            v++;
        if ((size_t)(e - s) == strlen(key) && !strncmp(s, key, (size_t)(e - s)) && *v) {
            snprintf(out, cap, "%s", v);
            found = true;
        }
    }
    fclose(f);
    return found;
}

static bool from_file(ot_aws_creds *c, const char *path, const char *profile)
{
    if (!ini_get(path, profile, "aws_access_key_id", c->access_key, sizeof c->access_key) ||
        !ini_get(path, profile, "aws_secret_access_key", c->secret_key, sizeof c->secret_key))
        return false;
    ini_get(path, profile, "aws_session_token", c->session_token, sizeof c->session_token);
    snprintf(c->source, sizeof c->source, "%s [%s]", path, profile);
    return true;
}

static bool from_env(ot_aws_creds *c)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    const char *tok = getenv("AWS_SESSION_TOKEN");
    if (!ak || !*ak || !sk || !*sk)
        return false;
    snprintf(c->access_key, sizeof c->access_key, "%s", ak);
    snprintf(c->secret_key, sizeof c->secret_key, "%s", sk);
    snprintf(c->session_token, sizeof c->session_token, "%s", tok ? tok : "");
    snprintf(c->source, sizeof c->source, "environment");
    return true;
}

static const char *profile_name(const char *profile)
{
    const char *env = getenv("AWS_PROFILE");
    return profile && *profile ? profile : env && *env ? env : "default";
}

static void shared_file(char *out, size_t cap)
{
    const char *f = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
    if (f && *f)
        snprintf(out, cap, "%s", f);
    else
        snprintf(out, cap, "%s/.aws/credentials", home ? home : ".");
}

static bool from_data_dir(ot_aws_creds *c, const char *path)
{
    if (path[0] && from_file(c, path, "default"))
        return true;
    memset(c, 0, sizeof *c);
    return false;
}

int ot_aws_creds_load(ot_aws_creds *c, const ot_aws_client_opts *o, char *err, size_t errlen)
{
    char dd[1100] = "", shared[1024];
    const char *prof = profile_name(o->profile);
    memset(c, 0, sizeof *c);
    shared_file(shared, sizeof shared);
    if (o->data_dir)
        snprintf(dd, sizeof dd, "%s/credentials", o->data_dir);
    if (o->data_dir_first && from_data_dir(c, dd))
        return OT_OK;
    if (from_env(c) || from_file(c, shared, prof))
        return OT_OK;
    memset(c, 0, sizeof *c);
    if (!o->data_dir_first && from_data_dir(c, dd))
        return OT_OK;
    snprintf(err, errlen, "Unable to locate credentials: tried the environment "
             "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), profile [%s] of %s%s%s", prof,
             shared, dd[0] ? " and [default] of " : "", dd);
    return OT_ENOTFOUND;
}

void ot_aws_region(const char *flag, const char *profile, char *out, size_t cap)
{
    const char *r = flag && *flag ? flag : getenv("AWS_REGION");
    if (!r || !*r)
        r = getenv("AWS_DEFAULT_REGION");
    if (r && *r) {
        snprintf(out, cap, "%s", r);
        return;
    }
    char path[1024], section[300];
    const char *cfg = getenv("AWS_CONFIG_FILE"), *home = getenv("HOME");
    const char *prof = profile_name(profile);
    if (cfg && *cfg)
        snprintf(path, sizeof path, "%s", cfg);
    else
        snprintf(path, sizeof path, "%s/.aws/config", home ? home : ".");
    if (strcmp(prof, "default"))
        snprintf(section, sizeof section, "profile %s", prof);
    else
        snprintf(section, sizeof section, "default");
    if (!ini_get(path, section, "region", out, cap))
        snprintf(out, cap, "us-east-1");
}
