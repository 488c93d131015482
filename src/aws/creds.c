/* creds.c — the credential chain and the region (see aws.h), as botocore resolves them
 * (botocore/credentials.py create_credential_resolver):
 *   1. the environment, unless a --profile names the profile;
 *   2. the profile: role_arn (STS AssumeRole with the source_profile's or credential_source's
 *      credentials), else static keys of the credentials file, else credential_process, else
 *      static keys of the config file;
 *   3. then (ours) DATA-DIR/credentials [default] — first instead of last for a command that
 *      talks to that data dir's server (lookup --endpoint), unless --profile is given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credsrc.h"
#include "aws/profile.h"
#include "util/err.h"

#define MAX_CHAIN 8 /* profiles one role chain may visit */
#define HELP_EXPORT                                                                           \
    "export the credentials first (e.g. eval \"$(aws configure export-credentials --profile %s " \
    "--format env)\" with AWS CLI v2) and run opentrail without --profile; see "                 \
    "docs/credentials.md"

static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

int ot_aws_creds_set(ot_aws_creds *c, const char *what, const char *ak, size_t akn,
                     const char *sk, size_t skn, const char *tok, size_t tokn, char *err,
                     size_t errlen)
{
    const char *bad = !akn ? "an empty access key id" : !skn ? "an empty secret access key"
                    : !printable(ak, akn) ? "a control character in the access key id"
                    : !printable(sk, skn) ? "a control character in the secret access key"
                    : tok && !printable(tok, tokn) ? "a control character in the session token"
                    : NULL;
    if (!bad && (akn >= sizeof c->access_key || skn >= sizeof c->secret_key ||
                 (tok && tokn >= sizeof c->session_token))) {
        snprintf(err, errlen, "%s: a key or token longer than opentrail accepts", what);
        return OT_ELIMIT;
    }
    if (bad) {
        snprintf(err, errlen, "%s: %s", what, bad);
        return OT_EINVAL;
    }
    memcpy(c->access_key, ak, akn);
    c->access_key[akn] = '\0';
    memcpy(c->secret_key, sk, skn);
    c->secret_key[skn] = '\0';
    snprintf(c->session_token, sizeof c->session_token, "%.*s", (int)tokn, tok ? tok : "");
    snprintf(c->source, sizeof c->source, "%s", what);
    return OT_OK;
}

/* ---- one source each ------------------------------------------------------------------- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* botocore EnvProvider: an access key without a secret is an error, not "none". */
static int from_env(ot_aws_creds *c, char *err, size_t errlen)
{
    const char *ak = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY");
    const char *tok = env("AWS_SECURITY_TOKEN");
    if (!tok)
        tok = env("AWS_SESSION_TOKEN");
    if (!ak)
        return OT_ENOTFOUND;
    if (!sk) {
        snprintf(err, errlen, "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY");
        return OT_EINVAL;
    }
    return ot_aws_creds_set(c, "environment", ak, strlen(ak), sk, strlen(sk), tok,
                            tok ? strlen(tok) : 0, err, errlen);
}

/* Keys of one file's section (botocore SharedCredentialProvider / ConfigProvider). */
static int static_keys(ot_aws_creds *c, const char *ak, const char *sk, const char *tok,
                       const char *where, char *err, size_t errlen)
{
    if (!ak)
        return OT_ENOTFOUND;
    if (!sk) {
        snprintf(err, errlen, "Partial credentials found in %s, missing: aws_secret_access_key",
                 where);
        return OT_EINVAL;
    }
    return ot_aws_creds_set(c, where, ak, strlen(ak), sk, strlen(sk), tok, tok ? strlen(tok) : 0,
                            err, errlen);
}

static bool from_data_dir(ot_aws_creds *c, const char *path)
{
    ot_aws_ini ini;
    char err[64];
    bool ok = path[0] && !ot_aws_ini_read(&ini, path, err, sizeof err);
    if (ok) {
        char where[1100];
        snprintf(where, sizeof where, "%s [default]", path);
        ok = !static_keys(c, ot_aws_ini_get(&ini, "default", "aws_access_key_id"),
                          ot_aws_ini_get(&ini, "default", "aws_secret_access_key"),
                          ot_aws_ini_get(&ini, "default", "aws_session_token"), where, err,
                          sizeof err);
        ot_aws_ini_free(&ini);
    }
    if (!ok)
        memset(c, 0, sizeof *c);
    return ok;
}

