/* profile.h — which profile a command uses, and that profile's settings in the shared files.
 *
 * As botocore: the profile is --profile, else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else
 * "default" (botocore/configprovider.py). Its settings are the union of section [profile NAME]
 * ([default] or [profile default] for "default") of the config file (AWS_CONFIG_FILE, else
 * ~/.aws/config) and section [NAME] of the credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 * ~/.aws/credentials); for a key in both, the credentials file wins (botocore session.py
 * full_config). */
#ifndef OT_AWS_PROFILE_H
#define OT_AWS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/ini.h"

/* The profile of this process's commands (a --profile flag that reaches clients built deep in
 * another module, as validate's). NULL clears it. The string is borrowed: it must outlive the
 * clients (an argv element does). */
void ot_aws_profile_set_default(const char *name);

/* Where the profile name came from. A flag (OT_AWS_PROFILE_FLAG) turns off the environment's
 * keys, as --profile does for the AWS CLI (botocore create_credential_resolver). */
typedef enum ot_aws_profile_origin {
    OT_AWS_PROFILE_FLAG,        /* --profile, or ot_aws_profile_set_default */
    OT_AWS_PROFILE_ENV_DEFAULT, /* AWS_DEFAULT_PROFILE */
    OT_AWS_PROFILE_ENV,         /* AWS_PROFILE */
    OT_AWS_PROFILE_IMPLIED,     /* none named: "default" */
} ot_aws_profile_origin;

/* The profile name for a client whose own --profile is flag (may be NULL); *origin (may be
 * NULL) says where it came from. Borrowed (flag, the process default or the environment). */
const char *ot_aws_profile_name(const char *flag, ot_aws_profile_origin *origin);
/* "--profile", "AWS_DEFAULT_PROFILE", "AWS_PROFILE" or "no profile named": for messages. */
const char *ot_aws_profile_origin_name(ot_aws_profile_origin o);

typedef struct ot_aws_shared {
    char config_path[1024];
    char creds_path[1024];
    ot_aws_ini config;
    ot_aws_ini creds;
} ot_aws_shared;

/* Reads both files (a missing one is empty). OT_EINVAL / OT_EIO / OT_ELIMIT with err naming
 * the file when one exists but cannot be used. */
int ot_aws_shared_load(ot_aws_shared *s, char *err, size_t errlen);
void ot_aws_shared_free(ot_aws_shared *s);

/* A setting of profile (borrowed from s; NULL if absent): credentials file first. */
const char *ot_aws_profile_get(const ot_aws_shared *s, const char *profile, const char *key);
/* The same, in the config file only / the credentials file only. */
const char *ot_aws_profile_config(const ot_aws_shared *s, const char *profile, const char *key);
const char *ot_aws_profile_creds(const ot_aws_shared *s, const char *profile, const char *key);
/* Whether either file has a section for profile. */
bool ot_aws_profile_exists(const ot_aws_shared *s, const char *profile);

#endif
