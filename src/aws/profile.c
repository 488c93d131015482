/* profile.c — profile selection and the merged view of the two shared files (see profile.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/profile.h"
#include "util/err.h"

static const char *g_default_profile;

void ot_aws_profile_set_default(const char *name)
{
    g_default_profile = name && *name ? name : NULL;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const char *ot_aws_profile_name(const char *flag, ot_aws_profile_origin *origin)
{
    ot_aws_profile_origin o = OT_AWS_PROFILE_FLAG;
    const char *name = flag && *flag ? flag : g_default_profile;
    if (!name && (name = env("AWS_DEFAULT_PROFILE")))
        o = OT_AWS_PROFILE_ENV_DEFAULT;
    if (!name && (name = env("AWS_PROFILE")))
        o = OT_AWS_PROFILE_ENV;
    if (!name) {
        name = "default";
        o = OT_AWS_PROFILE_IMPLIED;
    }
    if (origin)
        *origin = o;
    return name;
}

const char *ot_aws_profile_origin_name(ot_aws_profile_origin o)
{
    static const char *const names[] = {"--profile", "AWS_DEFAULT_PROFILE", "AWS_PROFILE",
                                        "no profile named"};
    return names[o];
}

static void file_path(char *out, size_t cap, const char *var, const char *name)
{
    const char *f = env(var), *home = env("HOME");
    if (f)
        snprintf(out, cap, "%s", f);
    else
        snprintf(out, cap, "%s/.aws/%s", home ? home : ".", name);
}

int ot_aws_shared_load(ot_aws_shared *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    file_path(s->config_path, sizeof s->config_path, "AWS_CONFIG_FILE", "config");
    file_path(s->creds_path, sizeof s->creds_path, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    int rc = ot_aws_ini_read(&s->config, s->config_path, err, errlen);
    if (rc == OT_ENOTFOUND)
        rc = OT_OK;
    if (!rc)
        rc = ot_aws_ini_read(&s->creds, s->creds_path, err, errlen);
    if (rc == OT_ENOTFOUND)
        rc = OT_OK;
    if (rc)
        ot_aws_shared_free(s);
    return rc;
}

void ot_aws_shared_free(ot_aws_shared *s)
{
    ot_aws_ini_free(&s->config);
    ot_aws_ini_free(&s->creds);
}

/* The config file's section of profile: "profile NAME" (any run of blanks after "profile"),
 * and for "default" also "default". Returns the first of them that exists. */
static const char *config_section(const ot_aws_ini *ini, const char *profile)
{
    if (!strcmp(profile, "default") && ot_aws_ini_has_section(ini, "default"))
        return "default";
    for (size_t i = 0; i < ini->n; i++) {
        const char *n = ini->sec[i].name;
        if (strncmp(n, "profile", 7) || (n[7] != ' ' && n[7] != '\t'))
            continue;
        n += 7 + strspn(n + 7, " \t");
        size_t len = strlen(n);
        while (len && (n[len - 1] == ' ' || n[len - 1] == '\t'))
            len--;
        if (len == strlen(profile) && !strncmp(n, profile, len))
            return ini->sec[i].name;
    }
    return NULL;
}

const char *ot_aws_profile_config(const ot_aws_shared *s, const char *profile, const char *key)
{
    const char *sec = config_section(&s->config, profile);
    return sec ? ot_aws_ini_get(&s->config, sec, key) : NULL;
}

const char *ot_aws_profile_creds(const ot_aws_shared *s, const char *profile, const char *key)
{
    return ot_aws_ini_get(&s->creds, profile, key);
}

const char *ot_aws_profile_get(const ot_aws_shared *s, const char *profile, const char *key)
{
    const char *v = ot_aws_profile_creds(s, profile, key);
    return v ? v : ot_aws_profile_config(s, profile, key);
}

bool ot_aws_profile_exists(const ot_aws_shared *s, const char *profile)
{
    return ot_aws_ini_has_section(&s->creds, profile) || config_section(&s->config, profile);
}