/* ---- a profile ------------------------------------------------------------------------- */

typedef struct chain {
    ot_aws_shared files;
    char region[64];                 /* for STS */
    const char *visited[MAX_CHAIN];  /* source profiles, loop check (botocore's rule) */
    size_t nvisited;
    char *err;
    size_t errlen;
} chain;

static const char *get(const chain *ch, const char *profile, const char *key)
{
    return ot_aws_profile_get(&ch->files, profile, key);
}

static int unsupported(chain *ch, const char *profile, const char *what)
{
    snprintf(ch->err, ch->errlen, "profile %s uses %s, which opentrail does not support: "
             HELP_EXPORT, profile, what, profile);
    return OT_EINVAL;
}

static void cache_key(const chain *ch, const char *profile, char *key, size_t cap)
{
    snprintf(key, cap, "%s\n%s\n%s", ch->files.config_path, ch->files.creds_path, profile);
}

static int profile_creds(chain *ch, const char *profile, ot_aws_creds *c, bool allow_role);
static int role_creds(chain *ch, const char *profile, ot_aws_creds *c);

static int process_creds(chain *ch, const char *profile, const char *cmd, ot_aws_creds *c)
{
    char key[2200], why[1800];
    cache_key(ch, profile, key, sizeof key);
    if (ot_aws_creds_cache_get(key, c))
        return OT_OK;
    int rc = ot_aws_credproc_run(c, cmd, why, sizeof why);
    if (rc) {
        snprintf(ch->err, ch->errlen, "profile %s: %s", profile, why);
        return rc;
    }
    snprintf(c->source, sizeof c->source, "credential_process of profile %s", profile);
    ot_aws_creds_cache_put(key, c);
    return OT_OK;
}

static bool has_static(const chain *ch, const char *profile)
{
    return get(ch, profile, "aws_access_key_id") || get(ch, profile, "aws_secret_access_key");
}

/* botocore ProfileProviderBuilder.providers, after the AssumeRole provider. */
static int profile_creds(chain *ch, const char *profile, ot_aws_creds *c, bool allow_role)
{
    char where[1400];
    const ot_aws_shared *f = &ch->files;
    if (allow_role && get(ch, profile, "role_arn") && !get(ch, profile, "web_identity_token_file"))
        return role_creds(ch, profile, c);
    if (get(ch, profile, "web_identity_token_file"))
        return unsupported(ch, profile, "web_identity_token_file (AssumeRoleWithWebIdentity)");
    if (get(ch, profile, "sso_session") || get(ch, profile, "sso_start_url"))
        return unsupported(ch, profile, "IAM Identity Center (SSO: sso_session / sso_start_url)");
    snprintf(where, sizeof where, "%s [%s]", f->creds_path, profile);
    int rc = static_keys(c, ot_aws_profile_creds(f, profile, "aws_access_key_id"),
                         ot_aws_profile_creds(f, profile, "aws_secret_access_key"),
                         ot_aws_profile_creds(f, profile, "aws_session_token"), where, ch->err,
                         ch->errlen);
    if (rc != OT_ENOTFOUND)
        return rc;
    const char *cmd = get(ch, profile, "credential_process");
    if (cmd)
        return process_creds(ch, profile, cmd, c);
    snprintf(where, sizeof where, "%s [profile %s]", f->config_path, profile);
    return static_keys(c, ot_aws_profile_config(f, profile, "aws_access_key_id"),
                       ot_aws_profile_config(f, profile, "aws_secret_access_key"),
                       ot_aws_profile_config(f, profile, "aws_session_token"), where, ch->err,
                       ch->errlen);
}

/* credential_source: only Environment is ours to read; the others need an EC2/ECS host. */
static int source_named(chain *ch, const char *profile, const char *src, ot_aws_creds *c)
{
    if (!strcmp(src, "Environment")) {
        int rc = from_env(c, ch->err, ch->errlen);
        if (rc == OT_ENOTFOUND)
            snprintf(ch->err, ch->errlen, "No credentials found in credential_source referenced "
                     "in profile %s (Environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
                     profile);
        return rc == OT_ENOTFOUND ? OT_EINVAL : rc;
    }
    if (!strcmp(src, "Ec2InstanceMetadata") || !strcmp(src, "EcsContainer"))
        return unsupported(ch, profile, "credential_source = Ec2InstanceMetadata / EcsContainer");
    snprintf(ch->err, ch->errlen, "The credential source \"%s\" referenced in profile \"%s\" is "
             "not valid (opentrail supports Environment)", src, profile);
    return OT_EINVAL;
}

static bool visited(const chain *ch, const char *profile)
{
    for (size_t i = 0; i < ch->nvisited; i++)
        if (!strcmp(ch->visited[i], profile))
            return true;
    return false;
}

static int loop_error(chain *ch, const char *src)
{
    size_t n = (size_t)snprintf(ch->err, ch->errlen, "Infinite loop in credential configuration "
                                "detected. Attempting to load from profile %s which has already "
                                "been visited. Visited profiles:", src);
    for (size_t i = 0; i < ch->nvisited && n < ch->errlen; i++)
        n += (size_t)snprintf(ch->err + n, ch->errlen - n, " %s", ch->visited[i]);
    return OT_EINVAL;
}

/* botocore AssumeRoleProvider._validate_source_profile and _resolve_credentials_from_profile. */
static int source_profile(chain *ch, const char *parent, const char *src, ot_aws_creds *c)
{
    if (!ot_aws_profile_exists(&ch->files, src)) {
        snprintf(ch->err, ch->errlen, "The source_profile \"%s\" referenced in the profile \"%s\" "
                 "does not exist in %s or %s", src, parent, ch->files.config_path,
                 ch->files.creds_path);
        return OT_EINVAL;
    }
    /* a profile may name itself to take static keys; any other revisit is a loop */
    if ((visited(ch, src) && (strcmp(src, parent) || !has_static(ch, src))) ||
        ch->nvisited == MAX_CHAIN)
        return loop_error(ch, src);
    ch->visited[ch->nvisited++] = src;
    if (!has_static(ch, src) && get(ch, src, "role_arn"))
        return role_creds(ch, src, c);
    int rc = profile_creds(ch, src, c, false);
    if (rc == OT_ENOTFOUND) {
        snprintf(ch->err, ch->errlen, "The source profile \"%s\" must have credentials.", src);
        rc = OT_EINVAL;
    }
    return rc;
}

static int assume(chain *ch, const char *profile, const ot_aws_creds *source, ot_aws_creds *c)
{
    char why[1400];
    ot_aws_assume_args a = {.role_arn = get(ch, profile, "role_arn"),
                            .session_name = get(ch, profile, "role_session_name"),
                            .external_id = get(ch, profile, "external_id"),
                            .duration_s = get(ch, profile, "duration_seconds"),
                            .region = ch->region};
    int rc = ot_aws_assume_role(c, source, &a, why, sizeof why);
    if (rc)
        snprintf(ch->err, ch->errlen, "profile %s: assuming role %s with the credentials of %s: "
                 "%s", profile, a.role_arn, source->source, why);
    return rc;
}

/* botocore AssumeRoleProvider._get_role_config and _resolve_source_credentials. */
static int role_creds(chain *ch, const char *profile, ot_aws_creds *c)
{
    char key[2200];
    ot_aws_creds source;
    const char *src = get(ch, profile, "source_profile");
    const char *named = get(ch, profile, "credential_source");
    cache_key(ch, profile, key, sizeof key);
    if (ot_aws_creds_cache_get(key, c))
        return OT_OK;
    if (get(ch, profile, "mfa_serial"))
        return unsupported(ch, profile, "role_arn with mfa_serial (an MFA code prompt)");
    if (src && named) {
        snprintf(ch->err, ch->errlen, "The profile \"%s\" contains both source_profile and "
                 "credential_source.", profile);
        return OT_EINVAL;
    }
    if (!src && !named) {
        snprintf(ch->err, ch->errlen, "profile %s has role_arn but neither source_profile nor "
                 "credential_source", profile);
        return OT_EINVAL;
    }
    memset(&source, 0, sizeof source);
    int rc = named ? source_named(ch, profile, named, &source)
                   : source_profile(ch, profile, src, &source);
    if (!rc)
        rc = assume(ch, profile, &source, c);
    if (!rc)
        ot_aws_creds_cache_put(key, c);
    return rc;
}

/* ---- the chain ------------------------------------------------------------------------- */

static void not_found(const chain *ch, const char *profile, ot_aws_profile_origin origin,
                      const char *dd, char *err, size_t errlen)
{
    snprintf(err, errlen, "Unable to locate credentials: tried %sprofile %s (%s) in "
             "%s [%s] and %s [%s%s]%s%s. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
             "give the profile aws_access_key_id and aws_secret_access_key, credential_process, "
             "or role_arn with source_profile (see docs/credentials.md)",
             origin == OT_AWS_PROFILE_FLAG ? "" : "the environment (AWS_ACCESS_KEY_ID and "
                                                 "AWS_SECRET_ACCESS_KEY), ",
             profile, ot_aws_profile_origin_name(origin), ch->files.creds_path, profile,
             ch->files.config_path, strcmp(profile, "default") ? "profile " : "", profile,
             dd[0] ? ", and [default] of " : "", dd);
}

static int profile_not_found(const chain *ch, const char *profile, ot_aws_profile_origin origin,
                             char *err, size_t errlen)
{
    snprintf(err, errlen, "The config profile (%s) could not be found: named by %s, it is "
             "neither [%s] in %s nor [profile %s] in %s", profile,
             ot_aws_profile_origin_name(origin), profile, ch->files.creds_path, profile,
             ch->files.config_path);
    return OT_ENOTFOUND;
}

static int load_chain(chain *ch, ot_aws_creds *c, const ot_aws_client_opts *o, const char *dd)
{
    ot_aws_profile_origin origin;
    const char *profile = ot_aws_profile_name(o->profile, &origin);
    /* as the AWS CLI: a named profile that exists nowhere is an error even with env keys */
    if (strcmp(profile, "default") && !ot_aws_profile_exists(&ch->files, profile))
        return profile_not_found(ch, profile, origin, ch->err, ch->errlen);
    ch->visited[ch->nvisited++] = profile;
    int rc = origin == OT_AWS_PROFILE_FLAG ? OT_ENOTFOUND : from_env(c, ch->err, ch->errlen);
    if (rc == OT_ENOTFOUND)
        rc = profile_creds(ch, profile, c, true);
    if (rc == OT_ENOTFOUND && !o->data_dir_first && from_data_dir(c, dd))
        rc = OT_OK;
    if (rc == OT_ENOTFOUND)
        not_found(ch, profile, origin, dd, ch->err, ch->errlen);
    return rc;
}

int ot_aws_creds_load(ot_aws_creds *c, const ot_aws_client_opts *o, char *err, size_t errlen)
{
    char dd[1100] = "";
    ot_aws_profile_origin origin;
    chain ch = {.err = err, .errlen = errlen};
    memset(c, 0, sizeof *c);
    ot_aws_profile_name(o->profile, &origin);
    if (o->data_dir)
        snprintf(dd, sizeof dd, "%s/credentials", o->data_dir);
    if (o->data_dir_first && origin != OT_AWS_PROFILE_FLAG && from_data_dir(c, dd))
        return OT_OK;
    int rc = ot_aws_shared_load(&ch.files, err, errlen);
    if (rc)
        return rc;
    ot_aws_region(o->region, o->profile, ch.region, sizeof ch.region);
    rc = load_chain(&ch, c, o, dd);
    ot_aws_shared_free(&ch.files);
    if (rc)
        memset(c, 0, sizeof *c);
    return rc;
}

void ot_aws_region(const char *flag, const char *profile, char *out, size_t cap)
{
    const char *r = flag && *flag ? flag : env("AWS_REGION");
    if (!r)
        r = env("AWS_DEFAULT_REGION");
    if (r) {
        snprintf(out, cap, "%s", r);
        return;
    }
    ot_aws_shared files;
    char err[64];
    r = NULL;
    if (!ot_aws_shared_load(&files, err, sizeof err)) {
        r = ot_aws_profile_get(&files, ot_aws_profile_name(profile, NULL), "region");
        snprintf(out, cap, "%s", r ? r : "us-east-1");
        ot_aws_shared_free(&files);
    }
    if (!r)
        snprintf(out, cap, "us-east-1");
}
